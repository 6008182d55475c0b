package distill

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// Listwise returns the relaxed Plackett–Luce negative log-likelihood of an
// ordered list ranked above an unordered "below" set, and writes its
// gradient with respect to every score.
//
// With s_1 … s_K the scores of the ordered list (best first) and s_j,
// j ∈ below, the scores of the set that must rank under all of them, in no
// particular order among themselves (Kang et al., CIKM 2020, Eq. of the
// relaxed ranking; methods.md §3.7):
//
//	L = −Σ_{k=1}^{K} [ s_k − log( Σ_{l=k}^{K} e^{s_l} + Σ_{j∈below} e^{s_j} ) ]
//
// Writing S_k for the log term (S_{K+1} = log Σ_{j∈below} e^{s_j}), the
// gradient is
//
//	∂L/∂s_k = −1 + Σ_{k'≤k} e^{s_k − S_{k'}}        (ordered)
//	∂L/∂s_j = Σ_{k=1}^{K} e^{s_j − S_k}              (below)
//
// Everything is computed in float64 without overflow: S_k by the backward
// recurrence S_k = logaddexp(s_k, S_{k+1}) (the suffix sums in log space),
// and the prefix sums of e^{−S_k} as P_k = Σ_{k'≤k} e^{S_k − S_{k'}} =
// P_{k−1}·e^{S_k − S_{k−1}} + 1, whose factors are ≤ 1 because S_k is
// non-increasing; then ∂L/∂s_k = −1 + e^{s_k − S_k}·P_k and ∂L/∂s_j =
// e^{s_j − S_K}·P_K. Scores of ±1000 give a finite loss and gradient.
// When the scores of a list span at most 80 nats (always, in practice) the
// same quantities come from a single shift by the largest score, with a
// third of the exponentials (see listwiseShifted).
//
// gOrdered and gBelow receive the gradients (their previous contents are
// overwritten); they must be at least as long as ordered and below. scratch,
// if its capacity is at least 2·len(ordered)+len(below), avoids an
// allocation. An empty ordered list
// has loss 0. RRD, IR-RRD, DCD and HetComp's fine-grained phase all use this
// one function.
func Listwise(ordered, below []float32, gOrdered, gBelow []float32, scratch []float64) float64 {
	K := len(ordered)
	if K == 0 {
		for j := range below {
			gBelow[j] = 0
		}
		return 0
	}
	need := 2*K + len(below)
	if cap(scratch) < need {
		scratch = make([]float64, need)
	}
	S := scratch[:K]
	if l, ok := listwiseShifted(ordered, below, gOrdered, gBelow, S, scratch[K:need]); ok {
		return l
	}
	return listwiseLog(ordered, below, gOrdered, gBelow, S)
}

// listwiseLog is Listwise by the log-space recurrences, for any scores. S is
// scratch of len(ordered).
func listwiseLog(ordered, below []float32, gOrdered, gBelow []float32, S []float64) float64 {
	K := len(ordered)
	// Below mass in log space.
	B := math.Inf(-1)
	if len(below) > 0 {
		mx := math.Inf(-1)
		for _, v := range below {
			mx = math.Max(mx, float64(v))
		}
		sum := 0.0
		for _, v := range below {
			sum += math.Exp(float64(v) - mx)
		}
		B = mx + math.Log(sum)
	}
	// Suffix log-sum-exp S_k, k = K-1 … 0.
	next := B
	loss := 0.0
	for k := K - 1; k >= 0; k-- {
		s := float64(ordered[k])
		next = logAddExp(s, next)
		S[k] = next
		loss += next - s
	}
	// Prefix sums P_k and the gradients of the ordered scores.
	P := 0.0
	for k := 0; k < K; k++ {
		if k > 0 {
			P *= math.Exp(S[k] - S[k-1])
		}
		P++
		gOrdered[k] = float32(-1 + math.Exp(float64(ordered[k])-S[k])*P)
	}
	last := S[K-1]
	for j, v := range below {
		gBelow[j] = float32(math.Exp(float64(v)-last) * P)
	}
	return loss
}

