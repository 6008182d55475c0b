package report

// The palette rules of the paper style that a program can check: every
// method has a fixed colour from a colour-blind-safe palette, drawn the
// same in every figure; colours are distinct, and lines stay apart in
// greyscale (lightness, or marker and dashes) and for readers with
// deuteranopia or protanopia (simulated); human names come from one
// mapping.

import (
	"fmt"
	"image/color"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// groupMembers returns the declared entries of group g plus the
// references.
func groupMembers(g string) []MethodStyle {
	var out []MethodStyle
	for _, m := range MethodStyles() {
		if !m.Fallback && (m.in(g) || m.in(GroupReference)) {
			out = append(out, m)
		}
	}
	return out
}

func TestEveryMethodHasAFixedPaletteColour(t *testing.T) {
	inPalette := map[color.RGBA]string{}
	for name, p := range Palettes() {
		for _, c := range p {
			inPalette[c] = name
		}
	}
	keys := map[string]bool{}
	for _, m := range MethodStyles() {
		if keys[m.Key] {
			t.Errorf("%s: two entries", m.Key)
		}
		keys[m.Key] = true
		if m.Fallback {
			continue // registered without a style (TestUnstyledFallback)
		}
		if m.Name == "" || len(m.Groups) == 0 || m.Style.Color == nil || m.Style.Glyph == nil {
			t.Errorf("%s: incomplete entry %+v", m.Key, m)
			continue
		}
		if _, ok := inPalette[rgba(m.Style.Color)]; !ok {
			t.Errorf("%s: colour %v is not from a colour-blind-safe palette", m.Key, rgba(m.Style.Color))
		}
		// Every spelling selects the entry's style.
		names := append([]string{m.Key, m.Name, m.Name + " (ours)"}, m.Aliases...)
		if !m.in(GroupReference) {
			names = append(names, "teacher "+m.Key+" d=20")
		}
		for _, name := range names {
			got, ok := LookupMethod(name)
			if strings.HasPrefix(name, "teacher ") && m.Source == SourceModel {
				if !ok || got.Key != "teacher" {
					t.Errorf("%q: looked up as %q, want the teacher", name, got.Key)
				}
				continue
			}
			if !ok || got.Key != m.Key {
				t.Errorf("%q: looked up as %q, want %q", name, got.Key, m.Key)
			}
			if st := StyleFor(name); rgba(st.Color) != rgba(m.Style.Color) || !sameLook(st, m.Style) {
				t.Errorf("%q: StyleFor differs from the table's %s", name, m.Key)
			}
		}
	}
	// The same method is drawn alike in different figures, whatever else
	// they show.
	a, b := &Figure{}, &Figure{}
	a.Add("teacher", 0, 1)
	a.Add("RRD", 0, 1)
	b.Add("HetComp", 0, 1)
	b.Add("CL-DRD", 0, 1)
	b.Add("some new method", 0, 1)
	b.Add("rrd", 0, 1)
	sa, sb := a.styles(), b.styles()
	if rgba(sa[1].Color) != rgba(sb[3].Color) || !sameLook(sa[1], sb[3]) {
		t.Errorf("RRD drawn differently in two figures: %+v vs %+v", sa[1], sb[3])
	}
	if fb := rgba(sb[2].Color); fb == rgba(sb[0].Color) || fb == rgba(sb[1].Color) || fb == rgba(sb[3].Color) {
		t.Errorf("an unknown series took a method's colour %v", fb)
	}
}

// TestColoursDistinctAndReadableInGreyscale checks the palette as the
// registrations declare it: CheckPalette finds nothing, and the
// separations it checks hold on the table (the thresholds are the rules').
func TestColoursDistinctAndReadableInGreyscale(t *testing.T) {
	for _, issue := range CheckPalette() {
		t.Error(issue)
	}
	ms := MethodStyles()
	declared := 0
	for _, m := range ms {
		if !m.Fallback {
			declared++
		}
	}
	// 2 roles, 14 methods, 8 model kinds.
	if declared < 24 {
		t.Errorf("only %d declared styles in the table, want ≥ 24", declared)
	}
	// The references differ in dashes as well as in lightness: they are
	// drawn without markers.
	te, st := StyleFor("teacher"), StyleFor("student")
	if te.Dashes == nil || st.Dashes == nil || reflect.DeepEqual(te.Dashes, st.Dashes) {
		t.Errorf("teacher and student dashes %v, %v: want two different patterns", te.Dashes, st.Dashes)
	}
}

// TestCheckPaletteCatches breaks each rule of CheckPalette on a copy of the
// table and expects it to say so, naming the entries.
func TestCheckPaletteCatches(t *testing.T) {
	base := MethodStyles()
	find := func(ms []MethodStyle, key string) *MethodStyle {
		for k := range ms {
			if ms[k].Key == key {
				return &ms[k]
			}
		}
		t.Fatalf("no entry %q", key)
		return nil
	}
	if issues := checkPalette(base, nil); len(issues) > 0 {
		t.Fatalf("the table itself breaks the palette: %v", issues)
	}
	for _, c := range []struct {
		name   string
		change func(ms []MethodStyle) []string
		want   []string
	}{
		{"colour outside the palettes", func(ms []MethodStyle) []string {
			find(ms, "rrd").Style.Color = color.RGBA{R: 0x12, G: 0x34, B: 0x56, A: 0xff}
			return nil
		}, []string{"method rrd (distill.Method.Figure): colour #123456 is not from a colour-blind-safe palette"}},
		{"fallback colour", func(ms []MethodStyle) []string {
			find(ms, "cml").Style.Color = fallback[0]
			return nil
		}, []string{"model kind cml (model.Kind.Figure): colour #0077bb is a fallback colour"}},
		{"two methods of a group in one colour", func(ms []MethodStyle) []string {
			find(ms, "cd").Style.Color = find(ms, "rd").Style.Color
			return nil
		}, []string{"method rd (distill.Method.Figure) and method cd (distill.Method.Figure): colours 0.0 ΔE apart",
			"group ranking: method rd (distill.Method.Figure) and method cd (distill.Method.Figure) 0.0 ΔE apart"}},
		{"a shared marker in a group", func(ms []MethodStyle) []string {
			find(ms, "de").Style.Glyph = find(ms, "phr").Style.Glyph
			return nil
		}, []string{"group latent: method de (distill.Method.Figure) and method phr (distill.Method.Figure) share the marker"}},
		{"same look, close lightness, across groups", func(ms []MethodStyle) []string {
			// MLP (a model kind) takes HTD's marker (a latent method's)
			// and Tol's bright green, a few L* lighter than HTD's green.
			m := find(ms, "mlp")
			m.Style.Glyph, m.Style.Color = find(ms, "htd").Style.Glyph, color.RGBA{R: 0x22, G: 0x88, B: 0x33, A: 0xff}
			return nil
		}, []string{"method htd (distill.Method.Figure) and model kind mlp (model.Kind.Figure): same marker and dashes and only"}},
		{"a reference without dashes", func(ms []MethodStyle) []string {
			find(ms, "student").Style.Dashes = nil
			return nil
		}, []string{"role student: a reference line must be dashed"}},
		{"references with the same dashes", func(ms []MethodStyle) []string {
			find(ms, "student").Style.Dashes = find(ms, "teacher").Style.Dashes
			return nil
		}, []string{"role teacher and role student: references with the same dashes"}},
		{"incomplete entry", func(ms []MethodStyle) []string {
			find(ms, "pop").Groups = nil
			return nil
		}, []string{"model kind pop (model.Kind.Figure): incomplete style"}},
		{"a spelling of two entries", func(ms []MethodStyle) []string {
			return []string{`"MF" names both bpr and mf2`}
		}, []string{`"MF" names both bpr and mf2: a spelling selects one entry`}},
	} {
		ms := slices.Clone(base)
		for k := range ms {
			ms[k].Groups = slices.Clone(ms[k].Groups)
		}
		clashes := c.change(ms)
		issues := checkPalette(ms, clashes)
		for _, want := range c.want {
			found := false
			for _, i := range issues {
				found = found || (i.Rule == RulePalette && strings.Contains(i.Msg, want))
			}
			if !found {
				t.Errorf("%s: no issue %q among %v", c.name, want, issues)
			}
		}
	}
}

func TestHumanName(t *testing.T) {
	for in, want := range map[string]string{
		"teacher bpr d=200":   "BPR teacher (d=200)",
		"BPR teacher (d=200)": "BPR teacher (d=200)",
		"student d=20":        "student (d=20)",
		"student":             "student",
		"ir-rrd":              "IR-RRD",
		"IR-RRD":              "IR-RRD",
		"bpr":                 "BPR-MF",
		"de M=5 seed=1":       "DE (M=5, seed=1)",
		"hint":                "Hint",
		"cl-drd":              "CL-DRD",
		"iae":                 "I-AE",
		"MF":                  "MF",
		"w/o KD":              "w/o KD",
		"d=10":                "d=10",
		"Recall@50":           "Recall@50",
		"DE (grid)":           "DE (grid)",
		"de rrd":              "de rrd",
		"student bpr":         "BPR student",
	} {
		got := HumanName(in)
		if got != want {
			t.Errorf("HumanName(%q) = %q, want %q", in, got, want)
		}
		if again := HumanName(got); again != got {
			t.Errorf("HumanName not idempotent on %q: %q", got, again)
		}
	}
}

// TestPaletteReport logs the palette's measured separations (go test -v).
func TestPaletteReport(t *testing.T) {
	for _, m := range MethodStyles() {
		t.Logf("%-9s %-9s %v L*=%4.1f %T %v", m.Key, m.Name, rgba(m.Style.Color), lab(m.Style.Color, "")[0], m.Style.Glyph, fmt.Sprint(m.Style.Dashes))
	}
}
