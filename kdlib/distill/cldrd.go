package distill

import (
	"fmt"
	"slices"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// CLDRDStage is one step of CL-DRD's curriculum: the teacher's Top items
// ranked in order, above one unordered group of Hard items from the
// teacher's ranks Top+1 … HardDepth, above one unordered group of Semi
// items from the ranks HardDepth+1 … SemiDepth.
type CLDRDStage struct {
	Top, Hard, Semi int
}

// CLDRDOptions configures CL-DRD. Zero fields take the defaults: the
// curriculum of the authors' code (stages 5+12+13, 10+10+10, 30+0+0),
// Starts at ½ and ¾ of the run's epochs, HardDepth 50, SemiDepth 200,
// Lambda 1.
type CLDRDOptions struct {
	// Stages are the curriculum's steps in order. Valid: Top ≥ 1,
	// Top + Hard ≤ HardDepth, Semi ≤ SemiDepth − HardDepth.
	Stages []CLDRDStage
	// Starts holds the first (0-based) epoch of every stage after the
	// first, ascending, ≥ 1. Nil: the authors' 4 : 2 : 2 split of the run
	// (⌊E/2⌋ and ⌊3E/4⌋ for E = the run's epoch cap), which needs three
	// stages.
	Starts []int
	// HardDepth and SemiDepth bound the teacher ranks of the two lower
	// groups. Valid: HardDepth ≥ 1; SemiDepth > HardDepth when a stage
	// has Semi > 0, and SemiDepth ≤ the shortest teacher list.
	HardDepth, SemiDepth int
	// Lambda weighs the term. Valid: > 0.
	Lambda float64
}

// DefaultCLDRDHardDepth and DefaultCLDRDSemiDepth are the deepest teacher
// ranks of the hard and semi-hard groups (the authors' ranks 50 and 200).
const (
	DefaultCLDRDHardDepth = 50
	DefaultCLDRDSemiDepth = 200
)

// DefaultCLDRDStages is the curriculum of the authors' code: label modes
// 8, 9 and 6 of dataset/nway_dataset.py in HansiZeng/CL-DRD, lists of 30.
var DefaultCLDRDStages = CLDRDStages(30)

// CLDRDStages scales the authors' three-stage curriculum to lists of n
// items (n below 3 counts as 3): Top n/6 (at least 1) with Hard ⌊12n/30⌋
// and the rest Semi; then n/3 ordered, n/3 Hard, the rest Semi; then all
// n ordered. n = 30 gives the authors' 5+12+13, 10+10+10, 30.
func CLDRDStages(n int) []CLDRDStage {
	n = max(n, 3)
	t1, h1 := max(1, n/6), 12*n/30
	t2, h2 := max(1, n/3), n/3
	return []CLDRDStage{{t1, h1, n - t1 - h1}, {t2, h2, n - t2 - h2}, {n, 0, 0}}
}

// CLDRD returns CL-DRD (H. Zeng, H. Zamani, V. Vinay, "Curriculum Learning
// for Dense Retrieval Distillation", SIGIR 2022), one of HetComp's
// ranking-matching baselines (methods.md §3.9, where it is only named
// [R]), for a pairwise student and the teacher's (for HetComp: the
// ensemble's) per-user lists.
//
// From the authors' code (HansiZeng/CL-DRD): at each stage a list of
// n = Top + Hard + Semi items gets labels y = 1/r for the teacher's top r
// = 1 … Top, −0.25 for the Hard group and −0.5 for the Semi group, and the
// loss is the LambdaRank-style lambda_mrr_loss
//
//	L_u = (1/P) Σ_{(a,b): y_a > y_b} |1/p_a − 1/p_b| · log(1 + e^{−(s_a − s_b)})
//
// over the P label-ordered pairs, with p the positions (1-based) of the
// items in the student's own order of the list; the weights carry no
// gradient. Items of one lower group are not ordered among themselves.
// The curriculum goes from coarse (5 ordered items) to fine (30 ordered
// items).
//
// Choices [I], for recommendation: the list of user u comes from the
// teacher's unobserved top items (lists.Users); the lower groups are not
// sampled at random from rank ranges, as in the authors' data scripts
// (ranks 11–50 and 51–200 for their 10 + 10 + 10 lists), but taken at
// evenly spaced ranks of Top+1 … HardDepth and HardDepth+1 … SemiDepth
// (the Hard range starts right below each stage's ordered top), following HetComp's removal of sampling from every
// ranking-matching baseline ("we remove the sampling process", its
// README); the term is summed over the batch's unique users,
// λ·Σ_u L_u, as RRD and DCD are; stages switch at fixed epochs (the
// authors train 4, 2 and 2 epochs per stage, hence the default split of
// the run at ½ and ¾) and the optimiser is not reset between stages.
func CLDRD(lists *TeacherLists, student model.PairScorer, o CLDRDOptions) (train.Term, error) {
	if lists == nil || lists.Users == nil {
		return nil, fmt.Errorf("cl-drd: the teacher's user lists are required")
	}
	if student == nil {
		return nil, fmt.Errorf("cl-drd: no student")
	}
	if o.Stages == nil {
		o.Stages = slices.Clone(DefaultCLDRDStages)
	}
	if o.HardDepth == 0 {
		o.HardDepth = DefaultCLDRDHardDepth
	}
	if o.SemiDepth == 0 {
		o.SemiDepth = DefaultCLDRDSemiDepth
	}
	if o.Lambda == 0 {
		o.Lambda = 1
	}
	if len(o.Stages) == 0 {
		return nil, fmt.Errorf("cl-drd: Stages must not be empty")
	}
	if !(o.Lambda > 0) {
		return nil, fmt.Errorf("cl-drd: Lambda must be > 0, got %v", o.Lambda)
	}
	if o.HardDepth < 1 {
		return nil, fmt.Errorf("cl-drd: HardDepth must be >= 1, got %d", o.HardDepth)
	}
	depth := 0 // the deepest teacher rank used
	for k, s := range o.Stages {
		switch {
		case s.Top < 1 || s.Hard < 0 || s.Semi < 0:
			return nil, fmt.Errorf("cl-drd: stage %d: Top must be >= 1 and Hard, Semi >= 0, got %+v", k+1, s)
		case s.Top+s.Hard+s.Semi < 2:
			return nil, fmt.Errorf("cl-drd: stage %d: a list of %d item has no pair to order (want >= 2 items)", k+1, s.Top+s.Hard+s.Semi)
		case s.Top+s.Hard > o.HardDepth:
			return nil, fmt.Errorf("cl-drd: stage %d: Top+Hard=%d exceeds HardDepth=%d", k+1, s.Top+s.Hard, o.HardDepth)
		case s.Semi > 0 && s.Semi > o.SemiDepth-o.HardDepth:
			return nil, fmt.Errorf("cl-drd: stage %d: Semi=%d exceeds SemiDepth−HardDepth=%d", k+1, s.Semi, o.SemiDepth-o.HardDepth)
		}
		depth = max(depth, s.Top)
		if s.Hard > 0 {
			depth = max(depth, o.HardDepth)
		}
		if s.Semi > 0 {
			depth = max(depth, o.SemiDepth)
		}
	}
	if m := lists.Users.MinLen(); depth > m {
		return nil, fmt.Errorf("cl-drd: the stages reach teacher rank %d but the shortest teacher list has %d items (build longer lists or lower HardDepth/SemiDepth)", depth, m)
	}
	if o.Starts == nil && len(o.Stages) != 3 && len(o.Stages) != 1 {
		return nil, fmt.Errorf("cl-drd: Starts is required with %d stages (the default split is for 3)", len(o.Stages))
	}
	if o.Starts != nil {
		if len(o.Starts) != len(o.Stages)-1 {
			return nil, fmt.Errorf("cl-drd: Starts needs %d epochs (one per stage after the first), got %d", len(o.Stages)-1, len(o.Starts))
		}
		for k, e := range o.Starts {
			if e < 1 || (k > 0 && e <= o.Starts[k-1]) {
				return nil, fmt.Errorf("cl-drd: Starts must be ascending epochs >= 1, got %v", o.Starts)
			}
		}
	}
	t := &cldrd{o: o, lists: lists, st: student}
	for _, s := range o.Stages {
		t.plans = append(t.plans, newCLDRDPlan(s, o.HardDepth, o.SemiDepth))
	}
	return t, nil
}

// cldrdPlan is one stage's list: the teacher ranks (0-based) of its n
// items and, per item, its group (0: ordered top, 1: Hard, 2: Semi).
type cldrdPlan struct {
	ranks []int
	group []uint8
	pairs int // label-ordered pairs P
}

func newCLDRDPlan(s CLDRDStage, hardDepth, semiDepth int) cldrdPlan {
	var p cldrdPlan
	for r := 0; r < s.Top; r++ {
		p.ranks, p.group = append(p.ranks, r), append(p.group, 0)
	}
	for k := 0; k < s.Hard; k++ { // evenly spaced over ranks Top … HardDepth−1
		p.ranks, p.group = append(p.ranks, s.Top+k*(hardDepth-s.Top)/s.Hard), append(p.group, 1)
	}
	for k := 0; k < s.Semi; k++ { // over ranks HardDepth … SemiDepth−1
		p.ranks, p.group = append(p.ranks, hardDepth+k*(semiDepth-hardDepth)/s.Semi), append(p.group, 2)
	}
	n := len(p.ranks)
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			if cldrdOrdered(p.group[a], p.group[b]) {
				p.pairs++
			}
		}
	}
	return p
}