// listwiseShifted is Listwise with one shift: with M the largest score and
// e_j = e^{s_j − M}, the suffix sums Z_k = Σ_{l≥k} e_l + Σ_below e_j are
// plain float64 sums, S_k = M + log Z_k, and the gradients need no further
// exponential: ∂/∂s_k = −1 + e_k·Σ_{k'≤k} 1/Z_{k'}, ∂/∂s_j = e_j·Σ_k 1/Z_k.
// That is len(ordered)+len(below) exponentials and len(ordered) logarithms,
// about a third of the log-space recurrence. The e_j are held in the
// float32 gradient slices, so it declines (ok = false) when the scores
// spread over more than 80 nats, where e_j could leave float32's normal
// range; Listwise then uses the log-space recurrence. Z is scratch of
// len(ordered), buf of len(ordered)+len(below).
//
// The exponentials and the logarithms are computed a slice at a time
// (expSlice, logSlice: math.Exp and math.Log bit for bit, four at a time
// with AVX2) and consumed in the same order as one call per element would,
// so the loss and the gradients are those of the scalar loop to the last
// bit; only the sums' order matters, and it is unchanged.
func listwiseShifted(ordered, below, gOrdered, gBelow []float32, Z, buf []float64) (loss float64, ok bool) {
	// The largest and smallest score. Plain comparisons give the values
	// math.Max and math.Min would (a signed zero aside, which changes no
	// result below); a NaN makes the spread NaN.
	hi, lo := ordered[0], ordered[0]
	nan := false
	for _, v := range ordered {
		hi, lo, nan = max32(hi, v), min32(lo, v), nan || v != v
	}
	for _, v := range below {
		hi, lo, nan = max32(hi, v), min32(lo, v), nan || v != v
	}
	mx, mn := float64(hi), float64(lo)
	if nan || !(mx-mn <= 80) { // also rejects ±Inf
		return 0, false
	}
	K, L := len(ordered), len(below)
	// buf = e^{below − M}, then e^{ordered − M}.
	eb, eo := buf[:L], buf[L:L+K]
	for j, v := range below {
		eb[j] = float64(v) - mx
	}
	for k, v := range ordered {
		eo[k] = float64(v) - mx
	}
	simd.ExpSlice(buf[:L+K], buf[:L+K])
	zb := 0.0
	for j, e := range eb {
		gBelow[j] = float32(e)
		zb += e
	}
	z := zb
	for k := K - 1; k >= 0; k-- {
		e := eo[k]
		gOrdered[k] = float32(e)
		z += e
		Z[k] = z
	}
	logZ := buf[:K] // the exponentials are consumed
	simd.LogSlice(logZ, Z)
	for k := K - 1; k >= 0; k-- {
		loss += mx + logZ[k] - float64(ordered[k])
	}
	inv := 0.0
	for k := 0; k < K; k++ {
		inv += 1 / Z[k]
		gOrdered[k] = float32(-1 + float64(gOrdered[k])*inv)
	}
	for j := range below {
		gBelow[j] = float32(float64(gBelow[j]) * inv)
	}
	return loss, true
}

func max32(a, b float32) float32 {
	if b > a {
		return b
	}
	return a
}

func min32(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}

// logAddExp returns log(e^a + e^b) without overflow; either may be −Inf.
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// listBatch gathers the listwise groups of one mini-batch — each a ranked
// list above a "below" set, all pairs of one user (user side) or of one
// item (item side) — scores their pairs, applies Listwise per group and
// pushes the weighted gradients back to the student.
//
// Its sums over groups run in a fixed order that does not depend on the
// number of workers: the groups are cut into slabs (slabCount, by pair
// count), a slab's contributions are summed in group order, and the slabs'
// partial sums are added in slab order — the loss, and on the BPR path the
// gradient of every row that is not a group's own row. With two slabs this
// is exactly the arithmetic of the earlier implementation on two cores.
type listBatch struct {
	us, is []int32   // pairs (a referenced group's slots are stale until materialize)
	off    []int32   // group g spans pairs [off[g], off[g+1])
	nOrd   []int32   // the first nOrd[g] pairs of group g are the ordered list
	weight []float32 // λ of group g
	byItem []bool    // group g holds the pairs of one item (else of one user)
	scores []float32 // per pair
	grads  []float32 // per pair, weighted by the group's λ
	gloss  []float64 // weighted loss of each group
	// The groups added by addItems are referenced in place rather than
	// copied into us and is: refAt[g] is group g's entry in refs, or −1
	// when its pairs are in us and is (see pairs and materialize).
	refs    []groupRef
	refAt   []int32
	workers int
	scratch [][]float64 // per worker, Listwise's scratch
	bpr     bprPlan     // runBPR's buffers
}

