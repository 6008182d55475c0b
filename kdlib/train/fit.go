package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// Examples selects what one training example is.
type Examples int

const (
	// Pairwise examples are triples (u, i, j), one per training positive per
	// epoch, with j drawn uniformly among the items u did not interact with
	// (redrawn until it is not a positive) — the reference's num_ns = 1.
	Pairwise Examples = iota
	// UserWise examples are users (autoencoders); Batch.Pos/Neg stay empty.
	UserWise
)

// EvalFunc evaluates the model after an epoch and returns named validation
// and test metrics (e.g. "HR@5"). Test may be nil.
type EvalFunc func(ctx context.Context, epoch int) (valid, test map[string]float64, err error)

// Config holds the options of one training run. The zero value is not
// usable; start from Defaults.
type Config struct {
	// Epochs is the maximum number of epochs.
	Epochs int
	// BatchSize is the number of examples per mini-batch.
	BatchSize int
	// Seed makes the run deterministic: the same seed, data, model
	// initialisation and worker count give the same numbers.
	Seed uint64
	// LR and WeightDecay configure Adam (coupled L2 on every parameter).
	LR, WeightDecay float64
	// LazyAdam updates only the embedding rows touched by a batch (faster,
	// not the reference semantics; see nn.Adam).
	LazyAdam bool
	// Examples selects pairwise triples (default) or user batches.
	Examples Examples

	// Eval, if set, runs after every EvalEvery-th epoch (1-based count:
	// EvalEvery=10 evaluates after epochs 10, 20, …) and after the last.
	Eval      EvalFunc
	EvalEvery int
	// EvalAtStart also evaluates the untrained model (reported as epoch 0,
	// as in the TD notebook's curves).
	EvalAtStart bool
	// Patience stops training after this many evaluations without
	// improvement (0 disables early stopping).
	Patience int
	// StopMetrics are the validation metrics watched for improvement. An
	// evaluation improves if ANY of them reaches a new best, as in the
	// reference LOO code (HR@5, HR@10, HR@20). Empty means all metrics.
	StopMetrics []string
	// RestoreBest puts back the parameters of the best evaluation of
	// StopMetrics[0] when training ends (otherwise the last ones are kept).
	RestoreBest bool

	// Hooks observe the run (progress bars, timing, a term's own epoch
	// step). Fit calls them in the order of the list; add one with append,
	// never by wrapping another.
	Hooks []Hook

	// Checkpoint, if set, saves the run's state at the end of epochs and
	// resumes from it when the run is started again (see Checkpointer).
	// Nil trains from epoch 0 and saves nothing.
	Checkpoint *Checkpointer
}

// Defaults returns the reference hyper-parameters of the DE-RRD / TD code:
// Adam lr 1e-3, weight decay 1e-3, batch 1024, up to 1000 epochs,
// evaluation every epoch, patience 20, watching HR@{5,10,20}.
func Defaults() Config {
	return Config{Epochs: 1000, BatchSize: 1024, LR: 1e-3, WeightDecay: 1e-3, EvalEvery: 1, Patience: 20,
		StopMetrics: []string{"HR@5", "HR@10", "HR@20"}}
}

// Validate reports the first invalid option, naming it.
func (c *Config) Validate() error {
	switch {
	case c.Epochs <= 0:
		return fmt.Errorf("train: epochs must be > 0, got %d", c.Epochs)
	case c.BatchSize <= 0:
		return fmt.Errorf("train: batch size must be > 0, got %d", c.BatchSize)
	case c.EvalEvery < 0:
		return fmt.Errorf("train: eval-every must be >= 0, got %d", c.EvalEvery)
	case c.Patience < 0:
		return fmt.Errorf("train: patience must be >= 0, got %d", c.Patience)
	case c.Examples != Pairwise && c.Examples != UserWise:
		return fmt.Errorf("train: unknown examples mode %d", c.Examples)
	}
	opt := nn.NewAdam(c.LR, c.WeightDecay)
	return opt.Validate()
}

