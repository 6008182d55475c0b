package distill

import "testing"

func TestHintGradient(t *testing.T) {
	for _, br := range []Bridge{BridgeMLP, BridgeLinear} {
		t.Run(br.String(), func(t *testing.T) {
			x := newLatToy(t, 3, 5)
			o := DefaultHint()
			o.Lambda, o.Bridge, o.Seed = 1, br, 2
			h, err := Hint(x.teacher, x.student, o)
			if err != nil {
				t.Fatal(err)
			}
			checkTermGrad(t, x, h, 2e-4, 2e-2)
		})
	}
}

func TestHintZeroWhenReproduced(t *testing.T) {
	x := newLatToy(t, 2, 6)
	teacher, r := latMappedTeacher(x.student, 6, false, 2)
	o := DefaultHint()
	o.Bridge, o.Lambda = BridgeLinear, 1
	h, err := Hint(teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	for side := 0; side < 2; side++ {
		lin := h.banks[side].nets[0].layers[0]
		clear(lin.B.W)
		for i := 0; i < 6; i++ {
			for k := 0; k < 2; k++ {
				lin.W.W[i*2+k] = r[k*6+i]
			}
		}
	}
	if l := h.Batch(x.batch(1)); l > 1e-9 {
		t.Fatalf("loss %v with an exact linear bridge", l)
	}
	x.student.Q.W[3] -= 0.2
	if l := h.Batch(x.batch(1)); !(l > 1e-4) {
		t.Fatalf("loss %v after moving a student row", l)
	}
}
