package exp

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Record is one finished run as stored: its identity, coordinates, spec,
// the code that ran it, where and when, and its result.
type Record struct {
	// ID is Hash[:16].
	ID string `json:"id"`
	// Hash is the run's spec hash (RunSpec.Hash).
	Hash string `json:"hash"`
	// Sweep is the key of the sweep that ran it.
	Sweep string `json:"sweep"`
	// Index is the run's position in that sweep.
	Index int `json:"index"`
	// Label is the run's variant label.
	Label string `json:"label,omitempty"`
	// Point lists the run's grid coordinates.
	Point []Setting `json:"point,omitempty"`
	// Spec is the normalised run.
	Spec RunSpec `json:"spec"`
	// Code identifies the code version.
	Code CodeVersion `json:"code"`
	// Host is the machine that ran it.
	Host string `json:"host,omitempty"`
	// Machine describes that machine and its load during the run.
	Machine *Machine `json:"machine,omitempty"`
	// Shard is the shard ("i/N") that ran it.
	Shard string `json:"shard,omitempty"`
	// Started is when the run started.
	Started time.Time `json:"started"`
	// Finished is when its result was complete.
	Finished time.Time `json:"finished"`
	// Result is what the run produced.
	Result RunResult `json:"result"`
}

// Seconds returns the run's wall time.
func (r *Record) Seconds() float64 { return r.Finished.Sub(r.Started).Seconds() }

// CodeVersion identifies the code that produced a result.
type CodeVersion struct {
	// Revision is the VCS revision (or the fallback's value).
	Revision string `json:"revision"`
	// Time is the revision's commit time, when known.
	Time string `json:"time,omitempty"`
	// Modified reports uncommitted changes in the build.
	Modified bool `json:"modified,omitempty"`
	// Source says where Revision came from: "vcs" (build info),
	// "env" (KDREC_CODE_VERSION), "module" (module version),
	// "workdir-git" (.git of the working directory) or "unknown".
	Source string `json:"source"`
	// Go is the Go version of the build.
	Go string `json:"go,omitempty"`
}

// String returns the revision, with "+dirty" when modified.
func (c CodeVersion) String() string {
	if c.Modified {
		return c.Revision + "+dirty"
	}
	return c.Revision
}

// CurrentCodeVersion returns the version of the running code: the
// vcs.revision stamped by `go build` in a repository, else
// $KDREC_CODE_VERSION (set it where the binary is built without VCS
// information, e.g. in a container build), else the main module's
// version, else the commit checked out in the working directory's git
// repository, else "unknown". Test binaries carry no VCS stamp.
func CurrentCodeVersion() CodeVersion { return codeVersion() }

var codeVersion = sync.OnceValue(func() CodeVersion {
	c := CodeVersion{Revision: "unknown", Source: "unknown", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				c.Revision, c.Source = s.Value, "vcs"
			case "vcs.time":
				c.Time = s.Value
			case "vcs.modified":
				c.Modified = s.Value == "true"
			}
		}
	}
	if c.Source == "vcs" {
		return c
	}
	if v := os.Getenv("KDREC_CODE_VERSION"); v != "" {
		c.Revision, c.Source = v, "env"
		return c
	}
	if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		c.Revision, c.Source = bi.Main.Version, "module"
		return c
	}
	if rev := gitHeadRevision(); rev != "" {
		c.Revision, c.Source = rev, "workdir-git"
	}
	return c
})

