package distill

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestCLDRDGradient(t *testing.T) {
	f := newFixture(t, 60, 60, 40, false)
	stages := []CLDRDStage{{3, 3, 2}, {5, 2, 0}, {8, 0, 0}}
	term, err := CLDRD(f.lists, f.student, CLDRDOptions{Stages: stages, Starts: []int{2, 4}, HardDepth: 10, SemiDepth: 30, Lambda: 0.7})
	if err != nil {
		t.Fatal(err)
	}
	// The weights |1/p_a − 1/p_b| are steps of the student's order: a
	// finite difference is only a derivative away from ties, so the batch
	// holds the users whose listed scores are at least 0.01 apart at every
	// stage (a step of 1e-3 moves a score by less than 0.003 here).
	one := make([]float32, 1)
	b := &train.Batch{Train: f.train}
	for u := 0; u < 60; u++ {
		var sc []float64
		for _, p := range term.(*cldrd).plans {
			for _, r := range p.ranks {
				f.student.ScorePairs([]int32{int32(u)}, []int32{f.lists.Users.Row(u)[r]}, one)
				sc = append(sc, float64(one[0]))
			}
		}
		sort.Float64s(sc)
		gap := math.Inf(1)
		for k := 1; k < len(sc); k++ {
			if sc[k] != sc[k-1] { // the same item in two stages
				gap = min(gap, sc[k]-sc[k-1])
			}
		}
		if gap >= 0.01 {
			b.Users, b.Pos, b.Neg = append(b.Users, int32(u)), append(b.Pos, 0), append(b.Neg, 1)
		}
	}
	if len(b.Users) < 3 {
		t.Fatalf("only %d users without near-ties; change the fixture", len(b.Users))
	}
	for _, epoch := range []int{0, 2, 5} {
		if err := term.BeginEpoch(&train.Epoch{Index: epoch, MaxEpochs: 100, Train: f.train}); err != nil {
			t.Fatal(err)
		}
		loss := func() float64 { return term.Batch(b) }
		if l := loss(); !(l > 0) {
			t.Fatalf("epoch %d: loss %v, want > 0", epoch, l)
		}
		if err := gradcheck.Check(f.student.Params(), loss, 1e-3, 1e-4, 1e-2); err != nil {
			t.Fatalf("epoch %d: %v", epoch, err)
		}
	}
}

// TestCLDRDMatchesDefinition recomputes the loss from the authors'
// formulation: labels 1/r for the top, −0.25 and −0.5 for the groups, the
// student's positions in the list, the mean over label-ordered pairs.
func TestCLDRDMatchesDefinition(t *testing.T) {
	f := newFixture(t, 12, 300, 200, false)
	term, err := CLDRD(f.lists, f.student, CLDRDOptions{Lambda: 2})
	if err != nil {
		t.Fatal(err)
	}
	b := f.batch()
	for _, c := range []struct {
		epoch int
		stage CLDRDStage
	}{{0, CLDRDStage{5, 12, 13}}, {49, CLDRDStage{5, 12, 13}}, {50, CLDRDStage{10, 10, 10}}, {75, CLDRDStage{30, 0, 0}}, {99, CLDRDStage{30, 0, 0}}} {
		if err := term.BeginEpoch(&train.Epoch{Index: c.epoch, MaxEpochs: 100, Train: f.train, Rand: nn.NewRand(1, 1)}); err != nil {
			t.Fatal(err)
		}
		if got := term.(*cldrd).Stage(); got != slicesIndex(DefaultCLDRDStages, c.stage) {
			t.Fatalf("epoch %d: stage %d, want %+v", c.epoch, got, c.stage)
		}
		got := term.Batch(b)
		want := 0.0
		for _, u := range b.UniqueUsers() {
			row := f.lists.Users.Row(int(u))
			var items []int32
			var y []float64
			for r := 0; r < c.stage.Top; r++ {
				items, y = append(items, row[r]), append(y, 1/float64(r+1))
			}
			for k := 0; k < c.stage.Hard; k++ {
				items, y = append(items, row[c.stage.Top+k*(50-c.stage.Top)/c.stage.Hard]), append(y, -0.25)
			}
			for k := 0; k < c.stage.Semi; k++ {
				items, y = append(items, row[50+k*150/c.stage.Semi]), append(y, -0.5)
			}
			s := make([]float64, len(items))
			one := make([]float32, 1)
			for k, i := range items {
				f.student.ScorePairs([]int32{u}, []int32{i}, one)
				s[k] = float64(one[0])
			}
			idx := make([]int, len(items))
			for k := range idx {
				idx[k] = k
			}
			sort.SliceStable(idx, func(a, b int) bool { return s[idx[a]] > s[idx[b]] })
			p := make([]float64, len(items))
			for pos, k := range idx {
				p[k] = float64(pos + 1)
			}
			sum, pairs := 0.0, 0
			for a := range items {
				for c := range items {
					if y[a] > y[c] {
						pairs++
						sum += math.Abs(1/p[a]-1/p[c]) * math.Log1p(math.Exp(-(s[a] - s[c])))
					}
				}
			}
			want += 2 * sum / float64(pairs)
		}
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("epoch %d: loss %v, definition %v", c.epoch, got, want)
		}
	}
}

