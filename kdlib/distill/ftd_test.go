package distill

import (
	"math"
	"testing"

	"github.com/kdrec/kdrec/kdlib/model"
)

// latNaiveTopology computes Σ_ab (cos(t_a,t_b) − cos(s_a,s_b))² over the
// toy batch's entities directly.
func latNaiveTopology(teacher, student interface {
	Dim() int
	UserVecs([]int32, []float32)
	ItemVecs([]int32, []float32)
}, users, items []int32) float64 {
	rows := func(e interface {
		Dim() int
		UserVecs([]int32, []float32)
		ItemVecs([]int32, []float32)
	}) [][]float64 {
		d := e.Dim()
		u := make([]float32, len(users)*d)
		i := make([]float32, len(items)*d)
		e.UserVecs(users, u)
		e.ItemVecs(items, i)
		var out [][]float64
		for _, m := range [][]float32{u, i} {
			for r := 0; r < len(m)/d; r++ {
				v := make([]float64, d)
				nrm := 0.0
				for k := range v {
					v[k] = float64(m[r*d+k])
					nrm += v[k] * v[k]
				}
				for k := range v {
					v[k] /= math.Max(math.Sqrt(nrm), 1e-12)
				}
				out = append(out, v)
			}
		}
		return out
	}
	t, s := rows(teacher), rows(student)
	l := 0.0
	for a := range t {
		for b := range t {
			ct, cs := 0.0, 0.0
			for k := range t[a] {
				ct += t[a][k] * t[b][k]
			}
			for k := range s[a] {
				cs += s[a][k] * s[b][k]
			}
			l += (ct - cs) * (ct - cs)
		}
	}
	return l
}

func TestFTDMatchesDefinition(t *testing.T) {
	x := newLatToy(t, 3, 5)
	f, err := FTD(x.teacher, x.student, FTDOptions{Lambda: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := x.batch(1)
	got := f.Batch(b)
	want := latNaiveTopology(x.teacher, x.student, b.UniqueUsers(), b.UniqueItems())
	if math.Abs(got-want) > 1e-5*want {
		t.Fatalf("FTD loss %v, definition %v", got, want)
	}
	f.opts.SkipConstant = true
	if got2 := f.Batch(x.batch(1)); math.Abs(got2-got+latTeacherConst(x.teacher, b.UniqueUsers(), b.UniqueItems())) > 1e-4*want {
		t.Fatalf("SkipConstant loss %v, want %v", got2, got-latTeacherConst(x.teacher, b.UniqueUsers(), b.UniqueItems()))
	}
}

// latTeacherConst is Σ_ab cos(t_a,t_b)².
func latTeacherConst(te *model.BPR, users, items []int32) float64 {
	zero := &latFixed{d: 1, u: make([]float32, 100), i: make([]float32, 100)}
	// Σ(A^t − 0)² where a zero student has A^s = 0.
	return latNaiveTopology(te, zero, users, items)
}

func TestFTDGradient(t *testing.T) {
	x := newLatToy(t, 3, 5)
	f, err := FTD(x.teacher, x.student, FTDOptions{Lambda: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkTermGrad(t, x, f, 2e-4, 2e-2)
}

func TestFTDZeroWhenReproduced(t *testing.T) {
	x := newLatToy(t, 3, 8)
	// Teacher rows = student rows times a matrix with orthonormal rows:
	// every cosine is preserved.
	teacher, _ := latMappedTeacher(x.student, 8, true, 3)
	f, err := FTD(teacher, x.student, FTDOptions{Lambda: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Exact zero up to the float32 rounding of the Gram matrices (the
	// constant Σ(A^t)² is about 100 here).
	if l := f.Batch(x.batch(1)); math.Abs(l) > 1e-5 {
		t.Fatalf("loss %v with a topology-preserving student", l)
	}
	x.student.P.W[1] += 0.4
	if l := f.Batch(x.batch(1)); !(l > 1e-3) {
		t.Fatalf("loss %v after moving a student row", l)
	}
}
