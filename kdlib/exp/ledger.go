package exp

// The results ledger: the committed record of every finished run that a
// report, a figure or a claim of the repository is generated from. One
// gzip-compressed JSON file per run (<dir>/runs/<id>.json.gz, the Record a
// sweep stores), so that shards and machines add runs without touching
// each other's files and git merges them without conflicts. Records are
// appended by `kdsweep run --ledger` and by the REPL; a record already in
// the ledger is never replaced.

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
)

// Ledger is a directory of run records (see the package comment above).
type Ledger struct {
	dir string
	mu  sync.Mutex
}

// DefaultLedger is the ledger's folder in the repository, relative to its
// root.
const DefaultLedger = "results"

// OpenLedger opens (creating it if needed) the ledger in dir. Readers that
// must not create one use OpenLedgerExisting.
func OpenLedger(dir string) (*Ledger, error) {
	if dir == "" {
		return nil, errors.New("ledger: no directory")
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return &Ledger{dir: dir}, nil
}

// OpenLedgerExisting opens the ledger in dir, which must exist: a report
// or a claims table read from a mistyped directory is an error, not an
// empty ledger.
func OpenLedgerExisting(dir string) (*Ledger, error) {
	if fi, err := os.Stat(filepath.Join(dir, "runs")); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("ledger: %s holds no ledger (no runs/ folder)", dir)
	}
	return &Ledger{dir: dir}, nil
}

// Dir returns the ledger's directory.
func (l *Ledger) Dir() string { return l.dir }

func (l *Ledger) path(id string) string { return filepath.Join(l.dir, "runs", id+".json.gz") }

// validID says whether id is a run id (16 lower-case hex digits), the only
// file names the ledger reads or writes.
func validID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Has reports whether the run id is recorded.
func (l *Ledger) Has(id string) bool {
	if !validID(id) {
		return false
	}
	_, err := os.Stat(l.path(id))
	return err == nil
}

// Add records rec. A record of the same run already in the ledger is kept
// (the first finished run of a spec is the one reported) and Add returns
// false; ids must be plain hex hashes.
func (l *Ledger) Add(rec *Record) (bool, error) {
	if !validID(rec.ID) || !strings.HasPrefix(rec.Hash, rec.ID) {
		return false, fmt.Errorf("ledger: bad record id %q (hash %q)", rec.ID, rec.Hash)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Has(rec.ID) {
		return false, nil
	}
	c, err := compact(rec)
	if err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		return false, err
	}
	// Write a temporary file, then link it to the record's name: a link
	// never replaces an existing file, so a record another process wrote
	// meanwhile is kept (never replaced, as the ledger promises).
	tmp, err := os.CreateTemp(filepath.Join(l.dir, "runs"), ".tmp-"+rec.ID+"-*")
	if err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(z.Bytes()); err != nil {
		tmp.Close()
		return false, fmt.Errorf("ledger: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return false, fmt.Errorf("ledger: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("ledger: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	if err := os.Link(tmp.Name(), l.path(rec.ID)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("ledger: %w", err)
	}
	return true, nil
}

// Get reads the record of run id.
func (l *Ledger) Get(id string) (*Record, error) {
	if !validID(id) {
		return nil, fmt.Errorf("ledger: bad run id %q", id)
	}
	return readLedgerFile(l.path(id))
}

func readLedgerFile(path string) (*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	if want := strings.TrimSuffix(filepath.Base(path), ".json.gz"); rec.ID != want {
		return nil, fmt.Errorf("ledger %s: holds run %q", path, rec.ID)
	}
	if h, err := rec.Spec.Hash(); err != nil || h != rec.Hash {
		return nil, fmt.Errorf("ledger %s: the spec does not hash to the record's hash (edited by hand?)", path)
	}
	if err := expand(&rec); err != nil {
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	return &rec, nil
}

// Records reads every record, ordered by sweep, index and id.
func (l *Ledger) Records() ([]*Record, error) {
	files, err := filepath.Glob(filepath.Join(l.dir, "runs", "*.json.gz"))
	if err != nil {
		return nil, err
	}
	out := make([]*Record, 0, len(files))
	for _, f := range files {
		rec, err := readLedgerFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Sweep != b.Sweep {
			return a.Sweep < b.Sweep
		}
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return a.ID < b.ID
	})
	return out, nil
}

// Machine describes where a run ran and how loaded the machine was: the
// timings of a record are only comparable under similar load.
type Machine struct {
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS, Arch string
	// CPUs is runtime.NumCPU and Procs runtime.GOMAXPROCS.
	CPUs, Procs int
	// CPU is the processor's model name, when known (/proc/cpuinfo).
	CPU string `json:",omitempty"`
	// Load holds the 1-minute load average at the start and at the end of
	// the run, when known (/proc/loadavg).
	Load []float64 `json:",omitempty"`
	// PeakRSSMB is the process's peak resident memory during the run, in
	// MiB, when known (Linux: VmHWM of /proc/self/status, reset through
	// /proc/self/clear_refs as the run starts). It is the process's, so it
	// includes what earlier runs left allocated and, when runs execute
	// concurrently in one process, theirs.
	PeakRSSMB float64 `json:",omitempty"`
	// StartRSSMB is the process's resident memory as the run starts, in
	// MiB, when known (Linux: VmRSS): what the process held before the
	// run (in a fresh process, the program and the Go runtime). The
	// growth fit (GrowthTable) relates PeakRSSMB less it to the data's
	// size.
	StartRSSMB float64 `json:",omitempty"`
}

// resetPeakRSS resets the process's peak resident memory to its current
// resident memory (Linux: writing 5 to /proc/self/clear_refs); it reports
// whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSSMB returns the process's peak resident memory in MiB (VmHWM).
func peakRSSMB() (float64, bool) { return procStatusMB("VmHWM:") }

// rssMB returns the process's resident memory in MiB (VmRSS).
func rssMB() (float64, bool) { return procStatusMB("VmRSS:") }

// procStatusMB reads a field of /proc/self/status given in kB, in MiB.
func procStatusMB(field string) (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err != nil {
				return 0, false
			}
			return kb / 1024, true
		}
	}
	return 0, false
}

