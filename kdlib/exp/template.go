package exp

// Spec templates: a spec whose data set and split are parameters. The
// built-in template "dissertation" trains the dissertation's teacher and
// every single-teacher student method on a data set of one's choice, and
// carries the dissertation's comparative claims, generated for the sweep
// it instantiates. One declarative JSON file per template in templates/
// (embedded), as the built-in specs are in specs/.

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/internal/textdist"
	"github.com/kdrec/kdrec/kdlib/data"
)

//go:embed templates/*.json
var templateFiles embed.FS

// templateOrder lists the built-in templates; every file of templates/ is
// in it (TestTemplateFilesListed).
var templateOrder = []string{"dissertation"}

// Template is a spec with its data set and split left open, filled in by
// Instantiate. Its Spec holds the model, the variants (rows), the seeds and
// the named budgets; its claims may leave their metric empty, to be made
// on every metric of ClaimMetrics. In JSON the fields of Spec sit at the
// top level, beside optional, metrics and claim_metrics.
type Template struct {
	Spec
	// Optional lists the labels of variants left out unless asked for
	// (TemplateOptions.Methods): the costly ones.
	Optional []string `json:"optional,omitempty"`
	// Metrics gives, per protocol, the report's metrics of an instance.
	Metrics map[Protocol][]string `json:"metrics,omitempty"`
	// ClaimMetrics gives, per protocol, the metrics the claims without a
	// metric are made on.
	ClaimMetrics map[Protocol][]string `json:"claim_metrics,omitempty"`
}

// TemplateInfo describes a built-in template.
type TemplateInfo struct {
	// Name is what InstantiateTemplate, kdrepl and kdsweep template take.
	Name string
	// Title is a one-line description; Source the work it follows.
	Title, Source string
	// Budgets lists the named budgets, "full" first.
	Budgets []string
	// Rows lists the variants' labels; Methods those of the variants that
	// distil (TemplateOptions.Methods chooses among them); Optional those
	// left out by default.
	Rows, Methods, Optional []string
}

