package nbkit

// A chapter's claims: the claims table (ShowClaims) and the generated part
// of its discussion (FindingsText): what the ledger reproduces, where it
// differs from the dissertation and why, and which runs the open claims
// wait for. Every number in them comes from the ledger, so the written
// discussion around them states none by hand.

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// Sweep returns the sweep called name of the notebook's ledger (OpenLedger,
// Ledger.Sweep), restricted to rows when any are given (Recorded.Rows). It
// panics on an error, which shows as a failed cell: the one call a cell
// needs to name what it draws.
func Sweep(name string, rows ...string) *Recorded {
	sw := Must(Must(OpenLedger()).Sweep(name))
	return Must(sw.Rows(rows...))
}

// Claims displays the claims of the notebook's ledger that match patterns
// (Ledger.ShowClaims).
func Claims(patterns ...string) error {
	l, err := OpenLedger()
	if err != nil {
		return err
	}
	return l.ShowClaims(patterns...)
}

// Findings displays the generated part of a chapter's discussion for the
// claims that match patterns (Ledger.ShowFindings).
func Findings(patterns ...string) error {
	l, err := OpenLedger()
	if err != nil {
		return err
	}
	return l.ShowFindings(patterns...)
}

// claims returns the claims of the ledger's claims file (claims.json) that
// match any of patterns — a claim matches when the pattern matches its
// sweep or its id (path.Match: "derrd-protocol", "de-*") — evaluated
// against the ledger. ok is false when there is no claims file to read.
func (l *Ledger) claims(patterns ...string) (res []exp.ClaimResult, ok bool, err error) {
	if l.src == nil {
		return nil, false, nil
	}
	cs, err := exp.LoadClaims(filepath.Join(l.src.Dir(), "claims.json"))
	if err != nil {
		return nil, false, err
	}
	var sel []exp.Claim
	for _, c := range cs {
		for _, p := range patterns {
			ms, err := path.Match(p, c.Sweep)
			if err != nil {
				return nil, false, fmt.Errorf("claims: pattern %q: %w", p, err)
			}
			mi, _ := path.Match(p, c.ID)
			if ms || mi {
				sel = append(sel, c)
				break
			}
		}
	}
	if len(sel) == 0 {
		return nil, true, nil
	}
	res, err = exp.EvaluateClaims(l.Ledger, sel)
	return res, true, err
}

// ShowClaims evaluates the claims of the ledger's claims file (claims.json)
// that match any of patterns — a claim matches when the pattern matches its
// sweep or its id (path.Match: "derrd-protocol", "de-*") — and displays
// them with their verdicts and evidence.
//
// When the notebook trains, the claims are evaluated against the runs it
// trained (at reduced scale a check of the code path, not a verdict).
func (l *Ledger) ShowClaims(patterns ...string) error {
	res, ok, err := l.claims(patterns...)
	if err != nil {
		return err
	}
	what := strings.Join(patterns, ", ")
	switch {
	case !ok:
		showMarkdown(fmt.Sprintf("_No claims: there is no results ledger in %s (set %s)._\n", LedgerDir(), EnvLedger))
		return nil
	case len(res) == 0:
		showMarkdown(fmt.Sprintf("_The claims file has no claim matching %s._\n", what))
		return nil
	}
	tb := exp.ClaimsTable(res)
	n := exp.CountVerdicts(res)
	tb.Title = "Claims (results/claims.json) evaluated against the ledger: " + what
	switch {
	case Quick():
		tb.Title = "Claims (results/claims.json) evaluated against the runs this notebook trained at reduced scale (KDREC_QUICK=1: not a verdict): " + what
	case Retrain():
		tb.Title = "Claims (results/claims.json) evaluated against the runs this notebook trained (KDREC_RETRAIN=1): " + what
	}
	tb.Notes = append(tb.Notes, fmt.Sprintf("%d claims: %d hold, %d fail, %d without evidence yet, %d cannot run here.",
		len(res), n[exp.Holds], n[exp.Fails], n[exp.NoEvidence], n[exp.CannotRun]))
	if report.InNotebook() {
		report.DisplayTable(tb)
		return nil
	}
	if err := exp.WriteClaimsText(os.Stdout, res, 100); err != nil {
		return err
	}
	_, err = fmt.Println(tb.Notes[len(tb.Notes)-1])
	return err
}