// currentMachine describes this machine, with the current load.
func currentMachine() *Machine {
	m := &Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Procs: runtime.GOMAXPROCS(0), CPU: cpuModel()}
	if l, ok := loadAvg(); ok {
		m.Load = []float64{l}
	}
	return m
}

var cpuModel = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
})

// loadAvg returns the 1-minute load average.
func loadAvg() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	x, err := strconv.ParseFloat(f[0], 64)
	return x, err == nil
}

// PackedRanks holds eval.Ranks compactly: users as ascending deltas, then
// the candidate ranks (if any), then the full ranks, each an unsigned
// varint, deflated and base64-encoded.
type PackedRanks struct {
	// Part is the evaluated part, "valid" or "test".
	Part string `json:"part"`
	// Users is the number of ranked users.
	Users int `json:"users"`
	// Candidates says whether candidate ranks are included.
	Candidates bool `json:"candidates"`
	// Encoding names the layout ("deflate+uvarint").
	Encoding string `json:"encoding"`
	// Data is the encoded payload (standard base64).
	Data string `json:"data"`
}

const ranksEncoding = "deflate+uvarint"

// PackRanks encodes r.
func PackRanks(r *eval.Ranks) (*PackedRanks, error) {
	var raw []byte
	prev := int64(0)
	for k, u := range r.Users {
		if k > 0 && int64(u) <= prev {
			return nil, fmt.Errorf("ranks: users not ascending at %d", k)
		}
		raw = binary.AppendUvarint(raw, uint64(int64(u)-prev))
		prev = int64(u)
	}
	cols := [][]int32{r.Full}
	if r.Candidates != nil {
		cols = [][]int32{r.Candidates, r.Full}
	}
	for _, c := range cols {
		if len(c) != len(r.Users) {
			return nil, fmt.Errorf("ranks: %d ranks for %d users", len(c), len(r.Users))
		}
		for _, p := range c {
			if p < 1 {
				return nil, fmt.Errorf("ranks: rank %d < 1", p)
			}
			raw = binary.AppendUvarint(raw, uint64(p))
		}
	}
	z, err := deflateBase64(raw)
	if err != nil {
		return nil, err
	}
	return &PackedRanks{Part: r.Part, Users: len(r.Users), Candidates: r.Candidates != nil, Encoding: ranksEncoding, Data: z}, nil
}

