package repl

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// evalSplit returns the split a model is evaluated on: the named one, else
// the model's, else the current one.
func (sh *Shell) evalSplit(me *ModelEntry, name string) (*SplitEntry, error) {
	var se *SplitEntry
	switch {
	case name != "":
		s, err := sh.ws.SplitByName(name)
		if err != nil {
			return nil, err
		}
		se = s
	case me.Split != nil:
		se = me.Split
	default:
		s, err := sh.currentSplit("")
		if err != nil {
			return nil, fmt.Errorf("%s has no split: %w", me.Name, err)
		}
		se = s
	}
	return se, checkShape(me.Name, me.M, se)
}

// evaluate returns the stored result of a model, computing and storing it
// when missing.
func (sh *Shell) evaluate(ctx context.Context, me *ModelEntry, se *SplitEntry, protocol, part string) (*eval.Result, error) {
	if r := me.eval(se, protocol, part); r != nil {
		return r, nil
	}
	if err := checkProtocol(se, protocol); err != nil {
		return nil, err
	}
	r, err := exp.Evaluate(ctx, me.M, se.S, exp.Protocol(protocol), part)
	if err != nil {
		return nil, err
	}
	me.setEval(se, r)
	return r, nil
}

func runEval(ctx context.Context, sh *Shell, c *Call) error {
	me, err := sh.ws.ModelByName(c.Args[0])
	if err != nil {
		return err
	}
	what := sh.protocol()
	if len(c.Args) > 1 {
		what = c.Args[1]
	}
	valid := []string{string(exp.LOO), string(exp.Full), "latency"}
	if !slices.Contains(valid, what) {
		return fmt.Errorf("unknown protocol %q%s; want one of %s", what, didYouMean(what, valid), strings.Join(valid, ", "))
	}
	if what == "latency" {
		n := min(c.Opts.Int("users"), me.M.NumUsers())
		d, err := eval.Latency(ctx, me.M, eval.SampleUsers(me.M.NumUsers(), n, sh.seed()))
		if err != nil {
			return err
		}
		sh.printf("%s: %.3f ms/user to score %d items (mean over %d users, one goroutine)%s\n",
			me.Name, float64(d)/float64(time.Millisecond), me.M.NumItems(), n, paramsNote(me.M))
		return nil
	}
	se, err := sh.evalSplit(me, c.Opts.String("split"))
	if err != nil {
		return err
	}
	part := c.Opts.String("part")
	if err := checkProtocol(se, what); err != nil {
		return err
	}
	r, err := exp.Evaluate(ctx, me.M, se.S, exp.Protocol(what), part)
	if err != nil {
		return err
	}
	me.setEval(se, r)
	sh.printf("%s on %s: %s\n", me.Name, se.Label(), r)
	return nil
}

// formatP formats a p-value.
func formatP(p float64) string {
	if p < 1e-4 {
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.4f", p)
}

func runCompare(ctx context.Context, sh *Shell, c *Call) error {
	var models []*ModelEntry
	for k, n := range c.Args {
		if slices.Contains(c.Args[:k], n) {
			return fmt.Errorf("%s is listed twice", n)
		}
		me, err := sh.ws.ModelByName(n)
		if err != nil {
			return err
		}
		models = append(models, me)
	}
	protocol, part := c.Opts.String("protocol"), c.Opts.String("part")
	var se *SplitEntry
	for _, me := range models {
		s, err := sh.evalSplit(me, c.Opts.String("split"))
		if err != nil {
			return err
		}
		if se != nil && s != se {
			return fmt.Errorf("%s is on split %s and %s on %s; pass split=<name> to evaluate all on one split",
				models[0].Name, se.Label(), me.Name, s.Label())
		}
		se = s
	}
	results := make([]*eval.Result, len(models))
	for k, me := range models {
		r, err := sh.evaluate(ctx, me, se, protocol, part)
		if err != nil {
			return fmt.Errorf("%s: %w", me.Name, err)
		}
		results[k] = r
	}
	metrics := results[0].Metrics
	if m := c.Opts.String("metrics"); m != "" {
		metrics = strings.Split(m, ",")
		for _, name := range metrics {
			if results[0].Index(name) < 0 {
				return fmt.Errorf("metrics: %q is not a %s metric%s; have %s", name, protocol,
					didYouMean(name, results[0].Metrics), strings.Join(results[0].Metrics, ", "))
			}
		}
	}
	names := c.Args
	if c.Opts.String("pairs") == "all" {
		if c.Opts.Given("baseline") {
			return fmt.Errorf("baseline= tests against one model, pairs=all tests every pair: give one of them")
		}
		return sh.comparePairs(names, se, protocol, part, results, metrics)
	}
	base := 0
	if b := c.Opts.String("baseline"); b != "" {
		if base = slices.Index(names, b); base < 0 {
			return fmt.Errorf("baseline=%s is not one of the compared models (%s)%s", b, strings.Join(names, ", "), didYouMean(b, names))
		}
	}
	ref := names[base]
	tb := &report.Table{
		Title: fmt.Sprintf("%s on split %s, %s/%s, %d users: means; p-values of two-sided paired t-test p(t) and Wilcoxon signed-rank p(W) against %s",
			strings.Join(names, " vs "), se.Label(), protocol, part, results[0].Len(), ref),
		Header: append([]string{"metric"}, names...),
	}
	for k, me := range models {
		if k != base {
			tb.Header = append(tb.Header, "p(t) "+me.Name, "p(W) "+me.Name)
		}
	}
	for _, metric := range metrics {
		row := []string{metric}
		for _, r := range results {
			row = append(row, report.Cell(r.Mean(metric)))
		}
		for k, r := range results {
			if k == base {
				continue
			}
			cmp, err := eval.Compare(results[base], r, metric)
			if err != nil {
				return err
			}
			row = append(row, formatP(cmp.T.P), formatP(cmp.Wilcoxon.P))
		}
		tb.Rows = append(tb.Rows, row)
	}
	sh.printTable(tb)
	return nil
}

// comparePairs prints compare's pairs=all: the means, then the p-values of
// both tests for every pair of models, one row per pair and test.
func (sh *Shell) comparePairs(names []string, se *SplitEntry, protocol, part string, results []*eval.Result, metrics []string) error {
	means := &report.Table{
		Title:  fmt.Sprintf("%s on split %s, %s/%s, %d users: means", strings.Join(names, " vs "), se.Label(), protocol, part, results[0].Len()),
		Header: append([]string{"metric"}, names...),
	}
	for _, metric := range metrics {
		row := []string{metric}
		for _, r := range results {
			row = append(row, report.Cell(r.Mean(metric)))
		}
		means.Rows = append(means.Rows, row)
	}
	pairs := &report.Table{
		Title:  fmt.Sprintf("every pair: p-values of the two-sided paired t-test p(t) and Wilcoxon signed-rank test p(W) over the %d users", results[0].Len()),
		Header: append([]string{"pair", "test"}, metrics...),
	}
	for a := range results {
		for b := a + 1; b < len(results); b++ {
			pt, pw := []string{names[a] + " vs " + names[b], "p(t)"}, []string{names[a] + " vs " + names[b], "p(W)"}
			for _, metric := range metrics {
				cmp, err := eval.Compare(results[a], results[b], metric)
				if err != nil {
					return err
				}
				pt, pw = append(pt, formatP(cmp.T.P)), append(pw, formatP(cmp.Wilcoxon.P))
			}
			pairs.Rows = append(pairs.Rows, pt, pw)
		}
	}
	sh.printTable(means)
	sh.printf("\n")
	sh.printTable(pairs)
	return nil
}
