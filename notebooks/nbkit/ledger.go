package nbkit

// The notebooks' default mode: tables and figures drawn from the committed
// results ledger (results/, see kdlib/exp's Ledger), at full scale and in
// seconds; training happens only when asked (KDREC_RETRAIN or KDREC_QUICK),
// and then only fills a ledger that the same code draws from (train.go).
// What the ledger does not hold yet is said plainly — which sweep, which
// rows and seeds, the kdsweep command that lists them — and a declared
// figure or table that cannot be drawn is replaced by a note
// (<name>.missing.txt) that the notebook checker verifies against the
// ledger.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// EnvRetrain names the environment variable that makes the notebooks train
// at full scale (any value but "" and "0") instead of reading the ledger.
const EnvRetrain = "KDREC_RETRAIN"

// EnvLedger names the environment variable that overrides the ledger
// directory the notebooks read (default: results/ of the repository).
const EnvLedger = "KDREC_LEDGER"

// Retrain reports whether the notebooks train their runs: at full scale
// (the specs' own budgets, the authors' protocol) under KDREC_RETRAIN, at
// reduced scale (the specs' quick budgets) under KDREC_QUICK. By default
// they do not: they read the ledger (FromLedger).
func Retrain() bool {
	return Quick() || isSet(EnvRetrain)
}

// FromLedger reports whether the notebooks draw their tables and figures
// from the results ledger: the default, when no training is asked for.
func FromLedger() bool { return !Retrain() }

func isSet(name string) bool {
	v := os.Getenv(name)
	return v != "" && v != "0"
}

// LedgerDir returns the results ledger the notebooks read: $KDREC_LEDGER
// when set; else results/ under $KDREC_ROOT (set by scripts/nb-env.sh);
// else results/ of the repository holding the notebook directory (the
// first directory above Dir() with a go.mod and a results/runs folder).
func LedgerDir() string {
	if d := os.Getenv(EnvLedger); d != "" {
		return d
	}
	if r := os.Getenv("KDREC_ROOT"); r != "" {
		return filepath.Join(r, exp.DefaultLedger)
	}
	dir, err := filepath.Abs(Dir())
	if err != nil {
		dir = Dir()
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isDir(filepath.Join(dir, exp.DefaultLedger, "runs")) {
			return filepath.Join(dir, exp.DefaultLedger)
		}
		up := filepath.Dir(dir)
		if up == dir {
			return filepath.Join(Dir(), "..", exp.DefaultLedger)
		}
		dir = up
	}
}

