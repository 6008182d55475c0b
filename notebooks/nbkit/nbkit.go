// Package nbkit holds the little glue that kdrec's notebooks share: the
// results ledger the notebooks draw from by default (ledger.go), the
// switches that make them train instead (KDREC_RETRAIN for full scale,
// KDREC_QUICK for the reduced scale, KDREC_REFERENCE for the dissertation's
// protocol), the notebook's directories (cache, figures), an on-disk cache
// of trained runs, and a cancellable context.
//
// A GoNB cell runs as a fresh process, so anything expensive is computed
// once and loaded from disk afterwards: TrainBPR stores each trained model
// with its training history as one checkpoint file, keyed by the split's
// fingerprint and every option that changes the result; Cached does the
// same for any JSON-encodable value. Nothing here is specific to one
// notebook, and the library (kdlib) does all the work.
package nbkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// EnvQuick names the environment variable that selects the reduced scale
// (any value but "" and "0"): what CI and scripts/run-notebooks.sh use.
const EnvQuick = "KDREC_QUICK"

// EnvFigures names the environment variable that overrides the figure
// directory (default: figures/ beside the notebook).
const EnvFigures = "KDREC_FIGURES"

// Quick reports whether the notebooks run at reduced scale (KDREC_QUICK).
func Quick() bool {
	v := os.Getenv(EnvQuick)
	return v != "" && v != "0"
}

// Pick returns quick at reduced scale and full otherwise.
func Pick[T any](full, quick T) T {
	if Quick() {
		return quick
	}
	return full
}

// EnvReference names the environment variable that selects, at full scale,
// the dissertation's own protocol (any value but "" and "0") where it is
// longer than the one docs/reproduction.md reports: students trained up to
// 1000 epochs with early stopping, where the report caps them at 100.
const EnvReference = "KDREC_REFERENCE"

// Reference reports whether the full scale is the dissertation's protocol
// (KDREC_REFERENCE, and not KDREC_QUICK).
func Reference() bool {
	v := os.Getenv(EnvReference)
	return !Quick() && v != "" && v != "0"
}

// PickFull is Pick for settings whose full scale has two levels: reference
// under KDREC_REFERENCE (the dissertation's protocol, many hours per
// chapter on two cores), report by default (the settings of the runs in
// docs/reproduction.md, so a full-scale notebook loads those runs from the
// cache and shows the same numbers), quick under KDREC_QUICK.
func PickFull[T any](reference, report, quick T) T {
	switch {
	case Quick():
		return quick
	case Reference():
		return reference
	}
	return report
}

// ScaleName names where the notebook's numbers come from, for its text:
// "full scale, from the results ledger" (the default), "full scale,
// retrained here" (KDREC_RETRAIN), "full scale, retrained at the
// dissertation's protocol" (KDREC_REFERENCE) or "reduced scale"
// (KDREC_QUICK).
func ScaleName() string {
	switch {
	case Quick():
		return "reduced scale"
	case Reference():
		return "full scale, retrained at the dissertation's protocol"
	case Retrain():
		return "full scale, retrained here"
	}
	return "full scale, from the results ledger"
}

// Dir returns the notebook's directory: $GONB_DIR (set by the GoNB
// kernel), else the working directory.
func Dir() string {
	if d := os.Getenv("GONB_DIR"); d != "" {
		return d
	}
	d, err := os.Getwd()
	if err != nil {
		return "."
	}
	return d
}

// CacheDir returns the artifact cache of the notebooks: $KDREC_CACHE when
// set (shared with the REPL and the tests), else .cache/ beside the
// notebooks (ignored by git).
func CacheDir() string {
	if d := os.Getenv("KDREC_CACHE"); d != "" {
		return d
	}
	return filepath.Join(Dir(), ".cache")
}

// FiguresDir returns where notebooks save figures: $KDREC_FIGURES when set,
// else figures/ beside the notebooks.
func FiguresDir() string {
	if d := os.Getenv(EnvFigures); d != "" {
		return d
	}
	return filepath.Join(Dir(), "figures")
}

// SaveFigure writes fig as PNG, SVG and PDF under FiguresDir() with the
// base name name (and its caption, when it has one), removes a note that
// it could not be drawn (NotRecorded), and prints the file names.
// ShowFigure also displays it and writes on it where its runs came from.
func SaveFigure(fig report.Drawable, name string) error {
	paths, err := report.Save(fig, filepath.Join(FiguresDir(), name), report.AllFormats)
	if err != nil {
		return err
	}
	if err := clearMissing(name); err != nil {
		return err
	}
	for k, p := range paths {
		paths[k] = filepath.Base(p)
	}
	fmt.Printf("saved %s in %s\n", strings.Join(paths, ", "), shortPath(FiguresDir()))
	return nil
}

// shortPath shows dir relative to the notebook directory when inside it,
// so rendered notebooks do not record the machine's absolute paths.
func shortPath(dir string) string {
	if rel, err := filepath.Rel(Dir(), dir); err == nil && !strings.HasPrefix(rel, "..") {
		return rel + "/"
	}
	return dir
}