// Unpack decodes the ranks.
func (p *PackedRanks) Unpack() (*eval.Ranks, error) {
	if p.Encoding != ranksEncoding {
		return nil, fmt.Errorf("ranks: unknown encoding %q", p.Encoding)
	}
	raw, err := inflateBase64(p.Data)
	if err != nil {
		return nil, fmt.Errorf("ranks: %w", err)
	}
	rd := bytes.NewReader(raw)
	read := func() (int64, error) {
		x, err := binary.ReadUvarint(rd)
		if err != nil || x > 1<<31-1 {
			return 0, fmt.Errorf("ranks: truncated or corrupt payload")
		}
		return int64(x), nil
	}
	r := &eval.Ranks{Part: p.Part, Users: make([]int32, p.Users), Full: make([]int32, p.Users)}
	prev := int64(0)
	for k := range r.Users {
		d, err := read()
		if err != nil {
			return nil, err
		}
		prev += d
		r.Users[k] = int32(prev)
	}
	cols := [][]int32{r.Full}
	if p.Candidates {
		r.Candidates = make([]int32, p.Users)
		cols = [][]int32{r.Candidates, r.Full}
	}
	for _, c := range cols {
		for k := range c {
			x, err := read()
			if err != nil {
				return nil, err
			}
			c[k] = int32(x)
		}
	}
	if rd.Len() != 0 {
		return nil, fmt.Errorf("ranks: %d trailing bytes", rd.Len())
	}
	return r, nil
}

// attachRanks records in res the test ranks of m's held-out items (splits
// with one held-out item per user; other splits rank nobody and attach
// nothing).
func attachRanks(ctx context.Context, res *RunResult, m model.Scorer, s *data.Split) error {
	r, err := eval.HeldOutRanks(ctx, m, s, eval.Test, eval.Options{})
	if err != nil {
		return err
	}
	if len(r.Users) == 0 {
		return nil
	}
	p, err := PackRanks(r)
	if err != nil {
		return err
	}
	res.Ranks = p
	return nil
}

// Execute executes one run of a sweep with the runner registered for its
// student and methods, and returns its record: the spec and its hash, the
// code version, the machine and its load, the start and end times and the
// result. It is the one way anything is trained and evaluated: the sweeps,
// the main job (Quickstart), the notebooks' training path and kdrepl's
// train (which provides its workspace's splits and teachers to env). A run
// that stops after training began returns an *Unfinished error with what
// it had, and no record: an interrupted or failed run is never recorded.
func Execute(ctx context.Context, r *Run, env *Env) (*Record, error) {
	runner, err := LookupRunner(r.Spec.Student.Kind, r.Spec.Methods())
	if err != nil {
		return nil, err
	}
	mach := currentMachine()
	rss := resetPeakRSS()
	if mb, ok := rssMB(); ok && rss {
		mach.StartRSSMB = math.Round(mb*10) / 10
	}
	started := time.Now()
	res, err := runner(ctx, r, env)
	if err == nil && res == nil {
		err = errors.New("runner returned no result")
	}
	if err != nil {
		return nil, err
	}
	if l, ok := loadAvg(); ok && len(mach.Load) == 1 {
		mach.Load = append(mach.Load, l)
	}
	if mb, ok := peakRSSMB(); ok && rss {
		mach.PeakRSSMB = math.Round(mb*10) / 10
	}
	host, _ := os.Hostname()
	return &Record{ID: r.ID, Hash: r.Hash, Index: r.Index, Label: r.Label, Point: r.Point, Spec: r.Spec,
		Code: CurrentCodeVersion(), Host: host, Machine: mach, Started: started.UTC(), Finished: time.Now().UTC(), Result: *res}, nil
}

// deflateBase64 compresses raw and encodes it in standard base64.
func deflateBase64(raw []byte) (string, error) {
	return deflateBase64Level(raw, flate.BestCompression)
}

// deflateBase64Level is deflateBase64 at a deflate level.
func deflateBase64Level(raw []byte, level int) (string, error) {
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, level)
	if err != nil {
		return "", err
	}
	w.Write(raw)
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(z.Bytes()), nil
}

// inflateBase64 reverses deflateBase64.
func inflateBase64(s string) ([]byte, error) {
	z, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(flate.NewReader(bytes.NewReader(z)))
}

