package distill

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// RDOptions configures RD. Zero fields take the defaults of the official
// code (graytowne/rank_distill; methods.md §3.2): K = 10, PosTemp = 1,
// Mu = 0.1, DynamicSamples = 100, DynamicStart = 10, Lambda = 1.
type RDOptions struct {
	// K is the number of teacher top items per user. Valid: 1 … N.
	K int
	// PosTemp is λ of the position weight w^a_r = e^{−r/λ} / Σ_{r'} e^{−r'/λ}.
	// Valid: > 0.
	PosTemp float64
	// Mu is μ of the rank-discrepancy weight w^b_r = max(tanh(μ(r̂_r − r)), 0).
	// Valid: > 0.
	Mu float64
	// DynamicSamples is the number of random items the student's rank r̂ is
	// estimated from. Valid: ≥ 1.
	DynamicSamples int
	// DynamicStart is the first (0-based) epoch using the hybrid weight
	// w^a·w^b; earlier epochs use w^a alone. Valid: ≥ 0.
	DynamicStart int
	// Static disables the rank-discrepancy weight (w = w^a always).
	Static bool
	// Lambda is the weight α_teach of the term. Valid: > 0.
	Lambda float64
	// Workers bounds the goroutines of the per-epoch rank estimation.
	Workers int
}

// RD returns Ranking Distillation (J. Tang, K. Wang, "Ranking Distillation:
// Learning Compact Ranking Models With High Performance for Recommender
// System", KDD 2018; methods.md §3.2) for a pairwise student: the teacher's
// top-K unobserved items of each user are weighted positives,
//
//	L_RD = −Σ_{(u,i,j)∈B} Σ_{r=1}^{K} w_{ur} log σ(s_{uπ_r}),   added as λ·L_RD,
//
// with the position weight w^a_r = e^{−r/PosTemp} / Σ_{r'=1}^{K} e^{−r'/PosTemp}
// and, from epoch DynamicStart on, the hybrid weight w^a_r · w^b_{ur},
// w^b_{ur} = max(tanh(μ·(r̂_{ur} − r)), 0), not renormalised (as the
// official code). The weights carry no gradient.
//
// Choices [I]: the official loss is per training instance, so the term is
// summed over the batch's triples (a user's teacher items count once per
// triple of that user, computed once per unique user times its
// multiplicity); the student's rank r̂_{ur} = ⌊m · #{sampled items the
// student scores above π_r} / DynamicSamples⌋ over DynamicSamples items
// drawn uniformly from all m items is estimated once per epoch in
// BeginEpoch (the official code re-estimates per batch), which costs
// n·(K + DynamicSamples) student scores per epoch.
func RD(lists *TeacherLists, student model.PairScorer, o RDOptions) (train.Term, error) {
	if lists == nil || lists.Users == nil {
		return nil, fmt.Errorf("distill: rd: no user-side teacher lists")
	}
	if student == nil {
		return nil, fmt.Errorf("distill: rd: no student")
	}
	if o.K == 0 {
		o.K = 10
	}
	if o.PosTemp == 0 {
		o.PosTemp = 1
	}
	if o.Mu == 0 {
		o.Mu = 0.1
	}
	if o.DynamicSamples == 0 {
		o.DynamicSamples = 100
	}
	if o.DynamicStart == 0 {
		o.DynamicStart = 10
	}
	if o.Lambda == 0 {
		o.Lambda = 1
	}
	switch {
	case o.K < 1 || o.K > lists.Users.MinLen():
		return nil, fmt.Errorf("distill: rd: K must be in [1, %d] (the shortest teacher list), got %d", lists.Users.MinLen(), o.K)
	case !(o.PosTemp > 0) || math.IsInf(o.PosTemp, 1):
		return nil, fmt.Errorf("distill: rd: PosTemp must be > 0 and finite, got %v", o.PosTemp)
	case !(o.Mu > 0) || math.IsInf(o.Mu, 1):
		return nil, fmt.Errorf("distill: rd: Mu must be > 0 and finite, got %v", o.Mu)
	case o.DynamicSamples < 1:
		return nil, fmt.Errorf("distill: rd: DynamicSamples must be >= 1, got %d", o.DynamicSamples)
	case o.DynamicStart < 0:
		return nil, fmt.Errorf("distill: rd: DynamicStart must be >= 0, got %d", o.DynamicStart)
	case !(o.Lambda > 0) || math.IsInf(o.Lambda, 1):
		return nil, fmt.Errorf("distill: rd: Lambda must be > 0 and finite, got %v", o.Lambda)
	case o.Workers < 0:
		return nil, fmt.Errorf("distill: rd: Workers must be >= 0, got %d", o.Workers)
	}
	n := lists.Users.Rows()
	t := &rd{o: o, lists: lists, st: student, wa: make([]float32, o.K), w: make([]float32, n*o.K)}
	// w^a_r = e^{−r/λ} / Σ e^{−r'/λ} = e^{−(r−1)/λ} / Σ e^{−(r'−1)/λ}: the
	// first rank is subtracted so that a small λ (e^{−1/λ} underflows)
	// gives the limit, all weight on rank 1, instead of 0/0. Where nothing
	// underflowed the float32 weights are those of the formula as written
	// (TestRDPositionWeightsDoNotUnderflow).
	z := 0.0
	for r := 0; r < o.K; r++ {
		z += math.Exp(-float64(r) / o.PosTemp)
	}
	for r := 0; r < o.K; r++ {
		t.wa[r] = float32(math.Exp(-float64(r)/o.PosTemp) / z)
	}
	return t, nil
}

type rd struct {
	o      RDOptions
	lists  *TeacherLists
	st     model.PairScorer
	wa     []float32 // position weights
	w      []float32 // current weights, user u at [u·K, (u+1)·K)
	count  []int32
	us, is []int32
	s, g   []float32
}

