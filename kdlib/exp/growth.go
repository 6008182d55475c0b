package exp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/report"
	"gonum.org/v1/gonum/mat"
)

// The cost parts a growth fit relates to the data's size.
const (
	// GrowthEpoch is the training time of an epoch (TrainCPUSeconds, or
	// the wall time, per epoch).
	GrowthEpoch = "epoch"
	// GrowthSetup is the setup before the first epoch (SetupCPUSeconds or
	// SetupSeconds): loading the teacher, the split, the teacher's lists,
	// the terms. Runs that loaded their lists from the cache are left out:
	// their setup does not contain the lists' cost.
	GrowthSetup = "setup"
	// GrowthEval is the evaluation (EvalCPUSeconds, or the wall time less
	// setup and training).
	GrowthEval = "evaluation"
	// GrowthMemory is the process's peak resident memory during the run
	// less its resident memory at the start (Machine.PeakRSSMB −
	// StartRSSMB): what the run added.
	GrowthMemory = "peak memory"
)

// GrowthParts lists the parts in the order of the growth tables.
var GrowthParts = []string{GrowthEpoch, GrowthSetup, GrowthEval, GrowthMemory}

// GrowthMemoryLimitMB is the memory the growth table finds the size for:
// 24 GiB, in MiB.
const GrowthMemoryLimitMB = 24 * 1024

// GrowthPoint is one measured cost of a run and the size of the data it
// ran on.
type GrowthPoint struct {
	// Users, Items and Interactions are the training set's size
	// (RunResult.Data).
	Users, Items, Interactions float64
	// Value is the cost: seconds, or MiB for memory.
	Value float64
}

// GrowthFit is a power law cost ≈ C · users^a · items^b · interactions^c
// fitted to GrowthPoints by least squares on the logarithms (FitGrowth).
type GrowthFit struct {
	// Label is the sweep's row and Part the cost part (GrowthParts).
	Label, Part string
	// Clock is "CPU" or "wall" for the times, "" for memory.
	Clock string
	// Runs is the number of points fitted.
	Runs int
	// Exponents holds a, b and c (users, items, interactions); NaN for a
	// factor that did not vary among the points (its power is then part
	// of C, and the fit cannot predict at another value of it).
	Exponents [3]float64
	// StdErrs are the exponents' standard errors (NaN without residual
	// degrees of freedom).
	StdErrs [3]float64
	// Scatter is the residual standard deviation of the log cost (NaN
	// without residual degrees of freedom): a prediction inside the
	// measured range is typically off by a factor e^Scatter.
	Scatter float64
	// Base is added to the power law's value in predictions: the mean
	// resident memory at the runs' starts for GrowthMemory, else 0.
	Base float64

	// intercept is the fitted log cost at the mean log size (means).
	intercept float64
	means     [3]float64
}

// growthVaries is the spread of log size below which a factor counts as
// fixed (2 %).
var growthVaries = math.Log(1.02)

// growthMaxVIF is the largest variance inflation factor of a regressor
// (1/(1 − R²) of its log size regressed on the other factors' logs) that
// FitGrowth accepts: above it (R² > 0.95) the factor's exponent is traded
// against the others' by the noise (users and interactions measured only
// in proportion, say), and the fit refuses rather than report exponents
// that one more run can flip.
const growthMaxVIF = 20.0