// AddManifest records the expansion of a sweep (<dir>/sweeps/<key>.json):
// the report's metrics and baseline and the runs' order and coordinates,
// which the ledger's tables need. A sweep may grow: an expansion that
// starts with the recorded runs, in their order, and adds runs after them
// (variants appended at the end of the spec) replaces the manifest, so a
// table gains rows without re-running or renaming anything. Any other
// difference is an error: a shorter expansion (an older copy of the spec,
// or rows removed, which a recorded sweep never loses) or a changed one
// (the spec changed under the same name: give it a new name).
func (l *Ledger) AddManifest(m *Manifest) error {
	name, budget, _ := strings.Cut(m.Sweep, "@")
	if CheckName(name) != nil || (budget != "" && CheckName(budget) != nil) {
		return fmt.Errorf("ledger: bad sweep key %q", m.Sweep)
	}
	path := ManifestPath(l.dir, m.Sweep)
	if b, err := os.ReadFile(path); err == nil {
		var old Manifest
		if err := json.Unmarshal(b, &old); err != nil {
			return fmt.Errorf("ledger: %s: %w", path, err)
		}
		switch {
		case sameRuns(old.Runs, m.Runs):
			return nil
		case len(m.Runs) > len(old.Runs) && sameRuns(old.Runs, m.Runs[:len(old.Runs)]):
			// grown by appended runs: replaced below
		case len(m.Runs) < len(old.Runs) && sameRuns(old.Runs[:len(m.Runs)], m.Runs):
			return fmt.Errorf("ledger: sweep %s is recorded with %d runs (%s), this expansion has the first %d: an older copy of the spec (update the checkout) or one that lost its last rows (rows are never removed from a recorded sweep; give the spec another name)", m.Sweep, len(old.Runs), path, len(m.Runs))
		default:
			return fmt.Errorf("ledger: sweep %s is recorded with other runs (%s): the spec changed other than by runs appended at its end; give it another name", m.Sweep, path)
		}
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	return model.WriteFileAtomic(path, b)
}

func sameRuns(a, b []Run) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k].ID != b[k].ID {
			return false
		}
	}
	return true
}

// ErrNotRecorded is wrapped by the errors about sweeps the ledger does not
// hold.
var ErrNotRecorded = errors.New("not in the ledger")

