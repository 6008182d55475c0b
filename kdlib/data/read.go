package data

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Log is a list of distinct user–item interactions in the order a reader met
// them, over the index spaces [0,NumUsers) × [0,NumItems). Readers return a
// Log rather than Interactions because Interactions sorts every row and so
// forgets the input order, which the filters (Filter, KCore) need to number
// items in order of first appearance. Build turns a Log into Interactions.
type Log struct {
	// Name names the source in error messages, usually a path.
	Name string
	// NumUsers and NumItems give the index spaces. They may exceed the
	// largest index in Pairs: users.dat lines with count 0, adjacency lines
	// holding only a user id, or ids skipped by a file read with KeepIDs.
	NumUsers, NumItems int
	// Pairs holds every distinct interaction once, in input order.
	Pairs []Pair
	// UserIDs and ItemIDs map indices back to the identifiers of the source;
	// nil means the index is the identifier (KeepIDs, or the users of
	// users.dat), shifted down by one under OneBased.
	UserIDs, ItemIDs []string
	// Warnings lists what a reader noticed in its input without refusing
	// it, each naming the input (and line): a last line without a newline
	// (a file cut short reads "199 8" for "199 85"), repeated pairs
	// merged. Filter, KCore and Concat keep them and Build copies them to
	// Interactions.Warnings; callers show them to the user.
	Warnings []string
	// Times, when not nil, holds the time of every pair (parallel to
	// Pairs), in the unit of the source (Unix seconds for dates): read
	// from a time column (Columns with ColTime; ReadMovieLens's
	// timestamps). A pair repeated in the input keeps its earliest time.
	// Filter, KCore, Concat and Merge keep them and Build copies them to
	// Interactions.Times; LeaveLastOut needs them.
	Times []float64
}

// Build returns the Interactions of l. The id slices are shared with l.
// A Log without pairs gives an error wrapping ErrEmpty.
func (l *Log) Build() (*Interactions, error) {
	if len(l.Pairs) == 0 {
		return nil, fmt.Errorf("%s: %w", l.Name, ErrEmpty)
	}
	x, err := FromPairs(l.NumUsers, l.NumItems, l.Pairs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.Name, err)
	}
	x.UserIDs, x.ItemIDs = l.UserIDs, l.ItemIDs
	x.Warnings = slices.Clone(l.Warnings)
	if l.Times != nil {
		if len(l.Times) != len(l.Pairs) {
			return nil, fmt.Errorf("%s: %d times for %d pairs", l.Name, len(l.Times), len(l.Pairs))
		}
		x.Times = timesByRow(x, l.Pairs, l.Times)
	}
	return x, nil
}

// Validate checks that l is consistent: index spaces within int32, every pair
// in range and distinct, and identifier slices (when present) of the index
// space sizes without repeats. Readers and filters always return valid Logs.
func (l *Log) Validate() error {
	if l.NumUsers < 0 || l.NumItems < 0 || l.NumUsers > math.MaxInt32 || l.NumItems > math.MaxInt32 {
		return fmt.Errorf("%s: invalid shape %d×%d", l.Name, l.NumUsers, l.NumItems)
	}
	for k, p := range l.Pairs {
		if p.User < 0 || int(p.User) >= l.NumUsers || p.Item < 0 || int(p.Item) >= l.NumItems {
			return fmt.Errorf("%s: pair %d (%d, %d) out of range %d×%d", l.Name, k, p.User, p.Item, l.NumUsers, l.NumItems)
		}
	}
	if dup := repeats(l.Pairs); dup != nil {
		k := slices.Index(dup, true)
		return fmt.Errorf("%s: pair %d (%d, %d) repeats an earlier pair", l.Name, k, l.Pairs[k].User, l.Pairs[k].Item)
	}
	if l.Times != nil {
		if len(l.Times) != len(l.Pairs) {
			return fmt.Errorf("%s: %d times for %d pairs", l.Name, len(l.Times), len(l.Pairs))
		}
		for k, t := range l.Times {
			if math.IsNaN(t) || math.IsInf(t, 0) {
				return fmt.Errorf("%s: pair %d has time %v", l.Name, k, t)
			}
		}
	}
	for _, side := range []struct {
		what string
		ids  []string
		n    int
	}{{"user", l.UserIDs, l.NumUsers}, {"item", l.ItemIDs, l.NumItems}} {
		if side.ids == nil {
			continue
		}
		if len(side.ids) != side.n {
			return fmt.Errorf("%s: %d %s ids for %d %ss", l.Name, len(side.ids), side.what, side.n, side.what)
		}
		seen := make(map[string]bool, len(side.ids))
		for _, id := range side.ids {
			if seen[id] {
				return fmt.Errorf("%s: %s id %s occurs twice", l.Name, side.what, quoteField(id))
			}
			seen[id] = true
		}
	}
	return nil
}