// cldrdOrdered reports whether the item at list position a has a higher
// label than the one at b > a: the top items are ordered among themselves
// and above every group; the groups are ordered, their members are not.
func cldrdOrdered(ga, gb uint8) bool { return ga == 0 || ga < gb }

type cldrd struct {
	o     CLDRDOptions
	lists *TeacherLists
	st    model.PairScorer
	plans []cldrdPlan
	stage int

	us, is []int32
	s, g   []float32
	order  []int32
	pos    []float64 // 1/p of each list entry
}

func (t *cldrd) Name() string { return "cl-drd" }

// Params: CL-DRD has no parameters of its own.
func (t *cldrd) Params() []*nn.Param { return nil }

// Stage returns the curriculum stage in use (0-based).
func (t *cldrd) Stage() int { return t.stage }

// BeginEpoch selects the epoch's stage.
func (t *cldrd) BeginEpoch(e *train.Epoch) error {
	starts := t.o.Starts
	if starts == nil && len(t.plans) == 3 {
		// At least one epoch per stage before the last, however short the run.
		s1 := max(1, e.MaxEpochs/2)
		starts = []int{s1, max(s1+1, 3*e.MaxEpochs/4)}
	}
	t.stage = 0
	for _, s := range starts {
		if e.Index >= s {
			t.stage++
		}
	}
	return nil
}

