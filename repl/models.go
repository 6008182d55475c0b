package repl

import (
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// buildModel builds a model of the zoo through model.Build (shared with the
// experiment runners of kdlib/exp) on the environment's index spaces,
// training data and seed.
func buildModel(env ModelEnv, c model.BuildConfig) (*ModelBuild, error) {
	c.Users, c.Items, c.Seed = env.Users, env.Items, env.Seed
	b, err := model.Build(c, env.Train)
	if err != nil {
		return nil, err
	}
	return &ModelBuild{Model: b.Model, Loss: []train.Term{b.Loss}, Examples: b.Examples}, nil
}

// The model kinds of `train <name> <kind>`. Adding one is one
// registerModel call: its options (with types, defaults and ranges) and a
// constructor that calls kdlib/model. The parser, help and completion pick
// it up from here.
func init() {
	registerModel("bpr", ModelSpec{
		Doc: "BPR-MF: matrix factorisation with the Bayesian personalised ranking loss (Rendle et al., UAI 2009)",
		Options: []Option{
			IntOpt("dim", 64, 1, 4096, "embedding size d of users and items"),
			PositiveOpt("init-std", 0.01, 10, "standard deviation of the N(0, std²) initialisation"),
		},
		New: func(env ModelEnv, o Values) (*ModelBuild, error) {
			return buildModel(env, model.BuildConfig{Kind: "bpr", Dim: o.Int("dim"), InitStd: o.Float("init-std")})
		},
	})
}
