package distill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/internal/topk"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Variants of the methods that follow a reference implementation (CD, DCD,
// PHR): the reference's semantics and defaults, or kdrec's own earlier
// version of the method, kept where it is cheap to keep.
const (
	VariantReference = "reference"
	VariantKdrecV1   = "kdrec-v1"
)

// variants are the choices of the variant option.
var variants = []string{VariantReference, VariantKdrecV1}

// checkVariant reports an unknown variant ("" is the reference).
func checkVariant(method, v string) (string, error) {
	switch v {
	case "", VariantReference:
		return VariantReference, nil
	case VariantKdrecV1:
		return v, nil
	}
	return "", fmt.Errorf("distill: %s: Variant must be %q or %q, got %q", method, VariantReference, VariantKdrecV1, v)
}

// Guides of CD's reference variant: whose ranking the tournament samples.
const (
	CDGuideStudent = "student"
	CDGuideTeacher = "teacher"
	CDGuideRandom  = "random"
)

// CDOptions configures CD. Zero fields take the defaults of the variant:
// the reference's (KDs, configs/citeulike/bpr/cd.yaml) or, with Variant
// "kdrec-v1", kdrec's earlier ones in brackets.
type CDOptions struct {
	// Variant is "reference" (or "") or "kdrec-v1".
	Variant string
	// Guide is whose ranking the reference samples from: "student"
	// (default, re-ranked every epoch), "teacher" or "random" (drawn once,
	// at the first epoch). KDs's cd_strategy. Not used by kdrec-v1, which
	// samples from the teacher's lists every epoch.
	Guide string
	// K is the number of items distilled per user per epoch: 2 (KDs's
	// cd_n_distill) [10]. Valid: ≥ 1 (kdrec-v1: ≤ Pool).
	K int
	// T is the sampling temperature: 20, position r (1-based) of the
	// ranking drawn ∝ exp(−r/(Pool·T)) as in KDs's cd_T [10, position r
	// drawn ∝ exp(−r/T)]. Valid: > 0.
	T float64
	// Pool is the number of ranked positions sampled from: 3000 (KDs's
	// cd_sample_num; a user with fewer unobserved items samples from all of
	// them) [500, capped at the lists' N]. Valid: ≥ 1 (kdrec-v1 and the
	// teacher guide: ≤ the lists' N).
	Pool int
	// Temp and Shift make the soft label q = σ((t_ui + Shift)/Temp) from the
	// teacher score t_ui (defaults 2 and 0, KDs's cd_t1 and cd_t2). Temp
	// valid: > 0.
	Temp, Shift float64
	// Lambda is the weight of the term: 0.5 (KDs's lmbda) [0.1]. Valid: > 0.
	Lambda float64
	// Workers bounds the goroutines of the per-epoch sampling.
	Workers int
}

