package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// PowerLawConfig configures PowerLaw. Start from DefaultPowerLaw.
type PowerLawConfig struct {
	// Users and Items give the index spaces (both required; up to about
	// 10⁷ users and 2³¹ items, memory permitting).
	Users, Items int
	// UserExponent is γ_u > 1 of the users' activity: a user's number of
	// interactions k has P(k) ∝ k^−γ_u for MinPerUser ≤ k ≤ MaxPerUser.
	UserExponent float64
	// MinPerUser is the smallest number of interactions of a user (> 0);
	// MaxPerUser the largest (0: Items/4), a bound that keeps drawing
	// without replacement cheap and that a user with γ_u = 2.5 and
	// MinPerUser = 10 reaches with probability (10/MaxPerUser)^1.5.
	MinPerUser, MaxPerUser int
	// ItemExponent is γ_i > 2 of the items' popularity: every item has a
	// weight w drawn from the Pareto law P(w > x) = x^−(γ_i−1), x ≥ 1, and
	// a user's items are drawn with probability proportional to w, so an
	// item's expected number of interactions is proportional to w and the
	// tail of the item degrees follows P(k) ∝ k^−γ_i. (γ_i ≤ 2 would give
	// weights of infinite mean, where a few items take most draws.)
	ItemExponent float64
	// Seed drives every draw: the same configuration gives the same data
	// on any machine and any number of cores.
	Seed uint64
}

// DefaultPowerLaw returns a configuration of the given size with
// γ_u = γ_i = 2.5 and 10 to Items/4 interactions per user: about 30
// interactions per user on average, like Gowalla's 10-core version.
func DefaultPowerLaw(users, items int) PowerLawConfig {
	return PowerLawConfig{Users: users, Items: items, UserExponent: 2.5, MinPerUser: 10, ItemExponent: 2.5}
}

// Validate reports the first problem of c, naming the field.
func (c PowerLawConfig) Validate() error {
	maxPer := c.maxPerUser()
	switch {
	case c.Users <= 0 || c.Users > 1<<26:
		return fmt.Errorf("data: power law: Users must be in [1, 2^26], got %d", c.Users)
	case c.Items <= 0 || c.Items > math.MaxInt32:
		return fmt.Errorf("data: power law: Items must be in [1, 2^31), got %d", c.Items)
	case !(c.UserExponent > 1) || math.IsInf(c.UserExponent, 0):
		return fmt.Errorf("data: power law: UserExponent must be > 1, got %v", c.UserExponent)
	case !(c.ItemExponent > 2) || math.IsInf(c.ItemExponent, 0):
		return fmt.Errorf("data: power law: ItemExponent must be > 2, got %v", c.ItemExponent)
	case c.MinPerUser <= 0:
		return fmt.Errorf("data: power law: MinPerUser must be > 0, got %d", c.MinPerUser)
	case c.MaxPerUser < 0 || maxPer < c.MinPerUser || maxPer > c.Items:
		return fmt.Errorf("data: power law: need MinPerUser (%d) <= MaxPerUser (%d, 0 meaning Items/4) <= Items (%d)", c.MinPerUser, maxPer, c.Items)
	}
	return nil
}

func (c PowerLawConfig) maxPerUser() int {
	if c.MaxPerUser == 0 {
		return c.Items / 4
	}
	return c.MaxPerUser
}

// MeanPerUser returns the expected number of interactions of a user under
// c (the mean of the discrete law PowerLaw draws degrees from: the
// continuous power law on [MinPerUser − ½, MaxPerUser + ½) rounded), so
// that Users·MeanPerUser is the expected size of the data set without
// generating it: about 30 for DefaultPowerLaw's γ_u = 2.5 and MinPerUser
// = 10. It is 0 for a configuration that does not validate.
func (c PowerLawConfig) MeanPerUser() float64 {
	if c.Validate() != nil {
		return 0
	}
	kmin, kmax := c.MinPerUser, c.maxPerUser()
	a := 1 - c.UserExponent
	flo, fhi := math.Pow(float64(kmin)-0.5, a), math.Pow(float64(kmax)+0.5, a)
	mean, prev := 0.0, flo
	for k := kmin; k <= kmax; k++ {
		next := math.Pow(float64(k)+0.5, a)
		mean += float64(k) * (next - prev)
		prev = next
	}
	return mean / (fhi - flo)
}

// powerLawChunk is the number of users drawn from one random stream.
const powerLawChunk = 4096

