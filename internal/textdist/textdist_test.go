package textdist

import "testing"

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"trian", "train", 2}, {"ml-100k", "ml-1m", 3}} {
		if got := Levenshtein(c.a, c.b); got != c.d {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := Levenshtein(c.b, c.a); got != c.d {
			t.Errorf("not symmetric for %q, %q", c.a, c.b)
		}
	}
}