// Context returns a context cancelled by an interrupt (the notebook's ■
// button sends SIGINT), so training stops and keeps its last good state.
// Call stop when done.
func Context() (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// Must returns v, or panics with err. Notebook cells use it to keep the
// happy path short; a panic shows as a failed cell.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Check panics with err if it is not nil (see Must).
func Check(err error) {
	if err != nil {
		panic(err)
	}
}

// SaveTable writes tb as CSV and Markdown (name.csv, name.md) under
// FiguresDir(), next to the figures, removes a note that it could not be
// drawn (NotRecorded), and prints the file names.
func SaveTable(tb *report.Table, name string) error {
	var csv strings.Builder
	if err := tb.WriteCSV(&csv); err != nil {
		return err
	}
	base := filepath.Join(FiguresDir(), name)
	for ext, b := range map[string]string{".csv": csv.String(), ".md": tb.Markdown()} {
		if err := model.WriteFileAtomic(base+ext, []byte(b)); err != nil {
			return err
		}
		if err := os.Chmod(base+ext, 0o644); err != nil {
			return err
		}
	}
	if err := clearMissing(name); err != nil {
		return err
	}
	fmt.Printf("saved %s.csv, %s.md in %s\n", name, name, shortPath(FiguresDir()))
	return nil
}

// ShowTable displays tb (as HTML in a notebook) and saves it as name
// (SaveTable).
func ShowTable(tb *report.Table, name string) error {
	report.DisplayTable(tb)
	return SaveTable(tb, name)
}

// Cached returns the value stored under name in the cache directory
// (cache/values/<name>.json), or computes it, stores it atomically and
// returns it. name must identify everything the value depends on.
func Cached[T any](name string, compute func() (T, error)) (T, error) {
	path := filepath.Join(CacheDir(), "values", name+".json")
	var v T
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &v); err == nil {
			return v, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return v, err
	}
	v, err := compute()
	if err != nil {
		return v, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v, fmt.Errorf("cache %s: %w", name, err)
	}
	return v, model.WriteFileAtomic(path, b)
}

// Run is a trained BPR model with its history, from the cache or fresh.
type Run struct {
	// Model is the trained model (see exp.TrainBPR for which state).
	Model *model.BPR
	// Result is the training history: per-epoch losses and the validation
	// and test metrics of every evaluation.
	Result *train.Result
	// Test holds the mean test metrics of Model.
	Test map[string]float64
	// Seconds is the wall time of the original training run.
	Seconds float64
	// Path is the checkpoint file; Cached says whether it was loaded.
	Path   string
	Cached bool
}

// RunKey returns the cache key of a BPR run: the split's fingerprint and
// every option of o that changes the result.
func RunKey(s *data.Split, o exp.BPROptions) string {
	return fmt.Sprintf("bpr-%s-d%d-seed%d-%s-ep%d-every%d-pat%d-start%t-lazy%t",
		exp.SplitFingerprint(s), o.Dim, o.Seed, o.Protocol, o.Epochs, o.EvalEvery, o.Patience, o.EvalAtStart, o.LazyAdam)
}

// TrainBPR is exp.TrainBPR with the on-disk cache: the run is loaded from
// cache/runs/<RunKey>.ckpt when present and intact, otherwise trained (with
// progress on o.Log) and saved atomically with its history.
func TrainBPR(ctx context.Context, s *data.Split, o exp.BPROptions) (*Run, error) {
	path := filepath.Join(CacheDir(), "runs", RunKey(s, o)+".ckpt")
	if r, err := loadRun(path); err == nil {
		return r, nil
	} else if !errors.Is(err, fs.ErrNotExist) && o.Log != nil {
		fmt.Fprintf(o.Log, "cache: %v; retraining\n", err)
	}
	start := time.Now()
	br, err := exp.TrainBPR(ctx, s, o)
	if err != nil {
		return nil, err
	}
	r := &Run{Model: br.Model, Result: br.Result, Test: br.Test.Means(), Seconds: time.Since(start).Seconds(), Path: path}
	hist, err := json.Marshal(r.Result)
	if err != nil {
		return nil, err
	}
	test, err := json.Marshal(r.Test)
	if err != nil {
		return nil, err
	}
	meta := map[string]string{"split": s.Name, "result": string(hist), "test": string(test),
		"seconds": fmt.Sprint(r.Seconds), "trained": time.Now().UTC().Format(time.RFC3339)}
	if err := model.Save(path, r.Model, meta); err != nil {
		return nil, err
	}
	return r, nil
}

func loadRun(path string) (*Run, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	c, meta, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	m, ok := c.(*model.BPR)
	if !ok {
		return nil, fmt.Errorf("%s: a %s checkpoint, not bpr", path, c.Kind())
	}
	r := &Run{Model: m, Path: path, Cached: true}
	if err := json.Unmarshal([]byte(meta["result"]), &r.Result); err != nil {
		return nil, fmt.Errorf("%s: history: %w", path, err)
	}
	if err := json.Unmarshal([]byte(meta["test"]), &r.Test); err != nil {
		return nil, fmt.Errorf("%s: test metrics: %w", path, err)
	}
	fmt.Sscan(meta["seconds"], &r.Seconds)
	return r, nil
}
