// Package figstyle declares how a distillation method or a model kind is
// drawn in figures, as plain data: its display name, the other spellings
// that name it, the groups of figures that show it, a colour written as
// "#RRGGBB", a marker name and a dash-pattern name. A method's
// registration (distill.Method.Figure) and a model kind's
// (model.Kind.Figure) carry one, so that adding a method or a model is one
// file, its figure style included; kdlib/report reads both registries and
// turns these strings into the colours, glyphs and dash lengths it draws,
// and its tests check that the registered styles form a coherent palette
// (colour-blind-safe colours, distinct within a group, apart in
// greyscale).
//
// The package is a leaf that imports only the standard library, and both
// registries import it. It lives apart from them because model cannot
// import distill (distill imports model), and a figure style is not a
// model concept that distill should reach through model; nor does either
// registry depend on gonum/plot or kdlib/report, which stay drawing
// concerns. Keeping the vocabulary here (group, marker and dash names)
// also lets Check refuse a misspelt marker at registration, in one place
// for both registries.
package figstyle

import (
	"fmt"
	"slices"
	"strings"
)

// Style is the figure identity of a method or model kind. The zero Style
// means "none declared": kdlib/report then draws the entry with its
// deterministic fallback (a colour by a hash of the registry name, which
// no declared entry uses) and names it by its registry name. A declared
// Style has at least Name, Groups, Color and Marker (Check).
type Style struct {
	// Name is the name printed in legends and tables: "IR-RRD", "BPR-MF".
	Name string
	// Short, if set, is the name used before a role word, as in "BPR
	// teacher (d=200)"; empty means Name.
	Short string
	// Aliases are further spellings that select the entry in a series
	// name: "fitnet" for Hint, "MF" for BPR-MF (the dissertation's names of
	// HetComp's teachers). A model kind's registry aliases (model.Kind's
	// Aliases) select it without being repeated here.
	Aliases []string
	// Groups names the groups of figures that show the entry together
	// (GroupLatent, GroupRanking, GroupModel): within a group, plus the
	// references, colours and markers must be distinct.
	Groups []string
	// Color is the colour of lines, markers and bars, "#RRGGBB", taken
	// from one of the colour-blind-safe palettes kdlib/report documents
	// (report.Palettes).
	Color string
	// Marker is the marker shape: one of Markers().
	Marker string
	// Dashes is the line's dash pattern: Solid (""), Dashed, DashDot or
	// Dotted. Dashed series are hatched in bar figures.
	Dashes string
}

// Groups of figures. A method or model kind lists the groups whose
// figures show it.
const (
	// GroupReference is the teacher and the student without distillation
	// (kdlib/report's own roles); every group's figures show them.
	GroupReference = "reference"
	// GroupLatent is the latent-knowledge methods (chapters 1 and 2).
	GroupLatent = "latent"
	// GroupRanking is the ranking-knowledge methods and HetComp (chapters
	// 3 and 4).
	GroupRanking = "ranking"
	// GroupModel is the base recommenders (the model registry's kinds).
	GroupModel = "model"
)

// Marker names. The names follow gonum/plot's glyphs: a "pyramid" or
// "box" is filled, a "triangle" or "square" is its outline.
const (
	Circle       = "circle"        // a filled circle
	Ring         = "ring"          // the outline of a circle
	Box          = "box"           // a filled square
	Square       = "square"        // the outline of a square
	Pyramid      = "pyramid"       // a filled triangle pointing up
	Triangle     = "triangle"      // the outline of a triangle pointing up
	DownPyramid  = "down-pyramid"  // a filled triangle pointing down
	DownTriangle = "down-triangle" // the outline of a triangle pointing down
	Diamond      = "diamond"       // a filled diamond
	OpenDiamond  = "open-diamond"  // the outline of a diamond
	Cross        = "cross"         // a diagonal cross ×
	Plus         = "plus"          // an upright cross +
)

// Dash-pattern names.
const (
	Solid   = ""         // an unbroken line (the methods' lines)
	Dashed  = "dashed"   // long dashes (the teacher)
	DashDot = "dash-dot" // dash, dot (the student)
	Dotted  = "dotted"   // dots (the simple baselines, Hint and Pop)
)

// Markers returns the marker names a Style may use.
func Markers() []string {
	return []string{Circle, Ring, Box, Square, Pyramid, Triangle, DownPyramid, DownTriangle, Diamond, OpenDiamond, Cross, Plus}
}

// DashPatterns returns the dash-pattern names a Style may use (Solid is
// the empty name).
func DashPatterns() []string { return []string{Solid, Dashed, DashDot, Dotted} }

// IsZero reports whether s declares nothing (no figure identity).
func (s *Style) IsZero() bool {
	return s.Name == "" && s.Short == "" && len(s.Aliases) == 0 && len(s.Groups) == 0 &&
		s.Color == "" && s.Marker == "" && s.Dashes == ""
}

// Check reports what makes a declared Style malformed: a missing name,
// group, colour or marker, a colour not written "#RRGGBB", an unknown
// marker or dash pattern, an empty or repeated alias or group. The zero
// Style is valid (nothing declared). The registries call it at
// registration, so a misspelt style fails at start-up, naming the entry.
func (s *Style) Check() error {
	if s.IsZero() {
		return nil
	}
	var bad []string
	if strings.TrimSpace(s.Name) == "" {
		bad = append(bad, "no Name")
	}
	if len(s.Groups) == 0 {
		bad = append(bad, "no Groups")
	}
	if _, err := ParseColor(s.Color); err != nil {
		bad = append(bad, err.Error())
	}
	if !slices.Contains(Markers(), s.Marker) {
		bad = append(bad, fmt.Sprintf("marker %q is not one of %s", s.Marker, strings.Join(Markers(), ", ")))
	}
	if !slices.Contains(DashPatterns(), s.Dashes) {
		bad = append(bad, fmt.Sprintf("dashes %q is not one of %q, %q, %q or %q (solid)", s.Dashes, Dashed, DashDot, Dotted, Solid))
	}
	for what, list := range map[string][]string{"alias": s.Aliases, "group": s.Groups} {
		seen := map[string]bool{}
		for _, a := range list {
			if strings.TrimSpace(a) == "" || seen[a] {
				bad = append(bad, fmt.Sprintf("empty or repeated %s %q", what, a))
			}
			seen[a] = true
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad) // the map's order must not show
	return fmt.Errorf("figure style %q: %s", s.Name, strings.Join(bad, "; "))
}

// ParseColor reads a colour written "#RRGGBB" (hexadecimal digits of
// either case) into its red, green and blue components.
func ParseColor(s string) ([3]uint8, error) {
	var v [3]uint8
	if len(s) != 7 || s[0] != '#' {
		return v, fmt.Errorf("colour %q is not written #RRGGBB", s)
	}
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
			default:
				return [3]uint8{}, fmt.Errorf("colour %q is not written #RRGGBB", s)
			}
		}
		v[k] = uint8(n)
	}
	return v, nil
}
