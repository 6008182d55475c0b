package repl

import (
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

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
			m, err := model.NewBPR(model.BPRConfig{Users: env.Users, Items: env.Items, Dim: o.Int("dim"),
				InitStd: o.Float("init-std"), Seed: env.Seed})
			if err != nil {
				return nil, err
			}
			return &ModelBuild{Model: m, Loss: []train.Term{m.Loss()}}, nil
		},
	})
}
