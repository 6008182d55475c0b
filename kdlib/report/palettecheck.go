package report

// The palette's rules, checked on the style table as the registries make
// it. Each method and model kind declares its own figure style in its
// registration (distill.Method.Figure, model.Kind.Figure), so no single
// table keeps the palette coherent by being written in one place:
// CheckPalette does, and the tests of report (and of any package that
// registers a method, such as examples/scorematch) call it.

import (
	"fmt"
	"image/color"
	"math"
	"reflect"
	"slices"
)

// Thresholds of the colour rules, in CIELAB units (ΔE76 and L*).
const (
	// minDeltaE is the least colour difference between any two entries
	// of the table (about ten times a just-noticeable difference).
	minDeltaE = 8
	// minDeltaEGroup is the least colour difference between two entries
	// shown together (one group plus the references).
	minDeltaEGroup = 20
	// minDeltaL is the least lightness difference between two entries
	// with the same marker and dashes: what tells them apart in greyscale.
	minDeltaL = 15
	// minDeltaECVD is the least colour difference within a group as seen
	// with deuteranopia or protanopia (simulated); markers and dashes do
	// the rest.
	minDeltaECVD = 5
)

// CheckPalette returns the rules of the palette that the style table
// (MethodStyles, as the registries declare it now) breaks, each naming the
// entries and where they are declared:
//
//   - every declared entry has a name, a group, a colour and a marker, and
//     its colour is from one of the colour-blind-safe Palettes and not one
//     of the fallback colours (kept for names without a style);
//   - no spelling (key, name, short name, alias) selects two entries;
//   - any two entries differ by at least 8 ΔE, and two with the same
//     marker and dashes differ by at least 15 in lightness L*, so that
//     they stay apart in greyscale print;
//   - within each group, plus the references, colours differ by at least
//     20 ΔE (and 5 ΔE as seen with deuteranopia or protanopia, simulated)
//     and markers are distinct;
//   - the references are dashed, each in its own pattern.
//
// Fallback entries (registrations without a figure style, Unstyled) are
// left out: their colours are the fallback's.
func CheckPalette() []StyleIssue {
	t := currentTable()
	return checkPalette(t.entries, t.clashes)
}

// describe names an entry and where its style is declared.
func describe(m *MethodStyle) string {
	switch m.Source {
	case SourceMethod:
		return fmt.Sprintf("method %s (distill.Method.Figure)", m.Key)
	case SourceModel:
		return fmt.Sprintf("model kind %s (model.Kind.Figure)", m.Key)
	}
	return fmt.Sprintf("role %s", m.Key)
}

