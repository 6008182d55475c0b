package distill

import (
	"math"
	"runtime"
	"sync"

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
// if at least len(ordered) long, avoids an allocation. An empty ordered list
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
	S := scratch
	if len(S) < K {
		S = make([]float64, K)
	}
	if l, ok := listwiseShifted(ordered, below, gOrdered, gBelow, S); ok {
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
// len(ordered).
func listwiseShifted(ordered, below, gOrdered, gBelow []float32, Z []float64) (loss float64, ok bool) {
	mx, mn := float64(ordered[0]), float64(ordered[0])
	for _, v := range ordered {
		mx, mn = math.Max(mx, float64(v)), math.Min(mn, float64(v))
	}
	for _, v := range below {
		mx, mn = math.Max(mx, float64(v)), math.Min(mn, float64(v))
	}
	if !(mx-mn <= 80) { // also rejects NaN and ±Inf
		return 0, false
	}
	K := len(ordered)
	zb := 0.0
	for j, v := range below {
		e := math.Exp(float64(v) - mx)
		gBelow[j] = float32(e)
		zb += e
	}
	z := zb
	for k := K - 1; k >= 0; k-- {
		e := math.Exp(float64(ordered[k]) - mx)
		gOrdered[k] = float32(e)
		z += e
		Z[k] = z
		loss += mx + math.Log(z) - float64(ordered[k])
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
// item (item side) — scores all their pairs with one ScorePairs call per
// worker, applies Listwise per group, and pushes the weighted gradients
// back with one AddScoreGrad call.
type listBatch struct {
	us, is  []int32   // pairs
	off     []int32   // group g spans pairs [off[g], off[g+1])
	nOrd    []int32   // the first nOrd[g] pairs of group g are the ordered list
	weight  []float32 // λ of group g
	byItem  []bool    // group g holds the pairs of one item (else of one user)
	scores  []float32
	grads   []float32
	workers int
	scratch [][]float64
	loss    []float64
	bw      []*bprWorker // runBPR's per-worker buffers
}

func (lb *listBatch) reset() {
	lb.us, lb.is = lb.us[:0], lb.is[:0]
	lb.off = append(lb.off[:0], 0)
	lb.nOrd, lb.weight, lb.byItem = lb.nOrd[:0], lb.weight[:0], lb.byItem[:0]
}

// addUser adds the group of user u: ordered items above below items.
func (lb *listBatch) addUser(u int32, ordered, below []int32, w float64) {
	for _, i := range ordered {
		lb.us, lb.is = append(lb.us, u), append(lb.is, i)
	}
	for _, i := range below {
		lb.us, lb.is = append(lb.us, u), append(lb.is, i)
	}
	lb.close(len(ordered), w, false)
}

// addItem adds the group of item i: ordered users above below users.
func (lb *listBatch) addItem(i int32, ordered, below []int32, w float64) {
	for _, u := range ordered {
		lb.us, lb.is = append(lb.us, u), append(lb.is, i)
	}
	for _, u := range below {
		lb.us, lb.is = append(lb.us, u), append(lb.is, i)
	}
	lb.close(len(ordered), w, true)
}

func (lb *listBatch) close(nOrd int, w float64, byItem bool) {
	lb.byItem = append(lb.byItem, byItem)
	lb.off = append(lb.off, int32(len(lb.us)))
	lb.nOrd = append(lb.nOrd, int32(nOrd))
	lb.weight = append(lb.weight, float32(w))
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
	if cap(lb.scores) < n {
		lb.scores = make([]float32, n, n+n/4)
		lb.grads = make([]float32, n, n+n/4)
	}
	lb.scores, lb.grads = lb.scores[:n], lb.grads[:n]
	groups := len(lb.nOrd)
	w := lb.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	// Small batches are not worth the goroutines.
	w = max(1, min(w, n/4096))
	for len(lb.scratch) < w {
		lb.scratch = append(lb.scratch, nil)
	}
	if cap(lb.loss) < w {
		lb.loss = make([]float64, w)
	}
	lb.loss = lb.loss[:w]
	work := func(k int) {
		// Worker k takes the groups [g0, g1) covering about n/w pairs.
		g0, g1 := groupRange(lb.off, groups, k, w)
		a, b := lb.off[g0], lb.off[g1]
		st.ScorePairs(lb.us[a:b], lb.is[a:b], lb.scores[a:b])
		loss := 0.0
		for g := g0; g < g1; g++ {
			lo, hi, mid := lb.off[g], lb.off[g+1], lb.off[g]+lb.nOrd[g]
			if cap(lb.scratch[k]) < int(mid-lo) {
				lb.scratch[k] = make([]float64, mid-lo)
			}
			l := Listwise(lb.scores[lo:mid], lb.scores[mid:hi], lb.grads[lo:mid], lb.grads[mid:hi], lb.scratch[k][:mid-lo])
			wt := lb.weight[g]
			loss += float64(wt) * l
			for j := lo; j < hi; j++ {
				lb.grads[j] *= wt
			}
		}
		lb.loss[k] = loss
	}
	if w == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for k := 0; k < w; k++ {
			wg.Add(1)
			go func(k int) { defer wg.Done(); work(k) }(k)
		}
		wg.Wait()
	}
	st.AddScoreGrad(lb.us, lb.is, lb.grads)
	total := 0.0
	for _, l := range lb.loss {
		total += l
	}
	return total
}

// groupRange splits groups [0, groups) into w consecutive ranges of about
// equal numbers of pairs and returns range k.
func groupRange(off []int32, groups, k, w int) (int, int) {
	n := int(off[groups])
	find := func(target int) int {
		// First group starting at or after target.
		lo, hi := 0, groups
		for lo < hi {
			mid := (lo + hi) / 2
			if int(off[mid]) < target {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo
	}
	g0 := find(k * n / w)
	g1 := groups
	if k+1 < w {
		g1 = find((k + 1) * n / w)
	}
	return g0, g1
}

// bprWorker holds one worker's private gradient buffers for runBPR.
type bprWorker struct {
	gP, gQ       []float32 // dense gradients of P and Q rows written as "other" rows
	markP, markQ []bool
	rowsP, rowsQ []int32 // rows with a non-zero private gradient
	sc, gr, acc  []float32
	scratch      []float64
	loss         float64
}

// runBPR is run for BPR-MF students. Each group is scored, its Listwise
// gradient computed and pushed back while the group's rows are still in
// cache (the loop is bound by memory traffic). The groups are split among
// the workers by pair count. The gradient of a group's shared row (p_u of a
// user group, q_i of an item group; each appears in one group per batch) is
// summed locally and added to the model directly; the other rows get
// g·(shared row) in the worker's private buffer, and the buffers are added
// to the model at the end. The values equal ScorePairs + Listwise +
// AddScoreGrad up to float32 summation order, which depends on the number
// of workers.
func (lb *listBatch) runBPR(m *model.BPR) float64 {
	n := len(lb.us)
	groups := len(lb.nOrd)
	w := lb.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = max(1, min(w, n/4096))
	d := m.Dim()
	for len(lb.bw) < w {
		lb.bw = append(lb.bw, &bprWorker{
			gP: make([]float32, m.P.Rows*d), gQ: make([]float32, m.Q.Rows*d),
			markP: make([]bool, m.P.Rows), markQ: make([]bool, m.Q.Rows), acc: make([]float32, d)})
	}
	// Mark the shared rows as touched before the workers write them.
	for g := 0; g < groups; g++ {
		if lb.off[g] == lb.off[g+1] {
			continue
		}
		if lb.byItem[g] {
			m.Q.GradRow(int(lb.is[lb.off[g]]))
		} else {
			m.P.GradRow(int(lb.us[lb.off[g]]))
		}
	}
	work := func(k int) {
		bw := lb.bw[k]
		bw.loss = 0
		g0, g1 := groupRange(lb.off, groups, k, w)
		for g := g0; g < g1; g++ {
			lo, hi, mid := int(lb.off[g]), int(lb.off[g+1]), int(lb.off[g]+lb.nOrd[g])
			if lo == hi {
				continue
			}
			shared, other := m.P, m.Q
			key, keys := lb.us[lo], lb.is[lo:hi]
			og, mark, rows := bw.gQ, bw.markQ, &bw.rowsQ
			if lb.byItem[g] {
				shared, other = m.Q, m.P
				key, keys = lb.is[lo], lb.us[lo:hi]
				og, mark, rows = bw.gP, bw.markP, &bw.rowsP
			}
			row := shared.Row(int(key))[:d]
			if cap(bw.sc) < hi-lo {
				bw.sc, bw.gr, bw.scratch = make([]float32, hi-lo), make([]float32, hi-lo), make([]float64, hi-lo)
			}
			sc, gr := bw.sc[:hi-lo], bw.gr[:hi-lo]
			for j, x := range keys {
				sc[j] = nn.Dot(row, other.Row(int(x)))
			}
			wt := lb.weight[g]
			bw.loss += float64(wt) * Listwise(sc[:mid-lo], sc[mid-lo:], gr[:mid-lo], gr[mid-lo:], bw.scratch)
			acc := bw.acc
			clear(acc)
			for j, x := range keys {
				gk := wt * gr[j]
				if gk == 0 {
					continue
				}
				if !mark[x] {
					mark[x] = true
					*rows = append(*rows, x)
				}
				orow := other.Row(int(x))[:d]
				ograd := og[int(x)*d : int(x)*d+d]
				for t := range acc {
					acc[t] += gk * orow[t]
					ograd[t] += gk * row[t]
				}
			}
			nn.Axpy(1, acc, shared.G[int(key)*d:int(key)*d+d])
		}
	}
	if w == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for k := 0; k < w; k++ {
			wg.Add(1)
			go func(k int) { defer wg.Done(); work(k) }(k)
		}
		wg.Wait()
	}
	loss := 0.0
	for _, bw := range lb.bw[:w] {
		loss += bw.loss
		for _, side := range []struct {
			p    *nn.Param
			g    []float32
			mark []bool
			rows *[]int32
		}{{m.P, bw.gP, bw.markP, &bw.rowsP}, {m.Q, bw.gQ, bw.markQ, &bw.rowsQ}} {
			for _, r := range *side.rows {
				src := side.g[int(r)*d : int(r)*d+d]
				nn.Axpy(1, src, side.p.GradRow(int(r)))
				clear(src)
				side.mark[r] = false
			}
			*side.rows = (*side.rows)[:0]
		}
	}
	return loss
}
