package distill

import "math"

// WNDCG is HetComp's position-weighted overlap between a student's ranked
// list and a teacher's top list (methods.md §3.9, the reference's NDCG used
// by dynamic knowledge construction): with the student's list truncated to
// its first k items, the gain at student position j (0-based) is
//
//	g_j = 2^{exp(−j/10)} − 1
//
// counted in the DCG when the student's j-th item is anywhere in the
// teacher's first k items, and always in the ideal DCG:
//
//	wNDCG@k = Σ_j 1[student_j ∈ teacher[:k]]·g_j/log₂(j+2)  ÷  Σ_j g_j/log₂(j+2)
//
// rounded to 4 decimals (half to even, as NumPy's round). It is an overlap
// weighted by the student's positions, not a rank-exact NDCG. Choice [I]:
// when the student's list is shorter than k (a catalogue smaller than k),
// both sums run over the positions it has; an empty list gives 0.
func WNDCG(student, teacher []int32, k int) float64 {
	n := min(k, len(student))
	if n <= 0 {
		return 0
	}
	inTop := make(map[int32]struct{}, min(k, len(teacher)))
	for _, i := range teacher[:min(k, len(teacher))] {
		inTop[i] = struct{}{}
	}
	dcg, idcg := 0.0, 0.0
	for j := 0; j < n; j++ {
		g := wndcgGain(j)
		idcg += g
		if _, ok := inTop[student[j]]; ok {
			dcg += g
		}
	}
	return math.RoundToEven(dcg/idcg*1e4) / 1e4
}

// wndcgGain is g_j/log₂(j+2) of WNDCG.
func wndcgGain(j int) float64 {
	return (math.Exp2(math.Exp(-float64(j)/10)) - 1) / math.Log2(float64(j)+2)
}

// DKCThreshold is the stage-advance threshold th(e) = α·decay^{⌊e/p⌋} of
// dynamic knowledge construction (reference: α = 1.05, decay = 0.995,
// p = 10), at epoch e (kdrec counts completed epochs, 1-based).
func DKCThreshold(epoch int, alpha, decay float64, period int) float64 {
	if period <= 0 {
		period = 1
	}
	return alpha * math.Pow(decay, float64(epoch/period))
}

// DKCAdvance is the reference's stage-advance rule for one (user, teacher)
// pair: with last the distance δ = 1 − wNDCG to the next stage's list
// recorded at the pair's last move (or at the first DKC call) and now the
// distance at this call, the pair advances when
//
//	ratio = last/now > th   or   ratio < 1
//
// i.e. it stays only while the distance to the next stage shrinks by a
// factor within [1, th]. Division follows IEEE (NumPy) semantics, as in the
// reference's array code: now = 0 < last gives +Inf (advance), 0/0 gives
// NaN, for which both comparisons are false (stay).
func DKCAdvance(last, now, th float64) bool {
	r := last / now
	return r > th || r < 1
}