// ParseTemplate decodes a Template from JSON; unknown fields are errors.
func ParseTemplate(b []byte) (*Template, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	d.UseNumber()
	var t Template
	if err := d.Decode(&t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if d.More() {
		return nil, errors.New("template: trailing data after the JSON object")
	}
	if err := CheckName(t.Name); err != nil {
		return nil, fmt.Errorf("template name: %w", err)
	}
	for _, o := range t.Optional {
		if !slices.Contains(t.labels(), o) {
			return nil, fmt.Errorf("template %s: optional %q is not a variant's label", t.Name, o)
		}
	}
	return &t, nil
}

// LoadTemplate returns the built-in template called name.
func LoadTemplate(name string) (*Template, error) {
	if !slices.Contains(templateOrder, name) {
		return nil, fmt.Errorf("no template %q (known: %s)", clipText(name), strings.Join(templateOrder, ", "))
	}
	b, err := templateFiles.ReadFile(path.Join("templates", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	t, err := ParseTemplate(b)
	if err != nil {
		return nil, fmt.Errorf("built-in %w", err)
	}
	if t.Name != name {
		return nil, fmt.Errorf("template file %s.json names itself %q", name, t.Name)
	}
	return t, nil
}

// Templates lists the built-in templates.
func Templates() []TemplateInfo {
	out := make([]TemplateInfo, 0, len(templateOrder))
	for _, name := range templateOrder {
		t, err := LoadTemplate(name)
		if err != nil {
			panic(err) // an embedded file that does not parse: caught by the tests
		}
		ti := TemplateInfo{Name: name, Title: t.Title, Source: t.Source, Budgets: t.BudgetNames(),
			Rows: t.labels(), Optional: slices.Clone(t.Optional)}
		for _, v := range t.Variants {
			if !plainVariant(v) {
				ti.Methods = append(ti.Methods, v.Label)
			}
		}
		out = append(out, ti)
	}
	return out
}

// BudgetNames lists the template's budgets: "full" (the base budget, the
// dissertation's schedule), then the named ones, sorted.
func (t *Template) BudgetNames() []string {
	names := []string{"full"}
	for b := range t.Budgets {
		if b != "full" {
			names = append(names, b)
		}
	}
	slices.Sort(names[1:])
	return names
}

// labels lists the variants' labels in order.
func (t *Template) labels() []string {
	out := make([]string, len(t.Variants))
	for k, v := range t.Variants {
		out[k] = v.Label
	}
	return out
}

// TemplateOptions instantiates a template (Template.Instantiate).
type TemplateOptions struct {
	// Dataset is the data set: a registered name of package datasets,
	// "synthetic" with its Synthetic spec, or a name of one's own with
	// Files (datasets.Files). Dir, machine-specific, is no part of any name
	// or hash.
	Dataset DatasetSpec
	// Split says how the data set is split. A zero Kind takes the default
	// (DefaultTemplateSplit): leave-last-out when the files have times,
	// else leave-one-out, with data.DefaultNumCandidates candidates unless
	// Candidates says otherwise. Ratio splits are evaluated by full
	// ranking, the others by the sampled leave-one-out protocol.
	Split SplitSpec
	// Budget selects a budget: "" or "full" (the dissertation's schedule),
	// or a named one of the template ("quick", "smoke").
	Budget string
	// Seeds, when set, replaces the seeds of the template and of every
	// named budget.
	Seeds []uint64
	// Methods lists the labels of the variants to run besides the plain
	// rows (those without distillation, which the claims compare against),
	// matched without regard to case; nil runs every variant but the
	// template's Optional ones, and "all" every variant.
	Methods []string
	// ClaimMetrics, when set, replaces the template's metrics of the
	// claims (they must be metrics of the protocol).
	ClaimMetrics []string
	// Name, when set, names the sweep; by default it is
	// <template>-<data set>-<8 hex digits of the instance's hash>, so that
	// every data set, split, seed list and method list has its own sweep
	// (a ledger's manifest is kept by name and only grows by appended
	// runs), while equal instances share their name and their records.
	Name string
}

// DefaultTemplateSplit is the split a template makes of a data set when
// TemplateOptions.Split names no kind: leave-last-out (SplitLLO) when the
// data set is files with a time column (or in MovieLens' format, which
// has one), else leave-one-out (SplitLOO), the dissertation's protocol.
// Registered data sets are split leave-one-out: state SplitLLO for one
// with times.
func DefaultTemplateSplit(ds DatasetSpec) SplitSpec {
	if f := ds.Files; f != nil {
		if f.Format == "movielens" || slices.Contains(f.Columns, data.ColTime) {
			return SplitSpec{Kind: SplitLLO}
		}
	}
	return SplitSpec{Kind: SplitLOO}
}

// InstantiateTemplate instantiates the built-in template name (see
// Template.Instantiate).
func InstantiateTemplate(name string, o TemplateOptions) (*Spec, error) {
	t, err := LoadTemplate(name)
	if err != nil {
		return nil, err
	}
	return t.Instantiate(o)
}

// Instantiate returns the spec of the template on o's data set: the data
// set and split filled in, the protocol and metrics that go with the
// split, the variants o asks for, the seeds, the budget, and the claims —
// every template claim whose rows run, made on each claim metric, with an
// id ending in the metric ("de-beats-student-ndcg5"). The spec names its
// sweep after the template and the data set (TemplateOptions.Name). Its
// runs are expanded and its claims checked; data are not read (RunSweep
// checks them before anything trains). Errors say what was wrong in one
// line: an unknown data set or budget names the known ones.
func (t *Template) Instantiate(o TemplateOptions) (*Spec, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("template %s: "+format, append([]any{t.Name}, a...)...)
	}
	ds := o.Dataset
	switch {
	case ds.Name == "":
		return nil, fail("no data set: give a registered data set (%s), %s, or files of your own", registeredNames(), SyntheticName)
	case ds.Files != nil:
		if _, err := datasets.Lookup(ds.Name); err == nil {
			return nil, fail("the data set of files is named %q, a registered data set: name it otherwise", ds.Name)
		}
		if err := CheckName(ds.Name); err != nil {
			return nil, fail("data set name: %v", err)
		}
	case ds.Name == SyntheticName:
		if ds.Synthetic == nil {
			return nil, fail("data set synthetic needs its size (users, items, per_user)")
		}
	default:
		if _, err := datasets.Lookup(ds.Name); err != nil {
			return nil, fail("unknown data set %q%s; known: %s, %s, or files of your own", clipText(ds.Name),
				nearest(ds.Name, registered()), registeredNames(), SyntheticName)
		}
	}
	budget := o.Budget
	if budget == "full" {
		budget = ""
	}
	if _, ok := t.Budgets[budget]; budget != "" && !ok {
		return nil, fail("no budget %q%s; known: %s", clipText(budget), nearest(budget, t.BudgetNames()), strings.Join(t.BudgetNames(), ", "))
	}
	s, err := t.Spec.Clone()
	if err != nil {
		return nil, err
	}
	s.Dataset = ds
	s.Split = o.Split
	if s.Split.Kind == "" {
		d := DefaultTemplateSplit(ds)
		s.Split.Kind = d.Kind
	}
	s.Protocol = LOO
	if s.Split.Kind == SplitRatio602020 || s.Split.Kind == SplitRatio801010 {
		s.Protocol = Full
		if s.Split.Candidates != 0 {
			return nil, fail("split %s is evaluated by full ranking: candidates apply to loo and llo", s.Split.Kind)
		}
	}
	if len(o.Seeds) > 0 {
		s.Seeds = slices.Clone(o.Seeds)
		for name, b := range s.Budgets {
			if len(b.Seeds) > 0 {
				b.Seeds = slices.Clone(o.Seeds)
				s.Budgets[name] = b
			}
		}
	}
	if err := t.selectVariants(s, o.Methods); err != nil {
		return nil, fail("%v", err)
	}
	if ms := t.Metrics[s.Protocol]; len(ms) > 0 {
		s.Report.Metrics = slices.Clone(ms)
	}
	cms := o.ClaimMetrics
	if len(cms) == 0 {
		cms = t.ClaimMetrics[s.Protocol]
	}
	for _, m := range cms {
		if !slices.Contains(ProtocolMetrics(s.Protocol), m) {
			return nil, fail("claim metric %q: the %s protocol reports %s", clipText(m), s.Protocol, strings.Join(ProtocolMetrics(s.Protocol), ", "))
		}
	}
	s.Claims = instanceClaims(s, cms)
	s.Title = fmt.Sprintf("%s, on %s", t.Title, ds.Name)
	s.Name, s.BudgetName = "", ""
	if o.Name != "" {
		s.Name = o.Name
	} else {
		// What the runs and the claims depend on: not the data directory,
		// nor the words of the title, source and description.
		c := *s
		c.Dataset.Dir, c.Title, c.Source, c.Description = "", "", "", ""
		h, err := SpecHash(c)
		if err != nil {
			return nil, err
		}
		s.Name = t.Name + "-" + ds.Name + "-" + h[:8]
	}
	if err := CheckName(s.Name); err != nil {
		return nil, fail("sweep name: %v", err)
	}
	if budget != "" {
		if s, err = s.WithBudget(budget); err != nil {
			return nil, err
		}
	}
	runs, err := s.Expand()
	if err != nil {
		return nil, fail("%v", err)
	}
	if err := checkClaims(s, runs); err != nil {
		return nil, fail("%v", err)
	}
	return s, nil
}

// selectVariants keeps the plain variants (no distillation: the teacher
// and the student) and the methods asked for (nil: all but the optional
// ones; "all": all), in the template's order.
func (t *Template) selectVariants(s *Spec, methods []string) error {
	labels := t.labels()
	want := map[string]bool{}
	switch {
	case methods == nil:
		for _, l := range labels {
			want[l] = !slices.Contains(t.Optional, l)
		}
	case len(methods) == 1 && strings.EqualFold(methods[0], "all"):
		for _, l := range labels {
			want[l] = true
		}
	default:
		for _, m := range methods {
			k := slices.IndexFunc(labels, func(l string) bool { return strings.EqualFold(l, m) })
			if k < 0 {
				return fmt.Errorf("unknown method %q%s; the rows are %s (or all)", clipText(m), nearest(m, labels), strings.Join(labels, ", "))
			}
			want[labels[k]] = true
		}
	}
	var kept []Variant
	for _, v := range s.Variants {
		if want[v.Label] || plainVariant(v) {
			kept = append(kept, v)
		}
	}
	s.Variants = kept
	return nil
}

// plainVariant says whether a variant trains without distillation.
func plainVariant(v Variant) bool {
	kd, ok := v.Set["kd"]
	return ok && kd == nil
}

// instanceClaims returns the template's claims whose rows all run, each
// claim without a metric made once per metric.
func instanceClaims(s *Spec, metrics []string) []Claim {
	rows := map[string]bool{}
	for _, v := range s.Variants {
		rows[v.Label] = true
	}
	var out []Claim
	for _, c := range s.Claims {
		ok := rows[c.Row] && (c.Baseline == "" || rows[c.Baseline])
		for _, b := range c.Others {
			ok = ok && rows[b]
		}
		if !ok {
			continue
		}
		if c.Metric != "" {
			out = append(out, c)
			continue
		}
		for _, m := range metrics {
			mc := c
			mc.Metric = m
			mc.ID = c.ID + "-" + metricSlug(m)
			mc.Others = slices.Clone(c.Others)
			out = append(out, mc)
		}
	}
	return out
}

// metricSlug writes a metric for an id: "NDCG@5" → "ndcg5".
func metricSlug(m string) string {
	return strings.ToLower(strings.ReplaceAll(m, "@", ""))
}

// registered lists the names of the registered data sets.
func registered() []string {
	var out []string
	for _, d := range datasets.List() {
		out = append(out, d.Name)
	}
	return out
}

func registeredNames() string { return strings.Join(registered(), ", ") }

// nearest returns " (did you mean x?)" for the candidate closest to s by
// edit distance, when it is close, else "".
func nearest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if d := textdist.Levenshtein(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(s)/3) {
		return ""
	}
	return " (did you mean " + best + "?)"
}

// ClaimsReport is what RunClaims did: the sweep's report, its table and
// its claims judged.
type ClaimsReport struct {
	// Sweep is RunSweep's report.
	Sweep *SweepReport
	// Summary is the sweep aggregated over seeds with the spec's report
	// metrics and baseline (Summary.Table prints it).
	Summary *Summary
	// Claims are the spec's claims judged against the records
	// (ClaimsTestTable prints them).
	Claims []ClaimResult
}

// RunClaims runs a spec's sweep (RunSweep with o), then aggregates its
// runs and judges its claims (Spec.SweepClaims) against the ledger when
// o.Ledger is set, else against the results store o.Out: the whole of
// "run the dissertation on my data" once the template is instantiated.
// With o.KeepGoing, runs that fail (a data set too small for a method's
// defaults) are listed in the report's Sweep.Failed and are no error once
// the sweep has gone through: the table and the claims hold the other
// runs, and the claims on the failed rows have no evidence. Any other
// error is returned with what was done so far.
func RunClaims(ctx context.Context, spec *Spec, o SweepOptions) (*ClaimsReport, error) {
	rep, err := RunSweep(ctx, spec, o)
	out := &ClaimsReport{Sweep: rep}
	if err != nil {
		// Failed runs under KeepGoing, every other owned run accounted for:
		// the sweep went through.
		through := rep != nil && o.KeepGoing && ctx.Err() == nil && len(rep.Failed) > 0 &&
			rep.Skipped+rep.Ran+len(rep.Failed)+len(rep.Unavailable) == rep.Owned
		if !through {
			return out, err
		}
	}
	var src SweepSource = StoreDir(o.Out)
	if o.Ledger != nil {
		src = o.Ledger
	}
	sr, err := src.Sweep(spec.SweepKey())
	if err != nil {
		return out, err
	}
	if out.Summary, err = Aggregate(sr, TableOptions{Metrics: spec.Report.Metrics, Baseline: spec.Report.Baseline}); err != nil {
		// A baseline without records (its runs failed): the rows without tests.
		if out.Summary, err = Aggregate(sr, TableOptions{Metrics: spec.Report.Metrics, Baseline: NoBaseline}); err != nil {
			return out, err
		}
	}
	if out.Claims, err = EvaluateClaims(src, spec.SweepClaims()); err != nil {
		return out, err
	}
	return out, nil
}
