package exp

// Generated blocks of Markdown documents. A block starts with a marker
// comment naming what to generate and ends with <!-- /ledger -->:
//
//	<!-- ledger:table derrd-protocol metrics=HR@5,NDCG@5 baseline=Student source=best -->
//	…generated…
//	<!-- /ledger -->
//
// Kinds: "table <sweep> [metrics=…] [baseline=…] [source=best|final]" (the
// sweep's table over seeds, with paired tests against the baseline and what
// is still missing), "claims [sweep=<sweep>]" (the claims table, all claims
// or those of one sweep), "claim <id> [<id> …]" (the named claims as a
// list, verdict and evidence, for a page that discusses a few claims
// without the whole table), "runs <sweep>" (each recorded run: seed, epochs,
// code revision, machine load and wall time), "inference <sweep>" (the
// inference time and parameters of the sweep's models, InferenceTable),
// "cost <sweep>" (CostTable: each recorded run's time per epoch, setup,
// evaluation time and peak memory), "hours <sweep> [<sweep> …]"
// (HoursTable: the hours each sweep's recorded runs took and an estimate
// of the hours to go), "splits <sweep> <sweep> [metrics=…]" (SplitsTable:
// the authors' logs, registered as the value claims about the second
// sweep, their split, against the mean ± sd over that sweep's seeds and
// over the random splits of the first, with the differences in units of
// the split-to-split sd), "growth <sweep> [compare=<sweep>]"
// (GrowthTable: the exponents of each row's costs in users, items and
// interactions, and the predicted epoch time and peak memory at larger
// sizes next to the costs measured in the compared sweep), "ab [all]"
// (ABTable: the newest A/B measurement against the authors' code in the
// ledger's ab/ folder, or every one, newest first). GenerateDoc rewrites every
// block from the ledger; `kdsweep report --check` fails when a document
// differs from what the ledger produces.

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	blockStart = regexp.MustCompile(`(?m)^<!-- ledger:([a-z]+)((?: [^ >]+)*) -->\n`)
	blockEnd   = "<!-- /ledger -->"
)

// GenerateDoc returns doc with every generated block rewritten from the
// ledger and the evaluated claims.
func GenerateDoc(doc []byte, l *Ledger, claims []ClaimResult) ([]byte, error) {
	var out bytes.Buffer
	rest := doc
	for {
		loc := blockStart.FindSubmatchIndex(rest)
		if loc == nil {
			out.Write(rest)
			return out.Bytes(), nil
		}
		out.Write(rest[:loc[1]])
		kind := string(rest[loc[2]:loc[3]])
		args := strings.Fields(string(rest[loc[4]:loc[5]]))
		after := rest[loc[1]:]
		end := bytes.Index(after, []byte(blockEnd))
		if next := blockStart.FindIndex(after); end < 0 || (next != nil && next[0] < end) {
			return nil, fmt.Errorf("generated block %q (line %d) has no %s before the next block", kind, lineOf(doc, len(doc)-len(rest)+loc[0]), blockEnd)
		}
		body, err := generateBlock(kind, args, l, claims)
		if err != nil {
			return nil, fmt.Errorf("generated block %s %s (line %d): %w", kind, strings.Join(args, " "), lineOf(doc, len(doc)-len(rest)+loc[0]), err)
		}
		out.WriteString(body)
		rest = after[end:]
	}
}

func lineOf(b []byte, off int) int { return 1 + bytes.Count(b[:off], []byte("\n")) }

// StripGenerated returns doc without the contents of its generated blocks
// (the markers stay), for checks of the hand-written text.
func StripGenerated(doc []byte) []byte {
	var out bytes.Buffer
	rest := doc
	for {
		loc := blockStart.FindIndex(rest)
		if loc == nil {
			out.Write(rest)
			return out.Bytes()
		}
		out.Write(rest[:loc[1]])
		after := rest[loc[1]:]
		end := bytes.Index(after, []byte(blockEnd))
		if end < 0 {
			out.Write(after)
			return out.Bytes()
		}
		rest = after[end:]
	}
}

