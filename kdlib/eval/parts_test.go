package eval

import (
	"context"
	"math"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// blockedTable is a tableScorer that also scores blocks of users
// (UsersScorer), with the same values as ScoreAll, and records the blocks
// it was asked for.
type blockedTable struct {
	tableScorer
	mu     sync.Mutex
	blocks [][]int32
}

func (b *blockedTable) ScoreUsers(users []int32, out []float32) {
	ni := b.NumItems()
	if len(out) != len(users)*ni {
		panic("blockedTable: out does not hold one row per user")
	}
	for k, u := range users {
		copy(out[k*ni:(k+1)*ni], b.tableScorer[u])
	}
	b.mu.Lock()
	b.blocks = append(b.blocks, slices.Clone(users))
	b.mu.Unlock()
}

// TestFullRankingPartsManyBlocks: with a model that scores blocks of users
// and more users than one block holds, the shared pass over several blocks
// (the last one partial, users in only one part, a restricted and
// unsorted Options.Users, ties and a few NaN scores) gives exactly what
// FullRanking gives user by user and what the reference ranking gives,
// whatever the number of workers. Each user is scored once, in blocks of
// blockUsers users at most.
func TestFullRankingPartsManyBlocks(t *testing.T) {
	const nu, ni = 300, 160
	if blockUsers(ni) >= nu/3 {
		t.Fatalf("blocks of %d users: fewer than three blocks for %d users", blockUsers(ni), nu)
	}
	ctx := context.Background()
	tab := materialise(newDenseScorer(nu, ni, 8, 23))
	for u := 0; u < nu; u += 4 { // ties
		for i := range tab[u] {
			tab[u][i] = float32(math.Round(float64(tab[u][i]) * 2))
		}
	}
	for u := 1; u < nu; u += 7 { // a few NaN scores
		tab[u][(u*13)%ni] = float32(math.NaN())
	}
	s := randomSplit(t, nu, ni, 20, 4, 6, 0, true, 31)
	var some []int32
	for u := nu - 1; u >= 0; u -= 2 { // descending, with a repeat
		some = append(some, int32(u))
	}
	some = append(some, some[3])
	cutoffs := []int{1, 5, 20}
	for _, users := range [][]int32{nil, some} {
		for _, workers := range []int{1, 3} {
			opt := Options{Cutoffs: cutoffs, Users: users, Workers: workers}
			m := &blockedTable{tableScorer: tab}
			got, err := FullRankingParts(ctx, m, s, []string{Test, Valid}, opt)
			if err != nil {
				t.Fatal(err)
			}
			scored := map[int32]int{}
			for _, b := range m.blocks {
				if len(b) > blockUsers(ni) {
					t.Fatalf("a block of %d users, more than %d", len(b), blockUsers(ni))
				}
				for _, u := range b {
					scored[u]++
				}
			}
			if len(m.blocks) < 3 {
				t.Fatalf("users %v, workers %d: %d blocks, want several", users != nil, workers, len(m.blocks))
			}
			for k, part := range []string{Test, Valid} {
				want, err := FullRanking(ctx, tab, s, part, opt) // user by user
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("users %v, workers %d, %s: the blocked shared pass differs from FullRanking user by user", users != nil, workers, part)
				}
				if users == nil {
					checkAgainstRef(t, got[k], refFull(tab, s, part, cutoffs))
				}
				for _, u := range got[k].Users {
					if scored[u] != 1 {
						t.Fatalf("%s user %d scored %d times", part, u, scored[u])
					}
				}
			}
			if len(scored) != len(mergeUnion(got[0].Users, got[1].Users)) {
				t.Errorf("%d users scored, the parts evaluate %d", len(scored), len(mergeUnion(got[0].Users, got[1].Users)))
			}
		}
	}
}

// TestBlockUsers: the users per UsersScorer call stay within the memory
// bound (one user at least), at most maxBlockUsers, a multiple of 4 from 4
// on.
func TestBlockUsers(t *testing.T) {
	for _, items := range []int{0, 1, 160, 25181, 40000, 1 << 20, 3 << 19, 3 << 20} {
		n := blockUsers(items)
		if n < 1 || n > maxBlockUsers || (n > 1 && 4*n*items > scoreBlockBytes) || (n >= 4 && n%4 != 0) {
			t.Errorf("blockUsers(%d) = %d", items, n)
		}
	}
	if n := blockUsers(25181); n != maxBlockUsers {
		t.Errorf("blockUsers(25181) = %d, want %d (CiteULike's items fit %d users)", n, maxBlockUsers, maxBlockUsers)
	}
	if n := blockUsers(40000); n != 52 {
		t.Errorf("blockUsers(40000) = %d, want 52", n)
	}
}
