package repl

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/train"
)

// tinyKD holds, per method of the default registry, options that fit the
// tiny data set (50 items: teacher lists of 20, small samples).
var tinyKD = map[string]string{
	"hint":   "",
	"fitnet": "",
	"de":     "experts.de=4",
	"phr":    "",
	"ftd":    "",
	"htd":    "groups.htd=3",
	"rd":     "n.rd=20 k.rd=5",
	"cd":     "n.cd=20 k.cd=5",
	"rrd":    "n.rrd=20 k.rrd=5 l.rrd=5",
	"ir-rrd": "n.ir-rrd=20 k.ir-rrd=5 l.ir-rrd=5 item-k.ir-rrd=3 item-l.ir-rrd=3",
	"de-rrd": "experts.de-rrd=4 n.de-rrd=20 k.de-rrd=5 l.de-rrd=5",
	"cl-drd": "n.cl-drd=20 list.cl-drd=6 hard-depth.cl-drd=10 semi-depth.cl-drd=20",
	"dcd":    "n.dcd=20 pool.dcd=10 k.dcd=5 l.dcd=5",
}

// TestKDMethods trains a tiny student with every registered method and
// checks that the method's terms ran (their losses are in the history),
// that kd=de,rrd adds both terms (DE-RRD) and that a run is deterministic.
func TestKDMethods(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=8 epochs=3")
	methods := sh.reg.Methods()
	if len(methods) != len(tinyKD) {
		t.Fatalf("methods %v, the test knows %d", methods, len(tinyKD))
	}
	for _, m := range methods {
		got := mustExec(t, sh, out, "train s-"+m+" bpr dim=4 epochs=2 kd="+m+" "+tinyKD[m])
		if !strings.Contains(got, "kd="+m) || !strings.Contains(got, "best valid HR@5") {
			t.Errorf("%s: %q", m, got)
		}
		me, _ := sh.ws.ModelByName("s-" + m)
		loss := me.Result.History[len(me.Result.History)-1].TermLoss
		want := []string{m}
		if m == "de-rrd" {
			want = []string{"de", "rrd"}
		}
		for _, w := range want {
			if _, ok := loss[w]; !ok {
				t.Errorf("%s: no %s term loss in %v", m, w, loss)
			}
		}
	}
	mustExec(t, sh, out, "train both bpr dim=4 epochs=2 kd=de,rrd "+tinyKD["de"]+" "+tinyKD["rrd"])
	me, _ := sh.ws.ModelByName("both")
	loss := me.Result.History[1].TermLoss
	if _, ok := loss["de"]; !ok || loss["rrd"] == 0 || len(loss) != 3 {
		t.Errorf("kd=de,rrd term losses %v, want bpr, de and rrd", loss)
	}
	if !strings.Contains(mustExec(t, sh, out, "show both"), "distilled from teacher with de, rrd") {
		t.Error("show both: no distillation line")
	}
	a := params(t, sh, "both")
	mustExec(t, sh, out, "train both bpr dim=4 epochs=2 kd=de,rrd "+tinyKD["de"]+" "+tinyKD["rrd"])
	if !equalParams(a, params(t, sh, "both")) {
		t.Error("kd=de,rrd is not deterministic for a fixed seed")
	}
	// A NeuMF student, and a latent method on an autoencoder student.
	mustExec(t, sh, out, "train nmf neumf dim=4 epochs=1 kd=de,rrd "+tinyKD["de"]+" "+tinyKD["rrd"])
	if msg := execErr(t, sh, "train ae cdae hidden=4 epochs=1 kd=de"); !strings.Contains(msg, "kd de: a cdae student cannot be distilled: it has no trainable representations") {
		t.Error(msg)
	}
}

