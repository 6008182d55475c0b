package repl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/train"
)

// params returns a copy of a model's parameter values.
func params(t *testing.T, sh *Shell, name string) [][]float32 {
	t.Helper()
	me, err := sh.ws.ModelByName(name)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float32
	for _, p := range me.M.Params() {
		out = append(out, slices.Clone(p.W))
	}
	return out
}

func equalParams(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, func(x, y []float32) bool { return slices.Equal(x, y) })
}

// TestInterruptTraining cancels a training run in the middle of an epoch
// and checks that the command reports it, that the model keeps exactly
// the parameters of its last completed epoch (those of an uninterrupted
// run of that many epochs) and that the shell goes on.
func TestInterruptTraining(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train s bpr dim=8 epochs=1")
	old, _ := sh.ws.ModelByName("s")

	// Cancelled before the first epoch ends: nothing is stored, the old s stays.
	ctx, cancel := context.WithCancel(context.Background())
	sh.onBatch = func(name string, e train.BatchEvent) {
		if e.Epoch == 1 && e.Batch == 2 {
			cancel()
		}
	}
	err := sh.Exec(ctx, "train s bpr dim=4 epochs=10 batch=16 eval-every=0")
	var in *Interrupted
	if !errors.As(err, &in) || !strings.Contains(in.Msg, "interrupted before the first epoch finished; nothing was stored; the existing s is unchanged") {
		t.Fatalf("first-epoch interrupt: %v", err)
	}
	if me, _ := sh.ws.ModelByName("s"); me != old {
		t.Error("an interrupted first epoch replaced s")
	}

	// Cancelled in epoch 3: s is replaced by the model of the last completed epoch.
	ctx, cancel = context.WithCancel(context.Background())
	sh.onBatch = func(name string, e train.BatchEvent) {
		if e.Epoch == 3 && e.Batch == 2 {
			cancel()
		}
	}
	err = sh.Exec(ctx, "train s bpr dim=4 epochs=10 batch=16 eval-every=0")
	m := regexp.MustCompile(`^train s: interrupted after (\d+) of 10 epochs; s keeps the parameters of epoch (\d+)$`).FindStringSubmatch(fmt.Sprint(err))
	if m == nil || !errors.As(err, &in) || m[1] != m[2] {
		t.Fatalf("interrupt: %v", err)
	}
	done, _ := strconv.Atoi(m[1])
	if done < 1 || done > 3 {
		t.Fatalf("stopped after %d epochs", done)
	}
	sh.onBatch = nil
	me, _ := sh.ws.ModelByName("s")
	if me == old || me.Result.Epochs != done || !strings.HasPrefix(me.Status, "stopped after") {
		t.Errorf("entry after interrupt: %+v", me)
	}
	if old.Record == nil || me.Record != nil {
		t.Errorf("run records: the trained s has %v, the interrupted one %v (want one, then none)", old.Record != nil, me.Record != nil)
	}
	got := params(t, sh, "s")
	for _, w := range got {
		for _, x := range w {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatal("non-finite parameter after interrupt")
			}
		}
	}
	mustExec(t, sh, out, fmt.Sprintf("train ref bpr dim=4 epochs=%d batch=16 eval-every=0", done))
	if !equalParams(got, params(t, sh, "ref")) {
		t.Errorf("the interrupted model differs from an uninterrupted %d-epoch run", done)
	}
	// the shell goes on with the interrupted model
	if o := mustExec(t, sh, out, "eval s; show s"); !strings.Contains(o, "s on loo: loo/test 60 users") || !strings.Contains(o, "stopped after") {
		t.Errorf("after interrupt:\n%s", o)
	}
}

// TestInterruptKeepsBestEpoch interrupts a run that evaluates every epoch
// with restore-best: the message names the epoch whose parameters are kept.
func TestInterruptKeepsBestEpoch(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20")
	ctx, cancel := context.WithCancel(context.Background())
	sh.onBatch = func(name string, e train.BatchEvent) {
		if e.Epoch == 4 && e.Batch == 1 {
			cancel()
		}
	}
	err := sh.Exec(ctx, "train s bpr dim=4 epochs=10 batch=16")
	if err == nil || !strings.Contains(err.Error(), "s keeps the parameters of epoch") {
		t.Fatalf("interrupt: %v", err)
	}
	me, _ := sh.ws.ModelByName("s")
	best := me.Result.Best["HR@5"].Epoch
	if !strings.HasSuffix(err.Error(), fmt.Sprintf("epoch %d", best)) {
		t.Errorf("%v: best HR@5 epoch is %d", err, best)
	}
}

// fakeEditor is a LineReader that returns scripted lines or errors.
type fakeEditor struct {
	inputs []any // string or error
	saved  []string
	before func(k int)
	k      int
}

func (f *fakeEditor) ReadLine() (string, error) {
	if f.k >= len(f.inputs) {
		return "", io.EOF
	}
	if f.before != nil {
		f.before(f.k)
	}
	x := f.inputs[f.k]
	f.k++
	if err, ok := x.(error); ok {
		return "", err
	}
	return x.(string), nil
}

