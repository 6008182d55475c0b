package report

import "gonum.org/v1/plot/vg/draw"

// Styles of combined methods that the chapter notebooks draw next to their
// parts: DE-RRD (DE + RRD) would otherwise get a fallback colour that can be
// hard to tell from DE's blue.
func init() {
	if _, ok := Styles["derrd"]; !ok {
		Styles["derrd"] = Style{Color: hex("#332288"), Glyph: draw.SquareGlyph{}}
	}
}