// CD returns Collaborative Distillation (J. Lee, M. Choi, J. Lee, H. Shim,
// "Collaborative Distillation for Top-N Recommendation", ICDM 2019;
// methods.md §3.2). No author code is public; the reference variant follows
// the third-party re-implementation woriazzc/KDs @ a3a7a64, class CD of
// modeling/KD/cf/baseline.py, with the defaults of
// configs/citeulike/bpr/cd.yaml:
//
//   - every epoch (guide "student") the student ranks the catalogue and
//     keeps its top-Pool unobserved items (training items excluded, as KDs
//     masks them with −1e6);
//
//   - for every user, K items are drawn by a tournament: two positions r, r'
//     of that ranking are drawn independently with P(r) ∝ exp(−r/(Pool·T)),
//     and the item at the better of the two is kept. KDs gathers the winners
//     in a Python set of 0-dimensional tensors, which hash by identity, so
//     its loop stops after exactly cd_n_distill draws and a winner may
//     repeat; the K winners here are likewise independent draws;
//
//   - each sampled item gets the soft label q_ui = σ((t_ui + Shift)/Temp)
//     from the teacher's score;
//
//   - for every triple of the batch (a user counts once per triple, as
//     KDs's loss indexes its samples by the batch's user column, duplicates
//     included) the term adds
//
//     λ · L_CD,  L_CD = −Σ_{u∈B_u} Σ_{i∈D_u} [ q_ui log σ(s_ui) + (1 − q_ui) log σ(−s_ui) ].
//
// With Guide "teacher" the tournament runs once over the teacher's top-Pool
// lists, with "random" K uniform items (training items included) are drawn
// once per user, as KDs does for its other two strategies. KDs takes
// log(σ(s) + 1e-10); the exact log-sigmoid is used here (they differ only
// for |s| > 20). Ties between two drawn positions' scores are broken toward
// the better position (KDs keeps the second draw on an exact tie).
//
// What changed, and why: kdrec's first CD (Variant "kdrec-v1", kept) was
// teacher-guided — K = 10 distinct items per user drawn every epoch from
// the teacher's top-500 with P(r) ∝ exp(−r/10) without replacement, the
// loss over the batch's unique users, λ = 0.1 — a variant of the
// abstract's teacher-guided training that reused RRD's lists and sampler.
// It is not what the only available code runs, and it lowered the student's
// accuracy in the DE-RRD table, so the row did not test the published
// method (issue 20); the reference variant is now the default.
func CD(lists *TeacherLists, teacher model.Scorer, student model.PairScorer, o CDOptions) (train.Term, error) {
	v, err := checkVariant("cd", o.Variant)
	if err != nil {
		return nil, err
	}
	o.Variant = v
	if teacher == nil || student == nil {
		return nil, fmt.Errorf("distill: cd: need a teacher and a student")
	}
	if o.Temp == 0 {
		o.Temp = 2
	}
	switch {
	case !(o.Temp > 0) || math.IsInf(o.Temp, 1):
		return nil, fmt.Errorf("distill: cd: Temp must be > 0 and finite, got %v", o.Temp)
	case math.IsNaN(o.Shift) || math.IsInf(o.Shift, 0):
		return nil, fmt.Errorf("distill: cd: Shift must be finite, got %v", o.Shift)
	case o.Workers < 0:
		return nil, fmt.Errorf("distill: cd: Workers must be >= 0, got %d", o.Workers)
	}
	if v == VariantKdrecV1 {
		return cdV1(lists, teacher, student, o)
	}
	if o.Guide == "" {
		o.Guide = CDGuideStudent
	}
	if o.K == 0 {
		o.K = 2
	}
	if o.T == 0 {
		o.T = 20
	}
	if o.Pool == 0 {
		o.Pool = 3000
	}
	if o.Lambda == 0 {
		o.Lambda = 0.5
	}
	switch {
	case o.Guide != CDGuideStudent && o.Guide != CDGuideTeacher && o.Guide != CDGuideRandom:
		return nil, fmt.Errorf("distill: cd: Guide must be %q, %q or %q, got %q", CDGuideStudent, CDGuideTeacher, CDGuideRandom, o.Guide)
	case o.K < 1:
		return nil, fmt.Errorf("distill: cd: K must be >= 1, got %d", o.K)
	case o.Pool < 1:
		return nil, fmt.Errorf("distill: cd: Pool must be >= 1, got %d", o.Pool)
	case !(o.T > 0) || math.IsInf(o.T, 1):
		return nil, fmt.Errorf("distill: cd: T must be > 0 and finite, got %v", o.T)
	case !(o.Lambda > 0) || math.IsInf(o.Lambda, 1):
		return nil, fmt.Errorf("distill: cd: Lambda must be > 0 and finite, got %v", o.Lambda)
	}
	t := &cd{o: o, teacher: teacher, st: student}
	switch o.Guide {
	case CDGuideStudent:
		sc, ok := student.(model.Scorer)
		if !ok {
			return nil, fmt.Errorf("distill: cd: the student-guided variant ranks the catalogue with the student, which needs a model.Scorer")
		}
		t.ranker = sc
	case CDGuideTeacher:
		if lists == nil || lists.Users == nil {
			return nil, fmt.Errorf("distill: cd: the teacher-guided variant needs the teacher's user-side lists")
		}
		if o.Pool > lists.Users.N {
			return nil, fmt.Errorf("distill: cd: Pool must be <= %d (the lists' N) with the teacher guide, got %d", lists.Users.N, o.Pool)
		}
		t.lists = lists
	}
	return t, nil
}