// Hook is a set of functions Fit calls as a run progresses; any of them may
// be nil. They run on the training goroutine, between batches and epochs,
// so they must be cheap unless their cost is part of training (HetComp's
// knowledge-construction step); an epoch's time (Point.Seconds) does not
// include its OnEpoch calls.
type Hook struct {
	// OnStart is called once, when the run is set up and before the
	// evaluation of EvalAtStart and the first epoch.
	OnStart func(StartEvent)
	// OnBatch is called after every batch's optimiser step.
	OnBatch func(BatchEvent)
	// OnEpoch is called after every epoch and its evaluation, if one ran.
	OnEpoch func(EpochEvent)
	// OnEnd is called when Fit returns after OnStart was called: at the
	// end of training, on early stopping, cancellation or an error.
	OnEnd func(EndEvent)
}

// StartEvent describes a run about to start.
type StartEvent struct {
	// MaxEpochs is the run's epoch cap and Batches the number of batches
	// per epoch.
	MaxEpochs, Batches int
	// Epoch is the number of epochs already completed: 0, or the epoch a
	// run resumed from a checkpoint continues after (its first OnEpoch
	// reports Epoch+1). A progress bar starts there.
	Epoch int
}

// EndEvent reports how a run ended.
type EndEvent struct {
	// Result is what Fit returns: the history so far, never nil.
	Result *Result
	// Err is the error Fit returns (nil when training completed or stopped
	// early).
	Err error
}

// BatchEvent reports a finished batch.
type BatchEvent struct {
	// Epoch is the 1-based epoch, Batch the 1-based batch within it and
	// Batches the number of batches per epoch.
	Epoch, Batch, Batches int
	// Loss is the batch's summed loss.
	Loss float64
}

// EpochEvent reports a finished epoch (and its evaluation, if one ran).
type EpochEvent struct {
	Point
	// MaxEpochs is the run's epoch cap.
	MaxEpochs int
	// Improved says whether this evaluation improved a watched metric.
	Improved bool
}

// Point is one epoch of a training history.
type Point struct {
	// Epoch is the 1-based number of completed epochs (0 = before training).
	Epoch int
	// Loss is the summed loss of the epoch, and TermLoss its split by term.
	Loss     float64
	TermLoss map[string]float64
	// Valid and Test are set when the epoch was evaluated.
	Valid, Test map[string]float64
	// Seconds is the wall time of the epoch's training (not evaluation).
	Seconds float64
}

// Best records, for one validation metric, the evaluation where it peaked
// and the test metrics measured there.
type Best struct {
	// Epoch is the evaluation's epoch.
	Epoch int
	// Valid is the metric's validation value there.
	Valid float64
	// Test holds every test metric measured there.
	Test map[string]float64
}

// Result is the outcome of Fit.
type Result struct {
	// History has one point per epoch (plus epoch 0 with EvalAtStart).
	History []Point
	// Best maps each validation metric to its best evaluation. The
	// reference's "best epoch per cut-off" report takes, for metric M@N,
	// Best["HR@N"].Test["M@N"].
	Best map[string]Best
	// Epochs is the number of epochs run; StoppedEarly says why it ended.
	Epochs       int
	StoppedEarly bool
	// Resumed lists, in order, the epochs after which the run resumed
	// from a checkpoint (Config.Checkpoint), one per resume; nil for a
	// run trained in one go. A run resumed after its last epoch (stopped
	// between training and storing its result) lists that epoch.
	Resumed []int
}

// BestTest returns the reference's per-cut-off report: for every test
// metric "X@N", its value at the epoch with the best validation value of
// watch+"@N" (e.g. watch "HR"), so different cut-offs may come from
// different epochs.
func (r *Result) BestTest(watch string) map[string]float64 {
	out := map[string]float64{}
	for name, b := range r.Best {
		if len(name) <= len(watch) || name[:len(watch)] != watch || name[len(watch)] != '@' {
			continue
		}
		cut := name[len(watch):]
		for tn, tv := range b.Test {
			if len(tn) > len(cut) && tn[len(tn)-len(cut):] == cut {
				out[tn] = tv
			}
		}
	}
	return out
}

