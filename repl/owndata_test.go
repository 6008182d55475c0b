package repl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
)

// writeRatings writes a small explicit-feedback file of one's own,
// ratings.csv in dir: 120 users and 80 movies with string ids, 1–5 stars
// and Unix timestamps, with a header. Users prefer the movies of their
// group of four, so a model has something to learn.
func writeRatings(t testing.TB, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("userId,movieId,rating,timestamp\n")
	state := uint64(7)
	next := func(n int) int {
		state = state*6364136223846793005 + 1442695040888963407
		return int((state >> 33) % uint64(n))
	}
	for u := 0; u < 120; u++ {
		for k := 0; k < 14; k++ {
			m := next(80)
			if next(10) < 8 {
				m = (u%4)*20 + next(20) // a movie of the user's group
			}
			stars := 2 + next(4)
			fmt.Fprintf(&b, "user%03d,movie%02d,%d,%d\n", u, m, stars, 1_500_000_000+86400*k+u*60)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ratings.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeClicks writes clicks.csv in dir, a click log large enough for the
// reference settings of every method of the dissertation template (the
// ranking methods' teacher lists hold 500 items per user and 500 users per
// item): 600 users and 600 items in six groups, 9 distinct clicks per user,
// four in five on items of the user's group, with Unix times, and a header.
func writeClicks(t testing.TB, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("user,item,time\n")
	state := uint64(11)
	next := func(n int) int {
		state = state*6364136223846793005 + 1442695040888963407
		return int((state >> 33) % uint64(n))
	}
	for u := 0; u < 600; u++ {
		seen := map[int]bool{}
		for k := 0; k < 9; {
			i := next(600)
			if next(5) < 4 {
				i = (u%6)*100 + next(100)
			}
			if seen[i] {
				continue
			}
			seen[i] = true
			fmt.Fprintf(&b, "u%03d,i%03d,%d\n", u, i, 1_600_000_000+3600*k+u)
			k++
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "clicks.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ownDataScript is the session of issue 24's first "must be shown": a CSV
// of one's own loaded by path, split leave-one-out with sampled
// candidates, a teacher, a student alone and a distilled student, and the
// table comparing them. It is a kdrepl script (kdrepl -f own.kd): no Go.
const ownDataScript = `# your own data, from a CSV to a distilled student and its table
load path=ratings.csv cols=user,item,rating,time min-rating=3 kcore=3 name=mine
split loo candidates=30
train teacher bpr dim=16 epochs=30 lr=0.01
train student bpr dim=4 epochs=30 lr=0.01
train student-de bpr dim=4 epochs=30 lr=0.01 kd=de experts.de=4
compare student student-de teacher
`

// TestOwnDataScript runs ownDataScript through the shell's script API, as
// kdrepl -f does, and checks what it prints: the data set's card, the
// leave-one-out split with its candidates, the three models and the table.
func TestOwnDataScript(t *testing.T) {
	dir := t.TempDir()
	writeRatings(t, dir)
	var out bytes.Buffer
	sh := New(Config{Out: &out, Err: io.Discard, Dir: dir, Quiet: true})
	if err := sh.RunScript(context.Background(), "own.kd", strings.NewReader(ownDataScript), true); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("\n%s", got)
	for _, want := range []string{
		"kdrepl> load path=ratings.csv",
		"mine: 120 users, ",
		"  interactions per user: min ",
		"  interactions per item: min ",
		"  times: 1500000000",
		"  from ratings.csv (cols=user,item,rating,time min-rating=3 kcore=3)",
		"loo: loo seed=0 cand=30 of mine: 120 users × ",
		", valid 120, test 120 interactions, 30 candidates per user",
		"teacher: bpr dim=16 epochs=30 lr=0.01 on loo, trained 30 epochs",
		"student-de: bpr dim=4 epochs=30 lr=0.01 kd=de experts.de=4 on loo, trained 30 epochs",
		"note: de anneals its Gumbel-softmax temperature",
		"student vs student-de vs teacher on split loo, loo/test, 120 users",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The table: one row per metric, the three models' means and the
	// p-values against the student.
	row := regexp.MustCompile(`(?m)^HR@10 +(0\.\d{4}) +(0\.\d{4}) +(0\.\d{4}) +[0-9.e-]+ +[0-9.e-]+ +[0-9.e-]+ +[0-9.e-]+$`)
	m := row.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no HR@10 row in the table")
	}
	if m[3] <= m[1] {
		t.Errorf("the teacher (HR@10 %s) does not beat the student alone (%s): the data has nothing to learn", m[3], m[1])
	}
}

// TestLoadPath loads files by path: the card, several files merged, the
// options of path loads, errors naming the file and line, and the degree
// distribution.
func TestLoadPath(t *testing.T) {
	sh, out := testShell(t, nil)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(sh.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The check-in files: "user item count", train and test.
	write("train.tsv", "7\t100\t3\n7\t101\t1\n8\t100\t2\n8\t101\t1\n9\t100\t1\n")
	write("test.tsv", "7\t102\t4\n8\t102\t2\n9\t102\t2\n9\t101\t5\n")
	got := mustExec(t, sh, out, "load path=train.tsv,test.tsv")
	for _, want := range []string{
		"train: 3 users, 3 items, 9 interactions, density 1.000000",
		"  interactions per user: min 3, 10% 3, 25% 3, median 3, 75% 3, 90% 3, max 3, mean 3.0",
		"  times: none",
		"  from train.tsv,test.tsv\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("load lacks %q:\n%s", want, got)
		}
	}
	got = mustExec(t, sh, out, "load path=train.tsv,test.tsv cols=user,item,weight min-rating=2 kcore=2 as=ci plot=deg.svg; show ci")
	for _, want := range []string{
		"ci: 2 users, 2 items, 4 interactions",
		"(cols=user,item,weight min-rating=2 kcore=2)",
		"wrote deg.svg (figure) and deg.csv: 1 degrees × 2 columns",
		"ci (data set): 2 users × 2 items, 4 interactions (current)",
		"files: train.tsv, test.tsv",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	for _, f := range []string{"deg.svg", "deg.csv"} {
		if _, err := os.Stat(filepath.Join(sh.dir, f)); err != nil {
			t.Error(err)
		}
	}
	got = mustExec(t, sh, out, "plot degrees train out=d.csv")
	if !strings.Contains(got, "train: fraction of users and items with at least d interactions") || !strings.Contains(got, "wrote d.csv: 1 degrees × 2 columns") {
		t.Errorf("plot degrees:\n%s", got)
	}
	write("bad.csv", "u,i,r\n1,2,5\n1,3,five\n")
	cases := []struct{ line, want string }{
		{"load path=bad.csv", "bad.csv line 3: rating \"five\" is not a finite number"},
		{"load path=nope.csv", "nope.csv: no such file"},
		{"load path=train.tsv cols=user,user", "cols=user,user: columns user,user: want exactly one user and one item column"},
		{"load path=train.tsv kcore=9", "the 9-core is empty"},
		{"load path=train.tsv raw=true", "raw= applies to registered data sets"},
		{"load tiny path=train.tsv", "give a registered data set or path=, not both"},
		{"load tiny kcore=3", "kcore= applies to files loaded by path"},
		{"load", "load what? want load <dataset>"},
		{"load path=train.tsv format=parquet", "format=parquet: want one of"},
	}
	for _, c := range cases {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
	// Numbers are times too: a file whose third column is a count read as
	// a time loads (the count is the time), as the mapping says.
	mustExec(t, sh, out, "load path=train.tsv cols=user,item,time as=timed")
	if msg := execErr(t, sh, "split llo of=train"); !strings.Contains(msg, "the data set has no times") {
		t.Errorf("llo without times: %s", msg)
	}
	if got := mustExec(t, sh, out, "split llo of=timed candidates=0 short=train-only as=l"); !strings.Contains(got, "l: llo short=train-only of timed") {
		t.Errorf("llo:\n%s", got)
	}
}

// TestSplitImportProtocol checks that an imported split states what it is:
// full ranking by default, leave-one-out only when it holds out one
// validation and one test item per user, and never candidates on a split
// that is not leave-one-out.
func TestSplitImportProtocol(t *testing.T) {
	sh, out := testShell(t, nil)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(sh.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var train, test, valid, test1 strings.Builder
	for u := 0; u < 20; u++ {
		for i := 0; i < 6; i++ {
			fmt.Fprintf(&train, "%d\t%d\n", u, (u+i)%40)
		}
		for i := 6; i < 9; i++ { // three test items per user
			fmt.Fprintf(&test, "%d\t%d\n", u, (u+i)%40)
		}
		fmt.Fprintf(&valid, "%d\t%d\n", u, (u+6)%40)
		fmt.Fprintf(&test1, "%d\t%d\n", u, (u+7)%40)
	}
	write("train.tsv", train.String())
	write("test.tsv", test.String())
	write("valid1.tsv", valid.String())
	write("test1.tsv", test1.String())

	got := mustExec(t, sh, out, "split import train=train.tsv test=test.tsv as=tt")
	if !strings.Contains(got, "protocol=full: 20 users × 28 items; train 120, valid 0, test 60 interactions\n") {
		t.Errorf("import:\n%s", got)
	}
	cases := []struct{ line, want string }{
		{"split import train=train.tsv test=test.tsv candidates=499", "candidates= is for protocol=loo"},
		{"split import train=train.tsv test=test.tsv protocol=loo", "is not a leave-one-out split: 20 of its 20 evaluated users do not have exactly one validation and one test item (user 0 has 0 and 3; 0 validation and 3 test items per user on average)"},
		{"train s bpr dim=4 epochs=1 split=tt", "split tt has no sampled candidates, which protocol=loo needs"},
	}
	for _, c := range cases {
		if msg := execErr(t, sh, c.line); !strings.Contains(msg, c.want) {
			t.Errorf("%s:\n got %s\nwant …%s…", c.line, msg, c.want)
		}
	}
	mustExec(t, sh, out, "train s bpr dim=4 epochs=1 split=tt protocol=full")
	got = mustExec(t, sh, out, "split import train=train.tsv valid=valid1.tsv test=test1.tsv protocol=loo candidates=10 as=l1")
	if !strings.Contains(got, "protocol=loo cand=10 cand-seed=0") || !strings.Contains(got, "10 candidates per user") {
		t.Errorf("loo import:\n%s", got)
	}
	mustExec(t, sh, out, "train s2 bpr dim=4 epochs=1 split=l1")

	// A split method of one's own that samples candidates on a split that
	// is not leave-one-out is refused by the protocol, not evaluated.
	reg := Default.Clone()
	reg.RegisterSplit("fake-loo", SplitSpec{
		Doc: "a ratio split with candidates, pretending",
		New: func(env SplitEnv, o Values) (*data.Split, error) {
			s, err := data.RatioSplit(env.X, env.Seed, 0.2, 0.2, data.RatioOptions{})
			if err != nil {
				return nil, err
			}
			return s, data.SampleCandidates(s, env.Seed, 5)
		},
	})
	sh2, out2 := testShell(t, reg)
	mustExec(t, sh2, out2, "load tiny; split fake-loo")
	if msg := execErr(t, sh2, "train s bpr dim=4 epochs=1"); !strings.Contains(msg, "protocol=loo on split fake-loo: split \"ratio 0.6/0.2/0.2 seed=0 cand=5 cand-seed=0\" is not a leave-one-out split") {
		t.Errorf("fake loo: %s", msg)
	}
	mustExec(t, sh2, out2, "train s bpr dim=4 epochs=1 protocol=full")
}