// TestKDOptionErrors checks that bad distillation options name the option
// as written (<option>.<method>) and its valid range, also for constraints
// that depend on the data (list lengths).
func TestKDOptionErrors(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=8 epochs=1")
	cases := []struct{ line, want string }{
		{"train s bpr kd=de experts.de=0", "experts.de=0 is out of range: want an integer in [1, 1024]"},
		{"train s bpr kd=de lambda.de=0", "lambda.de=0 is out of range: want a number in (0, 1e+06]"},
		{"train s bpr kd=htd alpha.htd=2", "alpha.htd=2 is out of range: want a number in [0, 1]"},
		{"train s bpr kd=hint bridge.hint=conv", "bridge.hint=conv: want one of mlp, linear"},
		{"train s bpr kd=de tau-end.de=2", "kd de: tau-end.de=2 is out of range: want a number in (0, tau-start=1]"},
		{"train s bpr kd=rrd n.rrd=20 k.rrd=30", "kd rrd: k.rrd=30 is out of range: want an integer in [1, 20] (the sampling pool)"},
		{"train s bpr kd=rrd n.rrd=20 pool.rrd=30", "kd rrd: pool.rrd=30 is out of range: want an integer in [0, n=20]"},
		{"train s bpr kd=rrd", "kd rrd: l.rrd=40 is out of range: want an integer in [1, "},
		{"train s bpr kd=rrd n.rrd=20 k.rrd=5 l.rrd=45", "l.rrd=45 is out of range"},
		{"train s bpr kd=dcd n.dcd=20 pool.dcd=30", "kd dcd: pool.dcd=30 is out of range: want an integer in [0, n=20]"},
		{"train s bpr kd=rrd k.rd=5", "k.rd is given but rd is not in kd=rrd"},
		{"train s bpr kd=ir", `unknown "ir"; want a comma-separated list of cd, cl-drd, dcd, de`},
		{"train s bpr kd=de experts=4", "unknown option experts"},
		{"train s bpr kd=de teacher=nobody", `kd needs a trained teacher: unknown model "nobody"`},
	}
	for _, c := range cases {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
	if got := strings.Join(sh.ws.Names(), " "); got != "tiny loo teacher" {
		t.Errorf("workspace after errors: %s", got)
	}
}

// TestKDCompletion checks that completion offers the methods and their
// <option>.<method> options.
func TestKDCompletion(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=4 epochs=1")
	c := sh.Completer()
	cases := []struct {
		line string
		want []string
	}{
		{"train s bpr kd=", []string{"train s bpr kd=de ", "train s bpr kd=rrd ", "train s bpr kd=ir-rrd ", "train s bpr kd=de-rrd ", "train s bpr kd=dcd "}},
		{"train s bpr kd=de,r", []string{"train s bpr kd=de,rd ", "train s bpr kd=de,rrd "}},
		{"train s bpr lambda.", []string{"train s bpr lambda.de=", "train s bpr lambda.rrd=", "train s bpr lambda.htd="}},
		{"train s bpr exp", []string{"train s bpr experts.de=", "train s bpr experts.de-rrd="}},
		{"train s bpr sample.rrd=", []string{"train s bpr sample.rrd=true ", "train s bpr sample.rrd=false "}},
		{"train s bpr group.htd=", []string{"train s bpr group.htd=pe ", "train s bpr group.htd=pp "}},
		{"reproduce derrd-t", []string{"reproduce derrd-table ", "reproduce derrd-table-neumf "}},
		{"reproduce derrd-table ", []string{"reproduce derrd-table quick ", "reproduce derrd-table full ", "reproduce derrd-table shard="}},
		{"help rep", []string{"help reproduce "}},
	}
	for _, tc := range cases {
		got := complete(c, tc.line)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: no %q among %q", tc.line, w, got)
			}
		}
	}
	if got := complete(c, "train s bpr kd="); slices.Contains(got, "train s bpr kd=ir ") {
		t.Error("ir (a part of ir-rrd) is offered")
	}
}

// TestKDInterrupt stops a distillation run in its second epoch: the
// student keeps the parameters of its first epoch (those of an
// uninterrupted one-epoch run) and the shell goes on.
func TestKDInterrupt(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=8 epochs=1")
	line := "train s bpr dim=4 batch=32 eval-every=0 kd=de,rrd " + tinyKD["de"] + " " + tinyKD["rrd"]
	mustExec(t, sh, out, line+" epochs=1")
	want := params(t, sh, "s")
	ctx, cancel := context.WithCancel(context.Background())
	sh.onBatch = func(name string, e train.BatchEvent) {
		if e.Epoch == 2 && e.Batch == 3 {
			cancel()
		}
	}
	err := sh.Exec(ctx, line+" epochs=5")
	var in *Interrupted
	if !errors.As(err, &in) || !strings.Contains(in.Msg, "interrupted after 1 of 5 epochs; s keeps the parameters of epoch 1") {
		t.Fatalf("interrupt: %v", err)
	}
	if !equalParams(want, params(t, sh, "s")) {
		t.Error("the interrupted student does not hold its epoch-1 parameters")
	}
	if me, _ := sh.ws.ModelByName("s"); me.Record != nil {
		t.Error("the interrupted run has a record")
	}
	sh.onBatch = nil
	mustExec(t, sh, out, "eval s")
}

// smallSpec is a built-in spec moved onto generated data, for the
// reproduce command's tests.
func smallSpec(name, budget string) (*exp.Spec, error) {
	s, err := exp.BuiltinSpec(name, budget)
	if err != nil {
		return nil, err
	}
	s.Dataset = exp.DatasetSpec{Name: exp.SyntheticName, Synthetic: &exp.SyntheticSpec{Users: 120, Items: 300, PerUser: 15, Seed: 1}}
	s.Split = exp.SplitSpec{Kind: exp.SplitLOO, Candidates: 30}
	if s.Teacher != nil {
		s.Teacher.Dim = 8
	}
	for _, v := range s.Variants {
		if st, ok := v.Set["student"].(map[string]any); ok {
			st["dim"] = min(8, toInt(st["dim"]))
		}
		if terms, ok := v.Set["kd"].([]any); ok {
			for _, x := range terms {
				if m := x.(map[string]any); m["method"] == "rrd" {
					m["options"] = map[string]any{"n": 100, "k": 10, "l": 10}
				}
			}
		}
	}
	s.Student.Dim = 4
	s.Budget.Epochs = min(s.Budget.Epochs, 2) // full budgets too: tests and the fuzz target stay fast
	return s, nil
}

