package data

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
)

// ImportSplit builds a Split from the three parts of a split made elsewhere,
// each a delimited file of "user<TAB>item" lines (anything ReadCSV accepts;
// a third or fourth column is read and ignored) holding dense integer ids
// shared by the three parts, without a header line. valid may be nil for
// train/test splits. The index spaces are the largest id + 1 over all parts
// unless opts include Shape; other ReadOptions (Header(true) for files with a
// header, Delimiter, RejectDuplicates, OneBased) are passed on to ReadCSV,
// which is always given KeepIDs. Error messages name the parts "name/train", "name/valid" and
// "name/test". The Split is checked with Split.Validate, which reports out of
// range ids, users with held-out items but no training items and overlaps
// between the parts. Candidates stay nil.
func ImportSplit(name string, train, valid, test io.Reader, opts ...ReadOption) (*Split, error) {
	opts = append(append([]ReadOption{Header(false)}, opts...), KeepIDs())
	read := func(part string, r io.Reader) (*Log, error) {
		if r == nil {
			return nil, nil
		}
		return ReadCSV(r, name+"/"+part, opts...)
	}
	var logs [3]*Log
	for k, part := range []struct {
		name string
		r    io.Reader
	}{{"train", train}, {"valid", valid}, {"test", test}} {
		var err error
		if logs[k], err = read(part.name, part.r); err != nil {
			return nil, err
		}
	}
	return JoinSplit(name, logs[0], logs[1], logs[2])
}

// ImportSplitFiles opens the three files of a split and imports them with
// ImportSplit; validPath may be empty for a train/test split. Error messages
// name the files by path; the Split is named after the directory of the
// training file (made absolute, so files of the working directory do not
// make a split named ".").
func ImportSplitFiles(trainPath, validPath, testPath string, opts ...ReadOption) (*Split, error) {
	opts = append(append([]ReadOption{Header(false)}, opts...), KeepIDs())
	var logs [3]*Log
	for k, path := range []string{trainPath, validPath, testPath} {
		if path == "" && k == 1 {
			continue
		}
		var err error
		if logs[k], err = ReadCSVFile(path, opts...); err != nil {
			return nil, err
		}
	}
	name := filepath.Dir(trainPath)
	if !filepath.IsAbs(name) {
		// "." (files of the working directory) names nothing.
		if abs, err := filepath.Abs(name); err == nil {
			name = abs
		}
	}
	return JoinSplit(name, logs[0], logs[1], logs[2])
}

// ImportSplitDir imports the split in dir whose parts are the named files of
// that directory (valid may be ""); see ImportSplitFiles.
func ImportSplitDir(dir, train, valid, test string, opts ...ReadOption) (*Split, error) {
	if valid != "" {
		valid = filepath.Join(dir, valid)
	}
	return ImportSplitFiles(filepath.Join(dir, train), valid, filepath.Join(dir, test), opts...)
}

