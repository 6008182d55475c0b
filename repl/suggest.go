package repl

import (
	"fmt"
	"github.com/kdrec/kdrec/internal/textdist"
	"slices"
	"strings"
)

// nearest returns up to three of names closest to s by edit distance (or
// having s as a prefix), nearest first; names too far away are left out.
func nearest(s string, names []string) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	key := strings.ToLower(s)
	limit := max(2, len(key)/3)
	for _, n := range names {
		d := textdist.Levenshtein(key, strings.ToLower(n))
		if strings.HasPrefix(strings.ToLower(n), key) && key != "" {
			d = min(d, 1)
		}
		if d <= limit {
			cs = append(cs, cand{n, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	out := make([]string, 0, 3)
	for k := 0; k < len(cs) && k < 3; k++ {
		out = append(out, cs[k].name)
	}
	return out
}

// didYouMean returns " (did you mean x?)" or "" when nothing is near.
func didYouMean(s string, names []string) string {
	n := nearest(s, names)
	if len(n) == 0 {
		return ""
	}
	return " (did you mean " + orList(n) + "?)"
}

// orList joins names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// unknownName is the error for a name that is not in a list: what it is,
// the nearest names and the known ones.
func unknownName(what, name string, known []string) error {
	if len(known) == 0 {
		return fmt.Errorf("unknown %s %q: there is none yet", what, name)
	}
	return fmt.Errorf("unknown %s %q%s; known: %s", what, name, didYouMean(name, known), strings.Join(known, ", "))
}