func isFile(p string) bool { fi, err := os.Stat(p); return err == nil && !fi.IsDir() }
func isDir(p string) bool  { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

// Ledger is the results ledger as the notebooks read it: the committed
// ledger (LedgerDir) by default; when the notebook trains (Retrain), the
// ledger it records its runs into (RecordDir), its specs and claims still
// read from LedgerDir's ledger.
type Ledger struct {
	*exp.Ledger
	// src is the ledger whose spec files and claims are read (nil: built-in
	// specs only), env the training path's Env (nil in ledger mode).
	src *exp.Ledger
	env *exp.Env
}

// OpenLedger opens the ledger the notebook draws from: in ledger mode the
// ledger of LedgerDir, which must exist (a missing ledger is an error, not
// an empty one); when the notebook trains, the ledger of RecordDir
// (created if needed).
func OpenLedger() (*Ledger, error) {
	if Retrain() {
		return openRecording()
	}
	l, err := exp.OpenLedgerExisting(LedgerDir())
	if err != nil {
		return nil, fmt.Errorf("%w (set %s to the results ledger, or KDREC_ROOT to the repository)", err, EnvLedger)
	}
	return &Ledger{Ledger: l, src: l}, nil
}

// Recorded is one sweep as a notebook draws it: every run of its spec with
// the ledger's record of it, or none yet.
type Recorded struct {
	*exp.SweepResults
	// Name is the spec's name.
	Name string
	// Arg is what kdsweep takes for the spec: results/specs/<name>.json or
	// a built-in name.
	Arg string
	// LedgerArg is what kdsweep's --ledger takes for the ledger: "results"
	// for the repository's, else the directory KDREC_LEDGER names.
	LedgerArg string
	// Data says, when the notebook trains on other data than the spec's
	// (its split's files are not found), which (see trainingSpec).
	Data string
	l    *Ledger
}

// Sweep returns the runs of the spec called name (the ledger's spec file,
// else the built-in spec) with their records. When the notebook trains,
// the spec has the budget of the scale (its quick budget under
// KDREC_QUICK), and the runs the ledger lacks are trained when first
// drawn (Fill).
func (l *Ledger) Sweep(name string) (*Recorded, error) {
	spec, arg, err := l.specFor(name)
	if err != nil {
		return nil, err
	}
	data := ""
	if l.env != nil {
		if spec, data, err = trainingSpec(spec); err != nil {
			return nil, err
		}
	}
	sr, err := l.SweepOf(spec)
	if err != nil {
		return nil, err
	}
	la := exp.DefaultLedger
	if d := os.Getenv(EnvLedger); d != "" && l.src != nil {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		la = d
		if rest, ok := strings.CutPrefix(arg, filepath.Base(filepath.Clean(l.src.Dir()))+"/"); ok && arg != name {
			arg = filepath.ToSlash(filepath.Join(d, rest))
		}
	}
	return &Recorded{SweepResults: sr, Name: name, Arg: arg, LedgerArg: la, Data: data, l: l}, nil
}

// Rows returns the sweep restricted to rows (labels or full row names, see
// exp.SweepResults.Select), in that order.
func (r *Recorded) Rows(rows ...string) (*Recorded, error) {
	if len(rows) == 0 {
		return r, nil
	}
	sel, err := r.Select(rows...)
	if err != nil {
		return nil, err
	}
	return &Recorded{SweepResults: sel, Name: r.Name, Arg: r.Arg, LedgerArg: r.LedgerArg, Data: r.Data, l: r.l}, nil
}

// trained says whether the runs are the notebook's own (Retrain).
func (r *Recorded) trained() bool { return r.l != nil && r.l.env != nil }

// title names the sweep at the head of tables: "Ledger sweep derrd-protocol"
// or, for the runs the notebook trained, "Sweep derrd-protocol@quick,
// trained here".
func (r *Recorded) title() string {
	if r.trained() {
		return "Sweep " + r.Sweep + ", trained here"
	}
	return "Ledger sweep " + r.Name
}

// StatusCommand is the command that lists the runs of the sweep the ledger
// lacks, run from the repository root.
func (r *Recorded) StatusCommand() string {
	return "go run ./cmd/kdsweep status --ledger " + r.ledgerArg() + " " + r.Arg
}

// RunCommand is the command that runs (and records) them.
func (r *Recorded) RunCommand() string {
	return "go run ./cmd/kdsweep run --ledger " + r.ledgerArg() + " " + r.Arg
}

// ledgerArg is LedgerArg, or the repository's ledger when it is empty.
func (r *Recorded) ledgerArg() string {
	if r.LedgerArg == "" {
		return exp.DefaultLedger
	}
	return r.LedgerArg
}

// Counts returns the number of the sweep's runs with a record, and of all
// its runs.
func (r *Recorded) Counts() (recorded, total int) {
	for _, e := range r.Entries {
		if e.Record != nil {
			recorded++
		}
	}
	return recorded, len(r.Entries)
}

// MissingRows lists what is not recorded, row by row — "DE (seeds 0–2)"
// — or, when every grid point of a label lacks the same seeds, once for
// the label: "RRD (K) (4 grid points, seeds 0–4)".
func (r *Recorded) MissingRows() []string {
	st := r.Status()
	var out []string
	done := map[string]bool{}
	for _, row := range st {
		if len(row.Missing) == 0 || done[row.Label] {
			continue
		}
		points, same := 0, true
		for _, o := range st {
			if o.Label == row.Label {
				points++
				same = same && slices.Equal(o.Missing, row.Missing)
			}
		}
		if points > 1 && same {
			done[row.Label] = true
			out = append(out, fmt.Sprintf("%s (%d grid points, %s)", row.Label, points, seedList(row.Missing)))
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s)", row.Name, seedList(row.Missing)))
	}
	return out
}

// seedList writes seeds as "seed 3", "seeds 0, 2" or "seeds 0–4" (a run
// of three or more consecutive seeds as a range).
func seedList(seeds []uint64) string {
	if len(seeds) == 1 {
		return fmt.Sprintf("seed %d", seeds[0])
	}
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		if j-i >= 2 {
			parts = append(parts, fmt.Sprintf("%d–%d", seeds[i], seeds[j]))
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, fmt.Sprint(seeds[k]))
			}
		}
		i = j + 1
	}
	return "seeds " + strings.Join(parts, ", ")
}

