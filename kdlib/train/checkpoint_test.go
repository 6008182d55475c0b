package train_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// memStore keeps a checkpoint in memory, as a file would.
type memStore struct {
	b     []byte
	saves int
	fail  error // Save's error, if set
	logs  []string
}

func (s *memStore) checkpointer(identity string) *train.Checkpointer {
	return &train.Checkpointer{Name: "mem.ckpt", Identity: identity, Version: "test",
		Load: func() (io.ReadCloser, error) {
			if s.b == nil {
				return nil, nil
			}
			return io.NopCloser(bytes.NewReader(s.b)), nil
		},
		Save: func(write func(io.Writer) error) error {
			if s.fail != nil {
				return s.fail
			}
			var buf bytes.Buffer
			if err := write(&buf); err != nil {
				return err
			}
			s.b = buf.Bytes()
			s.saves++
			return nil
		},
		Logf: func(format string, args ...any) { s.logs = append(s.logs, fmt.Sprintf(format, args...)) }}
}

// driftTerm carries state across epochs: its weight grows by one at every
// epoch, so a resumed run must restore it to train as the uninterrupted
// one did. stateless makes it forget to (it then lacks Stateful).
type driftTerm struct {
	m      *model.BPR
	weight float64
}

func (d *driftTerm) Name() string        { return "drift" }
func (d *driftTerm) Params() []*nn.Param { return nil }
func (d *driftTerm) BeginEpoch(*train.Epoch) error {
	d.weight++
	return nil
}

// Batch pulls the batch's users' first factor towards 0 with the weight.
func (d *driftTerm) Batch(b *train.Batch) float64 {
	loss := 0.0
	c := float32(1e-3 * d.weight)
	for _, u := range b.UniqueUsers() {
		x := d.m.P.Row(int(u))[0]
		loss += float64(c * x * x / 2)
		d.m.P.GradRow(int(u))[0] += c * x
	}
	return loss
}

// statefulDrift is driftTerm with its state checkpointed.
type statefulDrift struct{ driftTerm }

func (d *statefulDrift) MarshalState() ([]byte, error) {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(d.weight)), nil
}

func (d *statefulDrift) UnmarshalState(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("drift: state of %d bytes", len(b))
	}
	d.weight = math.Float64frombits(binary.LittleEndian.Uint64(b))
	return nil
}

// ckptCase builds a fresh run: a model, its terms and the options, from
// scratch every time (a resumed run rebuilds everything).
type ckptCase func(t *testing.T) (*model.BPR, []train.Term, train.Config)

// scoreEval is a deterministic evaluation of m: a scripted validation
// HR@5 that peaks after epoch 3 (so that early stopping ends the run), and
// read from the model, the mean score of every user's own cluster items
// (validation HR@10, test NDCG@5) and the share of users whose first
// cluster item is in their top 5 (test HR@5).
func scoreEval(m *model.BPR, x *data.Interactions) train.EvalFunc {
	return func(_ context.Context, epoch int) (map[string]float64, map[string]float64, error) {
		s := make([]float32, x.NumItems)
		margin, hits := 0.0, 0.0
		for u := 0; u < x.NumUsers; u++ {
			m.ScoreAll(u, s)
			c := (u % 4) * 10
			in, above := 0.0, 0
			for i := c; i < c+10; i++ {
				in += float64(s[i]) / 10
			}
			for i := range s {
				if s[i] > s[c] {
					above++
				}
			}
			margin += in / float64(x.NumUsers)
			if above < 5 {
				hits++
			}
		}
		return map[string]float64{"HR@5": 1 - math.Abs(float64(epoch)-3)/10, "HR@10": margin},
			map[string]float64{"HR@5": hits / float64(x.NumUsers), "NDCG@5": margin / 2}, nil
	}
}

