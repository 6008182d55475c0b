package data

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestPowerLawDeterministic checks that a seed gives the same data with one
// core as with four, and another seed other data.
func TestPowerLawDeterministic(t *testing.T) {
	c := DefaultPowerLaw(9000, 3000) // three chunks of users
	c.Seed = 7
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	a, err := PowerLaw(c)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(4)
	b, err := PowerLaw(c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.UserPtr, b.UserPtr) || !slices.Equal(a.UserItems, b.UserItems) ||
		!slices.Equal(a.ItemPtr, b.ItemPtr) || !slices.Equal(a.ItemUsers, b.ItemUsers) {
		t.Fatal("the same seed gave different data with 1 and 4 cores")
	}
	c.Seed = 8
	d, err := PowerLaw(c)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(a.UserItems, d.UserItems) {
		t.Fatal("seeds 7 and 8 gave the same data")
	}
}

// TestPowerLawPairs checks that every pair is distinct and in range, that
// every user's count is within [MinPerUser, MaxPerUser], and that the item
// index holds the same pairs.
func TestPowerLawPairs(t *testing.T) {
	c := DefaultPowerLaw(5000, 800)
	c.MaxPerUser, c.ItemExponent, c.Seed = 400, 2.1, 3 // heavy items, users up to half the items
	x, err := PowerLaw(c)
	if err != nil {
		t.Fatal(err)
	}
	for u := 0; u < x.NumUsers; u++ {
		row := x.Items(u)
		if len(row) < c.MinPerUser || len(row) > c.MaxPerUser {
			t.Fatalf("user %d has %d items, outside [%d, %d]", u, len(row), c.MinPerUser, c.MaxPerUser)
		}
		for k, i := range row {
			if i < 0 || int(i) >= c.Items {
				t.Fatalf("user %d: item %d out of range", u, i)
			}
			if k > 0 && row[k-1] >= i {
				t.Fatalf("user %d: items %d and %d not strictly increasing (a duplicate pair or an unsorted row)", u, row[k-1], i)
			}
		}
	}
	// FromPairs merges duplicates: it must find none to merge.
	y, err := FromPairs(x.NumUsers, x.NumItems, x.Pairs())
	if err != nil {
		t.Fatal(err)
	}
	if y.NNZ() != x.NNZ() || !slices.Equal(y.ItemPtr, x.ItemPtr) || !slices.Equal(y.ItemUsers, x.ItemUsers) {
		t.Fatal("the item index differs from the one FromPairs builds")
	}
}

// TestPowerLawExponents checks that the maximum-likelihood estimates of the
// two exponents, on the users' counts (all of them) and on the tail of the
// items' counts (items drawn at least 40 times: weights ≳ 10, where the
// counts' spread around their expectation is small), recover the
// configured ones within about three standard errors, at two settings.
func TestPowerLawExponents(t *testing.T) {
	for _, c := range []PowerLawConfig{
		{Users: 20000, Items: 50000, UserExponent: 2.5, MinPerUser: 10, ItemExponent: 2.5, Seed: 1},
		{Users: 20000, Items: 30000, UserExponent: 3.0, MinPerUser: 5, ItemExponent: 2.2, Seed: 2},
	} {
		x, err := PowerLaw(c)
		if err != nil {
			t.Fatal(err)
		}
		gu := PowerLawExponent(x.UserDegrees(), c.MinPerUser)
		t.Logf("%+v: user exponent %.3f", c, gu)
		if math.Abs(gu-c.UserExponent) > 0.08 {
			t.Errorf("%+v: user exponent %.3f, configured %v", c, gu, c.UserExponent)
		}
		deg := x.ItemDegrees()
		n := 0
		for _, k := range deg {
			if k >= 40 {
				n++
			}
		}
		gi := PowerLawExponent(deg, 40)
		t.Logf("%+v: item exponent %.3f over %d items", c, gi, n)
		if tol := 3 * (c.ItemExponent - 1) / math.Sqrt(float64(n)); math.Abs(gi-c.ItemExponent) > max(tol, 0.1) {
			t.Errorf("%+v: item exponent %.3f over %d items, configured %v (tolerance %.3f)", c, gi, n, c.ItemExponent, max(tol, 0.1))
		}
	}
}

