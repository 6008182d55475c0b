package main

// The ledger commands: status (what a spec still lacks in the ledger),
// record (import a sweep's stored runs into the ledger), claims (the
// claims table) and report (regenerate, or check, the documents' generated
// blocks).

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
)

// Defaults of the ledger commands, relative to the repository root.
const defaultClaims = "results/claims.json"

func ledgerFlag(fs *flag.FlagSet) *string {
	return fs.String("ledger", exp.DefaultLedger, "results ledger directory")
}

func cmdStatus(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	dir := ledgerFlag(fs)
	budget := budgetFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{fmt.Errorf("want one spec file or built-in name")}
	}
	// A spec of the ledger's own (results/specs/<name>.json) is named by
	// its name too, as the generated blocks of the documents name it.
	arg := pos[0]
	if own := filepath.Join(*dir, "specs", arg+".json"); !fileExists(arg) && exp.CheckName(arg) == nil && fileExists(own) {
		arg = own
	}
	spec, err := loadSpec(arg, budget())
	if err != nil {
		return err
	}
	l, err := exp.OpenLedgerExisting(*dir)
	if err != nil {
		return err
	}
	runs, err := spec.Expand()
	if err != nil {
		return err
	}
	missing := 0
	for _, r := range runs {
		if !l.Has(r.ID) {
			missing++
			fmt.Fprintf(stdout, "%4d %s %s\n", r.Index, r.ID, r.Name())
		}
	}
	fmt.Fprintf(stdout, "sweep %s: %d of %d runs recorded in %s, %d to run\n", spec.SweepKey(), len(runs)-missing, len(runs), *dir, missing)
	return nil
}

func cmdRecord(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	dir := ledgerFlag(fs)
	out := fs.String("out", "kdsweep-out", "output directory of the sweep whose stored runs are recorded")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{fmt.Errorf("record takes no positional arguments")}
	}
	l, err := exp.OpenLedger(*dir)
	if err != nil {
		return err
	}
	ms, err := exp.LoadManifests(*out)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return fmt.Errorf("%s holds no sweep manifests", *out)
	}
	rs, err := exp.LoadResults(*out)
	if err != nil {
		return err
	}
	added := 0
	for _, m := range ms {
		if err := l.AddManifest(m); err != nil {
			return err
		}
	}
	for _, rec := range rs.Records {
		ok, err := l.Add(rec)
		if err != nil {
			return err
		}
		if ok {
			added++
		}
	}
	fmt.Fprintf(stdout, "recorded %d new runs of %d stored in %s into %s\n", added, len(rs.Records), *out, *dir)
	return nil
}

func cmdClaims(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("claims", flag.ContinueOnError)
	dir := ledgerFlag(fs)
	file := fs.String("claims", defaultClaims, "claims file")
	sweep := fs.String("sweep", "", "judge the claims the spec of this recorded sweep carries (a template's instance) instead of the claims file")
	format := fs.String("format", "text", "text or md")
	width := fs.Int("width", 100, "text: wrap lines at this many columns")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{fmt.Errorf("claims takes no positional arguments")}
	}
	var res []exp.ClaimResult
	var t *report.Table
	if *sweep != "" {
		given := false
		fs.Visit(func(f *flag.Flag) { given = given || f.Name == "claims" })
		if given {
			return usageError{fmt.Errorf("give --claims or --sweep, not both")}
		}
		if res, err = sweepClaims(*dir, *sweep); err != nil {
			return err
		}
		t = exp.ClaimsTestTable(res)
	} else {
		if res, err = evaluateClaims(*dir, *file); err != nil {
			return err
		}
		t = exp.ClaimsTable(res)
	}
	switch {
	case *format == "md":
		fmt.Fprint(stdout, t.Markdown())
	case *format == "text" && *sweep != "":
		// A template's claims: the compact table with per-seed p-values.
		if err := t.WriteTextWidth(stdout, *width); err != nil {
			return err
		}
	case *format == "text":
		if err := exp.WriteClaimsText(stdout, res, *width); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	default:
		return usageError{fmt.Errorf("--format %q: want text or md", *format)}
	}
	n := exp.CountVerdicts(res)
	fmt.Fprintf(stdout, "%d claims: %d hold, %d fail, %d without evidence yet, %d cannot run here\n",
		len(res), n[exp.Holds], n[exp.Fails], n[exp.NoEvidence], n[exp.CannotRun])
	if *sweep != "" {
		return nil // claims of one's own data: a failure is a finding, not a reproduction gap to explain
	}
	return exp.CheckExplained(res, *file)
}