// TestCurve returns the test values of metric at every epoch of the history
// where it was measured, with those epochs, in training order.
func (r *Result) TestCurve(metric string) (epochs []int, values []float64) {
	return r.curve(metric, func(p *Point) map[string]float64 { return p.Test })
}

// ValidCurve returns the validation values of metric at every epoch of the
// history where it was measured, with those epochs, in training order.
func (r *Result) ValidCurve(metric string) (epochs []int, values []float64) {
	return r.curve(metric, func(p *Point) map[string]float64 { return p.Valid })
}

func (r *Result) curve(metric string, part func(*Point) map[string]float64) (epochs []int, values []float64) {
	for k := range r.History {
		if v, ok := part(&r.History[k])[metric]; ok {
			epochs = append(epochs, r.History[k].Epoch)
			values = append(values, v)
		}
	}
	return epochs, values
}

// LastTest returns the test metrics of the last evaluated epoch of the
// history (nil if none was evaluated on test).
func (r *Result) LastTest() map[string]float64 {
	for k := len(r.History) - 1; k >= 0; k-- {
		if r.History[k].Test != nil {
			return r.History[k].Test
		}
	}
	return nil
}

// TrainSeconds returns the summed training time of the epochs of the
// history (evaluation excluded, see Point.Seconds).
func (r *Result) TrainSeconds() float64 {
	s := 0.0
	for _, p := range r.History {
		if p.Epoch > 0 {
			s += p.Seconds
		}
	}
	return s
}

