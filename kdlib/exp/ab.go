package exp

// A/B records: the measurements of scripts/ab-authors.sh (kdrec against the
// authors' PyTorch code, operation by operation), committed in the ledger's
// ab/ folder as <date>-<host>.json and rendered into the documents by the
// block <!-- ledger:ab --> (ABTable).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/report"
)

// ABFormat is the format tag of an A/B record, written by scripts/ab/ab.py
// (its module documentation describes every field).
const ABFormat = "kdrec-ab/1"

// ABDir is the folder of the A/B records inside the ledger's directory.
const ABDir = "ab"

// ABRecord is one run of scripts/ab-authors.sh: the medians of every
// operation and what they were measured on.
type ABRecord struct {
	// Format is ABFormat.
	Format string `json:"format"`
	// Started and Ended are the run's UTC start and end (RFC 3339).
	Started string `json:"started"`
	Ended   string `json:"ended"`
	// Host is the machine's host name (first label).
	Host string `json:"host"`
	// Machine describes the CPU, memory and kernel.
	Machine ABMachine `json:"machine"`
	// Threads is the number of threads of each side; Reps the rounds per
	// operation.
	Threads int `json:"threads"`
	Reps    int `json:"reps"`
	// LoadBefore and LoadAfter are the 1-, 5- and 15-minute load averages.
	LoadBefore []float64 `json:"load_before"`
	LoadAfter  []float64 `json:"load_after"`
	// MaxLoad1 is the highest 1-minute load average when a measurement
	// started. The A/B's own threads count in it, so it is context only;
	// in records without MaxForeign (the first ones) it was the idle
	// criterion: above IdleLoad the run was not idle.
	MaxLoad1 float64 `json:"max_load1"`
	IdleLoad float64 `json:"idle_load"`
	// MaxForeign is the highest CPU use, in cores, of everything but the
	// measured process, averaged over one measured process's life (the
	// machine's busy time from /proc/stat minus the process's own user +
	// system time); above IdleForeign the run was not idle. Nil in the
	// records made before ab.py measured it, and where a measurement had no
	// reading (no /proc/stat): MaxLoad1 is the criterion then.
	MaxForeign  *float64 `json:"max_foreign_cores,omitempty"`
	IdleForeign float64  `json:"idle_foreign,omitempty"`
	// MaxSteal is the highest steal time, in cores, averaged over one
	// measured process's life (/proc/stat): the host running other guests
	// while this one wanted to run, which slows a measurement without
	// showing as busy time. Reported, not part of the idle criterion; nil
	// in the records made before ab.py measured it.
	MaxSteal *float64 `json:"max_steal_cores,omitempty"`
	// Kdrec is kdrec's toolchain and revision.
	Kdrec struct {
		Go       string `json:"go"`
		Revision string `json:"revision"`
	} `json:"kdrec"`
	// Authors are the library versions of the authors' side.
	Authors struct {
		Python string `json:"python"`
		Torch  string `json:"torch"`
		Numpy  string `json:"numpy"`
		BLAS   string `json:"blas"`
	} `json:"authors"`
	// Rows holds one entry per operation, in the order run.
	Rows []ABRow `json:"rows"`
	// Raw holds every single measurement (not rendered).
	Raw json.RawMessage `json:"raw"`
}

// ABMachine is the machine an A/B record was measured on.
type ABMachine struct {
	// CPU is the model name; CPUs the number of logical CPUs.
	CPU  string `json:"cpu"`
	CPUs int    `json:"cpus"`
	// SIMD lists the vector extensions kdrec uses that the CPU has
	// ("avx2+fma").
	SIMD string `json:"simd"`
	// Memory is the total memory ("15.5 GiB").
	Memory string `json:"memory"`
	// Kernel and Arch are the kernel release and the machine architecture.
	Kernel string `json:"kernel"`
	Arch   string `json:"arch"`
}

// ABRow is one operation of an A/B record: medians over N rounds of CPU
// time (user + system over all threads) and wall time in seconds, and the
// highest peak resident memory of the rounds' processes in MiB.
type ABRow struct {
	// Op is the operation's name in scripts/ab/ab.py ("de", "hetcomp1");
	// What describes it.
	Op   string `json:"op"`
	What string `json:"what"`
	// Target is the wall-time ratio (authors ÷ kdrec) the issue asks for,
	// nil when none.
	Target *float64 `json:"target"`
	// KdrecBench names kdrec's benchmark ("kdlib/distill ^BenchmarkX$").
	KdrecBench string `json:"kdrec_bench"`
	// N is the number of rounds.
	N int `json:"n"`

	// AuthorsCPU, AuthorsWall, KdrecCPU and KdrecWall are the medians.
	AuthorsCPU  float64 `json:"authors_cpu_s"`
	AuthorsWall float64 `json:"authors_wall_s"`
	KdrecCPU    float64 `json:"kdrec_cpu_s"`
	KdrecWall   float64 `json:"kdrec_wall_s"`
	// AuthorsPeakMiB and KdrecPeakMiB are the highest peak resident
	// memory of a round's process (set-up included).
	AuthorsPeakMiB float64 `json:"authors_peak_rss_mb"`
	KdrecPeakMiB   float64 `json:"kdrec_peak_rss_mb"`
}

