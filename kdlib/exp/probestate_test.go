package exp

import (
	"strings"
	"testing"
)

// TestProbeStatesRefuseOtherShapes: the probes' states in a checkpoint are
// restored only onto probes of the same shape (cut-off, stride, sample,
// sources): a state whose stride is 0 or whose cut-off exceeds the lists
// the probe holds would otherwise panic at the next evaluation (a
// division by zero, a slice out of range) instead of failing the resume
// with an error.
func TestProbeStatesRefuseOtherShapes(t *testing.T) {
	disc := func() *discrepancyProbe {
		return &discrepancyProbe{trace: &DiscrepancyTrace{K: 10, Sources: []string{"MF", "Ensemble"}, Stride: 2, Epoch: []int{0},
			Distance: [][]float64{{0.5}, {0.4}}, Stages: [][]float64{{0.7}, {0.6}}}}
	}
	good, err := disc().MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if err := disc().UnmarshalState(good); err != nil {
		t.Fatalf("its own state: %v", err)
	}
	for name, change := range map[string]func(*DiscrepancyTrace){
		"stride 0":       func(d *DiscrepancyTrace) { d.Stride = 0 },
		"larger cut-off": func(d *DiscrepancyTrace) { d.K = 50 },
		"other sources":  func(d *DiscrepancyTrace) { d.Sources = []string{"ML", "Ensemble"} },
		"ragged":         func(d *DiscrepancyTrace) { d.Distance[1] = nil },
		// A checkpoint written before the stage distances were kept: the
		// next measurement would index Stages out of range.
		"no stages":     func(d *DiscrepancyTrace) { d.Stages = nil },
		"ragged stages": func(d *DiscrepancyTrace) { d.Stages[0] = nil },
	} {
		p := disc()
		change(p.trace)
		b, err := p.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		if err := disc().UnmarshalState(b); err == nil || !strings.Contains(err.Error(), "discrepancy") {
			t.Errorf("discrepancy, %s: %v", name, err)
		}
	}

	topo := func() *runProbes {
		return &runProbes{trace: &TopologyTrace{Users: 100, Items: 100, K: 10, Stride: 3, Epoch: []int{0}, Discrepancy: []float64{0.1}, KNN: []float64{0.2}}}
	}
	good, err = topo().MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if err := topo().UnmarshalState(good); err != nil {
		t.Fatalf("its own state: %v", err)
	}
	for name, change := range map[string]func(*TopologyTrace){
		"stride 0":     func(d *TopologyTrace) { d.Stride = 0 },
		"other sample": func(d *TopologyTrace) { d.Users = 50 },
		"ragged":       func(d *TopologyTrace) { d.KNN = nil },
	} {
		p := topo()
		change(p.trace)
		b, err := p.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		if err := topo().UnmarshalState(b); err == nil || !strings.Contains(err.Error(), "probes") {
			t.Errorf("topology, %s: %v", name, err)
		}
	}
}
