package distill

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/train"
)

// hetCompPinned is the FNV-64a hash of the student's P and Q (float32 bits)
// and the last epoch's loss after TestHetCompPinned's training, recorded
// with the scalar catalogue code of revision 8704d92 (before the
// catalogue kernels) on amd64 with AVX2 and FMA: the kernels that replaced
// it must give the same bits, with or without AVX-512.
const hetCompPinned = "05f85e840b904e1c 339.69734521370555; 757d6e59ff87fdf9 79.5129752735814"

// TestHetCompPinned trains a HetComp student in phase 1 with DKC steps
// (epochs 2, 4, 6, 8) and, separately, in phase 2 (set at the start, as
// BenchmarkHetCompEpochPhase2 does), on 700 items, so that the catalogue
// kernels' blocks of 256 and their tails, and rows of several alignments,
// are all used; it requires the parameters and the last epoch's loss
// recorded before the catalogue kernels, bit for bit.
func TestHetCompPinned(t *testing.T) {
	if !softAsmKernels || !simd.HasFMA() {
		t.Skip("the pinned values were recorded with the amd64 assembly kernels")
	}
	var got []string
	for _, phase := range []int{1, 2} {
		f := newHCFixture(t, 60, 700, 3, 3, 40, 6)
		term, err := HetComp(f.ens, f.student, HetCompOptions{K: 30, LongK: 20, ShortK: 5, DistK: 10, Start: 2, Period: 2})
		if err != nil {
			t.Fatal(err)
		}
		term.phase = phase
		cfg := train.Defaults()
		cfg.Epochs, cfg.BatchSize, cfg.LR, cfg.WeightDecay, cfg.Seed = 8, 128, 0.01, 1e-5, 5
		cfg.Hooks = append(cfg.Hooks, term.Hook())
		res, err := train.Fit(context.Background(), f.student, f.train, []train.Term{term}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		h := fnv.New64a()
		for _, w := range [][]float32{f.student.P.W, f.student.Q.W} {
			for _, v := range w {
				b := math.Float32bits(v)
				h.Write([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24)})
			}
		}
		got = append(got, fmt.Sprintf("%016x %v", h.Sum64(), res.History[len(res.History)-1].Loss))
	}
	if g := strings.Join(got, "; "); g != hetCompPinned {
		t.Errorf("parameters and last loss (phase 1; phase 2) %q, want %q (pinned before the catalogue kernels)", g, hetCompPinned)
	}
}