func generateBlock(kind string, args []string, l *Ledger, claims []ClaimResult) (string, error) {
	opts := map[string]string{}
	var pos []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			opts[k] = v
		} else {
			pos = append(pos, a)
		}
	}
	switch kind {
	case "table":
		if len(pos) != 1 {
			return "", fmt.Errorf("want one sweep")
		}
		sr, err := l.Sweep(pos[0])
		if errors.Is(err, ErrNotRecorded) {
			return notRecorded(pos[0]), nil
		}
		if err != nil {
			return "", err
		}
		o := TableOptions{Baseline: opts["baseline"], Source: opts["source"]}
		if m := opts["metrics"]; m != "" {
			o.Metrics = strings.Split(m, ",")
		}
		base := o.Baseline
		if base == "" && sr.Spec != nil {
			base = sr.Spec.Report.Baseline
		}
		if base != "" && !hasRecordedLabel(sr, base) {
			o.Baseline = NoBaseline // no tests until the baseline has a record
		}
		s, err := Aggregate(sr, o)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		recorded := len(sr.Entries) - s.Missing
		if recorded == 0 {
			fmt.Fprintf(&b, "_No run of sweep %s is recorded yet (0 of %d): `kdsweep run --ledger results %s`._\n", sr.Sweep, len(sr.Entries), pos[0])
			return b.String(), nil
		}
		b.WriteString(s.Markdown())
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteString("\n")
		}
		if s.Missing > 0 {
			fmt.Fprintf(&b, "\n_%d of %d runs of %s are recorded; %d still to run (`kdsweep status --ledger results %s`)._\n",
				recorded, len(sr.Entries), sr.Sweep, s.Missing, pos[0])
		}
		return b.String(), nil
	case "claims":
		var sel []ClaimResult
		for _, c := range claims {
			if sw := opts["sweep"]; sw == "" || c.Claim.Sweep == sw {
				sel = append(sel, c)
			}
		}
		if len(sel) == 0 {
			return "_No claims._\n", nil
		}
		n := CountVerdicts(sel)
		var b strings.Builder
		b.WriteString(ClaimsTable(sel).Markdown())
		fmt.Fprintf(&b, "\n%d claims: %d hold, %d fail, %d without evidence yet, %d cannot run here.\n",
			len(sel), n[Holds], n[Fails], n[NoEvidence], n[CannotRun])
		return b.String(), nil
	case "claim":
		if len(pos) == 0 || len(opts) > 0 {
			return "", fmt.Errorf("want one or more claim ids")
		}
		byID := map[string]ClaimResult{}
		for _, c := range claims {
			byID[c.Claim.ID] = c
		}
		var b strings.Builder
		for _, id := range pos {
			c, ok := byID[id]
			if !ok {
				return "", fmt.Errorf("no claim %q in the claims file", id)
			}
			b.WriteString(ClaimLine(c))
			b.WriteString("\n")
		}
		return b.String(), nil
	case "inference":
		sr, note, err := oneSweep(l, pos, len(opts) == 0)
		if sr == nil {
			return note, err
		}
		t, err := InferenceTable(sr)
		if errors.Is(err, ErrNotRecorded) {
			return fmt.Sprintf("_No record of %s holds its inference time yet (`kdsweep run --ledger results %s`)._\n", sr.Sweep, pos[0]), nil
		}
		if err != nil {
			return "", err
		}
		return t.Markdown(), nil
	case "runs":
		sr, note, err := oneSweep(l, pos, true)
		if sr == nil {
			return note, err
		}
		return RunsTable(sr).Markdown(), nil
	case "cost":
		sr, note, err := oneSweep(l, pos, len(opts) == 0)
		if sr == nil {
			return note, err
		}
		return CostTable(sr).Markdown(), nil
	case "hours":
		if len(pos) == 0 || len(opts) > 0 {
			return "", fmt.Errorf("want one or more sweeps")
		}
		srs := make([]*SweepResults, len(pos))
		for k, name := range pos {
			sr, err := l.Sweep(name)
			if err != nil && !errors.Is(err, ErrNotRecorded) {
				return "", err
			}
			srs[k] = sr
		}
		return HoursTable(pos, srs).Markdown(), nil
	case "splits":
		return splitsBlock(pos, opts, l, claims)
	case "growth":
		return growthBlock(pos, opts, l)
	case "ab":
		return abBlock(l, pos, opts)
	}
	return "", fmt.Errorf("unknown block kind %q (want table, claims, claim, runs, inference, cost, hours, splits, growth or ab)", kind)
}

// oneSweep reads the one sweep a block names (pos[0]; ok false when the
// block carries options it does not take). It returns the sweep, or nil
// with the block's text when the sweep is not in the ledger yet, or nil
// with the error.
func oneSweep(l *Ledger, pos []string, ok bool) (*SweepResults, string, error) {
	if len(pos) != 1 || !ok {
		return nil, "", fmt.Errorf("want one sweep")
	}
	sr, err := l.Sweep(pos[0])
	if errors.Is(err, ErrNotRecorded) {
		return nil, notRecorded(pos[0]), nil
	}
	if err != nil {
		return nil, "", err
	}
	return sr, "", nil
}