// FitGrowth fits a power law to pts: ln cost = ln C + a·ln users +
// b·ln items + c·ln interactions by ordinary least squares, with only the
// factors whose size varies among the points (by more than 2 %) as
// regressors. It needs more points than parameters (so that the fit has
// a residual, a scatter and standard errors) and factors that do not vary
// together, nor nearly so (growthMaxVIF): a design with
// one factor at a time around a centre point, as the scale-growth spec's,
// separates all three. Label, Part and Clock are left to the caller.
func FitGrowth(pts []GrowthPoint) (GrowthFit, error) {
	f := GrowthFit{Runs: len(pts), Scatter: math.NaN()}
	for j := range f.Exponents {
		f.Exponents[j], f.StdErrs[j] = math.NaN(), math.NaN()
	}
	logs := make([][4]float64, len(pts))
	for k, p := range pts {
		if !(p.Users > 0 && p.Items > 0 && p.Interactions > 0 && p.Value > 0) || math.IsInf(p.Value, 0) {
			return f, fmt.Errorf("point %d (%v × %v, %v interactions): cost %v: sizes and cost must be positive and finite", k, p.Users, p.Items, p.Interactions, p.Value)
		}
		logs[k] = [4]float64{math.Log(p.Users), math.Log(p.Items), math.Log(p.Interactions), math.Log(p.Value)}
	}
	var vary []int
	for j := range 3 {
		lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
		for _, l := range logs {
			lo, hi, sum = min(lo, l[j]), max(hi, l[j]), sum+l[j]
		}
		if len(logs) > 0 {
			f.means[j] = sum / float64(len(logs))
		}
		if hi-lo > growthVaries {
			vary = append(vary, j)
		}
	}
	k := 1 + len(vary)
	tooFew := func() error {
		return fmt.Errorf("%d runs for %d factors that vary: too few to fit (want more runs than the %d parameters)", len(pts), len(vary), k)
	}
	if len(pts) < k || len(vary) == 0 {
		return f, tooFew()
	}
	// Centred design: the intercept is the mean log cost, and the
	// normal equations of the slopes are those of the centred factors.
	x := mat.NewDense(len(pts), len(vary), nil)
	y := make([]float64, len(pts))
	ymean := 0.0
	for r, l := range logs {
		for c, j := range vary {
			x.Set(r, c, l[j]-f.means[j])
		}
		y[r] = l[3]
		ymean += l[3]
	}
	ymean /= float64(len(pts))
	var xtx, inv mat.Dense
	xtx.Mul(x.T(), x)
	if err := inv.Inverse(&xtx); err != nil {
		var cond mat.Condition
		if errors.As(err, &cond) || errors.Is(err, mat.ErrSingular) {
			return f, fmt.Errorf("the sizes vary together (%v): the exponents cannot be told apart", err)
		}
		return f, err
	}
	// For centred regressors, (XᵀX)⁻¹_cc · (XᵀX)_cc is the variance
	// inflation factor of regressor c.
	names := [3]string{"users", "items", "interactions"}
	for c, j := range vary {
		if vif := inv.At(c, c) * xtx.At(c, c); !(vif <= growthMaxVIF) {
			return f, fmt.Errorf("the sizes vary together: %s is %.1f%% explained by the other factors (variance inflation %.3g > %g), so its exponent cannot be told apart; record runs that vary it alone",
				names[j], 100*(1-1/vif), vif, growthMaxVIF)
		}
	}
	if len(pts) == k {
		// An exact fit: no residual, so nothing says how far off it is.
		return f, tooFew()
	}
	yc := mat.NewVecDense(len(y), nil)
	for r := range y {
		yc.SetVec(r, y[r]-ymean)
	}
	var xty, beta mat.VecDense
	xty.MulVec(x.T(), yc)
	beta.MulVec(&inv, &xty)
	f.intercept = ymean
	rss := 0.0
	for r := range y {
		fit := ymean
		for c := range vary {
			fit += beta.AtVec(c) * x.At(r, c)
		}
		rss += (y[r] - fit) * (y[r] - fit)
	}
	dof := len(pts) - k
	if dof > 0 {
		f.Scatter = math.Sqrt(rss / float64(dof))
	}
	for c, j := range vary {
		f.Exponents[j] = beta.AtVec(c)
		if dof > 0 {
			f.StdErrs[j] = f.Scatter * math.Sqrt(inv.At(c, c))
		}
	}
	return f, nil
}

// Predict returns the fitted cost at a size (Base plus the power law);
// ok is false where the fit cannot tell: at a value of a factor that
// did not vary among the fitted runs and differs from theirs by more
// than 2 %.
func (f *GrowthFit) Predict(users, items, interactions float64) (float64, bool) {
	l, ok := f.logPredict(users, items, interactions)
	if !ok {
		return 0, false
	}
	return f.Base + math.Exp(l), true
}

