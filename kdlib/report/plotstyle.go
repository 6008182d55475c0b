package report

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
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
// common colour-vision deficiencies; the style table (MethodStyles) adds
// a distinct marker and dash pattern per method so that lines also stay
// apart in greyscale print. A registration's figure style
// (distill.Method.Figure, model.Kind.Figure) takes its colour from one of
// them (CheckPalette).
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

// Palettes lists every palette a method colour may come from
// (CheckPalette checks each MethodStyles entry against it).
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

// Groups of the style table: which entries a chapter's figures show
// together. Within a group (plus the references) colours and markers are
// all distinct (CheckPalette). They are figstyle's groups, which the
// registrations name.
const (
	// GroupReference is the teacher and the student without distillation.
	GroupReference = figstyle.GroupReference
	// GroupLatent is the latent-knowledge methods (chapter 1 and 2).
	GroupLatent = figstyle.GroupLatent
	// GroupRanking is the ranking-knowledge methods and HetComp (chapters
	// 3 and 4).
	GroupRanking = figstyle.GroupRanking
	// GroupModel is the base recommenders (the model registry's kinds).
	GroupModel = figstyle.GroupModel
)

// Source says which registry an entry of the style table comes from.
type Source string

// Sources of MethodStyle entries.
const (
	// SourceRole is one of report's own reference roles, "teacher" and
	// "student".
	SourceRole Source = "role"
	// SourceMethod is kdlib/distill's method registry.
	SourceMethod Source = "method"
	// SourceModel is kdlib/model's kind registry.
	SourceModel Source = "model"
)

// MethodStyle is one row of the figure style table: the registry name of a
// distillation method, a model kind or a reference role, its human name for
// legends and its fixed Style.
type MethodStyle struct {
	// Key is the name in kdlib/distill's method registry ("cl-drd"), in
	// kdlib/model's kind registry ("bpr"), or the role "teacher" or
	// "student".
	Key string
	// Source is the registry Key comes from.
	Source Source
	// Name is the name printed in legends and tables: "IR-RRD", "BPR-MF",
	// "teacher".
	Name string
	// Short is the name used before a role word, as in "BPR teacher
	// (d=200)"; empty means Name.
	Short string
	// Groups lists the groups whose figures show the entry (GroupLatent,
	// …); none for a Fallback entry.
	Groups []string
	// Aliases are other spellings that select the entry: "fitnet" for
	// Hint, "MF" for BPR-MF (HetComp's teacher names), "item-ae" (a model
	// kind's registry alias), "w/o KD" for the student.
	Aliases []string
	// Style is the colour, marker and dash pattern.
	Style Style
	// Fallback marks an entry whose registration declares no figure style
	// (a zero distill.Method.Figure or model.Kind.Figure): Style is the
	// fallback of its Key (a colour hashed from it, of a palette no
	// declared entry uses), Name is Key, and it belongs to no group.
	// Unstyled lists these entries.
	Fallback bool
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
	return slices.Contains(m.Groups, g)
}

// spellings returns the names that select m: its key, name, short name
// and aliases (some may be empty).
func (m *MethodStyle) spellings() []string {
	return append([]string{m.Key, m.Name, m.Short}, m.Aliases...)
}

// roles are the reference roles, which belong to no registry: the teacher
// (black, dashed) and the student without distillation (mid grey,
// dash-dotted), drawn without markers in line figures.
var roles = []struct {
	key string
	fig figstyle.Style
}{
	{"teacher", figstyle.Style{Name: "teacher", Groups: []string{GroupReference},
		Color: "#000000", Marker: figstyle.Box, Dashes: figstyle.Dashed}},
	{"student", figstyle.Style{Name: "student", Groups: []string{GroupReference}, Aliases: []string{"w/o KD"},
		Color: "#7F7F7F", Marker: figstyle.Ring, Dashes: figstyle.DashDot}},
}

