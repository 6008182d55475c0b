package exp

import (
	"context"
	"testing"
)

// TestTinyLatentRunTrainsWithoutTopology runs a latent method on data too
// small for the topology measurement's sample (fewer entities than its
// neighbours): the run trains and is recorded as before, without the
// topology, instead of failing on a measurement that is not part of it.
func TestTinyLatentRunTrainsWithoutTopology(t *testing.T) {
	run, err := NewRun(RunSpec{Label: "Hint",
		Dataset: DatasetSpec{Name: SyntheticName, Synthetic: &SyntheticSpec{Users: 4, Items: 6, PerUser: 7, Clusters: 1, Noise: 0.5, Seed: 3}},
		Split:   SplitSpec{Kind: SplitLOO, Candidates: 1},
		Teacher: &TeacherSpec{ModelSpec: ModelSpec{Kind: "bpr", Dim: 4}, Budget: &Budget{Epochs: 1, EvalEvery: 1}},
		Student: ModelSpec{Kind: "bpr", Dim: 2}, KD: []KDTerm{{Method: "hint", Lambda: 0.01}},
		Seed: 1, Protocol: LOO, Budget: Budget{Epochs: 2, EvalEvery: 1}})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := NewEnv("", nil)
	rec, err := Execute(context.Background(), run, env)
	if err != nil {
		t.Fatalf("a tiny latent run failed: %v", err)
	}
	if rec.Result.Epochs != 2 {
		t.Errorf("trained %d epochs, want 2", rec.Result.Epochs)
	}
	if _, ok := rec.Result.Extra[ExtraTopology]; ok {
		t.Errorf("a topology was recorded on data smaller than its sample")
	}
}
