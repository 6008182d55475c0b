package nbkit

// Topology preservation: how well a student's representation space keeps
// the relations (cosine similarities) of the teacher's, the analysis of
// the Topology Distillation chapter.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
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

// TopologyPoint is the topology of the student after Epoch epochs.
type TopologyPoint struct {
	Epoch int `json:"epoch"`
	// Discrepancy is the mean over all pairs (a, b) of the sample of
	// (cos_s(a,b) − cos_t(a,b))²: what FTD minimises, per pair.
	Discrepancy float64 `json:"discrepancy"`
	// KNN is the mean fraction of each entity's K nearest neighbours in
	// the teacher's space (by cosine, within the sample) that are also among
	// its K nearest in the student's.
	KNN float64 `json:"knn"`
}

// TopologyTrace is the topology of one student over its training.
type TopologyTrace struct {
	// Method, Dim and Seed identify the student.
	Method string `json:"method"`
	Dim    int    `json:"dim"`
	Seed   uint64 `json:"seed"`
	// Points are the measurements, in the order of training.
	Points []TopologyPoint `json:"points"`
	// Cached says the trace was loaded from the cache.
	Cached bool `json:"-"`
}

// Topology compares the representations of a student with the teacher's on
// a fixed sample of users and items.
type Topology struct {
	users, items []int32
	k            int
	teacherCos   []float32 // n×n cosine similarities
	teacherNN    [][]int32 // K nearest per entity
}

// NewTopology samples the entities and computes the teacher's topology.
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
		t.teacherNN[a] = topK(t.teacherCos[a*n:(a+1)*n], a, t.k)
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

// topK returns the indices of the k largest entries of row, except self.
func topK(row []float32, self, k int) []int32 {
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

// Measure returns the topology point of student m.
func (t *Topology) Measure(m model.Embedder, epoch int) TopologyPoint {
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
		nn := topK(c[a*n:(a+1)*n], a, t.k)
		hit := 0
		for _, b := range nn {
			if slices.Contains(t.teacherNN[a], b) {
				hit++
			}
		}
		knn += float64(hit) / float64(t.k)
	}
	return TopologyPoint{Epoch: epoch, Discrepancy: disc / float64(n*(n-1)/2), KNN: knn / float64(n)}
}

// TrainTopology trains a student as exp.TrainLatent does (BPR loss plus the
// term of o.Method, train.Defaults(), o.Epochs epochs, no early stopping)
// but without evaluation, and measures its topology before training and
// every o.EvalEvery epochs. The trace is cached in ArtifactDir()/notebooks
// by the split, the teacher, the options and the sample.
func TrainTopology(ctx context.Context, s *data.Split, teacher model.Embedder, teacherID string, o exp.LatentOptions, to TopologyOptions) (*TopologyTrace, error) {
	key, err := hashKey(exp.SplitFingerprint(s), teacherID, o.Method, o.Dim, o.Seed, o.Epochs, o.EvalEvery, o.Hint, o.DE, o.PHR, o.FTD, o.HTD, to)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(ArtifactDir(), "notebooks", fmt.Sprintf("topology-%s-d%d-seed%d-%s.json", o.Method, o.Dim, o.Seed, key))
	return loadOrRun(path, func() (*TopologyTrace, error) {
		topo, err := NewTopology(s, teacher, to)
		if err != nil {
			return nil, err
		}
		st, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: o.Dim, Seed: o.Seed})
		if err != nil {
			return nil, err
		}
		terms := []train.Term{st.Loss()}
		term, err := exp.LatentTerm(o.Method, teacher, st, o, o.Seed)
		if err != nil {
			return nil, err
		}
		if term != nil {
			terms = append(terms, term)
		}
		tr := &TopologyTrace{Method: o.Method, Dim: o.Dim, Seed: o.Seed, Points: []TopologyPoint{topo.Measure(st, 0)}}
		cfg := train.Defaults()
		cfg.Seed, cfg.Epochs = o.Seed, o.Epochs
		every := max(o.EvalEvery, 1)
		cfg.Hooks = append(cfg.Hooks, train.Hook{OnEpoch: func(e train.EpochEvent) {
			if e.Epoch%every == 0 || e.Epoch == o.Epochs {
				tr.Points = append(tr.Points, topo.Measure(st, e.Epoch))
			}
		}})
		cfg.Hooks = append(cfg.Hooks, report.ProgressHook(o.Log, fmt.Sprintf("topology %s d=%d seed=%d", o.Method, o.Dim, o.Seed), false))
		if _, err := train.Fit(ctx, st, s.Train, terms, cfg); err != nil {
			return nil, err
		}
		return tr, nil
	}, func(t *TopologyTrace) { t.Cached = true })
}
