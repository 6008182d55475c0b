package eval

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
)

func TestTopologyOfTeacherItself(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pairs []data.Pair
	for u := range 120 {
		for range 8 {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u + rng.IntN(40)) % 200)})
		}
	}
	x, err := data.FromPairs(120, 200, pairs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.LeaveOneOut(x, 0, 30)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 8, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	topo, err := NewTopology(s, m, TopologyOptions{Users: 30, Items: 30, K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(topo.users) != 30 || len(topo.items) != 30 {
		t.Fatalf("sample of %d users and %d items", len(topo.users), len(topo.items))
	}
	for _, i := range topo.items {
		if len(s.Train.Users(int(i))) == 0 {
			t.Errorf("item %d without training interactions sampled", i)
		}
	}
	p := topo.Measure(m)
	if p.Discrepancy > 1e-10 || p.KNN != 1 {
		t.Errorf("teacher against itself: %+v", p)
	}
	// Another model (of another dimension) has another topology.
	other, _ := model.NewBPR(model.BPRConfig{Users: s.NumUsers(), Items: s.NumItems(), Dim: 4, Seed: 2})
	q := topo.Measure(other)
	if q.Discrepancy <= 0 || q.KNN >= 1 || math.IsNaN(q.Discrepancy) {
		t.Errorf("other model: %+v", q)
	}
	// The sample is a function of the seed.
	again, _ := NewTopology(s, m, TopologyOptions{Users: 30, Items: 30, K: 5})
	if again.Measure(other) != q {
		t.Error("measure not deterministic")
	}
	if b, _ := json.Marshal(TopologyMeasure{Discrepancy: 0.5, KNN: 0.25}); string(b) != `{"discrepancy":0.5,"knn":0.25}` {
		t.Errorf("JSON %s", b)
	}
	for _, o := range []TopologyOptions{{Users: 3, Items: 2, K: 5}, {Users: 0, Items: 2, K: 1}, {Users: 3, Items: 2, K: 0}} {
		if _, err := NewTopology(s, m, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
