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
	// Dashes is the line's dash pattern (nil: solid). The teacher and the
	// student are dashed (and dash-dotted), the simple baselines (Hint,
	// Pop) dotted; dashed series are hatched in bar figures.
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

// The colour-blind-safe qualitative palettes the method colours are taken
// from. Each is designed so its colours stay apart for readers with the
// common colour-vision deficiencies; the method table (MethodStyles) adds
// a distinct marker and dash pattern per method so that lines also stay
// apart in greyscale print.
var (
	// OkabeIto is the palette of Okabe and Ito (2008), "Color Universal
	// Design": black, orange, sky blue, bluish green, yellow, blue,
	// vermillion, reddish purple. The ranking-distillation methods use it.
	OkabeIto = []color.RGBA{
		hex("#000000"), hex("#E69F00"), hex("#56B4E9"), hex("#009E73"),
		hex("#F0E442"), hex("#0072B2"), hex("#D55E00"), hex("#CC79A7"),
	}
	// TolMuted is Paul Tol's muted qualitative scheme: indigo, cyan, teal,
	// green, olive, sand, rose, wine, purple. The latent-distillation
	// methods use it.
	TolMuted = []color.RGBA{
		hex("#332288"), hex("#88CCEE"), hex("#44AA99"), hex("#117733"), hex("#999933"),
		hex("#DDCC77"), hex("#CC6677"), hex("#882255"), hex("#AA4499"),
	}
	// TolBright is Paul Tol's bright qualitative scheme: blue, cyan, green,
	// yellow, red, purple, grey. The model kinds use it.
	TolBright = []color.RGBA{
		hex("#4477AA"), hex("#66CCEE"), hex("#228833"), hex("#CCBB44"),
		hex("#EE6677"), hex("#AA3377"), hex("#BBBBBB"),
	}
	// TolVibrant is Paul Tol's vibrant qualitative scheme: orange, blue,
	// cyan, magenta, red, teal, grey.
	TolVibrant = []color.RGBA{
		hex("#EE7733"), hex("#0077BB"), hex("#33BBEE"), hex("#EE3377"),
		hex("#CC3311"), hex("#009988"), hex("#BBBBBB"),
	}
	// TolHighContrast is Paul Tol's high-contrast scheme: blue, yellow,
	// red (legible in greyscale as dark, light and mid grey).
	TolHighContrast = []color.RGBA{hex("#004488"), hex("#DDAA33"), hex("#BB5566")}
	// Neutral holds the greys of the reference lines: black, mid grey,
	// light grey. Having no hue, they look the same to every reader.
	Neutral = []color.RGBA{hex("#000000"), hex("#7F7F7F"), hex("#BBBBBB")}
)

// Palettes lists every palette a method colour may come from (the test
// of the style checks each MethodStyles entry against it).
func Palettes() map[string][]color.RGBA {
	return map[string][]color.RGBA{
		"Okabe–Ito": OkabeIto, "Tol muted": TolMuted, "Tol bright": TolBright,
		"Tol vibrant": TolVibrant, "Tol high-contrast": TolHighContrast, "neutral": Neutral,
	}
}

var (
	dashed  = []vg.Length{vg.Points(3.5), vg.Points(1.8)}
	dashDot = []vg.Length{vg.Points(3.5), vg.Points(1.5), vg.Points(0.8), vg.Points(1.5)}
	dotted  = []vg.Length{vg.Points(0.9), vg.Points(1.3)}
)

// Groups of MethodStyles: which methods a chapter's figures show together.
// Within a group (plus the references) colours and markers are all
// distinct.
const (
	// GroupReference is the teacher and the student without distillation.
	GroupReference = "reference"
	// GroupLatent is the latent-knowledge methods (chapter 1 and 2).
	GroupLatent = "latent"
	// GroupRanking is the ranking-knowledge methods and HetComp (chapters
	// 3 and 4).
	GroupRanking = "ranking"
	// GroupModel is the base recommenders (the model registry's kinds).
	GroupModel = "model"
)

// MethodStyle is one row of the figure style table: the registry name of a
// distillation method, a model kind or a reference role, its human name for
// legends and its fixed Style.
type MethodStyle struct {
	// Key is the name in kdlib/distill's method registry ("ir-rrd"), in
	// kdlib/model's kind registry ("bpr"), or the role "teacher" or
	// "student".
	Key string
	// Name is the name printed in legends and tables: "IR-RRD", "BPR-MF",
	// "teacher".
	Name string
	// Short is the name used before a role word, as in "BPR teacher
	// (d=200)"; empty means Name.
	Short string
	// Groups lists the groups whose figures show the entry (GroupLatent,
	// …).
	Groups []string
	// Aliases are other spellings that select the entry: "fitnet" for
	// Hint, "MF" for BPR-MF (HetComp's teacher names), "w/o KD" for the
	// student.
	Aliases []string
	// Style is the colour, marker and dash pattern.
	Style Style
}

// short returns Short, or Name when Short is empty.
func (m *MethodStyle) short() string {
	if m.Short != "" {
		return m.Short
	}
	return m.Name
}

