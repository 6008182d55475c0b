package repl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete runs the completer's Do on line (cursor at the end) and returns
// the completed lines.
func complete(c *Completer, line string) []string {
	suffixes, n := c.Do([]rune(line), len([]rune(line)))
	typed := []rune(line)
	var out []string
	for _, s := range suffixes {
		out = append(out, string(typed[:len(typed)-n])+string(typed[len(typed)-n:])+string(s))
	}
	return out
}

func TestCompleter(t *testing.T) {
	sh, out := testShell(t, withTwoMethods())
	mustExec(t, sh, out, "load tiny; split loo candidates=20; train teacher bpr dim=4 epochs=1; train tiny-student bpr dim=2 epochs=1")
	os.WriteFile(filepath.Join(sh.dir, "teacher.ckpt"), nil, 0o644)
	os.Mkdir(filepath.Join(sh.dir, "figs"), 0o755)
	c := sh.Completer()
	cases := []struct {
		line string
		want []string // all of these must be among the completions
		not  []string // none of these
		only bool     // want is the whole list
	}{
		{line: "", want: []string{"load ", "train ", "load-model ", "help ", "exit "}},
		{line: "tr", want: []string{"train "}, only: true},
		{line: "lo", want: []string{"load ", "load-model "}, only: true},
		{line: "load cite", want: []string{"load citeulike-a ", "load citeulike-t "}, only: true},
		{line: "load citeulike-t ", want: []string{"load citeulike-t as=", "load citeulike-t raw=", "load citeulike-t dir="}},
		{line: "load citeulike-t raw=", want: []string{"load citeulike-t raw=true ", "load citeulike-t raw=false "}, only: true},
		{line: "split ", want: []string{"split loo ", "split ratio ", "split shipped ", "split import ", "split of=", "split seed="}},
		{line: "split loo sh", want: []string{"split loo short="}, only: true},
		{line: "split loo short=d", want: []string{"split loo short=drop "}, only: true},
		{line: "split loo of=", want: []string{"split loo of=tiny "}, only: true},
		{line: "train teacher ", want: []string{"train teacher bpr "}},
		{line: "train t", want: []string{"train teacher ", "train tiny-student "}, only: true},
		{line: "train s bpr d", want: []string{"train s bpr dim="}, only: true},
		{line: "train s bpr dim=8 ", want: []string{"train s bpr dim=8 epochs=", "train s bpr dim=8 kd=", "train s bpr dim=8 lambda.hint="},
			not: []string{"train s bpr dim=8 dim="}},
		{line: "train s bpr kd=", want: []string{"train s bpr kd=fitnet ", "train s bpr kd=hint "}, only: true},
		{line: "train s bpr kd=hint,", want: []string{"train s bpr kd=hint,fitnet "}, only: true},
		{line: "train s bpr lambda.", want: []string{"train s bpr lambda.fitnet=", "train s bpr lambda.hint="}, only: true},
		{line: "train s bpr bridge.hint=", want: []string{"train s bpr bridge.hint=mlp ", "train s bpr bridge.hint=linear "}, only: true},
		{line: "train s bpr teacher=t", want: []string{"train s bpr teacher=teacher ", "train s bpr teacher=tiny-student "}, only: true},
		{line: "train s bpr protocol=", want: []string{"train s bpr protocol=loo ", "train s bpr protocol=full "}, only: true},
		{line: "train s bpr split=", want: []string{"train s bpr split=loo "}, only: true},
		{line: "eval ", want: []string{"eval teacher ", "eval tiny-student ", "eval part="}},
		{line: "eval teacher f", want: []string{"eval teacher full "}, only: true},
		{line: "eval teacher l", want: []string{"eval teacher loo ", "eval teacher latency "}, only: true},
		{line: "compare teacher ", want: []string{"compare teacher tiny-student "}},
		{line: "compare teacher tiny-student ", want: []string{"compare teacher tiny-student metrics="}, not: []string{"compare teacher tiny-student teacher "}},
		{line: "plot ", want: []string{"plot curves ", "plot degrees ", "plot loss "}, only: true},
		{line: "plot curves teacher ", want: []string{"plot curves teacher tiny-student ", "plot curves teacher out="},
			not: []string{"plot curves teacher teacher "}},
		{line: "plot curves teacher out=f", want: []string{"plot curves teacher out=figs/"}, only: true},
		{line: "export ", want: []string{"export results ", "export history ", "export table ", "export embeddings "}, only: true},
		{line: "import ", want: []string{"import embeddings "}, only: true},
		{line: "import embeddings t2 x.npy sc", want: []string{"import embeddings t2 x.npy score="}, only: true},
		{line: "export history ", want: []string{"export history teacher "}},
		{line: "save teacher te", want: []string{"save teacher teacher.ckpt "}, only: true},
		{line: "load-model t2 ", want: []string{"load-model t2 teacher.ckpt ", "load-model t2 figs/"}},
		{line: "set ", want: []string{"set seed=", "set quiet=", "set progress=", "set protocol=", "set width="}, only: true},
		{line: "set progress=", want: []string{"set progress=auto ", "set progress=bar ", "set progress=lines "}, only: true},
		{line: "show ", want: []string{"show teacher ", "show tiny ", "show loo ", "show models "}},
		{line: "list ", want: []string{"list datasets ", "list methods "}},
		{line: "help ", want: []string{"help train ", "help plot "}},
		{line: "help export ", want: []string{"help export results "}},
		{line: "drop ", want: []string{"drop teacher ", "drop tiny "}},
		{line: "load tiny; tr", want: []string{"load tiny; train "}, only: true},
		{line: "load tiny;tr", want: []string{"load tiny;train "}, only: true},
		{line: `load "cit`, only: true},
		{line: "load x # comment", only: true},
		{line: "nosuch ", only: true},
		{line: "train s nosuchkind ", want: []string{"train s nosuchkind epochs="}},
		{line: "train s bpr nosuch=", only: true},
	}
	for _, tc := range cases {
		got := complete(c, tc.line)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: no %q among %q", tc.line, w, got)
			}
		}
		for _, w := range tc.not {
			if slices.Contains(got, w) {
				t.Errorf("%q: unexpected %q", tc.line, w)
			}
		}
		if tc.only && len(got) != len(tc.want) {
			t.Errorf("%q: got %q, want exactly %q", tc.line, got, tc.want)
		}
	}
}

// TestCompleterMiddleOfLine completes at a cursor before the end.
func TestCompleterMiddleOfLine(t *testing.T) {
	sh, _ := testShell(t, nil)
	line := []rune("tr teacher bpr")
	got, n := sh.Completer().Do(line, 2)
	if n != 2 || len(got) != 1 || string(got[0]) != "ain " {
		t.Errorf("Do at 2: %q, %d", got, n)
	}
	if got, _ := sh.Completer().Do(line, 99); got != nil {
		t.Errorf("Do past the end: %q", got)
	}
}

// TestCompleterNoMethods checks that distillation options are not offered
// while no method is registered.
func TestCompleterNoMethods(t *testing.T) {
	sh, _ := testShell(t, withoutMethods())
	for _, s := range complete(sh.Completer(), "train s bpr ") {
		if strings.Contains(s, "kd=") || strings.Contains(s, "lambda") {
			t.Errorf("offered %q with no methods registered", s)
		}
	}
}
