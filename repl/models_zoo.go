package repl

import (
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The base-model zoo of kdlib/model, one registry entry per kind. Options
// left at 0 select the reference defaults documented on each config type.
func init() {
	ncf := func(kind string, build func(model.NCFConfig) (Recommender, []train.Term, error)) ModelSpec {
		return ModelSpec{
			Doc: map[string]string{
				"neumf": "NeuMF: GMF + MLP towers, BCE on sampled negatives (He et al., WWW 2017)",
				"mlp":   "NCF-MLP: the MLP tower of NeuMF alone (He et al., WWW 2017)",
			}[kind],
			Options: []Option{
				IntOpt("dim", 60, 1, 4096, "embedding size d"),
				IntOpt("layers", 1, 1, 8, "hidden layers of the MLP tower (each halves the width)"),
			},
			New: func(env ModelEnv, o Values) (*ModelBuild, error) {
				m, loss, err := build(model.NCFConfig{Users: env.Users, Items: env.Items, Dim: o.Int("dim"), Layers: o.Int("layers"), Seed: env.Seed})
				if err != nil {
					return nil, err
				}
				return &ModelBuild{Model: m, Loss: loss}, nil
			},
		}
	}
	registerModel("neumf", ncf("neumf", func(c model.NCFConfig) (Recommender, []train.Term, error) {
		m, err := model.NewNeuMF(c)
		if err != nil {
			return nil, nil, err
		}
		return m, []train.Term{m.Loss()}, nil
	}))
	registerModel("mlp", ncf("mlp", func(c model.NCFConfig) (Recommender, []train.Term, error) {
		m, err := model.NewMLP(c)
		if err != nil {
			return nil, nil, err
		}
		return m, []train.Term{m.Loss()}, nil
	}))
	registerModel("cml", ModelSpec{
		Doc: "CML: collaborative metric learning, hinge loss with margin, max-norm 1 (Hsieh et al., WWW 2017)",
		Options: []Option{
			IntOpt("dim", 64, 1, 4096, "embedding size d"),
			PositiveOpt("margin", 1, 100, "hinge margin"),
		},
		New: func(env ModelEnv, o Values) (*ModelBuild, error) {
			m, err := model.NewCML(model.CMLConfig{Users: env.Users, Items: env.Items, Dim: o.Int("dim"), Margin: o.Float("margin"), Seed: env.Seed})
			if err != nil {
				return nil, err
			}
			return &ModelBuild{Model: m, Loss: []train.Term{m.Loss()}}, nil
		},
	})
	registerModel("lightgcn", ModelSpec{
		Doc: "LightGCN: normalised graph propagation, mean of layers, BPR + L2 (He et al., SIGIR 2020)",
		Options: []Option{
			IntOpt("dim", 64, 1, 4096, "embedding size d"),
			IntOpt("layers", 3, 1, 8, "propagation layers L"),
			PositiveOpt("reg", 1e-4, 1, "weight of the L2 term on the batch's layer-0 embeddings"),
		},
		New: func(env ModelEnv, o Values) (*ModelBuild, error) {
			m, err := model.NewLightGCN(model.LightGCNConfig{Users: env.Users, Items: env.Items, Dim: o.Int("dim"),
				Layers: o.Int("layers"), Reg: o.Float("reg"), Seed: env.Seed}, env.Train)
			if err != nil {
				return nil, err
			}
			return &ModelBuild{Model: m, Loss: []train.Term{m.Loss()}}, nil
		},
	})
	ae := func(doc string, item bool) ModelSpec {
		return ModelSpec{
			Doc: doc,
			Options: []Option{
				IntOpt("hidden", 60, 1, 4096, "code size"),
				FloatOpt("dropout", 0.2, 0, 0.95, "input corruption probability"),
			},
			New: func(env ModelEnv, o Values) (*ModelBuild, error) {
				c := model.CDAEConfig{Users: env.Users, Items: env.Items, Hidden: o.Int("hidden"), Dropout: o.Float("dropout"), Seed: env.Seed}
				if item {
					m, err := model.NewItemAE(c, env.Train)
					if err != nil {
						return nil, err
					}
					return &ModelBuild{Model: m, Loss: []train.Term{m.Loss()}, Examples: train.UserWise}, nil
				}
				m, err := model.NewCDAE(c, env.Train)
				if err != nil {
					return nil, err
				}
				return &ModelBuild{Model: m, Loss: []train.Term{m.Loss()}, Examples: train.UserWise}, nil
			},
		}
	}
	registerModel("cdae", ae("CDAE: user-side denoising autoencoder with a user embedding (Wu et al., WSDM 2016)", false))
	registerModel("iae", ae("I-AE: the item-side autoencoder over item columns (HetComp's I-AE teacher)", true))
}