func (f *GrowthFit) logPredict(users, items, interactions float64) (float64, bool) {
	if !(users > 0 && items > 0 && interactions > 0) {
		return 0, false
	}
	l := f.intercept
	for j, x := range [3]float64{users, items, interactions} {
		d := math.Log(x) - f.means[j]
		if math.IsNaN(f.Exponents[j]) {
			if math.Abs(d) > growthVaries {
				return 0, false
			}
			continue
		}
		l += f.Exponents[j] * d
	}
	return l, true
}

// Reaches returns the factor s by which a size (users, items,
// interactions), all three scaled together, must grow for the predicted
// cost to reach limit; ok is false when a factor's exponent is unknown or
// the cost does not grow with the size (exponents summing to 0.05 or
// less). s < 1 means the size already exceeds the limit.
func (f *GrowthFit) Reaches(limit, users, items, interactions float64) (float64, bool) {
	sum := 0.0
	for _, e := range f.Exponents {
		if math.IsNaN(e) {
			return 0, false
		}
		sum += e
	}
	l, ok := f.logPredict(users, items, interactions)
	if !ok || sum <= 0.05 || limit <= f.Base {
		return 0, false
	}
	return math.Exp((math.Log(limit-f.Base) - l) / sum), true
}

// growthValue is a record's cost for a part: CPU time when cpu is set
// (0 when the record has none), else wall time, MiB for memory.
func growthValue(rec *Record, part string, cpu bool) float64 {
	res := &rec.Result
	switch part {
	case GrowthEpoch:
		if res.Epochs <= 0 {
			return 0
		}
		if cpu {
			return res.TrainCPUSeconds / float64(res.Epochs)
		}
		if s := res.MeanEpochSeconds(); s > 0 {
			return s
		}
		return res.TrainSeconds / float64(res.Epochs)
	case GrowthSetup:
		if src, _ := res.Extra["lists"].(string); strings.HasPrefix(src, "cache") {
			return 0
		}
		if cpu {
			return res.SetupCPUSeconds
		}
		return res.SetupSeconds
	case GrowthEval:
		if cpu {
			return res.EvalCPUSeconds
		}
		if len(res.Resumed) > 0 {
			return 0
		}
		return rec.Seconds() - res.SetupSeconds - res.TrainSeconds
	case GrowthMemory:
		if m := rec.Machine; m != nil && m.PeakRSSMB > 0 {
			return m.PeakRSSMB - m.StartRSSMB
		}
	}
	return 0
}

// GrowthFits fits every part of every row (label) of a sweep, rows in
// the order of their first run (FitGrowth). A time part is fitted on CPU
// times when every record of the row has them, else on wall times. The
// notes say what could not be fitted and why.
func GrowthFits(sr *SweepResults) (fits []GrowthFit, notes []string) {
	var labels []string
	byLabel := map[string][]*Record{}
	noSize := 0
	for _, e := range sr.Entries {
		if e.Record == nil {
			continue
		}
		if e.Record.Result.Data == nil {
			noSize++
			continue
		}
		if byLabel[e.Run.Label] == nil {
			labels = append(labels, e.Run.Label)
		}
		byLabel[e.Run.Label] = append(byLabel[e.Run.Label], e.Record)
	}
	if noSize > 0 {
		notes = append(notes, fmt.Sprintf("%d records without the training set's size (RunResult.Data, recorded since the growth fit) are left out.", noSize))
	}
	for _, label := range labels {
		recs := byLabel[label]
		for _, part := range GrowthParts {
			cpu := part != GrowthMemory
			for _, r := range recs {
				if part == GrowthSetup && growthValue(r, part, false) <= 0 {
					continue // no setup (plain runs) or lists from the cache
				}
				cpu = cpu && growthValue(r, part, true) > 0
			}
			var pts []GrowthPoint
			base, nbase := 0.0, 0
			for _, r := range recs {
				v := growthValue(r, part, cpu)
				if v <= 0 {
					continue
				}
				d := r.Result.Data
				pts = append(pts, GrowthPoint{Users: float64(d.Users), Items: float64(d.Items), Interactions: float64(d.Interactions), Value: v})
				if m := r.Machine; part == GrowthMemory && m != nil {
					base += m.StartRSSMB
					nbase++
				}
			}
			if len(pts) == 0 {
				continue // a part the row does not have (setup of a plain run)
			}
			f, err := FitGrowth(pts)
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s, %s: %v.", label, part, err))
				continue
			}
			f.Label, f.Part = label, part
			switch {
			case part == GrowthMemory:
				f.Base = base / float64(max(nbase, 1))
			case cpu:
				f.Clock = "CPU"
			default:
				f.Clock = "wall"
			}
			fits = append(fits, f)
		}
	}
	return fits, notes
}

