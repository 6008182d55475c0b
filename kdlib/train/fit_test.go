package train_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// toy builds a small random data set with a planted structure.
func toy(t *testing.T) *data.Interactions {
	rng := nn.NewRand(1, 1)
	var pairs []data.Pair
	for u := 0; u < 60; u++ {
		for k := 0; k < 8; k++ {
			// users prefer items of their own "cluster" of 10 items
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u%4)*10 + rng.IntN(10))})
		}
	}
	x, err := data.FromPairs(60, 50, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func newModel(t *testing.T, x *data.Interactions) *model.BPR {
	m, err := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 8, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func cfg() train.Config {
	c := train.Defaults()
	c.Epochs, c.BatchSize, c.LR, c.Seed = 5, 64, 0.01, 7
	return c
}

func TestFitDeterministic(t *testing.T) {
	x := toy(t)
	var ws [2][]float32
	for k := range ws {
		m := newModel(t, x)
		if _, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, cfg()); err != nil {
			t.Fatal(err)
		}
		ws[k] = append([]float32{}, m.P.W...)
	}
	for k := range ws[0] {
		if ws[0][k] != ws[1][k] {
			t.Fatalf("run 2 differs at %d: %v vs %v", k, ws[0][k], ws[1][k])
		}
	}
}

func TestFitLowersLossAndLearns(t *testing.T) {
	x := toy(t)
	m := newModel(t, x)
	c := cfg()
	c.Epochs = 30
	res, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, c)
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.History[0].Loss, res.History[len(res.History)-1].Loss
	if !(last < 0.5*first) {
		t.Fatalf("loss %v -> %v did not halve", first, last)
	}
	// In-cluster items must now outscore out-of-cluster items for user 0.
	s := make([]float32, x.NumItems)
	m.ScoreAll(0, s)
	in, out := 0.0, 0.0
	for i := range s {
		if i < 10 {
			in += float64(s[i]) / 10
		} else {
			out += float64(s[i]) / 40
		}
	}
	if !(in > out) {
		t.Fatalf("cluster mean score %v not above others %v", in, out)
	}
}

type nanTerm struct{ after int }

func (n *nanTerm) Name() string                  { return "nan" }
func (n *nanTerm) BeginEpoch(*train.Epoch) error { return nil }
func (n *nanTerm) Params() []*nn.Param           { return nil }
func (n *nanTerm) Batch(b *train.Batch) float64 {
	if b.Epoch >= n.after {
		return math.NaN()
	}
	return 0
}

func TestFitNaNRestoresLastGoodEpoch(t *testing.T) {
	x := toy(t)
	m := newModel(t, x)
	c := cfg()
	c.Epochs = 1
	if _, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, c); err != nil {
		t.Fatal(err)
	}
	want := append([]float32{}, m.P.W...)
	m2 := newModel(t, x)
	c.Epochs = 5
	res, err := train.Fit(context.Background(), m2, x, []train.Term{m2.Loss(), &nanTerm{after: 1}}, c)
	if !errors.Is(err, train.ErrNonFinite) {
		t.Fatalf("err = %v, want ErrNonFinite", err)
	}
	if res.Epochs != 1 {
		t.Fatalf("completed %d epochs, want 1", res.Epochs)
	}
	for k := range want {
		if m2.P.W[k] != want[k] {
			t.Fatalf("parameters not restored to the end of epoch 1 at %d", k)
		}
	}
}

func TestFitCancel(t *testing.T) {
	x := toy(t)
	m := newModel(t, x)
	ctx, cancel := context.WithCancel(context.Background())
	c := cfg()
	c.Epochs = 100
	c.Hooks = append(c.Hooks, train.Hook{OnEpoch: func(e train.EpochEvent) {
		if e.Epoch == 3 {
			cancel()
		}
	}})
	res, err := train.Fit(ctx, m, x, []train.Term{m.Loss()}, c)
	if !errors.Is(err, context.Canceled) || res.Epochs != 3 {
		t.Fatalf("err %v after %d epochs, want Canceled after 3", err, res.Epochs)
	}
	if err := m.P.CheckFinite(); err != nil {
		t.Fatal(err)
	}
}

func TestEarlyStoppingAndBestPerCutoff(t *testing.T) {
	x := toy(t)
	m := newModel(t, x)
	c := cfg()
	c.Epochs, c.Patience = 50, 3
	// A scripted evaluation: HR@5 peaks at epoch 2, HR@10 at epoch 4.
	hr5 := []float64{0.1, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2}
	hr10 := []float64{0.1, 0.2, 0.3, 0.6, 0.2, 0.2, 0.2, 0.2, 0.2}
	c.StopMetrics = []string{"HR@5", "HR@10"}
	c.Eval = func(_ context.Context, epoch int) (map[string]float64, map[string]float64, error) {
		e := epoch - 1
		return map[string]float64{"HR@5": hr5[e], "HR@10": hr10[e]},
			map[string]float64{"HR@5": float64(epoch), "HR@10": float64(10 * epoch), "NDCG@5": float64(100 * epoch)}, nil
	}
	res, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, c)
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || res.Epochs != 7 {
		t.Fatalf("stopped early %v after %d epochs, want true after 7", res.StoppedEarly, res.Epochs)
	}
	bt := res.BestTest("HR")
	if bt["HR@5"] != 2 || bt["NDCG@5"] != 200 || bt["HR@10"] != 40 {
		t.Fatalf("best per cut-off = %v", bt)
	}
}