type cd struct {
	o       CDOptions
	lists   *TeacherLists // the teacher guide's lists (kdrec-v1: the sampled lists)
	teacher model.Scorer
	st      model.PairScorer
	ranker  model.Scorer // the student guide's ranking model
	rs      *RankSampler // kdrec-v1
	drawn   bool         // the teacher and random guides' samples are drawn
	users   int          // rows of items and q
	items   []int32      // user u's sample at [u·K, (u+1)·K)
	q       []float32    // soft labels, same layout
	us, is  []int32      // the batch's pairs
	qs      []float32    // their soft labels
	s, g    []float32
}

// Name identifies the term in logs.
func (t *cd) Name() string { return "cd" }

// Params returns nil: the term has no parameters of its own.
func (t *cd) Params() []*nn.Param { return nil }

// BeginEpoch draws the epoch's items and their soft labels.
func (t *cd) BeginEpoch(e *train.Epoch) error {
	if t.o.Variant == VariantKdrecV1 {
		return t.beginV1(e)
	}
	if t.lists != nil {
		if err := checkTrain(e.Train, t.lists); err != nil {
			return err
		}
	}
	if t.drawn {
		return nil // the teacher and random guides draw once
	}
	n, K := e.Train.NumUsers, t.o.K
	if t.users != n {
		t.users, t.items, t.q = n, make([]int32, n*K), make([]float32, n*K)
	}
	seed := e.Rand.Uint64()
	a := 1 / (float64(t.o.Pool) * t.o.T)
	if t.o.Guide == CDGuideStudent {
		return t.drawStudent(e.Train, a, seed)
	}
	var ranking *Lists
	if t.o.Guide == CDGuideTeacher {
		ranking = t.lists.Users
	}
	err := forRows(n, t.o.Workers, seed, func() struct{} { return struct{}{} }, func(_ struct{}, rng *rand.Rand, u int) error {
		it := t.items[u*K : (u+1)*K]
		if ranking == nil { // random guide
			for k := range it {
				it[k] = int32(rng.IntN(e.Train.NumItems))
			}
		} else {
			row := ranking.Row(u)
			if len(row) > t.o.Pool {
				row = row[:t.o.Pool]
			}
			if len(row) == 0 {
				return fmt.Errorf("cd: user %d has no unobserved item to sample", u)
			}
			for k := range it {
				it[k] = row[min(cdPosition(rng, a, len(row)), cdPosition(rng, a, len(row)))]
			}
		}
		t.labels(u)
		return nil
	})
	if err != nil {
		return err
	}
	t.drawn = t.o.Guide != CDGuideStudent
	return nil
}

// drawStudent draws the student guide's items: for every user, the K
// tournament winners of the student's ranking of its unobserved items.
// Only the ranks the tournament picks are needed, not the sorted top-Pool:
// the positions are drawn first, then the items at those ranks are found by
// selection (expected O(m) per user, against a heap of Pool entries and a
// sort). The order is rankAll's — score descending, ties by ascending
// index, NaN last — so the items are those of the ranking's positions.
func (t *cd) drawStudent(x *data.Interactions, a float64, seed uint64) error {
	K, m := t.o.K, x.NumItems
	bs, blocked := t.ranker.(usersScorer)
	mm := t.ranker.NumItems()
	type scratch struct {
		scores     []float32 // the scores of users [first, first+8)
		first, cnt int
		keys       []uint64
		pos, ranks []int
		sample     []uint64
	}
	newScratch := func() *scratch {
		return &scratch{scores: make([]float32, 8*mm), first: -1, keys: make([]uint64, 0, m), pos: make([]int, K), sample: make([]uint64, 0, cdSample)}
	}
	ids := make([]int32, x.NumUsers)
	for u := range ids {
		ids[u] = int32(u)
	}
	return forRows(x.NumUsers, t.o.Workers, seed, newScratch, func(s *scratch, rng *rand.Rand, u int) error {
		excl := x.Items(u)
		L := min(t.o.Pool, m-len(excl))
		if L <= 0 {
			return fmt.Errorf("cd: user %d has no unobserved item to sample", u)
		}
		for k := range s.pos {
			s.pos[k] = min(cdPosition(rng, a, L), cdPosition(rng, a, L))
		}
		if u < s.first || u >= s.first+s.cnt {
			// Score the next (up to) eight users of the chunk at once.
			end := min(u+8, x.NumUsers, (u/rowChunk+1)*rowChunk)
			s.first, s.cnt = u, end-u
			if blocked {
				bs.ScoreUsers(ids[u:end], s.scores[:s.cnt*mm])
			} else {
				for v := u; v < end; v++ {
					t.ranker.ScoreAll(v, s.scores[(v-u)*mm:(v-u+1)*mm])
				}
			}
		}
		row := s.scores[(u-s.first)*mm : (u-s.first)*mm+m]
		s.keys = s.keys[:0]
		next := 0
		for i, v := range row {
			if next < len(excl) && int(excl[next]) == i {
				next++
				continue
			}
			s.keys = append(s.keys, cdKey(v, i))
		}
		s.ranks = append(s.ranks[:0], s.pos...)
		slices.Sort(s.ranks)
		s.ranks = slices.Compact(s.ranks)
		s.sample = selectRanks(s.keys, s.ranks, s.sample)
		it := t.items[u*K : (u+1)*K]
		for k, p := range s.pos {
			it[k] = int32(uint32(s.keys[p]))
		}
		t.labels(u)
		return nil
	})
}

