package distill

import "testing"

func TestPHRGradient(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*PHROptions)
	}{
		{"separate", nil},
		{"shared", func(o *PHROptions) { o.Shared = true }},
		{"per-triple", func(o *PHROptions) { o.PerTriple = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newLatToy(t, 3, 5)
			o := DefaultPHR()
			o.Lambda, o.Hidden, o.Seed = 1, 4, 6
			if tc.mod != nil {
				tc.mod(&o)
			}
			p, err := PHR(x.teacher, x.student, o)
			if err != nil {
				t.Fatal(err)
			}
			checkTermGrad(t, x, p, 2e-4, 2e-2)
		})
	}
}

func TestPHRZeroWhenReproduced(t *testing.T) {
	x := newLatToy(t, 2, 6)
	teacher, r := latMappedTeacher(x.student, 6, false, 5)
	o := DefaultPHR()
	o.Lambda = 1
	p, err := PHR(teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	// PN(h^t) = vec(Rᵀ) for every entity: zero second-layer weight, bias Rᵀ.
	for side := 0; side < 2; side++ {
		clear(p.nets[side].B.W)
		for i := 0; i < 6; i++ {
			for j := 0; j < 2; j++ {
				p.nets[side].C.W[i*2+j] = r[j*6+i]
			}
		}
	}
	if l := p.Batch(x.batch(1)); l > 1e-9 {
		t.Fatalf("loss %v with a generated bridge that maps student to teacher", l)
	}
	x.student.P.W[1] += 0.3
	if l := p.Batch(x.batch(1)); !(l > 1e-4) {
		t.Fatalf("loss %v after moving a student row", l)
	}
}

func TestPHRParams(t *testing.T) {
	s := latStudentStub{&latFixed{d: 20}}
	te := &latFixed{d: 200}
	for _, shared := range []bool{false, true} {
		o := DefaultPHR()
		o.Shared = shared
		p, err := PHR(te, s, o)
		if err != nil {
			t.Fatal(err)
		}
		// PN: 200·110+110 + 110·4000 + 4000 per network.
		per := 200*110 + 110 + 110*4000 + 4000
		want := 2 * per
		if shared {
			want = per
		}
		n := 0
		for _, q := range p.Params() {
			n += q.Size()
		}
		if n != want {
			t.Fatalf("shared=%v: %d parameters, want %d", shared, n, want)
		}
	}
}
