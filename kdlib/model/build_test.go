package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/train"
)

// TestBuild builds every registered kind (and the item-ae alias) with its
// default options and checks the kind, the loss, the example mode, the
// reference training settings and the interfaces the kind declares; an
// unknown kind or option and a value out of range are errors naming what
// is known or valid.
func TestBuild(t *testing.T) {
	var pairs []data.Pair
	for u := 0; u < 20; u++ {
		for k := 0; k < 4; k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u*3 + k*7) % 30)})
		}
	}
	x, err := data.FromPairs(20, 30, pairs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bpr", "cdae", "cml", "iae", "lightgcn", "mlp", "neumf", "pop"}
	if !slices.Equal(Kinds(), want) {
		t.Errorf("kinds %v, want %v", Kinds(), want)
	}
	for _, kind := range append(Kinds(), "item-ae") {
		k, err := LookupKind(kind)
		if err != nil {
			t.Fatal(err)
		}
		o := Values{}
		if s := k.SizeOption(); s != "" {
			o[s] = 4
		}
		b, err := Build(BuildConfig{Kind: kind, Users: 20, Items: 30, Options: o, Seed: 1}, x)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if b.Model.Kind() != CanonicalKind(kind) || b.Model.Kind() != k.Name || (b.Loss == nil) != k.NoTraining {
			t.Errorf("%s: built %s, loss %v", kind, b.Model.Kind(), b.Loss)
		}
		wantEx := train.Pairwise
		if k.Name == "cdae" || k.Name == "iae" {
			wantEx = train.UserWise
		}
		if b.Examples != wantEx || b.Train.Examples != wantEx || b.Train.Validate() != nil {
			t.Errorf("%s: examples %v, training settings %+v", kind, b.Examples, b.Train)
		}
		if d, ok := b.Model.(interface{ TrainDefaults() train.Config }); ok {
			m := d.TrainDefaults()
			if m.LR != b.Train.LR || m.WeightDecay != b.Train.WeightDecay || m.BatchSize != b.Train.BatchSize || m.Examples != b.Train.Examples {
				t.Errorf("%s: the kind's training settings %+v differ from the model's %+v", kind, b.Train, m)
			}
		}
		_, rep := b.Model.(Representer)
		_, pair := b.Model.(PairScorer)
		if k.Student != (rep && pair) {
			t.Errorf("%s: Student %v, but Representer %v and PairScorer %v", kind, k.Student, rep, pair)
		}
		if _, ok := b.Model.(train.Model); !ok && !k.NoTraining {
			t.Errorf("%s: not a train.Model", kind)
		}
	}
	for _, c := range []struct {
		cfg  BuildConfig
		want string
	}{
		{BuildConfig{Kind: "svd", Users: 1, Items: 1}, `unknown kind "svd" (want one of bpr, cdae`},
		{BuildConfig{Kind: "bpr", Users: 20, Items: 30, Options: Values{"layers": 2}}, `bpr: unknown option "layers" (known: dim, init-std)`},
		{BuildConfig{Kind: "pop", Users: 20, Items: 30, Options: Values{"dim": 2}}, `pop: unknown option "dim" (this kind takes no options)`},
		{BuildConfig{Kind: "neumf", Users: 20, Items: 30, Options: Values{"dim": 0}}, "neumf: option dim=0 is out of range: want an integer in [1, 4096]"},
		{BuildConfig{Kind: "lightgcn", Users: 20, Items: 30, Options: Values{"layers": 1.5}}, "lightgcn: option layers=1.5 is not an integer: want an integer in [1, 8]"},
		{BuildConfig{Kind: "cml", Users: 20, Items: 30, Options: Values{"margin": 0}}, "cml: option margin=0 is out of range: want a number in (0, 100]"},
	} {
		if _, err := Build(c.cfg, x); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestRegisterKindPanics checks that malformed registrations are refused.
func TestRegisterKindPanics(t *testing.T) {
	k, err := LookupKind("bpr")
	if err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Kind){
		"duplicate name":  func(k *Kind) {},
		"duplicate alias": func(k *Kind) { k.Name, k.Aliases = "bpr2", []string{"item-ae"} },
		"no build":        func(k *Kind) { k.Name, k.Build = "x1", nil },
		"no decode":       func(k *Kind) { k.Name, k.Decode = "x2", nil },
		"bad default":     func(k *Kind) { k.Name, k.Options = "x3", []Option{IntOption("n", 0, 1, 2, "")} },
		"twice option": func(k *Kind) {
			k.Name, k.Options = "x4", []Option{IntOption("n", 1, 1, 2, ""), IntOption("n", 1, 1, 2, "")}
		},
		"two sizes": func(k *Kind) { k.Name, k.Options = "x5", []Option{SizeOption("a", 1, ""), SizeOption("b", 1, "")} },
		"bad figure": func(k *Kind) {
			k.Name, k.Aliases, k.Figure = "x6", nil, figstyle.Style{Name: "X6", Groups: []string{figstyle.GroupModel}, Color: "#4477AA", Marker: "star"}
		},
	} {
		c := k
		mod(&c)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			RegisterKind(c)
		}()
	}
	if slices.ContainsFunc(Kinds(), func(s string) bool { return strings.HasPrefix(s, "x") || s == "bpr2" }) {
		t.Errorf("a refused kind was registered: %v", Kinds())
	}
}