// cdKey orders (score, index) pairs best first as rankAll does: a smaller
// key is a higher score, equal scores by ascending index, NaN last.
func cdKey(v float32, i int) uint64 {
	v = topk.RankKey(v)
	if v == 0 {
		v = 0 // −0 ranks as +0
	}
	b := math.Float32bits(v)
	if b&(1<<31) != 0 {
		b = ^b
	} else {
		b |= 1 << 31
	}
	// b increases with v: its complement puts the higher scores first.
	return uint64(^b)<<32 | uint64(uint32(i))
}

// cdSample is the size of the sample selectRanks takes its first pivot
// from.
const cdSample = 128

// selectRanks rearranges the distinct keys a so that a[r] is the element of
// rank r (0-based, ascending) for every r of ranks (sorted, distinct, each
// < len(a)), as C++'s nth_element would for each. The first pivot is
// taken from a sample of cdSample keys just beyond the largest rank wanted,
// so that one pass leaves only a little more than that many keys in play;
// quickselect with median-of-three pivots does the rest. sample is scratch.
func selectRanks(a []uint64, ranks []int, sample []uint64) []uint64 {
	if len(ranks) == 0 {
		return sample
	}
	if n := len(a); n > 8*cdSample {
		sample = sample[:0]
		for k := 0; k < cdSample; k++ {
			sample = append(sample, a[k*n/cdSample])
		}
		slices.Sort(sample)
		top := ranks[len(ranks)-1]
		q := partitionAt(a, sample[min(cdSample-1, (top+1)*cdSample/n+4)])
		splitRanks(a, 0, q, ranks)
		return sample
	}
	quickSelect(a, 0, ranks)
	return sample
}

// quickSelect is selectRanks' quickselect: a holds the positions [off,
// off+len(a)) of the whole array and ranks are absolute.
func quickSelect(a []uint64, off int, ranks []int) {
	for len(ranks) > 0 {
		n := len(a)
		if n <= 16 {
			slices.Sort(a)
			return
		}
		m := n / 2
		if a[m] < a[0] {
			a[0], a[m] = a[m], a[0]
		}
		if a[n-1] < a[0] {
			a[0], a[n-1] = a[n-1], a[0]
		}
		if a[n-1] < a[m] {
			a[m], a[n-1] = a[n-1], a[m]
		}
		q := partitionAt(a, a[m])
		// Recurse into the part left of the pivot, loop on the right one.
		i, _ := slices.BinarySearch(ranks, off+q)
		quickSelect(a[:q], off, ranks[:i])
		ranks = ranks[i:]
		if len(ranks) > 0 && ranks[0] == off+q {
			ranks = ranks[1:]
		}
		a, off = a[q+1:], off+q+1
	}
}

// splitRanks finishes selectRanks after its first partition at q.
func splitRanks(a []uint64, off, q int, ranks []int) {
	i, _ := slices.BinarySearch(ranks, off+q)
	quickSelect(a[:q], off, ranks[:i])
	ranks = ranks[i:]
	if len(ranks) > 0 && ranks[0] == off+q {
		ranks = ranks[1:]
	}
	quickSelect(a[q+1:], off+q+1, ranks)
}