// Batch adds λ·Σ_u L_u over the batch's unique users and its gradient.
func (t *cldrd) Batch(b *train.Batch) float64 {
	pl := &t.plans[t.stage]
	n := len(pl.ranks)
	users := b.UniqueUsers()
	t.us, t.is = t.us[:0], t.is[:0]
	for _, u := range users {
		row := t.lists.Users.Row(int(u))
		for _, r := range pl.ranks {
			t.us, t.is = append(t.us, u), append(t.is, row[r])
		}
	}
	m := len(t.us)
	t.s, t.g = grow(t.s, m), grow(t.g, m)
	t.order, t.pos = grow(t.order, n), grow(t.pos, n)
	t.st.ScorePairs(t.us, t.is, t.s)
	scale := t.o.Lambda / float64(pl.pairs)
	loss := 0.0
	for k := range users {
		s, g := t.s[k*n:(k+1)*n], t.g[k*n:(k+1)*n]
		// The student's positions: descending score, ties in list order.
		for a := range t.order {
			t.order[a] = int32(a)
		}
		slices.SortStableFunc(t.order, func(x, y int32) int {
			switch {
			case s[x] > s[y]:
				return -1
			case s[x] < s[y]:
				return 1
			}
			return 0
		})
		for p, a := range t.order {
			t.pos[a] = 1 / float64(p+1)
		}
		lu := 0.0
		clear(g)
		for a := 0; a < n; a++ {
			for c := a + 1; c < n; c++ {
				if !cldrdOrdered(pl.group[a], pl.group[c]) {
					continue
				}
				w := t.pos[a] - t.pos[c]
				if w < 0 {
					w = -w
				}
				if w == 0 {
					continue
				}
				d := float64(s[a]) - float64(s[c])
				lu -= w * nn.LogSigmoid(d)
				gs := float32(scale * w * nn.Sigmoid(-d))
				g[a] -= gs
				g[c] += gs
			}
		}
		loss += scale * lu
	}
	t.st.AddScoreGrad(t.us, t.is, t.g[:m])
	return loss
}