// maxField is the length of a field an error message quotes whole.
const maxField = 64

// clipField shortens a field for an error message: a hostile field of
// megabytes must not make an error line of megabytes. A long field keeps
// its first bytes (whole UTF-8 characters) and gives its size.
func clipField(s string) string {
	if len(s) <= maxField {
		return s
	}
	cut := maxField
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// quoteField quotes a field for an error message, clipped as clipField
// does: "abc" or "abc…" (2097152 bytes).
func quoteField(s string) string {
	if len(s) <= maxField {
		return strconv.Quote(s)
	}
	c := clipField(s)
	i := strings.LastIndex(c, "… (")
	return strconv.Quote(c[:i]) + c[i:]
}

// LineError reports a malformed line of an input.
type LineError struct {
	// Name names the source; Line is the 1-based line number.
	Name string
	Line int
	// Err says what was wrong.
	Err error
}

// Error formats the error as "name line N: what".
func (e *LineError) Error() string { return fmt.Sprintf("%s line %d: %v", e.Name, e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// MaxKeptID bounds the identifiers accepted under KeepIDs when no Shape is
// given, so that a stray large number cannot make Build allocate gigabytes.
const MaxKeptID = 1<<26 - 1

// maxLine bounds the length of one input line in bytes.
const maxLine = 64 << 20

// ReadOption configures a reader. An option that does not apply to a format
// (MinRating for users.dat, say) makes the reader return an error.
type ReadOption func(*readConfig)

type optionBit uint8

const (
	optMinRating optionBit = 1 << iota
	optKeepIDs
	optOneBased
	optShape
	optRejectDup
	optDelimiter
	optHeader
	optColumns
)

var optionNames = []string{"MinRating", "KeepIDs", "OneBased", "Shape", "RejectDuplicates", "Delimiter", "Header", "Columns"}

type readConfig struct {
	set                optionBit
	minRating          float64
	numUsers, numItems int
	delimiter          string
	header             bool
	columns            []Column
}

// Column is what one column of a delimited file holds (see Columns).
type Column string

// The columns of Columns.
const (
	// ColUser holds user identifiers.
	ColUser Column = "user"
	// ColItem holds item identifiers.
	ColItem Column = "item"
	// ColRating holds a rating or weight (a count, a play count): a
	// number, read only by MinRating, which binarises it.
	ColRating Column = "rating"
	// ColTime holds the time of the interaction: a number (Unix seconds,
	// or any unit) or a date (RFC 3339, "2006-01-02 15:04:05",
	// "2006-01-02T15:04:05" or "2006-01-02", UTC unless the date says
	// otherwise), kept in Log.Times as Unix seconds.
	ColTime Column = "time"
	// ColSkip is a column that is read and ignored.
	ColSkip Column = "-"
)

// ParseColumns parses a column list written "user,item,rating,time": one
// name per column of the file, in order, each user, item, rating (or
// weight), time (or timestamp) or - (skip). It checks the list as Columns
// does.
func ParseColumns(s string) ([]Column, error) {
	var cols []Column
	for _, f := range strings.Split(s, ",") {
		switch c := strings.ToLower(strings.TrimSpace(f)); c {
		case "user", "item", "rating", "time", "-":
			cols = append(cols, Column(c))
		case "weight", "count":
			cols = append(cols, ColRating)
		case "timestamp":
			cols = append(cols, ColTime)
		case "skip", "_", "":
			cols = append(cols, ColSkip)
		default:
			return nil, fmt.Errorf("column %s: want user, item, rating (weight), time (timestamp) or - (skip)", quoteField(f))
		}
	}
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	return cols, nil
}

// checkColumns checks a column list: one user and one item column, at
// most one rating and one time column, known names only.
func checkColumns(cols []Column) error {
	count := map[Column]int{}
	for _, c := range cols {
		switch c {
		case ColUser, ColItem, ColRating, ColTime, ColSkip:
			count[c]++
		default:
			return fmt.Errorf("column %s: want user, item, rating, time or -", quoteField(string(c)))
		}
	}
	if count[ColUser] != 1 || count[ColItem] != 1 {
		return fmt.Errorf("columns %s: want exactly one user and one item column", columnList(cols))
	}
	for _, c := range []Column{ColRating, ColTime} {
		if count[c] > 1 {
			return fmt.Errorf("columns %s: more than one %s column", columnList(cols), c)
		}
	}
	return nil
}

// columnList writes a column list as ParseColumns reads it.
func columnList(cols []Column) string {
	f := make([]string, len(cols))
	for k, c := range cols {
		f[k] = string(c)
	}
	return strings.Join(f, ",")
}

// Columns says what each column of a ReadCSV input holds, in order (see
// Column): "user,item,rating,time" is Columns(ColUser, ColItem, ColRating,
// ColTime), and Columns(ColItem, ColSkip, ColUser) reads files whose first
// column is the item. A line must have at least len(cols) fields; fields
// after them are ignored. The list needs one user and one item column and
// at most one rating and one time column; MinRating needs a rating column.
// Without Columns, ReadCSV reads user, item and optionally rating and an
// unchecked fourth column, and keeps no times.
func Columns(cols ...Column) ReadOption {
	return func(c *readConfig) { c.set |= optColumns; c.columns = slices.Clone(cols) }
}

// MinRating binarises explicit ratings: a record is kept only when its rating
// is at least r. Without it every record is kept whatever its rating.
// It applies to ReadMovieLens and ReadCSV (which then requires a rating column).
func MinRating(r float64) ReadOption {
	return func(c *readConfig) { c.set |= optMinRating; c.minRating = r }
}

// KeepIDs takes identifiers as dense non-negative integer indices, as in files
// whose ids were already remapped (users.dat, LightGCN files). The index space
// is then the largest id + 1 (or Shape), and Log.UserIDs/ItemIDs stay nil.
// Without KeepIDs, identifiers are arbitrary strings remapped to dense indices
// in order of first appearance and kept in Log.UserIDs/ItemIDs.
func KeepIDs() ReadOption { return func(c *readConfig) { c.set |= optKeepIDs } }

// OneBased, with KeepIDs, says the ids start at 1: id k becomes index k−1 and
// an id 0 is an error (MovieLens, the LastFM split of LightGCN-PyTorch).
func OneBased() ReadOption { return func(c *readConfig) { c.set |= optOneBased } }

// Shape, with KeepIDs, fixes the index spaces to [0,users)×[0,items); an id
// outside is an error. A zero size is taken from the data.
func Shape(users, items int) ReadOption {
	return func(c *readConfig) { c.set |= optShape; c.numUsers, c.numItems = users, items }
}

// RejectDuplicates makes a repeated user–item pair an error naming both
// lines. By default repeats are merged silently, keeping the first.
func RejectDuplicates() ReadOption { return func(c *readConfig) { c.set |= optRejectDup } }

// Delimiter sets the field separator of ReadCSV or ReadMovieLens; " " means
// runs of spaces and tabs. By default ReadCSV detects it from the first
// non-blank line: a tab, "::", ",", ";" or "|", the first of these that
// occurs, else white space.
func Delimiter(d string) ReadOption {
	return func(c *readConfig) { c.set |= optDelimiter; c.delimiter = d }
}

// Header says whether the first non-blank line of a ReadCSV input is a header.
// By default that line is a header when one of its fields is not a number
// while the same field of the next non-blank line is one (or when it is the
// only line): "userId,movieId,rating" is detected, but a file of string ids
// needs Header(true) or Header(false).
func Header(present bool) ReadOption {
	return func(c *readConfig) { c.set |= optHeader; c.header = present }
}

// newConfig applies opts and checks them against the options format allows.
func newConfig(name, format string, allowed optionBit, opts []ReadOption) (*readConfig, error) {
	c := &readConfig{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if bad := c.set &^ allowed; bad != 0 {
		for k, n := range optionNames {
			if bad&(1<<k) != 0 {
				return nil, fmt.Errorf("%s: option %s does not apply to the %s format", name, n, format)
			}
		}
	}
	if c.set&(optOneBased|optShape) != 0 && c.set&optKeepIDs == 0 {
		return nil, fmt.Errorf("%s: options OneBased and Shape need KeepIDs", name)
	}
	if c.numUsers < 0 || c.numItems < 0 || c.numUsers > math.MaxInt32 || c.numItems > math.MaxInt32 {
		return nil, fmt.Errorf("%s: invalid shape %d×%d", name, c.numUsers, c.numItems)
	}
	if math.IsNaN(c.minRating) {
		return nil, fmt.Errorf("%s: MinRating is NaN", name)
	}
	if c.set&optDelimiter != 0 && c.delimiter == "" {
		return nil, fmt.Errorf("%s: empty delimiter", name)
	}
	if c.set&optColumns != 0 {
		if err := checkColumns(c.columns); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if c.set&optMinRating != 0 && !slices.Contains(c.columns, ColRating) {
			return nil, fmt.Errorf("%s: MinRating needs a rating column (columns %s)", name, columnList(c.columns))
		}
	}
	return c, nil
}

// idSpace turns the identifiers of one side (users or items) into indices.
type idSpace struct {
	what     string // "user" or "item"
	keep     bool
	oneBased bool
	limit    int // kept ids must be below limit
	n        int // size of the index space so far
	index    map[string]int32
	ids      []string
}

func newIDSpace(what string, c *readConfig, shape int) *idSpace {
	s := &idSpace{what: what, keep: c.set&optKeepIDs != 0, oneBased: c.set&optOneBased != 0, limit: MaxKeptID + 1}
	if shape > 0 {
		s.limit, s.n = shape, shape
	}
	if !s.keep {
		s.index = map[string]int32{}
	}
	return s
}

// lookup returns the index of the identifier field, adding it to the space.
func (s *idSpace) lookup(field string) (int32, error) {
	if field == "" {
		return 0, fmt.Errorf("empty %s id", s.what)
	}
	if s.keep {
		v, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s id %s is not an integer", s.what, quoteField(field))
		}
		if s.oneBased {
			if v == 0 {
				return 0, fmt.Errorf("%s id 0 in a file of 1-based ids", s.what)
			}
			v--
		}
		if v < 0 {
			return 0, fmt.Errorf("negative %s id %s", s.what, quoteField(field))
		}
		if v >= int64(s.limit) {
			return 0, fmt.Errorf("%s id %s out of range (index space %d)", s.what, quoteField(field), s.limit)
		}
		s.n = max(s.n, int(v)+1)
		return int32(v), nil
	}
	if i, ok := s.index[field]; ok {
		return i, nil
	}
	if len(s.ids) == math.MaxInt32 {
		return 0, fmt.Errorf("more than %d distinct %s ids", math.MaxInt32, s.what)
	}
	i := int32(len(s.ids))
	s.index[field] = i
	s.ids = append(s.ids, field)
	s.n++
	return i, nil
}

// label gives the identifier of index i as written in the source.
func (s *idSpace) label(i int32) string {
	switch {
	case !s.keep:
		return s.ids[i]
	case s.oneBased:
		return strconv.Itoa(int(i) + 1)
	}
	return strconv.Itoa(int(i))
}

// logBuilder collects the pairs of one input.
type logBuilder struct {
	name         string
	reject       bool
	users, items *idSpace
	pairs        []Pair
	lines        []int32   // source line of every pair, for duplicate errors
	times        []float64 // time of every pair when timed
	timed        bool
	warnings     []string
}

// noteEnd records a warning when the input's last line had no newline.
func (b *logBuilder) noteEnd(sc *lineScanner) {
	if sc.unterminated > 0 {
		b.warnings = append(b.warnings, fmt.Sprintf("%s line %d: the last line has no newline: the file may have been cut short (the line was read as it is)",
			b.name, sc.unterminated))
	}
}

// countTrue counts the marked entries.
func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

func newLogBuilder(name string, c *readConfig) *logBuilder {
	return &logBuilder{
		name:   name,
		reject: c.set&optRejectDup != 0,
		users:  newIDSpace("user", c, c.numUsers),
		items:  newIDSpace("item", c, c.numItems),
	}
}

func (b *logBuilder) add(u, i int32, line int) {
	b.pairs = append(b.pairs, Pair{u, i})
	b.lines = append(b.lines, int32(min(line, math.MaxInt32)))
}

// addTimed adds a pair with its time.
func (b *logBuilder) addTimed(u, i int32, line int, t float64) {
	b.add(u, i, line)
	b.times = append(b.times, t)
}

// finish removes repeated pairs (or reports them) and returns the Log.
func (b *logBuilder) finish() (*Log, error) {
	if len(b.pairs) == 0 {
		return nil, fmt.Errorf("%s: %w", b.name, ErrEmpty)
	}
	if dup := repeats(b.pairs); dup != nil {
		if b.reject {
			k := slices.Index(dup, true)
			p := b.pairs[k]
			first := b.lines[slices.Index(b.pairs, p)]
			return nil, &LineError{b.name, int(b.lines[k]), fmt.Errorf("duplicate of line %d (user %s, item %s)",
				first, clipField(b.users.label(p.User)), clipField(b.items.label(p.Item)))}
		}
		k := slices.Index(dup, true)
		first := b.lines[slices.Index(b.pairs, b.pairs[k])]
		b.warnings = append(b.warnings, fmt.Sprintf("%s: merged %d repeated user–item pair(s) (the first: line %d repeats line %d)",
			b.name, countTrue(dup), b.lines[k], first))
		if b.timed {
			b.times = mergeTimes(b.pairs, b.times, dup)
		}
		b.pairs = dropMarked(b.pairs, dup)
	}
	l := &Log{Name: b.name, NumUsers: b.users.n, NumItems: b.items.n, Pairs: slices.Clip(b.pairs), Warnings: b.warnings}
	if b.timed {
		l.Times = slices.Clip(b.times)
	}
	if !b.users.keep {
		l.UserIDs = b.users.ids
	}
	if !b.items.keep {
		l.ItemIDs = b.items.ids
	}
	return l, nil
}

// repeats marks every pair equal to an earlier one; nil when there is none.
func repeats(pairs []Pair) []bool {
	idx := make([]int32, len(pairs))
	for k := range idx {
		idx[k] = int32(k)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		pa, pb := pairs[a], pairs[b]
		return cmp.Or(cmp.Compare(pa.User, pb.User), cmp.Compare(pa.Item, pb.Item))
	})
	var dup []bool
	for k := 1; k < len(idx); k++ {
		if pairs[idx[k]] == pairs[idx[k-1]] {
			if dup == nil {
				dup = make([]bool, len(pairs))
			}
			dup[idx[k]] = true
		}
	}
	return dup
}

// mergeTimes gives every first occurrence of a repeated pair the earliest
// time of its occurrences and returns the times of the unmarked pairs (in
// place), as dropMarked keeps the pairs.
func mergeTimes(pairs []Pair, times []float64, dup []bool) []float64 {
	first := map[Pair]int{}
	for k, p := range pairs {
		if !dup[k] {
			first[p] = k
		}
	}
	for k, p := range pairs {
		if dup[k] {
			f := first[p]
			times[f] = min(times[f], times[k])
		}
	}
	w := 0
	for k, t := range times {
		if !dup[k] {
			times[w] = t
			w++
		}
	}
	return times[:w]
}

// dropMarked removes the marked pairs in place, keeping the order.
func dropMarked(pairs []Pair, drop []bool) []Pair {
	w := 0
	for k, p := range pairs {
		if !drop[k] {
			pairs[w] = p
			w++
		}
	}
	return pairs[:w]
}

// lineScanner yields the lines of an input with trailing white space and
// CR removed and a leading UTF-8 byte-order mark dropped.
type lineScanner struct {
	sc   *bufio.Scanner
	name string
	n    int // number of the current line, 1-based
	// unterminated is the number of the last line when it is not blank
	// and has no newline (0 otherwise), known once next returns false.
	unterminated int
	lastOpen     bool // the token just returned ended at EOF without '\n'
}

func newLineScanner(r io.Reader, name string) *lineScanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	s := &lineScanner{sc: sc, name: name}
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		adv, tok, err := bufio.ScanLines(data, atEOF)
		s.lastOpen = atEOF && tok != nil && adv == len(data) && len(data) > 0 && data[len(data)-1] != '\n'
		return adv, tok, err
	})
	return s
}