// partitionAt moves the keys below p (an element of a) to the front, p
// after them and the larger keys behind, and returns p's position.
func partitionAt(a []uint64, p uint64) int {
	i := 0
	for j, v := range a {
		if v < p {
			a[i], a[j] = v, a[i]
			i++
		}
	}
	for j := i; j < len(a); j++ {
		if a[j] == p {
			a[i], a[j] = a[j], a[i]
			break
		}
	}
	return i
}

// cdPosition draws a 0-based position p of a ranking of length n with
// probability ∝ exp(−a·(p+1)), by inverting the distribution function of
// the truncated geometric law: p = ⌊−log(1 − U·(1 − e^{−a·n}))/a⌋.
func cdPosition(rng *rand.Rand, a float64, n int) int {
	c := -math.Expm1(-a * float64(n))
	p := int(-math.Log1p(-rng.Float64()*c) / a)
	return min(max(p, 0), n-1)
}

// labels sets user u's soft labels from the teacher's scores of its items.
func (t *cd) labels(u int) {
	K := t.o.K
	it, q := t.items[u*K:(u+1)*K], t.q[u*K:(u+1)*K]
	t.teacher.ScoreItems(u, it, q)
	for k := range q {
		q[k] = float32(nn.Sigmoid((float64(q[k]) + t.o.Shift) / t.o.Temp))
	}
}

// Batch adds the term's gradients for the batch's users and returns its
// weighted loss: every triple's user (the reference) or the batch's unique
// users (kdrec-v1).
func (t *cd) Batch(b *train.Batch) float64 {
	K := t.o.K
	users := b.Users
	if t.o.Variant == VariantKdrecV1 {
		users = b.UniqueUsers()
	}
	t.us, t.is, t.qs = t.us[:0], t.is[:0], t.qs[:0]
	for _, u := range users {
		for k := 0; k < K; k++ {
			t.us = append(t.us, u)
		}
		t.is = append(t.is, t.items[int(u)*K:(int(u)+1)*K]...)
		t.qs = append(t.qs, t.q[int(u)*K:(int(u)+1)*K]...)
	}
	is, qs := t.is, t.qs
	n := len(t.us)
	if cap(t.s) < n {
		t.s, t.g = make([]float32, n), make([]float32, n)
	}
	t.s, t.g = t.s[:n], t.g[:n]
	t.st.ScorePairs(t.us, is, t.s)
	loss := 0.0
	lam := t.o.Lambda
	for k := range t.s {
		s, q := float64(t.s[k]), float64(qs[k])
		loss -= lam * (q*nn.LogSigmoid(s) + (1-q)*nn.LogSigmoid(-s))
		t.g[k] = float32(lam * (nn.Sigmoid(s) - q))
	}
	t.st.AddScoreGrad(t.us, is, t.g)
	return loss
}

// cdV1 builds kdrec's first CD (see CD): K distinct items per user drawn
// every epoch from the teacher's top-Pool lists by the rank sampler.
func cdV1(lists *TeacherLists, teacher model.Scorer, student model.PairScorer, o CDOptions) (train.Term, error) {
	if lists == nil || lists.Users == nil {
		return nil, fmt.Errorf("distill: cd: no user-side teacher lists")
	}
	if o.Guide != "" && o.Guide != CDGuideTeacher {
		return nil, fmt.Errorf("distill: cd: Guide %q is for the reference variant (kdrec-v1 samples the teacher's lists)", o.Guide)
	}
	if o.K == 0 {
		o.K = 10
	}
	if o.T == 0 {
		o.T = 10
	}
	if o.Pool == 0 {
		o.Pool = min(500, lists.Users.N)
	}
	if o.Lambda == 0 {
		o.Lambda = 0.1
	}
	switch {
	case o.Pool < 1 || o.Pool > lists.Users.N:
		return nil, fmt.Errorf("distill: cd: Pool must be in [1, %d] (the lists' N), got %d", lists.Users.N, o.Pool)
	case o.K < 1 || o.K > min(o.Pool, lists.Users.MinLen()):
		return nil, fmt.Errorf("distill: cd: K must be in [1, %d] (Pool and the shortest list), got %d", min(o.Pool, lists.Users.MinLen()), o.K)
	case !(o.T > 0) || math.IsInf(o.T, 1):
		return nil, fmt.Errorf("distill: cd: T must be > 0 and finite, got %v", o.T)
	case !(o.Lambda > 0) || math.IsInf(o.Lambda, 1):
		return nil, fmt.Errorf("distill: cd: Lambda must be > 0 and finite, got %v", o.Lambda)
	}
	rs, err := NewRankSampler(o.Pool, o.K, o.T)
	if err != nil {
		return nil, fmt.Errorf("distill: cd: %w", err)
	}
	n := lists.Users.Rows()
	return &cd{o: o, lists: lists, teacher: teacher, st: student, rs: rs, users: n,
		items: make([]int32, n*o.K), q: make([]float32, n*o.K)}, nil
}

