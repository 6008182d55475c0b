package repl

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
)

// TestSession drives a whole session on synthetic data through the line
// interface: every command of the language, and what each leaves in the
// workspace and on disk.
func TestSession(t *testing.T) {
	sh, out := testShell(t, withoutMethods())
	dir := sh.dir

	got := mustExec(t, sh, out, "load tiny")
	if !strings.HasPrefix(got, "tiny: 60 users, 50 items") {
		t.Errorf("load: %q", got)
	}
	got = mustExec(t, sh, out, "split loo seed=1 candidates=20")
	if !strings.Contains(got, "loo: loo seed=1 cand=20 of tiny") || !strings.Contains(got, "valid 60, test 60") {
		t.Errorf("split: %q", got)
	}
	got = mustExec(t, sh, out, "train teacher bpr dim=16 epochs=3 batch=64 lr=0.01")
	if !strings.Contains(got, "teacher: bpr dim=16 epochs=3 batch=64 lr=0.01 on loo, trained 3 epochs") || !strings.Contains(got, ", 1760 params") ||
		!strings.Contains(got, "best valid HR@5") {
		t.Errorf("train: %q", got)
	}
	mustExec(t, sh, out, "train small bpr dim=2 epochs=2 batch=64; train big bpr dim=4 epochs=2 batch=64 eval-every=2")
	got = mustExec(t, sh, out, "eval small")
	if !strings.HasPrefix(got, "small on loo: loo/test 60 users: HR@5 ") {
		t.Errorf("eval: %q", got)
	}
	got = mustExec(t, sh, out, "eval small full part=valid")
	if !strings.Contains(got, "full/valid 60 users: Recall@10") {
		t.Errorf("eval full: %q", got)
	}
	got = mustExec(t, sh, out, "eval big latency users=5")
	if !strings.Contains(got, "ms/user to score 50 items (mean over 5 users") {
		t.Errorf("latency: %q", got)
	}
	got = mustExec(t, sh, out, "compare teacher small big")
	for _, want := range []string{"teacher vs small vs big on split loo, loo/test, 60 users", "p(t) small", "p(W) big", "NDCG@20"} {
		if !strings.Contains(got, want) {
			t.Errorf("compare: no %q in\n%s", want, got)
		}
	}
	got = mustExec(t, sh, out, "compare small big metrics=Recall@10,NDCG@10 protocol=full")
	if strings.Count(got, "\n") != 5 || !strings.Contains(got, "full/test") {
		t.Errorf("compare metrics: %q", got)
	}
	mustExec(t, sh, out, "export table cmp.md")
	if b, err := os.ReadFile(filepath.Join(dir, "cmp.md")); err != nil || !strings.Contains(string(b), "| Recall@10 |") {
		t.Errorf("export table: %q %v", b, err)
	}

	got = mustExec(t, sh, out, "plot curves teacher small big out=fig.svg")
	if !strings.Contains(got, "wrote fig.svg (figure) and fig.csv: 3 epochs × 3 columns") {
		t.Errorf("plot: %q", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "fig.svg")); err != nil || !strings.Contains(string(b[:min(len(b), 200)]), "<svg") {
		t.Errorf("fig.svg: %v %q", err, b[:min(len(b), 200)])
	}
	rows := readCSV(t, filepath.Join(dir, "fig.csv"))
	if len(rows) != 4 || strings.Join(rows[0], ",") != "epoch,teacher,small,big" || rows[1][3] != "" || rows[2][3] == "" {
		t.Errorf("fig.csv: %v", rows)
	}
	mustExec(t, sh, out, "plot loss teacher out=loss.csv")
	if rows := readCSV(t, filepath.Join(dir, "loss.csv")); len(rows) != 4 {
		t.Errorf("loss.csv: %v", rows)
	}
	mustExec(t, sh, out, "plot loss teacher small out=figs/loss.png")
	if b, err := os.ReadFile(filepath.Join(dir, "figs", "loss.png")); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("loss.png: %v", err)
	}
	if rows := readCSV(t, filepath.Join(dir, "figs", "loss.csv")); len(rows) != 4 || len(rows[0]) != 3 {
		t.Errorf("figs/loss.csv: %v", rows)
	}

	mustExec(t, sh, out, "export results res.csv; export results res.json teacher")
	rows = readCSV(t, filepath.Join(dir, "res.csv"))
	if rows[0][0] != "model" || len(rows) < 10 {
		t.Errorf("res.csv: %v", rows[:min(3, len(rows))])
	}
	var recs []resultRecord
	if b, err := os.ReadFile(filepath.Join(dir, "res.json")); err != nil || json.Unmarshal(b, &recs) != nil || len(recs) != 1 || recs[0].Metrics["HR@5"] <= 0 {
		t.Errorf("res.json: %v %v", recs, err)
	}
	mustExec(t, sh, out, "export history teacher h.csv; export history teacher h.json")
	if rows := readCSV(t, filepath.Join(dir, "h.csv")); len(rows) != 4 || rows[0][2] != "loss bpr" {
		t.Errorf("h.csv: %v", rows)
	}

	mustExec(t, sh, out, "save teacher t.ckpt")
	got = mustExec(t, sh, out, "load-model t2 t.ckpt")
	if !strings.Contains(got, "t2: bpr dim=16 epochs=3 batch=64 lr=0.01 from t.ckpt on loo, 1760 params") {
		t.Errorf("load-model: %q", got)
	}
	got = mustExec(t, sh, out, "compare teacher t2 metrics=HR@5")
	if !strings.Contains(got, "1.0000   1.0000") {
		t.Errorf("a checkpoint must score like its model:\n%s", got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	got = mustExec(t, sh, out, "show")
	for _, want := range []string{"tiny  60 users × 50 items", "loo  loo seed=1 cand=20 of tiny (current)",
		"teacher  bpr dim=16", "t2       bpr dim=16", "loaded from t.ckpt", "settings: seed=0 quiet=true"} {
		if !strings.Contains(got, want) {
			t.Errorf("show: no %q in\n%s", want, got)
		}
	}
	got = mustExec(t, sh, out, "show teacher")
	if !strings.Contains(got, "valid HR@5") || strings.Count(got, "\n") < 6 {
		t.Errorf("show teacher:\n%s", got)
	}
	mustExec(t, sh, out, "show loo; show tiny; show models; show settings")
	if got = mustExec(t, sh, out, "set seed=7 protocol=full"); got != "seed=7 protocol=full\n" {
		t.Errorf("set: %q", got)
	}
	if got = mustExec(t, sh, out, "set"); got != "seed=7 quiet=true progress=auto protocol=full width=0\n" {
		t.Errorf("set: %q", got)
	}
	got = mustExec(t, sh, out, "split ratio as=r")
	if !strings.Contains(got, "ratio 0.6/0.2/0.2 seed=7") && !strings.Contains(got, "seed=7") {
		t.Errorf("split ratio: %q", got)
	}
	mustExec(t, sh, out, "train onratio bpr dim=2 epochs=1") // protocol=full from the settings
	mustExec(t, sh, out, "drop t2 r onratio")
	if _, ok := sh.ws.Get("t2"); ok {
		t.Error("drop left t2")
	}
	mustExec(t, sh, out, "list; list methods")
	if got = mustExec(t, sh, out, "list methods"); !strings.Contains(got, "none yet") {
		t.Errorf("list methods: %q", got)
	}
	mustExec(t, sh, out, "quit")
	if !sh.Exited() {
		t.Error("quit did not end the session")
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// TestHelpEveryCommand checks that help works for every command and
// sub-command and that every command has a summary and a usage line.
func TestHelpEveryCommand(t *testing.T) {
	sh, out := testShell(t, withTwoMethods())
	got := mustExec(t, sh, out, "help")
	for _, c := range commands() {
		if c.Summary == "" {
			t.Errorf("%s has no summary", c.Name)
		}
		if !strings.Contains(got, "  "+c.Name+" ") {
			t.Errorf("help does not list %s", c.Name)
		}
		h := mustExec(t, sh, out, "help "+c.Name)
		if !strings.HasPrefix(h, c.Name) {
			t.Errorf("help %s: %q", c.Name, h)
		}
		for _, s := range c.Subs {
			if s.Summary == "" {
				t.Errorf("%s %s has no summary", c.Name, s.Name)
			}
			mustExec(t, sh, out, "help "+c.Name+" "+s.Name)
		}
	}
	h := mustExec(t, sh, out, "help train")
	for _, want := range []string{"dim=<int>", "an integer in [1, 4096]; default 64", "lr=<float>", "a number in (0, 10]",
		"method hint", "bridge=<choice>", "lambda=<float>", "kd=<method>"} {
		if !strings.Contains(h, want) {
			t.Errorf("help train: no %q", want)
		}
	}
	h = mustExec(t, sh, out, "help split")
	if !strings.Contains(h, "method loo") || !strings.Contains(h, "candidates=<int>") {
		t.Errorf("help split:\n%s", h)
	}
}

// TestErrors checks that mistakes give one-line messages saying what was
// wrong and what is expected, and leave the workspace as it was.
func TestErrors(t *testing.T) {
	sh, out := testShell(t, withoutMethods())
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train t bpr dim=4 epochs=1")
	cases := []struct{ line, want string }{
		{"trian t bpr", `unknown command "trian" (did you mean train?)`},
		{"shwo", `(did you mean show?)`},
		{"frobnicate", `unknown command "frobnicate"; type help for the list`},
		{"dim=3", "a statement starts with a command"},
		{"train s bpr dim=0", "train: dim=0 is out of range: want an integer in [1, 4096]"},
		{"train s bpr dim=x", "train: dim=x: want an integer in [1, 4096]"},
		{"train s bpr lr=0", "lr=0 is out of range: want a number in (0, 10]"},
		{"train s bpr dimm=4", "unknown option dimm (did you mean dim?); valid: epochs, batch"},
		{"train s bpr dim=4 dim=5", "option dim is given twice"},
		{"train s bpr =4", `"=4" has no option name`},
		{"train s bprr", `unknown model kind "bprr" (did you mean bpr?); known: bpr`},
		{"train s", "train: want train <name> <kind> [option=value ...], got 1 argument"},
		{"train s bpr restore-best=maybe", "restore-best=maybe: want true or false"},
		{"train s bpr protocol=lo", "protocol=lo: want one of loo, full (did you mean loo?)"},
		{"train s bpr kd=de,rrd", "no distillation methods are available yet: kd=de,rrd"},
		{"train s bpr lambda.de=0.01", "no distillation methods are available yet: lambda.de=0.01"},
		{"train s bpr teacher=t", "no distillation methods are available yet"},
		{"train s bpr split=nope", `unknown split "nope"; known: loo`},
		{"train tiny bpr", "tiny is already a data set"},
		{"train datasets bpr", "reserved"},
		{"train a,b bpr", "contains one of"},
		{"eval nope", `unknown model "nope"`},
		{"eval t lo", `unknown protocol "lo" (did you mean loo?)`},
		{"eval tiny", "tiny is a data set, not a model"},
		{"compare t", "compare: want compare <model> <model> [<model> ...]"},
		{"compare t t", "t is listed twice"},
		{"compare t t2", `unknown model "t2"`},
		{"plot", "plot: which one? want plot curves|degrees|loss"},
		{"plot curvs t", `unknown sub-command "curvs" (did you mean curves?)`},
		{"plot curves t metric=HR@7", "history has no valid HR@7 values"},
		{"export table x.csv", "no table yet"},
		{"export results r.csv nope", `unknown model "nope"`},
		{"load nosuch", `unknown data set "nosuch"`},
		{"split lo", `unknown split method "lo" (did you mean llo or loo?)`},
		{"split loo of=nope", `unknown data set "nope"`},
		{"split import", "option train=<text> is required"},
		{"split loo candidates=-1", "candidates=-1 is out of range"},
		{"set seed=-1", "seed=-1: want a non-negative integer"},
		{"set color=red", "unknown option color; valid: seed, quiet, progress, protocol"},
		{"show nope", `unknown object "nope"`},
		{"list things", `cannot list "things"`},
		{"drop nope", `unknown object "nope"`},
		{"save t", "save: want save <model> <path>, got 1 argument"},
		{"load-model x missing.ckpt", "no such file"},
		{"help nope", `unknown command "nope"`},
		{`load "tiny`, "unterminated quote at column 6"},
		{"quit now", "quit: want quit, got 1 argument"},
	}
	for _, c := range cases {
		msg := execErr(t, sh, c.line)
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
	// nothing above changed the workspace
	if got := strings.Join(sh.ws.Names(), " "); got != "tiny loo t" {
		t.Errorf("workspace after errors: %s", got)
	}
}

// TestSplitWithoutCandidates checks protocol errors on a split without
// sampled candidates and that full ranking works on it.
func TestSplitWithoutCandidates(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=0")
	msg := execErr(t, sh, "train t bpr dim=2 epochs=1")
	if !strings.Contains(msg, "split loo has no sampled candidates, which protocol=loo needs; use protocol=full") {
		t.Error(msg)
	}
	mustExec(t, sh, out, "train t bpr dim=2 epochs=1 protocol=full; eval t full")
	if !strings.Contains(execErr(t, sh, "eval t loo"), "no sampled candidates") {
		t.Error("eval loo on a split without candidates")
	}
}

// TestDistillationPlumbing restricts the methods to hint and fitnet and
// checks kd=, the <option>.<method> options and their errors.
func TestDistillationPlumbing(t *testing.T) {
	sh, out := testShell(t, withTwoMethods())
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=8 epochs=2")
	got := mustExec(t, sh, out, "train s bpr dim=2 epochs=2 kd=hint lambda.hint=0.5 bridge.hint=linear")
	if !strings.Contains(got, "s: bpr dim=2 epochs=2 kd=hint lambda.hint=0.5 bridge.hint=linear on loo") {
		t.Errorf("kd train: %q", got)
	}
	me, _ := sh.ws.ModelByName("s")
	if me.Teacher != "teacher" || strings.Join(me.KD, ",") != "hint" {
		t.Errorf("kd entry: %+v", me)
	}
	if _, ok := me.Result.History[0].TermLoss["hint"]; !ok {
		t.Errorf("the hint term did not run: %v", me.Result.History[0].TermLoss)
	}
	if kd := me.Record.Spec.KD; len(kd) != 1 || kd[0].Lambda != 0.5 || kd[0].Options["bridge"] != "linear" || len(kd[0].Options) != 1 {
		t.Errorf("the run's terms: %+v", kd)
	}
	mustExec(t, sh, out, "train s2 bpr dim=2 epochs=1 kd=hint,fitnet lambda.fitnet=1 teacher=teacher")
	got = mustExec(t, sh, out, "show s2")
	if !strings.Contains(got, "distilled from teacher with hint, fitnet") {
		t.Errorf("show s2: %q", got)
	}
	cases := []struct{ line, want string }{
		{"train s3 bpr lambda.hint=0.5", "lambda.hint is given but hint is not in kd=; add it to kd"},
		{"train s3 bpr kd=hint lambda.fitnet=0.5", "lambda.fitnet is given but fitnet is not in kd=hint"},
		{"train s3 bpr kd=hint hint.lambda=0.5", "write <option>.<method>, here lambda.hint"},
		{"train s3 bpr kd=hint lambda.de=0.5", `unknown distillation method "de"; known: fitnet, hint`},
		{"train s3 bpr kd=hnt", `kd=hnt: unknown "hnt"; want a comma-separated list of fitnet, hint (did you mean hint?)`},
		{"train s3 bpr kd=hint,hint", `"hint" is listed twice`},
		{"train s3 bpr kd=hint lambda.hint=-1", "lambda.hint=-1 is out of range: want a number in (0, 1e+06]"},
		{"train s3 bpr kd=hint teacher=nobody", `kd needs a trained teacher: unknown model "nobody"`},
		{"train s3 bpr kd=hint teacher=s3", "cannot be its own teacher"},
		{"train s3 bpr kd=hint teacher=loo", "loo is a split, not a model"},
	}
	for _, c := range cases {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
}

// TestPanicsBecomeErrors registers a split method whose constructor
// panics: the shell reports an error and goes on.
func TestPanicsBecomeErrors(t *testing.T) {
	reg := Default.Clone()
	reg.RegisterSplit("boom", SplitSpec{Doc: "panics", New: func(SplitEnv, Values) (*data.Split, error) { panic("kaboom") }})
	sh, out := testShell(t, reg)
	mustExec(t, sh, out, "load tiny; split loo candidates=20")
	msg := execErr(t, sh, "split boom")
	if !strings.Contains(msg, "split: internal error") || !strings.Contains(msg, "kaboom") {
		t.Error(msg)
	}
	mustExec(t, sh, out, "train x bpr dim=2 epochs=1; show x")
}

// TestRegistryRejectsBadEntries checks that malformed registry entries
// fail at registration.
func TestRegistryRejectsBadEntries(t *testing.T) {
	ok := SplitSpec{New: Default.splits["loo"].New}
	for name, f := range map[string]func(r *Registry){
		"duplicate":      func(r *Registry) { r.RegisterSplit("loo", ok) },
		"bad name":       func(r *Registry) { r.RegisterSplit("a.b", ok) },
		"no constructor": func(r *Registry) { r.RegisterSplit("x", SplitSpec{}) },
		"bad default": func(r *Registry) {
			r.RegisterSplit("x", SplitSpec{New: ok.New, Options: []Option{IntOpt("k", 0, 1, 2, "")}})
		},
		"dup option": func(r *Registry) {
			r.RegisterSplit("x", SplitSpec{New: ok.New, Options: []Option{IntOpt("k", 1, 1, 2, ""), IntOpt("k", 1, 1, 2, "")}})
		},
		"dotted option": func(r *Registry) {
			r.RegisterSplit("x", SplitSpec{New: ok.New, Options: []Option{FloatOpt("a.b", 1, 0, 2, "")}})
		},
		"split clash": func(r *Registry) {
			r.RegisterSplit("s", SplitSpec{New: Default.splits["loo"].New, Options: []Option{UintOpt("seed", 0, "")}})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(Default.Clone())
		}()
	}
}

// TestOSFilesAtomic checks that OSFiles replaces files without leaving
// temporary files.
func TestOSFilesAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "x.csv")
	for _, s := range []string{"one", "two"} {
		if err := (OSFiles{}).WriteFile(p, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "two" {
		t.Errorf("content %q", b)
	}
	es, _ := os.ReadDir(filepath.Dir(p))
	if len(es) != 1 {
		t.Errorf("files left: %v", es)
	}
}

// TestLoadModelChecksShape loads a checkpoint of another size and checks
// that it is not attached to the current split.
func TestLoadModelChecksShape(t *testing.T) {
	sh, out := testShell(t, nil)
	m, err := model.NewBPR(model.BPRConfig{Users: 3, Items: 4, Dim: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := model.Save(filepath.Join(sh.dir, "m.ckpt"), m, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sh.dir, "bad.ckpt"), []byte("not a checkpoint at all, really, no, not at all...."), 0o644)
	mustExec(t, sh, out, "load tiny; split loo candidates=20")
	got := mustExec(t, sh, out, "load-model m m.ckpt")
	if !strings.Contains(got, "no split fits it yet") {
		t.Errorf("load-model: %q", got)
	}
	if msg := execErr(t, sh, "eval m"); !strings.Contains(msg, "m has 3 users × 4 items but split loo has 60 × 50") {
		t.Error(msg)
	}
	if msg := execErr(t, sh, "load-model b bad.ckpt"); !strings.Contains(msg, "bad.ckpt: corrupt checkpoint") {
		t.Error(msg)
	}
}

// TestInterruptedError checks the error type of an interruption.
func TestInterruptedError(t *testing.T) {
	var err error = &Interrupted{Msg: "x"}
	if !errors.Is(err, context.Canceled) {
		t.Error("Interrupted is not context.Canceled")
	}
	sh, _ := testShell(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sh.Exec(ctx, "show"); !errors.As(err, new(*Interrupted)) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestFormatP(t *testing.T) {
	for p, want := range map[float64]string{0.5: "0.5000", 1e-5: "1.0e-05", 0: "0.0e+00", math.SmallestNonzeroFloat64: "4.9e-324"} {
		if got := formatP(p); got != want {
			t.Errorf("formatP(%g) = %s, want %s", p, got, want)
		}
	}
}

// TestReplacedSplit checks that models keep the split they were trained on
// when its name is reused, and say so.
func TestReplacedSplit(t *testing.T) {
	sh, out := testShell(t, nil)
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train a bpr dim=2 epochs=1; split loo seed=5 candidates=20; train b bpr dim=2 epochs=1")
	if got := mustExec(t, sh, out, "show a"); !strings.Contains(got, "on loo (replaced)") {
		t.Errorf("show a: %q", got)
	}
	if msg := execErr(t, sh, "compare a b"); !strings.Contains(msg, "a is on split loo (replaced) and b on loo; pass split=<name>") {
		t.Error(msg)
	}
	mustExec(t, sh, out, "compare a b split=loo")
	mustExec(t, sh, out, "drop loo")
	if got := mustExec(t, sh, out, "show b"); !strings.Contains(got, "on loo (dropped)") {
		t.Errorf("show b: %q", got)
	}
}

// TestQuickstartAndProgress checks the quickstart command's options and
// where progress goes under each setting.
func TestQuickstartAndProgress(t *testing.T) {
	sh, out := testShell(t, nil)
	var got exp.QuickstartOptions
	sh.quickstart = func(ctx context.Context, o exp.QuickstartOptions) (*report.Table, error) {
		got = o
		return &report.Table{Header: []string{"model", "HR@5"}, Rows: [][]string{{"teacher", "0.5"}}}, nil
	}
	if o := mustExec(t, sh, out, "set seed=9; quickstart teacher-dim=8 student-epochs=3"); !strings.Contains(o, "teacher   0.5") {
		t.Errorf("quickstart output %q", o)
	}
	want := exp.DefaultQuickstart()
	want.Seed, want.TeacherDim, want.StudentEpochs = 9, 8, 3
	if got != want {
		t.Errorf("quickstart options %+v, want %+v", got, want)
	}
	mustExec(t, sh, out, "export table q.csv")

	for _, c := range []struct {
		set       string
		tty, logs bool
		plain     bool
	}{
		{"quiet=true", true, false, false},
		{"quiet=false progress=auto", true, true, false},
		{"quiet=false progress=auto", false, true, true},
		{"quiet=false progress=bar", false, true, false},
		{"quiet=false progress=lines", true, true, true},
	} {
		mustExec(t, sh, out, "set "+c.set)
		sh.errTTY = c.tty
		w, plain := sh.progress()
		if (w != nil) != c.logs || plain != c.plain {
			t.Errorf("%s tty=%v: writer %v plain %v", c.set, c.tty, w != nil, plain)
		}
	}
}
