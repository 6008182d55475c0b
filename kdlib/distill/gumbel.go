package distill

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// TauSchedule is the annealed temperature of the Gumbel-softmax expert
// selection of DE [methods.md §3.3] and of HTD's group assignment [§3.6].
// The reference code sets τ = Start before training and, at the end of
// every 0-based epoch e, τ ← max(Start·(End/Start)^{e/P}, End). The
// temperature used by epoch k is therefore
//
//	τ_0 = τ_1 = Start,   τ_k = max(Start·(End/Start)^{(k−1)/P}, End)  (k ≥ 1)
//
// so the first two epochs both use Start. With the reference values Start =
// end_T·anneal_size = 1e−10·1e10 = 1, End = 1e−10 and P the reference's
// max_epoch (1000 in DE-RRD's main_DE.py, 100 in the TD notebook),
// τ_k = 10^{−10(k−1)/P}: about 0.003 at DE's best epoch 253.
//
// The schedule is a property of the method, not of a run's epoch cap: the
// reference runs stop early (patience) long before max_epoch, so P is the
// configured length, not the number of epochs trained. A run capped below
// P sees only the start of the schedule (Note says so).
type TauSchedule struct {
	// Start is the initial temperature τ_0 (reference 1).
	Start float64
	// End is the floor τ_P (reference 1e−10).
	End float64
	// Epochs is the annealing length P in epochs (DefaultTau: 1000, DE's
	// reference; DefaultHTD: 100, the TD notebook's). 0 anneals over the
	// run's epoch cap instead (train.Epoch.MaxEpochs), so that capping a
	// run's epochs also changes its schedule: not a reference setting.
	Epochs int
}

// DETauEpochs is the annealing length of DE's reference schedule: the
// max_epoch of DE-RRD's main_DE.py, over which run.py:LOO_DE_run anneals
// whatever epoch early stopping ends at [methods.md §3.3].
const DETauEpochs = 1000

// HTDTauEpochs is the annealing length of HTD's reference schedule: the
// max_epoch of the TD notebook's run_dict [methods.md §3.6].
const HTDTauEpochs = 100

// DefaultTau returns DE's reference schedule: 1 → 1e−10 geometrically over
// DETauEpochs epochs, whatever the run's epoch cap.
func DefaultTau() TauSchedule { return TauSchedule{Start: 1, End: 1e-10, Epochs: DETauEpochs} }

// At returns the temperature of 0-based epoch epoch of a run of maxEpochs
// epochs (maxEpochs is used only when s.Epochs is 0).
func (s TauSchedule) At(epoch, maxEpochs int) float64 {
	p := s.Epochs
	if p <= 0 {
		p = maxEpochs
	}
	if epoch <= 1 || p <= 0 {
		return s.Start
	}
	t := s.Start * math.Pow(s.End/s.Start, float64(epoch-1)/float64(p))
	return math.Max(t, s.End)
}

// Note says how a run capped at maxEpochs epochs departs from the
// schedule, for the method named method, or returns "" when it does not:
// with Epochs = P > 0 and a cap below P the run stops part-way down the
// schedule (the schedule itself is unchanged); with Epochs = 0 the schedule
// follows the cap.
func (s TauSchedule) Note(method string, maxEpochs int) string {
	if maxEpochs <= 0 {
		return ""
	}
	last := s.At(maxEpochs-1, maxEpochs)
	if s.Epochs <= 0 {
		return fmt.Sprintf("%s anneals its Gumbel-softmax temperature %g → %g over the run's epoch cap (tau-epochs=0): "+
			"the schedule follows epochs=%d, not the method's reference length", method, s.Start, s.End, maxEpochs)
	}
	if maxEpochs >= s.Epochs {
		return ""
	}
	return fmt.Sprintf("%s anneals its Gumbel-softmax temperature %g → %g over %d epochs (tau-epochs=%d); "+
		"this run is capped at %d epochs, so its last epoch trains at τ = %.3g: the schedule is unchanged, the run sees only its start "+
		"(tau-epochs=%d would anneal within the cap, which changes the method)",
		method, s.Start, s.End, s.Epochs, s.Epochs, maxEpochs, last, maxEpochs)
}

func (s TauSchedule) validate(name string) error {
	if !(s.Start > 0) || !(s.End > 0) || math.IsInf(s.Start, 0) || math.IsInf(s.End, 0) || s.End > s.Start || s.Epochs < 0 {
		return fmt.Errorf("distill: %s: temperature schedule needs 0 < End <= Start < ∞ and Epochs >= 0, got %+v", name, s)
	}
	return nil
}

// gumbelEps is the ε of the reference's sample_gumbel, −log(−log(U+ε)+ε).
const gumbelEps = 1e-20

