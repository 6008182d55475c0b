package report

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// NoticeColor is the colour of the notices WithNotice draws on a figure: a
// dark red that reads as a warning and stays dark in greyscale print.
var NoticeColor = color.RGBA{R: 0xA5, G: 0x00, B: 0x26, A: 0xFF}

// WithNotice returns d with notice written across the top of the figure
// itself (in NoticeColor, at SmallFont, wrapped to the figure's width) and
// leading its caption. It is for what a figure must say about itself
// wherever it is shown, even cropped out of its caption: "Reduced scale
// (KDREC_QUICK=1): not a result." or "Not in the ledger yet: DE, DE-RRD."
// The figure keeps its printed size; the notice takes its lines from the
// top of the plot. An empty notice returns d captioned as it was.
func WithNotice(d Drawable, notice string) Captioned {
	notice = strings.Join(strings.Fields(notice), " ")
	if notice == "" {
		if c, ok := d.(Captioned); ok {
			return c
		}
		return WithCaption(d, "")
	}
	return noticed{d: d, text: notice}
}

type noticed struct {
	d    Drawable
	text string
}

// Plot builds the inner figure and a container plot that draws it below
// the notice (Drawable).
func (n noticed) Plot() (*plot.Plot, Size, error) {
	p, size, err := n.d.Plot()
	if err != nil {
		return nil, size, err
	}
	c := plot.New()
	c.HideAxes()
	c.X.Padding, c.Y.Padding = 0, 0
	c.Add(noticeStrip{inner: p, text: n.text})
	return c, size, nil
}

// CaptionText returns the notice followed by d's own caption.
func (n noticed) CaptionText() string {
	text := n.text
	if inner, ok := n.d.(Captioned); ok {
		text = joinSentences(text, inner.CaptionText())
	}
	return text
}

// noticeStyle is the text style of notices.
func noticeStyle() text.Style {
	return text.Style{Color: NoticeColor, Font: font.From(plot.DefaultFont, SmallFont),
		XAlign: draw.XLeft, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
}

// noticeStrip draws the notice's lines at the top of the canvas and the
// inner plot below them.
type noticeStrip struct {
	inner *plot.Plot
	text  string
}

// Plot draws the notice's lines and the inner plot below them
// (plot.Plotter).
func (s noticeStrip) Plot(c draw.Canvas, _ *plot.Plot) {
	st := noticeStyle()
	lines := wrapText(s.text, c.Max.X-c.Min.X-vg.Points(4), st)
	lh := st.Height("Ag") * 1.15
	y := c.Max.Y - vg.Points(1)
	for _, l := range lines {
		c.FillText(st, vg.Point{X: c.Min.X + vg.Points(2), Y: y}, l)
		y -= lh
	}
	strip := lh*vg.Length(len(lines)) + vg.Points(3)
	s.inner.Draw(draw.Crop(c, 0, 0, 0, -strip))
}

// wrapText breaks s into lines no wider than width in style st (a word
// wider than width gets a line of its own).
func wrapText(s string, width vg.Length, st text.Style) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		next := w
		if cur != "" {
			next = cur + " " + w
		}
		if cur != "" && st.Width(next) > width {
			lines = append(lines, cur)
			next = w
		}
		cur = next
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}
