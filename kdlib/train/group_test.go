package train_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// fakeTerm records its calls and returns a fixed loss.
type fakeTerm struct {
	name  string
	loss  float64
	err   error
	param *nn.Param
	calls *[]string
}

func (f *fakeTerm) Name() string { return f.name }

func (f *fakeTerm) BeginEpoch(*train.Epoch) error {
	*f.calls = append(*f.calls, f.name+" begin")
	return f.err
}

func (f *fakeTerm) Batch(*train.Batch) float64 {
	*f.calls = append(*f.calls, f.name+" batch")
	return f.loss
}

func (f *fakeTerm) Params() []*nn.Param {
	if f.param == nil {
		return nil
	}
	return []*nn.Param{f.param}
}

func TestTermGroup(t *testing.T) {
	var calls []string
	pa, pb := nn.NewParam("pa", 1, 2), nn.NewParam("pb", 2, 2)
	a := &fakeTerm{name: "a", loss: 1.5, param: pa, calls: &calls}
	b := &fakeTerm{name: "b", loss: 0.25, param: pb, calls: &calls}
	c := &fakeTerm{name: "c", loss: 2, calls: &calls}
	g := &train.TermGroup{Label: "a+b", Terms: []train.Term{a, b}}
	if g.Name() != "a+b" {
		t.Errorf("name %q", g.Name())
	}
	if err := g.BeginEpoch(&train.Epoch{}); err != nil {
		t.Fatal(err)
	}
	if l := g.Batch(&train.Batch{}); l != 1.75 {
		t.Errorf("group loss %v, want 1.75", l)
	}
	if want := []string{"a begin", "b begin", "a batch", "b batch"}; !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
	if ps := g.Params(); len(ps) != 2 || ps[0] != pa || ps[1] != pb {
		t.Errorf("params %v", ps)
	}
	a.err = errors.New("boom")
	calls = nil
	if err := g.BeginEpoch(&train.Epoch{}); err == nil || len(calls) != 1 {
		t.Errorf("error %v after calls %v: want a's error, b not started", err, calls)
	}
	nested := &train.TermGroup{Label: "all", Terms: []train.Term{g, c}}
	if got := train.Flatten(c, nested); !slices.Equal(got, []train.Term{c, a, b, c}) {
		t.Errorf("flatten: %v", got)
	}
}