// gitHeadRevision returns the commit checked out in the git repository
// containing the working directory (read from .git, without running git),
// or "". It is the last fallback: right for `go test` and `go run` in the
// repository and for builds with -buildvcs=false, but it says nothing
// about uncommitted changes.
func gitHeadRevision() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		gd := filepath.Join(dir, ".git")
		if fi, err := os.Stat(gd); err == nil && fi.IsDir() {
			head, err := os.ReadFile(filepath.Join(gd, "HEAD"))
			if err != nil {
				return ""
			}
			h := strings.TrimSpace(string(head))
			ref, ok := strings.CutPrefix(h, "ref: ")
			if !ok {
				return h
			}
			if b, err := os.ReadFile(filepath.Join(gd, filepath.FromSlash(ref))); err == nil {
				return strings.TrimSpace(string(b))
			}
			packed, _ := os.ReadFile(filepath.Join(gd, "packed-refs"))
			for _, line := range strings.Split(string(packed), "\n") {
				if f := strings.Fields(line); len(f) == 2 && f[1] == ref {
					return f[0]
				}
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// PerUser holds the per-user values of one evaluation compactly: users as
// delta-encoded uvarints, then every metric's values as little-endian
// float32 (metric-major), the whole deflated and base64-encoded. Float32
// keeps 7 significant digits, ample for significance tests; a CiteULike
// evaluation (5,219 users, 9 LOO metrics) takes tens of kilobytes.
type PerUser struct {
	// Protocol is the evaluation's protocol (eval.Result.Protocol).
	Protocol string `json:"protocol"`
	// Part is the evaluated part, "valid" or "test".
	Part string `json:"part"`
	// Metrics names the metrics, in eval.Result order.
	Metrics []string `json:"metrics"`
	// Users is the number of evaluated users.
	Users int `json:"users"`
	// Encoding names the layout ("deflate+uvarint-delta+f32le").
	Encoding string `json:"encoding"`
	// Data is the encoded payload (standard base64).
	Data string `json:"data"`
}

const perUserEncoding = "deflate+uvarint-delta+f32le"

// PackPerUser encodes the per-user values of r.
func PackPerUser(r *eval.Result) (*PerUser, error) {
	return packPerUser(r, flate.BestCompression)
}

// packPerUser is PackPerUser at a deflate level: the ledger's reader
// restores per-user values in memory only, where compressing hard would
// cost most of the time it takes to read a record.
func packPerUser(r *eval.Result, level int) (*PerUser, error) {
	var raw bytes.Buffer
	var vb [binary.MaxVarintLen64]byte
	prev := int64(0)
	for k, u := range r.Users {
		if k > 0 && int64(u) <= prev {
			return nil, fmt.Errorf("per-user values: users not ascending at %d", k)
		}
		n := binary.PutUvarint(vb[:], uint64(int64(u)-prev))
		raw.Write(vb[:n])
		prev = int64(u)
	}
	var fb [4]byte
	for m := range r.Metrics {
		if len(r.PerUser[m]) != len(r.Users) {
			return nil, fmt.Errorf("per-user values: metric %s has %d values for %d users", r.Metrics[m], len(r.PerUser[m]), len(r.Users))
		}
		for _, v := range r.PerUser[m] {
			binary.LittleEndian.PutUint32(fb[:], math.Float32bits(float32(v)))
			raw.Write(fb[:])
		}
	}
	z, err := deflateBase64Level(raw.Bytes(), level)
	if err != nil {
		return nil, err
	}
	return &PerUser{Protocol: r.Protocol, Part: r.Part, Metrics: append([]string(nil), r.Metrics...), Users: len(r.Users),
		Encoding: perUserEncoding, Data: z}, nil
}

// Unpack decodes the values back into an eval.Result.
func (p *PerUser) Unpack() (*eval.Result, error) {
	if p.Encoding != perUserEncoding {
		return nil, fmt.Errorf("per-user values: unknown encoding %q", p.Encoding)
	}
	raw, err := inflateBase64(p.Data)
	if err != nil {
		return nil, fmt.Errorf("per-user values: %w", err)
	}
	r := &eval.Result{Protocol: p.Protocol, Part: p.Part, Metrics: append([]string(nil), p.Metrics...), Users: make([]int32, p.Users)}
	rd := bytes.NewReader(raw)
	prev := int64(0)
	for k := range r.Users {
		d, err := binary.ReadUvarint(rd)
		if err != nil {
			return nil, fmt.Errorf("per-user values: user %d: %w", k, err)
		}
		prev += int64(d)
		r.Users[k] = int32(prev)
	}
	rest := raw[len(raw)-rd.Len():]
	if len(rest) != 4*p.Users*len(p.Metrics) {
		return nil, fmt.Errorf("per-user values: %d value bytes, want %d", len(rest), 4*p.Users*len(p.Metrics))
	}
	r.PerUser = make([][]float64, len(p.Metrics))
	for m := range r.PerUser {
		col := make([]float64, p.Users)
		for k := range col {
			col[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(rest[4*(m*p.Users+k):])))
		}
		r.PerUser[m] = col
	}
	return r, nil
}

// Problem is a damaged line of a results file: reported, never used.
type Problem struct {
	// File is the results file.
	File string
	// Line is the 1-based line number.
	Line int
	// Partial marks a last line without its newline: a write cut short
	// by a crash (or, in another shard's file, a write in progress).
	Partial bool
	// ID is the run id read from the damaged text, when recognisable.
	ID string
	// Superseded reports that a valid record of the same run exists.
	Superseded bool
	// Err says what is wrong.
	Err string
}

// Error returns "file:line: what" (and the run id when known).
func (p Problem) Error() string {
	s := fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Err)
	if p.ID != "" {
		s += " (run " + p.ID
		if p.Superseded {
			s += ", superseded by a valid record"
		}
		s += ")"
	}
	return s
}