// checkPalette checks the rules of CheckPalette on entries; clashes are
// the spellings two entries claim.
func checkPalette(entries []MethodStyle, clashes []string) []StyleIssue {
	var out []StyleIssue
	add := func(format string, args ...any) {
		out = append(out, StyleIssue{Rule: RulePalette, Msg: fmt.Sprintf(format, args...)})
	}
	for _, c := range clashes {
		add("%s: a spelling selects one entry", c)
	}
	inPalette := map[color.RGBA]bool{}
	for _, p := range Palettes() {
		for _, c := range p {
			inPalette[c] = true
		}
	}
	var ms []*MethodStyle
	keys := map[string]bool{}
	for k := range entries {
		m := &entries[k]
		if keys[m.Key] {
			add("%s: two entries with key %q", describe(m), m.Key)
		}
		keys[m.Key] = true
		if m.Fallback {
			continue
		}
		if m.Name == "" || len(m.Groups) == 0 || m.Style.Color == nil || m.Style.Glyph == nil {
			add("%s: incomplete style (name %q, groups %v, colour %v, marker %T)", describe(m), m.Name, m.Groups, m.Style.Color, m.Style.Glyph)
			continue
		}
		c := rgba(m.Style.Color)
		switch {
		case slices.Contains(fallback, c):
			add("%s: colour %s is a fallback colour, kept for names without a style", describe(m), colourKey(m.Style))
		case !inPalette[c]:
			add("%s: colour %s is not from a colour-blind-safe palette (report.Palettes)", describe(m), colourKey(m.Style))
		}
		ms = append(ms, m)
	}
	for i, a := range ms {
		for _, b := range ms[i+1:] {
			if d := deltaE(a.Style.Color, b.Style.Color, ""); d < minDeltaE {
				add("%s and %s: colours %.1f ΔE apart, want ≥ %d", describe(a), describe(b), d, minDeltaE)
			}
			dl := math.Abs(lab(a.Style.Color, "")[0] - lab(b.Style.Color, "")[0])
			if sameLook(a.Style, b.Style) && dl < minDeltaL {
				add("%s and %s: same marker and dashes and only %.1f L* apart, want ≥ %d (greyscale)", describe(a), describe(b), dl, minDeltaL)
			}
		}
	}
	var groups []string
	for _, m := range ms {
		for _, g := range m.Groups {
			if g != GroupReference && !slices.Contains(groups, g) {
				groups = append(groups, g)
			}
		}
	}
	slices.Sort(groups)
	for _, g := range groups {
		var members []*MethodStyle
		for _, m := range ms {
			if m.in(g) || m.in(GroupReference) {
				members = append(members, m)
			}
		}
		for i, a := range members {
			for _, b := range members[i+1:] {
				if d := deltaE(a.Style.Color, b.Style.Color, ""); d < minDeltaEGroup {
					add("group %s: %s and %s %.1f ΔE apart, want ≥ %d", g, describe(a), describe(b), d, minDeltaEGroup)
				}
				for _, cvd := range []string{"deutan", "protan"} {
					if d := deltaE(a.Style.Color, b.Style.Color, cvd); d < minDeltaECVD {
						add("group %s, %s: %s and %s %.1f ΔE apart, want ≥ %d", g, cvd, describe(a), describe(b), d, minDeltaECVD)
					}
				}
				if reflect.TypeOf(a.Style.Glyph) == reflect.TypeOf(b.Style.Glyph) {
					add("group %s: %s and %s share the marker %T", g, describe(a), describe(b), a.Style.Glyph)
				}
			}
		}
	}
	// The references are drawn without markers in line figures: dashes
	// tell them apart.
	var refs []*MethodStyle
	for _, m := range ms {
		if m.in(GroupReference) {
			refs = append(refs, m)
		}
	}
	for i, a := range refs {
		if a.Style.Dashes == nil {
			add("%s: a reference line must be dashed", describe(a))
		}
		for _, b := range refs[i+1:] {
			if reflect.DeepEqual(a.Style.Dashes, b.Style.Dashes) {
				add("%s and %s: references with the same dashes", describe(a), describe(b))
			}
		}
	}
	return out
}

// sameLook reports whether two styles have the same marker and dashes.
func sameLook(a, b Style) bool {
	return reflect.TypeOf(a.Glyph) == reflect.TypeOf(b.Glyph) && reflect.DeepEqual(a.Dashes, b.Dashes)
}

// linear converts an sRGB channel to linear light.
func linear(c uint8) float64 {
	v := float64(c) / 255
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// labOfLinear returns the CIELAB coordinates (D65) of linear RGB.
func labOfLinear(r, g, b float64) [3]float64 {
	x := (0.4124*r + 0.3576*g + 0.1805*b) / 0.95047
	y := 0.2126*r + 0.7152*g + 0.0722*b
	z := (0.0193*r + 0.1192*g + 0.9505*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return [3]float64{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

// cvdMatrix holds the simulation matrices of Machado, Oliveira and
// Fernandes (2009) at full severity, on linear RGB.
var cvdMatrix = map[string][3][3]float64{
	"deutan": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
	"protan": {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
}

// lab returns the CIELAB coordinates of c as a reader with normal colour
// vision sees it, or with the deficiency cvd ("deutan", "protan"; the
// simulation of Machado, Oliveira and Fernandes 2009 at full severity).
func lab(c color.Color, cvd string) [3]float64 {
	k := rgba(c)
	r, g, b := linear(k.R), linear(k.G), linear(k.B)
	if mm, ok := cvdMatrix[cvd]; ok {
		clamp := func(v float64) float64 { return math.Max(0, math.Min(1, v)) }
		r, g, b = clamp(mm[0][0]*r+mm[0][1]*g+mm[0][2]*b), clamp(mm[1][0]*r+mm[1][1]*g+mm[1][2]*b), clamp(mm[2][0]*r+mm[2][1]*g+mm[2][2]*b)
	}
	return labOfLinear(r, g, b)
}

// deltaE is the CIE76 colour difference of a and b, as seen with the
// deficiency cvd ("" for normal vision).
func deltaE(a, b color.Color, cvd string) float64 {
	p, q := lab(a, cvd), lab(b, cvd)
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}