// ReadABRecord reads and checks one A/B record; every error names the
// file.
func ReadABRecord(path string) (*ABRecord, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r ABRecord
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("A/B record %s: %w", path, err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("A/B record %s: %w", path, err)
	}
	return &r, nil
}

func (r *ABRecord) check() error {
	if r.Format != ABFormat {
		return fmt.Errorf("format %q, want %q", r.Format, ABFormat)
	}
	t0, err := time.Parse(time.RFC3339, r.Started)
	if err != nil {
		return fmt.Errorf("started: %w", err)
	}
	t1, err := time.Parse(time.RFC3339, r.Ended)
	if err != nil {
		return fmt.Errorf("ended: %w", err)
	}
	switch {
	case t1.Before(t0):
		return fmt.Errorf("ended %s before started %s", r.Ended, r.Started)
	case r.Host == "":
		return errors.New("no host")
	case r.Threads < 1 || r.Reps < 1:
		return fmt.Errorf("threads %d and reps %d must be ≥ 1", r.Threads, r.Reps)
	case len(r.LoadBefore) != 3 || len(r.LoadAfter) != 3:
		return fmt.Errorf("load_before and load_after want 3 load averages, got %d and %d", len(r.LoadBefore), len(r.LoadAfter))
	case len(r.Rows) == 0:
		return errors.New("no rows")
	case r.MaxForeign != nil && (*r.MaxForeign < 0 || r.IdleForeign <= 0):
		return fmt.Errorf("max_foreign_cores %g must be ≥ 0 and idle_foreign %g > 0", *r.MaxForeign, r.IdleForeign)
	case r.MaxSteal != nil && *r.MaxSteal < 0:
		return fmt.Errorf("max_steal_cores %g must be ≥ 0", *r.MaxSteal)
	}
	seen := map[string]bool{}
	for k, row := range r.Rows {
		if row.Op == "" || seen[row.Op] {
			return fmt.Errorf("row %d: operation %q empty or repeated", k+1, row.Op)
		}
		seen[row.Op] = true
		if row.N < 1 {
			return fmt.Errorf("row %s: n = %d rounds", row.Op, row.N)
		}
		for _, v := range []struct {
			name string
			x    float64
		}{{"authors_cpu_s", row.AuthorsCPU}, {"authors_wall_s", row.AuthorsWall}, {"kdrec_cpu_s", row.KdrecCPU},
			{"kdrec_wall_s", row.KdrecWall}, {"authors_peak_rss_mb", row.AuthorsPeakMiB}, {"kdrec_peak_rss_mb", row.KdrecPeakMiB}} {
			if !(v.x > 0) || math.IsInf(v.x, 1) {
				return fmt.Errorf("row %s: %s = %v, want a positive finite number", row.Op, v.name, v.x)
			}
		}
		if row.Target != nil && !(*row.Target > 0) {
			return fmt.Errorf("row %s: target %v, want positive or null", row.Op, *row.Target)
		}
	}
	return nil
}