// GumbelNoise fills out with independent standard Gumbel samples
// g = −log(E + 1e−20), E ~ Exp(1) drawn with r.ExpFloat64. This is the
// distribution of the reference's sample_gumbel, −log(−log(U + ε) + ε)
// with U ~ U[0,1) (−log U is Exp(1)); drawing E directly saves a logarithm,
// and the selection below never needs g itself, only e^{−g} = E + 1e−20.
func GumbelNoise(r *rand.Rand, out []float64) {
	for k := range out {
		out[k] = -math.Log(r.ExpFloat64() + gumbelEps)
	}
}

// selectEps is the ε inside log(α + 1e−10) of the reference's selection.
const selectEps = 1e-10

// GumbelSoftmax writes the soft Gumbel-softmax selection of DE and HTD
// [methods.md §3.3] into out:
//
//	s_m = softmax_m((log(α_m + 1e−10) + g_m)/τ)
//
// for selection probabilities α (summing to 1), Gumbel noise g and
// temperature τ. There is no straight-through estimator: s is soft and
// becomes one-hot only as τ → 0.
func GumbelSoftmax(alpha, noise []float64, tau float64, out []float64) {
	mx := math.Inf(-1)
	for m, a := range alpha {
		out[m] = (math.Log(a+selectEps) + noise[m]) / tau
		mx = math.Max(mx, out[m])
	}
	sum := 0.0
	for m := range out[:len(alpha)] {
		out[m] = math.Exp(out[m] - mx)
		sum += out[m]
	}
	for m := range out[:len(alpha)] {
		out[m] /= sum
	}
}

// latSoftmax writes softmax(x) into out (float64). Entries more than 69
// below the maximum (probability < 1e−30, which vanishes next to the 1e−10
// of log(α + 1e−10) in float64) are set to 0 without calling exp.
func latSoftmax(x []float32, out []float64) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = math.Max(mx, float64(v))
	}
	sum := 0.0
	for m, v := range x {
		d := float64(v) - mx
		if d < -69 {
			out[m] = 0
			continue
		}
		out[m] = math.Exp(d)
		sum += out[m]
	}
	for m := range out[:len(x)] {
		out[m] /= sum
	}
}

// latSelectBack returns in dl the gradient with respect to the gate logits
// l (α = softmax(l)) given ds, the gradient with respect to the selection
// s = GumbelSoftmax(α, g, τ):
//
//	∂/∂x_m = s_m(ds_m − Σ_j s_j ds_j),   x_m = (log(α_m+ε) + g_m)/τ
//	∂/∂α_m = (∂/∂x_m) / (τ(α_m + ε))
//	∂/∂l_m = α_m(∂/∂α_m − Σ_j α_j ∂/∂α_j)
//
// da is scratch of the same length.
func latSelectBack(alpha, s, ds []float64, tau float64, dl []float32, da []float64) {
	dot := 0.0
	for m := range s {
		dot += s[m] * ds[m]
	}
	adot := 0.0
	for m := range s {
		dx := s[m] * (ds[m] - dot)
		da[m] = dx / (tau * (alpha[m] + selectEps))
		adot += alpha[m] * da[m]
	}
	for m := range s {
		dl[m] = float32(alpha[m] * (da[m] - adot))
	}
}

// latTiny is the relative size below which a selection weight is dropped
// from the softmax normaliser: e^{−40} ≈ 4e−18, invisible in float64 next to
// the largest weight 1.
const latTiny = -40.0

// latGumbelRow computes one row of the Gumbel-softmax selection from the
// probabilities α and Exp(1) variates e (g = −log(e + 1e−20)):
//
//	s_m ∝ exp((log(α_m+ε) + g_m)/τ) = (r_m/r_max)^{1/τ},  r_m = (α_m+ε)/(e_m+1e−20),
//
// the same numbers as GumbelSoftmax(α, g, τ) without its logarithms at
// τ = 1 and with a log and an exp only for the entries within e^{−40} of the
// largest (the others are 0). It returns s in out.
func latGumbelRow(alpha, e []float64, tau float64, out []float64) {
	rmax := 0.0
	for m, a := range alpha {
		out[m] = (a + selectEps) / (e[m] + gumbelEps)
		rmax = math.Max(rmax, out[m])
	}
	sum := 0.0
	if tau == 1 {
		for m := range alpha {
			out[m] /= rmax
			sum += out[m]
		}
	} else {
		cut := math.Exp(latTiny * tau) // (r/rmax)^{1/τ} < e^{−40} ⇔ r/rmax < e^{−40τ}
		inv := 1 / tau
		for m := range alpha {
			q := out[m] / rmax
			if q < cut {
				out[m] = 0
				continue
			}
			out[m] = math.Exp(math.Log(q) * inv)
			sum += out[m]
		}
	}
	for m := range alpha {
		out[m] /= sum
	}
}
