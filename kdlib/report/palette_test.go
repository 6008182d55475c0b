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
	"math"
	"reflect"
	"strings"
	"testing"
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

// lab returns the CIELAB coordinates of c as a reader with normal colour
// vision sees it, or with the deficiency cvd ("deutan", "protan"; the
// simulation of Machado, Oliveira and Fernandes 2009 at full severity).
func lab(c color.Color, cvd string) [3]float64 {
	k := rgba(c)
	r, g, b := linear(k.R), linear(k.G), linear(k.B)
	m := map[string][3][3]float64{
		"deutan": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
		"protan": {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
	}
	if mm, ok := m[cvd]; ok {
		clamp := func(v float64) float64 { return math.Max(0, math.Min(1, v)) }
		r, g, b = clamp(mm[0][0]*r+mm[0][1]*g+mm[0][2]*b), clamp(mm[1][0]*r+mm[1][1]*g+mm[1][2]*b), clamp(mm[2][0]*r+mm[2][1]*g+mm[2][2]*b)
	}
	return labOfLinear(r, g, b)
}

func deltaE(a, b color.Color, cvd string) float64 {
	p, q := lab(a, cvd), lab(b, cvd)
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}

// groupMembers returns the entries of group g plus the references.
func groupMembers(g string) []*MethodStyle {
	var out []*MethodStyle
	for k := range MethodStyles {
		m := &MethodStyles[k]
		if m.in(g) || m.in(GroupReference) {
			out = append(out, m)
		}
	}
	return out
}

// sameLook reports whether two styles have the same marker and dashes.
func sameLook(a, b Style) bool {
	return reflect.TypeOf(a.Glyph) == reflect.TypeOf(b.Glyph) && reflect.DeepEqual(a.Dashes, b.Dashes)
}

func TestEveryMethodHasAFixedPaletteColour(t *testing.T) {
	inPalette := map[color.RGBA]string{}
	for name, p := range Palettes() {
		for _, c := range p {
			inPalette[c] = name
		}
	}
	keys := map[string]bool{}
	for _, m := range MethodStyles {
		if keys[m.Key] {
			t.Errorf("%s: two entries", m.Key)
		}
		keys[m.Key] = true
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
			if strings.HasPrefix(name, "teacher ") && m.in(GroupModel) {
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

func TestColoursDistinctAndReadableInGreyscale(t *testing.T) {
	ms := MethodStyles
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			a, b := &ms[i], &ms[j]
			if d := deltaE(a.Style.Color, b.Style.Color, ""); d < minDeltaE {
				t.Errorf("%s and %s: colours %.1f ΔE apart, want ≥ %d", a.Key, b.Key, d, minDeltaE)
			}
			// Greyscale: lightness tells them apart, or markers and
			// dashes do.
			dl := math.Abs(lab(a.Style.Color, "")[0] - lab(b.Style.Color, "")[0])
			if sameLook(a.Style, b.Style) && dl < minDeltaL {
				t.Errorf("%s and %s: same marker and dashes and only %.1f L* apart (want ≥ %d)", a.Key, b.Key, dl, minDeltaL)
			}
		}
	}
	for _, g := range []string{GroupLatent, GroupRanking, GroupModel} {
		members := groupMembers(g)
		for i, a := range members {
			for _, b := range members[i+1:] {
				if d := deltaE(a.Style.Color, b.Style.Color, ""); d < minDeltaEGroup {
					t.Errorf("group %s: %s and %s %.1f ΔE apart, want ≥ %d", g, a.Key, b.Key, d, minDeltaEGroup)
				}
				for _, cvd := range []string{"deutan", "protan"} {
					if d := deltaE(a.Style.Color, b.Style.Color, cvd); d < minDeltaECVD {
						t.Errorf("group %s, %s: %s and %s %.1f ΔE apart, want ≥ %d", g, cvd, a.Key, b.Key, d, minDeltaECVD)
					}
				}
				if reflect.TypeOf(a.Style.Glyph) == reflect.TypeOf(b.Style.Glyph) {
					t.Errorf("group %s: %s and %s share a marker", g, a.Key, b.Key)
				}
			}
		}
	}
	// The references differ in dashes as well as in lightness: they are
	// drawn without markers.
	te, st := StyleFor("teacher"), StyleFor("student")
	if te.Dashes == nil || st.Dashes == nil || reflect.DeepEqual(te.Dashes, st.Dashes) {
		t.Errorf("teacher and student dashes %v, %v: want two different patterns", te.Dashes, st.Dashes)
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
	for _, m := range MethodStyles {
		t.Logf("%-9s %-9s %v L*=%4.1f %T %v", m.Key, m.Name, rgba(m.Style.Color), lab(m.Style.Color, "")[0], m.Style.Glyph, fmt.Sprint(m.Style.Dashes))
	}
}