func init() {
	Register(Method{Name: "cl-drd", Kind: Ranking, Lambda: 1, Order: orderCLDRD,
		Doc: "CL-DRD: a curriculum of ever finer teacher orders, LambdaRank-MRR pairs (Zeng et al., SIGIR 2022)",
		Options: []Option{optN, optInt("list", 30, 3, maxN, "items per user list; the stages order list/6, list/3, then all of them"),
			optInt("hard-depth", DefaultCLDRDHardDepth, 1, maxN, "deepest teacher rank of the hard group (≥ list)"),
			optInt("semi-depth", DefaultCLDRDSemiDepth, 2, maxN, "deepest teacher rank of the semi-hard group (≤ n)")},
		Typed: func(env Env, o TermOptions) ([]train.Term, error) {
			st, err := pairStudent(env, "cl-drd")
			if err != nil {
				return nil, err
			}
			lists, err := typedLists(env, "cl-drd", false)
			if err != nil {
				return nil, err
			}
			var c CLDRDOptions
			if p, _ := o.(*CLDRDOptions); p != nil {
				c = *p
			}
			return one(CLDRD(lists, st, c))
		},
		Precheck: func(v, _ Values) error {
			n, list, hard, semi := v.Int("n"), v.Int("list"), v.Int("hard-depth"), v.Int("semi-depth")
			if hard < list {
				return v.OutOfRange("hard-depth", fmt.Sprintf("an integer >= list=%d", list))
			}
			if semi > n || semi <= hard {
				return v.OutOfRange("semi-depth", fmt.Sprintf("an integer in (hard-depth=%d, n=%d]", hard, n))
			}
			return nil
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			st, err := pairStudent(env, v.Method())
			if err != nil {
				return nil, err
			}
			n, list, hard, semi := v.Int("n"), v.Int("list"), v.Int("hard-depth"), v.Int("semi-depth")
			if hard < list {
				return nil, v.OutOfRange("hard-depth", fmt.Sprintf("an integer >= list=%d", list))
			}
			if semi > n || semi <= hard {
				return nil, v.OutOfRange("semi-depth", fmt.Sprintf("an integer in (hard-depth=%d, n=%d]", hard, n))
			}
			lists, err := listsOf(env, v, n, false)
			if err != nil {
				return nil, err
			}
			return one(CLDRD(lists, st, CLDRDOptions{Stages: CLDRDStages(list), HardDepth: hard, SemiDepth: semi, Lambda: v.Float("lambda")}))
		},
		// Okabe–Ito reddish purple.
		Figure: figstyle.Style{Name: "CL-DRD", Groups: []string{figstyle.GroupRanking}, Color: "#CC79A7", Marker: figstyle.Pyramid},
	})
}

// Method names the registered method CLDRDOptions configures.
func (*CLDRDOptions) Method() string { return "cl-drd" }
