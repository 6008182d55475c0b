package datasets

// Interaction files of one's own, loaded by path: the data sets that are
// not in the registry.

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kdrec/kdrec/kdlib/data"
)

// Files describes a data set of one's own: interaction files read by path,
// their format and column mapping, and the preprocessing (binarisation
// threshold, k-core). The same value configures LoadFiles, a sweep spec's
// data set (exp.DatasetSpec.Files, as JSON) and kdrepl's `load path=…`:
//
//	{"paths": ["checkins_train.tsv", "checkins_test.tsv"], "columns": ["user", "item", "weight"], "kcore": 5}
type Files struct {
	// Paths lists the files. Several files are read in order and merged by
	// identifier (data.Merge): a user or item id means the same entity in
	// every file, so the train and test files of a split made elsewhere
	// merge back into the whole data set. Relative paths are resolved
	// against Dir, when given, else the working directory.
	Paths []string `json:"paths"`
	// Format is the files' format: "csv" (the default: any delimited text,
	// data.ReadCSV: CSV, TSV, "::", ";" or "|" separated, header and
	// delimiter detected), "movielens" (data.ReadMovieLens), "adjacency"
	// (data.ReadAdjacency, LightGCN's "user item item …"), "users.dat"
	// (data.ReadUsersDat), or a format added with RegisterFormat.
	Format string `json:"format,omitempty"`
	// Columns says what each column of a csv file holds, in order: user,
	// item, rating (a rating or weight, used only by MinRating), time, or
	// "-" to skip (data.Columns; the synonyms of data.ParseColumns —
	// weight, count, timestamp, skip — are accepted). Default: user, item, then optionally a
	// rating and an unchecked fourth column. A time column makes the data
	// set timed (leave-last-out splits need it).
	Columns []data.Column `json:"columns,omitempty"`
	// Delimiter is the field separator of csv and movielens files; ""
	// detects it (see data.Delimiter).
	Delimiter string `json:"delimiter,omitempty"`
	// Header says whether the first line of a csv file is a header; nil
	// detects it (a file of string ids needs it stated; see data.Header).
	Header *bool `json:"header,omitempty"`
	// MinRating, when set, keeps only the records whose rating (weight)
	// is at least *MinRating: the binarisation threshold of explicit
	// feedback (4 for 1–5 stars). Without it every record is an
	// interaction, whatever its rating.
	MinRating *float64 `json:"min_rating,omitempty"`
	// KCore, when positive, keeps the k-core after binarisation: the
	// largest subset in which every user and every item has at least KCore
	// interactions (data.Log.KCore), users and items renumbered.
	KCore int `json:"kcore,omitempty"`
}

// Reader reads one interaction file of a format added with RegisterFormat:
// r holds the file's contents, name names it in errors (its path), and f
// is the whole description (its Columns with the synonyms resolved), whose
// Columns, Delimiter, Header and MinRating
// a reader either applies or refuses with an error (so that an option is
// never silently ignored). Paths, Format and KCore are handled by the
// caller. The Log should carry identifiers (UserIDs, ItemIDs) when several
// files are to be merged.
type Reader func(r io.Reader, name string, f Files) (*data.Log, error)

var (
	formatsMu sync.RWMutex
	formats   = map[string]Reader{
		"csv":       builtin("csv", data.ReadCSV),
		"movielens": builtin("movielens", data.ReadMovieLens),
		"adjacency": builtin("adjacency", data.ReadAdjacency),
		"users.dat": builtin("users.dat", data.ReadUsersDat),
	}
)

// builtin wraps one of package data's readers: Files' options become
// ReadOptions, which the reader refuses where they do not apply.
func builtin(format string, read func(io.Reader, string, ...data.ReadOption) (*data.Log, error)) Reader {
	return func(r io.Reader, name string, f Files) (*data.Log, error) {
		var opts []data.ReadOption
		if len(f.Columns) > 0 {
			opts = append(opts, data.Columns(f.Columns...))
		}
		if f.Delimiter != "" {
			opts = append(opts, data.Delimiter(f.Delimiter))
		}
		if f.Header != nil {
			opts = append(opts, data.Header(*f.Header))
		}
		if f.MinRating != nil {
			opts = append(opts, data.MinRating(*f.MinRating))
		}
		return read(r, name, opts...)
	}
}

// RegisterFormat adds a file format for Files.Format (and kdrepl's
// `load path=… format=<name>`): read turns one file into a data.Log. It
// panics on an empty or registered name or a nil reader, so that mistakes
// show at start-up; call it from an init function.
func RegisterFormat(name string, read Reader) {
	if name == "" || read == nil {
		panic("datasets.RegisterFormat: empty name or nil reader")
	}
	formatsMu.Lock()
	defer formatsMu.Unlock()
	if _, dup := formats[name]; dup {
		panic("datasets.RegisterFormat: format registered twice: " + name)
	}
	formats[name] = read
}

// Formats returns the names of the file formats, sorted.
func Formats() []string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	return slices.Sorted(maps.Keys(formats))
}

