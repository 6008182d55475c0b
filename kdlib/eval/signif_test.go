package eval

import (
	"math"
	"testing"
)

// upperNormal is 1 − Φ(z), computed with math.Erfc, independently of distuv.
func upperNormal(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// Student's sleep data (Cushny & Peebles), as in R's datasets::sleep: extra
// hours of sleep of 10 patients under two drugs.
var (
	sleep1 = []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	sleep2 = []float64{1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4}
)

func TestPairedT(t *testing.T) {
	// Textbook: R's t.test(extra ~ group, data = sleep, paired = TRUE)
	// prints t = -4.0621, df = 9, p-value = 0.002833.
	r, err := PairedT(sleep2, sleep1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Statistic-4.0621) > 5e-5 || r.DF != 9 || math.Abs(r.P-0.002833) > 5e-7 || r.N != 10 {
		t.Errorf("sleep: t = %v df = %v p = %v, want 4.0621, 9, 0.002833", r.Statistic, r.DF, r.P)
	}
	if !near(r.MeanDiff, 1.58) {
		t.Errorf("sleep: mean difference %v, want 1.58", r.MeanDiff)
	}
	if r2, _ := PairedT(sleep1, sleep2); !near(r2.Statistic, -r.Statistic) || !near(r2.P, r.P) {
		t.Errorf("swapping the samples: t = %v p = %v", r2.Statistic, r2.P)
	}

	// By hand, df = 2: d = (1, 2, 6), mean 3, s² = (4+1+9)/2 = 7,
	// t = 3/√(7/3) = √(27/7). For two degrees of freedom the t CDF is
	// F(t) = ½ + t/(2√(2+t²)), so P = 1 − |t|/√(2+t²) = 1 − √(27/41).
	r, err = PairedT([]float64{1, 2, 6}, []float64{0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Statistic, math.Sqrt(27.0/7)) || r.DF != 2 || !near(r.P, 1-math.Sqrt(27.0/41)) {
		t.Errorf("df=2: t = %v p = %v, want %v %v", r.Statistic, r.P, math.Sqrt(27.0/7), 1-math.Sqrt(27.0/41))
	}

	// By hand, df = 1 (Cauchy): d = (4, 6) − (3, 3) = (1, 3), mean 2,
	// s = √2, t = 2/(√2/√2) = 2, P = 1 − (2/π)·atan(2).
	r, err = PairedT([]float64{4, 6}, []float64{3, 3})
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Statistic, 2) || !near(r.P, 1-2/math.Pi*math.Atan(2)) {
		t.Errorf("df=1: t = %v p = %v, want 2 %v", r.Statistic, r.P, 1-2/math.Pi*math.Atan(2))
	}

	// Degenerate differences.
	if r, _ := PairedT([]float64{1, 2, 3}, []float64{1, 2, 3}); r.Statistic != 0 || r.P != 1 {
		t.Errorf("identical samples: t = %v p = %v, want 0 1", r.Statistic, r.P)
	}
	if r, _ := PairedT([]float64{2, 3, 4}, []float64{1, 2, 3}); !math.IsInf(r.Statistic, 1) || r.P != 0 {
		t.Errorf("constant shift: t = %v p = %v, want +Inf 0", r.Statistic, r.P)
	}
	if _, err := PairedT([]float64{1, 2}, []float64{1}); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := PairedT([]float64{1}, []float64{1}); err == nil {
		t.Error("one pair accepted")
	}
}

func TestWilcoxonSignedRank(t *testing.T) {
	// Textbook (Wikipedia, "Wilcoxon signed-rank test"): differences
	// 15, −7, 5, 20, 0, −9, 17, −12, 5, −10. The zero is dropped (N = 9);
	// |d| sorted: 5, 5, 7, 9, 10, 12, 15, 17, 20 with ranks 1.5, 1.5, 3, …, 9,
	// so W⁺ = 1.5 + 1.5 + 7 + 8 + 9 = 27 and W⁻ = 3 + 4 + 5 + 6 = 18.
	// Normal approximation: μ = 22.5, σ² = 9·10·19/24 − (2³−2)/48 = 71.125,
	// z = (27 − 22.5 − 0.5)/√71.125.
	after := []float64{125, 115, 130, 140, 140, 115, 140, 125, 140, 135}
	before := []float64{110, 122, 125, 120, 140, 124, 123, 137, 135, 145}
	r, err := WilcoxonSignedRank(after, before)
	if err != nil {
		t.Fatal(err)
	}
	z := 4 / math.Sqrt(71.125)
	if r.N != 9 || r.Statistic != 27 || !near(r.Z, z) || !near(r.P, 2*upperNormal(z)) {
		t.Errorf("Wikipedia: N = %d V = %v z = %v p = %v, want 9 27 %v %v", r.N, r.Statistic, r.Z, r.P, z, 2*upperNormal(z))
	}
	if r.Method != "Wilcoxon signed-rank (normal approximation)" {
		t.Errorf("Wikipedia: method %q, want the normal approximation (ties and a zero)", r.Method)
	}
	if r2, _ := WilcoxonSignedRank(before, after); r2.Statistic != 18 || !near(r2.P, r.P) || !near(r2.Z, -r.Z) {
		t.Errorf("swapped: V = %v z = %v p = %v, want 18 %v %v", r2.Statistic, r2.Z, r2.P, -r.Z, r.P)
	}

	// Textbook: R's wilcox.test(extra ~ group, data = sleep, paired = TRUE)
	// prints V = 0, p-value = 0.009091 (a zero and a tie at 1.3, so normal
	// approximation). By hand: N = 9, V = 0 for group 1 − group 2,
	// σ² = 71.125, z = (0 − 22.5 + 0.5)/√71.125.
	r, err = WilcoxonSignedRank(sleep1, sleep2)
	if err != nil {
		t.Fatal(err)
	}
	z = -22 / math.Sqrt(71.125)
	if r.N != 9 || r.Statistic != 0 || !near(r.Z, z) || !near(r.P, 2*upperNormal(-z)) || math.Abs(r.P-0.009091) > 5e-7 {
		t.Errorf("sleep: N = %d V = %v z = %v p = %v, want 9 0 %v 0.009091", r.N, r.Statistic, r.Z, r.P, z)
	}

	// Textbook, exact: Hollander & Wolfe's depression data (the example of
	// R's ?wilcox.test, where V = 40 and the one-sided p-value is 0.01953).
	// Differences 0.952, −0.147, 1.022, 0.43, 0.62, 0.59, 0.49, −0.08, 0.01:
	// no ties, no zero, W⁻ = 2 + 3 = 5, so V = 45 − 5 = 40. Subsets of
	// {1..9} with rank sum ≤ 5: {}, {1}, {2}, {3}, {1,2}, {4}, {1,3}, {5},
	// {1,4}, {2,3} — 10 of 512, so two-sided P = 2·10/512.
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	r, err = WilcoxonSignedRank(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "Wilcoxon signed-rank (exact)" || r.N != 9 || r.Statistic != 40 || r.P != 20.0/512 {
		t.Errorf("depression: %s N = %d V = %v p = %v, want exact 9 40 %v", r.Method, r.N, r.Statistic, r.P, 20.0/512)
	}

	// All differences zero.
	if r, err := WilcoxonSignedRank([]float64{1, 2}, []float64{1, 2}); err != nil || r.N != 0 || r.P != 1 {
		t.Errorf("no non-zero difference: N = %d p = %v err = %v, want 0 1 nil", r.N, r.P, err)
	}
	if _, err := WilcoxonSignedRank([]float64{1}, nil); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := WilcoxonSignedRank(nil, nil); err == nil {
		t.Error("empty input accepted")
	}
}

func TestWilcoxonExactDistribution(t *testing.T) {
	// n = 3: the 8 subsets of {1,2,3} have sums 0,1,2,3,3,4,5,6.
	cases := []struct {
		n, v int
		p    float64
	}{
		{3, 0, 2.0 / 8}, {3, 6, 2.0 / 8}, {3, 1, 4.0 / 8}, {3, 3, 1}, {1, 0, 1}, {1, 1, 1},
	}
	for _, c := range cases {
		if got := wilcoxonExactP(c.n, c.v); got != c.p {
			t.Errorf("wilcoxonExactP(%d, %d) = %v, want %v", c.n, c.v, got, c.p)
		}
	}
	// For 40 untied differences the exact and the normal p-values are close.
	x := make([]float64, 40)
	for k := range x {
		x[k] = float64(k + 1)
		if k%3 == 0 {
			x[k] = -x[k]
		}
	}
	r, _ := WilcoxonSignedRank(x, make([]float64, 40))
	approx := 2 * upperNormal(math.Abs(r.Z))
	if r.Method != "Wilcoxon signed-rank (exact)" || math.Abs(r.P-approx) > 0.01 {
		t.Errorf("n=40: exact p %v (%s) vs normal %v", r.P, r.Method, approx)
	}
}

func TestCompare(t *testing.T) {
	a := &Result{Protocol: ProtocolLOO, Part: Test, Metrics: []string{"HR@5"}, Users: []int32{1, 4, 7},
		PerUser: [][]float64{{1, 0, 1}}}
	b := &Result{Protocol: ProtocolLOO, Part: Test, Metrics: []string{"HR@5"}, Users: []int32{1, 4, 7},
		PerUser: [][]float64{{0, 0, 0.5}}}
	c, err := Compare(a, b, "HR@5")
	if err != nil {
		t.Fatal(err)
	}
	wantT, _ := PairedT(a.PerUser[0], b.PerUser[0])
	wantW, _ := WilcoxonSignedRank(a.PerUser[0], b.PerUser[0])
	if c.N != 3 || !near(c.MeanA, 2.0/3) || !near(c.MeanB, 0.5/3) || c.T != wantT || c.Wilcoxon != wantW {
		t.Errorf("Compare = %+v", c)
	}
	other := *b
	other.Users = []int32{1, 4, 8}
	if _, err := Compare(a, &other, "HR@5"); err == nil {
		t.Error("different users accepted")
	}
	fewer := &Result{Protocol: ProtocolLOO, Part: Test, Metrics: []string{"HR@5"}, Users: []int32{1, 4},
		PerUser: [][]float64{{1, 0}}}
	if _, err := Compare(a, fewer, "HR@5"); err == nil {
		t.Error("different user counts accepted")
	}
	valid := *b
	valid.Part = Valid
	if _, err := Compare(a, &valid, "HR@5"); err == nil {
		t.Error("different parts accepted")
	}
	if _, err := Compare(a, b, "NDCG@5"); err == nil {
		t.Error("missing metric accepted")
	}
}
