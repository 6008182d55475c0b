package train

// The rule "still rising at the epoch cap": a run that ended because it
// reached its epoch cap, not because early stopping ended it, while its
// validation metric was still setting new bests. Its curve ends where the
// budget cut it, not where the model stopped improving, and a figure that
// draws it must say so (report.Series.Cutoff).

// RisingWindow is the number of final evaluations in which RisingAtCap
// looks for a new best: 3, so that one lucky evaluation at the very end of
// a flat curve is not enough (the chance that the best of a noisy plateau
// of n evaluations falls among the last 3 is 3/n), while a curve that is
// still climbing sets a new best in each of them.
const RisingWindow = 3

// RisingAtCap applies the rule "still rising at the epoch cap" to a run
// that trained ran epochs of its cap, stopped early or not, and measured
// values (one metric's evaluations, in training order): it holds when
//
//   - the cap ended the run: ran ≥ cap > 0 and early stopping did not stop
//     it, and
//   - the values set a new best in the last w = min(RisingWindow, n−1) of
//     their n evaluations: the largest of the last w is larger than every
//     value before them (an epoch-0 evaluation of the untrained model
//     counts as one before).
//
// With fewer than two evaluations there is nothing to compare and the rule
// does not hold.
func RisingAtCap(values []float64, ran, cap int, stoppedEarly bool) bool {
	if stoppedEarly || cap <= 0 || ran < cap || len(values) < 2 {
		return false
	}
	w := min(RisingWindow, len(values)-1)
	before := values[0]
	for _, v := range values[1 : len(values)-w] {
		before = max(before, v)
	}
	for _, v := range values[len(values)-w:] {
		if v > before {
			return true
		}
	}
	return false
}

// RisingAtCap reports whether the run was still rising at its epoch cap
// (the package function RisingAtCap) by the validation values of metric:
// cap is the run's Config.Epochs.
func (r *Result) RisingAtCap(metric string, cap int) bool {
	_, values := r.ValidCurve(metric)
	return RisingAtCap(values, r.Epochs, cap, r.StoppedEarly)
}
