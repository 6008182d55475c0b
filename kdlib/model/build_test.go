package model

import (
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/train"
)

// TestBuild builds every kind of the zoo (and the item-ae alias) and checks
// the kind, the loss and the example mode; an unknown kind is an error
// listing the known ones.
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
	for _, kind := range append(BuildKinds(), "item-ae") {
		b, err := Build(BuildConfig{Kind: kind, Users: 20, Items: 30, Dim: 4, Layers: 1, Seed: 1}, x)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if b.Model.Kind() != CanonicalKind(kind) || b.Loss == nil {
			t.Errorf("%s: built %s", kind, b.Model.Kind())
		}
		wantEx := train.Pairwise
		if kind == "cdae" || kind == "iae" || kind == "item-ae" {
			wantEx = train.UserWise
		}
		if b.Examples != wantEx {
			t.Errorf("%s: examples %v", kind, b.Examples)
		}
	}
	if _, err := Build(BuildConfig{Kind: "svd", Users: 1, Items: 1, Dim: 1}, nil); err == nil || !strings.Contains(err.Error(), "bpr, neumf") {
		t.Errorf("unknown kind: %v", err)
	}
}