// Name identifies the term in logs.
func (t *rd) Name() string { return "rd" }

// Params returns nil: the term has no parameters of its own.
func (t *rd) Params() []*nn.Param { return nil }

// weights returns the current weights of user u's teacher items (a view).
func (t *rd) weights(u int) []float32 { return t.w[u*t.o.K : (u+1)*t.o.K] }

// BeginEpoch sets the epoch's weights (hybrid from DynamicStart on).
func (t *rd) BeginEpoch(e *train.Epoch) error {
	if err := checkTrain(e.Train, t.lists); err != nil {
		return err
	}
	K := t.o.K
	n := t.lists.Users.Rows()
	if t.o.Static || e.Index < t.o.DynamicStart {
		for u := 0; u < n; u++ {
			copy(t.weights(u), t.wa)
		}
		return nil
	}
	// Estimate the student's rank of every teacher item from S random items.
	S := t.o.DynamicSamples
	m := t.lists.Users.Cols
	seed := e.Rand.Uint64()
	type scratch struct {
		us, is []int32
		sc     []float32
	}
	newScratch := func() *scratch {
		return &scratch{us: make([]int32, K+S), is: make([]int32, K+S), sc: make([]float32, K+S)}
	}
	return forRows(n, t.o.Workers, seed, newScratch, func(s *scratch, rng *rand.Rand, u int) error {
		for k := range s.us {
			s.us[k] = int32(u)
		}
		copy(s.is, t.lists.Users.Row(u)[:K])
		for k := K; k < K+S; k++ {
			s.is[k] = int32(rng.IntN(m))
		}
		t.st.ScorePairs(s.us, s.is, s.sc)
		wu := t.weights(u)
		for r := 0; r < K; r++ {
			above := 0
			for _, v := range s.sc[K:] {
				if v > s.sc[r] {
					above++
				}
			}
			rhat := math.Floor(float64(m) * float64(above) / float64(S))
			wb := math.Max(math.Tanh(t.o.Mu*(rhat-float64(r))), 0)
			wu[r] = t.wa[r] * float32(wb)
		}
		return nil
	})
}

// Batch adds the term's gradients for the batch's unique users and returns its weighted loss.
func (t *rd) Batch(b *train.Batch) float64 {
	if t.count == nil {
		t.count = make([]int32, t.lists.Users.Rows())
	}
	for _, u := range b.Users {
		t.count[u]++
	}
	K := t.o.K
	t.us, t.is = t.us[:0], t.is[:0]
	for _, u := range b.UniqueUsers() {
		for _, i := range t.lists.Users.Row(int(u))[:K] {
			t.us, t.is = append(t.us, u), append(t.is, i)
		}
	}
	n := len(t.us)
	if cap(t.s) < n {
		t.s, t.g = make([]float32, n), make([]float32, n)
	}
	t.s, t.g = t.s[:n], t.g[:n]
	t.st.ScorePairs(t.us, t.is, t.s)
	loss := 0.0
	lam := t.o.Lambda
	for k, u := range b.UniqueUsers() {
		c := float64(t.count[u])
		wu := t.weights(int(u))
		for r := 0; r < K; r++ {
			p := k*K + r
			wt := lam * c * float64(wu[r])
			s := float64(t.s[p])
			loss -= wt * nn.LogSigmoid(s)
			t.g[p] = float32(wt * (nn.Sigmoid(s) - 1))
		}
	}
	for _, u := range b.Users {
		t.count[u] = 0
	}
	t.st.AddScoreGrad(t.us, t.is, t.g)
	return loss
}

func init() {
	Register(Method{Name: "rd", Kind: Ranking, Lambda: 1, Order: orderRD,
		Doc: "RD: ranking distillation, the teacher's top-k as weighted positives (Tang & Wang, KDD 2018)",
		Options: []Option{optN, optK(10, "teacher top items per user"), optPos("pos-temp", 1, maxTau, "position-weight temperature λ of e^{−r/λ}"),
			optPos("mu", 0.1, maxTau, "slope μ of the rank-discrepancy weight"), optInt("samples", 100, 1, maxCount, "items the student's rank is estimated from"),
			optInt("dynamic-start", 10, 0, maxCount, "first epoch using the rank-discrepancy weight"), optBool("static", false, "position weights only")},
		Precheck: func(v, _ Values) error {
			if n := v.Int("n"); v.Int("k") > n {
				return v.OutOfRange("k", fmt.Sprintf("an integer in [1, n=%d]", n))
			}
			return nil
		},
		Build: func(env Env, v Values) ([]train.Term, error) {
			st, err := pairStudent(env, v.Method())
			if err != nil {
				return nil, err
			}
			n := v.Int("n")
			if v.Int("k") > n {
				return nil, v.OutOfRange("k", fmt.Sprintf("an integer in [1, n=%d]", n))
			}
			lists, err := listsOf(env, v, n, false)
			if err != nil {
				return nil, err
			}
			if mn := lists.Users.MinLen(); v.Int("k") > mn {
				return nil, v.OutOfRange("k", fmt.Sprintf("an integer in [1, %d] (the shortest teacher list)", mn))
			}
			return one(RD(lists, st, RDOptions{K: v.Int("k"), PosTemp: v.Float("pos-temp"), Mu: v.Float("mu"),
				DynamicSamples: v.Int("samples"), DynamicStart: v.Int("dynamic-start"), Static: v.Bool("static"), Lambda: v.Float("lambda")}))
		},
		// Okabe–Ito orange, like every ranking method's colour from Okabe–Ito.
		Figure: figstyle.Style{Name: "RD", Groups: []string{figstyle.GroupRanking}, Color: "#E69F00", Marker: figstyle.Cross},
	})
}