// Notice is the sentence a figure drawn from these runs carries when some
// are not recorded ("Not in the ledger yet: DE (seeds 0, 1, 2).", a grid
// row by its coordinates' last names: "DE (experts=5) (seeds 0–4)") or the
// notebook trained them on other data than the spec's (Data), or "".
func (r *Recorded) Notice() string {
	miss := r.missingText()
	if miss == "" {
		return r.Data
	}
	return joinNotice(r.Data, fmt.Sprintf("Not in the ledger yet: %s.", miss))
}

// missingText lists the rows the ledger lacks for readers ("RRD (seed 2);
// HTD (α) (alpha=0.9, seeds 0–2)"), or "" when none is missing.
func (r *Recorded) missingText() string {
	miss := r.MissingRows()
	for k, m := range miss {
		miss[k] = shortSettings.ReplaceAllString(m, "$1")
	}
	return strings.Join(miss, "; ")
}

// shortSettings matches the path of a grid coordinate up to its last
// component ("kd[0].options.experts=5" → "experts=5"), for notices written
// on figures, which name rows for readers, not for kdsweep.
var shortSettings = regexp.MustCompile(`\b[A-Za-z_]\w*(?:\[\d+\])?(?:\.\w+(?:\[\d+\])?)*\.(\w+=)`)

// StatusText says in Markdown what the ledger holds of the sweep: how many
// runs are recorded, which rows and seeds are missing, and the commands
// that list and run them; for the runs the notebook trained, which budget
// and ledger.
func (r *Recorded) StatusText() string {
	n, total := r.Counts()
	var b strings.Builder
	if r.trained() {
		fmt.Fprintf(&b, "**Sweep `%s`** (the %s budget of `%s`), trained by this notebook (%s) and recorded in %s: %d of %d runs.",
			r.Sweep, scale(), r.Arg, ScaleName(), shortCache(r.l.Dir()), n, total)
		if r.Data != "" {
			b.WriteString(" " + r.Data)
		}
		b.WriteString("\n")
		return b.String()
	}
	fmt.Fprintf(&b, "**Ledger sweep `%s`**: %d of %d runs recorded", r.Name, n, total)
	if n == total {
		b.WriteString(" (complete).\n")
		return b.String()
	}
	b.WriteString(".")
	if miss := r.MissingRows(); len(miss) > 0 {
		fmt.Fprintf(&b, " Not recorded yet: %s.", strings.Join(miss, "; "))
	}
	fmt.Fprintf(&b, " `%s` lists them; `%s` runs them, with `KDREC_DATASETS` naming the data sets (docs/experiments.md §6).\n", r.StatusCommand(), r.RunCommand())
	return b.String()
}

// ShowStatus trains what the notebook trains and the ledger lacks (Fill),
// then displays StatusText (printed outside a notebook).
func (r *Recorded) ShowStatus() error {
	if err := r.Fill(); err != nil {
		return err
	}
	showMarkdown(r.StatusText())
	return nil
}