func (s *lineScanner) next() (string, bool) {
	if !s.sc.Scan() {
		return "", false
	}
	s.n++
	line := s.sc.Text()
	if s.n == 1 {
		line = strings.TrimPrefix(line, "\ufeff")
	}
	line = strings.TrimRight(line, " \t\r\v\f")
	if s.lastOpen && strings.TrimSpace(line) != "" {
		s.unterminated = s.n
	}
	return line, true
}

func (s *lineScanner) err() error {
	if err := s.sc.Err(); err != nil {
		return &LineError{s.name, s.n + 1, err}
	}
	return nil
}

func checkReader(r io.Reader, name string) error {
	if r == nil {
		return fmt.Errorf("%s: nil reader", name)
	}
	return nil
}

// openFile opens path and runs read on it, with the path as name.
func openFile(path string, read func(io.Reader, string, ...ReadOption) (*Log, error), opts []ReadOption) (*Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, path, opts...)
}

// ReadUsersDat reads the users.dat format of the CiteULike data sets: line u
// (0-based) lists the items of user u as "count item item …", separated by
// white space, where count must equal the number of items that follow ("0"
// for a user without items). The user index is always the line index and
// Log.UserIDs stays nil; item ids are remapped in order of first appearance
// unless KeepIDs is given.
//
// Every line stands for a user, so a blank line before a non-blank one is an
// error (skipping it would silently shift every later user); blank lines at
// the end of the input are ignored. Options: KeepIDs, OneBased (items only),
// Shape, RejectDuplicates.
func ReadUsersDat(r io.Reader, name string, opts ...ReadOption) (*Log, error) {
	c, err := newConfig(name, "users.dat", optKeepIDs|optOneBased|optShape|optRejectDup, opts)
	if err != nil {
		return nil, err
	}
	if err := checkReader(r, name); err != nil {
		return nil, err
	}
	b := newLogBuilder(name, c)
	b.users.keep, b.users.oneBased = true, false // users are line indices
	sc := newLineScanner(r, name)
	users, blank := 0, 0
	for {
		line, ok := sc.next()
		if !ok {
			break
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			if blank == 0 {
				blank = sc.n
			}
			continue
		}
		if blank != 0 {
			return nil, &LineError{name, blank, errors.New("blank line inside users.dat (write 0 for a user without items)")}
		}
		count, err := strconv.Atoi(f[0])
		if err != nil || count < 0 {
			return nil, &LineError{name, sc.n, fmt.Errorf("count %s is not a non-negative integer", quoteField(f[0]))}
		}
		if count != len(f)-1 {
			return nil, &LineError{name, sc.n, fmt.Errorf("count %d but %d items", count, len(f)-1)}
		}
		if users >= b.users.limit {
			return nil, &LineError{name, sc.n, fmt.Errorf("more users than the index space %d", b.users.limit)}
		}
		for _, field := range f[1:] {
			i, err := b.items.lookup(field)
			if err != nil {
				return nil, &LineError{name, sc.n, err}
			}
			b.add(int32(users), i, sc.n)
		}
		users++
	}
	if err := sc.err(); err != nil {
		return nil, err
	}
	b.users.n = max(b.users.n, users)
	b.noteEnd(sc)
	return b.finish()
}