// maxSlabs is the number of slabs of a large batch (see listBatch). More
// slabs would let the BPR path's group pass use more cores, at the price of
// a different float32 summation order.
const maxSlabs = 2

// slabCount returns the number of slabs of a batch of n pairs: one per
// 4096 pairs, at most maxSlabs.
func slabCount(n int) int { return max(1, min(maxSlabs, n/4096)) }

// groupRef is a group whose pairs live outside the batch: key's ordered
// entries, then its below entries.
type groupRef struct {
	key            int32
	ordered, below []int32
}

func (lb *listBatch) reset() {
	lb.us, lb.is = lb.us[:0], lb.is[:0]
	lb.off = append(lb.off[:0], 0)
	lb.nOrd, lb.weight, lb.byItem = lb.nOrd[:0], lb.weight[:0], lb.byItem[:0]
	clear(lb.refs) // drop the references to the callers' lists
	lb.refs, lb.refAt = lb.refs[:0], lb.refAt[:0]
}

// addUser adds the group of user u: ordered items above below items.
func (lb *listBatch) addUser(u int32, ordered, below []int32, w float64) {
	lb.us, lb.is = addPairs(lb.us, lb.is, u, ordered, below)
	lb.close(len(ordered), w, false)
}

// addItem adds the group of item i: ordered users above below users.
func (lb *listBatch) addItem(i int32, ordered, below []int32, w float64) {
	lb.is, lb.us = addPairs(lb.is, lb.us, i, ordered, below)
	lb.close(len(ordered), w, true)
}

// addItems adds one item group per entry of items, in that order, with the
// pairs lists(i) returns (ordered users, then below users) and weight w:
// the batch addItem would build, except that the lists are referenced, not
// copied. IR-RRD's and DCD's item side is ~680,000 pairs per batch, whose
// copy was ~8 % of the epoch's wall clock even on both cores; the BPR path
// reads the lists where they are (pairs), and the generic path copies them
// first (materialize). The lists must not change until the batch has run;
// the batch holds on to them until its next reset.
func (lb *listBatch) addItems(items []int32, w float64, lists func(i int32) (ordered, below []int32)) {
	n := len(lb.us)
	for _, i := range items {
		ord, below := lists(i)
		n += len(ord) + len(below)
		lb.refAt = append(lb.refAt, int32(len(lb.refs)))
		lb.refs = append(lb.refs, groupRef{key: i, ordered: ord, below: below})
		lb.byItem = append(lb.byItem, true)
		lb.off = append(lb.off, int32(n))
		lb.nOrd = append(lb.nOrd, int32(len(ord)))
		lb.weight = append(lb.weight, float32(w))
	}
	// us and is keep one slot per pair, so that the groups added after
	// these find their pairs at their offsets; the referenced groups' slots
	// are filled only by materialize.
	lb.us, lb.is = slices.Grow(lb.us, n-len(lb.us))[:n], slices.Grow(lb.is, n-len(lb.is))[:n]
}

// materialize copies the referenced groups' pairs into us and is (on the
// batch's workers: ~680,000 pairs per IR-RRD batch) and turns them into
// ordinary groups.
func (lb *listBatch) materialize() {
	if len(lb.refs) == 0 {
		return
	}
	var gs []int32
	for g, r := range lb.refAt {
		if r >= 0 {
			gs = append(gs, int32(g))
		}
	}
	n := 0
	for _, r := range lb.refs {
		n += len(r.ordered) + len(r.below)
	}
	workers := lb.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n/16384))
	parallel(workers, func(k int) {
		for _, g := range gs[k*len(gs)/workers : (k+1)*len(gs)/workers] {
			r := &lb.refs[lb.refAt[g]]
			lo, hi := lb.off[g], lb.off[g+1]
			keys := lb.is[lo:hi]
			for j := range keys {
				keys[j] = r.key
			}
			copy(lb.us[int(lo)+copy(lb.us[lo:hi], r.ordered):hi], r.below)
		}
	})
	for _, g := range gs {
		lb.refAt[g] = -1
	}
	clear(lb.refs)
	lb.refs = lb.refs[:0]
}

