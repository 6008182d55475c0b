package distill

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"runtime"
	"testing"

	"github.com/kdrec/kdrec/kdlib/internal/gradcheck"
	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The soft phase (τ = 1, every mapping network on every row, the stacked
// path) on a problem wide enough that the matrix products of the stacked
// bank with at least 12 columns reach DotNT's AVX-512 blocks (4 rows × 12
// columns; dW1 and dX, 8 columns wide, stay on the AVX2 kernel): 30 users, 40 items, d_s = 8, d_t = 16, 3 networks of hidden width
// 12 per side, a batch of 12 triples (12 users, 24 item rows). The teacher
// is small (σ = 0.2) so that the loss, and with it the float32 rounding
// that finite differences see, stays small.

// softWide returns the wide problem's student, teacher and batch.
func softWide(t testing.TB) (*model.BPR, *model.BPR, func() *train.Batch) {
	s, err := model.NewBPR(model.BPRConfig{Users: 30, Items: 40, Dim: 8, InitStd: 0.5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	te, err := model.NewBPR(model.BPRConfig{Users: 30, Items: 40, Dim: 16, InitStd: 0.2, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	var users, pos, neg []int32
	for k := 0; k < 12; k++ {
		users = append(users, int32((7*k)%30))
		pos = append(pos, int32((11*k+3)%40))
		neg = append(neg, int32((13*k+5)%40))
	}
	return s, te, func() *train.Batch {
		return &train.Batch{Users: users, Pos: pos, Neg: neg, Rand: nn.NewRand(9, 2)}
	}
}

// softWideTerms builds DE and HTD on the wide problem at τ = 1.
func softWideTerms(t testing.TB, s, te *model.BPR) map[string]train.Term {
	do := DefaultDE()
	do.Lambda, do.Experts, do.Seed = 1, 3, 1
	d, err := DE(te, s, do)
	if err != nil {
		t.Fatal(err)
	}
	ho := DefaultHTD()
	ho.Lambda, ho.Groups, ho.Seed = 1, 3, 1
	h, err := HTD(te, s, ho)
	if err != nil {
		t.Fatal(err)
	}
	terms := map[string]train.Term{"de": d, "htd": h}
	for _, term := range terms {
		if err := term.BeginEpoch(&train.Epoch{Index: 0, MaxEpochs: 100}); err != nil {
			t.Fatal(err)
		}
	}
	return terms
}

// softWideRun returns the loss and the bits of every gradient (student and
// term) of one batch of the named term, on fresh models.
func softWideRun(t testing.TB, name string) (float64, []uint32) {
	s, te, batch := softWide(t)
	term := softWideTerms(t, s, te)[name]
	mix := term.(interface{ mixture() *latMixture }).mixture()
	loss := term.Batch(batch())
	for side := range mix.sides {
		if j := &mix.sides[side].job; !j.useStacked() {
			t.Fatalf("%s: side %d does not take the stacked path", name, side)
		}
	}
	var bits []uint32
	for _, p := range append(s.Params(), term.Params()...) {
		p.TouchAll()
		for _, g := range p.G {
			bits = append(bits, math.Float32bits(g))
		}
	}
	return loss, bits
}

// TestSoftPhase512Identical checks that DE's and HTD's soft-phase batch
// gives the same loss and the same gradients, bit for bit, with DotNT's
// 512-bit kernel as with the 256-bit one, with one worker as with four.
func TestSoftPhase512Identical(t *testing.T) {
	if !simd.HasAVX512() {
		t.Skip("no AVX-512")
	}
	defer simd.SetAVX512(simd.SetAVX512(true))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, name := range []string{"de", "htd"} {
		simd.SetAVX512(false)
		runtime.GOMAXPROCS(1)
		l0, g0 := softWideRun(t, name)
		simd.SetAVX512(true)
		runtime.GOMAXPROCS(4)
		l1, g1 := softWideRun(t, name)
		if math.Float64bits(l0) != math.Float64bits(l1) {
			t.Fatalf("%s: loss %v with the 256-bit kernel, %v with the 512-bit one", name, l0, l1)
		}
		if len(g0) != len(g1) {
			t.Fatalf("%s: %d gradients, then %d", name, len(g0), len(g1))
		}
		for k := range g0 {
			if g0[k] != g1[k] {
				t.Fatalf("%s: gradient %d is %v with the 256-bit kernel, %v with the 512-bit one", name, k, math.Float32frombits(g0[k]), math.Float32frombits(g1[k]))
			}
		}
	}
}

// TestSoftPhaseWideGradient checks DE's and HTD's soft-phase gradients on
// the wide problem (the 512-bit products, where the machine has them)
// against central finite differences. HTD's hard groups are the argmax of
// its gates, so its loss jumps where a perturbed gate changes a group: the
// full term is checked on every parameter but the gates, and its group
// assignment alone (α = 0, no topology) on all of them.
func TestSoftPhaseWideGradient(t *testing.T) {
	if testing.Short() {
		t.Skip("finite differences over ~2,000 parameters")
	}
	for _, name := range []string{"de", "htd", "htd-ga"} {
		t.Run(name, func(t *testing.T) {
			s, te, batch := softWide(t)
			terms := softWideTerms(t, s, te)
			var term train.Term = terms["de"]
			params := append(s.Params(), term.Params()...)
			if name != "de" {
				h := terms["htd"].(*HTDTerm)
				term = h
				if name == "htd-ga" {
					h.opts.Alpha = 0
					params = append(s.Params(), h.Params()...)
				} else {
					params = append(s.Params(), append(h.banks[latUser].params(), h.banks[latItem].params()...)...)
				}
				// Group(P,e)'s prototypes are detached: held at their
				// values, as in TestHTDGradient.
				h.Batch(batch())
				h.frozenProto = true
			}
			mix := term.(interface{ mixture() *latMixture }).mixture()
			softAwayFromKinks(t, s, mix)
			if err := gradcheck.Check(params, func() float64 { return term.Batch(batch()) }, 1e-3, 2e-4, 2e-2); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// softAwayFromKinks moves the first-layer biases of the mapping networks
// so that no unit's pre-activation, for any user or item of the student, is
// within 0.005 of zero: a finite difference of step 10⁻³ across a ReLU's
// kink measures neither side's slope, and with ~1,000 (row, unit) pairs
// some pre-activation lies that close by chance.
func softAwayFromKinks(t *testing.T, s *model.BPR, mix *latMixture) {
	const margin = 0.005
	d := s.Dim()
	for side, n := range []int{30, 40} {
		for _, net := range mix.banks[side].nets {
			l := net.layers[0]
			for u := range l.B.W {
				ok := false
				for try := 0; try < 40 && !ok; try++ {
					shift := float32(0.01 * float64((try+1)/2) * float64(1-2*(try%2)))
					ok = true
					for e := 0; e < n; e++ {
						pre := l.B.W[u] + shift
						x := latRep(s, side, int32(e))
						for c := 0; c < d; c++ {
							pre += l.W.W[u*d+c] * x[c]
						}
						if pre > -margin && pre < margin {
							ok = false
							break
						}
					}
					if ok {
						l.B.W[u] += shift
					}
				}
				if !ok {
					t.Fatalf("no bias keeps unit %d of side %d away from its kink", u, side)
				}
			}
		}
	}
}

// softPinned holds the SHA-256 of the loss and gradient bits of one
// soft-phase batch on the wide problem, recorded with the 256-bit kernels
// before the 512-bit one was added (main at e85c4f0), on amd64 with
// AVX2+FMA and the assembly row kernels; see TestSoftPhasePinned.
var softPinned = map[string]string{
	"de":  "3d634731537a301234dac9b78c79eb45bb34726774ee879e598ebec1a080b0dc",
	"htd": "573bc018f6427b408684ce7e33cb221b7a0222e0339522c770fdcf57f4c1f795",
}

// TestSoftPhasePinned checks that the soft-phase batch of DE and HTD still
// gives, bit for bit, the numbers recorded before the 512-bit kernel
// (softPinned), whichever kernel this machine runs.
func TestSoftPhasePinned(t *testing.T) {
	if !simd.HasFMA() || !softAsmKernels {
		t.Skip("numbers recorded with the assembly kernels and AVX2+FMA")
	}
	for _, name := range []string{"de", "htd"} {
		loss, bits := softWideRun(t, name)
		h := sha256.New()
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(loss))
		h.Write(b[:])
		for _, g := range bits {
			binary.LittleEndian.PutUint32(b[:4], g)
			h.Write(b[:4])
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != softPinned[name] {
			t.Errorf("%s: digest %s, recorded %s (loss %v)", name, got, softPinned[name], loss)
		}
	}
}

// TestSoftPhaseBuffersReused checks that the soft-phase batch does not
// depend on what earlier batches left in the buffers the stacked path
// reuses: after a batch of 12 triples, every buffer that is to be written
// whole at each batch (the transposes, dĥ, dX, the blocks' scratch, the
// weight gradients' products) is filled with NaN, up to its capacity, and
// a batch of 5 triples must still give, bit for bit, the loss and
// gradients it gives on a fresh term. A padding row or column left
// unwritten would carry a NaN into a product (NaN·0 is NaN). Widths that
// are not multiples of 8 (d_s = 5, d_t = 13, hidden 9) give every operand
// padding columns; DE and HTD, with the AVX-512 blocks and without.
func TestSoftPhaseBuffersReused(t *testing.T) {
	defer simd.SetAVX512(simd.SetAVX512(true))
	poison := func(bufs ...[]float32) {
		for _, b := range bufs {
			b = b[:cap(b)]
			for k := range b {
				b[k] = float32(math.NaN())
			}
		}
	}
	run := func(name string, warm bool) (float64, []uint32) {
		s, err := model.NewBPR(model.BPRConfig{Users: 30, Items: 40, Dim: 5, InitStd: 0.5, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		te, err := model.NewBPR(model.BPRConfig{Users: 30, Items: 40, Dim: 13, InitStd: 0.2, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		_, _, batch := softWide(t)
		term := softWideTerms(t, s, te)[name]
		mix := term.(interface{ mixture() *latMixture }).mixture()
		params := append(s.Params(), term.Params()...)
		if warm {
			term.Batch(batch())
			for _, p := range params {
				p.TouchAll()
				p.ZeroGrad()
			}
			for side := range mix.sides {
				j := &mix.sides[side].job
				st := j.stack
				poison(j.dh, j.dx, st.szT, st.dzT, st.dhT, st.dw1, st.dw2)
				for _, w := range st.work {
					poison(w.z, w.t, w.h)
				}
			}
		}
		b := batch()
		loss := term.Batch(&train.Batch{Users: b.Users[:5], Pos: b.Pos[:5], Neg: b.Neg[:5], Rand: b.Rand})
		for side := range mix.sides {
			if j := &mix.sides[side].job; !j.useStacked() {
				t.Fatalf("%s: side %d does not take the stacked path", name, side)
			}
		}
		var bits []uint32
		for _, p := range params {
			p.TouchAll()
			for _, g := range p.G {
				bits = append(bits, math.Float32bits(g))
			}
		}
		return loss, bits
	}
	for _, on := range []bool{false, true} {
		simd.SetAVX512(on)
		for _, name := range []string{"de", "htd"} {
			l0, g0 := run(name, false)
			l1, g1 := run(name, true)
			if math.Float64bits(l0) != math.Float64bits(l1) {
				t.Fatalf("%s (AVX-512 %v): loss %v on a fresh term, %v after a larger batch", name, on, l0, l1)
			}
			nonzero := 0
			for k := range g0 {
				if g0[k] != g1[k] {
					t.Fatalf("%s (AVX-512 %v): gradient %d is %v on a fresh term, %v after a larger batch", name, on, k, math.Float32frombits(g0[k]), math.Float32frombits(g1[k]))
				}
				if g0[k]&0x7fffffff != 0 {
					nonzero++
				}
			}
			if nonzero == 0 || math.IsNaN(l0) {
				t.Fatalf("%s: loss %v, %d nonzero gradients", name, l0, nonzero)
			}
		}
	}
}
