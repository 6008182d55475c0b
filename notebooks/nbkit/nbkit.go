// Package nbkit holds the little glue that kdrec's notebooks share: the
// results ledger the notebooks draw from by default (ledger.go), the
// switches that make them train instead (KDREC_RETRAIN for full scale,
// KDREC_QUICK for the reduced scale) and the training path that then fills
// a ledger through exp.RunSweep (train.go), the notebook's directories
// (cache, figures) and a cancellable context.
//
// A GoNB cell runs as a fresh process, so anything trained is kept on
// disk: the runs' records in a ledger, the models and teacher lists in the
// artefact cache of exp.Env (keyed by the hash of what they are). Nothing
// here is specific to one notebook, and the library (kdlib) does all the
// work.
package nbkit

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
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

// ScaleName names where the notebook's numbers come from, for its text:
// "full scale, from the results ledger" (the default), "full scale,
// retrained here" (KDREC_RETRAIN) or "reduced scale" (KDREC_QUICK).
func ScaleName() string {
	switch {
	case Quick():
		return "reduced scale"
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

// CacheDir returns the notebooks' own cache directory: $KDREC_CACHE when
// set (shared with the REPL and the tests), else .cache/ beside the
// notebooks (ignored by git). The reduced scale keeps its artefacts there
// (ArtifactDir).
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

// EnvQuiet names the environment variable that silences the lines saying
// where figures and tables were saved (any value but "" and "0"):
// scripts/run-notebooks.sh sets it, so rendered notebooks show the
// chapter, not file names.
const EnvQuiet = "KDREC_NB_QUIET"

// Quiet reports whether the notebooks run quietly (KDREC_NB_QUIET).
func Quiet() bool { return isSet(EnvQuiet) }

// SaveFigure checks fig against the paper style (report.CheckStyle: a
// figure that breaks a rule is an error naming each finding, and is not
// saved), writes it as PNG, SVG and PDF under FiguresDir() with the base
// name name (and its caption), removes a note that it could not be drawn
// (NotRecorded), and prints the file names (unless Quiet). ShowFigure
// also displays it and writes on it where its runs came from.
func SaveFigure(fig report.Drawable, name string) error {
	if issues := report.CheckStyle(fig); len(issues) > 0 {
		msgs := make([]string, len(issues))
		for k, i := range issues {
			msgs[k] = i.String()
		}
		return fmt.Errorf("figure %s breaks the paper style (docs/figures.md):\n\t%s", name, strings.Join(msgs, "\n\t"))
	}
	paths, err := report.Save(fig, filepath.Join(FiguresDir(), name), report.AllFormats)
	if err != nil {
		return err
	}
	if err := clearMissing(name); err != nil {
		return err
	}
	if Quiet() {
		return nil
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
// drawn (NotRecorded), and prints the file names (unless Quiet).
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
	if !Quiet() {
		fmt.Printf("saved %s.csv, %s.md in %s\n", name, name, shortPath(FiguresDir()))
	}
	return nil
}

// ShowTable displays tb (as HTML in a notebook) and saves it as name
// (SaveTable).
func ShowTable(tb *report.Table, name string) error {
	report.DisplayTable(tb)
	return SaveTable(tb, name)
}