// DataText says in one line what the runs train and evaluate on: the data
// set, the split (with the users it keeps, at reduced scale) and the
// protocol, and the substitution when the notebook trains on other data
// than the spec's (Data).
func (r *Recorded) DataText() string {
	if r.Spec == nil {
		return ""
	}
	s := r.Spec
	split := s.Split.Kind
	if s.Split.Name != "" {
		split += " " + s.Split.Name
	}
	if s.Split.Candidates > 0 || s.Protocol == exp.LOO {
		split += ", sampled candidates per user"
	}
	if s.Split.Users > 0 {
		split += fmt.Sprintf(", its first %d users only", s.Split.Users)
	}
	out := fmt.Sprintf("Data: %s, split %s; protocol %s.", s.Dataset.Name, split, s.Protocol)
	if r.Data != "" {
		out += " " + r.Data
	}
	return out
}

// ShowRuns displays the sweep's title and description, its data
// (DataText), its status (ShowStatus: the notebook trains here what it
// trains) and the table of its recorded runs (exp.RunsTable: code
// revision, machine load, times).
func (r *Recorded) ShowRuns() error {
	if r.Spec != nil {
		showMarkdown(fmt.Sprintf("**%s.** %s\n\n%s\n", r.Spec.Title, r.Spec.Description, r.DataText()))
	}
	if err := r.ShowStatus(); err != nil {
		return err
	}
	if r.Recorded() {
		tb := exp.RunsTable(r.SweepResults)
		if report.InNotebook() {
			report.DisplayTable(tb)
			return nil
		}
		return tb.WriteText(os.Stdout)
	}
	return nil
}

// ProvenanceText says where the notebook's tables and figures came from:
// how many of the sweep's runs the ledger holds (ledger mode), or which
// runs the notebook trained and where it recorded them.
func (r *Recorded) ProvenanceText() string {
	n, total := r.Counts()
	if r.trained() {
		return fmt.Sprintf("The tables and figures above were drawn from the %d runs of `%s` that this notebook trained (%s) and recorded in %s, "+
			"by the same code that draws them from the results ledger by default.", n, r.Sweep, ScaleName(), shortCache(r.l.Dir()))
	}
	return fmt.Sprintf("The tables and figures above were read from the results ledger (full scale): %d of the %d runs of `%s` drawn here are recorded. This notebook trained nothing.", n, total, r.Name)
}

// ShowProvenance displays ProvenanceText (printed outside a notebook).
func (r *Recorded) ShowProvenance() error {
	if err := r.Fill(); err != nil {
		return err
	}
	showMarkdown(r.ProvenanceText() + "\n")
	return nil
}

// shortCache writes a directory under the artefact cache as $KDREC_CACHE/…,
// so rendered notebooks do not record the machine's paths.
func shortCache(dir string) string {
	if rel, err := filepath.Rel(ArtifactDir(), dir); err == nil && !strings.HasPrefix(rel, "..") {
		return "`$KDREC_CACHE/" + filepath.ToSlash(rel) + "`"
	}
	return "`" + dir + "`"
}

// TableNotes are the notes every table of these runs carries: where they
// came from when the notebook trained them, and on what data.
func (r *Recorded) TableNotes() []string {
	var out []string
	switch {
	case Quick():
		out = append(out, "KDREC_QUICK=1: reduced scale, not a result.")
	case r.trained():
		out = append(out, RetrainNotice)
	}
	if r.Data != "" {
		out = append(out, r.Data)
	}
	return out
}

func showMarkdown(md string) {
	if report.InNotebook() {
		report.DisplayMarkdown(md)
		return
	}
	fmt.Print(md)
}

// Table aggregates the recorded runs (exp.Aggregate): mean ± sd over
// seeds with their number, paired tests against the baseline when it has
// records. It fails with exp.ErrNotRecorded when no run is recorded.
func (r *Recorded) Table(o exp.TableOptions) (*report.Table, error) {
	if err := r.Fill(); err != nil {
		return nil, err
	}
	if !r.Recorded() {
		return nil, fmt.Errorf("sweep %s: %w", r.Name, exp.ErrNotRecorded)
	}
	base := o.Baseline
	if base == "" && r.Spec != nil {
		base = r.Spec.Report.Baseline
	}
	if base != "" && base != exp.NoBaseline && !r.hasRecordedLabel(base) {
		o.Baseline = exp.NoBaseline
	}
	s, err := exp.Aggregate(r.SweepResults, o)
	if err != nil {
		return nil, err
	}
	tb := s.Table()
	tb.Title = strings.Replace(tb.Title, s.Sweep+":", r.title()+":", 1)
	if miss := r.MissingRows(); len(miss) > 0 {
		tb.Notes = append(tb.Notes, "Not recorded yet: "+strings.Join(miss, "; ")+". `"+r.StatusCommand()+"` lists them.")
	}
	tb.Notes = append(tb.Notes, r.TableNotes()...)
	return tb, nil
}

