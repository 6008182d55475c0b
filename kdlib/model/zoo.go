package model

// Shared machinery of the model zoo (NeuMF, MLP, CML, LightGCN, CDAE, I-AE,
// Pop): deterministic parallel loops, the cache of tensors derived from the
// parameters for scoring, and the packing of a training matrix into a
// checkpoint's JSON header.

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// parallelFor calls fn on contiguous chunks [lo, hi) covering [0, n), one
// chunk per goroutine (at most GOMAXPROCS of them, at least grain rows
// each). cost, if not nil, is a prefix sum of per-row costs (len n+1, as a
// CSR row pointer) used to balance the chunks. Callers compute every row on
// one goroutine in a fixed order, so results never depend on the split.
func parallelFor(n, grain int, cost []int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), max(1, n/max(grain, 1)))
	if w <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	lo := 0
	for k := 1; k <= w; k++ {
		hi := n * k / w
		if cost != nil && k < w {
			// Smallest hi whose cumulative cost (plus one per row) reaches k/w of the total.
			total := cost[n] - cost[0] + n
			target := total * k / w
			hi = sort.Search(n, func(r int) bool { return cost[r]-cost[0]+r >= target })
		}
		if k == w {
			hi = n
		}
		if hi <= lo {
			continue
		}
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, hi)
		lo = hi
	}
	wg.Wait()
}

// relu sets the negative entries of x to zero.
func relu(x []float32) { nn.ReLU(x) }

// growF returns b resized to n entries, reallocated only when too small.
func growF(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// Cache states of derived.
const (
	stale int32 = iota // must be recomputed before use
	valid              // computed from the current parameters as far as the probe tells
	fresh              // computed by the training Forward of the current step
)

// derived guards a tensor computed from parameters and kept for scoring:
// LightGCN's final embeddings, the item half of NeuMF's first tower layer,
// the item codes of the item-side autoencoder. Scorer methods call ensure,
// which recomputes the tensor when it is stale.
//
// Staleness is tracked exactly for training: the models' training entry
// points (train.Forwarder.Backward, the loss term, AddScoreGrad, the
// gradient accessors of Representer) call invalidate before the optimizer
// changes any value. Writes that bypass them — train.Fit restoring its best
// or last snapshot, a caller editing Param.W — are caught by a probe: ensure
// also compares 64 fixed, spread-out entries of every source tensor with
// their values at the last computation (a few hundred comparisons, nothing
// next to one ScoreAll). A hand edit that touches none of the probed entries
// needs an explicit Invalidate on the model.
type derived struct {
	mu    sync.Mutex
	state atomic.Int32
	src   []*nn.Param
	// probe holds the probed source values at the last computation. A new
	// slice is published at every computation and never written again, so
	// concurrent readers need no lock.
	probe atomic.Pointer[[]float32]
}

const probePerParam = 64

// probeAt returns the k-th probed index of a tensor of n entries.
func probeAt(k, n int) int {
	if n <= probePerParam {
		return k
	}
	step := n / probePerParam
	return k*step + int(uint64(k)*0x9e3779b97f4a7c15>>40)%step
}

func (c *derived) probeMatches() bool {
	pp := c.probe.Load()
	if pp == nil {
		return false
	}
	probe, j := *pp, 0
	for _, p := range c.src {
		for k := 0; k < min(len(p.W), probePerParam); k++ {
			if p.W[probeAt(k, len(p.W))] != probe[j] {
				return false
			}
			j++
		}
	}
	return true
}

func (c *derived) recordProbe() {
	var probe []float32
	for _, p := range c.src {
		for k := 0; k < min(len(p.W), probePerParam); k++ {
			probe = append(probe, p.W[probeAt(k, len(p.W))])
		}
	}
	c.probe.Store(&probe)
}

// ensure makes the tensor current, calling build (under a lock, once for
// concurrent callers) when it is stale. It is safe for concurrent use while
// no training step runs.
func (c *derived) ensure(build func()) {
	switch c.state.Load() {
	case fresh:
		return
	case valid:
		if c.probeMatches() {
			return
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.state.Load(); s == fresh || (s == valid && c.probeMatches()) {
		return
	}
	c.state.Store(stale)
	build()
	c.recordProbe()
	c.state.Store(valid)
}

// markFresh records that the training forward pass has just computed the
// tensor from the current parameters.
func (c *derived) markFresh() {
	c.recordProbe()
	c.state.Store(fresh)
}

// invalidate records that the parameters are about to change.
func (c *derived) invalidate() { c.state.Store(stale) }

// packedGraph is a training matrix packed for a checkpoint's JSON header
// (base64 there): for every user, the number of items and then the gaps
// between consecutive sorted items, as unsigned varints — about 1.5 bytes
// per interaction. Models that read the training data to score (LightGCN
// propagates over it, the autoencoders encode its rows) store it in their
// checkpoint so Load returns a model that scores without further input.
type packedGraph []byte

// String keeps printed configurations short.
func (g packedGraph) String() string {
	return fmt.Sprintf("<training matrix, %d bytes packed>", len(g))
}

func packGraph(x *data.Interactions) packedGraph {
	b := make([]byte, 0, x.NumUsers+2*x.NNZ())
	for u := 0; u < x.NumUsers; u++ {
		row := x.Items(u)
		b = binary.AppendUvarint(b, uint64(len(row)))
		prev := int32(0)
		for _, i := range row {
			b = binary.AppendUvarint(b, uint64(i-prev))
			prev = i
		}
	}
	return b
}

func (g packedGraph) unpack(users, items int) (*data.Interactions, error) {
	var pairs []data.Pair
	b := []byte(g)
	next := func() (int, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > uint64(items) {
			return 0, fmt.Errorf("packed training matrix: malformed at byte %d", len(g)-len(b))
		}
		b = b[n:]
		return int(v), nil
	}
	for u := 0; u < users; u++ {
		n, err := next()
		if err != nil {
			return nil, err
		}
		i := 0
		for k := 0; k < n; k++ {
			d, err := next()
			if err != nil {
				return nil, err
			}
			if i += d; i >= items {
				return nil, fmt.Errorf("packed training matrix: user %d: item %d out of range", u, i)
			}
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(i)})
		}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("packed training matrix: %d trailing bytes", len(b))
	}
	return data.FromPairs(users, items, pairs)
}

// withGraph is the checkpoint configuration of a model that needs its
// training matrix to score: the hyper-parameters and the packed matrix.
type withGraph[C any] struct {
	Model C           `json:"model"`
	Train packedGraph `json:"train"`
}

// checkGraph validates the training matrix of a model over users × items.
func checkGraph(kind string, x *data.Interactions, users, items int) error {
	if x == nil || x.NNZ() == 0 {
		return fmt.Errorf("%s: need training interactions: %w", kind, data.ErrEmpty)
	}
	if x.NumUsers != users || x.NumItems != items {
		return fmt.Errorf("%s: training data has %d users × %d items, the configuration %d × %d", kind, x.NumUsers, x.NumItems, users, items)
	}
	return nil
}
