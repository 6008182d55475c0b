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

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
)

// Defaults of the ledger commands, relative to the repository root.
const (
	defaultClaims = "results/claims.json"
	defaultDoc    = "docs/reproduction.md"
)

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
	spec, err := loadSpec(pos[0], budget())
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
		if fs.Lookup("claims").Value.String() != defaultClaims {
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
	switch *format {
	case "md":
		fmt.Fprint(stdout, t.Markdown())
	case "text":
		if err := t.WriteText(stdout); err != nil {
			return err
		}
	default:
		return usageError{fmt.Errorf("--format %q: want text or md", *format)}
	}
	n := exp.CountVerdicts(res)
	fmt.Fprintf(stdout, "%d claims: %d hold, %d fail, %d without evidence yet, %d cannot run here\n",
		len(res), n[exp.Holds], n[exp.Fails], n[exp.NoEvidence], n[exp.CannotRun])
	return nil
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
	check := fs.Bool("check", false, "only check that the documents match what the ledger produces")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		pos = []string{defaultDoc}
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
	if stale > 0 {
		return fmt.Errorf("%d documents are out of date", stale)
	}
	return nil
}
