package eval

// Topology preservation: how well a model's representation space keeps the
// relations (cosine similarities) of a teacher's, the analysis of the
// Topology Distillation chapter (methods.md §3.5).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
)

// TopologyOptions selects the entities on which topology is measured.
type TopologyOptions struct {
	// Users and Items are the numbers of users and items sampled (items
	// among those with training interactions); K is the neighbourhood size
	// of the k-NN overlap.
	Users, Items, K int
	// Seed drives the sample.
	Seed uint64
}

// TopologyMeasure says how much of a teacher's topology a representation
// space keeps, on the sample of a Topology.
type TopologyMeasure struct {
	// Discrepancy is the mean over all pairs (a, b) of the sample of
	// (cos_s(a,b) − cos_t(a,b))², s the measured space and t the
	// teacher's: what FTD minimises, per pair. It is 0 for the teacher
	// itself.
	Discrepancy float64 `json:"discrepancy"`
	// KNN is the mean fraction of each entity's K nearest neighbours in
	// the teacher's space (by cosine, within the sample) that are also among
	// its K nearest in the measured space: 1 for the teacher itself.
	KNN float64 `json:"knn"`
}

// Topology compares the representations of models with a teacher's on a
// fixed sample of users and items, which it draws once. Users and items
// share one space: the sample's n entities have n(n−1)/2 pairs, and an
// entity's neighbours may be users or items.
type Topology struct {
	users, items []int32
	k            int
	teacherCos   []float32 // n×n cosine similarities
	teacherNN    [][]int32 // K nearest per entity
}

// NewTopology samples the entities (o.Users users among all, o.Items items
// among those with training interactions in s, fewer when there are not as
// many) and computes the teacher's cosine similarities and neighbourhoods.
// It fails unless o.Users, o.Items and o.K are positive and K is smaller
// than the number of sampled entities.
func NewTopology(s *data.Split, teacher model.Embedder, o TopologyOptions) (*Topology, error) {
	if o.K <= 0 || o.Users <= 0 || o.Items <= 0 {
		return nil, fmt.Errorf("topology: need users, items and k > 0, got %+v", o)
	}
	r := rand.New(rand.NewPCG(o.Seed, 0x746f706f))
	var warm []int32
	for i := range s.NumItems() {
		if len(s.Train.Users(i)) > 0 {
			warm = append(warm, int32(i))
		}
	}
	pick := func(pool []int32, n int) []int32 {
		pool = slices.Clone(pool)
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		out := pool[:min(n, len(pool))]
		slices.Sort(out)
		return out
	}
	all := make([]int32, s.NumUsers())
	for u := range all {
		all[u] = int32(u)
	}
	t := &Topology{users: pick(all, o.Users), items: pick(warm, o.Items), k: o.K}
	n := len(t.users) + len(t.items)
	if t.k >= n {
		return nil, fmt.Errorf("topology: k = %d with %d entities", t.k, n)
	}
	t.teacherCos = t.cosines(teacher)
	t.teacherNN = make([][]int32, n)
	for a := range n {
		t.teacherNN[a] = nearest(t.teacherCos[a*n:(a+1)*n], a, t.k)
	}
	return t, nil
}

// cosines returns the n×n cosine similarities of the sample in m's space.
func (t *Topology) cosines(m model.Embedder) []float32 {
	d := m.Dim()
	nu, n := len(t.users), len(t.users)+len(t.items)
	v := make([]float32, n*d)
	m.UserVecs(t.users, v[:nu*d])
	m.ItemVecs(t.items, v[nu*d:])
	for a := range n {
		row := v[a*d : (a+1)*d]
		var ss float64
		for _, x := range row {
			ss += float64(x) * float64(x)
		}
		inv := float32(1 / math.Max(math.Sqrt(ss), 1e-12))
		for j := range row {
			row[j] *= inv
		}
	}
	c := make([]float32, n*n)
	for a := range n {
		ra := v[a*d : (a+1)*d]
		c[a*n+a] = 1
		for b := a + 1; b < n; b++ {
			rb := v[b*d : (b+1)*d]
			var s float32
			for j := range ra {
				s += ra[j] * rb[j]
			}
			c[a*n+b], c[b*n+a] = s, s
		}
	}
	return c
}

// nearest returns the indices of the k largest entries of row, except
// self, largest first (equal values by ascending index).
func nearest(row []float32, self, k int) []int32 {
	idx := make([]int32, 0, len(row)-1)
	for b := range row {
		if b != self {
			idx = append(idx, int32(b))
		}
	}
	slices.SortFunc(idx, func(a, b int32) int {
		switch {
		case row[a] > row[b]:
			return -1
		case row[a] < row[b]:
			return 1
		}
		return int(a - b)
	})
	return idx[:k]
}

// Measure returns how much of the teacher's topology m keeps on the
// sample. m may have another dimension than the teacher's.
func (t *Topology) Measure(m model.Embedder) TopologyMeasure {
	c := t.cosines(m)
	n := len(t.teacherNN)
	var disc float64
	for a := range n {
		for b := a + 1; b < n; b++ {
			e := float64(c[a*n+b] - t.teacherCos[a*n+b])
			disc += e * e
		}
	}
	var knn float64
	for a := range n {
		nn := nearest(c[a*n:(a+1)*n], a, t.k)
		hit := 0
		for _, b := range nn {
			if slices.Contains(t.teacherNN[a], b) {
				hit++
			}
		}
		knn += float64(hit) / float64(t.k)
	}
	return TopologyMeasure{Discrepancy: disc / float64(n*(n-1)/2), KNN: knn / float64(n)}
}
