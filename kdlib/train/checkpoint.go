package train

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/kdrec/kdrec/kdlib/nn"
)

// Stateful is implemented by a part of a run that carries state from one
// epoch to the next besides trainable parameters and optimizer moments,
// which the trainer saves itself: a term that draws its samples once (CD's
// teacher guide), shuffles a permutation in place every epoch (ItemAE's
// item order), keeps a curriculum (HetComp's stages) or a record (MTD's
// teacher weights), a hook's measurements, a model with such state. A
// checkpoint (Config.Checkpoint) carries the state of every term and model
// that implements Stateful, and of the Checkpointer's State list.
//
// MarshalState is called at the end of an epoch, after its evaluation and
// its OnEpoch hooks; it must not change the state. UnmarshalState is called
// on a component built anew exactly as the interrupted run built it (same
// options, data and seed), after the parameters are loaded and before the
// first BeginEpoch of the resumed run; it must put the component in the
// state that MarshalState captured, so that the resumed run's numbers equal
// the uninterrupted run's bit for bit. A part whose state is entirely a
// function of the parameters, the epoch index and the epoch's generator
// (Epoch.Rand) needs nothing: the trainer derives those as the
// uninterrupted run did.
type Stateful interface {
	// MarshalState encodes the component's cross-epoch state.
	MarshalState() ([]byte, error)
	// UnmarshalState restores the state MarshalState encoded.
	UnmarshalState(state []byte) error
}

// NamedState is a Stateful part of a run outside the terms and the model
// (a hook's measurements), saved under its name.
type NamedState struct {
	// Name identifies the state in the checkpoint; names are unique.
	Name string
	// State is the component.
	State Stateful
}

// Checkpointer makes Fit save its state at the end of epochs and resume
// from the saved state when started again (Config.Checkpoint). Where the
// checkpoint lives is the caller's: Load and Save read and write it (a file
// written atomically, in kdlib/exp).
//
// A checkpoint holds the values and Adam moments of every parameter (the
// model's and the terms'), Adam's step count, the best snapshot of
// RestoreBest, the history and best evaluations so far, the early-stopping
// count, the state of every Stateful term and model and of State, and a
// fingerprint: Identity, the parameters' names and shapes, the terms'
// names, which parts carry state, the names of State and the options of
// Config that shape the run (epochs, batch size, seed, learning rate,
// weight decay, lazy Adam, examples, evaluation period, EvalAtStart,
// patience, stop metrics, RestoreBest, whether Eval is set). A SHA-256
// checksum closes it.
//
// Fit saves after an epoch's evaluation and OnEpoch hooks when at least
// Every has passed since the run started or since the last save, and
// always after the last epoch (the cap, or early stopping), so that a run
// interrupted after training but before its caller stored the result
// resumes with nothing left to train. Nothing is saved mid-epoch or when
// the run is cancelled: a run killed at any moment resumes from its last
// saved epoch. A failed save is reported through Logf and retried after
// the next epoch; training goes on.
//
// At start, Fit loads the checkpoint. Resuming restores everything above
// and continues with the next epoch: every random number of an epoch is
// derived from (Seed, epoch, term or batch), so the resumed run's
// parameters, history (apart from Point.Seconds, the wall time of each
// epoch as measured when it ran) and best evaluations are bit-identical to
// those of a run never interrupted. A checkpoint that is corrupt (bad
// format or checksum) or whose fingerprint differs from the run's is
// discarded: Logf says why, and the run trains from epoch 0 (and
// overwrites it at its first save). One that cannot be read — Load, or a
// read, fails with an error other than the file's end — stops Fit with
// that error, since an I/O error is no proof of damage and a run from
// epoch 0 would overwrite it. A checkpoint that matches but whose
// state a component refuses (UnmarshalState fails) stops Fit with an error
// naming it, since the run is then partly restored. Result.Resumed lists
// the epochs at which the run resumed.
type Checkpointer struct {
	// Name names the checkpoint (its file) in errors and log lines.
	Name string
	// Identity is what is trained (kdlib/exp: the run's hash); a
	// checkpoint of another identity is discarded.
	Identity string
	// Version is the version of the code that writes the checkpoint. It
	// is not part of the fingerprint: a checkpoint written by another
	// version is resumed, and Logf names both versions.
	Version string
	// Load opens the saved checkpoint; it returns a nil reader and a nil
	// error when there is none.
	Load func() (io.ReadCloser, error)
	// Save stores a new checkpoint: write streams its bytes, and Save
	// must replace the previous checkpoint only once all of them are
	// durably written (a temporary file renamed over it).
	Save func(write func(io.Writer) error) error
	// Every is the least wall time between two saves; 0 saves after every
	// epoch.
	Every time.Duration
	// State lists further parts whose state the checkpoint carries.
	State []NamedState
	// Logf receives the log lines: resumed, discarded, a failed save. Nil
	// is quiet.
	Logf func(format string, args ...any)
}

