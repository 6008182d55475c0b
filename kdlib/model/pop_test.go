package model

import "testing"

func TestPop(t *testing.T) {
	x := toyGraph(t)
	p, err := NewPop(x)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, x.NumItems)
	p.ScoreAll(3, out)
	want := []float32{2, 3, 1, 2, 1, 2, 0}
	for i := range want {
		if out[i] != want[i] {
			t.Fatalf("popularity %v, want %v", out, want)
		}
	}
	some := make([]float32, 2)
	p.ScoreItems(0, []int32{1, 6}, some)
	if some[0] != 3 || some[1] != 0 {
		t.Fatalf("ScoreItems %v", some)
	}
	checkRoundTrip(t, p)
	if _, err := NewPop(nil); err == nil {
		t.Error("nil data accepted")
	}
}