// glyphOf maps figstyle's marker names to the glyphs drawn.
var glyphOf = map[string]draw.GlyphDrawer{
	figstyle.Circle: draw.CircleGlyph{}, figstyle.Ring: draw.RingGlyph{},
	figstyle.Box: draw.BoxGlyph{}, figstyle.Square: draw.SquareGlyph{},
	figstyle.Pyramid: draw.PyramidGlyph{}, figstyle.Triangle: draw.TriangleGlyph{},
	figstyle.DownPyramid: DownPyramidGlyph{}, figstyle.DownTriangle: DownTriangleGlyph{},
	figstyle.Diamond: DiamondGlyph{}, figstyle.OpenDiamond: OpenDiamondGlyph{},
	figstyle.Cross: draw.CrossGlyph{}, figstyle.Plus: draw.PlusGlyph{},
}

// dashesOf maps figstyle's dash-pattern names to dash lengths.
var dashesOf = map[string][]vg.Length{
	figstyle.Solid: nil, figstyle.Dashed: dashed, figstyle.DashDot: dashDot, figstyle.Dotted: dotted,
}

// entryOf turns a declared figure style into a table row; extra are
// further aliases (a model kind's registry aliases). The registries have
// checked fig (figstyle.Style.Check).
func entryOf(key string, src Source, fig figstyle.Style, extra []string) MethodStyle {
	rgb, _ := figstyle.ParseColor(fig.Color)
	m := MethodStyle{Key: key, Source: src, Name: fig.Name, Short: fig.Short,
		Groups: slices.Clone(fig.Groups), Aliases: slices.Clone(fig.Aliases),
		Style: Style{Color: color.RGBA{R: rgb[0], G: rgb[1], B: rgb[2], A: 0xff},
			Glyph: glyphOf[fig.Marker], Dashes: dashesOf[fig.Dashes]}}
	for _, a := range extra {
		if a != key && !slices.Contains(m.Aliases, a) {
			m.Aliases = append(m.Aliases, a)
		}
	}
	return m
}

// styleTable is the figure style table at one state of the registries.
type styleTable struct {
	entries []MethodStyle
	// index maps normalised keys, names and aliases to entries.
	index map[string]*MethodStyle
	// clashes says which spellings two entries claim (the first entry in
	// table order keeps them).
	clashes []string
	// methods and kinds are the registries' sizes the table was built at.
	methods, kinds int
}

var (
	tableMu sync.Mutex
	table   *styleTable
)

// currentTable returns the style table of the registries as they are
// now. It is rebuilt when a method or model kind has been registered since
// the last call (the registries only grow), so a method registered by a
// package initialised after report is drawn in its own style too.
func currentTable() *styleTable {
	methods, kinds := distill.Methods(), model.Kinds()
	tableMu.Lock()
	defer tableMu.Unlock()
	if table == nil || table.methods != len(methods) || table.kinds != len(kinds) {
		table = buildTable(methods, kinds)
	}
	return table
}