func (r *Recorded) hasRecordedLabel(label string) bool {
	for _, e := range r.Entries {
		if e.Record != nil && strings.EqualFold(e.Run.Label, label) {
			return true
		}
	}
	return false
}

// Curves draws the learning curves of the recorded runs (exp.SweepCurves).
func (r *Recorded) Curves(o exp.CurveOptions) (*report.Figure, error) {
	if err := r.Fill(); err != nil {
		return nil, err
	}
	return exp.SweepCurves(r.SweepResults, o)
}

// Param draws a metric against a grid coordinate (exp.SweepParam).
func (r *Recorded) Param(o exp.ParamOptions) (*report.Figure, error) {
	if err := r.Fill(); err != nil {
		return nil, err
	}
	return exp.SweepParam(r.SweepResults, o)
}

// ShowTable aggregates the sweep (Table), displays the table and saves it
// as name (SaveTable); with no run recorded it writes the missing note
// instead (NotRecorded).
func (r *Recorded) ShowTable(name string, o exp.TableOptions) error {
	tb, err := r.Table(o)
	if errors.Is(err, exp.ErrNotRecorded) {
		return NotRecorded(name, r)
	}
	if err != nil {
		return err
	}
	report.DisplayTable(tb)
	return SaveTable(tb, name)
}

// ShowCurves draws the learning curves of the recorded runs, with the
// missing rows named on the figure, displays the figure and saves it as
// name; with no curve recorded it writes the missing note instead.
func (r *Recorded) ShowCurves(name string, o exp.CurveOptions) error {
	fig, err := r.Curves(o)
	if errors.Is(err, exp.ErrNoData) {
		return NotRecorded(name, r)
	}
	if err != nil {
		return err
	}
	return ShowFigure(fig, name, r.Notice())
}

// Panel is one panel of ShowCurvePanels: its title and the rows it draws
// (labels or full row names).
type Panel struct {
	// Title is drawn above the panel ("d = 10").
	Title string
	// Rows are the rows the panel draws, in legend order.
	Rows []string
}

// ShowCurvePanels draws the learning curves of the recorded runs
// (exp.SweepCurves) in panels side by side, one per Panel, with one y
// range and the rows not recorded yet named on the figure; it displays the
// figure and saves it as name. A panel with no recorded curve is left out;
// with none left, the missing note is written instead.
func (r *Recorded) ShowCurvePanels(name string, o exp.CurveOptions, panels ...Panel) error {
	if err := r.Fill(); err != nil {
		return err
	}
	var figs []*report.Figure
	var all []string
	for _, p := range panels {
		for _, row := range p.Rows {
			if !slices.Contains(all, row) {
				all = append(all, row)
			}
		}
		sel, err := r.Rows(p.Rows...)
		if err != nil {
			return err
		}
		f, err := sel.Curves(o)
		if errors.Is(err, exp.ErrNoData) {
			continue
		}
		if err != nil {
			return err
		}
		f.Title = p.Title
		figs = append(figs, f)
	}
	drawn, err := r.Rows(all...)
	if err != nil {
		return err
	}
	if len(figs) == 0 {
		return NotRecorded(name, drawn)
	}
	p := report.NewPanels(figs...)
	p.SameY = true
	p.Caption = figs[0].Caption
	for _, f := range figs {
		f.Caption = ""
	}
	return ShowFigure(p, name, drawn.Notice())
}