// Sweep returns the runs of sweep key (a key or a unique spec name) with
// their records from the ledger, ready for Aggregate; runs without a
// record are listed as missing.
func (l *Ledger) Sweep(key string) (*SweepResults, error) {
	ms, err := LoadManifests(l.dir)
	if err != nil {
		return nil, err
	}
	m := ms[key]
	if m == nil {
		var match []*Manifest
		for k, x := range ms {
			if strings.HasPrefix(k, key+"@") {
				match = append(match, x)
			}
		}
		if len(match) != 1 {
			keys := make([]string, 0, len(ms))
			for k := range ms {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return nil, fmt.Errorf("ledger %s: %w: no single sweep %q (recorded: %s)", l.dir, ErrNotRecorded, key, strings.Join(keys, ", "))
		}
		m = match[0]
	}
	res := &SweepResults{Sweep: m.Sweep, Spec: m.Spec}
	for _, r := range m.Runs {
		var rec *Record
		if l.Has(r.ID) {
			if rec, err = l.Get(r.ID); err != nil {
				return nil, err
			}
		}
		res.Entries = append(res.Entries, Entry{Run: r, Record: rec})
	}
	return res, nil
}

// Sweeps lists the sweep keys recorded in the ledger, sorted.
func (l *Ledger) Sweeps() ([]string, error) {
	ms, err := LoadManifests(l.dir)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(ms))
	for k := range ms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// RunsTable lists the recorded runs of a sweep: row, seed, run id, epochs
// trained, code revision, the 1-minute load at start and end, wall time
// and training seconds per epoch (timings are comparable only at similar
// load). The wall time of a run resumed from a training checkpoint is its
// last process's, followed by the epochs it resumed after. A run that
// reports a model's epochs with no training time (an ensemble sweep's
// teacher row: its model comes through the artefact cache, trained by
// `kdsweep teachers`, at the run's start, or loaded, untimed) has no
// s/epoch: "– (untimed)", explained in a note.
func RunsTable(sr *SweepResults) *report.Table {
	t := &report.Table{Header: []string{"row", "seed", "run", "epochs", "code", "load", "wall", "s/epoch"}}
	untimed := false
	for _, e := range sr.Entries {
		rec := e.Record
		if rec == nil {
			continue
		}
		load := "–"
		if m := rec.Machine; m != nil && len(m.Load) == 2 {
			load = fmt.Sprintf("%.1f→%.1f on %d CPUs", m.Load[0], m.Load[1], m.CPUs)
		}
		code := rec.Code.String()
		if len(code) > 24 {
			code = code[len(code)-12:]
		}
		spe := "–"
		switch {
		case rec.Result.Epochs > 0 && rec.Result.TrainSeconds == 0:
			spe = "– (untimed)"
			untimed = true
		case rec.Result.Epochs > 0:
			spe = fmt.Sprintf("%.2f", rec.Result.TrainSeconds/float64(rec.Result.Epochs))
		}
		wall := fmt.Sprintf("%.1f min", rec.Seconds()/60)
		if r := rec.Result.Resumed; len(r) > 0 {
			wall += fmt.Sprintf(" (resumed after epoch %s)", joinInts(r))
		}
		t.Rows = append(t.Rows, []string{e.Run.Label, fmt.Sprint(e.Run.Spec.Seed), rec.ID, fmt.Sprint(rec.Result.Epochs), code, load,
			wall, spe})
	}
	if untimed {
		t.Notes = append(t.Notes, "– (untimed): the row's epochs are those of a model the run took from the artefact cache (an ensemble's teacher, trained by `kdsweep teachers`, at the run's start or by an earlier run); the record holds no training time for it, and its wall time includes whatever training the run itself did.")
	}
	return t
}

// PackedCurve is a run's curve in a ledger record: per epoch, the loss, the
// term losses and the validation and test metrics, as float32 columns
// (NaN where an epoch has no value), deflated and base64-encoded. Curves
// are what make records large (a 300-epoch run holds 300 × 19 numbers), and
// float32 is the precision the metrics are computed in per user; restored
// curves are the stored values rounded to float32.
type PackedCurve struct {
	// Epochs lists the curve's epochs.
	Epochs []int `json:"epochs"`
	// Columns names the columns: "loss", "term:<name>", "valid:<metric>",
	// "test:<metric>".
	Columns []string `json:"columns"`
	// Seconds is each epoch's training time (kept at full precision).
	Seconds []float64 `json:"seconds,omitempty"`
	// Data is the payload: column-major little-endian float32, deflated,
	// standard base64.
	Data string `json:"data"`
}

// packCurve packs a curve (nil for an empty one).
func packCurve(c []CurvePoint) (*PackedCurve, error) {
	if len(c) == 0 {
		return nil, nil
	}
	p := &PackedCurve{}
	cols := map[string]bool{}
	for _, pt := range c {
		p.Epochs = append(p.Epochs, pt.Epoch)
		p.Seconds = append(p.Seconds, pt.Seconds)
		for k := range pt.TermLoss {
			cols["term:"+k] = true
		}
		for k := range pt.Valid {
			cols["valid:"+k] = true
		}
		for k := range pt.Test {
			cols["test:"+k] = true
		}
	}
	p.Columns = append([]string{"loss"}, sortedKeys(cols)...)
	raw := make([]byte, 0, 4*len(c)*len(p.Columns))
	for _, col := range p.Columns {
		for _, pt := range c {
			v, ok := curveValue(pt, col)
			if !ok {
				v = math.NaN()
			}
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(v)))
		}
	}
	z, err := deflateBase64(raw)
	if err != nil {
		return nil, err
	}
	p.Data = z
	return p, nil
}

func curveValue(pt CurvePoint, col string) (float64, bool) {
	if col == "loss" {
		return pt.Loss, true
	}
	kind, name, _ := strings.Cut(col, ":")
	var m map[string]float64
	switch kind {
	case "term":
		m = pt.TermLoss
	case "valid":
		m = pt.Valid
	case "test":
		m = pt.Test
	}
	v, ok := m[name]
	return v, ok
}

