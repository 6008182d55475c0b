package repl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// writeFile writes data to a path written on the command line, atomically.
func (sh *Shell) writeFile(path string, data []byte) error {
	if path == "" {
		return fmt.Errorf("empty file name")
	}
	return sh.files.WriteFile(sh.path(path), data)
}

func runSave(ctx context.Context, sh *Shell, c *Call) error {
	me, err := sh.ws.ModelByName(c.Args[0])
	if err != nil {
		return err
	}
	ck, ok := me.M.(model.Checkpointable)
	if !ok && me.Kind == importedKind {
		return fmt.Errorf("%s (imported embeddings) is not saved as a checkpoint: its files are its checkpoint (export embeddings writes them again)", me.Name)
	}
	if !ok {
		return fmt.Errorf("%s (%s) cannot be saved: the kind does not implement model.Checkpointable", me.Name, me.Kind)
	}
	meta := map[string]string{"name": me.Name, "spec": me.Spec, "status": me.Status}
	if me.Split != nil {
		meta["split"] = me.Split.Name + ": " + me.Split.S.Name
		meta["dataset"] = me.Split.Dataset
	}
	if me.Result != nil {
		meta["epochs"] = strconv.Itoa(me.Result.Epochs)
	}
	if len(me.KD) > 0 {
		meta["kd"], meta["teacher"] = strings.Join(me.KD, ","), me.Teacher
	}
	var buf bytes.Buffer
	if err := model.Encode(&buf, ck, meta); err != nil {
		return err
	}
	if err := sh.writeFile(c.Args[1], buf.Bytes()); err != nil {
		return err
	}
	sh.printf("saved %s to %s (%s%s)\n", me.Name, c.Args[1], ck.Kind(), paramsNote(ck))
	return nil
}