// reader returns the Reader of a format ("" is csv).
func reader(format string) (Reader, error) {
	if format == "" {
		format = "csv"
	}
	formatsMu.RLock()
	read, ok := formats[format]
	formatsMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("datasets: unknown file format %q (known: %s)", format, strings.Join(Formats(), ", "))
	}
	return read, nil
}

// Validate reports the first problem of f that needs no file: no path, an
// unknown format, a bad column list, a non-finite threshold or a negative
// k-core.
func (f Files) Validate() error {
	if len(f.Paths) == 0 {
		return fmt.Errorf("datasets: no file (paths is empty)")
	}
	for k, p := range f.Paths {
		if p == "" {
			return fmt.Errorf("datasets: path %d is empty", k)
		}
	}
	if _, err := reader(f.Format); err != nil {
		return err
	}
	if _, err := f.columns(); err != nil {
		return err
	}
	if f.MinRating != nil && (math.IsNaN(*f.MinRating) || math.IsInf(*f.MinRating, 0)) {
		return fmt.Errorf("datasets: min_rating %v is not a finite number", *f.MinRating)
	}
	if f.KCore < 0 {
		return fmt.Errorf("datasets: kcore %d < 0", f.KCore)
	}
	return nil
}

// columns returns f.Columns with their synonyms (weight, timestamp, skip)
// replaced by the names of package data, nil for none.
func (f Files) columns() ([]data.Column, error) {
	if len(f.Columns) == 0 {
		return nil, nil
	}
	names := make([]string, len(f.Columns))
	for k, c := range f.Columns {
		names[k] = string(c)
	}
	cols, err := data.ParseColumns(strings.Join(names, ","))
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return cols, nil
}

// resolved returns the paths of f, relative ones joined to the Dir of c.
func (f Files) resolved(c *config) []string {
	out := make([]string, len(f.Paths))
	for k, p := range f.Paths {
		if c.dir != "" && !filepath.IsAbs(p) {
			p = filepath.Join(c.dir, p)
		}
		out[k] = p
	}
	return out
}

// filesConfig reads the options LoadFiles takes: Dir only.
func filesConfig(opts []Option) (*config, error) {
	c := newConfig(opts)
	if c.raw || c.minRating != nil || c.split != "" {
		return nil, fmt.Errorf("datasets: Raw, MinRating and SplitName apply to registered data sets; describe files with Files (MinRating, KCore)")
	}
	return c, nil
}

// CheckFiles reports whether LoadFiles would find the files of f, without
// reading them: f's own problems (Validate) and missing files.
func CheckFiles(f Files, opts ...Option) error {
	if err := f.Validate(); err != nil {
		return err
	}
	c, err := filesConfig(opts)
	if err != nil {
		return err
	}
	for _, p := range f.resolved(c) {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("datasets: %w", err)
		}
		if st.IsDir() {
			return fmt.Errorf("datasets: %s is a directory, not an interaction file", p)
		}
	}
	return nil
}

// LoadFiles reads the interaction files of f (opts: Dir resolves relative
// paths) and returns the data set: every file read in f's format with its
// column mapping and binarisation threshold, the files merged by
// identifier, then the k-core kept. Errors name the file and line
// ("checkins.tsv line 12: rating \"x\" is not a finite number"); what the
// readers notice without refusing (repeated pairs merged, a last line
// without a newline) is in Interactions.Warnings. Interactions.UserIDs and
// ItemIDs map indices back to the files' identifiers; Interactions.Times
// holds the times of a time column.
//
//	x, err := datasets.LoadFiles(datasets.Files{
//		Paths:   []string{"ratings.csv"},
//		Columns: []data.Column{data.ColUser, data.ColItem, data.ColRating, data.ColTime},
//		MinRating: &four, KCore: 5})
func LoadFiles(f Files, opts ...Option) (*data.Interactions, error) {
	l, err := LoadFilesLog(f, opts...)
	if err != nil {
		return nil, err
	}
	return l.Build()
}

// LoadFilesLog is LoadFiles returning the data.Log, in file order.
func LoadFilesLog(f Files, opts ...Option) (*data.Log, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	c, err := filesConfig(opts)
	if err != nil {
		return nil, err
	}
	read, _ := reader(f.Format)
	paths := f.resolved(c)
	f.Columns, _ = f.columns() // checked by Validate
	logs := make([]*data.Log, len(paths))
	for k, p := range paths {
		if logs[k], err = readPath(p, read, f); err != nil {
			return nil, err
		}
	}
	l := logs[0]
	if len(logs) > 1 {
		if l, err = data.Merge(strings.Join(paths, " + "), logs...); err != nil {
			return nil, err
		}
	}
	if f.KCore > 0 {
		l = l.KCore(f.KCore, f.KCore)
		if len(l.Pairs) == 0 {
			return nil, fmt.Errorf("datasets: %s: the %d-core is empty: no subset has every user and item with %d interactions", l.Name, f.KCore, f.KCore)
		}
	}
	return l, nil
}

// readPath reads one file with read.
func readPath(path string, read Reader, f Files) (*data.Log, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer fh.Close()
	l, err := read(fh, path, f)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, fmt.Errorf("datasets: %s: the reader returned no data", path)
	}
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return l, nil
}