// MeanEpochSeconds returns the mean training time of an epoch of the
// history (0 when no epoch ran).
func (r *Result) MeanEpochSeconds() float64 {
	n := 0
	for _, p := range r.History {
		if p.Epoch > 0 {
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return r.TrainSeconds() / float64(n)
}

// ErrNonFinite is wrapped by the error Fit returns when a loss or a
// parameter becomes NaN or infinite.
var ErrNonFinite = errors.New("non-finite loss")

// Fit trains m on train with the sum of terms. It returns the history even
// when it stops with an error; on cancellation (ctx) or a non-finite loss
// the parameters are put back to the end of the last completed epoch (or the
// best snapshot if RestoreBest), so the model is always in a good state.
//
// With cfg.Checkpoint set, Fit saves its state at the end of epochs and,
// when a saved state of the same run exists, resumes from it instead of
// starting at epoch 0 (see Checkpointer): the parameters, history and best
// evaluations it returns are those of a run never interrupted.
//
// The hooks of cfg.Hooks see the run: OnStart once the options and the data
// are checked (and a checkpoint loaded: StartEvent.Epoch is the epoch the
// run resumes after), OnBatch and OnEpoch as training goes — for a resumed
// run, from the first epoch after the checkpoint — and OnEnd with what Fit
// returns (its Result holds the whole history, the epochs before the
// checkpoint included).
func Fit(ctx context.Context, m Model, train *data.Interactions, terms []Term, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("train: no loss terms")
	}
	if train == nil || train.NNZ() == 0 {
		return nil, fmt.Errorf("train: %w", data.ErrEmpty)
	}
	ex, err := newExamples(train, cfg.Examples)
	if err != nil {
		return nil, err
	}
	r, err := newRun(m, terms, &cfg)
	if err != nil {
		return nil, err
	}
	for _, h := range cfg.Hooks {
		if h.OnStart != nil {
			h.OnStart(StartEvent{MaxEpochs: cfg.Epochs, Batches: ex.batches(cfg.BatchSize), Epoch: r.res.Epochs})
		}
	}
	res, err := r.fit(ctx, train, ex)
	for _, h := range cfg.Hooks {
		if h.OnEnd != nil {
			h.OnEnd(EndEvent{Result: res, Err: err})
		}
	}
	return res, err
}

// run is the state of one Fit that lasts from epoch to epoch: what a
// checkpoint saves.
type run struct {
	m            Model
	terms        []Term
	cfg          *Config
	params       []*nn.Param
	opt          *nn.Adam
	res          *Result
	best         []*nn.Param // RestoreBest's snapshot (nil until the first best)
	sinceImprove int
	ck           *runCkpt
}

// newRun sets up a run of m and terms: a fresh optimizer, or the state of
// cfg.Checkpoint's saved checkpoint when there is a matching one.
func newRun(m Model, terms []Term, cfg *Config) (*run, error) {
	params := collectParams(m, terms)
	for _, p := range params {
		p.ResetState() // a new optimizer per run, as in the reference
		p.TouchAll()
		p.ZeroGrad()
	}
	opt := nn.NewAdam(cfg.LR, cfg.WeightDecay)
	opt.Lazy = cfg.LazyAdam
	r := &run{m: m, terms: terms, cfg: cfg, params: params, opt: opt, res: &Result{Best: map[string]Best{}}}
	c := cfg.Checkpoint
	if c == nil {
		return r, nil
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	r.ck = &runCkpt{c: c, fp: newFingerprint(m, terms, params, cfg), m: m, terms: terms, params: params}
	ck, err := r.ck.load()
	if err != nil {
		return nil, err
	}
	if ck != nil {
		if err := r.ck.apply(ck, r); err != nil {
			return nil, fmt.Errorf("train: checkpoint %s: %w (the run is partly restored; remove the checkpoint to train from epoch 0)", c.Name, err)
		}
		note := ""
		if ck.version != c.Version {
			note = fmt.Sprintf(" (written by code %s, resumed by %s)", ck.version, c.Version)
		}
		c.logf("checkpoint %s: resuming after epoch %d of %d%s", c.Name, r.res.Epochs, cfg.Epochs, note)
	}
	r.ck.lastSave = time.Now()
	return r, nil
}

// fit is Fit's training loop, on checked options and data, from the
// run's state.
func (r *run) fit(ctx context.Context, train *data.Interactions, ex *examples) (*Result, error) {
	m, terms, cfg, params, opt, res := r.m, r.terms, r.cfg, r.params, r.opt, r.res
	lastGood := snapshot(params, nil)
	primary := ""
	if len(cfg.StopMetrics) > 0 {
		primary = cfg.StopMetrics[0]
	}
	restore := func() {
		if cfg.RestoreBest && r.best != nil {
			load(params, r.best)
		} else {
			load(params, lastGood)
		}
		invalidate(m)
	}
	evaluate := func(p *Point) (improved bool, err error) {
		p.Valid, p.Test, err = cfg.Eval(ctx, p.Epoch)
		if err != nil {
			return false, err
		}
		for name, v := range p.Valid {
			b, ok := res.Best[name]
			if !ok || v > b.Valid {
				res.Best[name] = Best{Epoch: p.Epoch, Valid: v, Test: p.Test}
				if len(cfg.StopMetrics) == 0 || contains(cfg.StopMetrics, name) {
					improved = true
				}
				if name == primary && cfg.RestoreBest {
					r.best = snapshot(params, r.best)
				}
			}
		}
		return improved, nil
	}
	resumed := len(res.Resumed) > 0
	if cfg.EvalAtStart && cfg.Eval != nil && !resumed {
		p := Point{Epoch: 0}
		if _, err := evaluate(&p); err != nil {
			return res, err
		}
		res.History = append(res.History, p)
	}

	for epoch := res.Epochs; epoch < cfg.Epochs && !res.StoppedEarly; epoch++ {
		if err := ctx.Err(); err != nil {
			restore()
			return res, err
		}
		start := time.Now()
		ex.resample(nn.NewRand(cfg.Seed, uint64(epoch)<<8|1))
		for k, t := range terms {
			e := &Epoch{Index: epoch, MaxEpochs: cfg.Epochs, Train: train, Rand: nn.NewRand(cfg.Seed, uint64(epoch)<<8|uint64(16+k))}
			if err := t.BeginEpoch(e); err != nil {
				restore()
				return res, fmt.Errorf("epoch %d: %s: %w", epoch+1, t.Name(), err)
			}
		}
		p := Point{Epoch: epoch + 1, TermLoss: map[string]float64{}}
		batches := ex.batches(cfg.BatchSize)
		for bi := 0; bi < batches; bi++ {
			if bi%8 == 0 {
				if err := ctx.Err(); err != nil {
					restore()
					return res, err
				}
			}
			b := ex.batch(bi, cfg.BatchSize)
			b.Epoch, b.Index, b.Train = epoch, bi, train
			b.Rand = nn.NewRand(cfg.Seed, uint64(epoch)<<32|uint64(bi)<<8|2)
			loss, err := step(m, terms, b, p.TermLoss)
			if err != nil {
				restore()
				return res, fmt.Errorf("epoch %d batch %d: %w", epoch+1, bi+1, err)
			}
			opt.Step(params)
			p.Loss += loss
			for _, h := range cfg.Hooks {
				if h.OnBatch != nil {
					h.OnBatch(BatchEvent{Epoch: epoch + 1, Batch: bi + 1, Batches: batches, Loss: loss})
				}
			}
		}
		p.Seconds = time.Since(start).Seconds()
		for _, q := range params {
			if err := q.CheckFinite(); err != nil {
				restore()
				return res, fmt.Errorf("epoch %d: %w: %v", epoch+1, ErrNonFinite, err)
			}
		}
		lastGood = snapshot(params, lastGood)
		res.Epochs = epoch + 1
		improved := false
		last := epoch+1 == cfg.Epochs
		if cfg.Eval != nil && cfg.EvalEvery > 0 && ((epoch+1)%cfg.EvalEvery == 0 || last) {
			var err error
			if improved, err = evaluate(&p); err != nil {
				res.History = append(res.History, p)
				restore()
				return res, fmt.Errorf("epoch %d: evaluation: %w", epoch+1, err)
			}
			if improved {
				r.sinceImprove = 0
			} else {
				r.sinceImprove++
			}
		}
		res.History = append(res.History, p)
		for _, h := range cfg.Hooks {
			if h.OnEpoch != nil {
				h.OnEpoch(EpochEvent{Point: p, MaxEpochs: cfg.Epochs, Improved: improved})
			}
		}
		res.StoppedEarly = cfg.Patience > 0 && r.sinceImprove >= cfg.Patience
		if r.ck != nil && r.ck.due(last || res.StoppedEarly) {
			r.ck.save(r)
		}
	}
	if cfg.RestoreBest && r.best != nil {
		load(params, r.best)
		invalidate(m)
	}
	return res, nil
}

// invalidate tells a model that caches values derived from its parameters
// (LightGCN's propagated embeddings, NeuMF's item tower halves) that the
// parameters were overwritten.
func invalidate(m Model) {
	if inv, ok := m.(interface{ Invalidate() }); ok {
		inv.Invalidate()
	}
}

// step runs one batch through the model and all terms.
func step(m Model, terms []Term, b *Batch, termLoss map[string]float64) (float64, error) {
	fw, _ := m.(Forwarder)
	if fw != nil {
		if err := fw.Forward(b); err != nil {
			return 0, fmt.Errorf("forward: %w", err)
		}
	}
	total := 0.0
	for _, t := range terms {
		l := t.Batch(b)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return 0, fmt.Errorf("%w: term %s gave %v", ErrNonFinite, t.Name(), l)
		}
		termLoss[t.Name()] += l
		total += l
	}
	if fw != nil {
		if err := fw.Backward(b); err != nil {
			return 0, fmt.Errorf("backward: %w", err)
		}
	}
	return total, nil
}

func collectParams(m Model, terms []Term) []*nn.Param {
	seen := map[*nn.Param]bool{}
	var out []*nn.Param
	add := func(ps []*nn.Param) {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	add(m.Params())
	for _, t := range terms {
		add(t.Params())
	}
	return out
}

// snapshot copies the values of params into dst (allocated if nil).
func snapshot(params, dst []*nn.Param) []*nn.Param {
	if dst == nil {
		dst = make([]*nn.Param, len(params))
		for k, p := range params {
			dst[k] = p.Clone()
		}
		return dst
	}
	for k, p := range params {
		copy(dst[k].W, p.W)
	}
	return dst
}

func load(params, src []*nn.Param) {
	for k, p := range params {
		copy(p.W, src[k].W)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
