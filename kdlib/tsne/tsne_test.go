package tsne

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// points returns n points of dimension d drawn N(0, 1).
func points(n, d int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	for k := range x {
		x[k] = r.NormFloat64()
	}
	return x
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	const n = 7
	p, err := Affinities(points(n, 4, 1), n, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	y := points(n, 2, 2)
	grad := make([]float64, 2*n)
	Gradient(p, y, n, grad)
	num := fd.Gradient(nil, func(y []float64) float64 { return KL(p, y, n) }, y, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	for k := range grad {
		if math.Abs(grad[k]-num[k]) > 1e-6+1e-5*math.Abs(num[k]) {
			t.Fatalf("coordinate %d: analytic %v, finite differences %v", k, grad[k], num[k])
		}
	}
}

func TestAffinitiesCalibratePerplexity(t *testing.T) {
	const n, d = 60, 5
	x := points(n, d, 3)
	for _, perp := range []float64{2, 10, 30} {
		dist := make([]float64, n)
		out := make([]float64, n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				s := 0.0
				for k := 0; k < d; k++ {
					v := x[i*d+k] - x[j*d+k]
					s += v * v
				}
				dist[j] = s
			}
			calibrate(dist, i, math.Log2(perp), out)
			h, sum := 0.0, 0.0
			for j, q := range out {
				sum += q
				if q > 0 && j != i {
					h -= q * math.Log2(q)
				}
			}
			if math.Abs(math.Exp2(h)-perp) > 1e-3*perp || math.Abs(sum-1) > 1e-12 || out[i] != 0 {
				t.Fatalf("perplexity %v, point %d: got %v (Σ = %v, self %v)", perp, i, math.Exp2(h), sum, out[i])
			}
		}
	}
	p, err := Affinities(x, n, d, 10)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for i := 0; i < n; i++ {
		if p[i*n+i] != 0 {
			t.Fatalf("p[%d][%d] = %v", i, i, p[i*n+i])
		}
		for j := 0; j < n; j++ {
			sum += p[i*n+j]
			if p[i*n+j] != p[j*n+i] {
				t.Fatalf("P is not symmetric at %d, %d", i, j)
			}
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("Σ P = %v", sum)
	}
}

// clusters returns k clusters of m points each in dimension d, centres 20
// apart along the axes, N(0, 1) noise, and each point's cluster.
func clusters(k, m, d int, seed uint64) ([]float64, []int) {
	x := points(k*m, d, seed)
	lab := make([]int, k*m)
	for i := range lab {
		lab[i] = i / m
		x[i*d+lab[i]] += 20
	}
	return x, lab
}

func TestSeparatedClustersStaySeparated(t *testing.T) {
	const k, m, d = 4, 40, 10
	x, lab := clusters(k, m, d, 5)
	o := Default()
	o.Perplexity = 15
	y, kl, err := Embed(x, k*m, d, o)
	if err != nil {
		t.Fatal(err)
	}
	if !(kl > 0 && kl < 2) {
		t.Errorf("KL = %v", kl)
	}
	n := k * m
	dist := func(a, b int) float64 { return math.Hypot(y[2*a]-y[2*b], y[2*a+1]-y[2*b+1]) }
	// Every point's five nearest neighbours in the map are of its cluster.
	for a := 0; a < n; a++ {
		idx := make([]int, 0, n-1)
		for b := 0; b < n; b++ {
			if b != a {
				idx = append(idx, b)
			}
		}
		slices.SortFunc(idx, func(b, c int) int { return int(math.Copysign(1, dist(a, b)-dist(a, c))) })
		for _, b := range idx[:5] {
			if lab[b] != lab[a] {
				t.Fatalf("point %d (cluster %d): neighbour %d is of cluster %d", a, lab[a], b, lab[b])
			}
		}
	}
	// The gap between clusters is wider than any cluster: the closest
	// pair of points of different clusters is farther apart than the mean
	// distance of a point to its cluster's centre.
	gap := math.Inf(1)
	for a := 0; a < n; a++ {
		for b := a + 1; b < n; b++ {
			if lab[a] != lab[b] {
				gap = math.Min(gap, dist(a, b))
			}
		}
	}
	spread := 0.0
	for c := 0; c < k; c++ {
		var cx, cy float64
		for a := c * m; a < (c+1)*m; a++ {
			cx, cy = cx+y[2*a]/m, cy+y[2*a+1]/m
		}
		for a := c * m; a < (c+1)*m; a++ {
			spread += math.Hypot(y[2*a]-cx, y[2*a+1]-cy) / float64(n)
		}
	}
	if !(gap > spread) {
		t.Errorf("clusters not separated: smallest gap %v, mean radius %v", gap, spread)
	}
}

func TestEmbedIsDeterministic(t *testing.T) {
	x, _ := clusters(3, 50, 6, 7)
	o := Default()
	o.Iterations = 300
	o.Seed = 9
	prev := runtime.GOMAXPROCS(1)
	y1, kl1, err := Embed(x, 150, 6, o)
	runtime.GOMAXPROCS(max(prev, 2))
	if err != nil {
		t.Fatal(err)
	}
	y2, kl2, err := Embed(x, 150, 6, o)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(y1, y2) || kl1 != kl2 {
		t.Error("the map depends on the number of cores")
	}
	o.Seed = 10
	y3, _, _ := Embed(x, 150, 6, o)
	if slices.Equal(y1, y3) {
		t.Error("the seed does not change the initial map")
	}
}

func TestEmbedRefusesBadInput(t *testing.T) {
	x := points(20, 3, 1)
	for name, o := range map[string]Options{
		"perplexity ≥ n": func() Options { o := Default(); o.Perplexity = 20; return o }(),
		// 19.5 < n but above the n-1 = 19 neighbours a point has: no
		// kernel width reaches it, and calibration would silently end
		// at the uniform distribution.
		"perplexity ≥ n-1": func() Options { o := Default(); o.Perplexity = 19.5; return o }(),
		"perplexity < 1":   func() Options { o := Default(); o.Perplexity = 0.5; return o }(),
		"momentum 1":       func() Options { o := Default(); o.FinalMomentum = 1; return o }(),
		"exaggeration <1":  func() Options { o := Default(); o.Exaggeration = 0.5; return o }(),
		"min gain 0":       func() Options { o := Default(); o.MinGain = 0; return o }(),
	} {
		if _, _, err := Embed(x, 20, 3, o); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	o := Default()
	o.Perplexity = 5
	if _, _, err := Embed(x[:59], 20, 3, o); err == nil {
		t.Error("a short input accepted")
	}
	if _, err := Affinities(x, 20, 3, 19.5); err == nil {
		t.Error("Affinities accepted a perplexity above the n-1 neighbours")
	}
	x[7] = math.NaN()
	if _, _, err := Embed(x, 20, 3, o); err == nil {
		t.Error("NaN input accepted")
	}
}
