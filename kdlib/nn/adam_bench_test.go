package nn

import "testing"

// BenchmarkAdamStepTeacher measures one dense Adam step over the BPR d=200
// teacher's tables on CiteULike ((5219+25181)×200 = 6.08 M scalars), with
// the gradient of a batch of 1024 triples touching about 3000 rows.
func BenchmarkAdamStepTeacher(b *testing.B) { benchAdam(b, 200, false) }

// BenchmarkAdamStepStudent is the same for the d=20 student.
func BenchmarkAdamStepStudent(b *testing.B) { benchAdam(b, 20, false) }

// BenchmarkAdamStepTeacherLazy measures the lazy (touched rows only) variant.
func BenchmarkAdamStepTeacherLazy(b *testing.B) { benchAdam(b, 200, true) }

func benchAdam(b *testing.B, d int, lazy bool) {
	users, items := NewParam("u", 5219, d), NewParam("i", 25181, d)
	opt := NewAdam(1e-3, 1e-3)
	opt.Lazy = lazy
	rng := NewRand(1, 1)
	b.SetBytes(int64(4 * (users.Size() + items.Size())))
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for k := 0; k < 1024; k++ {
			users.GradRow(rng.IntN(users.Rows))[0] = 1
			items.GradRow(rng.IntN(items.Rows))[0] = 1
			items.GradRow(rng.IntN(items.Rows))[0] = -1
		}
		opt.Step([]*Param{users, items})
	}
}