// JoinSplit builds a Split from the train, valid and test Logs of a split made
// elsewhere. The Logs must share one index space, that is be read with
// KeepIDs (their UserIDs and ItemIDs nil); the index spaces of the Split are
// the largest of the three (give every reader the same Shape to fix them).
// valid may be nil: Valid then holds an empty list for every user. The Split
// is checked with Split.Validate; Candidates stay nil.
func JoinSplit(name string, train, valid, test *Log) (*Split, error) {
	if train == nil || test == nil {
		return nil, fmt.Errorf("split %q: train and test are required", name)
	}
	numUsers, numItems := 0, 0
	for _, l := range []*Log{train, valid, test} {
		if l == nil {
			continue
		}
		if err := checkShared(l); err != nil {
			return nil, fmt.Errorf("split %q: %w", name, err)
		}
		numUsers, numItems = max(numUsers, l.NumUsers), max(numItems, l.NumItems)
	}
	x, err := FromPairs(numUsers, numItems, train.Pairs)
	if err != nil {
		return nil, fmt.Errorf("split %q: train %s: %w", name, train.Name, err)
	}
	s := &Split{Name: name, Train: x, Valid: heldOut(numUsers, valid), Test: heldOut(numUsers, test)}
	for _, l := range []*Log{train, valid, test} {
		if l != nil {
			s.Warnings = append(s.Warnings, l.Warnings...)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// heldOut returns the sorted items of every user of l (empty lists for nil).
func heldOut(numUsers int, l *Log) [][]int32 {
	out := make([][]int32, numUsers)
	if l == nil {
		return out
	}
	for _, p := range l.Pairs {
		out[p.User] = append(out[p.User], p.Item)
	}
	for u := range out {
		slices.Sort(out[u])
		out[u] = slices.Compact(out[u])
	}
	return out
}

// checkShared reports whether l cannot be joined with other Logs by index.
func checkShared(l *Log) error {
	if l.UserIDs != nil || l.ItemIDs != nil {
		return fmt.Errorf("%s has remapped ids: read the parts with KeepIDs", l.Name)
	}
	return l.Validate()
}

// Concat joins Logs that share one index space (read with KeepIDs, such as
// the train and test files of a shipped split) into one named name: pairs in
// argument order with repeats dropped, index spaces the largest of the inputs.
// Times are kept when every input has them (a pair in several inputs keeps
// its earliest time); when only some have, they are dropped with a warning.
// No pair at all gives an error wrapping ErrEmpty. To join files whose ids
// were remapped (string ids), use Merge.
func Concat(name string, logs ...*Log) (*Log, error) {
	out := &Log{Name: name}
	var parts []*Log
	for _, l := range logs {
		if l == nil {
			continue
		}
		if err := checkShared(l); err != nil {
			return nil, fmt.Errorf("concat %s: %w", name, err)
		}
		out.NumUsers, out.NumItems = max(out.NumUsers, l.NumUsers), max(out.NumItems, l.NumItems)
		out.Pairs = append(out.Pairs, l.Pairs...)
		out.Warnings = append(out.Warnings, l.Warnings...)
		parts = append(parts, l)
	}
	if len(out.Pairs) == 0 {
		return nil, fmt.Errorf("concat %s: %w", name, ErrEmpty)
	}
	out.Times, out.Warnings = joinTimes(name, parts, out.Warnings)
	if dup := repeats(out.Pairs); dup != nil {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: merged %d user–item pair(s) found in more than one of its files", name, countTrue(dup)))
		if out.Times != nil {
			out.Times = mergeTimes(out.Pairs, out.Times, dup)
		}
		out.Pairs = dropMarked(out.Pairs, dup)
	}
	return out, nil
}

// joinTimes concatenates the times of parts when all have them; when only
// some have, it returns nil and a warning naming the first without.
func joinTimes(name string, parts []*Log, warnings []string) ([]float64, []string) {
	timed := 0
	var untimed string
	for _, l := range parts {
		if l.Times != nil {
			timed++
		} else if untimed == "" {
			untimed = l.Name
		}
	}
	switch timed {
	case 0:
		return nil, warnings
	case len(parts):
		var times []float64
		for _, l := range parts {
			times = append(times, l.Times...)
		}
		return times, warnings
	}
	return nil, append(warnings, fmt.Sprintf("%s: times dropped: %s has none (join files that all have a time column)", name, untimed))
}

// Merge joins Logs by identifier into one named name: users (and items)
// with the same identifier in several inputs become one, numbered in order
// of first appearance over the inputs in argument order, identifiers in
// UserIDs and ItemIDs. Pairs keep the input order with repeats dropped
// (with a warning), and times when every input has them (see Concat). It
// joins files read without KeepIDs — several files of one data set with
// string ids, or a train and a test file — which Concat, joining by index,
// cannot. An input without identifiers (read with KeepIDs) is an error:
// join those with Concat. No pair at all gives an error wrapping ErrEmpty.
func Merge(name string, logs ...*Log) (*Log, error) {
	out := &Log{Name: name}
	users, items := map[string]int32{}, map[string]int32{}
	id := func(index map[string]int32, ids *[]string, n *int, key string) int32 {
		if k, ok := index[key]; ok {
			return k
		}
		k := int32(len(*ids))
		index[key] = k
		*ids = append(*ids, key)
		*n = len(*ids)
		return k
	}
	var parts []*Log
	for _, l := range logs {
		if l == nil {
			continue
		}
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("merge %s: %w", name, err)
		}
		if l.UserIDs == nil || l.ItemIDs == nil {
			return nil, fmt.Errorf("merge %s: %s has no identifiers (read with KeepIDs): join files of one index space with Concat", name, l.Name)
		}
		if len(out.Pairs)+len(l.Pairs) > math.MaxInt32 {
			return nil, fmt.Errorf("merge %s: more than %d pairs", name, math.MaxInt32)
		}
		for _, p := range l.Pairs {
			u := id(users, &out.UserIDs, &out.NumUsers, l.UserIDs[p.User])
			i := id(items, &out.ItemIDs, &out.NumItems, l.ItemIDs[p.Item])
			out.Pairs = append(out.Pairs, Pair{u, i})
		}
		out.Warnings = append(out.Warnings, l.Warnings...)
		parts = append(parts, l)
	}
	if len(out.Pairs) == 0 {
		return nil, fmt.Errorf("merge %s: %w", name, ErrEmpty)
	}
	out.Times, out.Warnings = joinTimes(name, parts, out.Warnings)
	if dup := repeats(out.Pairs); dup != nil {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: merged %d user–item pair(s) found in more than one of its files", name, countTrue(dup)))
		if out.Times != nil {
			out.Times = mergeTimes(out.Pairs, out.Times, dup)
		}
		out.Pairs = dropMarked(out.Pairs, dup)
	}
	return out, nil
}