// storeVersion is the envelope version of result lines.
const storeVersion = 1

// encodeLine returns the stored line of rec:
//
//	{"v":1,"sum":"<16 hex digits of SHA-256 of rec>","rec":{…}}\n
func encodeLine(rec *Record) ([]byte, error) {
	rb, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode record %s: %w", rec.ID, err)
	}
	sum := sha256.Sum256(rb)
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"v":%d,"sum":"%s","rec":`, storeVersion, hex.EncodeToString(sum[:8]))
	b.Write(rb)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

type lineEnvelope struct {
	V   int             `json:"v"`
	Sum string          `json:"sum"`
	Rec json.RawMessage `json:"rec"`
}

var idPattern = regexp.MustCompile(`"id":"([0-9a-f]{16})"`)

// recordIdentity is the part of a record that identifies its run.
type recordIdentity struct {
	ID    string    `json:"id"`
	Hash  string    `json:"hash"`
	Sweep string    `json:"sweep"`
	Index int       `json:"index"`
	Label string    `json:"label,omitempty"`
	Point []Setting `json:"point,omitempty"`
	Spec  RunSpec   `json:"spec"`
}

// decodeLine parses and verifies one line (without its newline).
func decodeLine(line []byte) (*Record, error) { return decodeLineMode(line, true) }

// decodeLineMode verifies a line and decodes the whole record (full) or
// only its identity (results, curves and per-user values left empty).
func decodeLineMode(line []byte, full bool) (*Record, error) {
	var env lineEnvelope
	if err := json.Unmarshal(line, &env); err != nil {
		return nil, fmt.Errorf("not a JSON record: %v", err)
	}
	if env.V != storeVersion {
		return nil, fmt.Errorf("unknown record format version %d", env.V)
	}
	sum := sha256.Sum256(env.Rec)
	if hex.EncodeToString(sum[:8]) != env.Sum {
		return nil, errors.New("checksum mismatch (the line was altered or damaged)")
	}
	var rec Record
	if full {
		if err := json.Unmarshal(env.Rec, &rec); err != nil {
			return nil, fmt.Errorf("record: %v", err)
		}
	} else {
		var id recordIdentity
		if err := json.Unmarshal(env.Rec, &id); err != nil {
			return nil, fmt.Errorf("record: %v", err)
		}
		rec = Record{ID: id.ID, Hash: id.Hash, Sweep: id.Sweep, Index: id.Index, Label: id.Label, Point: id.Point, Spec: id.Spec}
	}
	h, err := rec.Spec.Hash()
	if err != nil {
		return nil, err
	}
	if rec.Hash != h || len(rec.ID) != 16 || rec.ID != h[:16] {
		return nil, fmt.Errorf("record %s: its spec hashes to %s, not %s (written by an incompatible version?)", rec.ID, h[:16], rec.Hash)
	}
	return &rec, nil
}

// readResultsFile reads one JSON-lines results file. It returns the valid
// records (whole, or only their identity unless full), the damaged lines,
// and the offset just after the last complete line (where a partial line
// starts).
func readResultsFile(path string, full bool) (recs []*Record, probs []Problem, goodEnd int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	line := 0
	for {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 {
			line++
			complete := b[len(b)-1] == '\n'
			if !complete {
				p := Problem{File: path, Line: line, Partial: true,
					Err: fmt.Sprintf("partial trailing line (%d bytes, no newline): a write cut short; its run counts as not done", len(b))}
				if m := idPattern.FindSubmatch(b); m != nil {
					p.ID = string(m[1])
				}
				probs = append(probs, p)
				break
			}
			body := bytes.TrimRight(b, "\r\n")
			if len(bytes.TrimSpace(body)) > 0 {
				rec, derr := decodeLineMode(body, full)
				if derr != nil {
					p := Problem{File: path, Line: line, Err: derr.Error()}
					if m := idPattern.FindSubmatch(body); m != nil {
						p.ID = string(m[1])
					}
					probs = append(probs, p)
				} else {
					recs = append(recs, rec)
				}
			}
			goodEnd += int64(len(b))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return recs, probs, goodEnd, fmt.Errorf("%s: %w", path, err)
		}
	}
	return recs, probs, goodEnd, nil
}

// ResultSet is every valid record found under an output directory, one per
// run id, and the damaged lines met on the way.
type ResultSet struct {
	// Records holds one record per run id, in the order found (merged file
	// first, then shard files by name, lines in order).
	Records []*Record
	// Files lists the files read.
	Files []string
	// Problems lists the damaged lines; Superseded is set on those whose
	// run has a valid record.
	Problems []Problem
	// Duplicates counts records dropped because their id was already seen.
	Duplicates int

	byID map[string]*Record
}

// Get returns the record of run id, or nil.
func (rs *ResultSet) Get(id string) *Record { return rs.byID[id] }

// Unresolved returns the problems whose run has no valid record.
func (rs *ResultSet) Unresolved() []Problem {
	var out []Problem
	for _, p := range rs.Problems {
		if !p.Superseded {
			out = append(out, p)
		}
	}
	return out
}

// MergedFile is the name of the merged results file under an output directory.
const MergedFile = "results.jsonl"

// ResultsDir returns the directory of the per-shard results files.
func ResultsDir(out string) string { return filepath.Join(out, "results") }

// LoadResults reads <out>/results.jsonl (a merge's output) and every
// <out>/results/*.jsonl (shard files), keeping the first valid record of
// each run id. Damaged lines are returned as Problems with file:line, and
// never used.
func LoadResults(out string) (*ResultSet, error) { return loadResults(out, true) }

// loadResults is LoadResults, decoding whole records or only identities.
func loadResults(out string, full bool) (*ResultSet, error) {
	files, err := filepath.Glob(filepath.Join(ResultsDir(out), "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if _, err := os.Stat(filepath.Join(out, MergedFile)); err == nil {
		files = append([]string{filepath.Join(out, MergedFile)}, files...)
	}
	rs := &ResultSet{byID: map[string]*Record{}}
	for _, f := range files {
		recs, probs, _, err := readResultsFile(f, full)
		if err != nil {
			return nil, err
		}
		rs.Files = append(rs.Files, f)
		rs.add(recs, probs)
	}
	rs.resolve()
	return rs, nil
}

func (rs *ResultSet) add(recs []*Record, probs []Problem) {
	for _, r := range recs {
		if _, dup := rs.byID[r.ID]; dup {
			rs.Duplicates++
			continue
		}
		rs.byID[r.ID] = r
		rs.Records = append(rs.Records, r)
	}
	rs.Problems = append(rs.Problems, probs...)
}

func (rs *ResultSet) resolve() {
	for k := range rs.Problems {
		p := &rs.Problems[k]
		p.Superseded = p.ID != "" && rs.byID[p.ID] != nil
	}
}

// Store appends the results of one shard to <out>/results/<tag>.jsonl and
// knows every run already stored under out (by any shard, or merged). Each
// record is one line written with a single write call on a file opened for
// appending, then synced, so a crash leaves at most one partial last line;
// OpenStore reports such a line, keeps its bytes in <file>.partial and cuts
// it off, so the run is executed again. Only one process may write a given
// shard's file at a time, and OpenStore enforces it with a lock file
// (<tag>.lock, see lockfile.go) held until Close.
type Store struct {
	path    string
	f       *os.File
	events  *os.File
	lock    *heldLock
	set     *ResultSet
	own     []Problem
	foreign []Problem
	mu      sync.Mutex
}

// The heartbeat and stale age of a shard's lock (variables for tests).
var (
	storeHeartbeat = 10 * time.Second
	storeStale     = 2 * time.Minute
)

// ErrShardBusy is wrapped by the error of OpenStore when another live
// process is running the same shard under the same output directory.
var ErrShardBusy = errors.New("shard is being run by another process")

// OpenStore opens the results of shard under out for appending. It first
// takes the shard's lock: while another process runs the same shard (under
// the same out) it refuses with an error wrapping ErrShardBusy that names
// that process, so two processes never do the same shard's work. A lock
// left by a process of this host that no longer exists (killed with
// SIGKILL, say) is taken over at once; one whose heartbeat stopped 2
// minutes ago, from any host.
func OpenStore(out string, shard Shard, log io.Writer) (st *Store, err error) {
	dir := ResultsDir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	logf := func(format string, a ...any) {
		if log != nil {
			fmt.Fprintf(log, "store: "+format+"\n", a...)
		}
	}
	lock, err := tryLock(filepath.Join(dir, shard.Tag()+".lock"), storeHeartbeat, storeStale, logf)
	if err != nil {
		var held *lockHeldError
		if errors.As(err, &held) {
			return nil, fmt.Errorf("store: shard %s of %s: %w: %v; two processes must not run one shard", shard, out, ErrShardBusy, err)
		}
		return nil, fmt.Errorf("store: lock: %w", err)
	}
	defer func() {
		if err != nil {
			lock.release()
		}
	}()
	st = &Store{path: filepath.Join(dir, shard.Tag()+".jsonl"), lock: lock}
	if _, err := os.Stat(st.path); err == nil {
		_, probs, goodEnd, err := readResultsFile(st.path, false)
		if err != nil {
			return nil, err
		}
		for _, p := range probs {
			if p.Partial {
				if err := cutPartial(st.path, goodEnd); err != nil {
					return nil, err
				}
				p.Err += "; dropped (bytes kept in " + filepath.Base(st.path) + ".partial), the run will be executed again"
			}
			st.own = append(st.own, p)
			logf("%v", p)
		}
	}
	set, err := loadResults(out, false)
	if err != nil {
		return nil, err
	}
	st.set = set
	for _, p := range set.Problems {
		if p.File != st.path && !p.Partial {
			st.foreign = append(st.foreign, p)
			logf("%v", p)
		}
	}
	if st.f, err = os.OpenFile(st.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if st.events, err = os.OpenFile(filepath.Join(dir, shard.Tag()+".events"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
		st.f.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return st, nil
}

// cutPartial moves the bytes after goodEnd to path+".partial" and
// truncates the file there.
func cutPartial(path string, goodEnd int64) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if int64(len(b)) <= goodEnd {
		return nil
	}
	q, err := os.OpenFile(path+".partial", os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(q, "# %s: %d bytes cut from offset %d\n", time.Now().UTC().Format(time.RFC3339), int64(len(b))-goodEnd, goodEnd)
	q.Write(b[goodEnd:])
	q.Write([]byte("\n"))
	if err := q.Close(); err != nil {
		return err
	}
	if err := os.Truncate(path, goodEnd); err != nil {
		return fmt.Errorf("store: cut partial line: %w", err)
	}
	return nil
}

// Path returns the shard's results file.
func (s *Store) Path() string { return s.path }

// Has reports whether run id has a valid stored record.
func (s *Store) Has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set.Get(id) != nil
}

// Get returns the stored record of run id (nil if none).
func (s *Store) Get(id string) *Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set.Get(id)
}

// Problems returns the damaged lines of the shard's own file and the
// corrupt (not partial) lines of other files; partial last lines of other
// shards' files may be writes in progress and are left to their owners.
func (s *Store) Problems() []Problem {
	return append(append([]Problem(nil), s.own...), s.foreign...)
}

// Append writes rec as one line (one write call, then fsync).
func (s *Store) Append(rec *Record) error {
	line, err := encodeLine(rec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.f.Write(line)
	if err == nil && n != len(line) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("store: append to %s: %w", s.path, err)
	}
	s.set.add([]*Record{rec}, nil)
	return nil
}

// LogEvent appends "time event id index label [detail]" to the shard's
// event log (<tag>.events): the start of every run, its end or failure.
// Tests and operators use it to see what was executed, and how often.
func (s *Store) LogEvent(event string, r *Run, detail string) error {
	line := fmt.Sprintf("%s %s %s %d %q pid=%d", time.Now().UTC().Format(time.RFC3339Nano), event, r.ID, r.Index, r.Name(), os.Getpid())
	if detail != "" {
		line += " " + strconv.Quote(detail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.events.Write([]byte(line + "\n")); err != nil {
		return fmt.Errorf("store: event log: %w", err)
	}
	return nil
}

// Close closes the files and releases the shard's lock.
func (s *Store) Close() error {
	err := s.f.Close()
	if e := s.events.Close(); err == nil {
		err = e
	}
	s.lock.release()
	return err
}

// MergeReport summarises MergeResults.
type MergeReport struct {
	// Records is the number of distinct runs written.
	Records int
	// Files lists the files read.
	Files []string
	// Duplicates counts records seen more than once (the same run in
	// several files).
	Duplicates int
	// Problems lists every damaged line.
	Problems []Problem
	// Unresolved lists the damaged lines whose run has no valid record
	// anywhere.
	Unresolved []Problem
	// Missing lists, per sweep manifest, the runs without a record.
	Missing map[string][]Run
	// JSONL is the merged results file written.
	JSONL string
	// CSV is the CSV export written.
	CSV string
}

// MergeResults combines the shard files under out into <out>/results.jsonl
// (one line per run, sorted by sweep, index and id; written atomically) and
// <out>/results.csv, and reports damaged lines and, per manifest, missing
// runs. It returns an error (after writing) if a damaged line belongs to a
// run without a valid record.
//
// An out that does not exist, or holds neither results nor manifests (a
// misspelt --out), is an error, and nothing is written there.
func MergeResults(out string) (*MergeReport, error) {
	fi, err := os.Stat(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("merge: no directory %s (is it the output directory of a sweep?)", out)
	}
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("merge: %s is not a directory", out)
	}
	rs, err := LoadResults(out)
	if err != nil {
		return nil, err
	}
	if len(rs.Files) == 0 {
		if ms, err := LoadManifests(out); err != nil || len(ms) == 0 {
			return nil, fmt.Errorf("merge: %s holds no results (%s/*.jsonl, %s) and no sweep manifests: is it the output directory of a sweep?",
				out, ResultsDir(out), MergedFile)
		}
	}
	recs := append([]*Record(nil), rs.Records...)
	sort.SliceStable(recs, func(a, b int) bool {
		ra, rb := recs[a], recs[b]
		if ra.Sweep != rb.Sweep {
			return ra.Sweep < rb.Sweep
		}
		if ra.Index != rb.Index {
			return ra.Index < rb.Index
		}
		return ra.ID < rb.ID
	})
	var buf bytes.Buffer
	for _, r := range recs {
		line, err := encodeLine(r)
		if err != nil {
			return nil, err
		}
		buf.Write(line)
	}
	rep := &MergeReport{Records: len(recs), Files: rs.Files, Duplicates: rs.Duplicates, Problems: rs.Problems,
		Unresolved: rs.Unresolved(), Missing: map[string][]Run{},
		JSONL: filepath.Join(out, MergedFile), CSV: filepath.Join(out, "results.csv")}
	if err := model.WriteFileAtomic(rep.JSONL, buf.Bytes()); err != nil {
		return nil, err
	}
	var cb bytes.Buffer
	if err := WriteResultsCSV(&cb, recs); err != nil {
		return nil, err
	}
	if err := model.WriteFileAtomic(rep.CSV, cb.Bytes()); err != nil {
		return nil, err
	}
	ms, err := LoadManifests(out)
	if err != nil {
		return rep, err
	}
	for key, m := range ms {
		for _, r := range m.Runs {
			if rs.Get(r.ID) == nil {
				rep.Missing[key] = append(rep.Missing[key], r)
			}
		}
	}
	if n := len(rep.Unresolved); n > 0 {
		return rep, fmt.Errorf("merge: %d damaged result lines have no valid replacement (first: %v); resume the shards that wrote them", n, rep.Unresolved[0])
	}
	return rep, nil
}

// WriteResultsCSV writes one row per record: identity, coordinates, seed,
// training summary, code version, then "best:<metric>" (reference report)
// and "final:<metric>" columns over the union of metrics.
func WriteResultsCSV(w io.Writer, recs []*Record) error {
	bestSet, finalSet := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		for k := range r.Result.Best {
			bestSet[k] = true
		}
		for k := range r.Result.Final {
			finalSet[k] = true
		}
	}
	best, final := metricList(bestSet), metricList(finalSet)
	cw := csv.NewWriter(w)
	head := []string{"sweep", "index", "id", "label", "point", "seed", "student", "kd", "protocol", "epochs", "stopped_early",
		"train_seconds", "wall_seconds", "params", "cached", "code", "host", "shard", "finished"}
	for _, m := range best {
		head = append(head, "best:"+m)
	}
	for _, m := range final {
		head = append(head, "final:"+m)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range recs {
		pts := make([]string, len(r.Point))
		for k, p := range r.Point {
			pts[k] = p.String()
		}
		kd := make([]string, len(r.Spec.KD))
		for k, t := range r.Spec.KD {
			kd[k] = fmt.Sprintf("%s(λ=%s)", t.Method, f(t.Lambda))
		}
		row := []string{r.Sweep, strconv.Itoa(r.Index), r.ID, r.Label, strings.Join(pts, " "), strconv.FormatUint(r.Spec.Seed, 10),
			fmt.Sprintf("%s d=%d", r.Spec.Student.Kind, r.Spec.Student.Dim), strings.Join(kd, "+"), string(r.Result.Protocol),
			strconv.Itoa(r.Result.Epochs), strconv.FormatBool(r.Result.StoppedEarly), f(r.Result.TrainSeconds), f(r.Seconds()),
			strconv.Itoa(r.Result.Params), strconv.FormatBool(r.Result.Cached), r.Code.String(), r.Host, r.Shard,
			r.Finished.Format(time.RFC3339)}
		for _, m := range best {
			row = append(row, csvValue(r.Result.Best, m))
		}
		for _, m := range final {
			row = append(row, csvValue(r.Result.Final, m))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func metricList(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	eval.SortMetrics(out)
	return out
}