// PowerLaw generates a data set whose user activity and item popularity
// follow power laws (see PowerLawConfig): item weights are drawn first,
// from their own stream; then, for each chunk of 4,096 users, from a
// stream of the chunk's own, each user's number of interactions k (the
// discrete power law, by the inverse of the continuous one on
// [k_min − ½, k_max + ½) rounded) and k distinct items, drawn one after the
// other with probability proportional to their weights among the items not
// drawn yet (draws with replacement, repeats redrawn). Chunks run in
// parallel, and the result does not depend on how many cores run them. Every
// pair is distinct; items no user drew stay in the index space with no
// interactions. Memory: about 12 bytes per interaction plus 12 per item.
func PowerLaw(c PowerLawConfig) (*Interactions, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	kmin, kmax := c.MinPerUser, c.maxPerUser()
	// Item weights and their alias table.
	rng := rand.New(rand.NewPCG(c.Seed, 0x706f776572))
	w := make([]float64, c.Items)
	for i := range w {
		w[i] = math.Pow(1-rng.Float64(), -1/(c.ItemExponent-1))
	}
	alias := newAliasTable(w)
	// Degrees, chunk by chunk (each chunk's stream starts with them).
	chunks := (c.Users + powerLawChunk - 1) / powerLawChunk
	deg := make([]int, c.Users)
	ptr := make([]int, c.Users+1)
	lo, hi := float64(kmin)-0.5, float64(kmax)+0.5
	a := 1 - c.UserExponent // P(x) ∝ x^−γ: CDF ∝ x^(1−γ)
	flo, fhi := math.Pow(lo, a), math.Pow(hi, a)
	streams := make([]*rand.Rand, chunks)
	for q := range streams {
		streams[q] = rand.New(rand.NewPCG(c.Seed, 0x75736572<<20|uint64(q)))
		for u := q * powerLawChunk; u < min((q+1)*powerLawChunk, c.Users); u++ {
			x := math.Pow(flo+streams[q].Float64()*(fhi-flo), 1/a)
			deg[u] = min(kmax, max(kmin, int(math.Floor(x+0.5))))
			ptr[u+1] = ptr[u] + deg[u]
		}
	}
	items := make([]int32, ptr[c.Users])
	// Items, chunk by chunk in parallel.
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make([]int32, c.Items) // seen[i] = u+1: user u drew i
			for {
				mu.Lock()
				q := next
				next++
				mu.Unlock()
				if q >= chunks {
					return
				}
				r := streams[q]
				for u := q * powerLawChunk; u < min((q+1)*powerLawChunk, c.Users); u++ {
					row := items[ptr[u]:ptr[u+1]]
					for k := range row {
						for {
							i := alias.draw(r)
							if seen[i] != int32(u+1) {
								seen[i] = int32(u + 1)
								row[k] = i
								break
							}
						}
					}
					slices.Sort(row)
				}
			}
		}()
	}
	wg.Wait()
	x := &Interactions{NumUsers: c.Users, NumItems: c.Items, UserPtr: ptr, UserItems: items}
	x.buildItemIndex()
	return x, nil
}

// aliasTable draws indices with probabilities proportional to given
// weights in O(1) (Walker's alias method, Vose's construction).
type aliasTable struct {
	prob  []float64
	alias []int32
}

func newAliasTable(w []float64) *aliasTable {
	n := len(w)
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	t := &aliasTable{prob: make([]float64, n), alias: make([]int32, n)}
	scaled := make([]float64, n)
	var small, large []int32
	for i, v := range w {
		scaled[i] = v * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		t.prob[s], t.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		t.prob[i], t.alias[i] = 1, i
	}
	for _, i := range small { // rounding leftovers
		t.prob[i], t.alias[i] = 1, i
	}
	return t
}

func (t *aliasTable) draw(r *rand.Rand) int32 {
	i := r.IntN(len(t.prob))
	if r.Float64() < t.prob[i] {
		return int32(i)
	}
	return t.alias[i]
}

// PowerLawExponent estimates the exponent γ of a discrete power law
// P(k) ∝ k^−γ from the values of deg that are at least kmin (> 0), by the
// maximum-likelihood approximation of Clauset, Shalizi and Newman (2009,
// eq. 3.7): γ ≈ 1 + n / Σ ln(k / (kmin − ½)). Its standard error is about
// (γ−1)/√n. It returns NaN when fewer than two values reach kmin.
func PowerLawExponent(deg []int, kmin int) float64 {
	if kmin < 1 {
		return math.NaN()
	}
	n, s := 0, 0.0
	for _, k := range deg {
		if k >= kmin {
			n++
			s += math.Log(float64(k) / (float64(kmin) - 0.5))
		}
	}
	if n < 2 || s == 0 {
		return math.NaN()
	}
	return 1 + float64(n)/s
}
