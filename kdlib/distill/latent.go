package distill

// Shared machinery of the latent-knowledge terms (Hint, DE, PHR, FTD, HTD):
// dense float32 kernels built on nn.Dot4 (AVX2+FMA), deterministic
// parallel loops, row normalisation, the batch entity sets, gathering
// student/teacher representations and scattering gradients back, and the
// "bank" of expert MLPs shared by Hint, DE and HTD's group assignment.
//
// Every unexported identifier of this file starts with "lat" so that it
// cannot collide with the ranking-distillation files of the same package.
//
// Determinism: every output element of a kernel is computed by exactly one
// call with a fixed summation order, and every parallel loop writes disjoint
// memory, so results do not depend on the number of goroutines.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// latPad returns n rounded up to a multiple of 8 (the AVX2 width), the row
// length of every packed matrix handed to latNT.
func latPad(n int) int { return (n + 7) &^ 7 }

// latGrow returns b resized to n elements, reallocating (zeroed, with 25%
// headroom, since batch sizes fluctuate) when the capacity is too small.
// Reused contents are not cleared.
func latGrow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n, n+n/4)
	}
	return b[:n]
}

// latGrowZero is latGrow followed by clearing the first n elements.
func latGrowZero(b []float32, n int) []float32 {
	b = latGrow(b, n)
	clear(b)
	return b
}

// latZeroOnce returns b when it already holds n elements, and a new zeroed
// slice of n otherwise: for buffers whose every use writes the same
// positions, so that the others (padding) stay zero without being cleared
// again.
func latZeroOnce(b []float32, n int) []float32 {
	if len(b) == n {
		return b
	}
	return make([]float32, n)
}

// latGrow64 is latGrow for float64.
func latGrow64(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n, n+n/4)
	}
	return b[:n]
}

// latGrowI is latGrow for int32.
func latGrowI(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n, n+n/4)
	}
	return b[:n]
}

// latWorkers is the number of goroutines used by latParallel.
func latWorkers() int { return runtime.GOMAXPROCS(0) }

