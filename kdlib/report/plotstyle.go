package report

import (
	"hash/fnv"
	"image/color"
	"math"
	"strings"
	"unicode"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Style is how one method is drawn: the same colour, marker and dashes in
// every figure.
type Style struct {
	// Color draws the line, markers and bars.
	Color color.Color
	// Glyph is the marker shape.
	Glyph draw.GlyphDrawer
	// Dashes is the line's dash pattern (nil: solid). Reference lines
	// (teacher, student without distillation) are dashed; dashed series
	// are hatched in bar figures.
	Dashes []vg.Length
}

func hex(s string) color.RGBA {
	var v [3]uint8
	for k := range v {
		n := 0
		for _, c := range s[1+2*k : 3+2*k] {
			n *= 16
			switch {
			case c >= '0' && c <= '9':
				n += int(c - '0')
			case c >= 'a' && c <= 'f':
				n += int(c-'a') + 10
			case c >= 'A' && c <= 'F':
				n += int(c-'A') + 10
			}
		}
		v[k] = uint8(n)
	}
	return color.RGBA{R: v[0], G: v[1], B: v[2], A: 0xff}
}

var (
	dashed = []vg.Length{vg.Points(3), vg.Points(1.5)}
	dotted = []vg.Length{vg.Points(1), vg.Points(1.2)}
)

// Styles is the method palette, keyed by MethodKey: the reference models
// in black and grey, the dissertation's methods in colour-blind-safe hues
// (Okabe–Ito and Tol), each with its own marker. Set entries at
// initialisation only (the map is not locked).
var Styles = map[string]Style{
	"teacher": {Color: color.RGBA{A: 0xff}, Glyph: draw.BoxGlyph{}, Dashes: dashed},
	"student": {Color: hex("#7f7f7f"), Glyph: draw.RingGlyph{}, Dashes: dashed},
	"bpr":     {Color: hex("#7f7f7f"), Glyph: draw.RingGlyph{}},
	"hint":    {Color: hex("#999933"), Glyph: draw.CrossGlyph{}, Dashes: dotted},
	"fitnet":  {Color: hex("#999933"), Glyph: draw.CrossGlyph{}, Dashes: dotted},
	"de":      {Color: hex("#0072b2"), Glyph: draw.PyramidGlyph{}},
	"phr":     {Color: hex("#56b4e9"), Glyph: draw.TriangleGlyph{}},
	"ftd":     {Color: hex("#009e73"), Glyph: draw.SquareGlyph{}},
	"htd":     {Color: hex("#117733"), Glyph: draw.BoxGlyph{}},
	"rd":      {Color: hex("#e69f00"), Glyph: draw.CrossGlyph{}},
	"cd":      {Color: hex("#d55e00"), Glyph: draw.PlusGlyph{}},
	"rrd":     {Color: hex("#cc79a7"), Glyph: draw.RingGlyph{}},
	"irrrd":   {Color: hex("#882255"), Glyph: draw.CircleGlyph{}},
	"dcd":     {Color: hex("#aa4499"), Glyph: draw.TriangleGlyph{}},
	"hetcomp": {Color: hex("#cc3311"), Glyph: draw.PyramidGlyph{}},
	"mtd":     {Color: hex("#44aa99"), Glyph: draw.SquareGlyph{}},
	"cldrd":   {Color: hex("#ddaa33"), Glyph: draw.PlusGlyph{}},
}

// fallback is the palette of series whose name is not in Styles (Tol's
// bright and vibrant schemes, minus the hues used above).
var fallback = []color.RGBA{
	hex("#4477aa"), hex("#ee6677"), hex("#228833"), hex("#ccbb44"), hex("#66ccee"),
	hex("#aa3377"), hex("#ee7733"), hex("#0077bb"), hex("#33bbee"), hex("#009988"),
	hex("#ee3377"), hex("#bbbbbb"),
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{},
	draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
}

// MethodKey returns the palette key of a series name: its first word
// (up to a space, '(' or ','), lower-cased, letters and digits only. So
// "IR-RRD", "ir_rrd" and "IR-RRD (ours)" are all "irrrd", "Student d=20" is
// "student", "HetComp" is "hetcomp".
func MethodKey(name string) string {
	if i := strings.IndexAny(name, " (,\t"); i >= 0 {
		name = name[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// StyleFor returns the style of a method name: its Styles entry, or a
// fallback colour and marker chosen by a hash of the name (stable across
// figures and runs). Within one Figure, series that would share a colour
// are given distinct fallback colours.
func StyleFor(name string) Style {
	if st, ok := lookupStyle(name); ok {
		return st
	}
	return fallbackStyle(name, nil, -1)
}

func lookupStyle(name string) (Style, bool) {
	st, ok := Styles[MethodKey(name)]
	return st, ok
}

// fallbackStyle picks a fallback colour by hashing name, probing past the
// colours in used; the marker is the k-th (or hashed when k < 0).
func fallbackStyle(name string, used map[color.RGBA]bool, k int) Style {
	h := fnv.New32a()
	h.Write([]byte(name))
	start := int(h.Sum32() % uint32(len(fallback)))
	c := fallback[start]
	for i := range fallback {
		if cand := fallback[(start+i)%len(fallback)]; !used[cand] {
			c = cand
			break
		}
	}
	if k < 0 {
		k = int(h.Sum32() / uint32(len(fallback)))
	}
	return Style{Color: c, Glyph: glyphs[k%len(glyphs)]}
}

// Ramp returns the k-th of n styles on a sequential colour scale (light
// to dark blue-green, viridis-like) with distinct markers: for series that
// are ordered, such as student sizes.
func Ramp(k, n int) Style {
	stops := []color.RGBA{hex("#b5de2b"), hex("#35b779"), hex("#1f9e89"), hex("#31688e"), hex("#443983"), hex("#440154")}
	t := 1.0
	if n > 1 {
		t = float64(k) / float64(n-1)
	}
	t = math.Max(0, math.Min(1, t))
	pos := t * float64(len(stops)-1)
	i := min(int(pos), len(stops)-2)
	f := pos - float64(i)
	a, b := stops[i], stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return Style{
		Color: color.RGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 0xff},
		Glyph: glyphs[k%len(glyphs)],
	}
}

func rgba(c color.Color) color.RGBA {
	if c == nil {
		return color.RGBA{}
	}
	r, g, b, a := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}