// pairs returns group g's key and the other side's entries of its pairs,
// in pair order, as one segment (a) or, for a referenced group, two (a,
// the ordered list, then b); the group must not be empty.
func (lb *listBatch) pairs(g int) (key int32, a, b []int32) {
	if r := lb.refAt[g]; r >= 0 {
		ref := &lb.refs[r]
		return ref.key, ref.ordered, ref.below
	}
	lo, hi := lb.off[g], lb.off[g+1]
	if lb.byItem[g] {
		return lb.is[lo], lb.us[lo:hi], nil
	}
	return lb.us[lo], lb.is[lo:hi], nil
}

// addPairs appends one group's pairs: the group's key to keys, once per
// entry, and the entries (ordered, then below) to others. One copy per
// list instead of an append per pair, which was 8% of IR-RRD's epoch
// before its item groups moved to addItems.
func addPairs(keys, others []int32, key int32, ordered, below []int32) ([]int32, []int32) {
	n0, n := len(keys), len(ordered)+len(below)
	keys, others = slices.Grow(keys, n)[:n0+n], slices.Grow(others, n)[:n0+n]
	k := keys[n0:]
	for j := range k {
		k[j] = key
	}
	copy(others[n0+copy(others[n0:], ordered):], below)
	return keys, others
}

func (lb *listBatch) close(nOrd int, w float64, byItem bool) {
	lb.byItem = append(lb.byItem, byItem)
	lb.off = append(lb.off, int32(len(lb.us)))
	lb.nOrd = append(lb.nOrd, int32(nOrd))
	lb.weight = append(lb.weight, float32(w))
	lb.refAt = append(lb.refAt, -1)
}

// prepare sizes the per-pair and per-group buffers and returns the number
// of workers for n pairs: small batches are not worth the goroutines.
func (lb *listBatch) prepare(n int) int {
	lb.scores = grow(lb.scores, n)
	lb.grads = grow(lb.grads, n)
	lb.gloss = grow(lb.gloss, len(lb.nOrd))
	w := lb.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = max(1, min(w, n/4096))
	for len(lb.scratch) < w {
		lb.scratch = append(lb.scratch, nil)
	}
	return w
}

// grow returns b resized to n, reallocated only when too short.
func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n, n+n/4)
	}
	return b[:n]
}

// parallel runs f(0) … f(w−1), on w goroutines when w > 1.
func parallel(w int, f func(k int)) {
	if w == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) { defer wg.Done(); f(k) }(k)
	}
	wg.Wait()
}

// groupLoss evaluates Listwise on group g from lb.scores, writes the
// gradients multiplied by the group's weight to lb.grads and returns the
// weighted loss; scratch is Listwise's scratch.
func (lb *listBatch) groupLoss(g int, scratch *[]float64) float64 {
	lo, hi, mid := lb.off[g], lb.off[g+1], lb.off[g]+lb.nOrd[g]
	if need := int(2*(mid-lo) + (hi - mid)); cap(*scratch) < need {
		*scratch = make([]float64, need, need+need/2)
	}
	l := Listwise(lb.scores[lo:mid], lb.scores[mid:hi], lb.grads[lo:mid], lb.grads[mid:hi], *scratch)
	wt := lb.weight[g]
	for j := lo; j < hi; j++ {
		lb.grads[j] *= wt
	}
	return float64(wt) * l
}

// sumLoss returns the groups' weighted losses summed in group order within
// each slab, and the slabs' sums in slab order.
func (lb *listBatch) sumLoss(slabs int) float64 {
	groups := len(lb.nOrd)
	total := 0.0
	for s := 0; s < slabs; s++ {
		g0, g1 := groupRange(lb.off, groups, s, slabs)
		part := 0.0
		for _, l := range lb.gloss[g0:g1] {
			part += l
		}
		total += part
	}
	return total
}

