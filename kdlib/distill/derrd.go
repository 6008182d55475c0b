package distill

import (
	"fmt"

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