// ClaimLine is one claim as a Markdown list item: its text, source,
// verdict and evidence, and the analysis of a claim that fails.
func ClaimLine(c ClaimResult) string {
	text := c.Claim.Text
	if text == "" {
		text = c.Claim.ID
	}
	where := fmt.Sprintf("claim `%s`", c.Claim.ID)
	if c.Claim.Source != "" {
		where = c.Claim.Source + "; " + where
	}
	line := fmt.Sprintf("- **%s** (%s): **%s**", text, where, c.Verdict)
	if c.Evidence != "" {
		line += " — " + c.Evidence
	}
	if c.Verdict == Fails && c.Claim.Reason != "" {
		line += "; " + c.Claim.Reason
	}
	return line
}

// notRecorded is the block of a sweep the ledger does not hold yet.
func notRecorded(sweep string) string {
	return fmt.Sprintf("_Not recorded yet: no run of %s is in the ledger (`kdsweep run --ledger results <spec>`; `kdsweep status --ledger results <spec>` lists what is missing)._\n", sweep)
}

// splitsBlock renders a "splits" block: two sweeps, the random splits'
// and the authors' split's, and optionally metrics=…; the logs are the
// value claims about the second sweep (LogValues).
func splitsBlock(pos []string, opts map[string]string, l *Ledger, claims []ClaimResult) (string, error) {
	if len(pos) != 2 {
		return "", fmt.Errorf("want two sweeps, the random splits' and the authors' split's (got %d)", len(pos))
	}
	var metrics []string
	for k, v := range opts {
		if k != "metrics" {
			return "", fmt.Errorf("unknown option %q (want metrics=…)", k)
		}
		metrics = strings.Split(v, ",")
	}
	var srs [2]*SweepResults
	var args [2]string
	for k, name := range pos {
		sr, arg, err := ledgerSweep(l, name)
		if err != nil {
			return "", err
		}
		srs[k], args[k] = sr, arg
	}
	cs := make([]Claim, len(claims))
	for k := range claims {
		cs[k] = claims[k].Claim
	}
	logs, err := LogValues(cs, pos[1])
	if err != nil {
		return "", err
	}
	if len(logs) == 0 {
		return "", fmt.Errorf("no value claim is about sweep %s: the second sweep is the authors' split, whose value claims hold their logs", pos[1])
	}
	t, err := SplitsTable(srs[0], srs[1], args, logs, metrics)
	if err != nil {
		return "", err
	}
	return t.Markdown(), nil
}

// growthBlock renders a "growth" block: one sweep, and optionally
// compare=<sweep>, whose measured costs go next to the predictions.
func growthBlock(pos []string, opts map[string]string, l *Ledger) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("want one sweep (got %d)", len(pos))
	}
	for k := range opts {
		if k != "compare" {
			return "", fmt.Errorf("unknown option %q (want compare=<sweep>)", k)
		}
	}
	sr, err := l.Sweep(pos[0])
	if errors.Is(err, ErrNotRecorded) {
		return notRecorded(pos[0]), nil
	}
	if err != nil {
		return "", err
	}
	if len(sr.Missing()) == len(sr.Entries) {
		return fmt.Sprintf("_No run of sweep %s is recorded yet (0 of %d): `kdsweep run --ledger results %s`._\n", sr.Sweep, len(sr.Entries), pos[0]), nil
	}
	var compare *SweepResults
	if c := opts["compare"]; c != "" {
		// A sweep not recorded yet compares with nothing but keeps its
		// name in the notes; a name that is neither recorded nor a spec
		// (a typo) is an error rather than a silent "none given".
		if compare, _, err = ledgerSweep(l, c); err != nil {
			return "", fmt.Errorf("compare=%s: %w", c, err)
		}
	}
	tabs := GrowthTable(sr, compare)
	if len(tabs[0].Rows) == 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "_No growth fit from the records of %s yet._\n", sr.Sweep)
		for _, n := range tabs[0].Notes {
			fmt.Fprintf(&b, "\n_%s_\n", n)
		}
		return b.String(), nil
	}
	var b strings.Builder
	for k, t := range tabs {
		if k > 0 {
			b.WriteString("\n")
		}
		b.WriteString(t.Markdown())
	}
	return b.String(), nil
}
