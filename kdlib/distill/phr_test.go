package distill

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func TestPHRGradient(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*PHROptions)
	}{
		{"shared", nil}, // the reference
		{"per-side", func(o *PHROptions) { o.Networks = PHRPerSide }},
		{"per-triple", func(o *PHROptions) { o.PerTriple = true }},
		{"kdrec-v1", func(o *PHROptions) { o.Variant = VariantKdrecV1 }},
		{"hidden-not-multiple-of-8", func(o *PHROptions) { o.Hidden = 11 }},
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

// TestPHRMatchesDefinition evaluates the loss of the reference's batch
// directly from its definition — the network applied to each unique
// entity of each role, users weighted 1 and positives and negatives ½ — in
// float64, and compares it with Batch.
func TestPHRMatchesDefinition(t *testing.T) {
	for _, v := range []string{VariantReference, VariantKdrecV1} {
		x := newLatToy(t, 3, 5)
		o := DefaultPHR()
		o.Lambda, o.Hidden, o.Seed, o.Variant = 0.7, 6, 2, v
		p, err := PHR(x.teacher, x.student, o)
		if err != nil {
			t.Fatal(err)
		}
		ds, dt, H := 3, 5, 6
		bridged := func(side int, id int32) float64 {
			net := p.nets[side]
			tv, sv := make([]float32, dt), make([]float32, ds)
			if side == latUser {
				x.teacher.UserVecs([]int32{id}, tv)
				copy(sv, x.student.UserRep(id))
			} else {
				x.teacher.ItemVecs([]int32{id}, tv)
				copy(sv, x.student.ItemRep(id))
			}
			z := make([]float64, H)
			for k := range z {
				a := float64(net.l1.B.W[k])
				for i := 0; i < dt; i++ {
					a += float64(net.l1.W.W[k*dt+i]) * float64(tv[i])
				}
				z[k] = math.Max(a, 0)
			}
			l := 0.0
			for i := 0; i < dt; i++ {
				h := 0.0
				for j := 0; j < ds; j++ {
					w := float64(net.B2.W[i*ds+j])
					for k := range z {
						at := (i*ds+j)*H + k // PyTorch's layout
						if v == VariantKdrecV1 {
							at = i*H*ds + k*ds + j // kdrec-v1's B
						}
						w += float64(net.W2.W[at]) * z[k]
					}
					h += w * float64(sv[j])
				}
				l += (float64(tv[i]) - h) * (float64(tv[i]) - h)
			}
			return l
		}
		uniq := func(ids []int32) []int32 {
			var out []int32
			seen := map[int32]bool{}
			for _, i := range ids {
				if !seen[i] {
					seen[i] = true
					out = append(out, i)
				}
			}
			return out
		}
		want := 0.0
		for _, u := range uniq(latToyUsers) {
			want += bridged(latUser, u)
		}
		for _, i := range uniq(latToyPos) {
			want += 0.5 * bridged(latItem, i)
		}
		for _, i := range uniq(latToyNeg) {
			want += 0.5 * bridged(latItem, i)
		}
		want *= 0.7
		got := p.Batch(x.batch(1))
		if math.Abs(got-want) > 1e-5*want {
			t.Errorf("%s: loss %v, want %v", v, got, want)
		}
	}
}

func TestPHRZeroWhenReproduced(t *testing.T) {
	x := newLatToy(t, 2, 6)
	teacher, r := latMappedTeacher(x.student, 6, false, 5)
	o := DefaultPHR()
	o.Lambda, o.Networks = 1, PHRPerSide
	p, err := PHR(teacher, x.student, o)
	if err != nil {
		t.Fatal(err)
	}
	// PN(h^t) = vec(Rᵀ) for every entity: zero second-layer weight, bias Rᵀ.
	for side := 0; side < 2; side++ {
		clear(p.nets[side].W2.W)
		for i := 0; i < 6; i++ {
			for j := 0; j < 2; j++ {
				p.nets[side].B2.W[i*2+j] = r[j*6+i]
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

// TestPHRParams checks the networks' sizes: the reference's one network of
// hidden width d_t + d_t·d_s (17.6 M parameters for 200 → 20, as
// methods.md §5.13 counts them) and kdrec-v1's two of width 110.
func TestPHRParams(t *testing.T) {
	s := latStudentStub{&latFixed{d: 20}}
	te := &latFixed{d: 200}
	net := func(h int) int { return 200*h + h + h*4000 + 4000 }
	for _, c := range []struct {
		o    PHROptions
		want int
	}{
		{PHROptions{Lambda: 0.01}, net(4200)},
		{PHROptions{Lambda: 0.01, Networks: PHRPerSide}, 2 * net(4200)},
		{PHROptions{Lambda: 0.01, Variant: VariantKdrecV1}, 2 * net(110)},
		{PHROptions{Lambda: 0.01, Variant: VariantKdrecV1, Networks: PHRShared}, net(110)},
		{PHROptions{Lambda: 0.01, Hidden: 64}, net(64)},
	} {
		p, err := PHR(te, s, c.o)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, q := range p.Params() {
			n += q.Size()
		}
		if n != c.want {
			t.Fatalf("%+v: %d parameters, want %d", c.o, n, c.want)
		}
	}
	if net(4200) != 17648200 {
		t.Fatal(net(4200))
	}
	if _, err := PHR(te, s, PHROptions{Lambda: 0.01, Networks: "two"}); err == nil || !strings.Contains(err.Error(), "Networks") {
		t.Fatalf("bad Networks: %v", err)
	}
}

// TestPHRRegistry checks the registry's defaults of both variants.
func TestPHRRegistry(t *testing.T) {
	x := newLatToy(t, 3, 5)
	build := func(opts map[string]any) *PHRTerm {
		ts, err := Build([]TermSpec{{Method: "phr", Options: opts}}, Env{Teacher: x.teacher, Student: x.student, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		return ts[0].(*PHRTerm)
	}
	if p := build(nil); p.h != 5+5*3 || !p.shared || p.opts.Lambda != 0.01 || p.opts.PerTriple {
		t.Errorf("reference: H %d shared %v %+v", p.h, p.shared, p.opts)
	}
	if p := build(map[string]any{"variant": "kdrec-v1"}); p.h != 4 || p.shared {
		t.Errorf("kdrec-v1: H %d shared %v", p.h, p.shared)
	}
	if p := build(map[string]any{"variant": "kdrec-v1", "shared": true, "hidden": 7}); p.h != 7 || !p.shared {
		t.Errorf("kdrec-v1 shared: H %d shared %v", p.h, p.shared)
	}
	if p := build(map[string]any{"shared": false}); p.shared {
		t.Error("shared=false ignored")
	}
}

// TestPHRSameWithAVX512 runs batches of the reference PHR with DotNT's
// AVX-512 blocks and without them (its AVX2 path, the implementation
// before them) and requires the same loss and the same gradients, bit for
// bit, on sizes where every product takes the 4×12 blocks and their
// remainders.
func TestPHRSameWithAVX512(t *testing.T) {
	prev := simd.SetAVX512(true)
	defer simd.SetAVX512(prev)
	if !simd.SetAVX512(true) {
		t.Skip("no AVX-512 on this machine")
	}
	run := func(on bool) (float64, [][]float32) {
		simd.SetAVX512(on)
		teacher, err := model.NewBPR(model.BPRConfig{Users: 300, Items: 500, Dim: 64, InitStd: 0.1, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		st, err := model.NewBPR(model.BPRConfig{Users: 300, Items: 500, Dim: 8, InitStd: 0.1, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		o := DefaultPHR()
		o.Seed = 3
		p, err := PHR(teacher, st, o)
		if err != nil {
			t.Fatal(err)
		}
		rng := nn.NewRand(4, 1)
		loss := 0.0
		for it := 0; it < 2; it++ {
			var users, pos, neg []int32
			for k := 0; k < 256; k++ {
				users = append(users, int32(rng.IntN(300)))
				pos, neg = append(pos, int32(rng.IntN(500))), append(neg, int32(rng.IntN(500)))
			}
			loss += p.Batch(&train.Batch{Users: users, Pos: pos, Neg: neg, Rand: nn.NewRand(uint64(it), 2)})
		}
		var grads [][]float32
		for _, q := range append(st.Params(), p.Params()...) {
			grads = append(grads, slices.Clone(q.G))
		}
		return loss, grads
	}
	l512, g512 := run(true)
	l2, g2 := run(false)
	if l512 != l2 {
		t.Fatalf("loss %v with AVX-512, %v without", l512, l2)
	}
	for k := range g512 {
		for j := range g512[k] {
			if math.Float32bits(g512[k][j]) != math.Float32bits(g2[k][j]) {
				t.Fatalf("parameter %d, gradient %d: %v with AVX-512, %v without", k, j, g512[k][j], g2[k][j])
			}
		}
	}
}