// ABRecords returns the A/B records in dir (the ledger's ab/ folder),
// oldest first by their start time, with their file names; a missing
// folder holds none.
func ABRecords(dir string) ([]*ABRecord, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	type rec struct {
		r    *ABRecord
		name string
		t    time.Time
	}
	var rs []rec
	for _, p := range paths {
		r, err := ReadABRecord(p)
		if err != nil {
			return nil, nil, err
		}
		t, _ := time.Parse(time.RFC3339, r.Started)
		rs = append(rs, rec{r, filepath.Base(p), t})
	}
	slices.SortStableFunc(rs, func(a, b rec) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	out, names := make([]*ABRecord, len(rs)), make([]string, len(rs))
	for k, x := range rs {
		out[k], names[k] = x.r, x.name
	}
	return out, names, nil
}

// ABTable renders one A/B record (file is its name, for the notes): per
// operation the medians of both sides, their ratios (authors ÷ kdrec:
// how many times faster kdrec is), the target, the peak memory and the
// rounds, with the machine, the threads, the load and the library
// versions below.
func ABTable(r *ABRecord, file string) *report.Table {
	t := &report.Table{Header: []string{"operation", "authors CPU s", "kdrec CPU s", "× CPU", "target (× wall)",
		"authors wall s", "kdrec wall s", "× wall", "peak MiB authors", "peak MiB kdrec", "rounds"}}
	for _, row := range r.Rows {
		rc, rw := row.AuthorsCPU/row.KdrecCPU, row.AuthorsWall/row.KdrecWall
		tgt := "–"
		if row.Target != nil {
			verdict := "not met"
			if rw >= *row.Target {
				verdict = "met"
			}
			tgt = fmt.Sprintf("≥ %g×, %s", *row.Target, verdict)
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%s (`%s`)", row.What, row.Op), abNum(row.AuthorsCPU), abNum(row.KdrecCPU), abNum(rc), tgt,
			abNum(row.AuthorsWall), abNum(row.KdrecWall), abNum(rw), fmt.Sprintf("%.0f", row.AuthorsPeakMiB), fmt.Sprintf("%.0f", row.KdrecPeakMiB),
			fmt.Sprint(row.N)})
	}
	m := r.Machine
	loads := func(x []float64) string { return fmt.Sprintf("%.2f %.2f %.2f", x[0], x[1], x[2]) }
	t.Notes = append(t.Notes,
		fmt.Sprintf("Recorded in `results/%s/%s`: %s to %s on %s (%s, %d logical CPUs, %s, %s, Linux %s %s); %d threads per side; %d rounds per operation, alternated authors / kdrec; medians, peak memory the highest of the rounds.",
			ABDir, file, r.Started, r.Ended, r.Host, m.CPU, m.CPUs, orDash(m.SIMD), m.Memory, m.Kernel, m.Arch, r.Threads, r.Reps),
		loadNote(r, loads),
		fmt.Sprintf("Authors' side: Python %s, torch %s, numpy %s, BLAS %s. kdrec: %s, revision %s.",
			orDash(r.Authors.Python), orDash(r.Authors.Torch), orDash(r.Authors.Numpy), orDash(r.Authors.BLAS), orDash(r.Kdrec.Go), orDash(r.Kdrec.Revision)))
	if r.MaxForeign != nil {
		t.Notes = append(t.Notes, fmt.Sprintf("Other processes used at most %.2f cores on average during a measurement (idle threshold %.2f).", *r.MaxForeign, r.IdleForeign))
	}
	if r.MaxSteal != nil {
		t.Notes = append(t.Notes, fmt.Sprintf("Steal time (the host running other guests while this one wanted to run) was at most %.2f cores during a measurement.", *r.MaxSteal))
	}
	if r.NotIdle() {
		t.Notes = append(t.Notes, "**Not an idle measurement**: the machine was busier than the threshold, which inflates the authors' times (torch's threads wait for each other at every operation) far more than kdrec's.")
	}
	return t
}

// loadNote is the block's note on the load averages; the load threshold
// is named only in the records where it was the idle criterion.
func loadNote(r *ABRecord, loads func([]float64) string) string {
	if r.MaxForeign != nil {
		return fmt.Sprintf("Load average (1, 5, 15 min): %s before, %s after; the highest 1-minute load when a measurement started was %.2f (the A/B's own %d+%d threads count in it).",
			loads(r.LoadBefore), loads(r.LoadAfter), r.MaxLoad1, r.Threads, r.Threads)
	}
	return fmt.Sprintf("Load average (1, 5, 15 min): %s before, %s after; the highest 1-minute load when a measurement started was %.2f (idle threshold %.2f).",
		loads(r.LoadBefore), loads(r.LoadAfter), r.MaxLoad1, r.IdleLoad)
}

// NotIdle reports whether the record's run was not idle: by the other
// processes' CPU use where the record has it, else by the 1-minute load
// (the first records).
func (r *ABRecord) NotIdle() bool {
	if r.MaxForeign != nil {
		return *r.MaxForeign > r.IdleForeign
	}
	return r.MaxLoad1 > r.IdleLoad
}

// abNum formats a time or ratio with three significant digits (integers
// from 100 on).
func abNum(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// abBlock renders the block "ab" (newest record) or "ab all" (every
// record, newest first) from the ledger's ab/ folder.
func abBlock(l *Ledger, pos []string, opts map[string]string) (string, error) {
	all := false
	switch {
	case len(opts) > 0 || len(pos) > 1:
		return "", fmt.Errorf("want no argument (the newest record) or all")
	case len(pos) == 1 && pos[0] == "all":
		all = true
	case len(pos) == 1:
		return "", fmt.Errorf("unknown argument %q (want all or none)", pos[0])
	}
	dir := filepath.Join(l.Dir(), ABDir)
	rs, names, err := ABRecords(dir)
	if err != nil {
		return "", err
	}
	if len(rs) == 0 {
		return fmt.Sprintf("_No A/B measurement is recorded yet (no `results/%s/*.json`): `scripts/ab-authors.sh --record results/%s` on an idle machine, then commit the file and run `go run ./cmd/kdsweep report`._\n", ABDir, ABDir), nil
	}
	if !all {
		rs, names = rs[len(rs)-1:], names[len(names)-1:]
	}
	var b strings.Builder
	for k := len(rs) - 1; k >= 0; k-- {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(ABTable(rs[k], names[k]).Markdown())
	}
	return b.String(), nil
}