func bprCase(extra func(m *model.BPR) []train.Term) ckptCase {
	return func(t *testing.T) (*model.BPR, []train.Term, train.Config) {
		x := toy(t)
		m := newModel(t, x)
		c := cfg()
		c.Epochs, c.EvalAtStart, c.Patience, c.RestoreBest = 9, true, 3, true
		c.StopMetrics = []string{"HR@5"}
		c.Eval = scoreEval(m, x)
		terms := []train.Term{m.Loss()}
		if extra != nil {
			terms = append(terms, extra(m)...)
		}
		return m, terms, c
	}
}

// fitStopped runs a fresh case with the checkpoints of s and cancels it
// after epoch stop (0: never), as a killed process would stop; the save
// of that epoch, if due, happens before the cancellation is seen.
func fitStopped(t *testing.T, mk ckptCase, s *memStore, identity string, stop int) (*model.BPR, *train.Result, error) {
	t.Helper()
	m, terms, c := mk(t)
	if s != nil {
		c.Checkpoint = s.checkpointer(identity)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Hooks = append(c.Hooks, train.Hook{OnEpoch: func(e train.EpochEvent) {
		if e.Epoch == stop {
			cancel()
		}
	}})
	res, err := train.Fit(ctx, m, toy(t), terms, c)
	return m, res, err
}

// sameRun fails unless two runs have bit-identical parameters, histories
// (but for the wall time of epochs) and best evaluations.
func sameRun(t *testing.T, what string, m1, m2 *model.BPR, r1, r2 *train.Result) {
	t.Helper()
	for k, p := range m1.Params() {
		q := m2.Params()[k]
		for i := range p.W {
			if math.Float32bits(p.W[i]) != math.Float32bits(q.W[i]) {
				t.Fatalf("%s: %s[%d] = %v, uninterrupted %v", what, p.Name, i, q.W[i], p.W[i])
			}
		}
	}
	h1, h2 := slices.Clone(r1.History), slices.Clone(r2.History)
	for k := range h1 {
		h1[k].Seconds = 0
	}
	for k := range h2 {
		h2[k].Seconds = 0
	}
	if !reflect.DeepEqual(h1, h2) {
		t.Fatalf("%s: history\n%+v\nuninterrupted\n%+v", what, h2, h1)
	}
	if !reflect.DeepEqual(r1.Best, r2.Best) || r1.Epochs != r2.Epochs || r1.StoppedEarly != r2.StoppedEarly {
		t.Fatalf("%s: best %v after %d epochs (early %v), uninterrupted %v after %d (early %v)", what,
			r2.Best, r2.Epochs, r2.StoppedEarly, r1.Best, r1.Epochs, r1.StoppedEarly)
	}
}

// TestCheckpointResumeIsExact kills a run (cancels it after an epoch, with
// no warning to the trainer) twice, resumes it each time with a model and
// terms built from scratch, and checks that the result is bit-identical to
// the uninterrupted run's and that Result.Resumed says where it resumed.
// The run evaluates at start, restores its best state, has a stateful term
// and stops early, so every part of a checkpoint is exercised.
func TestCheckpointResumeIsExact(t *testing.T) {
	mk := bprCase(func(m *model.BPR) []train.Term { return []train.Term{&statefulDrift{driftTerm{m: m}}} })
	m0, r0, err := fitStopped(t, mk, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !r0.StoppedEarly || r0.Epochs < 5 {
		t.Fatalf("the case should stop early after a few epochs: %d epochs, early %v", r0.Epochs, r0.StoppedEarly)
	}
	s := &memStore{}
	if _, res, err := fitStopped(t, mk, s, "run", 2); !errors.Is(err, context.Canceled) || res.Epochs != 2 {
		t.Fatalf("first part: %v after %d epochs", err, res.Epochs)
	}
	if _, res, err := fitStopped(t, mk, s, "run", 4); !errors.Is(err, context.Canceled) || res.Epochs != 4 || !slices.Equal(res.Resumed, []int{2}) {
		t.Fatalf("second part: %v after %d epochs, resumed %v", err, res.Epochs, res.Resumed)
	}
	var start train.StartEvent
	m, terms, c := mk(t)
	c.Checkpoint = s.checkpointer("run")
	epochs := 0
	c.Hooks = append(c.Hooks, train.Hook{OnStart: func(e train.StartEvent) { start = e }, OnEpoch: func(train.EpochEvent) { epochs++ }})
	res, err := train.Fit(context.Background(), m, toy(t), terms, c)
	if err != nil {
		t.Fatal(err)
	}
	sameRun(t, "resumed twice", m0, m, r0, res)
	if !slices.Equal(res.Resumed, []int{2, 4}) || start.Epoch != 4 || epochs != r0.Epochs-4 {
		t.Fatalf("resumed %v, start %+v, %d epochs seen by the hooks", res.Resumed, start, epochs)
	}
	if len(s.logs) != 2 || !strings.Contains(s.logs[1], "resuming after epoch 4 of 9") {
		t.Fatalf("logs %q", s.logs)
	}
	// The finished run's checkpoint (saved after its last epoch) resumes
	// with nothing to train: a run killed before its result was stored.
	m2, res2, err := fitStopped(t, mk, s, "run", 0)
	if err != nil {
		t.Fatal(err)
	}
	sameRun(t, "resumed after the end", m0, m2, r0, res2)
	if !slices.Equal(res2.Resumed, []int{2, 4, r0.Epochs}) {
		t.Fatalf("resumed %v", res2.Resumed)
	}
}

// TestCheckpointCatchesForgottenState shows what the resume tests of the
// terms (kdlib/exp) rely on: a term whose cross-epoch state is not
// checkpointed (driftTerm, without Stateful) gives different numbers when
// resumed, while the same term with Stateful gives the same.
func TestCheckpointCatchesForgottenState(t *testing.T) {
	for _, c := range []struct {
		name  string
		term  func(m *model.BPR) train.Term
		equal bool
	}{
		{"stateful", func(m *model.BPR) train.Term { return &statefulDrift{driftTerm{m: m}} }, true},
		{"forgotten", func(m *model.BPR) train.Term { return &driftTerm{m: m} }, false},
	} {
		mk := func(t *testing.T) (*model.BPR, []train.Term, train.Config) {
			x := toy(t)
			m := newModel(t, x)
			cf := cfg()
			return m, []train.Term{m.Loss(), c.term(m)}, cf
		}
		m0, r0, err := fitStopped(t, mk, nil, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		s := &memStore{}
		fitStopped(t, mk, s, "x", 2)
		m1, r1, err := fitStopped(t, mk, s, "x", 0)
		if err != nil || !slices.Equal(r1.Resumed, []int{2}) {
			t.Fatalf("%s: %v, resumed %v", c.name, err, r1.Resumed)
		}
		equal := slices.Equal(m0.P.W, m1.P.W)
		if equal != c.equal {
			t.Errorf("%s: resumed parameters equal to the uninterrupted run's: %v, want %v", c.name, equal, c.equal)
		}
		if c.equal {
			sameRun(t, c.name, m0, m1, r0, r1)
		}
	}
}

// TestCheckpointDiscarded checks the policy for a checkpoint that is not
// the run's: corrupt (a flipped byte, a truncated file, another file) or
// of another fingerprint (identity, options, terms), it is discarded with
// a log line naming it and why, and the run trains from epoch 0 to the
// uninterrupted run's numbers.
func TestCheckpointDiscarded(t *testing.T) {
	mk := bprCase(nil)
	m0, r0, err := fitStopped(t, mk, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	good := &memStore{}
	fitStopped(t, mk, good, "run", 3)
	if good.saves != 3 {
		t.Fatalf("%d saves after 3 epochs with Every = 0", good.saves)
	}
	flip := slices.Clone(good.b)
	flip[len(flip)/2] ^= 1
	for _, c := range []struct {
		name, identity string
		b              []byte
		change         func(*train.Config, *[]train.Term)
		why            string
	}{
		{"flipped byte", "run", flip, nil, "checksum mismatch"},
		{"truncated", "run", good.b[:len(good.b)-40], nil, "truncated"},
		{"another file", "run", []byte("PK\x03\x04 not a checkpoint at all, but long enough to read its header"), nil, "not a kdrec training checkpoint"},
		{"empty", "run", []byte{}, nil, "truncated"},
		{"identity", "another run", good.b, nil, `it is of "run", the run is "another run"`},
		{"options", "run", good.b, func(c *train.Config, _ *[]train.Term) { c.Seed++ }, "training options differ"},
		{"terms", "run", good.b, func(m *train.Config, ts *[]train.Term) {
			*ts = append(*ts, &nanTerm{after: 100})
		}, "its terms are"},
	} {
		s := &memStore{b: c.b}
		m, terms, cf := mk(t)
		if c.change != nil {
			c.change(&cf, &terms)
		}
		cf.Checkpoint = s.checkpointer(c.identity)
		res, err := train.Fit(context.Background(), m, toy(t), terms, cf)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Resumed != nil || len(s.logs) != 1 || !strings.Contains(s.logs[0], "checkpoint mem.ckpt: discarded") || !strings.Contains(s.logs[0], c.why) {
			t.Fatalf("%s: resumed %v, logs %q (want one naming %q)", c.name, res.Resumed, s.logs, c.why)
		}
		if c.change == nil {
			sameRun(t, c.name, m0, m, r0, res)
		}
		if s.saves == 0 {
			t.Errorf("%s: the discarded checkpoint was not replaced", c.name)
		}
	}
}

// TestCheckpointSaving checks when Fit saves: only at epoch ends at least
// Every apart, always after the last epoch; a failed save is logged and
// training goes on; a component that refuses its state stops Fit with an
// error naming the checkpoint; a Checkpointer without Load or Save is
// refused.
func TestCheckpointSaving(t *testing.T) {
	mk := bprCase(nil)
	s := &memStore{}
	m, terms, c := mk(t)
	c.Patience = 0
	c.Checkpoint = s.checkpointer("run")
	c.Checkpoint.Every = time.Hour
	if _, err := train.Fit(context.Background(), m, toy(t), terms, c); err != nil {
		t.Fatal(err)
	}
	if s.saves != 1 {
		t.Fatalf("%d saves with Every = 1h, want 1 (after the last epoch)", s.saves)
	}
	// Killed before the first save was due: nothing to resume.
	s = &memStore{}
	m, terms, c = mk(t)
	c.Checkpoint = s.checkpointer("run")
	c.Checkpoint.Every = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	c.Hooks = append(c.Hooks, train.Hook{OnEpoch: func(e train.EpochEvent) {
		if e.Epoch == 2 {
			cancel()
		}
	}})
	if _, err := train.Fit(ctx, m, toy(t), terms, c); !errors.Is(err, context.Canceled) || s.b != nil {
		t.Fatalf("%v, checkpoint of %d bytes", err, len(s.b))
	}
	// A failing store: logged after every epoch, the run completes.
	s = &memStore{fail: errors.New("disk full")}
	m, terms, c = mk(t)
	c.Checkpoint = s.checkpointer("run")
	res, err := train.Fit(context.Background(), m, toy(t), terms, c)
	if err != nil || len(s.logs) != res.Epochs || !strings.Contains(s.logs[0], "not saved after epoch 1: disk full") {
		t.Fatalf("%v; logs %q", err, s.logs)
	}
	// A term that refuses its state.
	s = &memStore{}
	mkDrift := bprCase(func(m *model.BPR) []train.Term { return []train.Term{&statefulDrift{driftTerm{m: m}}} })
	fitStopped(t, mkDrift, s, "run", 2)
	m, terms, c = mkDrift(t)
	terms[1] = &refusing{statefulDrift{driftTerm{m: m}}}
	c.Checkpoint = s.checkpointer("run")
	if _, err := train.Fit(context.Background(), m, toy(t), terms, c); err == nil || !strings.Contains(err.Error(), "checkpoint mem.ckpt: term drift: no") {
		t.Fatalf("refused state: %v", err)
	}
	m, terms, c = mk(t)
	c.Checkpoint = &train.Checkpointer{Name: "x"}
	if _, err := train.Fit(context.Background(), m, toy(t), terms, c); err == nil || !strings.Contains(err.Error(), "Load and Save") {
		t.Fatalf("no Load/Save: %v", err)
	}
	// Loading fails (not "no checkpoint"): an error naming it.
	m, terms, c = mk(t)
	c.Checkpoint = s.checkpointer("run")
	c.Checkpoint.Load = func() (io.ReadCloser, error) { return nil, errors.New("permission denied") }
	if _, err := train.Fit(context.Background(), m, toy(t), terms, c); err == nil || !strings.Contains(err.Error(), "checkpoint mem.ckpt: permission denied") {
		t.Fatalf("failed load: %v", err)
	}
}

type refusing struct{ statefulDrift }

func (r *refusing) UnmarshalState([]byte) error { return errors.New("no") }

// TestTermGroupState checks that a TermGroup carries its members' states
// through a checkpoint.
func TestTermGroupState(t *testing.T) {
	mk := bprCase(func(m *model.BPR) []train.Term {
		return []train.Term{&train.TermGroup{Label: "g", Terms: []train.Term{&statefulDrift{driftTerm{m: m}}, &nanTerm{after: 100}}}}
	})
	m0, r0, err := fitStopped(t, mk, nil, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s := &memStore{}
	fitStopped(t, mk, s, "g", 3)
	m1, r1, err := fitStopped(t, mk, s, "g", 0)
	if err != nil || !slices.Equal(r1.Resumed, []int{3}) {
		t.Fatalf("%v, resumed %v", err, r1.Resumed)
	}
	sameRun(t, "group", m0, m1, r0, r1)
	g := &train.TermGroup{Label: "g", Terms: []train.Term{&statefulDrift{}}}
	if err := g.UnmarshalState([]byte{2}); err == nil {
		t.Error("a state of 2 members accepted by a group of 1")
	}
	if err := g.UnmarshalState([]byte{1, 1, 200}); err == nil {
		t.Error("a truncated member state accepted")
	}
}

// failingReader returns the first n bytes of b, then err.
type failingReader struct {
	b   []byte
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := copy(p, r.b[:min(r.n, len(r.b))])
	r.b, r.n = r.b[k:], r.n-k
	return k, nil
}

// TestCheckpointReadErrorIsNotCorruption: a checkpoint whose reading fails
// part-way with an I/O error (not a short file) stops Fit with an error
// naming it, instead of being discarded as corrupt and overwritten at the
// next save with a run started from epoch 0.
func TestCheckpointReadErrorIsNotCorruption(t *testing.T) {
	mk := bprCase(nil)
	good := &memStore{}
	fitStopped(t, mk, good, "run", 3)
	if good.b == nil {
		t.Fatal("no checkpoint")
	}
	m, terms, c := mk(t)
	c.Checkpoint = good.checkpointer("run")
	saved := good.b
	c.Checkpoint.Load = func() (io.ReadCloser, error) {
		return io.NopCloser(&failingReader{b: saved, n: len(saved) / 2, err: errors.New("input/output error")}), nil
	}
	_, err := train.Fit(context.Background(), m, toy(t), terms, c)
	if err == nil || !strings.Contains(err.Error(), "checkpoint mem.ckpt") || !strings.Contains(err.Error(), "input/output error") {
		t.Fatalf("a read error: %v (logs %q)", err, good.logs)
	}
	if !bytes.Equal(good.b, saved) {
		t.Fatal("the checkpoint was overwritten")
	}
}