// run scores the pairs, evaluates every group's weighted listwise loss, adds
// the gradients to the student and returns the summed weighted loss.
func (lb *listBatch) run(st model.PairScorer) float64 {
	n := len(lb.us)
	if n == 0 {
		return 0
	}
	if m, ok := st.(*model.BPR); ok {
		return lb.runBPR(m)
	}
	lb.materialize()
	w := lb.prepare(n)
	groups := len(lb.nOrd)
	parallel(w, func(k int) {
		// Worker k takes the groups [g0, g1) covering about n/w pairs.
		g0, g1 := groupRange(lb.off, groups, k, w)
		a, b := lb.off[g0], lb.off[g1]
		st.ScorePairs(lb.us[a:b], lb.is[a:b], lb.scores[a:b])
		for g := g0; g < g1; g++ {
			lb.gloss[g] = lb.groupLoss(g, &lb.scratch[k])
		}
	})
	st.AddScoreGrad(lb.us, lb.is, lb.grads)
	return lb.sumLoss(slabCount(n))
}

// groupRange splits groups [0, groups) into w consecutive ranges of about
// equal numbers of pairs and returns range k.
func groupRange(off []int32, groups, k, w int) (int, int) {
	return splitRange(off[:groups+1], k, w)
}

// splitRange splits the index range [0, len(start)−1), whose entry x owns
// the items [start[x], start[x+1]), into w consecutive ranges of about
// equal numbers of items and returns range k.
func splitRange(start []int32, k, w int) (int, int) {
	rows := len(start) - 1
	n := int(start[rows])
	find := func(target int) int {
		// First entry starting at or after target.
		lo, hi := 0, rows
		for lo < hi {
			mid := (lo + hi) / 2
			if int(start[mid]) < target {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo
	}
	r0 := find(k * n / w)
	r1 := rows
	if k+1 < w {
		r1 = find((k + 1) * n / w)
	}
	return r0, r1
}

// bprPlan holds runBPR's per-batch index and buffers.
type bprPlan struct {
	// The pairs of the user groups ordered by item: item x's pairs are
	// ordQ[startQ[x]:startQ[x+1]], in pair order (a stable counting sort).
	startQ, ordQ []int32
	// Slab s of the item groups reads user x's row from its own copy,
	// uw[s][x·st : x·st+d] with st = uwStride, and adds Σ g·q_i to x's
	// private sum right after it, uw[s][x·st+d : x·st+2d], marked in
	// markP[s] and listed in rowsP[s]. Interleaved, a user's row and sum
	// are three cache lines instead of four: the item groups' pairs are
	// ~90 % of IR-RRD's, and each reads one user's row and updates its sum.
	// uw[s] is a window of uwBuf[s] chosen so that every row copy sits at
	// the address that the row has in the weights modulo 16, and
	// st ≡ d (mod 4) keeps it so: the dot products (nn.Dot's rounding
	// depends on that alignment) are those of the weights themselves.
	// uwRows and uwDim are the user table's shape the buffers were made
	// for, uwOff[s] the window's start.
	uw, uwBuf     [maxSlabs][]float32
	uwOff         [maxSlabs]int
	uwStride      int
	uwRows, uwDim int
	markP         [maxSlabs][]bool
	rowsP         [maxSlabs][]int32
	seenP, seenQ  []uint32 // seen[x] == gen: x is the key of a group already
	gen           uint32
	acc           [][]float32 // per worker, one embedding row
}

// index orders the user groups' pairs by item and marks the groups' own
// rows and those items as touched. It reports whether every group key is
// unique on its side, so that the groups may add to their own rows
// concurrently.
func (pl *bprPlan) index(lb *listBatch, m *model.BPR) (uniqueKeys bool) {
	nu, ni := m.P.Rows, m.Q.Rows
	pl.startQ = grow(pl.startQ, ni+1)
	clear(pl.startQ)
	if len(pl.seenP) != nu || len(pl.seenQ) != ni {
		pl.seenP, pl.seenQ, pl.gen = make([]uint32, nu), make([]uint32, ni), 0
	}
	pl.gen++
	if pl.gen == 0 {
		clear(pl.seenP)
		clear(pl.seenQ)
		pl.gen = 1
	}
	uniqueKeys = true
	nq := 0
	for g := range lb.nOrd {
		lo, hi := lb.off[g], lb.off[g+1]
		if lo == hi {
			continue
		}
		own, seen := m.P, pl.seenP
		if lb.byItem[g] {
			own, seen = m.Q, pl.seenQ
		}
		key, _, _ := lb.pairs(g)
		if seen[key] == pl.gen {
			uniqueKeys = false
		}
		seen[key] = pl.gen
		own.GradRow(int(key))
		if !lb.byItem[g] {
			for _, i := range lb.is[lo:hi] {
				pl.startQ[i+1]++
			}
			nq += int(hi - lo)
		}
	}
	for x := range ni {
		if pl.startQ[x+1] > 0 {
			m.Q.GradRow(x)
		}
		pl.startQ[x+1] += pl.startQ[x]
	}
	// Place the pairs, with startQ[x] as the cursor of item x, then shift
	// the cursors back to the starts.
	pl.ordQ = grow(pl.ordQ, nq)
	for g := range lb.nOrd {
		if lb.byItem[g] {
			continue
		}
		for p := lb.off[g]; p < lb.off[g+1]; p++ {
			i := lb.is[p]
			pl.ordQ[pl.startQ[i]] = p
			pl.startQ[i]++
		}
	}
	copy(pl.startQ[1:], pl.startQ[:ni])
	pl.startQ[0] = 0
	return uniqueKeys
}

// runBPR is run for BPR-MF students, in two passes over the batch.
//
// Pass 1, by group, one goroutine per slab: score the group's pairs against
// its own row (p_u of a user group, q_i of an item group), evaluate
// Listwise, keep the weighted gradient g of every pair, and add
// Σ_j g_j·(other row j) to the own row's gradient. An item group reads the
// user rows from its slab's copy of the user table and adds g_j·q_i to
// user j's private sum, which sits right after the row in that copy
// (bprPlan.uw).
//
// Pass 2, by row, split among the workers: every item row q_x gets, slab
// by slab, Σ g·p_u over the user-group pairs (u, x), in pair order through
// the index of bprPlan.index (one sequential write per row, reading the
// batch users' rows); every user row gets its slabs' private sums in slab
// order.
//
// The values are those of ScorePairs + Listwise + AddScoreGrad with the
// rows' gradients summed in the order of listBatch.
func (lb *listBatch) runBPR(m *model.BPR) float64 {
	n := len(lb.us)
	w := lb.prepare(n)
	slabs := slabCount(n)
	pl := &lb.bpr
	pw := min(w, slabs) // pass 1 workers
	if !pl.index(lb, m) {
		pw = 1 // a row is the key of two groups: add its parts in group order
	}
	d := m.Dim()
	for len(pl.acc) < w {
		pl.acc = append(pl.acc, make([]float32, d))
	}
	groups := len(lb.nOrd)
	lb.copyUserRows(m, slabs, w)
	parallel(pw, func(k int) {
		for s := k; s < slabs; s += pw {
			g0, g1 := groupRange(lb.off, groups, s, slabs)
			lb.pass1(m, g0, g1, s, pl.acc[k][:d], &lb.scratch[k])
		}
	})
	for s := range slabs {
		for _, x := range pl.rowsP[s] {
			m.P.GradRow(int(x))
		}
	}
	// The first pair of slab 1 (slabs end on group boundaries).
	slabEnd := int32(n)
	if slabs > 1 {
		_, g1 := groupRange(lb.off, groups, 0, slabs)
		slabEnd = lb.off[g1]
	}
	parallel(w, func(k int) {
		acc := pl.acc[k][:d]
		// Item rows: Σ g·p_u over the user-group pairs, slab by slab.
		x0, x1 := splitRange(pl.startQ, k, w)
		for x := x0; x < x1; x++ {
			a, b := pl.startQ[x], pl.startQ[x+1]
			if a == b {
				continue
			}
			row := m.Q.G[x*d : x*d+d]
			clear(acc)
			inFirst := pl.ordQ[a] < slabEnd
			for _, p := range pl.ordQ[a:b] {
				if inFirst && p >= slabEnd {
					simd.AddTo(row, acc)
					clear(acc)
					inFirst = false
				}
				if gk := lb.grads[p]; gk != 0 {
					simd.Axpy(gk, m.P.Row(int(lb.us[p]))[:d], acc)
				}
			}
			simd.AddTo(row, acc)
		}
		// User rows: the slabs' private sums, in slab order.
		u0, u1 := k*m.P.Rows/w, (k+1)*m.P.Rows/w
		for s := range slabs {
			mark, uw := pl.markP[s], pl.uw[s]
			if mark == nil {
				continue
			}
			for x := u0; x < u1; x++ {
				if mark[x] {
					src := uw[x*pl.uwStride+d : x*pl.uwStride+2*d]
					simd.AddTo(m.P.G[x*d:x*d+d], src)
					clear(src)
					mark[x] = false
				}
			}
		}
	})
	for s := range slabs {
		pl.rowsP[s] = pl.rowsP[s][:0]
	}
	return lb.sumLoss(slabs)
}

// pass1 is runBPR's first pass over the groups [g0, g1) of slab s, with
// acc (one row) and scratch of the calling worker.
func (lb *listBatch) pass1(m *model.BPR, g0, g1, s int, acc []float32, scratch *[]float64) {
	pl := &lb.bpr
	d := len(acc)
	for g := g0; g < g1; g++ {
		if g+prefetchAhead < g1 {
			lb.prefetchGroup(m, g+prefetchAhead, s)
		}
		if g+2*prefetchAhead < g1 {
			if r := lb.refAt[g+2*prefetchAhead]; r >= 0 {
				simd.PrefetchInts(lb.refs[r].ordered)
				simd.PrefetchInts(lb.refs[r].below)
			}
		}
		lo, hi := int(lb.off[g]), int(lb.off[g+1])
		if lo == hi {
			lb.gloss[g] = 0
			continue
		}
		own, other := m.P, m.Q
		if lb.byItem[g] {
			own, other = m.Q, m.P
		}
		key, ka, kb := lb.pairs(g)
		row := own.Row(int(key))[:d]
		mid := lo + len(ka)
		if !lb.byItem[g] {
			simd.DotRows(row, other.W, ka, lb.scores[lo:mid])
			simd.DotRows(row, other.W, kb, lb.scores[mid:hi])
		} else {
			simd.DotRowsStride(row, pl.uw[s], pl.uwStride, ka, lb.scores[lo:mid])
			simd.DotRowsStride(row, pl.uw[s], pl.uwStride, kb, lb.scores[mid:hi])
		}
		lb.gloss[g] = lb.groupLoss(g, scratch)
		clear(acc)
		if !lb.byItem[g] {
			lb.userRows(other, ka, lb.grads[lo:mid], acc)
			lb.userRows(other, kb, lb.grads[mid:hi], acc)
		} else {
			lb.itemRows(ka, lb.grads[lo:mid], acc, row, s)
			lb.itemRows(kb, lb.grads[mid:hi], acc, row, s)
		}
		simd.AddTo(own.G[int(key)*d:int(key)*d+d], acc)
	}
}

// userRows adds Σ_j g_j·(item row keys[j]) to acc (a user group's own
// gradient row).
func (lb *listBatch) userRows(q *nn.Param, keys []int32, g, acc []float32) {
	d := len(acc)
	for j, x := range keys {
		if gk := g[j]; gk != 0 {
			simd.Axpy(gk, q.Row(int(x))[:d], acc)
		}
	}
}

// itemRows adds, for an item group with own row row, Σ_j g_j·(user row
// keys[j]) to acc and g_j·row to user keys[j]'s private sum of slab s,
// both in slab s's interleaved table.
func (lb *listBatch) itemRows(keys []int32, g, acc, row []float32, s int) {
	pl := &lb.bpr
	d := len(acc)
	uw, mark := pl.uw[s], pl.markP[s]
	for j, x := range keys {
		gk := g[j]
		if gk == 0 {
			continue
		}
		if !mark[x] {
			mark[x] = true
			pl.rowsP[s] = append(pl.rowsP[s], x)
		}
		r := uw[int(x)*pl.uwStride : int(x)*pl.uwStride+2*d]
		simd.Axpy2(gk, r[:d], acc, row, r[d:])
	}
}

// copyUserRows copies the user rows into the interleaved table of every
// slab that has an item group (allocating it and its marks the first
// time), on w workers. A user table of another shape than the buffers'
// drops them all first, marks included.
func (lb *listBatch) copyUserRows(m *model.BPR, slabs, w int) {
	pl := &lb.bpr
	d, rows := m.Dim(), m.P.Rows
	if rows != pl.uwRows || d != pl.uwDim {
		pl.uw, pl.uwBuf, pl.markP = [maxSlabs][]float32{}, [maxSlabs][]float32{}, [maxSlabs][]bool{}
		pl.uwRows, pl.uwDim = rows, d
	}
	st := 2*d + (4-d%4)%4 // ≥ 2d, ≡ d (mod 4)
	pl.uwStride = st
	var need []int
	for s := range slabs {
		g0, g1 := groupRange(lb.off, len(lb.nOrd), s, slabs)
		if !slices.Contains(lb.byItem[g0:g1], true) {
			continue
		}
		if pl.uwBuf[s] == nil {
			pl.uwBuf[s], pl.markP[s] = make([]float32, rows*st+3), make([]bool, rows)
			pl.uwOff[s] = -1
		}
		// The window's start: the same address modulo 16 as the weights.
		off := int((uintptr(unsafe.Pointer(unsafe.SliceData(m.P.W)))-uintptr(unsafe.Pointer(unsafe.SliceData(pl.uwBuf[s]))))&15) / 4
		if off != pl.uwOff[s] {
			clear(pl.uwBuf[s]) // the sums must start at zero wherever they now lie
			pl.uwOff[s] = off
		}
		pl.uw[s] = pl.uwBuf[s][off : off+rows*st]
		need = append(need, s)
	}
	if len(need) == 0 {
		return
	}
	parallel(w, func(k int) {
		for x := k * rows / w; x < (k+1)*rows/w; x++ {
			src := m.P.W[x*d : x*d+d]
			for _, s := range need {
				copy(pl.uw[s][x*st:x*st+d], src)
			}
		}
	})
}

// prefetchAhead is how many groups ahead pass1 asks for rows
// (prefetchGroup). Four groups of IR-RRD's item side are ~160 user rows
// and their private sums, ~25 KiB: far enough ahead for the loads to
// arrive, near enough to stay in the core's cache. Measured on IR-RRD's
// epoch, epochs alternated in one process (docs/ranking-kd.md): 2 and 8
// were no better.
const prefetchAhead = 4

// prefetchGroup asks for the rows that pass1 will read and update for
// group g of slab s — the group's own row and its gradient row, and the
// other side's rows of its pairs (for an item group, each user's row and
// private sum in the slab's interleaved table, 2d floats) — while earlier
// groups are being computed: the batch's streams of
// pairs evict them from the core's cache between two uses, and pass1
// otherwise waits for each row in turn. A hint only: no value changes.
func (lb *listBatch) prefetchGroup(m *model.BPR, g, s int) {
	lo, hi := lb.off[g], lb.off[g+1]
	if lo == hi {
		return
	}
	d := m.Dim()
	key, a, b := lb.pairs(g)
	own := []int32{key}
	if !lb.byItem[g] {
		simd.PrefetchRows(m.P.W, own, d)
		simd.PrefetchRows(m.P.G, own, d)
		simd.PrefetchRows(m.Q.W, a, d)
		simd.PrefetchRows(m.Q.W, b, d)
		return
	}
	simd.PrefetchRows(m.Q.W, own, d)
	simd.PrefetchRows(m.Q.G, own, d)
	pl := &lb.bpr
	simd.PrefetchRowsStride(pl.uw[s], a, pl.uwStride, 2*d)
	simd.PrefetchRowsStride(pl.uw[s], b, pl.uwStride, 2*d)
}