// in reports whether m is in group g.
func (m *MethodStyle) in(g string) bool {
	for _, h := range m.Groups {
		if h == g {
			return true
		}
	}
	return false
}

// MethodStyles is the figure style table: one entry per distillation method
// of kdlib/distill's registry, per model kind of kdlib/model's registry and
// per reference role. A method keeps its colour, marker and dashes in every
// figure: the ranking methods take Okabe–Ito's colours, the latent methods
// Tol's muted ones, the model kinds Tol's bright ones, the references black
// and grey. Markers are distinct within each group, and any two entries
// with the same marker and dashes differ in lightness by at least 15 CIE L*
// units, so every line can be told apart in greyscale print. Styles is
// built from it; change neither after initialisation.
var MethodStyles = []MethodStyle{
	// References.
	{Key: "teacher", Name: "teacher", Groups: []string{GroupReference},
		Style: Style{Color: hex("#000000"), Glyph: draw.BoxGlyph{}, Dashes: dashed}},
	{Key: "student", Name: "student", Groups: []string{GroupReference}, Aliases: []string{"w/o KD"},
		Style: Style{Color: hex("#7F7F7F"), Glyph: draw.RingGlyph{}, Dashes: dashDot}},

	// Latent knowledge: Tol muted.
	{Key: "hint", Name: "Hint", Groups: []string{GroupLatent}, Aliases: []string{"fitnet"},
		Style: Style{Color: hex("#999933"), Glyph: draw.PyramidGlyph{}, Dashes: dotted}},
	{Key: "de", Name: "DE", Groups: []string{GroupLatent},
		Style: Style{Color: hex("#332288"), Glyph: draw.PlusGlyph{}}},
	{Key: "phr", Name: "PHR", Groups: []string{GroupLatent},
		Style: Style{Color: hex("#44AA99"), Glyph: DownTriangleGlyph{}}},
	{Key: "ftd", Name: "FTD", Groups: []string{GroupLatent},
		Style: Style{Color: hex("#AA4499"), Glyph: OpenDiamondGlyph{}}},
	{Key: "htd", Name: "HTD", Groups: []string{GroupLatent},
		Style: Style{Color: hex("#117733"), Glyph: draw.TriangleGlyph{}}},

	// Ranking knowledge: Okabe–Ito (DE-RRD, which joins DE and RRD, and
	// HetComp take dark Tol colours that read apart from them).
	{Key: "rd", Name: "RD", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#E69F00"), Glyph: draw.CrossGlyph{}}},
	{Key: "cd", Name: "CD", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#56B4E9"), Glyph: draw.PlusGlyph{}}},
	{Key: "rrd", Name: "RRD", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#0072B2"), Glyph: DownTriangleGlyph{}}},
	{Key: "ir-rrd", Name: "IR-RRD", Groups: []string{GroupRanking}, Aliases: []string{"ir"},
		Style: Style{Color: hex("#D55E00"), Glyph: draw.CircleGlyph{}}},
	{Key: "dcd", Name: "DCD", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#009E73"), Glyph: DiamondGlyph{}}},
	{Key: "cl-drd", Name: "CL-DRD", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#CC79A7"), Glyph: draw.PyramidGlyph{}}},
	{Key: "de-rrd", Name: "DE-RRD", Groups: []string{GroupLatent, GroupRanking},
		Style: Style{Color: hex("#004488"), Glyph: DownPyramidGlyph{}}},
	{Key: "hetcomp", Name: "HetComp", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#882255"), Glyph: draw.SquareGlyph{}}},
	// MTD, HetComp's multi-teacher baseline (a ranking method): Tol's sand.
	{Key: "mtd", Name: "MTD", Groups: []string{GroupRanking},
		Style: Style{Color: hex("#DDCC77"), Glyph: draw.TriangleGlyph{}}},

	// Model kinds: Tol bright (and vibrant orange for NeuMF). The aliases
	// are the dissertation's names of HetComp's teachers.
	{Key: "bpr", Name: "BPR-MF", Short: "BPR", Groups: []string{GroupModel}, Aliases: []string{"MF", "BPRMF"},
		Style: Style{Color: hex("#4477AA"), Glyph: draw.PlusGlyph{}}},
	{Key: "neumf", Name: "NeuMF", Groups: []string{GroupModel},
		Style: Style{Color: hex("#EE7733"), Glyph: draw.TriangleGlyph{}}},
	{Key: "cml", Name: "CML", Groups: []string{GroupModel}, Aliases: []string{"ML"},
		Style: Style{Color: hex("#AA3377"), Glyph: draw.PyramidGlyph{}}},
	{Key: "mlp", Name: "MLP", Groups: []string{GroupModel}, Aliases: []string{"DL"},
		Style: Style{Color: hex("#CCBB44"), Glyph: draw.CircleGlyph{}}},
	{Key: "lightgcn", Name: "LightGCN", Groups: []string{GroupModel}, Aliases: []string{"GNN"},
		Style: Style{Color: hex("#228833"), Glyph: draw.CrossGlyph{}}},
	{Key: "cdae", Name: "CDAE", Groups: []string{GroupModel}, Aliases: []string{"AE"},
		Style: Style{Color: hex("#66CCEE"), Glyph: draw.SquareGlyph{}}},
	{Key: "iae", Name: "I-AE", Groups: []string{GroupModel}, Aliases: []string{"item-ae"},
		Style: Style{Color: hex("#EE6677"), Glyph: DownPyramidGlyph{}}},
	{Key: "pop", Name: "Pop", Groups: []string{GroupModel}, Aliases: []string{"popularity", "MostPop"},
		Style: Style{Color: hex("#BBBBBB"), Glyph: DiamondGlyph{}, Dashes: dotted}},
}

// Styles is the method palette, keyed by the normalised registry name
// (letters and digits of MethodStyles' keys: "irrrd", "cldrd", "teacher") and by the
// aliases. It is built from MethodStyles; entries added at initialisation
// give further names a fixed style (the map is not locked).
var Styles = map[string]Style{}

// methodIndex maps normalised keys, names and aliases to MethodStyles.
var methodIndex = map[string]*MethodStyle{}

func init() {
	for k := range MethodStyles {
		m := &MethodStyles[k]
		Styles[norm(m.Key)] = m.Style
		for _, a := range m.Aliases {
			Styles[norm(a)] = m.Style
		}
		for _, n := range append([]string{m.Key, m.Name, m.Short}, m.Aliases...) {
			if n != "" {
				methodIndex[norm(n)] = m
			}
		}
	}
}

// fallback is the palette of series whose name is not in the table: Tol's
// colours that no method uses, so an unknown series never looks like a
// known method.
var fallback = []color.RGBA{
	hex("#0077BB"), hex("#EE3377"), hex("#009988"), hex("#997700"), hex("#33BBEE"),
	hex("#CC3311"), hex("#994455"), hex("#44BB99"), hex("#DDAA33"), hex("#6699CC"),
	hex("#AAAA00"), hex("#EE8866"),
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.PyramidGlyph{}, draw.RingGlyph{},
	draw.BoxGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
	DiamondGlyph{}, OpenDiamondGlyph{}, DownPyramidGlyph{}, DownTriangleGlyph{},
}

// norm lower-cases s and keeps letters and digits only: "IR-RRD",
// "ir_rrd" and "irrrd" are all "irrrd".
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MethodKey returns the palette key of a series name: its first word
// (up to a space, '(' or ','), lower-cased, letters and digits only. So
// "IR-RRD", "ir_rrd" and "IR-RRD (ours)" are all "irrrd", "Student d=20" is
// "student", "HetComp" is "hetcomp". StyleFor looks further (LookupMethod);
// MethodKey is the key of entries added to Styles by hand.
func MethodKey(name string) string {
	if i := strings.IndexAny(name, " (,\t"); i >= 0 {
		name = name[:i]
	}
	return norm(name)
}

// words splits a series name into words at spaces, parentheses, commas
// and semicolons.
func words(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("(),;", r)
	})
}

// rank orders the kinds of entries when a name mentions several: the
// distillation method decides ("RRD student" is drawn as RRD), then the
// role ("BPR teacher" is drawn as the teacher), then the model kind.
func rank(m *MethodStyle) int {
	switch {
	case m.in(GroupReference):
		return 1
	case m.in(GroupModel):
		return 2
	}
	return 0
}

// LookupMethod returns the table entry a series name refers to: the whole
// name if it is a key, name or alias ("IR-RRD", "w/o KD"), else the
// highest-ranked word that is one (method before role before model kind:
// "teacher bpr d=200" and "BPR teacher (d=200)" are the teacher, "RRD
// student" is RRD, "BPR-MF (d=20)" is BPR-MF). Words of the form k=v are
// parameters and never match.
func LookupMethod(name string) (MethodStyle, bool) {
	m := lookupMethod(name)
	if m == nil {
		return MethodStyle{}, false
	}
	return *m, true
}

func lookupMethod(name string) *MethodStyle {
	if m, ok := methodIndex[norm(name)]; ok {
		return m
	}
	var best *MethodStyle
	for _, w := range words(name) {
		if strings.Contains(w, "=") {
			continue
		}
		if m, ok := methodIndex[norm(w)]; ok && (best == nil || rank(m) < rank(best)) {
			best = m
		}
	}
	return best
}

// StyleFor returns the style of a series name: the Styles entry of the
// method it names (LookupMethod), else the Styles entry of its MethodKey,
// else a fallback colour and marker chosen by a hash of the name (stable
// across figures and runs). Within one Figure, series that would share a
// colour are given distinct fallback colours.
func StyleFor(name string) Style {
	if st, ok := lookupStyle(name); ok {
		return st
	}
	return fallbackStyle(name, nil, -1)
}

func lookupStyle(name string) (Style, bool) {
	if m := lookupMethod(name); m != nil {
		if st, ok := Styles[norm(m.Key)]; ok {
			return st, true
		}
		return m.Style, true
	}
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
// are ordered, such as student sizes. The scale runs from light to dark,
// so it also reads in greyscale.
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
