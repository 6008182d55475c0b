package report

import (
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The four marker shapes below complete gonum's eight (circle, ring,
// square, box, triangle, pyramid, plus, cross), so that every method
// shown together in one chapter's figures has its own marker. As in
// gonum, "open" shapes are outlines and the others are filled.

// glyphStroke is the outline width of the open markers: a little heavier
// than gonum's 0.5 pt so they survive printing at 600 dpi.
var glyphStroke = vg.Points(0.6)

// DiamondGlyph draws a filled diamond (a square standing on a corner).
type DiamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (DiamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.Fill(diamond(sty.Radius, pt))
}

// OpenDiamondGlyph draws the outline of a diamond.
type OpenDiamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (OpenDiamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: glyphStroke})
	c.Stroke(diamond(sty.Radius, pt))
}

// DownPyramidGlyph draws a filled triangle pointing down.
type DownPyramidGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (DownPyramidGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.Fill(downTriangle(sty.Radius, pt))
}

// DownTriangleGlyph draws the outline of a triangle pointing down.
type DownTriangleGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (DownTriangleGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: glyphStroke})
	c.Stroke(downTriangle(sty.Radius, pt))
}

func diamond(r vg.Length, pt vg.Point) vg.Path {
	r *= 1.2 // same visual weight as gonum's square of radius r
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	return p
}

func downTriangle(r vg.Length, pt vg.Point) vg.Path {
	const cos30, sin30 = 0.866025403784439, 0.5
	r += (r - r*sin30) / 2 // as gonum's TriangleGlyph
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r*cos30, Y: pt.Y + r*sin30})
	p.Line(vg.Point{X: pt.X + r*cos30, Y: pt.Y + r*sin30})
	p.Close()
	return p
}