// ShowParams draws a metric against a grid coordinate (exp.SweepParam),
// one panel per options (a single figure for one), with one y range and
// the rows not recorded yet named on the figure; it displays the figure
// and saves it as name. A panel whose rows have no record is left out;
// with none left, the missing note is written instead (NotRecorded).
func (r *Recorded) ShowParams(name string, opts ...exp.ParamOptions) error {
	if err := r.Fill(); err != nil {
		return err
	}
	var figs []*report.Figure
	for _, o := range opts {
		f, err := r.Param(o)
		if errors.Is(err, exp.ErrNoData) {
			continue
		}
		if err != nil {
			return err
		}
		figs = append(figs, f)
	}
	switch len(figs) {
	case 0:
		return NotRecorded(name, r)
	case 1:
		return ShowFigure(figs[0], name, r.Notice())
	}
	p := report.NewPanels(figs...)
	p.SameY = true
	return ShowFigure(p, name, r.Notice())
}

// ShowRankTable shows and saves as name the metrics recomputed from the
// recorded ranks of the runs (exp.RankTable: full ranking, or among the
// sampled candidates), with the rows not recorded yet in its notes; with
// no ranks recorded, the missing note is written instead.
func (r *Recorded) ShowRankTable(name string, metrics []string, full bool) error {
	if err := r.Fill(); err != nil {
		return err
	}
	tb, err := exp.RankTable(r.SweepResults, metrics, full)
	if errors.Is(err, exp.ErrNoData) {
		return NotRecorded(name, r)
	}
	if err != nil {
		return err
	}
	tb.Title = strings.Replace(tb.Title, r.Sweep+":", r.title()+":", 1)
	if miss := r.MissingRows(); len(miss) > 0 {
		tb.Notes = append(tb.Notes, "Not recorded yet: "+strings.Join(miss, "; ")+". `"+r.StatusCommand()+"` lists them.")
	}
	tb.Notes = append(tb.Notes, r.TableNotes()...)
	return ShowTable(tb, name)
}

// ShowFigure saves d as name (PNG, SVG and PDF with its caption, under
// FiguresDir) and displays it. The figure carries, written on it and at the
// head of its caption (report.WithNotice), the notice given (e.g. rows not
// recorded yet) and, when the notebook trained its runs, where they came
// from: "Reduced scale (KDREC_QUICK=1): not a result." or "Trained by this
// notebook (KDREC_RETRAIN=1), not read from the results ledger."
func ShowFigure(d report.Drawable, name, notice string) error {
	if figureShown != nil {
		figureShown(name, d)
	}
	switch {
	case Quick():
		notice = joinNotice(QuickNotice, notice)
	case Retrain():
		notice = joinNotice(RetrainNotice, notice)
	}
	if notice != "" {
		d = report.WithNotice(d, notice)
	}
	if err := SaveFigure(d, name); err != nil {
		return err
	}
	return report.Display(d)
}

// figureShown, when set (by tests), sees every figure ShowFigure is given,
// before the notice is written on it.
var figureShown func(name string, d report.Drawable)

// QuickNotice is written on every figure drawn at reduced scale.
const QuickNotice = "Reduced scale (KDREC_QUICK=1): not a result."

// RetrainNotice is written on every figure drawn from runs the notebook
// trained at full scale.
const RetrainNotice = "Trained by this notebook (KDREC_RETRAIN=1), not read from the results ledger."

