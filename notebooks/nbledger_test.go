package notebooks

// The notebooks' default path, without Jupyter: every notebook's code
// cells run in ledger mode (assembled as GoNB would, nbquick_test.go), and
// every figure they draw is checked against the paper style — in the
// notebook process, by nbkit.SaveFigure (report.CheckStyle on what the
// figure draws: palette per method, no markers on references, seeds
// written, sizes, …: a figure that breaks a rule fails its cell) and on
// the files written (report.CheckSaved).

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/report"
)

// TestLedgerNotebooks runs every notebook (KDREC_NB_ONLY restricts them)
// in ledger mode, cell by cell, and checks that each cell succeeds and
// that each declared figure is drawn in the paper style or replaced by its
// note. It builds one program per notebook; -short skips it.
func TestLedgerNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs every notebook")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	nbdir := filepath.Join(root, "notebooks")
	work := t.TempDir()
	figs := filepath.Join(work, "figures")
	srcs := sources(t)
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			src := srcs[name]
			prog, cells, err := assemble(src)
			if err != nil {
				t.Fatal(err)
			}
			bin := buildProgram(t, root, filepath.Join(work, name), prog)
			env := append(os.Environ(), "KDREC_QUICK=", "KDREC_RETRAIN=", "KDREC_LEDGER=", "GONB_DIR="+nbdir,
				"KDREC_FIGURES="+figs, "KDREC_ROOT="+root, "KDREC_NB_QUIET=1", "KDREC_CACHE="+filepath.Join(work, "cache"))
			for _, c := range cells {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				cmd := exec.CommandContext(ctx, bin, strconv.Itoa(c))
				cmd.Env, cmd.Dir = env, nbdir
				out, err := cmd.CombinedOutput()
				cancel()
				if err != nil {
					t.Fatalf("cell %d (%s) failed: %v\n%s", c, firstLine(string(src.Cells[c].Source)), err, tail(out, 4000))
				}
			}
			if src.Metadata.Kdrec == nil {
				return
			}
			for _, f := range src.Metadata.Kdrec.Figures {
				if _, err := os.Stat(filepath.Join(figs, f+missingExt)); err == nil {
					continue // checked against the ledger by TestExecutedNotebooks
				}
				for _, issue := range report.CheckSaved(filepath.Join(figs, f)) {
					t.Errorf("%s: %s", f, issue)
				}
			}
		})
	}
}
