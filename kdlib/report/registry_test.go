package report_test

// The figure style table lives in report, which must not import the
// registries (report imports only train). This external test package can
// import them: it checks that every registered distillation method and
// model kind, and both reference roles, have a row in the table.

import (
	"testing"

	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
)

func TestEveryRegisteredNameHasAStyle(t *testing.T) {
	var names []string
	for _, m := range distill.Methods() {
		names = append(names, m.Name)
	}
	for _, k := range model.Kinds() {
		kind, err := model.LookupKind(k)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, kind.Name)
		names = append(names, kind.Aliases...)
	}
	names = append(names, "teacher", "student")
	if len(names) < 20 {
		t.Fatalf("only %d registered names: %v", len(names), names)
	}
	keys := map[string]bool{}
	for _, m := range report.MethodStyles {
		keys[m.Key] = true
	}
	for _, name := range names {
		m, ok := report.LookupMethod(name)
		if !ok {
			t.Errorf("%q (registered) has no row in report.MethodStyles", name)
			continue
		}
		// The row is the name's own, or the name is one of its aliases
		// ("ir", the IR half of IR-RRD; "item-ae").
		own := m.Key == name
		for _, a := range m.Aliases {
			own = own || a == name
		}
		if !own {
			t.Errorf("%q is drawn with the row of %q: give it its own row or list it as an alias", name, m.Key)
		}
		if human := report.HumanName(name); human == "" || (own && m.Key == name && human != m.Name) {
			t.Errorf("HumanName(%q) = %q, want %q", name, human, m.Name)
		}
	}
}