func runLoadModel(ctx context.Context, sh *Shell, c *Call) error {
	name, path := c.Args[0], c.Args[1]
	if err := sh.ws.canPut(name, &ModelEntry{}); err != nil {
		return err
	}
	b, err := sh.files.ReadFile(sh.path(path))
	if err != nil {
		return err
	}
	ck, meta, err := model.Decode(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if spec := meta["spec"]; spec != "" {
		// save writes "<kind> <options>": a header whose kind was changed
		// (to a kind with the same tensors) would load under the
		// description of another model.
		if saved, _, _ := strings.Cut(spec, " "); model.CanonicalKind(saved) != ck.Kind() {
			return fmt.Errorf("%s: the checkpoint holds a %s model but was saved as %q: its header was altered; not loaded", path, ck.Kind(), spec)
		}
	}
	rec, ok := ck.(Recommender)
	if !ok {
		return fmt.Errorf("%s: a %s model cannot be scored by the shell (not a model.Scorer)", path, ck.Kind())
	}
	entry := &ModelEntry{Name: name, Kind: ck.Kind(), Spec: meta["spec"], M: rec, Status: "loaded from " + path, Meta: meta}
	if entry.Spec == "" {
		cfg, _ := json.Marshal(ck.Config())
		entry.Spec = ck.Kind() + " " + string(cfg)
	}
	note := ""
	if s := c.Opts.String("split"); s != "" {
		se, err := sh.ws.SplitByName(s)
		if err != nil {
			return err
		}
		if err := checkShape(name, rec, se); err != nil {
			return err
		}
		entry.Split = se
	} else if se, err := sh.currentSplit(""); err == nil && checkShape(name, rec, se) == nil {
		entry.Split = se
	} else {
		note = "; no split fits it yet (pass split= to eval)"
	}
	replaced, err := sh.ws.put(name, entry)
	if err != nil {
		return err
	}
	on := ""
	if entry.Split != nil {
		on = " on " + entry.Split.Label()
	}
	sh.printf("%s: %s from %s%s%s%s%s\n", name, entry.Spec, path, on, paramsNote(rec), note, replacedNote(replaced))
	return nil
}

// formatFor picks the export format: the format option, else the file's
// extension when it is one of the formats, else the first format.
func formatFor(c *Call, path string, formats ...string) string {
	if f := c.Opts.String("format"); f != "" && f != "auto" {
		return f
	}
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if ext == "markdown" {
		ext = "md"
	}
	if slices.Contains(formats, ext) {
		return ext
	}
	return formats[0]
}

// resultRecord is one evaluation result in an export.
type resultRecord struct {
	Model    string             `json:"model"`
	Kind     string             `json:"kind"`
	Spec     string             `json:"spec"`
	Split    string             `json:"split"`
	Protocol string             `json:"protocol"`
	Part     string             `json:"part"`
	Users    int                `json:"users"`
	Metrics  map[string]float64 `json:"metrics"`
	order    []string
}

func runExportResults(ctx context.Context, sh *Shell, c *Call) error {
	path, names := c.Args[0], c.Args[1:]
	if len(names) == 0 {
		names = sh.ws.ModelNames()
	}
	var recs []resultRecord
	for _, n := range names {
		me, err := sh.ws.ModelByName(n)
		if err != nil {
			return err
		}
		for _, e := range me.Evals() {
			recs = append(recs, resultRecord{Model: me.Name, Kind: me.Kind, Spec: me.Spec, Split: e.Split.Label(),
				Protocol: e.Result.Protocol, Part: e.Result.Part, Users: e.Result.Len(), Metrics: e.Result.Means(),
				order: e.Result.Metrics})
		}
	}
	if len(recs) == 0 {
		return fmt.Errorf("no evaluation results yet: run eval <model> or compare first")
	}
	var buf bytes.Buffer
	switch formatFor(c, path, "csv", "json") {
	case "json":
		b, err := json.MarshalIndent(recs, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
	default:
		tb := &report.Table{Header: []string{"model", "kind", "spec", "split", "protocol", "part", "users", "metric", "value"}}
		for _, r := range recs {
			for _, m := range r.order {
				tb.Rows = append(tb.Rows, []string{r.Model, r.Kind, r.Spec, r.Split, r.Protocol, r.Part,
					strconv.Itoa(r.Users), m, strconv.FormatFloat(r.Metrics[m], 'g', -1, 64)})
			}
		}
		if err := tb.WriteCSV(&buf); err != nil {
			return err
		}
	}
	if err := sh.writeFile(path, buf.Bytes()); err != nil {
		return err
	}
	sh.printf("wrote %s: %d results of %d models\n", path, len(recs), len(names))
	return nil
}

// historyOf returns a model's training history or an error saying why it
// has none.
func historyOf(me *ModelEntry) (*train.Result, error) {
	if me.Result == nil {
		return nil, fmt.Errorf("%s has no training history (%s)", me.Name, me.Status)
	}
	return me.Result, nil
}

func runExportHistory(ctx context.Context, sh *Shell, c *Call) error {
	me, err := sh.ws.ModelByName(c.Args[0])
	if err != nil {
		return err
	}
	res, err := historyOf(me)
	if err != nil {
		return err
	}
	path := c.Args[1]
	var buf bytes.Buffer
	switch formatFor(c, path, "csv", "json") {
	case "json":
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
	default:
		terms, valid, test := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, p := range res.History {
			for k := range p.TermLoss {
				terms[k] = true
			}
			for k := range p.Valid {
				valid[k] = true
			}
			for k := range p.Test {
				test[k] = true
			}
		}
		sorted := func(m map[string]bool) []string {
			out := slices.Collect(maps.Keys(m))
			eval.SortMetrics(out)
			return out
		}
		tn, vn, sn := slices.Sorted(maps.Keys(terms)), sorted(valid), sorted(test)
		tb := &report.Table{Header: []string{"epoch", "loss"}}
		for _, t := range tn {
			tb.Header = append(tb.Header, "loss "+t)
		}
		for _, m := range vn {
			tb.Header = append(tb.Header, "valid "+m)
		}
		for _, m := range sn {
			tb.Header = append(tb.Header, "test "+m)
		}
		tb.Header = append(tb.Header, "seconds")
		num := func(m map[string]float64, k string) string {
			if v, ok := m[k]; ok {
				return strconv.FormatFloat(v, 'g', -1, 64)
			}
			return ""
		}
		for _, p := range res.History {
			row := []string{strconv.Itoa(p.Epoch), strconv.FormatFloat(p.Loss, 'g', -1, 64)}
			for _, t := range tn {
				row = append(row, num(p.TermLoss, t))
			}
			for _, m := range vn {
				row = append(row, num(p.Valid, m))
			}
			for _, m := range sn {
				row = append(row, num(p.Test, m))
			}
			tb.Rows = append(tb.Rows, append(row, strconv.FormatFloat(p.Seconds, 'f', 3, 64)))
		}
		if err := tb.WriteCSV(&buf); err != nil {
			return err
		}
	}
	if err := sh.writeFile(path, buf.Bytes()); err != nil {
		return err
	}
	sh.printf("wrote %s: %d epochs of %s\n", path, len(res.History), me.Name)
	return nil
}

func runExportTable(ctx context.Context, sh *Shell, c *Call) error {
	tb := sh.lastTable
	if tb == nil {
		return fmt.Errorf("no table yet: compare, plot, list or quickstart print one")
	}
	path := c.Args[0]
	var buf bytes.Buffer
	switch formatFor(c, path, "csv", "json", "md", "html", "txt") {
	case "json":
		b, err := json.MarshalIndent(struct {
			Title  string     `json:"title,omitempty"`
			Header []string   `json:"header"`
			Rows   [][]string `json:"rows"`
			Notes  []string   `json:"notes,omitempty"`
		}{tb.Title, tb.Header, tb.Rows, tb.Notes}, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(append(b, '\n'))
	case "md":
		buf.WriteString(tb.Markdown())
	case "html":
		buf.WriteString(tb.HTML() + "\n")
	case "txt":
		if err := tb.WriteText(&buf); err != nil {
			return err
		}
	default:
		if err := tb.WriteCSV(&buf); err != nil {
			return err
		}
	}
	if err := sh.writeFile(path, buf.Bytes()); err != nil {
		return err
	}
	sh.printf("wrote %s: %d rows\n", path, len(tb.Rows))
	return nil
}

// figureFormats maps the extensions of out= to the figure formats of
// kdlib/report.
var figureFormats = map[string]report.Format{".svg": report.SVG, ".png": report.PNG, ".pdf": report.PDF}

// writeCurves writes the per-epoch table as CSV and, when out names a
// figure (.svg, .png, .pdf), the figure too, with the CSV beside it; then
// it prints the table, thinned to about 20 rows.
func (sh *Shell) writeCurves(tb *report.Table, fig *report.Figure, out, rows string) error {
	csvPath, figPath := out, ""
	ext := strings.ToLower(filepath.Ext(out))
	format, isFig := figureFormats[ext]
	captionPath, caption := "", ""
	if isFig {
		csvPath, figPath = strings.TrimSuffix(out, filepath.Ext(out))+".csv", out
		b, err := report.Encode(fig, format)
		if err != nil {
			return err
		}
		if err := sh.writeFile(figPath, b); err != nil {
			return err
		}
		// The caption of a captioned figure (plot curves) beside it, as
		// report.Save writes it, with what the figure states about itself
		// (seeds, curves cut off by their epoch cap).
		if fig.Caption != "" {
			caption = fig.CaptionText()
			captionPath = strings.TrimSuffix(out, filepath.Ext(out)) + report.CaptionExt
			if err := sh.writeFile(captionPath, []byte(caption+"\n")); err != nil {
				return err
			}
		}
	}
	var buf bytes.Buffer
	if err := tb.WriteCSV(&buf); err != nil {
		return err
	}
	if err := sh.writeFile(csvPath, buf.Bytes()); err != nil {
		return err
	}
	shown := *tb
	if n := len(tb.Rows); n > 21 {
		step := (n + 19) / 20
		shown.Rows = nil
		for k := 0; k < n; k += step {
			shown.Rows = append(shown.Rows, tb.Rows[k])
		}
		if (n-1)%step != 0 {
			shown.Rows = append(shown.Rows, tb.Rows[n-1])
		}
		shown.Notes = append(slices.Clone(shown.Notes), fmt.Sprintf("(every %d-th of %d rows shown; all in %s)", step, n, csvPath))
	}
	sh.printTable(&shown)
	sh.lastTable = tb
	if figPath != "" {
		sh.printf("wrote %s (figure) and %s: %d %s × %d columns\n", figPath, csvPath, len(tb.Rows), rows, len(tb.Header)-1)
		if captionPath != "" {
			sh.printf("caption (%s): %s\n", captionPath, caption)
		}
	} else {
		sh.printf("wrote %s: %d %s × %d columns\n", csvPath, len(tb.Rows), rows, len(tb.Header)-1)
	}
	return nil
}

// curveTable builds a table with one row per epoch and one column per
// series, and the figure of the same series; value returns a point's value
// and whether it has one.
func curveTable(title string, fig *report.Figure, models []*ModelEntry, cols []string, value func(m int, col string, p *train.Point) (float64, bool), colsOf func(m int) []string) *report.Table {
	tb := &report.Table{Title: title, Header: append([]string{"epoch"}, cols...)}
	rows := map[int][]string{}
	c := 0
	for m, me := range models {
		for _, col := range colsOf(m) {
			for k := range me.Result.History {
				p := &me.Result.History[k]
				v, ok := value(m, col, p)
				if !ok {
					continue
				}
				row := rows[p.Epoch]
				if row == nil {
					row = make([]string, len(cols))
					rows[p.Epoch] = row
				}
				row[c] = report.Cell(v)
				fig.Add(col, float64(p.Epoch), v)
			}
			c++
		}
	}
	for _, e := range slices.Sorted(maps.Keys(rows)) {
		tb.Rows = append(tb.Rows, append([]string{strconv.Itoa(e)}, rows[e]...))
	}
	return tb
}

// historyModels resolves the model arguments of plot, all with histories.
func (sh *Shell) historyModels(names []string) ([]*ModelEntry, error) {
	var out []*ModelEntry
	for k, n := range names {
		if slices.Contains(names[:k], n) {
			return nil, fmt.Errorf("%s is listed twice", n)
		}
		me, err := sh.ws.ModelByName(n)
		if err != nil {
			return nil, err
		}
		if _, err := historyOf(me); err != nil {
			return nil, err
		}
		out = append(out, me)
	}
	return out, nil
}

func runPlotCurves(ctx context.Context, sh *Shell, c *Call) error {
	models, err := sh.historyModels(c.Args)
	if err != nil {
		return err
	}
	metric, part := c.Opts.String("metric"), c.Opts.String("part")
	if metric == "" {
		p := models[0].Protocol
		if p == "" {
			p = sh.protocol()
		}
		metric = exp.StopMetrics(exp.Protocol(p))[0]
	}
	values := func(p *train.Point) map[string]float64 {
		if part == "test" {
			return p.Test
		}
		return p.Valid
	}
	for _, me := range models {
		found := slices.ContainsFunc(me.Result.History, func(p train.Point) bool { _, ok := values(&p)[metric]; return ok })
		if !found {
			return fmt.Errorf("%s's history has no %s %s values (evaluated with protocol %q; eval-every=0 records none)",
				me.Name, part, metric, me.Protocol)
		}
	}
	fig := report.NewLearningCurve(part + " " + metric)
	tb := curveTable(fmt.Sprintf("%s %s per epoch", part, metric), fig, models, c.Args,
		func(_ int, _ string, p *train.Point) (float64, bool) { v, ok := values(p)[metric]; return v, ok },
		func(m int) []string { return []string{c.Args[m]} })
	partName := map[string]string{"valid": "Validation", "test": "Test"}[part]
	fig.Caption = fmt.Sprintf("%s %s per epoch of %s.", partName, metric, strings.Join(c.Args, ", "))
	// The curves cut off by their epoch cap, said once under the table
	// per cap and rule.
	var keys []string
	cut := map[string][]string{}
	for m, me := range models {
		if c0 := cutoffOf(me, metric, values); c0 != nil {
			fig.Get(c.Args[m]).Cutoff = c0
			k := fmt.Sprintf("%d\x00%s", c0.At, c0.Rule)
			if _, ok := cut[k]; !ok {
				keys = append(keys, k)
			}
			cut[k] = append(cut[k], c.Args[m])
		}
	}
	for _, k := range keys {
		at, rule, _ := strings.Cut(k, "\x00")
		names := cut[k]
		what := names[0] + " stopped at its epoch cap"
		if len(names) > 1 {
			what = strings.Join(names, ", ") + " stopped at their epoch cap"
		}
		tb.Notes = append(tb.Notes, fmt.Sprintf("%s (%s) while still improving (%s): drawn with an arrow (→) at the end.", what, at, rule))
	}
	return sh.writeCurves(tb, fig, c.Opts.String("out"), "epochs")
}

// cutoffOf says whether model me's curve of metric (its points chosen by
// values) ends where its epoch cap stopped training while the run was
// still improving (train.RisingAtCap, by the validation values of metric,
// or of the protocol's first stop metric when metric was not validated),
// as the notebooks' figures mark it (report.Series.Cutoff); nil when not,
// or when the cap is not known (a model loaded, or stopped before its run
// finished, has no record of its budget).
func cutoffOf(me *ModelEntry, metric string, values func(*train.Point) map[string]float64) *report.Cutoff {
	if me.Record == nil || me.Result == nil || len(me.Result.History) == 0 {
		return nil
	}
	cap := me.Record.Spec.Budget.Epochs
	last := -1
	for _, p := range me.Result.History {
		if _, ok := values(&p)[metric]; ok {
			last = p.Epoch
		}
	}
	if last != me.Result.Epochs {
		return nil // the drawn curve ends before the run did
	}
	stop := metric
	if _, v := me.Result.ValidCurve(metric); len(v) == 0 {
		stop = exp.StopMetrics(exp.Protocol(me.Protocol))[0]
	}
	if !me.Result.RisingAtCap(stop, cap) {
		return nil
	}
	return &report.Cutoff{Seeds: 1, All: 1, At: cap, Rule: exp.RisingRule(stop)}
}

func runPlotLoss(ctx context.Context, sh *Shell, c *Call) error {
	models, err := sh.historyModels(c.Args)
	if err != nil {
		return err
	}
	colsOf := func(m int) []string {
		terms := map[string]bool{}
		for _, p := range models[m].Result.History {
			for t := range p.TermLoss {
				terms[t] = true
			}
		}
		if len(terms) <= 1 {
			return []string{models[m].Name}
		}
		out := []string{models[m].Name}
		for _, t := range slices.Sorted(maps.Keys(terms)) {
			out = append(out, models[m].Name+" "+t)
		}
		return out
	}
	var cols []string
	for m := range models {
		cols = append(cols, colsOf(m)...)
	}
	fig := report.NewLearningCurve("training loss")
	tb := curveTable("training loss per epoch (summed over the batches)", fig, models, cols,
		func(m int, col string, p *train.Point) (float64, bool) {
			if p.Epoch == 0 {
				return 0, false
			}
			if t, ok := strings.CutPrefix(col, models[m].Name+" "); ok {
				v, ok := p.TermLoss[t]
				return v, ok
			}
			return p.Loss, true
		}, colsOf)
	return sh.writeCurves(tb, fig, c.Opts.String("out"), "epochs")
}

// degreeCurves returns the degree distributions of the users and items of
// x as complementary cumulative distributions: for every number of
// interactions d that a user or an item has, the fraction of users (items
// with at least one interaction) that have at least d. The figure draws
// them on a log x axis; the table has one row per d.
func degreeCurves(name string, x *data.Interactions) (*report.Table, *report.Figure) {
	sides := []struct {
		label string
		deg   []int
	}{{"users", x.UserDegrees()}, {"items", x.ItemDegrees()}}
	fig := &report.Figure{Title: name, XLabel: "interactions d (log scale)", YLabel: "fraction with at least d", LogX: true}
	at := map[int][2]float64{}
	for k, sd := range sides {
		deg := slices.DeleteFunc(sd.deg, func(d int) bool { return d == 0 })
		slices.Sort(deg)
		for j := 0; j < len(deg); {
			d := deg[j]
			frac := float64(len(deg)-j) / float64(len(deg))
			fig.Add(sd.label, float64(d), frac)
			v := at[d]
			v[k] = frac
			at[d] = v
			for j < len(deg) && deg[j] == d {
				j++
			}
		}
	}
	tb := &report.Table{Title: name + ": fraction of users and items with at least d interactions",
		Header: []string{"d", "users", "items"}}
	// A side without a user (item) of degree d keeps the fraction of the
	// next larger degree it has: the distribution is a step function.
	ds := slices.Sorted(maps.Keys(at))
	var last [2]float64
	for k := len(ds) - 1; k >= 0; k-- {
		v := at[ds[k]]
		for s := range v {
			if v[s] == 0 {
				v[s] = last[s]
			}
		}
		last = v
		at[ds[k]] = v
	}
	for _, d := range ds {
		tb.AddRow(d, at[d][0], at[d][1])
	}
	return tb, fig
}

// writeDegrees draws the degree distribution of data set name to out (a
// figure with its data beside it as .csv, or only the .csv).
func (sh *Shell) writeDegrees(name string, x *data.Interactions, out string) error {
	tb, fig := degreeCurves(name, x)
	return sh.writeCurves(tb, fig, out, "degrees")
}

func runPlotDegrees(ctx context.Context, sh *Shell, c *Call) error {
	name := sh.ws.Dataset
	if len(c.Args) > 0 {
		name = c.Args[0]
	}
	if name == "" {
		return fmt.Errorf("no data set loaded: load one first (load path=<file>) or name one")
	}
	d, err := sh.ws.DatasetByName(name)
	if err != nil {
		return err
	}
	return sh.writeDegrees(d.Name, d.X, c.Opts.String("out"))
}