// validate reports a Checkpointer that cannot work.
func (c *Checkpointer) validate() error {
	if c.Load == nil || c.Save == nil {
		return fmt.Errorf("train: checkpoint %s: Load and Save must both be set", c.Name)
	}
	seen := map[string]bool{}
	for _, s := range c.State {
		if s.Name == "" || s.State == nil || seen[s.Name] {
			return fmt.Errorf("train: checkpoint %s: State entries need a unique name and a component (%q)", c.Name, s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

func (c *Checkpointer) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// ckptMagic opens every checkpoint; ckptVersion is its format version.
const (
	ckptMagic   = "kdrec-train-checkpoint\n"
	ckptVersion = 1
)

// errCorrupt marks a checkpoint that cannot be read as one.
var errCorrupt = errors.New("corrupt")

// fingerprint is what a checkpoint must share with the run resuming it.
type fingerprint struct {
	identity string
	params   []paramShape
	terms    []termSig
	model    bool // the model is Stateful
	states   []string
	config   configSig
	stop     []string // Config.StopMetrics
}

type paramShape struct {
	name       string
	rows, cols int
}

type termSig struct {
	name     string
	stateful bool
}

// configSig holds the options of Config that shape a run's numbers.
type configSig struct {
	epochs, batch int
	seed          uint64
	lr, wd        float64
	lazy          bool
	examples      int
	evalEvery     int
	evalAtStart   bool
	patience      int
	restoreBest   bool
	eval          bool
}

// newFingerprint describes the run of m, terms and params under cfg.
func newFingerprint(m Model, terms []Term, params []*nn.Param, cfg *Config) fingerprint {
	f := fingerprint{identity: cfg.Checkpoint.Identity, config: configSig{epochs: cfg.Epochs, batch: cfg.BatchSize, seed: cfg.Seed,
		lr: cfg.LR, wd: cfg.WeightDecay, lazy: cfg.LazyAdam, examples: int(cfg.Examples), evalEvery: cfg.EvalEvery,
		evalAtStart: cfg.EvalAtStart, patience: cfg.Patience, restoreBest: cfg.RestoreBest, eval: cfg.Eval != nil},
		stop: slices.Clone(cfg.StopMetrics)}
	for _, p := range params {
		f.params = append(f.params, paramShape{p.Name, p.Rows, p.Cols})
	}
	for _, t := range terms {
		_, ok := t.(Stateful)
		f.terms = append(f.terms, termSig{t.Name(), ok})
	}
	_, f.model = m.(Stateful)
	for _, s := range cfg.Checkpoint.State {
		f.states = append(f.states, s.Name)
	}
	return f
}

// differ returns the first difference between a checkpoint's fingerprint
// (f) and the run's (g), or "" when they match.
func (f *fingerprint) differ(g *fingerprint) string {
	if f.identity != g.identity {
		return fmt.Sprintf("it is of %q, the run is %q", f.identity, g.identity)
	}
	if len(f.params) != len(g.params) {
		return fmt.Sprintf("it has %d parameters, the run %d", len(f.params), len(g.params))
	}
	for k := range f.params {
		if a, b := f.params[k], g.params[k]; a != b {
			return fmt.Sprintf("parameter %d is %s %d×%d in it, %s %d×%d in the run", k, a.name, a.rows, a.cols, b.name, b.rows, b.cols)
		}
	}
	if !slices.Equal(f.terms, g.terms) {
		return fmt.Sprintf("its terms are %v, the run's %v", f.terms, g.terms)
	}
	if f.model != g.model {
		return fmt.Sprintf("model state saved: %v, the run's model has state: %v", f.model, g.model)
	}
	if !slices.Equal(f.states, g.states) {
		return fmt.Sprintf("its extra states are %v, the run's %v", f.states, g.states)
	}
	if f.config != g.config || !slices.Equal(f.stop, g.stop) {
		return fmt.Sprintf("training options differ: checkpoint %+v stop %v, run %+v stop %v", f.config, f.stop, g.config, g.stop)
	}
	return ""
}

// checkpoint is the state a checkpoint holds, decoded.
type checkpoint struct {
	fp           fingerprint
	version      string
	res          *Result
	steps        int
	sinceImprove int
	w, m, v      [][]float32 // per parameter; m, v nil when it had no moments
	best         [][]float32 // nil without a best snapshot
	model        []byte
	terms        [][]byte // per term, nil when the term has no state
	states       [][]byte
}

// encoder writes a checkpoint while hashing it.
type encoder struct {
	w   io.Writer
	h   hash.Hash
	err error
	buf []byte
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	e.h.Write(b)
	_, e.err = e.w.Write(b)
}

func (e *encoder) u64(x uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], x)
	e.bytes(b[:])
}

func (e *encoder) int(x int) { e.u64(uint64(int64(x))) }

func (e *encoder) f64(x float64) { e.u64(math.Float64bits(x)) }

func (e *encoder) bool(x bool) {
	if x {
		e.bytes([]byte{1})
	} else {
		e.bytes([]byte{0})
	}
}

func (e *encoder) str(s string) {
	e.int(len(s))
	e.bytes([]byte(s))
}

func (e *encoder) blob(b []byte) {
	e.bool(b != nil)
	if b != nil {
		e.int(len(b))
		e.bytes(b)
	}
}

func (e *encoder) strs(xs []string) {
	e.bool(xs != nil)
	e.int(len(xs))
	for _, s := range xs {
		e.str(s)
	}
}

// floats writes xs in chunks, never as one byte slice of the whole table.
func (e *encoder) floats(xs []float32) {
	e.int(len(xs))
	if e.buf == nil {
		e.buf = make([]byte, 1<<15)
	}
	for len(xs) > 0 {
		n := min(len(xs), len(e.buf)/4)
		for k, x := range xs[:n] {
			binary.LittleEndian.PutUint32(e.buf[4*k:], math.Float32bits(x))
		}
		e.bytes(e.buf[:4*n])
		xs = xs[n:]
	}
}

// metrics writes a map of metrics in key order, keeping nil apart from
// empty.
func (e *encoder) metrics(m map[string]float64) {
	e.bool(m != nil)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.int(len(keys))
	for _, k := range keys {
		e.str(k)
		e.f64(m[k])
	}
}

func (e *encoder) fingerprint(f *fingerprint) {
	e.str(f.identity)
	e.int(len(f.params))
	for _, p := range f.params {
		e.str(p.name)
		e.int(p.rows)
		e.int(p.cols)
	}
	e.int(len(f.terms))
	for _, t := range f.terms {
		e.str(t.name)
		e.bool(t.stateful)
	}
	e.bool(f.model)
	e.strs(f.states)
	c := &f.config
	e.int(c.epochs)
	e.int(c.batch)
	e.u64(c.seed)
	e.f64(c.lr)
	e.f64(c.wd)
	e.bool(c.lazy)
	e.int(c.examples)
	e.int(c.evalEvery)
	e.bool(c.evalAtStart)
	e.int(c.patience)
	e.strs(f.stop)
	e.bool(c.restoreBest)
	e.bool(c.eval)
}

func (e *encoder) result(r *Result) {
	e.int(len(r.History))
	for k := range r.History {
		p := &r.History[k]
		e.int(p.Epoch)
		e.f64(p.Loss)
		e.metrics(p.TermLoss)
		e.metrics(p.Valid)
		e.metrics(p.Test)
		e.f64(p.Seconds)
	}
	names := make([]string, 0, len(r.Best))
	for k := range r.Best {
		names = append(names, k)
	}
	sort.Strings(names)
	e.int(len(names))
	for _, k := range names {
		b := r.Best[k]
		e.str(k)
		e.int(b.Epoch)
		e.f64(b.Valid)
		e.metrics(b.Test)
	}
	e.int(r.Epochs)
	e.bool(r.StoppedEarly)
	e.int(len(r.Resumed))
	for _, x := range r.Resumed {
		e.int(x)
	}
}

// decoder reads a checkpoint while hashing it; the first error sticks.
type decoder struct {
	r   *bufio.Reader
	h   hash.Hash
	err error
	buf []byte
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
	}
}

func (d *decoder) read(b []byte) {
	if d.err != nil {
		clear(b)
		return
	}
	if _, err := io.ReadFull(d.r, b); err != nil {
		if !isShort(err) {
			// An I/O error is no proof of a damaged file: it is not
			// discarded (and overwritten by a run from epoch 0).
			d.err = fmt.Errorf("reading: %w", err)
		}
		d.fail("truncated (%v)", err)
		clear(b)
		return
	}
	d.h.Write(b)
}

// isShort reports whether err of a read says the file ended.
func isShort(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (d *decoder) u64() uint64 {
	var b [8]byte
	d.read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func (d *decoder) int() int { return int(int64(d.u64())) }

// count reads a length and checks it against limit.
func (d *decoder) count(limit int) int {
	n := d.int()
	if n < 0 || n > limit {
		d.fail("length %d out of range", n)
		return 0
	}
	return n
}

func (d *decoder) f64() float64 { return math.Float64frombits(d.u64()) }

func (d *decoder) bool() bool {
	var b [1]byte
	d.read(b[:])
	if b[0] > 1 {
		d.fail("bad flag %d", b[0])
	}
	return b[0] == 1
}

// maxString bounds the strings of a checkpoint (names, identities).
const maxString = 1 << 20

func (d *decoder) str() string {
	n := d.count(maxString)
	b := make([]byte, n)
	d.read(b)
	return string(b)
}

// blob reads a state blob; its length is read in steps, so a corrupt
// length fails at the end of the file instead of allocating it.
func (d *decoder) blob() []byte {
	if !d.bool() {
		return nil
	}
	n := d.count(math.MaxInt)
	var out bytes.Buffer
	chunk := make([]byte, min(n, 1<<20))
	for n > 0 && d.err == nil {
		c := chunk[:min(n, len(chunk))]
		d.read(c)
		out.Write(c)
		n -= len(c)
	}
	b := out.Bytes()
	if b == nil {
		b = []byte{}
	}
	return b
}

func (d *decoder) strs() []string {
	isNil := !d.bool()
	n := d.count(1 << 20)
	out := make([]string, 0, min(n, 64))
	for k := 0; k < n && d.err == nil; k++ {
		out = append(out, d.str())
	}
	if isNil {
		return nil
	}
	return out
}

// floats reads a tensor of exactly want values.
func (d *decoder) floats(want int) []float32 {
	n := d.int()
	if n != want {
		d.fail("tensor of %d values, want %d", n, want)
		return nil
	}
	if d.err != nil {
		return nil
	}
	out := make([]float32, n)
	if d.buf == nil {
		d.buf = make([]byte, 1<<15)
	}
	for o := 0; o < n && d.err == nil; {
		c := min(n-o, len(d.buf)/4)
		d.read(d.buf[:4*c])
		for k := range c {
			out[o+k] = math.Float32frombits(binary.LittleEndian.Uint32(d.buf[4*k:]))
		}
		o += c
	}
	return out
}

func (d *decoder) metrics() map[string]float64 {
	isNil := !d.bool()
	n := d.count(1 << 20)
	if isNil {
		if n != 0 {
			d.fail("nil map with %d entries", n)
		}
		return nil
	}
	m := make(map[string]float64, min(n, 64))
	for k := 0; k < n && d.err == nil; k++ {
		name := d.str()
		m[name] = d.f64()
	}
	return m
}

func (d *decoder) fingerprint() fingerprint {
	var f fingerprint
	f.identity = d.str()
	n := d.count(1 << 20)
	for k := 0; k < n && d.err == nil; k++ {
		f.params = append(f.params, paramShape{d.str(), d.int(), d.int()})
	}
	n = d.count(1 << 20)
	for k := 0; k < n && d.err == nil; k++ {
		f.terms = append(f.terms, termSig{d.str(), d.bool()})
	}
	f.model = d.bool()
	f.states = d.strs()
	c := &f.config
	c.epochs, c.batch, c.seed = d.int(), d.int(), d.u64()
	c.lr, c.wd, c.lazy = d.f64(), d.f64(), d.bool()
	c.examples, c.evalEvery, c.evalAtStart, c.patience = d.int(), d.int(), d.bool(), d.int()
	f.stop = d.strs()
	c.restoreBest, c.eval = d.bool(), d.bool()
	return f
}

func (d *decoder) result() *Result {
	r := &Result{Best: map[string]Best{}}
	n := d.count(math.MaxInt32)
	for k := 0; k < n && d.err == nil; k++ {
		var p Point
		p.Epoch, p.Loss = d.int(), d.f64()
		p.TermLoss, p.Valid, p.Test = d.metrics(), d.metrics(), d.metrics()
		p.Seconds = d.f64()
		r.History = append(r.History, p)
	}
	n = d.count(1 << 20)
	for k := 0; k < n && d.err == nil; k++ {
		name := d.str()
		r.Best[name] = Best{Epoch: d.int(), Valid: d.f64(), Test: d.metrics()}
	}
	r.Epochs, r.StoppedEarly = d.int(), d.bool()
	n = d.count(math.MaxInt32)
	for k := 0; k < n && d.err == nil; k++ {
		r.Resumed = append(r.Resumed, d.int())
	}
	return r
}

// runCkpt is a run's checkpointing: its Checkpointer and what it saves.
type runCkpt struct {
	c        *Checkpointer
	fp       fingerprint
	m        Model
	terms    []Term
	params   []*nn.Param
	lastSave time.Time
}

// write encodes the run's state after completed epochs.
func (k *runCkpt) write(w io.Writer, r *run) error {
	e := &encoder{w: w, h: sha256.New()}
	e.bytes([]byte(ckptMagic))
	e.int(ckptVersion)
	e.fingerprint(&k.fp)
	e.str(k.c.Version)
	e.result(r.res)
	e.int(r.opt.Steps())
	e.int(r.sinceImprove)
	for _, p := range k.params {
		e.floats(p.W)
		m, v := p.State()
		e.bool(m != nil)
		if m != nil {
			e.floats(m)
			e.floats(v)
		}
	}
	e.bool(r.best != nil)
	for _, p := range r.best {
		e.floats(p.W)
	}
	blob := func(what string, s Stateful) {
		if e.err != nil {
			return
		}
		b, err := s.MarshalState()
		if err != nil {
			e.err = fmt.Errorf("%s: %w", what, err)
			return
		}
		if b == nil {
			b = []byte{}
		}
		e.blob(b)
	}
	if s, ok := k.m.(Stateful); ok {
		blob("model", s)
	}
	for _, t := range k.terms {
		if s, ok := t.(Stateful); ok {
			blob("term "+t.Name(), s)
		}
	}
	for _, s := range k.c.State {
		blob(s.Name, s.State)
	}
	if e.err != nil {
		return e.err
	}
	_, err := w.Write(e.h.Sum(nil))
	return err
}

// read decodes a checkpoint; it returns an error wrapping errCorrupt for
// a file that is not a whole checkpoint, and a mismatch description when
// its fingerprint differs from the run's.
func (k *runCkpt) read(src io.Reader) (ck *checkpoint, mismatch string, err error) {
	d := &decoder{r: bufio.NewReaderSize(src, 1<<16), h: sha256.New()}
	magic := make([]byte, len(ckptMagic))
	d.read(magic)
	if d.err == nil && string(magic) != ckptMagic {
		return nil, "", fmt.Errorf("%w: not a kdrec training checkpoint", errCorrupt)
	}
	if v := d.int(); d.err == nil && v != ckptVersion {
		return nil, "", fmt.Errorf("%w: format version %d, this code reads %d", errCorrupt, v, ckptVersion)
	}
	ck = &checkpoint{fp: d.fingerprint()}
	if d.err != nil {
		return nil, "", d.err
	}
	if diff := ck.fp.differ(&k.fp); diff != "" {
		return nil, diff, nil
	}
	ck.version = d.str()
	ck.res = d.result()
	ck.steps, ck.sinceImprove = d.int(), d.int()
	for _, p := range k.params {
		ck.w = append(ck.w, d.floats(p.Size()))
		var m, v []float32
		if d.bool() {
			m, v = d.floats(p.Size()), d.floats(p.Size())
		}
		ck.m, ck.v = append(ck.m, m), append(ck.v, v)
	}
	if d.bool() {
		for _, p := range k.params {
			ck.best = append(ck.best, d.floats(p.Size()))
		}
	}
	if k.fp.model {
		ck.model = d.blob()
	}
	for _, t := range k.fp.terms {
		var b []byte
		if t.stateful {
			b = d.blob()
		}
		ck.terms = append(ck.terms, b)
	}
	for range k.fp.states {
		ck.states = append(ck.states, d.blob())
	}
	if d.err != nil {
		return nil, "", d.err
	}
	sum := d.h.Sum(nil)
	trailer := make([]byte, len(sum))
	if _, err := io.ReadFull(d.r, trailer); err != nil {
		if !isShort(err) {
			return nil, "", fmt.Errorf("reading: %w", err)
		}
		return nil, "", fmt.Errorf("%w: truncated before its checksum", errCorrupt)
	}
	if !bytes.Equal(sum, trailer) {
		return nil, "", fmt.Errorf("%w: checksum mismatch", errCorrupt)
	}
	switch _, err := d.r.ReadByte(); {
	case err == nil:
		return nil, "", fmt.Errorf("%w: data after the checksum", errCorrupt)
	case err != io.EOF:
		return nil, "", fmt.Errorf("reading: %w", err)
	}
	if ck.res.Epochs < 0 || ck.res.Epochs > k.fp.config.epochs || ck.steps < 0 || ck.sinceImprove < 0 {
		return nil, "", fmt.Errorf("%w: epochs %d, steps %d out of range", errCorrupt, ck.res.Epochs, ck.steps)
	}
	return ck, "", nil
}

// load reads the saved checkpoint, if any: nil when there is none or when
// it was discarded.
func (k *runCkpt) load() (*checkpoint, error) {
	rc, err := k.c.Load()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", k.c.Name, err)
	}
	if rc == nil {
		return nil, nil
	}
	defer rc.Close()
	ck, mismatch, err := k.read(rc)
	switch {
	case errors.Is(err, errCorrupt):
		k.c.logf("checkpoint %s: discarded: %v; training from epoch 0", k.c.Name, err)
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("train: checkpoint %s: %w", k.c.Name, err)
	case mismatch != "":
		k.c.logf("checkpoint %s: discarded: not this run's (%s); training from epoch 0", k.c.Name, mismatch)
		return nil, nil
	}
	return ck, nil
}

// apply puts the run in the checkpoint's state.
func (k *runCkpt) apply(ck *checkpoint, r *run) error {
	for i, p := range k.params {
		copy(p.W, ck.w[i])
		if err := p.SetState(ck.m[i], ck.v[i]); err != nil {
			return err
		}
	}
	if err := r.opt.SetSteps(ck.steps); err != nil {
		return err
	}
	if ck.best != nil {
		r.best = make([]*nn.Param, len(k.params))
		for i, p := range k.params {
			q := nn.NewParam(p.Name, p.Rows, p.Cols)
			copy(q.W, ck.best[i])
			r.best[i] = q
		}
	}
	invalidate(k.m)
	if s, ok := k.m.(Stateful); ok {
		if err := s.UnmarshalState(ck.model); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	for i, t := range k.terms {
		if s, ok := t.(Stateful); ok {
			if err := s.UnmarshalState(ck.terms[i]); err != nil {
				return fmt.Errorf("term %s: %w", t.Name(), err)
			}
		}
	}
	for i, s := range k.c.State {
		if err := s.State.UnmarshalState(ck.states[i]); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	r.res, r.sinceImprove = ck.res, ck.sinceImprove
	r.res.Resumed = append(r.res.Resumed, r.res.Epochs)
	return nil
}

// due says whether a save is due at the end of an epoch; final marks the
// run's last epoch.
func (k *runCkpt) due(final bool) bool {
	return final || k.c.Every <= 0 || time.Since(k.lastSave) >= k.c.Every
}

// save writes the run's state; a failure is logged, and the next epoch
// tries again.
func (k *runCkpt) save(r *run) {
	if err := k.c.Save(func(w io.Writer) error { return k.write(w, r) }); err != nil {
		k.c.logf("checkpoint %s: not saved after epoch %d: %v", k.c.Name, r.res.Epochs, err)
		return
	}
	k.lastSave = time.Now()
}
