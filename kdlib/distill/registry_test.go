package distill

import (
	"errors"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/figstyle"
)

// TestRegistryDefaults checks every registered method's defaults against
// their own ranges, its listing order and doc, and that every option
// default passes Check when given explicitly.
func TestRegistryDefaults(t *testing.T) {
	ms := Methods()
	if len(ms) < 15 || ms[0].Name != "hint" || ms[1].Name != "fitnet" || ms[2].Name != "de" {
		t.Fatalf("methods %d, first %q %q %q", len(ms), ms[0].Name, ms[1].Name, ms[2].Name)
	}
	for _, m := range ms {
		if m.Doc == "" || m.Lambda <= 0 {
			t.Errorf("%s: doc %q lambda %v", m.Name, m.Doc, m.Lambda)
		}
		v, err := Check(TermSpec{Method: m.Name})
		if err != nil {
			t.Errorf("%s defaults: %v", m.Name, err)
			continue
		}
		if v.Float("lambda") != m.Lambda || v.Given("lambda") {
			t.Errorf("%s: lambda %v given %v", m.Name, v.Float("lambda"), v.Given("lambda"))
		}
		for _, o := range m.Options {
			if o.Doc == "" {
				t.Errorf("%s.%s has no doc", m.Name, o.Name)
			}
			w, err := Check(TermSpec{Method: m.Name, Options: map[string]any{o.Name: o.Default}})
			if err != nil {
				t.Errorf("%s.%s default %v: %v", m.Name, o.Name, o.Default, err)
			} else if !w.Given(o.Name) {
				t.Errorf("%s.%s: given but not marked so", m.Name, o.Name)
			}
		}
	}
	if _, err := Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), "known: hint, fitnet, de, phr") {
		t.Errorf("unknown method: %v", err)
	}
}

// TestCheckErrors checks that bad values name the method, the option and
// what is valid.
func TestCheckErrors(t *testing.T) {
	cases := []struct {
		t    TermSpec
		want string
	}{
		{TermSpec{Method: "de", Options: map[string]any{"experts": 0}}, "kd de: option experts=0 is out of range: want an integer in [1, 1024]"},
		{TermSpec{Method: "de", Options: map[string]any{"expert": 5}}, `kd de: unknown option "expert" (known: experts, hidden`},
		{TermSpec{Method: "rrd", Options: map[string]any{"k": 2.5}}, "kd rrd: option k=2.5 is not an integer"},
		{TermSpec{Method: "rrd", Options: map[string]any{"sample": "no"}}, "option sample=no is not a boolean"},
		{TermSpec{Method: "htd", Options: map[string]any{"alpha": 1.5}}, "option alpha=1.5 is out of range: want a number in [0, 1]"},
		{TermSpec{Method: "hint", Options: map[string]any{"bridge": "conv"}}, "option bridge=conv is not valid: want one of mlp, linear"},
		{TermSpec{Method: "rrd", Lambda: -1}, "option lambda=-1 is out of range"},
		{TermSpec{Method: "ftd", Options: map[string]any{"skip-constant": 1}}, "is not a boolean"},
	}
	for _, c := range cases {
		_, err := Check(c.t)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want …%s…", c.t, err, c.want)
		}
	}
	var oe *OptionError
	if _, err := Check(TermSpec{Method: "de", Options: map[string]any{"experts": 0}}); !errors.As(err, &oe) || oe.Option != "experts" {
		t.Errorf("not an OptionError: %v", err)
	}
	if err := CheckCombination([]string{"ir"}); err == nil || !strings.Contains(err.Error(), `list it together with "rrd"`) {
		t.Errorf("ir alone: %v", err)
	}
	if err := CheckCombination([]string{"rrd", "rrd"}); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("rrd twice: %v", err)
	}
}

// TestRegisterRefusesBadMethods checks Register's programming-error
// panics: a duplicate name, a default outside its own range, a part
// without Join, a malformed figure style.
func TestRegisterRefusesBadMethods(t *testing.T) {
	for name, m := range map[string]Method{
		"duplicate":     {Name: "rrd", Build: Methods()[0].Build},
		"bad default":   {Name: "zz-bad", Build: Methods()[0].Build, Options: []Option{optInt("k", 0, 1, 10, "k")}},
		"part, no join": {Name: "zz-part", With: "rrd"},
		"bad figure": {Name: "zz-fig", Build: Methods()[0].Build,
			Figure: figstyle.Style{Name: "ZZ", Groups: []string{figstyle.GroupRanking}, Color: "#0072B", Marker: figstyle.Circle}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			Register(m)
		}()
	}
}