// GrowthTarget is a size the growth table predicts the cost at.
type GrowthTarget struct {
	// Name heads the target's columns; Dataset, when set, names the data
	// set whose measured cost (in the compared sweep) goes next to the
	// prediction.
	Name, Dataset string
	// Users, Items and Interactions are the training set's size.
	Users, Items, Interactions float64
}

// GrowthTargets returns the sizes the growth table predicts at: Gowalla's
// and Amazon-book's leave-one-out training sets (the registry's counts,
// less the two held-out interactions per user) and data.PowerLaw's
// default law at 10⁶ users × 5·10⁵ items (its expected size,
// data.PowerLawConfig.MeanPerUser, less two per user).
func GrowthTargets() []GrowthTarget {
	var out []GrowthTarget
	for _, name := range []string{"gowalla", "amazon-book"} {
		if d, err := datasets.Lookup(name); err == nil && d.Users > 0 {
			out = append(out, GrowthTarget{Name: name, Dataset: name, Users: float64(d.Users), Items: float64(d.Items),
				Interactions: float64(d.Interactions - 2*d.Users)})
		}
	}
	c := data.DefaultPowerLaw(1_000_000, 500_000)
	out = append(out, GrowthTarget{Name: "10⁶ × 5·10⁵", Users: 1e6, Items: 5e5, Interactions: 1e6 * (c.MeanPerUser() - 2)})
	return out
}