// beginV1 draws kdrec-v1's items: the rank sampler over the teacher's lists.
func (t *cd) beginV1(e *train.Epoch) error {
	if err := checkTrain(e.Train, t.lists); err != nil {
		return err
	}
	K, n := t.o.K, t.lists.Users.Rows()
	seed := e.Rand.Uint64()
	type scratch struct {
		pos  []int32
		heap []float64
	}
	newScratch := func() *scratch { return &scratch{pos: make([]int32, 0, K), heap: make([]float64, K)} }
	return forRows(n, t.o.Workers, seed, newScratch, func(s *scratch, rng *rand.Rand, u int) error {
		row := t.lists.Users.Row(u)
		s.pos = t.rs.Sample(rng, len(row), s.pos, s.heap)
		it := t.items[u*K : (u+1)*K]
		for k, p := range s.pos {
			it[k] = row[p]
		}
		t.labels(u)
		return nil
	})
}

// cdResolve returns CD's options from checked values: the variant's
// defaults for the options not given.
func cdResolve(v Values) CDOptions {
	o := CDOptions{Variant: v.Str("variant"), Temp: v.Float("temp"), Shift: v.Float("shift")}
	if o.Variant == VariantReference {
		o.Guide = v.Str("guide")
	}
	// Given values pass; the rest take the variant's defaults (CD's zero
	// fields).
	if v.Given("k") {
		o.K = v.Int("k")
	}
	if v.Given("t") {
		o.T = v.Float("t")
	}
	if v.Given("pool") {
		o.Pool = v.Int("pool")
	}
	if v.Given("lambda") {
		o.Lambda = v.Float("lambda")
	}
	return o
}

// cdLists returns the length of the teacher lists CD reads (0: none):
// kdrec-v1 samples lists of length n (500 unless given), the teacher guide
// lists of length n (Pool unless given).
func cdLists(v Values) int {
	o := cdResolve(v)
	switch {
	case o.Variant == VariantKdrecV1:
		if v.Given("n") {
			return v.Int("n")
		}
		return 500
	case o.Guide == CDGuideTeacher:
		if v.Given("n") {
			return v.Int("n")
		}
		if o.Pool == 0 {
			return 3000
		}
		return o.Pool
	}
	return 0
}

// cdPrecheck checks CD's options against each other and the variant.
func cdPrecheck(v, _ Values) error {
	o := cdResolve(v)
	n := cdLists(v)
	if o.Variant == VariantKdrecV1 {
		if v.Given("guide") {
			return v.OutOfRange("guide", "no value: the guide is an option of variant=reference (kdrec-v1 samples the teacher's lists)")
		}
		pool := o.Pool
		if pool == 0 {
			pool = min(500, n)
		}
		if pool > n {
			return v.OutOfRange("pool", fmt.Sprintf("an integer in [1, n=%d] (the teacher lists' length)", n))
		}
		if o.K > pool {
			return v.OutOfRange("k", fmt.Sprintf("an integer in [1, %d] (the sampling pool)", pool))
		}
		return nil
	}
	if o.Guide == CDGuideTeacher && v.Int("pool") > n {
		return v.OutOfRange("pool", fmt.Sprintf("an integer in [1, n=%d] (the teacher lists' length)", n))
	}
	return nil
}