// buildTable builds the style table: the roles, the methods in listing
// order and the model kinds by name, each from its declared figure style;
// then, with the fallback style, the registered names that declare none
// and are no declared entry's spelling (the method "fitnet" is an alias of
// Hint, "ir" of IR-RRD).
func buildTable(methods []distill.Method, kindNames []string) *styleTable {
	t := &styleTable{index: map[string]*MethodStyle{}, methods: len(methods), kinds: len(kindNames)}
	var unstyled []MethodStyle
	for _, r := range roles {
		t.entries = append(t.entries, entryOf(r.key, SourceRole, r.fig, nil))
	}
	for _, m := range methods {
		if m.Figure.IsZero() {
			unstyled = append(unstyled, MethodStyle{Key: m.Name, Source: SourceMethod})
			continue
		}
		t.entries = append(t.entries, entryOf(m.Name, SourceMethod, m.Figure, nil))
	}
	for _, name := range kindNames {
		k, err := model.LookupKind(name)
		if err != nil {
			continue // not reached: Kinds lists registered names
		}
		if k.Figure.IsZero() {
			unstyled = append(unstyled, MethodStyle{Key: k.Name, Source: SourceModel, Aliases: slices.Clone(k.Aliases)})
			continue
		}
		t.entries = append(t.entries, entryOf(k.Name, SourceModel, k.Figure, k.Aliases))
	}
	declared := map[string]bool{}
	for k := range t.entries {
		for _, n := range t.entries[k].spellings() {
			declared[norm(n)] = true
		}
	}
	for _, u := range unstyled {
		if declared[norm(u.Key)] {
			continue
		}
		u.Name, u.Fallback, u.Style = u.Key, true, fallbackStyle(u.Key, nil, -1)
		t.entries = append(t.entries, u)
	}
	for k := range t.entries {
		m := &t.entries[k]
		for _, n := range m.spellings() {
			if n == "" {
				continue
			}
			if o, taken := t.index[norm(n)]; taken && o != m {
				t.clashes = append(t.clashes, fmt.Sprintf("%q names both %s and %s", n, o.Key, m.Key))
				continue
			}
			t.index[norm(n)] = m
		}
	}
	return t
}

// MethodStyles returns the figure style table: one entry per reference
// role, per distillation method of kdlib/distill's registry and per model
// kind of kdlib/model's registry, built when asked from the figure style
// each registration declares (distill.Method.Figure, model.Kind.Figure),
// so a method registered by any package is in it. A method keeps its
// colour, marker and dashes in every figure: the ranking methods take
// Okabe–Ito's colours, the latent methods Tol's muted ones, the model
// kinds Tol's bright ones, the references black and grey; markers are
// distinct within each group, and any two entries with the same marker and
// dashes differ in lightness by at least 15 CIE L* units, so every line can
// be told apart in greyscale print (CheckPalette checks these rules). A
// registered name that declares no style, and is no declared entry's
// spelling, gets a Fallback entry. The slices inside the entries are
// shared and must not be modified.
func MethodStyles() []MethodStyle {
	return slices.Clone(currentTable().entries)
}

// Unstyled returns the registry names (methods, then model kinds) whose
// registration declares no figure style, so that they are drawn with the
// fallback style (MethodStyle.Fallback).
func Unstyled() []string {
	var out []string
	for _, m := range currentTable().entries {
		if m.Fallback {
			out = append(out, m.Key)
		}
	}
	return out
}

// Styles gives further names a fixed style by hand, keyed by MethodKey
// ("mymethod"); an entry keyed by a table entry's normalised Key
// ("irrrd") overrides that entry's style. Add entries at initialisation
// only (the map is not locked). A method's or model kind's own style
// belongs in its registration (distill.Method.Figure, model.Kind.Figure),
// not here.
var Styles = map[string]Style{}

// fallback is the palette of series whose name is not in the table, and
// of registered names that declare no figure style: Tol's colours that no
// declared entry uses (CheckPalette), so such a series never looks like a
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
// "student", "CL-DRD" is "cldrd". StyleFor looks further (LookupMethod);
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
	switch m.Source {
	case SourceRole:
		return 1
	case SourceModel:
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
	index := currentTable().index
	if m, ok := index[norm(name)]; ok {
		return m
	}
	var best *MethodStyle
	for _, w := range words(name) {
		if strings.Contains(w, "=") {
			continue
		}
		if m, ok := index[norm(w)]; ok && (best == nil || rank(m) < rank(best)) {
			best = m
		}
	}
	return best
}

// StyleFor returns the style of a series name: the style of the table
// entry it names (LookupMethod; a Styles entry of the entry's key
// overrides it), else the Styles entry of its MethodKey, else a fallback
// colour and marker chosen by a hash of the name (stable across figures
// and runs). Within one Figure, series that would share a
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