// ShowFindings displays FindingsText (printed outside a notebook).
func (l *Ledger) ShowFindings(patterns ...string) error {
	md, err := l.FindingsText(patterns...)
	if err != nil {
		return err
	}
	showMarkdown(md)
	return nil
}

// FindingsText is the generated part of a chapter's discussion, in
// Markdown, for the claims matching patterns (as ShowClaims): how many
// hold, fail, wait for runs or cannot be checked; each claim that holds
// and each that fails with its numbers from the ledger (the row's and the
// baseline's means over seeds, their difference, the paired tests' p
// per seed, or the authors' value and the tolerance) and, for a failure,
// the analysis the claims file gives; the claims still open, grouped by
// sweep, with the rows and seeds they wait for and the command that
// records them; and the claims that cannot be checked here, with why.
func (l *Ledger) FindingsText(patterns ...string) (string, error) {
	res, ok, err := l.claims(patterns...)
	if err != nil {
		return "", err
	}
	if !ok || len(res) == 0 {
		return fmt.Sprintf("_No claims matching %s to discuss._\n", strings.Join(patterns, ", ")), nil
	}
	n := exp.CountVerdicts(res)
	var b strings.Builder
	b.WriteString("**What the ledger decides.** ")
	switch {
	case Quick():
		b.WriteString("These verdicts are on the runs this notebook trained at reduced scale (KDREC_QUICK=1): a check of the code path, not of the dissertation. ")
	case Retrain():
		b.WriteString("These verdicts are on the runs this notebook trained (KDREC_RETRAIN=1). ")
	}
	fmt.Fprintf(&b, "Of the chapter's %d claims (the table above), %d %s, %d %s, %d %s for runs and %d cannot be checked here.\n",
		len(res), n[exp.Holds], plural(n[exp.Holds], "holds", "hold"), n[exp.Fails], plural(n[exp.Fails], "fails", "fail"),
		n[exp.NoEvidence], plural(n[exp.NoEvidence], "waits", "wait"), n[exp.CannotRun])
	section := func(title string, verdict string) {
		var lines []string
		for _, r := range res {
			if r.Verdict != verdict {
				continue
			}
			line := "- " + claimText(r) + ": " + claimNumbers(r)
			if verdict == exp.Fails && r.Claim.Reason != "" {
				why := strings.TrimSpace(r.Claim.Reason)
				for _, p := range []string{"analysis:", "Analysis:"} {
					why = strings.TrimSpace(strings.TrimPrefix(why, p))
				}
				line += " Why: " + strings.TrimSuffix(why, ".") + "."
			}
			lines = append(lines, line)
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n*%s*\n\n%s\n", title, strings.Join(lines, "\n"))
		}
	}
	section("Reproduced:", exp.Holds)
	section("Where the reproduction differs from the dissertation:", exp.Fails)
	if open := l.openClaims(res); len(open) > 0 {
		fmt.Fprintf(&b, "\n*Still open — the runs they wait for, and what those runs will decide:*\n\n%s\n", strings.Join(open, "\n"))
	}
	var cannot []string
	for _, r := range res {
		if r.Verdict == exp.CannotRun {
			cannot = append(cannot, "- "+claimText(r)+": "+strings.TrimSuffix(r.Evidence, ".")+".")
		}
	}
	if len(cannot) > 0 {
		fmt.Fprintf(&b, "\n*Not checkable here:*\n\n%s\n", strings.Join(cannot, "\n"))
	}
	return b.String(), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// claimText is the claim as the dissertation makes it, or its id.
func claimText(r exp.ClaimResult) string {
	if t := strings.TrimSpace(r.Claim.Text); t != "" {
		return t
	}
	return r.Claim.ID
}

// claimNumbers states the numbers behind a verdict, from the evaluated
// claim: the row's mean over seeds against the baseline's (or the
// authors' value), the difference and the tolerance or the paired tests.
func claimNumbers(r exp.ClaimResult) string {
	c := r.Claim
	if r.N == 0 {
		return strings.TrimSuffix(r.Evidence, ".") + "."
	}
	if c.Kind == exp.ClaimValue {
		return fmt.Sprintf("%s %s %.4f over %s against the authors' %.4f, a difference of %+.4f (tolerance %.3g).",
			c.Row, c.Metric, r.Mean, seeds(r.N), c.Value, r.Mean-c.Value, c.Tol)
	}
	if r.BaselineN == 0 {
		return strings.TrimSuffix(r.Evidence, ".") + "."
	}
	out := fmt.Sprintf("%s %s %.4f (%s) against %s %.4f (%s), a difference of %+.4f",
		c.Row, c.Metric, r.Mean, seeds(r.N), c.Baseline, r.BaselineMean, seeds(r.BaselineN), r.Mean-r.BaselineMean)
	if c.BaselineMetric != "" || c.BaselineSweep != "" {
		// The baseline is another quantity of the row, or the row in
		// another sweep: name both sides in full.
		bm, bs := c.Metric, c.Sweep
		if c.BaselineMetric != "" {
			bm = c.BaselineMetric
		}
		if c.BaselineSweep != "" {
			bs = c.BaselineSweep
		}
		out = fmt.Sprintf("%s in %s, %s %.4f (%s), against %s in %s, %s %.4f (%s): a difference of %+.4f, compared as means over the seeds",
			c.Row, c.Sweep, c.Metric, r.Mean, seeds(r.N), c.Baseline, bs, bm, r.BaselineMean, seeds(r.BaselineN), r.Mean-r.BaselineMean)
	}
	switch {
	case len(r.PerSeed) > 0:
		var ps []string
		for _, st := range r.PerSeed {
			ps = append(ps, fmt.Sprintf("%.2g", st.T.P))
		}
		out += fmt.Sprintf("; paired t-test over users in each seed: p = %s", strings.Join(ps, ", "))
	case c.Tol > 0:
		out += fmt.Sprintf(" (tolerance %.3g)", c.Tol)
	}
	return out + "."
}

func seeds(n int) string {
	if n == 1 {
		return "one seed"
	}
	return fmt.Sprintf("n = %d seeds", n)
}

// openClaims lists the claims without evidence, grouped by the sweep whose
// runs they wait for: the rows and seeds missing, the command that
// records them and the claims they will decide. A claim whose rows are all
// recorded (it lacks seeds or tests the records cannot give) or whose
// sweep or rows cannot be resolved is listed with its evidence.
func (l *Ledger) openClaims(res []exp.ClaimResult) []string {
	type group struct {
		sw     *Recorded
		rows   []string
		claims []string
	}
	var order []string
	groups := map[string]*group{}
	sweeps, errs := map[string]*Recorded{}, map[string]error{} // each sweep read once
	var out []string
	for _, r := range res {
		if r.Verdict != exp.NoEvidence {
			continue
		}
		c := r.Claim
		// The rows the claim reads, per sweep: its own sweep's, and the
		// baseline in the baseline sweep when it names one.
		type part struct {
			sweep string
			rows  []string
		}
		parts := []part{{sweep: c.Sweep}}
		names := append([]string{c.Row, c.Baseline}, c.Others...)
		if c.BaselineSweep != "" && c.BaselineSweep != c.Sweep {
			names = append([]string{c.Row}, c.Others...)
			parts = append(parts, part{sweep: c.BaselineSweep, rows: []string{c.Baseline}})
		}
		for _, x := range names {
			if x != "" && !slices.Contains(parts[0].rows, x) {
				parts[0].rows = append(parts[0].rows, x)
			}
		}
		waiting := false
		for _, pt := range parts {
			sw, err := sweeps[pt.sweep], errs[pt.sweep]
			if sw == nil && err == nil {
				sw, err = l.Sweep(pt.sweep)
				sweeps[pt.sweep], errs[pt.sweep] = sw, err
			}
			var miss []string
			if err == nil && len(pt.rows) > 0 {
				if sel, err := sw.Rows(pt.rows...); err == nil {
					miss = sel.MissingRows()
				}
			}
			if len(miss) == 0 {
				continue
			}
			waiting = true
			g, ok := groups[pt.sweep]
			if !ok {
				g = &group{sw: sw}
				groups[pt.sweep] = g
				order = append(order, pt.sweep)
			}
			for _, m := range miss {
				if !slices.Contains(g.rows, m) {
					g.rows = append(g.rows, m)
				}
			}
			g.claims = append(g.claims, claimText(r))
		}
		if !waiting {
			out = append(out, "- "+claimText(r)+": "+strings.TrimSuffix(r.Evidence, ".")+".")
		}
	}
	var grouped []string
	for _, name := range order {
		g := groups[name]
		grouped = append(grouped, fmt.Sprintf("- `%s` lacks %s; `%s` records them. They decide: %s.",
			name, strings.Join(g.rows, "; "), g.sw.RunCommand(), strings.Join(g.claims, "; ")))
	}
	return append(grouped, out...)
}
