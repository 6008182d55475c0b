package report

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Format is a set of output formats; combine them with |.
type Format uint8

const (
	// PNG is a raster image at PNGDPI dots per inch.
	PNG Format = 1 << iota
	// SVG is a vector image with its fonts embedded, so it renders the same
	// everywhere.
	SVG
	// PDF is a vector document with its fonts embedded, for LaTeX papers.
	PDF

	// AllFormats is PNG|SVG|PDF.
	AllFormats = PNG | SVG | PDF
)

// Ext returns the file extension of a single format (".png", ".svg",
// ".pdf"), or "" for a combination or the empty set.
func (f Format) Ext() string {
	switch f {
	case PNG:
		return ".png"
	case SVG:
		return ".svg"
	case PDF:
		return ".pdf"
	}
	return ""
}

// String names the formats of the set, e.g. "png|svg".
func (f Format) String() string {
	var names []string
	for _, g := range []Format{PNG, SVG, PDF} {
		if f&g != 0 {
			names = append(names, g.Ext()[1:])
		}
	}
	if rest := f &^ AllFormats; rest != 0 {
		names = append(names, fmt.Sprintf("Format(%#x)", uint8(rest)))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Size is the printed size of a figure.
type Size struct {
	// Width and Height are lengths on paper (vg.Inch, vg.Centimeter, …).
	Width, Height vg.Length
}

// The column widths of ACM's and IEEE's two-column formats.
const (
	// ColumnWidth is the width of one column: 3.33 in (ACM's acmart is
	// 3.33 in, IEEEtran 3.5 in; a 3.33 in figure fits both unscaled).
	ColumnWidth = 3.33 * vg.Inch
	// TextWidth is the width of both columns with the gutter: 7 in
	// (ACM 7.0 in, IEEE 7.16 in).
	TextWidth = 7 * vg.Inch
)

var (
	// OneColumn fits one column of a two-column paper: ColumnWidth wide,
	// 2.5 in high (the proportions of SciencePlots' IEEE style).
	OneColumn = Size{Width: ColumnWidth, Height: 2.5 * vg.Inch}
	// TwoColumn spans both columns of a two-column paper: TextWidth wide,
	// 2.6 in high.
	TwoColumn = Size{Width: TextWidth, Height: 2.6 * vg.Inch}
)

// Captioned is a Drawable that carries its caption: Save writes the
// caption beside the figure, as base+".caption.txt". *Figure and *Panels
// are Captioned; WithCaption captions any Drawable.
type Captioned interface {
	Drawable
	// CaptionText returns the caption: plain text, one paragraph.
	CaptionText() string
}

// WithCaption returns d with the caption text (used by Save). When d is
// already Captioned, its own caption follows text.
func WithCaption(d Drawable, text string) Captioned { return captioned{d, text} }

type captioned struct {
	Drawable
	text string
}

func (c captioned) CaptionText() string {
	text := strings.TrimSpace(c.text)
	if inner, ok := c.Drawable.(Captioned); ok {
		if more := inner.CaptionText(); more != "" {
			text = joinSentences(text, more)
		}
	}
	return text
}

// joinSentences joins two pieces of caption text with a space, ending
// the first with a full stop if it has no final punctuation.
func joinSentences(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	if !strings.ContainsAny(a[len(a)-1:], ".!?:") {
		a += "."
	}
	return a + " " + b
}

// PNGDPI is the resolution of the PNG files written by Save and Encode
// (300 dpi: print quality).
var PNGDPI = 300

// Drawable is anything Save, Encode and Display can render: a *Figure, or a
// hand-built gonum plot wrapped by Raw.
type Drawable interface {
	// Plot builds the gonum plot and returns it with its printed size.
	Plot() (*plot.Plot, Size, error)
}

// Raw wraps a gonum plot built by hand so it can be saved and displayed
// like a Figure. A zero size means OneColumn.
func Raw(p *plot.Plot, size Size) Drawable { return raw{p, size} }

type raw struct {
	p    *plot.Plot
	size Size
}

func (r raw) Plot() (*plot.Plot, Size, error) {
	if r.p == nil {
		return nil, Size{}, errors.New("report: nil plot")
	}
	return r.p, orDefault(r.size), nil
}

func orDefault(s Size) Size {
	if s.Width <= 0 || s.Height <= 0 {
		return OneColumn
	}
	return s
}

// Encode renders d in one format (PNG at PNGDPI).
func Encode(d Drawable, f Format) ([]byte, error) {
	return encodeDPI(d, f, PNGDPI)
}

// encodeDPI renders d in format f, PNG at dpi dots per inch.
func encodeDPI(d Drawable, f Format, dpi int) ([]byte, error) {
	p, size, err := d.Plot()
	if err != nil {
		return nil, err
	}
	var canvas vg.CanvasWriterTo
	switch f {
	case PNG:
		c := vgimg.NewWith(vgimg.UseWH(size.Width, size.Height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
		canvas = vgimg.PngCanvas{Canvas: c}
	case SVG:
		canvas = vgsvg.NewWith(vgsvg.UseWH(size.Width, size.Height), vgsvg.EmbedFonts(true))
	case PDF:
		c := vgpdf.New(size.Width, size.Height)
		c.EmbedFonts(true)
		canvas = c
	default:
		return nil, fmt.Errorf("report: encode: want exactly one of png, svg, pdf, got %v", f)
	}
	b, err := drawTo(p, canvas)
	if err != nil {
		return nil, fmt.Errorf("report: encode %v: %w", f, err)
	}
	if f == PDF {
		// The PDF writer stamps the time of writing into the document;
		// a fixed date makes the same figure the same file, so a
		// re-rendered figure that did not change does not show as
		// changed (the date has the same length: offsets stay valid).
		b = pdfDate.ReplaceAll(b, []byte("${1}"+PDFDate))
	}
	return b, nil
}

// PDFDate is the creation and modification date written into every PDF
// (D:YYYYMMDDhhmmss), fixed so that the files are reproducible.
const PDFDate = "20000101000000"

var pdfDate = regexp.MustCompile(`(/(?:CreationDate|ModDate) \(D:)[0-9]{14}`)

// drawTo draws p on canvas and returns what the canvas writes.
func drawTo(p *plot.Plot, canvas vg.CanvasWriterTo) ([]byte, error) {
	// A small margin on the right and at the top, where the last tick
	// labels and markers would otherwise touch the edge.
	m := vg.Points(3)
	p.Draw(draw.Crop(draw.New(canvas), 0, -m, 0, -m))
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save renders d once per format in formats and writes base+".png",
// base+".svg" and/or base+".pdf", creating the directory; when d is
// Captioned (a *Figure, *Panels or WithCaption) and its caption is not
// empty, it also writes the caption to base+".caption.txt". Each file is
// written atomically (a temporary file in the same directory, then a
// rename), so a reader never sees a half-written figure. A known extension
// on base is dropped ("out/fig.png" and "out/fig" are the same base). It
// returns the paths written.
func Save(d Drawable, base string, formats Format) ([]string, error) {
	if formats&AllFormats == 0 || formats&^AllFormats != 0 {
		return nil, fmt.Errorf("report: save %s: bad formats %v", base, formats)
	}
	if ext := strings.ToLower(filepath.Ext(base)); ext == ".png" || ext == ".svg" || ext == ".pdf" {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return nil, fmt.Errorf("report: save: %w", err)
	}
	var paths []string
	for _, f := range []Format{PNG, SVG, PDF} {
		if formats&f == 0 {
			continue
		}
		b, err := Encode(d, f)
		if err != nil {
			return paths, err
		}
		path := base + f.Ext()
		if err := writeAtomic(path, b); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	if c, ok := d.(Captioned); ok {
		if text := c.CaptionText(); text != "" {
			path := base + CaptionExt
			if err := writeAtomic(path, []byte(text+"\n")); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// CaptionExt is the extension of the caption file Save writes beside a
// figure.
const CaptionExt = ".caption.txt"

// writeAtomic writes b to a temporary file next to path and renames it.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("report: save %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: save %s: %w", path, werr)
	}
	return nil
}