// TestReproduce runs the quick budget of a built-in spec (on generated
// data) through the reproduce command, resumes it, and runs one shard.
func TestReproduce(t *testing.T) {
	sh, out := testShell(t, nil)
	sh.builtinSpec = smallSpec
	got := mustExec(t, sh, out, "reproduce derrd-curves quick out=sw")
	if !strings.Contains(got, "sweep derrd-curves@quick: 3 runs, 3 in this shard: 0 already stored, 3 ran") ||
		!strings.Contains(got, "Student") || !strings.Contains(got, "RRD") {
		t.Errorf("first run:\n%s", got)
	}
	got = mustExec(t, sh, out, "reproduce derrd-curves out=sw")
	if !strings.Contains(got, "3 already stored, 0 ran") {
		t.Errorf("second run did not resume:\n%s", got)
	}
	// record= puts the runs in a results ledger, from which another
	// store resumes.
	mustExec(t, sh, out, "reproduce derrd-curves quick out=sw3 record=ledger")
	recs, err := os.ReadDir(filepath.Join(sh.dir, "ledger", "runs"))
	if err != nil || len(recs) != 3 {
		t.Fatalf("ledger holds %d records (%v)", len(recs), err)
	}
	got = mustExec(t, sh, out, "reproduce derrd-curves quick out=sw4 record=ledger")
	if !strings.Contains(got, "3 already stored, 0 ran") {
		t.Errorf("a new store did not resume from the ledger:\n%s", got)
	}
	got = mustExec(t, sh, out, "reproduce derrd-table quick out=sw2 shard=0/2")
	if !strings.Contains(got, "sweep derrd-table@quick: 7 runs, 4 in this shard") || !strings.Contains(got, "3 of 7 runs have no result yet") {
		t.Errorf("shard:\n%s", got)
	}
	mustExec(t, sh, out, "export table sw.md")
	sh.builtinSpec = nil
	for _, c := range []struct{ line, want string }{
		{"reproduce derrd-tabel", `unknown built-in spec "derrd-tabel" (did you mean derrd-table?)`},
		{"reproduce derrd-table fast", `unknown budget "fast"; want quick or full`},
		{"reproduce derrd-table shard=3/2", "shard=3/2"},
		{"train s bpr kd=hetcomp", "kd=hetcomp: hetcomp distils an ensemble of several teachers' trajectories, which a shell session (one teacher) does not train; run it with `reproduce hetcomp-table`"},
	} {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
}

// toInt reads a number of a spec decoded from JSON.
func toInt(x any) int {
	if n, ok := x.(json.Number); ok {
		i, _ := n.Int64()
		return int(i)
	}
	f, _ := x.(float64)
	return int(f)
}

// TestKDScheduleNotes checks that train says what an epoch cap below a
// method's own temperature schedule changes, that the summary line has the
// training time, and that fitnet trains a linear bridge.
func TestKDScheduleNotes(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=8 epochs=1")
	got := mustExec(t, sh, out, "train s bpr dim=4 epochs=3 kd=de experts.de=4")
	if !strings.Contains(got, "note: de anneals its Gumbel-softmax temperature 1 → 1e-10 over 1000 epochs (tau-epochs=1000); this run is capped at 3 epochs") {
		t.Errorf("no schedule note:\n%s", got)
	}
	if !regexp.MustCompile(`s: bpr .* took [0-9.]+m?s \([0-9.e-]+ s/epoch\)\n`).MatchString(got) {
		t.Errorf("no timing on the summary line:\n%s", got)
	}
	if got := mustExec(t, sh, out, "train s bpr dim=4 epochs=3 kd=de experts.de=4 tau-epochs.de=3"); strings.Contains(got, "note:") {
		t.Errorf("a schedule within the cap got a note:\n%s", got)
	}
	if got := mustExec(t, sh, out, "train s bpr dim=4 epochs=2 kd=htd groups.htd=3 tau-epochs.htd=0"); !strings.Contains(got, "note: htd anneals its Gumbel-softmax temperature 1 → 1e-10 over the run's epoch cap (tau-epochs=0)") {
		t.Errorf("tau-epochs=0 got no note:\n%s", got)
	}
	mustExec(t, sh, out, "train f bpr dim=4 epochs=1 kd=fitnet")
	me, _ := sh.ws.ModelByName("f")
	if _, ok := me.Result.History[0].TermLoss["fitnet"]; !ok {
		t.Errorf("fitnet term losses %v", me.Result.History[0].TermLoss)
	}
}