func TestConfigValidation(t *testing.T) {
	x := toy(t)
	m := newModel(t, x)
	for _, mut := range []func(*train.Config){
		func(c *train.Config) { c.Epochs = 0 },
		func(c *train.Config) { c.BatchSize = -1 },
		func(c *train.Config) { c.LR = 0 },
		func(c *train.Config) { c.WeightDecay = -1 },
		func(c *train.Config) { c.Patience = -2 },
	} {
		c := cfg()
		mut(&c)
		if _, err := train.Fit(context.Background(), m, x, []train.Term{m.Loss()}, c); err == nil {
			t.Errorf("invalid config %+v accepted", c)
		}
	}
}

// TestFitHooks checks that every hook of the list sees the run, in list
// order: OnStart once with the cap and the batches per epoch, OnBatch and
// OnEpoch as training goes, OnEnd with what Fit returns (also when the
// run is cancelled).
func TestFitHooks(t *testing.T) {
	x := toy(t)
	m := newModel(t, x)
	c := cfg()
	wantBatches := (x.NNZ() + c.BatchSize - 1) / c.BatchSize
	var log []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var end train.EndEvent
	for _, name := range []string{"a", "b"} {
		c.Hooks = append(c.Hooks, train.Hook{
			OnStart: func(e train.StartEvent) {
				if e.MaxEpochs != c.Epochs || e.Batches != wantBatches {
					t.Errorf("start %+v, want %d epochs of %d batches", e, c.Epochs, wantBatches)
				}
				log = append(log, name+" start")
			},
			OnBatch: func(e train.BatchEvent) {
				if e.Batch == e.Batches {
					log = append(log, name+" last batch")
				}
			},
			OnEpoch: func(e train.EpochEvent) {
				log = append(log, name+" epoch")
				if e.Epoch == 2 && name == "b" {
					cancel()
				}
			},
			OnEnd: func(e train.EndEvent) {
				log = append(log, name+" end")
				end = e
			},
		})
	}
	c.Hooks = append(c.Hooks, train.Hook{}) // all nil: ignored
	res, err := train.Fit(ctx, m, x, []train.Term{m.Loss()}, c)
	if !errors.Is(err, context.Canceled) || res.Epochs != 2 {
		t.Fatalf("err %v after %d epochs, want Canceled after 2", err, res.Epochs)
	}
	want := []string{"a start", "b start", "a last batch", "b last batch", "a epoch", "b epoch",
		"a last batch", "b last batch", "a epoch", "b epoch", "a end", "b end"}
	if !slices.Equal(log, want) {
		t.Errorf("hook calls\n%v\nwant\n%v", log, want)
	}
	if end.Result != res || end.Err != err {
		t.Errorf("OnEnd saw %p, %v; Fit returned %p, %v", end.Result, end.Err, res, err)
	}
	// A run that fails its checks starts no hook.
	log = nil
	if _, err := train.Fit(context.Background(), m, x, nil, c); err == nil || len(log) != 0 {
		t.Errorf("no terms: err %v, hooks %v", err, log)
	}
}

func TestResultCurves(t *testing.T) {
	r := &train.Result{History: []train.Point{
		{Epoch: 0, Valid: map[string]float64{"HR@5": 0.05}},
		{Epoch: 1, Seconds: 1},
		{Epoch: 2, Seconds: 2, Valid: map[string]float64{"HR@5": 0.1}, Test: map[string]float64{"HR@5": 0.3}},
		{Epoch: 3, Seconds: 3.5, Valid: map[string]float64{"HR@5": 0.2}, Test: map[string]float64{"NDCG@5": 0.4}},
		{Epoch: 4, Seconds: 1.5},
	}}
	if e, v := r.ValidCurve("HR@5"); !slices.Equal(e, []int{0, 2, 3}) || !slices.Equal(v, []float64{0.05, 0.1, 0.2}) {
		t.Errorf("valid curve %v %v", e, v)
	}
	if e, v := r.TestCurve("HR@5"); !slices.Equal(e, []int{2}) || !slices.Equal(v, []float64{0.3}) {
		t.Errorf("test curve %v %v", e, v)
	}
	if e, v := r.TestCurve("Recall@50"); e != nil || v != nil {
		t.Errorf("curve of an unmeasured metric: %v %v", e, v)
	}
	if last := r.LastTest(); last["NDCG@5"] != 0.4 || len(last) != 1 {
		t.Errorf("last test %v", last)
	}
	if s, m := r.TrainSeconds(), r.MeanEpochSeconds(); s != 8 || m != 2 {
		t.Errorf("train seconds %v, mean %v; want 8 and 2", s, m)
	}
	empty := &train.Result{}
	if empty.MeanEpochSeconds() != 0 || empty.LastTest() != nil {
		t.Error("empty history")
	}
}