func (f *fakeEditor) SaveHistory(line string) error { f.saved = append(f.saved, line); return nil }
func (f *fakeEditor) Close() error                  { return nil }

// TestInteract drives the interactive loop: errors are reported and the
// loop goes on, Ctrl-C at the prompt is ignored, an interrupt during a
// training command stops only that command, history gets the non-blank
// lines, and EOF ends the loop.
func TestInteract(t *testing.T) {
	var out, errOut bytes.Buffer
	intr := &Interrupter{}
	sh := New(Config{Out: &out, Err: &errOut, Dir: t.TempDir(), Quiet: true, Interrupts: intr})
	sh.loadDataset = tinyLoader
	sh.onBatch = func(name string, e train.BatchEvent) {
		if e.Epoch == 2 && e.Batch == 3 {
			if n := intr.Interrupt(); n != 1 {
				t.Errorf("Interrupt() = %d during a command", n)
			}
		}
	}
	ed := &fakeEditor{inputs: []any{
		"load tiny", "   ", "trian x", ErrInterrupt, "split loo candidates=20; train s bpr dim=4 epochs=50 batch=16 eval-every=0; show",
		"show s", `load "tiny`, "set seed=3", "quit", "show",
	}}
	ed.before = func(k int) {
		if n := intr.Interrupt(); n != 0 {
			t.Errorf("Interrupt() = %d between commands", n)
		}
	}
	if err := sh.Interact(context.Background(), ed); err != nil {
		t.Fatal(err)
	}
	if !sh.Exited() || ed.k != 9 {
		t.Errorf("quit: exited %v after %d inputs", sh.Exited(), ed.k)
	}
	e := errOut.String()
	for _, want := range []string{`error: unknown command "trian" (did you mean train?)`, "train s: interrupted after 1 of 50 epochs",
		"error: unterminated quote"} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr: no %q in\n%s", want, e)
		}
	}
	o := out.String()
	if strings.Contains(o, "data sets:") {
		t.Errorf("the statement after an interrupted one ran:\n%s", o)
	}
	if !strings.Contains(o, "s (model): bpr dim=4 epochs=50 batch=16 eval-every=0 on loo, stopped after 1 of 50 epochs") || !strings.Contains(o, "seed=3") {
		t.Errorf("stdout:\n%s", o)
	}
	want := []string{"load tiny", "trian x", "split loo candidates=20; train s bpr dim=4 epochs=50 batch=16 eval-every=0; show",
		"show s", `load "tiny`, "set seed=3", "quit"}
	if !slices.Equal(ed.saved, want) {
		t.Errorf("history %q", ed.saved)
	}
}

// TestRunScript checks scripts: line numbers of failing statements,
// continuation lines, comments, echo, and that nothing runs after an error.
func TestRunScript(t *testing.T) {
	sh, out := testShell(t, nil)
	script := "# a comment\nload tiny\nsplit loo \\\n  candidates=20 # trailing comment\n\ntrain s bpr dim=2 epochs=1; eval s; show s\ntrain t bpr dimm=3\nshow\n"
	err := sh.RunScript(context.Background(), "s.kd", strings.NewReader(script), true)
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("no ScriptError: %v", err)
	}
	if se.Line != 7 || se.Text != "train t bpr dimm=3" || !strings.HasPrefix(se.Error(), "s.kd:7: train: unknown option dimm (did you mean dim?)") {
		t.Errorf("script error: line %d text %q: %v", se.Line, se.Text, se)
	}
	o := out.String()
	for _, want := range []string{"kdrepl> load tiny\ntiny: 60 users", "kdrepl> split loo candidates=20\nloo:", "kdrepl> eval s\ns on loo",
		"kdrepl> train t bpr dimm=3\n"} {
		if !strings.Contains(o, want) {
			t.Errorf("echoed output: no %q in\n%s", want, o)
		}
	}
	if strings.Contains(o, "data sets:") {
		t.Error("the script went on after the error")
	}

	// a failing statement in the middle of a one-line script (kdrepl -c)
	sh, _ = testShell(t, nil)
	err = sh.RunScript(context.Background(), "-c", strings.NewReader("load tiny; split loo candidates=20; compare a b; show"), false)
	if !errors.As(err, &se) || se.Line != 1 || se.Text != "compare a b" || !strings.HasPrefix(se.Error(), `-c:1: compare: unknown model "a"`) {
		t.Errorf("-c error: %v", err)
	}
	// a parse error
	err = sh.RunScript(context.Background(), "p.kd", strings.NewReader("show\n\nshow 'x\n"), false)
	if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(se.Error(), "p.kd:3: unterminated quote at column 6") {
		t.Errorf("parse error: %v", err)
	}
	// quit ends a script without error
	if err := sh.RunScript(context.Background(), "q.kd", strings.NewReader("quit\nnosuch\n"), false); err != nil {
		t.Errorf("quit: %v", err)
	}
}