// ReadUsersDatFile opens path and reads it with ReadUsersDat.
func ReadUsersDatFile(path string, opts ...ReadOption) (*Log, error) {
	return openFile(path, ReadUsersDat, opts)
}

// ReadAdjacency reads the adjacency format of LightGCN, NGCF and KGAT:
// one line per user, "user item item …" separated by white space. A line may
// hold only the user id (a user without items in this file); a user may occur
// on several lines, whose items are merged. Blank lines are skipped. Users and
// items are remapped in order of first appearance unless KeepIDs is given
// (the usual case: these files hold remapped dense ids, and the train and test
// files of one split must share them). Options: KeepIDs, OneBased, Shape,
// RejectDuplicates.
func ReadAdjacency(r io.Reader, name string, opts ...ReadOption) (*Log, error) {
	c, err := newConfig(name, "adjacency", optKeepIDs|optOneBased|optShape|optRejectDup, opts)
	if err != nil {
		return nil, err
	}
	if err := checkReader(r, name); err != nil {
		return nil, err
	}
	b := newLogBuilder(name, c)
	sc := newLineScanner(r, name)
	for {
		line, ok := sc.next()
		if !ok {
			break
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		u, err := b.users.lookup(f[0])
		if err != nil {
			return nil, &LineError{name, sc.n, err}
		}
		for _, field := range f[1:] {
			i, err := b.items.lookup(field)
			if err != nil {
				return nil, &LineError{name, sc.n, err}
			}
			b.add(u, i, sc.n)
		}
	}
	if err := sc.err(); err != nil {
		return nil, err
	}
	b.noteEnd(sc)
	return b.finish()
}

// ReadAdjacencyFile opens path and reads it with ReadAdjacency.
func ReadAdjacencyFile(path string, opts ...ReadOption) (*Log, error) {
	return openFile(path, ReadAdjacency, opts)
}

// ReadMovieLens reads MovieLens ratings: u.data of ML-100K (tab-separated)
// or ratings.dat of ML-1M and ML-10M ("::"-separated), one "user item rating
// timestamp" record per line, with an integer timestamp, kept in Log.Times.
// The separator is detected from the first line unless Delimiter is given.
// Every rating counts as an interaction unless MinRating is given. Blank
// lines are skipped. Options: MinRating, KeepIDs, OneBased, Shape,
// RejectDuplicates, Delimiter.
func ReadMovieLens(r io.Reader, name string, opts ...ReadOption) (*Log, error) {
	c, err := newConfig(name, "MovieLens", optMinRating|optKeepIDs|optOneBased|optShape|optRejectDup|optDelimiter, opts)
	if err != nil {
		return nil, err
	}
	return readDelimited(r, name, c, true)
}

// ReadMovieLensFile opens path and reads it with ReadMovieLens.
func ReadMovieLensFile(path string, opts ...ReadOption) (*Log, error) {
	return openFile(path, ReadMovieLens, opts)
}

// ReadCSV reads delimited text (CSV, TSV, …) with the columns user, item and
// optionally rating and timestamp, in that order, or the columns given by
// Columns; without Columns the fourth column is not checked and no times
// are kept. The delimiter is detected (see Delimiter), fields are trimmed
// of spaces and of one pair of enclosing double quotes (no quoting beyond
// that), blank lines are skipped, and a header line is detected (see
// Header). A rating column must hold numbers; it is used only with
// MinRating. A time column (Columns with ColTime) must hold numbers or
// dates; its values go to Log.Times. All options apply.
func ReadCSV(r io.Reader, name string, opts ...ReadOption) (*Log, error) {
	c, err := newConfig(name, "CSV", ^optionBit(0), opts)
	if err != nil {
		return nil, err
	}
	return readDelimited(r, name, c, false)
}

// ReadCSVFile opens path and reads it with ReadCSV.
func ReadCSVFile(path string, opts ...ReadOption) (*Log, error) {
	return openFile(path, ReadCSV, opts)
}

type numberedLine struct {
	text string
	n    int
}

// layout says where the fields of a delimited line are: the indices of the
// user, item, rating and time columns (−1 when absent; a rating index
// applies when the line has that field) and the bounds of the field count
// (maxFields −1: no bound).
type layout struct {
	user, item, rating, time int
	intTime                  bool // the time must be an integer (MovieLens)
	keepTime                 bool // times go to Log.Times
	minFields, maxFields     int
	cols                     []Column
}

// newLayout returns the layout of a ReadCSV (movieLens false) or
// ReadMovieLens input under c.
func newLayout(c *readConfig, movieLens bool) layout {
	threshold := c.set&optMinRating != 0
	switch {
	case movieLens:
		return layout{user: 0, item: 1, rating: 2, time: 3, intTime: true, keepTime: true, minFields: 4, maxFields: 4}
	case c.set&optColumns != 0:
		ly := layout{user: -1, item: -1, rating: -1, time: -1, minFields: len(c.columns), maxFields: -1, cols: c.columns}
		for k, col := range c.columns {
			switch col {
			case ColUser:
				ly.user = k
			case ColItem:
				ly.item = k
			case ColRating:
				ly.rating = k
			case ColTime:
				ly.time, ly.keepTime = k, true
			}
		}
		return ly
	case threshold:
		return layout{user: 0, item: 1, rating: 2, time: -1, minFields: 3, maxFields: 4}
	}
	return layout{user: 0, item: 1, rating: 2, time: -1, minFields: 2, maxFields: 4}
}

// fieldsError says that a line has the wrong number of fields.
func (ly *layout) fieldsError(n int) error {
	if ly.maxFields < 0 {
		return fmt.Errorf("%d fields, want at least %d (columns %s)", n, ly.minFields, columnList(ly.cols))
	}
	want := fmt.Sprint(ly.maxFields)
	if ly.minFields < ly.maxFields {
		want = fmt.Sprintf("%d to %d", ly.minFields, ly.maxFields)
	}
	return fmt.Errorf("%d fields, want %s", n, want)
}

// timeLayouts are the date formats of a time column, tried in order after
// a number.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseTime reads a time field: a finite number, or a date of
// timeLayouts (UTC unless it says otherwise) as Unix seconds.
func parseTime(f string) (float64, error) {
	if t, err := strconv.ParseFloat(f, 64); err == nil {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return 0, fmt.Errorf("time %s is not a finite number", quoteField(f))
		}
		return t, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, f); err == nil {
			return float64(t.UnixNano()) / 1e9, nil
		}
	}
	return 0, fmt.Errorf("time %s is neither a number nor a date (2006-01-02, 2006-01-02 15:04:05, RFC 3339)", quoteField(f))
}

