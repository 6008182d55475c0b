package distill

import (
	"fmt"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// RepPairScorer is a student that takes both latent gradients (DE) and
// score gradients (RRD), as BPR-MF does.
type RepPairScorer interface {
	model.Representer
	model.PairScorer
}

// DERRD returns the two terms of DE-RRD (S. Kang, J. Hwang, W. Kweon, H. Yu,
// "DE-RRD: A Knowledge Distillation Framework for Recommender System", CIKM
// 2020; methods.md §3.3 and §3.7), to be trained with the student's base
// loss:
//
//	L = L_BPR + λ_DE · L_DE + λ_RRD · L_RRD
//
// The first term is DE (Distillation Experts, see DE) built from the
// teacher's representations, the second RRD (see RRD) built from the
// teacher's ranking lists; they share nothing but the student. Zero fields
// of rrd take RRD's defaults; de is passed to DE as is (start from
// DefaultDE()).
func DERRD(teacher model.Embedder, lists *TeacherLists, student RepPairScorer, de DEOptions, rrd RRDOptions) ([]train.Term, error) {
	d, err := DE(teacher, student, de)
	if err != nil {
		return nil, fmt.Errorf("distill: de-rrd: %w", err)
	}
	r, err := RRD(lists, student, rrd)
	if err != nil {
		return nil, fmt.Errorf("distill: de-rrd: %w", err)
	}
	return []train.Term{d, r}, nil
}

func init() {
	d := DefaultDE()
	Register(Method{Name: "de-rrd", Kind: Both, Lambda: d.Lambda, Order: orderDERRD,
		Doc: "DE-RRD: DE (weight lambda) plus RRD (weight rrd-lambda) (Kang et al., CIKM 2020)",
		Options: append([]Option{optInt("experts", d.Experts, 1, 1024, "number M of DE experts per side"), optHidden,
			optPos("rrd-lambda", rrdLambda, maxCount, "weight λ_RRD of the RRD term")}, append(rrdOptionTable(), tauOptions(d.Tau)...)...),
		Precheck: func(v, _ Values) error {
			if err := tauPrecheck(v, Values{}); err != nil {
				return err
			}
			return poolLimits(v, "pool", "k", v.Int("n"))
		},
		Note: tauNote,
		Build: func(env Env, v Values) ([]train.Term, error) {
			if _, err := pairStudent(env, v.Method()); err != nil {
				return nil, err
			}
			lists, ro, err := rrdUserSide(env, v, v.Float("rrd-lambda"), false)
			if err != nil {
				return nil, err
			}
			teacher, _, err := latentPair(env, v.Method())
			if err != nil {
				return nil, err
			}
			rs, ok := env.Student.(RepPairScorer)
			if !ok {
				return nil, modelError(v.Method(), "student", "trainable representations and pair scores", env.Student)
			}
			d := DefaultDE()
			d.Lambda, d.Experts, d.Hidden, d.Seed = v.Float("lambda"), v.Int("experts"), v.Int("hidden"), env.Seed
			if d.Tau, err = tauOf(v); err != nil {
				return nil, err
			}
			return DERRD(teacher, lists, rs, d, ro)
		},
		// Tol high-contrast blue: DE-RRD joins DE and RRD and is shown with both groups, so
		// it takes a dark colour that reads apart from both palettes.
		Figure: figstyle.Style{Name: "DE-RRD", Groups: []string{figstyle.GroupLatent, figstyle.GroupRanking}, Color: "#004488", Marker: figstyle.DownPyramid},
	})
}