// GrowthTable is the growth block's two tables. The first gives, per row
// of sweep sr and cost part, the fitted exponents of users, items and
// interactions (± their standard errors; "–" for a factor that did not
// vary), the clock, the runs and the fit's scatter. The second gives,
// per row, the predicted epoch time and peak memory at each target
// (GrowthTargets), with the cost measured in the compared sweep (the
// record of the same row on the target's data set, all its users) in
// parentheses where it exists, and the size at which the predicted peak
// memory reaches 24 GiB when users, items and interactions grow in the
// proportions of the last target. compare may be nil.
func GrowthTable(sr, compare *SweepResults) []*report.Table {
	fits, notes := GrowthFits(sr)
	exps := &report.Table{Header: []string{"row", "part", "clock", "runs", "users", "items", "interactions", "scatter"}}
	for _, f := range fits {
		row := []string{f.Label, f.Part, f.Clock, fmt.Sprint(f.Runs)}
		if f.Clock == "" {
			row[2] = "MiB"
		}
		for j := range 3 {
			switch {
			case math.IsNaN(f.Exponents[j]):
				row = append(row, "–")
			case math.IsNaN(f.StdErrs[j]):
				row = append(row, fmt.Sprintf("%.2f", f.Exponents[j]))
			default:
				row = append(row, fmt.Sprintf("%.2f ± %.2f", f.Exponents[j], f.StdErrs[j]))
			}
		}
		if math.IsNaN(f.Scatter) {
			row = append(row, "–")
		} else {
			row = append(row, fmt.Sprintf("×%.2f", math.Exp(f.Scatter)))
		}
		exps.Rows = append(exps.Rows, row)
	}
	exps.Notes = append(exps.Notes, notes...)
	if miss := len(sr.Missing()); miss > 0 {
		exps.Notes = append(exps.Notes, fmt.Sprintf("%d of %d runs of %s not recorded yet (`kdsweep status --ledger results <spec>`).", miss, len(sr.Entries), sr.Sweep))
	}
	targets := GrowthTargets()
	pred := &report.Table{Header: []string{"row"}}
	for _, t := range targets {
		pred.Header = append(pred.Header, "epoch at "+t.Name)
	}
	for _, t := range targets {
		pred.Header = append(pred.Header, "peak memory at "+t.Name)
	}
	pred.Header = append(pred.Header, "24 GiB reached at")
	byPart := map[[2]string]*GrowthFit{}
	var labels []string
	for k := range fits {
		f := &fits[k]
		if (f.Part == GrowthEpoch || f.Part == GrowthMemory) && !slices.Contains(labels, f.Label) {
			labels = append(labels, f.Label)
		}
		byPart[[2]string{f.Label, f.Part}] = f
	}
	measured := func(label, dataset, part string, cpu bool) float64 {
		if compare == nil || dataset == "" {
			return 0
		}
		for _, e := range compare.Entries {
			if e.Record != nil && e.Run.Label == label && e.Run.Spec.Dataset.Name == dataset && e.Run.Spec.Split.Users == 0 {
				if part == GrowthMemory {
					if m := e.Record.Machine; m != nil {
						return m.PeakRSSMB
					}
					return 0
				}
				return growthValue(e.Record, part, cpu)
			}
		}
		return 0
	}
	last := targets[len(targets)-1]
	for _, label := range labels {
		row := []string{label}
		for _, part := range []string{GrowthEpoch, GrowthMemory} {
			f := byPart[[2]string{label, part}]
			for _, t := range targets {
				cell := "–"
				if f != nil {
					if v, ok := f.Predict(t.Users, t.Items, t.Interactions); ok {
						cell = growthFormat(part, v)
					}
					if m := measured(label, t.Dataset, part, f.Clock == "CPU"); m > 0 {
						cell += " (" + growthFormat(part, m) + ")"
					}
				}
				row = append(row, cell)
			}
		}
		cell := "–"
		if f := byPart[[2]string{label, GrowthMemory}]; f != nil {
			if s, ok := f.Reaches(GrowthMemoryLimitMB, last.Users, last.Items, last.Interactions); ok {
				cell = fmt.Sprintf("%s users × %s items", growthCount(s*last.Users), growthCount(s*last.Items))
			} else if !math.IsNaN(f.Exponents[0] + f.Exponents[1] + f.Exponents[2]) {
				cell = "not reached (memory hardly grows)"
			}
		}
		pred.Rows = append(pred.Rows, append(row, cell))
	}
	pred.Notes = append(pred.Notes, fmt.Sprintf("Predicted from the fits above; in parentheses the cost measured in %s on that data set, where recorded. "+
		"Epoch times are on the clock of the row's fit; memory is the peak resident memory, the process's memory at the start included. "+
		"The sizes are leave-one-out training sets: %s. "+
		"24 GiB: users, items and interactions grown together from %s. "+
		"A fit holds over the measured range; far outside it the prediction is indicative.", compareName(compare), targetSizes(targets), last.Name))
	return []*report.Table{exps, pred}
}

func compareName(c *SweepResults) string {
	if c == nil {
		return "the compared sweep (none given)"
	}
	return c.Sweep
}

func targetSizes(ts []GrowthTarget) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s %s users × %s items, %s interactions", t.Name, growthCount(t.Users), growthCount(t.Items), growthCount(t.Interactions)))
	}
	return strings.Join(parts, "; ")
}

// growthFormat formats a predicted or measured cost: a duration for the
// times, MiB or GiB for memory.
func growthFormat(part string, v float64) string {
	if part == GrowthMemory {
		if v >= 1024 {
			return fmt.Sprintf("%.1f GiB", v/1024)
		}
		return fmt.Sprintf("%.0f MiB", v)
	}
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f s", v)
	case v < 120:
		return fmt.Sprintf("%.0f s", v)
	case v < 2*3600:
		return fmt.Sprintf("%.0f min", v/60)
	}
	return fmt.Sprintf("%.1f h", v/3600)
}

// growthCount formats a count compactly: 70.7k, 1.2M.
func growthCount(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.2gG", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.3gM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.3gk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}
