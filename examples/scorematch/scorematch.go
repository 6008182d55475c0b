// Package scorematch is the worked example of adding a distillation method
// to kdrec: this one file is all it takes. It defines "score-match", a
// point-wise score regression (the student's score of each training pair
// and sampled negative is pulled towards the teacher's, with weight λ:
// λ·Σ (s_ui − t_ui)² over the batch's pairs), and registers it with
// distill.Register from its init. Importing the package (for its side
// effect, as image/png is imported) puts the method on kdrepl's train line
// (kd=score-match lambda.score-match=… scale.score-match=…), in its help
// and completion, and in sweep specs ({"method": "score-match", …}), with
// the options, defaults and ranges declared below, and draws it in every
// figure in the style its registration declares (Figure: legend name,
// group, colour, marker, dash pattern, as plain strings that kdlib/report
// reads); nothing else in kdrec changes. The tests in this folder run it
// both ways and check that its style keeps the palette's rules
// (report.CheckPalette).
//
// It is a teaching example, not a method of the dissertation.
package scorematch

import (
	"fmt"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Name is the method's name in specs and on the train line.
const Name = "score-match"

// Options configures the term. The zero value is the default: λ = 0.01,
// Scale = 1.
type Options struct {
	// Lambda is the term's weight λ (default 0.01).
	Lambda float64
	// Scale multiplies the teacher's scores before they are matched
	// (default 1): teachers of another size score on another scale.
	Scale float64
}

// Method names the registered method Options configures.
func (*Options) Method() string { return Name }

// Term is the score-matching term.
type Term struct {
	o       Options
	teacher model.Scorer
	student model.PairScorer
	t, s, g []float32
}

var _ train.Term = (*Term)(nil)

// New returns the term for student and teacher.
func New(teacher model.Scorer, student model.PairScorer, o Options) (*Term, error) {
	if o.Lambda == 0 {
		o.Lambda = 0.01
	}
	if o.Scale == 0 {
		o.Scale = 1
	}
	if !(o.Lambda > 0) || !(o.Scale > 0) {
		return nil, fmt.Errorf("score-match: Lambda and Scale must be > 0, got %v and %v", o.Lambda, o.Scale)
	}
	return &Term{o: o, teacher: teacher, student: student}, nil
}

// Name returns the method's name.
func (t *Term) Name() string { return Name }

// BeginEpoch does nothing: the term samples nothing of its own.
func (t *Term) BeginEpoch(*train.Epoch) error { return nil }

// Params returns nil: the term has no parameters of its own.
func (t *Term) Params() []*nn.Param { return nil }

// Batch adds λ·Σ (s_ui − c·t_ui)² over the batch's positive and negative
// pairs and its gradient with respect to the student's scores.
func (t *Term) Batch(b *train.Batch) float64 {
	loss := 0.0
	for _, items := range [][]int32{b.Pos, b.Neg} {
		n := len(items)
		t.t, t.s, t.g = grow(t.t, n), grow(t.s, n), grow(t.g, n)
		for k := range n {
			t.teacher.ScoreItems(int(b.Users[k]), items[k:k+1], t.t[k:k+1])
		}
		t.student.ScorePairs(b.Users, items, t.s)
		for k := range n {
			d := float64(t.s[k]) - t.o.Scale*float64(t.t[k])
			loss += t.o.Lambda * d * d
			t.g[k] = float32(2 * t.o.Lambda * d)
		}
		t.student.AddScoreGrad(b.Users, items, t.g)
	}
	return loss
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func init() {
	distill.Register(distill.Method{
		Name:   Name,
		Kind:   distill.Ranking,
		Lambda: 0.01,
		Doc:    "score matching: the student's pair scores regressed on the teacher's (a worked example, examples/scorematch)",
		Options: []distill.Option{{Name: "scale", Type: distill.Float, Default: 1.0, Min: 0, Max: 1e6, ExclusiveMin: true,
			Doc: "factor applied to the teacher's scores"}},
		Build: func(env distill.Env, v distill.Values) ([]train.Term, error) {
			st, ok := env.Student.(model.PairScorer)
			if !ok {
				return nil, fmt.Errorf("kd %s: the student has no pair scores (model.PairScorer)", Name)
			}
			t, err := New(env.Teacher, st, Options{Lambda: v.Float("lambda"), Scale: v.Float("scale")})
			if err != nil {
				return nil, err
			}
			return []train.Term{t}, nil
		},
		Typed: func(env distill.Env, o distill.TermOptions) ([]train.Term, error) {
			st, ok := env.Student.(model.PairScorer)
			if !ok {
				return nil, fmt.Errorf("kd %s: the student has no pair scores (model.PairScorer)", Name)
			}
			var opts Options
			if p, _ := o.(*Options); p != nil {
				opts = *p
			}
			t, err := New(env.Teacher, st, opts)
			if err != nil {
				return nil, err
			}
			return []train.Term{t}, nil
		},
		// How figures draw it: shown with the ranking methods, in
		// Okabe–Ito's yellow (the one colour of that palette no method
		// takes) with the one marker no ranking method uses.
		// report.CheckPalette says if a choice clashes with another entry.
		Figure: figstyle.Style{
			Name:   "ScoreMatch",
			Groups: []string{figstyle.GroupRanking},
			Color:  "#F0E442",
			Marker: figstyle.OpenDiamond,
		},
	})
}