func init() {
	Register(Method{Name: "cd", Kind: Ranking, Lambda: 0.5, Order: orderCD,
		Doc: "CD: collaborative distillation, soft labels on items drawn by a tournament over the student's ranking (Lee et al., ICDM 2019; KDs's re-implementation)",
		Options: []Option{
			optChoice("variant", VariantReference, variants, "reference: KDs's CD (cf/baseline.py, cd.yaml); kdrec-v1: kdrec's earlier teacher-guided rank sampling (k 10, t 10, pool 500, λ 0.1 unless given)"),
			optChoice("guide", CDGuideStudent, []string{CDGuideStudent, CDGuideTeacher, CDGuideRandom}, "whose top-pool ranking the tournament samples (KDs's cd_strategy): the student's every epoch, the teacher's or uniform items once"),
			optInt("n", 0, 0, maxN, "length of the teacher's lists (0: pool with guide=teacher, 500 with kdrec-v1; unused otherwise)"),
			optInt("pool", 3000, 1, maxN, "ranked positions sampled from (KDs's cd_sample_num)"),
			optK(2, "items distilled per user per epoch (KDs's cd_n_distill)"),
			optPos("t", 20, maxTau, "rank temperature: position r drawn ∝ exp(−r/(pool·t)) (KDs's cd_T; kdrec-v1: ∝ exp(−r/t))"),
			optPos("temp", 2, maxTau, "soft-label temperature: q = σ((t_ui + shift)/temp) (KDs's cd_t1)"),
			optFloat("shift", 0, -maxTau, maxTau, "soft-label shift (KDs's cd_t2)")},
		Precheck: cdPrecheck,
		Build: func(env Env, v Values) ([]train.Term, error) {
			st, err := pairStudent(env, v.Method())
			if err != nil {
				return nil, err
			}
			o := cdResolve(v)
			var lists *TeacherLists
			if n := cdLists(v); n > 0 {
				if lists, err = listsOf(env, v, n, false); err != nil {
					return nil, err
				}
			}
			if o.Variant == VariantKdrecV1 {
				pool := o.Pool
				if pool == 0 {
					pool = min(500, lists.Users.N)
				}
				k := o.K
				if k == 0 {
					k = 10
				}
				if k > min(pool, lists.Users.MinLen()) {
					return nil, v.OutOfRange("k", fmt.Sprintf("an integer in [1, %d] (the pool and the shortest teacher list)", min(pool, lists.Users.MinLen())))
				}
			}
			if o.Variant == VariantReference && o.Guide == CDGuideStudent {
				if _, ok := env.Student.(model.Scorer); !ok {
					return nil, modelError(v.Method(), "student", "scores over the catalogue (model.Scorer)", env.Student)
				}
			}
			return one(CD(lists, env.Teacher, st, o))
		},
		// Okabe–Ito sky blue.
		Figure: figstyle.Style{Name: "CD", Groups: []string{figstyle.GroupRanking}, Color: "#56B4E9", Marker: figstyle.Plus},
	})
}

// cdState is the state of CD's teacher and random guides, drawn once at
// the first epoch.
type cdState struct {
	Drawn bool
	Users int
	Items []int32
	Q     []float32
}

// MarshalState encodes the one-time sample of the teacher and random
// guides (train.Stateful); the student guide and kdrec-v1 draw every epoch
// and have nothing to carry.
func (t *cd) MarshalState() ([]byte, error) {
	s := cdState{Drawn: t.drawn}
	if t.drawn {
		s.Users, s.Items, s.Q = t.users, t.items, t.q
	}
	return encodeState(&s)
}

// UnmarshalState restores the one-time sample of MarshalState.
func (t *cd) UnmarshalState(b []byte) error {
	var s cdState
	if err := decodeState("cd", b, &s); err != nil {
		return err
	}
	if !s.Drawn {
		t.drawn = false
		return nil
	}
	if s.Users != t.teacher.NumUsers() || len(s.Items) != s.Users*t.o.K || len(s.Q) != len(s.Items) {
		return fmt.Errorf("distill: cd: state of %d users with %d items and %d labels, K = %d; the teacher has %d users",
			s.Users, len(s.Items), len(s.Q), t.o.K, t.teacher.NumUsers())
	}
	for _, i := range s.Items {
		if i < 0 || int(i) >= t.teacher.NumItems() {
			return fmt.Errorf("distill: cd: state holds item %d of %d", i, t.teacher.NumItems())
		}
	}
	t.drawn, t.users, t.items, t.q = true, s.Users, s.Items, s.Q
	return nil
}