// readDelimited implements ReadCSV and, with movieLens set, ReadMovieLens.
func readDelimited(r io.Reader, name string, c *readConfig, movieLens bool) (*Log, error) {
	if err := checkReader(r, name); err != nil {
		return nil, err
	}
	sc := newLineScanner(r, name)
	// The first two non-blank lines settle delimiter and header.
	var head []numberedLine
	for len(head) < 2 {
		line, ok := sc.next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) != "" {
			head = append(head, numberedLine{line, sc.n})
		}
	}
	if err := sc.err(); err != nil {
		return nil, err
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	delim := c.delimiter
	if c.set&optDelimiter == 0 {
		delim = detectDelimiter(head[0].text, movieLens)
	}
	if !movieLens && hasHeader(c, head, delim) {
		head = head[1:]
	}

	b := newLogBuilder(name, c)
	threshold := c.set&optMinRating != 0
	ly := newLayout(c, movieLens)
	b.timed = ly.keepTime
	parse := func(line string, n int) error {
		f := splitFields(line, delim)
		if len(f) < ly.minFields || (ly.maxFields >= 0 && len(f) > ly.maxFields) {
			return &LineError{name, n, ly.fieldsError(len(f))}
		}
		keep := true
		if ly.rating >= 0 && len(f) > ly.rating {
			rating, err := strconv.ParseFloat(f[ly.rating], 64)
			if err != nil || math.IsNaN(rating) || math.IsInf(rating, 0) {
				return &LineError{name, n, fmt.Errorf("rating %s is not a finite number", quoteField(f[ly.rating]))}
			}
			keep = !threshold || rating >= c.minRating
		}
		var t float64
		if ly.intTime {
			v, err := strconv.ParseInt(f[ly.time], 10, 64)
			if err != nil {
				return &LineError{name, n, fmt.Errorf("timestamp %s is not an integer", quoteField(f[ly.time]))}
			}
			t = float64(v)
		} else if ly.time >= 0 {
			var err error
			if t, err = parseTime(f[ly.time]); err != nil {
				return &LineError{name, n, err}
			}
		}
		if !keep {
			// The ids of a dropped record are still checked; under KeepIDs
			// they also extend the index space, which the ids define.
			for k, s := range []*idSpace{b.users, b.items} {
				field := f[[]int{ly.user, ly.item}[k]]
				if field == "" {
					return &LineError{name, n, fmt.Errorf("empty %s id", s.what)}
				}
				if s.keep {
					if _, err := s.lookup(field); err != nil {
						return &LineError{name, n, err}
					}
				}
			}
			return nil
		}
		u, err := b.users.lookup(f[ly.user])
		if err != nil {
			return &LineError{name, n, err}
		}
		i, err := b.items.lookup(f[ly.item])
		if err != nil {
			return &LineError{name, n, err}
		}
		if b.timed {
			b.addTimed(u, i, n, t)
		} else {
			b.add(u, i, n)
		}
		return nil
	}
	for _, h := range head {
		if err := parse(h.text, h.n); err != nil {
			return nil, err
		}
	}
	for {
		line, ok := sc.next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := parse(line, sc.n); err != nil {
			return nil, err
		}
	}
	if err := sc.err(); err != nil {
		return nil, err
	}
	b.noteEnd(sc)
	return b.finish()
}

