package exp

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Shard selects one of Count disjoint slices of a sweep (--shard i/N). The
// zero value is the whole sweep (0/1). The assignment is a fixed function
// of each run, independent of worker counts and of which other shards run:
// by default the run's index in the expansion (i = index mod N, which
// balances the slices), or, with ByHash, the run's hash (first 8 bytes mod
// N), which keeps a run in the same shard when the spec gains or loses
// other runs.
type Shard struct {
	// Index is i, 0 ≤ i < Count.
	Index int
	// Count is N; 0 means 1.
	Count int
	// ByHash assigns by run hash instead of run index.
	ByHash bool
}

// ParseShard parses "i/N" (e.g. "2/8"); "" is the whole sweep. The prefix
// "hash:" selects assignment by hash ("hash:2/8").
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{Count: 1}, nil
	}
	var sh Shard
	if rest, ok := strings.CutPrefix(s, "hash:"); ok {
		sh.ByHash, s = true, rest
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want i/N, e.g. 0/4", s)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want integers i/N", s)
	}
	if n < 1 {
		return Shard{}, fmt.Errorf("shard %q: N must be at least 1", s)
	}
	sh.Index, sh.Count = i, n
	return sh, sh.Validate()
}

// Validate reports an index out of range.
func (s Shard) Validate() error {
	n := s.count()
	if n < 1 || s.Index < 0 || s.Index >= n {
		return fmt.Errorf("shard %d/%d: need 0 <= i < N", s.Index, s.Count)
	}
	return nil
}

func (s Shard) count() int {
	if s.Count == 0 {
		return 1
	}
	return s.Count
}

// String returns "i/N" (with the "hash:" prefix when ByHash).
func (s Shard) String() string {
	p := ""
	if s.ByHash {
		p = "hash:"
	}
	return fmt.Sprintf("%s%d/%d", p, s.Index, s.count())
}

// Tag names the shard's files: "shard-002-of-008" ("shard-h002-of-008"
// by hash).
func (s Shard) Tag() string {
	h := ""
	if s.ByHash {
		h = "h"
	}
	return fmt.Sprintf("shard-%s%03d-of-%03d", h, s.Index, s.count())
}

// Owns reports whether run r belongs to the shard.
func (s Shard) Owns(r *Run) bool {
	n := s.count()
	if n == 1 {
		return true
	}
	if s.ByHash {
		b, err := hex.DecodeString(r.Hash[:16])
		if err != nil || len(b) < 8 {
			return false
		}
		return binary.BigEndian.Uint64(b)%uint64(n) == uint64(s.Index)
	}
	return r.Index%n == s.Index
}

// Select returns the runs the shard owns, in order.
func (s Shard) Select(runs []Run) []Run {
	var out []Run
	for k := range runs {
		if s.Owns(&runs[k]) {
			out = append(out, runs[k])
		}
	}
	return out
}