// latParallel runs f(worker, task) for every task in [0, tasks) on up to
// latWorkers() goroutines, handing out tasks dynamically. worker is in
// [0, latWorkers()) and identifies per-goroutine scratch. Tasks must write
// disjoint memory for the result to be deterministic.
func latParallel(tasks int, f func(worker, task int)) {
	w := min(latWorkers(), tasks)
	if w <= 1 {
		for t := 0; t < tasks; t++ {
			f(0, t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(w)
	for k := 0; k < w; k++ {
		go func(k int) {
			defer wg.Done()
			for {
				t := int(next.Add(1)) - 1
				if t >= tasks {
					return
				}
				f(k, t)
			}
		}(k)
	}
	wg.Wait()
}

// latNT computes C = A·Bᵀ (acc false) or C += A·Bᵀ (acc true) for a packed
// m×k matrix a and a packed n×k matrix b (row length exactly k; k a multiple
// of 8 takes the AVX2 path): c[i*ldc+j] (+)= Σ_t a[i*k+t]·b[j*k+t]. Every
// element is the one nn.Dot4 computes for its pair of rows (simd.DotNT),
// so it has the same rounding whatever the blocking or the parallel split.
func latNT(c []float32, ldc int, a []float32, m int, b []float32, n, k int, acc bool) {
	latNTRange(c, ldc, a, m, b, n, k, acc, 0, m, 0, n)
}

// latNTRange is latNT restricted to output rows [i0, i1) and columns
// [j0, j1).
func latNTRange(c []float32, ldc int, a []float32, m int, b []float32, n, k int, acc bool, i0, i1, j0, j1 int) {
	if i0 >= i1 || j0 >= j1 {
		return
	}
	simd.DotNT(c[i0*ldc+j0:], ldc, a[i0*k:], k, i1-i0, b[j0*k:], k, j1-j0, k, acc)
}

// latNTPar is latNT split over tasks run in parallel: tiles of the larger
// operand's rows (a's rows, or b's rows, i.e. C's columns), each against
// all of the smaller operand, so that every row of the larger one is read
// from memory by one task, once. Results are bit-identical to latNT.
func latNTPar(c []float32, ldc int, a []float32, m int, b []float32, n, k int, acc bool) {
	w := latWorkers()
	if w == 1 || int64(m)*int64(n)*int64(k) < 1<<18 {
		latNT(c, ldc, a, m, b, n, k, acc)
		return
	}
	// Tiles of twelve rows or columns: whole blocks of both DotNT kernels
	// (3×4 rows×columns with AVX2, 4×12 with AVX-512).
	if m >= n {
		t := latTile(m, k, 12, w)
		latParallel((m+t-1)/t, func(_, q int) {
			latNTRange(c, ldc, a, m, b, n, k, acc, q*t, min((q+1)*t, m), 0, n)
		})
		return
	}
	t := latTile(n, k, 12, w)
	latParallel((n+t-1)/t, func(_, q int) {
		latNTRange(c, ldc, a, m, b, n, k, acc, 0, m, q*t, min((q+1)*t, n))
	})
}

// latTile returns the length of latNTPar's tiles along a dimension of d
// rows of k values: a multiple of unit (DotNT's block) holding at most
// simd.PanelBytes of rows (384 KiB, 768 KiB with AVX-512: what a core's
// second-level cache holds with the other operand's block), and short
// enough for four tasks per worker.
func latTile(d, k, unit, workers int) int {
	t := min(simd.PanelBytes()/(4*max(k, 1)), (d+4*workers-1)/(4*workers))
	return max(unit, t/unit*unit)
}

// latTrans writes the transpose of the rows×cols block of src (row stride
// lds) into dst (row stride ldd): dst[j*ldd+i] = src[i*lds+j] (8×8 blocks
// through AVX registers, simd.Transpose).
func latTrans(dst []float32, ldd int, src []float32, rows, cols, lds int) {
	simd.Transpose(dst, ldd, src, rows, cols, lds)
}

// latTransPad returns the transpose of the rows×cols block of src (stride
// lds) as a packed cols×latPad(rows) matrix with zero padding, in buf.
func latTransPad(buf []float32, src []float32, rows, cols, lds int) []float32 {
	rp := latPad(rows)
	buf = latGrow(buf, cols*rp)
	if rp != rows {
		for j := 0; j < cols; j++ {
			clear(buf[j*rp+rows : (j+1)*rp])
		}
	}
	latTrans(buf, rp, src, rows, cols, lds)
	return buf
}

// latTransPadPar is latTransPad split over goroutines by blocks of source
// rows (disjoint destination columns) when the matrix is large.
func latTransPadPar(buf []float32, src []float32, rows, cols, lds int) []float32 {
	if rows*cols < 1<<16 || latWorkers() == 1 {
		return latTransPad(buf, src, rows, cols, lds)
	}
	rp := latPad(rows)
	buf = latGrow(buf, cols*rp)
	if rp != rows {
		for j := 0; j < cols; j++ {
			clear(buf[j*rp+rows : (j+1)*rp])
		}
	}
	const chunk = 256 // multiple of 8
	latParallel((rows+chunk-1)/chunk, func(_, t int) {
		r0 := t * chunk
		r1 := min(r0+chunk, rows)
		latTrans(buf[r0:], rp, src[r0*lds:], r1-r0, cols, lds)
	})
	return buf
}

// latPadRows copies a rows×cols matrix (stride cols) into buf with row
// length latPad(cols), zero-padded.
func latPadRows(buf, src []float32, rows, cols int) []float32 {
	cp := latPad(cols)
	buf = latGrow(buf, rows*cp)
	for r := 0; r < rows; r++ {
		copy(buf[r*cp:r*cp+cols], src[r*cols:(r+1)*cols])
		clear(buf[r*cp+cols : (r+1)*cp])
	}
	return buf
}

// latEps is the norm floor of the cosine similarities (torch's
// F.normalize uses max(‖x‖, 1e-12)).
const latEps = 1e-12

// latUnit writes the unit-length rows of the n×d matrix x (stride ld) into
// u (stride ld) and their norms into norms: u = x / max(‖x‖, 1e-12).
func latUnit(u, x []float32, n, d, ld int, norms []float32) {
	for r := 0; r < n; r++ {
		row := x[r*ld : r*ld+d]
		nr := math.Sqrt(float64(nn.Dot(row, row)))
		norms[r] = float32(nr)
		inv := float32(1 / math.Max(nr, latEps))
		out := u[r*ld : r*ld+d]
		for k, v := range row {
			out[k] = v * inv
		}
	}
}

// latUnitBack converts the gradient gu with respect to unit rows u = x/‖x‖
// into the gradient with respect to x, added to gx (all stride ld):
// ∂L/∂x = (gu − (gu·u)·u)/‖x‖ (gu/1e-12 below the floor).
func latUnitBack(gx, gu, u []float32, norms []float32, n, d, ld int) {
	for r := 0; r < n; r++ {
		g := gu[r*ld : r*ld+d]
		out := gx[r*ld : r*ld+d]
		nr := float64(norms[r])
		if nr <= latEps {
			for k, v := range g {
				out[k] += float32(float64(v) / latEps)
			}
			continue
		}
		uu := u[r*ld : r*ld+d]
		proj := nn.Dot(g, uu)
		inv := float32(1 / nr)
		for k := range g {
			out[k] += (g[k] - proj*uu[k]) * inv
		}
	}
}

// Entity sides.
const (
	latUser = 0
	latItem = 1
)

// latSet collects distinct ids in order of first appearance, with counts.
type latSet struct {
	stamp []uint32
	pos   []int32
	gen   uint32
	ids   []int32
	cnt   []float64
	a, b  []float64 // scratch of the callers
}

// reset empties the set.
func (s *latSet) reset() {
	s.gen++
	if s.gen == 0 { // wrapped: clear stamps
		clear(s.stamp)
		s.gen = 1
	}
	s.ids, s.cnt = s.ids[:0], s.cnt[:0]
}

// add inserts id with weight w (added to its count) and returns its index.
func (s *latSet) add(id int32, w float64) int {
	if int(id) >= len(s.stamp) {
		n := max(int(id)+1, 2*len(s.stamp))
		st, ps := make([]uint32, n), make([]int32, n)
		copy(st, s.stamp)
		copy(ps, s.pos)
		s.stamp, s.pos = st, ps
	}
	if s.stamp[id] == s.gen {
		k := s.pos[id]
		s.cnt[k] += w
		return int(k)
	}
	s.stamp[id] = s.gen
	s.pos[id] = int32(len(s.ids))
	s.ids = append(s.ids, id)
	s.cnt = append(s.cnt, w)
	return len(s.ids) - 1
}

// latRep returns the student's representation of entity id of a side.
func latRep(s model.Representer, side int, id int32) []float32 {
	if side == latUser {
		return s.UserRep(id)
	}
	return s.ItemRep(id)
}

// latGatherStudent copies the student's representations of ids into x
// (stride ld, padding untouched).
func latGatherStudent(s model.Representer, side int, ids []int32, x []float32, ld int) {
	for k, id := range ids {
		copy(x[k*ld:k*ld+s.Dim()], latRep(s, side, id))
	}
}

// latScatterStudent adds the gradient rows g (stride ld) to the student's
// representation gradients of ids. Rows of a repeated id are added in order.
func latScatterStudent(s model.Representer, side int, ids []int32, g []float32, ld int) {
	d := s.Dim()
	for k, id := range ids {
		var dst []float32
		if side == latUser {
			dst = s.UserRepGrad(id)
		} else {
			dst = s.ItemRepGrad(id)
		}
		nn.Axpy(1, g[k*ld:k*ld+d], dst)
	}
}

// latTeacher reads a frozen teacher's representations. It keeps a lazily
// filled cache of the unit-length rows (the only teacher-side work of the
// topology terms that does not depend on the batch), computed once per
// entity for the whole training run.
type latTeacher struct {
	emb  model.Embedder
	d    int
	unit [2][]float32 // rows of length d; valid where have is set
	have [2][]bool
	buf  []float32
	miss []int32
}

func latNewTeacher(t model.Embedder) *latTeacher { return &latTeacher{emb: t, d: t.Dim()} }

// latSized is implemented by models that know their index spaces.
type latSized interface {
	NumUsers() int
	NumItems() int
}

// reserve sizes the cache of the unit rows once when the teacher reports
// its index spaces, so that it never grows by copying.
func (t *latTeacher) reserve() {
	sz, ok := t.emb.(latSized)
	if !ok || t.have[latUser] != nil {
		return
	}
	for side, n := range []int{sz.NumUsers(), sz.NumItems()} {
		t.have[side] = make([]bool, n)
		t.unit[side] = make([]float32, n*t.d)
	}
}

// raw copies the teacher's representations of ids into out (stride ld).
func (t *latTeacher) raw(side int, ids []int32, out []float32, ld int) {
	if ld == t.d {
		if side == latUser {
			t.emb.UserVecs(ids, out[:len(ids)*ld])
		} else {
			t.emb.ItemVecs(ids, out[:len(ids)*ld])
		}
		return
	}
	t.buf = latGrow(t.buf, len(ids)*t.d)
	t.raw(side, ids, t.buf, t.d)
	for k := range ids {
		copy(out[k*ld:k*ld+t.d], t.buf[k*t.d:(k+1)*t.d])
	}
}

// units copies the unit-length teacher rows of ids into out (stride ld),
// computing and caching the ones not seen before.
func (t *latTeacher) units(side int, ids []int32, out []float32, ld int) {
	d := t.d
	t.reserve()
	t.miss = t.miss[:0]
	for _, id := range ids {
		if int(id) >= len(t.have[side]) || !t.have[side][id] {
			t.miss = append(t.miss, id)
		}
	}
	if len(t.miss) > 0 {
		top := 0
		for _, id := range t.miss {
			top = max(top, int(id)+1)
		}
		if top > len(t.have[side]) {
			n := max(top, 2*len(t.have[side]))
			h, u := make([]bool, n), make([]float32, n*d)
			copy(h, t.have[side])
			copy(u, t.unit[side])
			t.have[side], t.unit[side] = h, u
		}
		raw := make([]float32, len(t.miss)*d)
		t.raw(side, t.miss, raw, d)
		norms := make([]float32, len(t.miss))
		latUnit(raw, raw, len(t.miss), d, d, norms)
		for k, id := range t.miss {
			if !t.have[side][id] {
				copy(t.unit[side][int(id)*d:(int(id)+1)*d], raw[k*d:(k+1)*d])
				t.have[side][id] = true
			}
		}
	}
	for k, id := range ids {
		copy(out[k*ld:k*ld+d], t.unit[side][int(id)*d:(int(id)+1)*d])
	}
}

// latCheckPair validates the teacher and student of a latent term.
func latCheckPair(name string, teacher model.Embedder, student model.Representer) error {
	if teacher == nil || student == nil {
		return fmt.Errorf("distill: %s: teacher and student are required", name)
	}
	if teacher.Dim() <= 0 || student.Dim() <= 0 {
		return fmt.Errorf("distill: %s: dimensions must be positive (teacher %d, student %d)", name, teacher.Dim(), student.Dim())
	}
	return nil
}

// latCheckWeight validates a loss weight.
func latCheckWeight(name string, lambda float64) error {
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return fmt.Errorf("distill: %s: weight λ must be finite and >= 0, got %v", name, lambda)
	}
	return nil
}

// ---------------------------------------------------------------------
// Expert banks: M independent MLPs of one entity side.

// latNet is one MLP: Linear layers with ReLU between them (none after the
// last), with padded copies of its weights refreshed every batch.
type latNet struct {
	layers []*nn.Linear
	wPad   [][]float32 // per layer: out × latPad(in), for the forward product
	wTPad  [][]float32 // per layer: in × latPad(out), for the input gradient
}

// latBank is M experts with the same layer sizes (sizes[0] = input width,
// sizes[len-1] = output width).
type latBank struct {
	sizes []int
	pads  []int
	nets  []*latNet
}

// latNewBank builds m MLPs with PyTorch's default Linear initialisation.
func latNewBank(name string, m int, sizes []int, seed uint64, stream uint64) *latBank {
	b := &latBank{sizes: sizes}
	for _, s := range sizes {
		b.pads = append(b.pads, latPad(s))
	}
	rng := nn.NewRand(seed, stream)
	for e := 0; e < m; e++ {
		net := &latNet{}
		for l := 0; l+1 < len(sizes); l++ {
			net.layers = append(net.layers, nn.NewLinear(fmt.Sprintf("%s%d.%d", name, e, l), sizes[l], sizes[l+1], true, rng))
		}
		net.wPad = make([][]float32, len(net.layers))
		net.wTPad = make([][]float32, len(net.layers))
		b.nets = append(b.nets, net)
	}
	return b
}

// params returns every expert's weights and biases.
func (b *latBank) params() []*nn.Param {
	var ps []*nn.Param
	for _, n := range b.nets {
		for _, l := range n.layers {
			ps = append(ps, l.Params()...)
		}
	}
	return ps
}

// latBankJob is one batch of one side for a bank: n entity rows with
// inputs x (n × pads[0]), targets t (n × pads[L], only the first sizes[L]
// columns read), weights w, and for each row a list of selected experts
// with their selection weights (CSR: selPtr, selM, selS).
//
// run computes, with ĥ_e = Σ_{k∈sel(e)} selS[k]·E_{selM[k]}(x_e),
//
//	loss = Σ_e w_e ‖t_e − ĥ_e‖²
//
// and, with gradient scale c, adds c·∂loss/∂θ to every used expert's
// parameters, writes c·∂loss/∂x into dx and c·∂loss/∂selS[k] into dsel.
type latBankJob struct {
	bank   *latBank
	n      int
	x, t   []float32
	w      []float64
	selPtr []int32
	selM   []int32
	selS   []float32
	scale  float64

	loss float64
	dx   []float32
	dsel []float64

	// internals, reused across batches
	rows   [][]int32     // per expert: the entity row of each of its rows
	sel    [][]int32     // per expert: the selection index of each of its rows
	selRow []int32       // per selection: its row in the expert's matrices
	acts   [][][]float32 // per expert, per layer: activations (acts[e][0] = input rows)
	eloss  []float64
	dh     []float32
	order  []int32 // experts with at least one row

	stack     *latStack // buffers of the stacked path (may be shared by the jobs of a term, which run one after the other)
	noStacked bool      // tests: force the grouped path
}

// latScratch is per-goroutine scratch for the bank kernels.
type latScratch struct {
	a, b, c, d []float32
}

// latRunBanks runs the jobs (typically the user and the item side)
// together, so that their experts share one parallel pool.
func latRunBanks(jobs []*latBankJob, scratch []latScratch) {
	type task struct{ j, e int }
	var tasks []task
	var grouped, stacked []*latBankJob
	for _, jb := range jobs {
		if jb.useStacked() {
			stacked = append(stacked, jb)
		} else {
			grouped = append(grouped, jb)
		}
	}
	for ji, jb := range grouped {
		jb.prepare()
		for _, e := range jb.order {
			tasks = append(tasks, task{ji, int(e)})
		}
	}
	// Heavier experts first, so the dynamic schedule balances (the results
	// do not depend on the schedule).
	for a := 1; a < len(tasks); a++ {
		for b := a; b > 0; b-- {
			x, y := tasks[b-1], tasks[b]
			if len(grouped[x.j].rows[x.e]) >= len(grouped[y.j].rows[y.e]) {
				break
			}
			tasks[b-1], tasks[b] = y, x
		}
	}
	latParallel(len(tasks), func(w, k int) { grouped[tasks[k].j].forward(tasks[k].e, &scratch[w]) })
	for _, jb := range grouped {
		jb.combine()
	}
	latParallel(len(tasks), func(w, k int) { grouped[tasks[k].j].backward(tasks[k].e, &scratch[w]) })
	for _, jb := range grouped {
		jb.gatherDX()
	}
	for _, jb := range stacked {
		jb.runStacked()
	}
}

// latStackedFrac is the share of (row, expert) pairs selected above which a
// job of two-layer experts is evaluated by the stacked path.
const latStackedFrac = 0.5

// useStacked reports whether the job should take the stacked path: two-layer
// experts, more than one of them, and most (row, expert) pairs selected
// (while τ is large the selection is dense).
func (j *latBankJob) useStacked() bool {
	m := len(j.bank.nets)
	if m < 2 || len(j.bank.sizes) != 3 || j.n == 0 || j.noStacked {
		return false
	}
	return float64(j.selPtr[j.n]) >= latStackedFrac*float64(j.n*m)
}

// latStack holds the buffers of the stacked path.
type latStack struct {
	w1, w1T, w2, w2T []float32 // stacked weights and their transposes
	b1               []float32
	b2               []float32 // M × pt, the experts' output biases
	experts          []int32   // 0 .. M−1
	sw               []float32 // n × M selection weights (0 where not selected)
	szT, dzT         []float32 // (S⊙Z)ᵀ and dZᵀ, H × pad(n)
	dhT, dw2, dw1    []float32
	db1              []float32
	loss             []float64
	work             []latBlockWork // per worker
}

// latBlockWork is one worker's scratch for a block of rows of the stacked
// path: Z, and S⊙Z then G and dZ in the same place; h, the block's ĥ;
// db, a row's dĥ·b2_m for every expert m.
type latBlockWork struct{ z, t, h, db []float32 }

// latStackRows is the number of rows the stacked path carries through its
// row-wise steps at a time: a multiple of DotNT's 3 rows and of the 8 of
// the transposes, small enough for a block's Z and S⊙Z (2 × 24 × M·ph
// values, 645 KB for DE's reference sizes) to stay in a core's L2 cache.
const latStackRows = 24

// runStacked evaluates every expert on every row as a few large matrix
// products over the stacked experts — hidden units of expert m in columns
// [m·ph, m·ph+h) of an n × M·ph matrix — the same function as the grouped
// path (an expert not selected for a row gets weight 0, which contributes
// exactly nothing to outputs and gradients) without per-expert transposes,
// and with long inner dimensions (M·ph) for the forward product and the
// input gradient:
//
//	Z = ReLU(X·W1ᵀ + b1),  ĥ = (S⊙Z)·W2ᵀ + Σ_m s_m b2_m,
//	G = dĥ·W2,  ∂/∂s_m = G_m·Z_m + dĥ·b2_m,  dZ = S⊙G⊙[Z>0],
//	dW2 += dĥᵀ·(S⊙Z),  dW1 += dZᵀ·X,  dX = dZ·W1.
//
// Everything but the three sums over rows (dW2, dW1 and the biases'
// gradients) is row-wise, so it runs block of rows by block of rows
// (latStackRows, in parallel), from Z to dX, while the block's n × M·ph
// rows are in cache; the blocks leave (S⊙Z)ᵀ and dZᵀ, the operands of the
// sums, which follow. Each product element is the Dot4 of the same pair
// of rows and each element-wise step the same expression as when every
// step ran over all rows before the next (simd's kernels keep the
// rounding), so the blocking changes no value.
func (j *latBankJob) runStacked() {
	b := j.bank
	M := len(b.nets)
	ds, h, dt := b.sizes[0], b.sizes[1], b.sizes[2]
	p0, ph, pt := b.pads[0], b.pads[1], b.pads[2]
	H := M * ph
	n, np := j.n, latPad(j.n)
	if j.stack == nil {
		j.stack = &latStack{}
	}
	st := j.stack
	// Stacked weights, zero in their padding rows and columns: the same
	// positions are written at every batch (and by both sides of a term,
	// which share st and have the same sizes), so the padding, zeroed when
	// the buffers are made, stays zero.
	st.w1 = latZeroOnce(st.w1, H*p0)
	st.b1 = latZeroOnce(st.b1, H)
	// W2 stacked (rows of H values) has nh ≥ d_t rows, the ones beyond d_t
	// zero: the product ĥ = (S⊙Z)·W2ᵀ then has a whole number of DotNT's
	// register blocks of columns (d_t = 200 is not a multiple of the
	// AVX-512 blocks' 12: 204 columns keep them all on those blocks, rather
	// than 8 on the narrower AVX2 ones). The extra columns are dropped.
	nh := (dt + simd.DotNTCols() - 1) / simd.DotNTCols() * simd.DotNTCols()
	st.w2 = latZeroOnce(st.w2, nh*H)
	st.w2T = latZeroOnce(st.w2T, H*pt)
	st.b2 = latZeroOnce(st.b2, M*pt)
	if len(st.experts) != M {
		st.experts = make([]int32, M)
		for m := range st.experts {
			st.experts[m] = int32(m)
		}
	}
	for m, net := range b.nets {
		l1, l2 := net.layers[0], net.layers[1]
		for c := 0; c < h; c++ {
			copy(st.w1[(m*ph+c)*p0:(m*ph+c)*p0+ds], l1.W.W[c*ds:(c+1)*ds])
		}
		copy(st.b1[m*ph:m*ph+h], l1.B.W)
		for i := 0; i < dt; i++ {
			copy(st.w2[i*H+m*ph:i*H+m*ph+h], l2.W.W[i*h:(i+1)*h])
		}
		latTrans(st.w2T[m*ph*pt:], pt, l2.W.W, dt, h, h) // H × pt
		copy(st.b2[m*pt:m*pt+dt], l2.B.W)
	}
	// W1ᵀ with its zero padding rows (p0 × H), so that dX = dZ·W1 is a
	// product of p0 columns, a multiple of 8 (and of 12 for DE's and HTD's
	// d_s = 20, whose 24 columns all take the 4 × 12 AVX-512 blocks rather
	// than 12 of them and 8 on the 3 × 4 AVX2 ones; the padding columns of
	// dX are never read).
	st.w1T = latTransPad(st.w1T, st.w1, H, p0, p0)
	// Selection weights, dense.
	st.sw = latGrowZero(st.sw, n*M)
	for r := 0; r < n; r++ {
		for k := j.selPtr[r]; k < j.selPtr[r+1]; k++ {
			st.sw[r*M+int(j.selM[k])] = j.selS[k]
		}
	}
	// The row-wise steps, block by block. Every element of szT, dzT (their
	// padding columns too, see below), dĥ and dX is written by the blocks.
	st.szT = latGrow(st.szT, H*np)
	st.dzT = latGrow(st.dzT, H*np)
	j.dh = latGrow(j.dh, n*pt) // ĥ, replaced by dĥ
	j.dx = latGrow(j.dx, n*p0)
	st.loss = latGrow64(st.loss, n)
	j.dsel = latGrow64(j.dsel, int(j.selPtr[n]))
	if len(st.work) < latWorkers() {
		st.work = make([]latBlockWork, latWorkers())
	}
	const R = latStackRows
	latParallel((n+R-1)/R, func(w, q int) {
		r0, r1 := q*R, min((q+1)*R, n)
		nr := r1 - r0
		// The transposes take nr8 rows, those beyond nr zero: the last
		// block writes the padding columns [n, np) of szT and dzT (R is a
		// multiple of 8, so r0 + nr8 ≤ np).
		nr8 := latPad(nr)
		wk := &st.work[w]
		wk.z = latGrow(wk.z, R*H)
		wk.t = latGrow(wk.t, R*H)
		z, t := wk.z[:nr*H], wk.t[:nr*H]
		clear(wk.t[nr*H : nr8*H])
		// Z = ReLU(X·W1ᵀ + b1), S⊙Z (and its transpose for dW2).
		simd.DotNT(z, H, j.x[r0*p0:], p0, nr, st.w1, p0, H, p0, false)
		for r := r0; r < r1; r++ {
			zr, sr := z[(r-r0)*H:(r-r0+1)*H], t[(r-r0)*H:(r-r0+1)*H]
			simd.ReluBias(zr, st.b1)
			for m := 0; m < M; m++ {
				simd.ScaleTo(sr[m*ph:(m+1)*ph], zr[m*ph:(m+1)*ph], st.sw[r*M+m])
			}
		}
		latTrans(st.szT[r0:], np, wk.t, nr8, H, H)
		// ĥ = (S⊙Z)·W2ᵀ + Σ_m s_m b2_m, the loss, dĥ.
		wk.h = latGrow(wk.h, R*nh)
		simd.DotNT(wk.h, nh, t, H, nr, st.w2, H, nh, H, false)
		hh := j.dh[r0*pt : r1*pt]
		for r := r0; r < r1; r++ {
			row := wk.h[(r-r0)*nh : (r-r0)*nh+dt]
			for m, net := range b.nets {
				if w := st.sw[r*M+m]; w != 0 {
					simd.Axpy(w, net.layers[1].B.W, row)
				}
			}
			tr := j.t[r*pt : r*pt+dt]
			out := hh[(r-r0)*pt : (r-r0+1)*pt]
			c := float32(2 * j.w[r] * j.scale)
			l := 0.0
			for i := range row {
				diff := row[i] - tr[i]
				l += float64(diff) * float64(diff)
				out[i] = c * diff
			}
			clear(out[dt:])
			st.loss[r] = j.w[r] * l
		}
		// G = dĥ·W2, the selection gradients, then dZ in place (and its
		// transpose for dW1), and dX = dZ·W1.
		g := t
		simd.DotNT(g, H, hh, pt, nr, st.w2T, pt, H, pt, false)
		wk.db = latGrow(wk.db, M)
		for r := r0; r < r1; r++ {
			gr, zr := g[(r-r0)*H:(r-r0+1)*H], z[(r-r0)*H:(r-r0+1)*H]
			// dĥ·b2_m for every expert at once, each as simd.Dot computes it.
			simd.DotRowsStride(j.dh[r*pt:r*pt+dt], st.b2, pt, st.experts, wk.db)
			for k := j.selPtr[r]; k < j.selPtr[r+1]; k++ {
				m := int(j.selM[k])
				v := simd.Dot(gr[m*ph:m*ph+h], zr[m*ph:m*ph+h]) + wk.db[m]
				j.dsel[k] = float64(v)
			}
			for m := 0; m < M; m++ {
				simd.MaskScale(gr[m*ph:(m+1)*ph], zr[m*ph:(m+1)*ph], st.sw[r*M+m])
			}
		}
		latTrans(st.dzT[r0:], np, wk.t, nr8, H, H)
		simd.DotNT(j.dx[r0*p0:r1*p0], p0, g, H, nr, st.w1T, H, p0, H, false)
	})
	j.loss = 0
	for _, l := range st.loss[:n] {
		j.loss += l
	}
	dh := j.dh
	// dW2 += dĥᵀ·(S⊙Z); db2_m += Σ_r s_rm·dĥ_r (rows in order).
	st.dhT = latTransPad(st.dhT, dh, n, dt, pt) // dt × np
	st.dw2 = latGrow(st.dw2, dt*H)
	latNTPar(st.dw2, H, st.dhT, dt, st.szT, H, np, false)
	latParallel(M, func(_, m int) {
		l2 := b.nets[m].layers[1]
		l2.W.TouchAll()
		l2.B.TouchAll()
		for i := 0; i < dt; i++ {
			simd.SumInto(l2.W.G[i*h:(i+1)*h], st.dw2[i*H+m*ph:i*H+m*ph+h])
		}
		for r := 0; r < n; r++ {
			if w := st.sw[r*M+m]; w != 0 {
				simd.Axpy(w, dh[r*pt:r*pt+dt], l2.B.G)
			}
		}
	})
	// dW1 += dZᵀ·X; db1 += Σ_r dZ_r (a sequential sum over the rows, in
	// order, per hidden unit). Xᵀ keeps X's zero padding columns as rows
	// (p0 × np), so that dW1 is a product of p0 columns, as dX is.
	xT := latTransPad(st.dhT, j.x, n, p0, p0) // reuses dĥᵀ's buffer
	st.dhT = xT
	st.dw1 = latGrow(st.dw1, H*p0)
	latNTPar(st.dw1, p0, st.dzT, H, xT, p0, np, false)
	st.db1 = latGrow(st.db1, H)
	const cb = 64 // hidden units per task (a multiple of 8)
	latParallel((H+cb-1)/cb, func(_, t int) {
		c0, c1 := t*cb, min((t+1)*cb, H)
		simd.RowSums(st.db1[c0:c1], st.dzT[c0*np:], n, np)
	})
	latParallel(M, func(_, m int) {
		l1 := b.nets[m].layers[0]
		l1.W.TouchAll()
		l1.B.TouchAll()
		for c := 0; c < h; c++ {
			simd.SumInto(l1.W.G[c*ds:(c+1)*ds], st.dw1[(m*ph+c)*p0:(m*ph+c)*p0+ds])
			l1.B.G[c] += st.db1[m*ph+c]
		}
	})
}

// prepare builds the per-expert row lists from the selections.
func (j *latBankJob) prepare() {
	m := len(j.bank.nets)
	if len(j.rows) != m {
		j.rows = make([][]int32, m)
		j.sel = make([][]int32, m)
		j.acts = make([][][]float32, m)
		for e := range j.acts {
			j.acts[e] = make([][]float32, len(j.bank.sizes))
		}
	}
	for e := range j.rows {
		j.rows[e] = j.rows[e][:0]
		j.sel[e] = j.sel[e][:0]
	}
	nsel := int(j.selPtr[j.n])
	j.selRow = latGrowI(j.selRow, nsel)
	for r := 0; r < j.n; r++ {
		for k := j.selPtr[r]; k < j.selPtr[r+1]; k++ {
			e := j.selM[k]
			j.selRow[k] = int32(len(j.rows[e]))
			j.rows[e] = append(j.rows[e], int32(r))
			j.sel[e] = append(j.sel[e], k)
		}
	}
	j.order = j.order[:0]
	for e := range j.rows {
		if len(j.rows[e]) > 0 {
			j.order = append(j.order, int32(e))
		}
	}
	j.dsel = latGrow64(j.dsel, nsel)
	j.dx = latGrowZero(j.dx, j.n*j.bank.pads[0])
	j.eloss = latGrow64(j.eloss, j.n)
	j.dh = latGrow(j.dh, j.n*j.bank.pads[len(j.bank.pads)-1])
}

// forward evaluates expert e on its rows.
func (j *latBankJob) forward(e int, s *latScratch) {
	b, net, rows := j.bank, j.bank.nets[e], j.rows[e]
	n, L := len(rows), len(net.layers)
	acts := j.acts[e]
	p0 := b.pads[0]
	acts[0] = latGrow(acts[0], n*p0)
	for r, row := range rows {
		copy(acts[0][r*p0:(r+1)*p0], j.x[int(row)*p0:(int(row)+1)*p0])
	}
	for l, lin := range net.layers {
		in, out, pin, pout := b.sizes[l], b.sizes[l+1], b.pads[l], b.pads[l+1]
		net.wPad[l] = latPadRows(net.wPad[l], lin.W.W, out, in)
		// Output rows padded with zeros beyond out (never written after).
		y := latGrow(acts[l+1], n*pout)
		if pout != out {
			for r := 0; r < n; r++ {
				clear(y[r*pout+out : (r+1)*pout])
			}
		}
		latNT(y, pout, acts[l], n, net.wPad[l], out, pin, false)
		bias := lin.B.W
		relu := l+1 < L
		for r := 0; r < n; r++ {
			yr := y[r*pout : r*pout+out]
			for c, bv := range bias {
				v := yr[c] + bv
				if relu && v < 0 {
					v = 0
				}
				yr[c] = v
			}
		}
		acts[l+1] = y
	}
}

// combine forms ĥ for every row, the loss, its gradient dĥ (scaled) and the
// gradients of the selection weights.
func (j *latBankJob) combine() {
	b := j.bank
	L := len(b.sizes) - 1
	dout, pout := b.sizes[L], b.pads[L]
	const chunk = 64
	latParallel((j.n+chunk-1)/chunk, func(_, t int) {
		h := make([]float32, dout)
		for r := t * chunk; r < min((t+1)*chunk, j.n); r++ {
			clear(h)
			for k := j.selPtr[r]; k < j.selPtr[r+1]; k++ {
				y := j.acts[j.selM[k]][L]
				q := int(j.selRow[k])
				nn.Axpy(j.selS[k], y[q*pout:q*pout+dout], h)
			}
			tr := j.t[r*pout : r*pout+dout]
			dh := j.dh[r*pout : (r+1)*pout]
			c := float32(2 * j.w[r] * j.scale)
			l := 0.0
			for i := range h {
				diff := h[i] - tr[i]
				l += float64(diff) * float64(diff)
				dh[i] = c * diff
			}
			clear(dh[dout:])
			j.eloss[r] = j.w[r] * l
			for k := j.selPtr[r]; k < j.selPtr[r+1]; k++ {
				y := j.acts[j.selM[k]][L]
				q := int(j.selRow[k])
				j.dsel[k] = float64(nn.Dot(dh[:dout], y[q*pout:q*pout+dout]))
			}
		}
	})
	j.loss = 0
	for _, l := range j.eloss[:j.n] {
		j.loss += l
	}
}

// backward propagates dĥ through expert e: parameter gradients and the
// gradient of its input rows (stored in place of its input activations).
func (j *latBankJob) backward(e int, s *latScratch) {
	b, net, rows := j.bank, j.bank.nets[e], j.rows[e]
	n, L := len(rows), len(net.layers)
	acts := j.acts[e]
	pout := b.pads[L]
	// dY rows = s_k·dĥ_row, written over the output activations.
	dy := acts[L]
	for q, row := range rows {
		sk := j.selS[j.sel[e][q]]
		dst := dy[q*pout : (q+1)*pout]
		src := j.dh[int(row)*pout : (int(row)+1)*pout]
		for c := range dst {
			dst[c] = sk * src[c]
		}
	}
	cur := dy
	for l := L - 1; l >= 0; l-- {
		lin := net.layers[l]
		in, out, pin, pl := b.sizes[l], b.sizes[l+1], b.pads[l], b.pads[l+1]
		// dW += dYᵀ·X, db += Σ_rows dY.
		s.a = latTransPad(s.a, cur, n, out, pl)     // out × pad(n)
		s.b = latTransPad(s.b, acts[l], n, in, pin) // in × pad(n)
		lin.W.TouchAll()
		latNT(lin.W.G, in, s.a, out, s.b, in, latPad(n), true)
		lin.B.TouchAll()
		np := latPad(n)
		for c := 0; c < out; c++ {
			sum := float32(0)
			for _, v := range s.a[c*np : c*np+n] {
				sum += v
			}
			lin.B.G[c] += sum
		}
		// dX = dY·W, written over the input activations once they are used.
		net.wTPad[l] = latTransPad(net.wTPad[l], lin.W.W, out, in, in) // in × pad(out)
		var dx []float32
		if l > 0 {
			s.c = latGrow(s.c, n*pin)
			dx = s.c
		} else {
			dx = acts[0]
		}
		latNT(dx, pin, cur, n, net.wTPad[l], in, pl, false)
		if l > 0 {
			// ReLU mask, and pad columns kept at zero.
			act := acts[l]
			for r := 0; r < n; r++ {
				for c := 0; c < in; c++ {
					if act[r*pin+c] <= 0 {
						dx[r*pin+c] = 0
					}
				}
				clear(dx[r*pin+in : (r+1)*pin])
			}
			// The hidden activation is no longer needed: keep dX there.
			copy(acts[l][:n*pin], dx[:n*pin])
			cur = acts[l]
		}
	}
}

// gatherDX sums the input gradients of every row over its experts, in
// selection order.
func (j *latBankJob) gatherDX() {
	p0 := j.bank.pads[0]
	for r := 0; r < j.n; r++ {
		dst := j.dx[r*p0 : (r+1)*p0]
		for k := j.selPtr[r]; k < j.selPtr[r+1]; k++ {
			q := int(j.selRow[k])
			nn.Axpy(1, j.acts[j.selM[k]][0][q*p0:(q+1)*p0], dst)
		}
	}
}

// ---------------------------------------------------------------------
// Selection network (DE's expert selection, HTD's group assignment).

// latGate is the selection network α_e = softmax(W_g h^t_e + b_g) over M
// experts, read from the teacher's representation, and the Gumbel-softmax
// selection built on it.
type latGate struct {
	lin  *nn.Linear // d_t → M
	m    int
	wPad []float32

	n      int
	logits []float32 // n × M
	alpha  []float64 // n × M
	s      []float64 // n × M (zero where pruned)
	noise  []float64 // n × M
	dl     []float32 // n × M
	da, ds []float64 // M scratch
	tT     []float32 // teacher rows transposed, for the weight gradient
	dlT    []float32
}

func latNewGate(name string, dt, m int, seed, stream uint64) *latGate {
	return &latGate{lin: nn.NewLinear(name, dt, m, true, nn.NewRand(seed, stream)), m: m}
}

// logitsOf computes the gate logits of n teacher rows t (stride pad(d_t))
// and α = softmax(logits).
func (g *latGate) logitsOf(t []float32, n int) {
	dt := g.lin.In
	pt := latPad(dt)
	g.n = n
	g.wPad = latPadRows(g.wPad, g.lin.W.W, g.m, dt)
	g.logits = latGrow(g.logits, n*g.m)
	latNT(g.logits, g.m, t, n, g.wPad, g.m, pt, false)
	g.alpha = latGrow64(g.alpha, n*g.m)
	for r := 0; r < n; r++ {
		row := g.logits[r*g.m : (r+1)*g.m]
		for k, b := range g.lin.B.W {
			row[k] += b
		}
		latSoftmax(row, g.alpha[r*g.m:(r+1)*g.m])
	}
}

// argmax returns the index of the largest logit of row r (first on ties):
// the hard assignment g(e) = argmax_k α_k(h^t_e), without noise.
func (g *latGate) argmax(r int) int {
	row := g.logits[r*g.m : (r+1)*g.m]
	best := 0
	for k, v := range row {
		if v > row[best] {
			best = k
		}
	}
	return best
}

// sample draws the noise of n rows from rng (row after row, M Exp(1)
// variates per row, i.e. Gumbel noise g = −log(e + 1e−20)) and fills the
// CSR selection of job with the experts whose weight is at least
// prune·max_m s_m (all of them when prune is 0).
func (g *latGate) sample(rng *rand.Rand, tau, prune float64, job *latBankJob) {
	n, m := g.n, g.m
	g.noise = latGrow64(g.noise, n*m)
	for k := range g.noise {
		g.noise[k] = rng.ExpFloat64()
	}
	g.s = latGrow64(g.s, n*m)
	job.selPtr = latGrowI(job.selPtr, n+1)
	job.selM, job.selS = job.selM[:0], job.selS[:0]
	job.selPtr[0] = 0
	for r := 0; r < n; r++ {
		s := g.s[r*m : (r+1)*m]
		latGumbelRow(g.alpha[r*m:(r+1)*m], g.noise[r*m:(r+1)*m], tau, s)
		mx := 0.0
		for _, v := range s {
			mx = math.Max(mx, v)
		}
		thr := prune * mx
		for k, v := range s {
			if prune == 0 || v >= thr {
				job.selM = append(job.selM, int32(k))
				job.selS = append(job.selS, float32(v))
			} else {
				s[k] = 0
			}
		}
		job.selPtr[r+1] = int32(len(job.selM))
	}
}

// backward converts job.dsel (the gradient of the scaled loss with respect
// to the kept selection weights) into the gradient of the gate parameters,
// given the teacher rows t the gate read (stride pad(d_t)). tau is the
// temperature used by sample.
func (g *latGate) backward(t []float32, tau float64, job *latBankJob) {
	n, m := g.n, g.m
	g.dl = latGrow(g.dl, n*m)
	g.da = latGrow64(g.da, m)
	g.ds = latGrow64(g.ds, m)
	for r := 0; r < n; r++ {
		clear(g.ds)
		for k := job.selPtr[r]; k < job.selPtr[r+1]; k++ {
			g.ds[job.selM[k]] = job.dsel[k]
		}
		latSelectBack(g.alpha[r*m:(r+1)*m], g.s[r*m:(r+1)*m], g.ds, tau, g.dl[r*m:(r+1)*m], g.da)
	}
	g.addGrad(t, g.dl)
}

// addGrad accumulates the gate parameter gradients for logit gradients dl
// (n × M) at teacher rows t: dW += dlᵀ·t, db += Σ_rows dl.
func (g *latGate) addGrad(t []float32, dl []float32) {
	n, m, dt := g.n, g.m, g.lin.In
	g.dlT = latTransPad(g.dlT, dl, n, m, m)
	g.tT = latTransPad(g.tT, t, n, dt, latPad(dt))
	g.lin.W.TouchAll()
	g.lin.B.TouchAll()
	np := latPad(n)
	latNT(g.lin.W.G, dt, g.dlT, m, g.tT, dt, np, true)
	for k := 0; k < m; k++ {
		sum := float32(0)
		for _, v := range g.dlT[k*np : k*np+n] {
			sum += v
		}
		g.lin.B.G[k] += sum
	}
}

// ---------------------------------------------------------------------
// One side of a batch for the regression terms.

// latSide holds the rows of one entity side of a batch: ids (repeats
// allowed, e.g. an item that is both a positive and a negative in DE),
// their weights, the student inputs x (n × pad(d_s), zero-padded) and the
// teacher targets t (n × pad(d_t), zero-padded), and the bank job.
type latSide struct {
	side int
	ids  []int32
	w    []float64
	x, t []float32
	job  latBankJob
}

// load gathers the student and teacher rows of s.ids.
func (s *latSide) load(teacher *latTeacher, student model.Representer) {
	n, ds, dt := len(s.ids), student.Dim(), teacher.d
	s.x = latGrowZero(s.x, n*latPad(ds))
	s.t = latGrowZero(s.t, n*latPad(dt))
	latGatherStudent(student, s.side, s.ids, s.x, latPad(ds))
	teacher.raw(s.side, s.ids, s.t, latPad(dt))
	s.job.n, s.job.x, s.job.t, s.job.w = n, s.x, s.t, s.w
}

// selectAll selects expert 0 with weight 1 for every row (M = 1).
func (s *latSide) selectAll() {
	j := &s.job
	n := j.n
	j.selPtr = latGrowI(j.selPtr, n+1)
	j.selM = latGrowI(j.selM, n)
	j.selS = latGrow(j.selS, n)
	for r := 0; r < n; r++ {
		j.selPtr[r] = int32(r)
		j.selM[r] = 0
		j.selS[r] = 1
	}
	j.selPtr[n] = int32(n)
}

// scatter adds the input gradients of the job to the student.
func (s *latSide) scatter(student model.Representer) {
	latScatterStudent(student, s.side, s.ids, s.job.dx, latPad(student.Dim()))
}

// latHidden returns the hidden width of an expert d_s → hidden → d_t:
// ⌊(d_t+d_s)/2⌋, or ⌊d_s/2⌋ (at least 1) for self-distillation (d_t = d_s),
// as in the reference DE code [methods.md §3.3].
func latHidden(ds, dt int) int {
	if ds == dt {
		return max(ds/2, 1)
	}
	return (ds + dt) / 2
}

// latBatchEntities fills the user side with the distinct users of b
// (weight 1 each, or their multiplicity when perTriple) and the item side
// with the distinct items of Pos ∪ Neg weighted ½·[in Pos] + ½·[in Neg]
// (or ½·(count in Pos + count in Neg) when perTriple) — the reference's
// per-role unique ids with the ½(pos+neg) item weighting, with an item that
// is both positive and negative merged into one row of weight 1.
func latBatchEntities(b *train.Batch, set *latSet, users, items *latSide, perTriple bool) {
	set.reset()
	for _, u := range b.Users {
		set.add(u, 1)
	}
	users.ids = append(users.ids[:0], set.ids...)
	users.w = users.w[:0]
	for _, c := range set.cnt {
		if !perTriple {
			c = 1
		}
		users.w = append(users.w, c)
	}
	set.reset()
	inPos, inNeg := set.a[:0], set.b[:0]
	role := func(ids []int32, pos bool) {
		for _, i := range ids {
			k := set.add(i, 0)
			if k == len(inPos) {
				inPos, inNeg = append(inPos, 0), append(inNeg, 0)
			}
			if pos {
				inPos[k]++
			} else {
				inNeg[k]++
			}
		}
	}
	role(b.Pos, true)
	role(b.Neg, false)
	set.a, set.b = inPos, inNeg
	items.ids = append(items.ids[:0], set.ids...)
	items.w = items.w[:0]
	for k := range set.ids {
		p, q := inPos[k], inNeg[k]
		if !perTriple {
			p, q = min(p, 1), min(q, 1)
		}
		items.w = append(items.w, 0.5*(p+q))
	}
}

// latMixture is the part DE and HTD share: per side (users, items) a bank
// of mapping networks and a Gumbel-softmax gate read from the teacher's
// representation, the annealed temperature, the batch buffers and the
// count of networks evaluated per row. DE's M experts and HTD's K group
// mappings are the same machinery; DETerm and HTDTerm embed it.
type latMixture struct {
	teacher *latTeacher
	student model.Representer
	banks   [2]*latBank
	gates   [2]*latGate // nil for a one-network bank (DE with M = 1)
	sched   TauSchedule
	tau     float64

	sides   [2]latSide
	set     latSet
	scratch []latScratch

	rows, evaluated int64
}

func newLatMixture(teacher model.Embedder, student model.Representer, sched TauSchedule) latMixture {
	return latMixture{teacher: latNewTeacher(teacher), student: student, sched: sched, tau: sched.Start}
}

// Params returns the mapping networks (DE's experts, HTD's group
// mappings) and the gates of both sides.
func (m *latMixture) Params() []*nn.Param {
	var ps []*nn.Param
	for side := range m.banks {
		ps = append(ps, m.banks[side].params()...)
		if m.gates[side] != nil {
			ps = append(ps, m.gates[side].lin.Params()...)
		}
	}
	return ps
}

// BeginEpoch sets the temperature of the epoch.
func (m *latMixture) BeginEpoch(e *train.Epoch) error {
	m.tau = m.sched.At(e.Index, e.MaxEpochs)
	return nil
}

// Tau returns the temperature in use.
func (m *latMixture) Tau() float64 { return m.tau }

// ExpertsPerRow returns the mean number of mapping networks evaluated per
// entity row since the last call (all of them without pruning, 1 once the
// selection is one-hot), and resets the count.
func (m *latMixture) ExpertsPerRow() float64 {
	r := 0.0
	if m.rows > 0 {
		r = float64(m.evaluated) / float64(m.rows)
	}
	m.rows, m.evaluated = 0, 0
	return r
}

// latMixtureState is the count of ExpertsPerRow.
type latMixtureState struct {
	Rows, Evaluated int64
}

// MarshalState encodes the count of evaluated mapping networks since the
// last ExpertsPerRow (train.Stateful); the temperature follows from the
// epoch and needs nothing.
func (m *latMixture) MarshalState() ([]byte, error) {
	return encodeState(&latMixtureState{Rows: m.rows, Evaluated: m.evaluated})
}

// UnmarshalState restores the count of MarshalState.
func (m *latMixture) UnmarshalState(b []byte) error {
	var s latMixtureState
	if err := decodeState("latent mixture", b, &s); err != nil {
		return err
	}
	m.rows, m.evaluated = s.Rows, s.Evaluated
	return nil
}