// sweepClaims judges the claims that the spec of a recorded sweep carries
// (Spec.Claims: those a template generated for its instance).
func sweepClaims(dir, key string) ([]exp.ClaimResult, error) {
	l, err := exp.OpenLedgerExisting(dir)
	if err != nil {
		return nil, err
	}
	sr, err := l.Sweep(key)
	if err != nil {
		return nil, err
	}
	if sr.Spec == nil || len(sr.Spec.Claims) == 0 {
		return nil, fmt.Errorf("sweep %s carries no claims (the claims of the dissertation's tables are in %s: --claims)", sr.Sweep, defaultClaims)
	}
	return exp.EvaluateClaims(l, sr.Spec.SweepClaims())
}

func evaluateClaims(dir, file string) ([]exp.ClaimResult, error) {
	l, err := exp.OpenLedgerExisting(dir)
	if err != nil {
		return nil, err
	}
	cs, err := exp.LoadClaims(file)
	if err != nil {
		return nil, err
	}
	return exp.EvaluateClaims(l, cs)
}

func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	dir := ledgerFlag(fs)
	file := fs.String("claims", defaultClaims, "claims file")
	root := fs.String("root", ".", "repository root: the default documents (README.md, docs/*.md) and the policy's paths are relative to it")
	check := fs.Bool("check", false, "only check that the documents match what the ledger produces")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		if pos, err = reportDocs(*root); err != nil {
			return err
		}
	}
	res, err := evaluateClaims(*dir, *file)
	if err != nil {
		return err
	}
	l, err := exp.OpenLedgerExisting(*dir)
	if err != nil {
		return err
	}
	stale := 0
	for _, doc := range pos {
		old, err := os.ReadFile(doc)
		if err != nil {
			return err
		}
		gen, err := exp.GenerateDoc(old, l, res)
		if err != nil {
			return fmt.Errorf("%s: %w", doc, err)
		}
		if !bytes.Contains(old, []byte("<!-- ledger:")) {
			continue
		}
		if bytes.Equal(old, gen) {
			fmt.Fprintf(stdout, "%s: up to date\n", doc)
			continue
		}
		if *check {
			stale++
			fmt.Fprintf(stdout, "%s: differs from what the ledger produces; run kdsweep report %s\n", doc, filepath.ToSlash(doc))
			continue
		}
		if err := model.WriteFileAtomic(doc, gen); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: regenerated\n", doc)
	}
	claims := make([]exp.Claim, len(res))
	for k, r := range res {
		claims[k] = r.Claim
	}
	found, hand, err := scanDocs(*root, pos, claims)
	if err != nil {
		return err
	}
	for _, doc := range pos {
		for _, h := range found[doc] {
			fmt.Fprintf(stdout, "%s:%s\n", filepath.ToSlash(doc), strings.TrimPrefix(h.String(), "line "))
		}
	}
	if err := exp.CheckExplained(res, *file); err != nil {
		return err
	}
	switch {
	case stale > 0 && hand > 0:
		return fmt.Errorf("%d documents are out of date, and %d numbers are typed by hand outside the generated blocks", stale, hand)
	case stale > 0:
		return fmt.Errorf("%d documents are out of date", stale)
	case hand > 0:
		return fmt.Errorf("%d numbers are typed by hand outside the generated blocks (see the lines above; exp.HandNumbers says what is allowed)", hand)
	}
	return nil
}
