package figstyle

import (
	"strings"
	"testing"
)

func TestParseColor(t *testing.T) {
	for in, want := range map[string][3]uint8{
		"#000000": {0, 0, 0}, "#D55E00": {0xD5, 0x5E, 0x00}, "#d55e00": {0xD5, 0x5E, 0x00}, "#7F7f7F": {0x7F, 0x7F, 0x7F},
	} {
		got, err := ParseColor(in)
		if err != nil || got != want {
			t.Errorf("ParseColor(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "D55E00", "#D55E0", "#D55E000", "#G55E00", "#D5 E00", "red"} {
		if _, err := ParseColor(in); err == nil || !strings.Contains(err.Error(), "#RRGGBB") {
			t.Errorf("ParseColor(%q): error %v, want one saying #RRGGBB", in, err)
		}
	}
}

func TestCheck(t *testing.T) {
	good := Style{Name: "IR-RRD", Aliases: []string{"ir"}, Groups: []string{GroupRanking}, Color: "#D55E00", Marker: Circle}
	for _, s := range []Style{{}, good, {Name: "Pop", Groups: []string{GroupModel}, Color: "#BBBBBB", Marker: Diamond, Dashes: Dotted}} {
		if err := s.Check(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	for _, m := range Markers() {
		s := good
		s.Marker = m
		if err := s.Check(); err != nil {
			t.Errorf("marker %q refused: %v", m, err)
		}
	}
	for what, c := range map[string]struct {
		change func(*Style)
		want   string
	}{
		"no name":        {func(s *Style) { s.Name = " " }, "no Name"},
		"no group":       {func(s *Style) { s.Groups = nil }, "no Groups"},
		"no colour":      {func(s *Style) { s.Color = "" }, `colour "" is not written #RRGGBB`},
		"bad colour":     {func(s *Style) { s.Color = "#D55E0" }, `colour "#D55E0"`},
		"no marker":      {func(s *Style) { s.Marker = "" }, `marker "" is not one of circle, ring`},
		"unknown marker": {func(s *Style) { s.Marker = "star" }, `marker "star"`},
		"unknown dashes": {func(s *Style) { s.Dashes = "dash" }, `dashes "dash"`},
		"repeated alias": {func(s *Style) { s.Aliases = []string{"ir", "ir"} }, `repeated alias "ir"`},
		"empty group":    {func(s *Style) { s.Groups = []string{GroupRanking, ""} }, `repeated group ""`},
		"only aliases":   {func(s *Style) { *s = Style{Aliases: []string{"x"}} }, "no Name"},
	} {
		s := good
		c.change(&s)
		err := s.Check()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want …%s…", what, err, c.want)
		}
	}
	if !(&Style{}).IsZero() || good.IsZero() || (&Style{Dashes: Dotted}).IsZero() {
		t.Error("IsZero")
	}
}