// Unpack restores the curve (values rounded to float32).
func (p *PackedCurve) Unpack() ([]CurvePoint, error) {
	raw, err := inflateBase64(p.Data)
	if err != nil {
		return nil, fmt.Errorf("curve: %w", err)
	}
	n := len(p.Epochs)
	if len(raw) != 4*n*len(p.Columns) || (p.Seconds != nil && len(p.Seconds) != n) {
		return nil, fmt.Errorf("curve: %d bytes for %d epochs × %d columns", len(raw), n, len(p.Columns))
	}
	c := make([]CurvePoint, n)
	for k := range c {
		c[k].Epoch = p.Epochs[k]
		if p.Seconds != nil {
			c[k].Seconds = p.Seconds[k]
		}
	}
	for j, col := range p.Columns {
		for k := range c {
			v := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(j*n+k):])))
			if math.IsNaN(v) {
				continue
			}
			pt := &c[k]
			if col == "loss" {
				pt.Loss = v
				continue
			}
			kind, name, _ := strings.Cut(col, ":")
			var m *map[string]float64
			switch kind {
			case "term":
				m = &pt.TermLoss
			case "valid":
				m = &pt.Valid
			case "test":
				m = &pt.Test
			default:
				return nil, fmt.Errorf("curve: unknown column %q", col)
			}
			if *m == nil {
				*m = map[string]float64{}
			}
			(*m)[name] = v
		}
	}
	return c, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// perUserFromRanks rebuilds the LOO per-user values of metrics (HR, NDCG,
// MRR at any cut-off) from the candidate ranks.
func perUserFromRanks(r *eval.Ranks, metrics []string) (*eval.Result, error) {
	if r.Candidates == nil {
		return nil, errors.New("per-user values: no candidate ranks")
	}
	res := &eval.Result{Protocol: eval.ProtocolLOO, Part: r.Part, Metrics: slices.Clone(metrics), Users: slices.Clone(r.Users)}
	for _, m := range metrics {
		kind, n, ok := eval.ParseMetric(m)
		if !ok {
			return nil, fmt.Errorf("per-user values: bad metric %q", m)
		}
		col := make([]float64, len(r.Users))
		for k, p := range r.Candidates {
			v, err := eval.RankMetric(kind, int(p), n)
			if err != nil {
				return nil, err
			}
			col[k] = float64(float32(v))
		}
		res.PerUser = append(res.PerUser, col)
	}
	return res, nil
}

// compact returns the ledger form of rec: the curve packed, and the
// per-user LOO values dropped when the candidate ranks rebuild them
// exactly (RunResult.PerUserFromRanks names their metrics).
func compact(rec *Record) (*Record, error) {
	c := *rec
	c.Result = rec.Result
	if len(rec.Result.Curve) > 0 {
		p, err := packCurve(rec.Result.Curve)
		if err != nil {
			return nil, err
		}
		c.Result.Curve, c.Result.CurvePacked = nil, p
	}
	if pu, rk := rec.Result.PerUser, rec.Result.Ranks; pu != nil && rk != nil && rk.Candidates && pu.Protocol == eval.ProtocolLOO {
		orig, err1 := pu.Unpack()
		ranks, err2 := rk.Unpack()
		if err1 == nil && err2 == nil && ranks.Part == orig.Part {
			if re, err := perUserFromRanks(ranks, orig.Metrics); err == nil && samePerUser(orig, re) {
				c.Result.PerUser, c.Result.PerUserFromRanks = nil, slices.Clone(orig.Metrics)
			}
		}
	}
	return &c, nil
}

// expand reverses compact.
func expand(rec *Record) error {
	if p := rec.Result.CurvePacked; p != nil {
		c, err := p.Unpack()
		if err != nil {
			return err
		}
		rec.Result.Curve, rec.Result.CurvePacked = c, nil
	}
	if ms := rec.Result.PerUserFromRanks; len(ms) > 0 {
		if rec.Result.Ranks == nil {
			return errors.New("per-user values from ranks, but no ranks")
		}
		ranks, err := rec.Result.Ranks.Unpack()
		if err != nil {
			return err
		}
		r, err := perUserFromRanks(ranks, ms)
		if err != nil {
			return err
		}
		if rec.Result.PerUser, err = packPerUser(r, flate.BestSpeed); err != nil {
			return err
		}
		rec.Result.PerUserFromRanks = nil
	}
	return nil
}

func samePerUser(a, b *eval.Result) bool {
	if !slices.Equal(a.Users, b.Users) || !slices.Equal(a.Metrics, b.Metrics) {
		return false
	}
	for m := range a.PerUser {
		for k := range a.PerUser[m] {
			if float32(a.PerUser[m][k]) != float32(b.PerUser[m][k]) {
				return false
			}
		}
	}
	return true
}

// joinInts writes xs as "a, b, c".
func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for k, x := range xs {
		parts[k] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