// TestPowerLawMeanPerUser checks the expected degree against generated
// data sets (within four standard errors of their mean degree), a law so
// steep that almost every user has MinPerUser, and an invalid
// configuration.
func TestPowerLawMeanPerUser(t *testing.T) {
	for _, c := range []PowerLawConfig{
		{Users: 20000, Items: 8000, UserExponent: 2.5, MinPerUser: 10, ItemExponent: 2.5, Seed: 3},
		{Users: 20000, Items: 30000, UserExponent: 3.0, MinPerUser: 5, ItemExponent: 2.2, Seed: 4},
		{Users: 20000, Items: 4000, UserExponent: 2.5, MinPerUser: 20, MaxPerUser: 200, ItemExponent: 2.5, Seed: 5},
	} {
		x, err := PowerLaw(c)
		if err != nil {
			t.Fatal(err)
		}
		deg := x.UserDegrees()
		mean, sq := 0.0, 0.0
		for _, k := range deg {
			mean += float64(k)
			sq += float64(k) * float64(k)
		}
		mean /= float64(len(deg))
		se := math.Sqrt((sq/float64(len(deg)) - mean*mean) / float64(len(deg)))
		if got := c.MeanPerUser(); math.Abs(got-mean) > 4*se {
			t.Errorf("%+v: MeanPerUser %.3f, generated mean %.3f ± %.3f", c, got, mean, se)
		}
	}
	steep := PowerLawConfig{Users: 10, Items: 1000, UserExponent: 200, MinPerUser: 7, ItemExponent: 2.5}
	if got := steep.MeanPerUser(); math.Abs(got-7) > 1e-6 {
		t.Errorf("γ_u = 200: MeanPerUser %v, want 7", got)
	}
	if got := (PowerLawConfig{Users: 10, Items: 100}).MeanPerUser(); got != 0 {
		t.Errorf("invalid configuration: MeanPerUser %v, want 0", got)
	}
}

// TestPowerLawExponentEstimator checks the estimator on counts laid out
// deterministically at evenly spaced quantiles of a k^−γ law (the continuous
// law on [k_min − ½, ∞) rounded, as PowerLaw draws them; k_min = 10, where
// the approximation's bias is below 0.02), for two exponents,
// and its NaN cases.
func TestPowerLawExponentEstimator(t *testing.T) {
	for _, g := range []float64{2.5, 3.2} {
		const n, kmin = 100000, 10
		deg := make([]int, n)
		for j := range deg {
			x := (kmin - 0.5) * math.Pow(1-(float64(j)+0.5)/n, -1/(g-1))
			deg[j] = int(math.Floor(x + 0.5))
		}
		if got := PowerLawExponent(deg, kmin); math.Abs(got-g) > 0.03 {
			t.Errorf("exponent %.4f of a k^−%v table", got, g)
		}
	}
	if g := PowerLawExponent([]int{5, 6, 9}, 0); !math.IsNaN(g) {
		t.Errorf("kmin 0 gave %v, want NaN", g)
	}
	if g := PowerLawExponent([]int{3}, 1); !math.IsNaN(g) {
		t.Errorf("one value gave %v, want NaN", g)
	}
}

// TestPowerLawInvalid checks that each bad field gets an error naming it.
func TestPowerLawInvalid(t *testing.T) {
	for field, mod := range map[string]func(*PowerLawConfig){
		"Users":        func(c *PowerLawConfig) { c.Users = 0 },
		"Items":        func(c *PowerLawConfig) { c.Items = -1 },
		"UserExponent": func(c *PowerLawConfig) { c.UserExponent = 1 },
		"ItemExponent": func(c *PowerLawConfig) { c.ItemExponent = math.NaN() },
		"MinPerUser":   func(c *PowerLawConfig) { c.MinPerUser = 0 },
		"MaxPerUser":   func(c *PowerLawConfig) { c.MaxPerUser = 5 },
	} {
		c := DefaultPowerLaw(100, 100)
		mod(&c)
		_, err := PowerLaw(c)
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v, want one naming %s", field, err, field)
		}
	}
}

// BenchmarkPowerLaw generates data sets of growing size (the largest the
// scale table's, 10⁶ users × 5·10⁵ items, about 3·10⁷ interactions) and
// reports the interactions and the bytes allocated per op.
func BenchmarkPowerLaw(b *testing.B) {
	for _, sz := range []struct {
		name         string
		users, items int
	}{{"30k×40k", 30000, 40000}, {"300k×150k", 300000, 150000}, {"1M×500k", 1000000, 500000}} {
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			var nnz int
			for n := 0; n < b.N; n++ {
				x, err := PowerLaw(DefaultPowerLaw(sz.users, sz.items))
				if err != nil {
					b.Fatal(err)
				}
				nnz = x.NNZ()
			}
			b.ReportMetric(float64(nnz), "interactions")
		})
	}
}
