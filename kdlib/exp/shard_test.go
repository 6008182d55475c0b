package exp

import (
	"fmt"
	"testing"
)

func TestShardParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"", "0/1", true}, {"0/3", "0/3", true}, {"2/3", "2/3", true}, {"hash:1/4", "hash:1/4", true},
		{"3/3", "", false}, {"-1/3", "", false}, {"1", "", false}, {"a/b", "", false}, {"0/0", "", false},
	} {
		s, err := ParseShard(c.in)
		if (err == nil) != c.ok || (c.ok && s.String() != c.want) {
			t.Errorf("ParseShard(%q) = %v, %v", c.in, s, err)
		}
	}
	if tag := (Shard{Index: 2, Count: 8}).Tag(); tag != "shard-002-of-008" {
		t.Errorf("tag %s", tag)
	}
}

// TestShardPartition checks that for both assignments the shards are
// disjoint, cover the sweep, and do not depend on anything but the run.
func TestShardPartition(t *testing.T) {
	s := tinySpec()
	s.Grid = Grid{"student.dim": {2, 4, 6, 8, 10, 12, 14}}
	runs, err := s.Expand()
	if err != nil {
		t.Fatal(err)
	}
	for _, byHash := range []bool{false, true} {
		for _, n := range []int{1, 2, 3, 5, 64} {
			owner := map[string]int{}
			sizes := make([]int, n)
			for i := 0; i < n; i++ {
				for _, r := range (Shard{Index: i, Count: n, ByHash: byHash}).Select(runs) {
					if j, dup := owner[r.ID]; dup {
						t.Fatalf("n=%d hash=%v: run %s in shards %d and %d", n, byHash, r.ID, j, i)
					}
					owner[r.ID] = i
					sizes[i]++
				}
			}
			if len(owner) != len(runs) {
				t.Fatalf("n=%d hash=%v: %d of %d runs covered", n, byHash, len(owner), len(runs))
			}
			if !byHash && n <= len(runs) {
				for _, sz := range sizes {
					if sz < len(runs)/n || sz > len(runs)/n+1 {
						t.Fatalf("n=%d: unbalanced %v", n, sizes)
					}
				}
			}
		}
	}
	// Hash assignment is stable when the sweep changes.
	s.Grid["student.dim"] = append(s.Grid["student.dim"], 16)
	more, _ := s.Expand()
	sh := Shard{Index: 1, Count: 3, ByHash: true}
	before := fmt.Sprint(sh.Select(runs))
	var kept []Run
	for _, r := range sh.Select(more) {
		if r.Spec.Student.Dim != 16 {
			kept = append(kept, r)
		}
	}
	if len(kept) != len(sh.Select(runs)) {
		t.Fatalf("hash shard changed: %d vs %d (%s)", len(kept), len(sh.Select(runs)), before[:40])
	}
}
