package repl

import (
	"github.com/kdrec/kdrec/kdlib/model"
)

// The base-model zoo of kdlib/model, one registry entry per kind, built by
// model.Build. Options left at 0 select the reference defaults documented
// on each config type.
func init() {
	ncf := func(kind, doc string) ModelSpec {
		return ModelSpec{
			Doc: doc,
			Options: []Option{
				IntOpt("dim", 60, 1, 4096, "embedding size d"),
				IntOpt("layers", 1, 1, 8, "hidden layers of the MLP tower (each halves the width)"),
			},
			New: func(env ModelEnv, o Values) (*ModelBuild, error) {
				return buildModel(env, model.BuildConfig{Kind: kind, Dim: o.Int("dim"), Layers: o.Int("layers")})
			},
		}
	}
	registerModel("neumf", ncf("neumf", "NeuMF: GMF + MLP towers, BCE on sampled negatives (He et al., WWW 2017)"))
	registerModel("mlp", ncf("mlp", "NCF-MLP: the MLP tower of NeuMF alone (He et al., WWW 2017)"))
	registerModel("cml", ModelSpec{
		Doc: "CML: collaborative metric learning, hinge loss with margin, max-norm 1 (Hsieh et al., WWW 2017)",
		Options: []Option{
			IntOpt("dim", 64, 1, 4096, "embedding size d"),
			PositiveOpt("margin", 1, 100, "hinge margin"),
		},
		New: func(env ModelEnv, o Values) (*ModelBuild, error) {
			return buildModel(env, model.BuildConfig{Kind: "cml", Dim: o.Int("dim"), Margin: o.Float("margin")})
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
			return buildModel(env, model.BuildConfig{Kind: "lightgcn", Dim: o.Int("dim"), Layers: o.Int("layers"), Reg: o.Float("reg")})
		},
	})
	ae := func(kind, doc string) ModelSpec {
		return ModelSpec{
			Doc: doc,
			Options: []Option{
				IntOpt("hidden", 60, 1, 4096, "code size"),
				FloatOpt("dropout", 0.2, 0, 0.95, "input corruption probability"),
			},
			New: func(env ModelEnv, o Values) (*ModelBuild, error) {
				return buildModel(env, model.BuildConfig{Kind: kind, Dim: o.Int("hidden"), Dropout: o.Float("dropout")})
			},
		}
	}
	registerModel("cdae", ae("cdae", "CDAE: user-side denoising autoencoder with a user embedding (Wu et al., WSDM 2016)"))
	registerModel("iae", ae("iae", "I-AE: the item-side autoencoder over item columns (HetComp's I-AE teacher)"))
}
