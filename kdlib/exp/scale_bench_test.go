package exp

import (
	"context"
	"fmt"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/internal/benchutil"
	"github.com/kdrec/kdrec/kdlib/model"
)

// BenchmarkStreamingMemory measures the peak heap of the three steps whose
// work grows as users × items — full-ranking evaluation (eval.FullRanking),
// the teacher's top-500 lists (distill.BuildLists, user side: RRD's), and
// the lists of both sides (IR-RRD's item side) — on power-law data
// (data.DefaultPowerLaw, seed 0, leave-one-out) of 5,000, 20,000 and 80,000
// users × 20,000 items, with an untrained BPR d = 32 (the cost does not
// depend on its values). All three stream over blocks of users: scores
// live for a block (8 users per worker in evaluation, 128 in the lists),
// so the peak grows with the outputs (per-user metrics; 500 entries per
// list, 2 × 500 candidates per item while the item lists are built), never
// with users × items. Each case reports peak-heap-MB (benchutil.PeakHeap)
// and dense-% (the peak as a percentage of the 4·users·items bytes of the
// score matrix the steps never hold); -benchmem's B/op is the total
// allocated. Run
//
//	go test ./kdlib/exp -run '^$' -bench StreamingMemory -benchtime 1x -benchmem
func BenchmarkStreamingMemory(b *testing.B) {
	const items = 20000
	for _, users := range []int{5000, 20000, 80000} {
		x, err := data.PowerLaw(data.DefaultPowerLaw(users, items))
		if err != nil {
			b.Fatal(err)
		}
		s, err := data.LeaveOneOut(x, 0, 0)
		if err != nil {
			b.Fatal(err)
		}
		m, err := model.NewBPR(model.BPRConfig{Users: users, Items: items, Dim: 32, InitStd: 0.1, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		for _, step := range []struct {
			name string
			run  func() error
		}{
			{"full-ranking", func() error { _, err := eval.FullRanking(ctx, m, s, eval.Test, eval.Options{}); return err }},
			{"lists-users", func() error {
				_, err := distill.BuildLists(ctx, m, s.Train, distill.ListOptions{N: 500})
				return err
			}},
			{"lists-both", func() error {
				_, err := distill.BuildLists(ctx, m, s.Train, distill.ListOptions{N: 500, ItemSide: true})
				return err
			}},
		} {
			b.Run(fmt.Sprintf("%s/users=%d", step.name, users), func(b *testing.B) {
				b.ReportAllocs()
				var runErr error
				peak := benchutil.PeakHeap(func() {
					for n := 0; n < b.N; n++ {
						if err := step.run(); err != nil {
							runErr = err
							return
						}
					}
				})
				if runErr != nil {
					b.Fatal(runErr)
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(100*float64(peak)/(4*float64(users)*items), "dense-%")
			})
		}
	}
}
