package distill

import (
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/kdrec/kdrec/kdlib/nn"
)

// rowChunk is the number of consecutive rows that share one random stream
// in forRows.
const rowChunk = 256

// forRows runs fn for every row r in [0, rows): the per-row loop of the
// per-epoch samplers (RD's rank estimation, CD's draws, RRD's and IR-RRD's
// samples, DCD's corrections). Rows are processed in chunks of rowChunk;
// chunk c is handled by one goroutine, in row order, with its own generator
// nn.NewRand(seed, c), so what fn draws for a row depends on the seed and
// the row only, never on the number of workers (≤ 0: GOMAXPROCS). Each
// goroutine calls newScratch once and passes the result to every fn call
// it makes, for buffers reused across rows.
//
// fn may fail: the goroutine that gets the error stops, the others finish
// their chunks, and forRows returns the error of the lowest failing row
// (deterministic, whatever the scheduling).
func forRows[S any](rows, workers int, seed uint64, newScratch func() S, fn func(s S, rng *rand.Rand, r int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := (rows + rowChunk - 1) / rowChunk
	workers = min(workers, chunks)
	errs := make([]error, chunks)
	run := func(w int) {
		s := newScratch()
		for c := w; c < chunks; c += workers {
			rng := nn.NewRand(seed, uint64(c))
			for r := c * rowChunk; r < min((c+1)*rowChunk, rows); r++ {
				if err := fn(s, rng, r); err != nil {
					errs[c] = err
					return
				}
			}
		}
	}
	if workers == 1 {
		run(0)
	} else {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) { defer wg.Done(); run(w) }(w)
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// batchSet collects the distinct entries (items) of a batch in order of
// first appearance: IR-RRD's and DCD's batch item set B_I.
type batchSet struct {
	stamp []int32 // stamp[i] == gen when i is already in the set
	gen   int32
	items []int32
}

func newBatchSet(n int) batchSet { return batchSet{stamp: make([]int32, n)} }

// reset empties the set.
func (s *batchSet) reset() {
	s.gen++
	if s.gen == 0 { // wrapped: start the stamps afresh
		clear(s.stamp)
		s.gen = 1
	}
	s.items = s.items[:0]
}

// add adds the entries of xs not yet in the set.
func (s *batchSet) add(xs []int32) {
	for _, i := range xs {
		if s.stamp[i] != s.gen {
			s.stamp[i] = s.gen
			s.items = append(s.items, i)
		}
	}
}
