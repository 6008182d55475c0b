package report_test

// The figure style table is built from the registries: each distillation
// method and model kind declares its style in its own registration
// (distill.Method.Figure, model.Kind.Figure). These tests check that every
// registered name has a style of its own (or is an alias of an entry from
// the same registry), that a registration without a style is drawn with a
// deterministic fallback and is named by Unstyled, and that a method
// registered after report's initialisation is drawn in the style it
// declares.

import (
	"image/color"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Methods this test package registers itself (a test-package method may
// lack a style).
const (
	unstyledMethod = "zz-test-unstyled"
	styledMethod   = "zz-test-styled"
)

func registerTestMethods(t *testing.T) {
	t.Helper()
	build := func(distill.Env, distill.Values) ([]train.Term, error) { return nil, nil }
	for _, name := range []string{unstyledMethod, styledMethod} {
		if _, err := distill.Lookup(name); err == nil {
			continue // registered by an earlier test (-count > 1)
		}
		m := distill.Method{Name: name, Kind: distill.Ranking, Lambda: 1, Doc: "a test method", Build: build}
		if name == styledMethod {
			m.Figure = figstyle.Style{Name: "ZZ", Aliases: []string{"zz-alias"}, Groups: []string{"zz-test-group"},
				Color: "#F0E442", Marker: figstyle.OpenDiamond, Dashes: figstyle.Dotted}
		}
		distill.Register(m)
	}
}

func TestEveryRegisteredNameHasAStyle(t *testing.T) {
	type reg struct {
		name string
		src  report.Source
	}
	var names []reg
	for _, m := range distill.Methods() {
		if m.Name != unstyledMethod && m.Name != styledMethod {
			names = append(names, reg{m.Name, report.SourceMethod})
		}
	}
	for _, k := range model.Kinds() {
		kind, err := model.LookupKind(k)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, reg{kind.Name, report.SourceModel})
		for _, a := range kind.Aliases {
			names = append(names, reg{a, report.SourceModel})
		}
	}
	names = append(names, reg{"teacher", report.SourceRole}, reg{"student", report.SourceRole})
	if len(names) < 20 {
		t.Fatalf("only %d registered names: %v", len(names), names)
	}
	for _, r := range names {
		m, ok := report.LookupMethod(r.name)
		if !ok {
			t.Errorf("%q (registered) has no entry in report.MethodStyles()", r.name)
			continue
		}
		if m.Fallback {
			t.Errorf("%q (registered) declares no figure style: give its registration a Figure", r.name)
			continue
		}
		// The entry is the name's own, or the name is one of its aliases
		// ("ir", the IR half of IR-RRD; "fitnet"; "item-ae"), from the
		// same registry.
		own := m.Key == r.name || slices.Contains(m.Aliases, r.name)
		if !own || m.Source != r.src {
			t.Errorf("%q (%s) is drawn with the entry of %s %q: declare its own Figure or list it among the aliases of its registry's entry", r.name, r.src, m.Source, m.Key)
		}
		if human := report.HumanName(r.name); human == "" || (m.Key == r.name && human != m.Name) {
			t.Errorf("HumanName(%q) = %q, want %q", r.name, human, m.Name)
		}
	}
	// Which registered entries lack a style (test-package methods may).
	var lacking []string
	for _, name := range report.Unstyled() {
		if name != unstyledMethod {
			lacking = append(lacking, name)
		}
	}
	if len(lacking) > 0 {
		t.Errorf("registered without a figure style (drawn with the fallback): %v", lacking)
	}
}

// TestUnstyledFallback registers a method without a style and one with a
// style after report has been initialised: the first is drawn with a
// fallback that is the same at every call and in every figure, named by its
// registry name and listed by Unstyled; the second is drawn as it declares,
// under each of its spellings.
func TestUnstyledFallback(t *testing.T) {
	registerTestMethods(t)
	if !slices.Contains(report.Unstyled(), unstyledMethod) {
		t.Errorf("Unstyled() = %v, want it to list %s", report.Unstyled(), unstyledMethod)
	}
	if slices.Contains(report.Unstyled(), styledMethod) {
		t.Errorf("Unstyled() lists %s, which declares a style", styledMethod)
	}
	m, ok := report.LookupMethod(unstyledMethod)
	if !ok || !m.Fallback || m.Name != unstyledMethod || len(m.Groups) != 0 || m.Source != report.SourceMethod {
		t.Fatalf("LookupMethod(%q) = %+v, %v: want a fallback entry named by its key, in no group", unstyledMethod, m, ok)
	}
	a, b := report.StyleFor(unstyledMethod), report.StyleFor(unstyledMethod+" (λ=0.1)")
	if a.Color != m.Style.Color || b.Color != m.Style.Color || a.Glyph != m.Style.Glyph {
		t.Errorf("fallback not stable: %+v, %+v, entry %+v", a, b, m.Style)
	}
	for _, d := range report.MethodStyles() {
		if !d.Fallback && d.Style.Color == m.Style.Color {
			t.Errorf("the fallback of %s takes the colour of %s", unstyledMethod, d.Key)
		}
	}
	if got := report.HumanName(unstyledMethod); got != unstyledMethod {
		t.Errorf("HumanName(%q) = %q", unstyledMethod, got)
	}

	want := color.RGBA{R: 0xF0, G: 0xE4, B: 0x42, A: 0xff}
	for _, name := range []string{styledMethod, "ZZ", "zz-alias", "ZZ (ours)", "zz-test-styled student d=10"} {
		s, ok := report.LookupMethod(name)
		if !ok || s.Key != styledMethod || s.Name != "ZZ" || s.Fallback {
			t.Errorf("LookupMethod(%q) = %+v, %v: want the declared entry %s", name, s, ok, styledMethod)
		}
		if st := report.StyleFor(name); st.Color != want || st.Glyph != (report.OpenDiamondGlyph{}) || st.Dashes == nil {
			t.Errorf("StyleFor(%q) = %+v: want #F0E442, open diamond, dotted", name, st)
		}
	}
	if got := report.HumanName(styledMethod); got != "ZZ" {
		t.Errorf("HumanName(%q) = %q, want ZZ", styledMethod, got)
	}
	// The test method keeps the palette's rules (its group holds only it
	// and the references).
	for _, issue := range report.CheckPalette() {
		t.Error(issue)
	}
}