func joinNotice(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// MissingExt is the extension of the note that replaces a declared figure
// or table the ledger cannot draw yet.
const MissingExt = ".missing.txt"

// NotRecorded replaces the figure or table called name by a note saying
// that the ledger holds none of its runs (sweep r; nil for a figure the
// notebook computes from trained models, which no ledger record holds):
// it writes <name>.missing.txt in FiguresDir — the sweep, the ids of the
// missing runs and the command that lists them, which the notebook checker
// verifies against the ledger — removes any earlier figure or table of that
// name there, so nothing stale stands in for it, and says so in the
// notebook.
func NotRecorded(name string, r *Recorded) error {
	if r == nil {
		return NotDrawn(name, "it is computed by the notebook from trained models, which no ledger record holds; set KDREC_RETRAIN=1 (full scale) or KDREC_QUICK=1 (reduced scale, not a result) to train them")
	}
	return notRecorded(name, r)
}

// notRecorded is NotRecorded of a figure drawn from the runs of several
// sweeps (rs, at least one): the note names them all ("sweep: a, b"), lists
// the missing runs of each and joins their commands.
func notRecorded(name string, rs ...*Recorded) error {
	var names, ids, miss, rows, status, run []string
	n, total := 0, 0
	for _, r := range rs {
		if r.trained() {
			return fmt.Errorf("%s: the runs of %s that the notebook trained hold nothing to draw it from", name, r.Sweep)
		}
		rn, rt := r.Counts()
		n, total = n+rn, total+rt
		names = append(names, r.Name)
		for _, e := range r.Entries {
			if e.Record == nil {
				ids = append(ids, e.Run.ID)
			}
		}
		m := r.MissingRows()
		if len(m) > 0 && len(rs) > 1 {
			m = []string{r.Name + ": " + strings.Join(m, "; ")}
		}
		miss = append(miss, m...)
		if len(rs) > 1 {
			rows = append(rows, r.Name+": "+strings.Join(rowNames(r), ", "))
		} else {
			rows = append(rows, rowNames(r)...)
		}
		status, run = append(status, r.StatusCommand()), append(run, r.RunCommand())
	}
	what := strings.Join(names, " and ")
	head := fmt.Sprintf("none of the %d runs of %s that %s is drawn from is in the results ledger yet", total, what, name)
	if n > 0 {
		head = fmt.Sprintf("%d of the %d runs of %s that %s is drawn from are in the results ledger, not enough to draw it", n, total, what, name)
	}
	var note, shown strings.Builder
	fmt.Fprintf(&note, "Not drawn: %s.\n", head)
	if len(miss) > 0 {
		fmt.Fprintf(&note, "Not recorded: %s.\n", strings.Join(miss, "; "))
	}
	fmt.Fprintf(&note, "sweep: %s\nmissing: %s\nstatus: %s\nrun: %s\n", strings.Join(names, ", "), strings.Join(ids, " "), strings.Join(status, "; "), strings.Join(run, " && "))
	sep := ", "
	if len(rs) > 1 {
		sep = "; "
	}
	fmt.Fprintf(&shown, "_Not drawn: %s (rows %s). `%s` lists what is missing; `%s` runs it._\n",
		head, strings.Join(rows, sep), strings.Join(status, "; "), strings.Join(run, " && "))
	return writeMissing(name, note.String(), shown.String())
}

// NotDrawn replaces the figure or table called name by a note saying why
// the notebook cannot draw it in ledger mode (why: a clause, e.g. "the
// split is read from KDREC_DATASETS, which is not set"), as NotRecorded
// does for what the ledger lacks; the note names no sweep ("sweep: none").
func NotDrawn(name, why string) error {
	note := fmt.Sprintf("Not drawn: %s: %s.\nsweep: none\n", name, why)
	shown := fmt.Sprintf("_Not drawn: `%s`: %s._\n", name, why)
	return writeMissing(name, note, shown)
}

// writeMissing writes the note of name, removes what stood in its place
// and shows the text.
func writeMissing(name, note, shown string) error {
	dir := FiguresDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, ext := range []string{".png", ".svg", ".pdf", report.CaptionExt, ".csv", ".md"} {
		if err := os.Remove(filepath.Join(dir, name+ext)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, name+MissingExt), []byte(note), 0o644); err != nil {
		return err
	}
	showMarkdown(shown)
	return nil
}

// clearMissing removes the missing note of name, once it is drawn.
func clearMissing(name string) error {
	err := os.Remove(filepath.Join(FiguresDir(), name+MissingExt))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func rowNames(r *Recorded) []string {
	var out []string
	for _, st := range r.Status() {
		if !slices.Contains(out, st.Label) {
			out = append(out, st.Label)
		}
	}
	return out
}