// detectDelimiter picks the separator of a delimited file from its first line.
func detectDelimiter(line string, movieLens bool) string {
	candidates := []string{"\t", "::", ",", ";", "|"}
	if movieLens {
		candidates = []string{"::", "\t"}
	}
	for _, d := range candidates {
		if strings.Contains(line, d) {
			return d
		}
	}
	return " "
}

// splitFields splits line at delim (" " meaning white space) and trims the
// fields of spaces and enclosing double quotes.
func splitFields(line, delim string) []string {
	if delim == " " {
		return strings.Fields(line)
	}
	f := strings.Split(line, delim)
	for k, s := range f {
		s = strings.TrimSpace(s)
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = s[1 : len(s)-1]
		}
		f[k] = s
	}
	return f
}

// hasHeader decides whether the first of the head lines is a header.
func hasHeader(c *readConfig, head []numberedLine, delim string) bool {
	if c.set&optHeader != 0 {
		return c.header
	}
	isNumber := func(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }
	first := splitFields(head[0].text, delim)
	if !slices.ContainsFunc(first, func(s string) bool { return !isNumber(s) }) {
		return false
	}
	if len(head) == 1 {
		return true
	}
	second := splitFields(head[1].text, delim)
	for k := range min(len(first), len(second)) {
		if !isNumber(first[k]) && isNumber(second[k]) {
			return true
		}
	}
	return false
}