func slicesIndex(s []CLDRDStage, x CLDRDStage) int {
	for k, v := range s {
		if v == x {
			return k
		}
	}
	return -1
}

// TestCLDRDZeroWhenOrdered: a student whose list order has the teacher's
// top exactly in order and far above the groups pays (almost) nothing; the
// reversed order pays.
func TestCLDRDZeroWhenOrdered(t *testing.T) {
	f := newFixture(t, 4, 80, 60, false)
	term, err := CLDRD(f.lists, f.student, CLDRDOptions{Stages: []CLDRDStage{{4, 3, 3}}, HardDepth: 20, SemiDepth: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := term.BeginEpoch(&train.Epoch{Index: 0, MaxEpochs: 10, Train: f.train}); err != nil {
		t.Fatal(err)
	}
	// Score items through their embeddings: item vectors along the user's
	// direction with a magnitude falling with the teacher rank.
	set := func(sign float32) {
		d := f.student.Dim()
		for u := 0; u < 4; u++ {
			pu := f.student.P.Row(u)[:d]
			for j := range pu {
				pu[j] = 0
			}
			pu[0] = 1
		}
		for i := 0; i < 80; i++ {
			q := f.student.Q.Row(i)[:d]
			for j := range q {
				q[j] = 0
			}
		}
		for r, i := range f.lists.Users.Row(0)[:50] {
			f.student.Q.Row(int(i))[0] = sign * float32(1000-20*r)
		}
	}
	b := &train.Batch{Train: f.train, Users: []int32{0}, Pos: []int32{0}, Neg: []int32{1}}
	set(1)
	if l := term.Batch(b); l > 1e-7 {
		t.Errorf("ordered student: loss %v, want ~0", l)
	}
	set(-1)
	if l := term.Batch(b); !(l > 1) {
		t.Errorf("reversed student: loss %v, want > 1", l)
	}
}

func TestCLDRDValidation(t *testing.T) {
	f := newFixture(t, 12, 300, 100, false)
	for _, c := range []struct {
		o    CLDRDOptions
		want string
	}{
		{CLDRDOptions{}, "reach teacher rank 200 but the shortest teacher list has 100"},
		{CLDRDOptions{SemiDepth: 100, Lambda: -1}, "Lambda must be > 0"},
		{CLDRDOptions{SemiDepth: 100, Stages: []CLDRDStage{{0, 1, 1}}}, "stage 1: Top must be >= 1"},
		{CLDRDOptions{SemiDepth: 100, Stages: []CLDRDStage{{45, 10, 0}}}, "Top+Hard=55 exceeds HardDepth=50"},
		{CLDRDOptions{SemiDepth: 100, Stages: []CLDRDStage{{5, 5, 60}}}, "Semi=60 exceeds"},
		{CLDRDOptions{SemiDepth: 100, Stages: []CLDRDStage{{1, 0, 0}}}, "has no pair to order"},
		{CLDRDOptions{SemiDepth: 100, Stages: []CLDRDStage{{5, 5, 5}, {10, 0, 0}}}, "Starts is required with 2 stages"},
		{CLDRDOptions{SemiDepth: 100, Starts: []int{5}}, "Starts needs 2 epochs"},
		{CLDRDOptions{SemiDepth: 100, Starts: []int{5, 5}}, "ascending"},
	} {
		_, err := CLDRD(f.lists, f.student, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
	if _, err := CLDRD(nil, f.student, CLDRDOptions{}); err == nil {
		t.Error("no lists: no error")
	}
}
