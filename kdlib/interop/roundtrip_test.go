package interop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/nn"
)

// TestRoundTrip exports a trained BPR model in every layout (a .npy
// prefix, a directory of .npy files, a .safetensors file), reads it back,
// and checks that the imported teacher scores bit for bit as the model, and
// that the top-K lists are the model's.
func TestRoundTrip(t *testing.T) {
	s := testSplit(t)
	m := trainedBPR(t, s, 12)
	e, err := interop.FromModel(context.Background(), m, interop.ExportOptions{TopK: 10, Train: s.Train, Kind: "bpr",
		Meta: map[string]string{"model": "teacher"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		path  string
		files []string
	}{
		{filepath.Join(dir, "t.npy"), []string{"t.item_embeddings.npy", "t.topk_items.npy", "t.topk_scores.npy", "t.user_embeddings.npy", "t.npy.json"}},
		{filepath.Join(dir, "d") + "/", []string{"item_embeddings.npy", "topk_items.npy", "topk_scores.npy", "user_embeddings.npy", "manifest.json"}},
		{filepath.Join(dir, "t.safetensors"), []string{"t.safetensors", "t.safetensors.json"}},
	} {
		written, err := interop.Write(c.path, e, interop.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, w := range written {
			names = append(names, filepath.Base(w))
		}
		if !slices.Equal(names, c.files) {
			t.Errorf("%s: wrote %v, want %v", c.path, names, c.files)
		}
		back, err := interop.Read(c.path, interop.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if back.Score != model.DotScore || back.Kind != "bpr" || back.Meta["model"] != "teacher" ||
			!slices.Equal(back.UserIDs, s.Train.UserIDs) || !slices.Equal(back.ItemIDs, s.Train.ItemIDs) {
			t.Errorf("%s: read back score %q kind %q meta %v ids %d/%d", c.path, back.Score, back.Kind, back.Meta, len(back.UserIDs), len(back.ItemIDs))
		}
		teacher, err := back.Teacher(s.Train)
		if err != nil {
			t.Fatal(err)
		}
		sameScores(t, c.path, m, teacher)
	}
	// The manifest itself reads the same, and the lists are the model's
	// best unseen items in order.
	if _, err := interop.Read(filepath.Join(dir, "t.npy.json"), interop.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	scores := make([]float32, s.NumItems())
	for u := range s.NumUsers() {
		m.ScoreAll(u, scores)
		row := e.TopK[u*e.K : (u+1)*e.K]
		for j, i := range row {
			if s.Train.Has(u, i) {
				t.Fatalf("user %d: top-K item %d is a training item", u, i)
			}
			// The lists are ranked with the blocked kernel (ScoreUsers),
			// whose sums may differ from ScoreAll's in the last bit.
			if e.TopKScores[u*e.K+j] != scores[i] || j > 0 && scores[i] > scores[row[j-1]]+1e-6 {
				t.Fatalf("user %d: top-K entry %d (item %d) scores %v, model %v", u, j, i, e.TopKScores[u*e.K+j], scores[i])
			}
		}
		for i := range scores {
			if !s.Train.Has(u, int32(i)) && !slices.Contains(row, int32(i)) && scores[i] > scores[row[len(row)-1]]+1e-6 {
				t.Fatalf("user %d: item %d (score %v) is missing from the top-K", u, i, scores[i])
			}
		}
	}
}

// TestRoundTripEveryFactorizedKind exports every Factorized kind through a
// .safetensors file and compares the imported teacher's scores: bit for bit
// for BPR, CDAE and ItemAE, to 10⁻⁶ of the user's largest score for
// LightGCN (ScoreItems sums in another order) and CML (rescaled rows).
func TestRoundTripEveryFactorizedKind(t *testing.T) {
	s := testSplit(t)
	build := func(kind string, opts model.Values) model.Scorer {
		b, err := model.Build(model.BuildConfig{Kind: kind, Users: s.NumUsers(), Items: s.NumItems(), Seed: 2,
			Options: opts}, s.Train)
		if err != nil {
			t.Fatal(err)
		}
		rng := nn.NewRand(5, 5)
		for _, p := range b.Model.Params() {
			nn.InitNormal(p, rng, 0, 0.4)
		}
		if inv, ok := b.Model.(interface{ Invalidate() }); ok {
			inv.Invalidate()
		}
		return b.Model.(model.Scorer)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		kind string
		opts model.Values
		tol  float64
	}{
		{"bpr", model.Values{"dim": 9}, 0},
		{"cdae", model.Values{"hidden": 7}, 0},
		{"iae", model.Values{"hidden": 6}, 0},
		{"lightgcn", model.Values{"dim": 17}, 1e-6},
		{"cml", model.Values{"dim": 5}, 1e-6},
	} {
		m := build(c.kind, c.opts)
		e, err := interop.FromModel(context.Background(), m, interop.ExportOptions{Train: s.Train, Kind: c.kind})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, c.kind+".safetensors")
		if _, err := interop.Write(path, e, interop.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		back, err := interop.Read(path, interop.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		teacher, err := back.Teacher(s.Train)
		if err != nil {
			t.Fatal(err)
		}
		eq := func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }
		if c.tol > 0 {
			scale := 0.0
			buf := make([]float32, s.NumItems())
			for u := range s.NumUsers() {
				m.ScoreAll(u, buf)
				for _, x := range buf {
					scale = math.Max(scale, math.Abs(float64(x)))
				}
			}
			eq = func(x, y float32) bool { return math.Abs(float64(x)-float64(y)) <= c.tol*scale }
		}
		if err := diffScores(m, teacher, eq); err != nil {
			t.Errorf("%s (%s, tolerance %g): %v", c.kind, back.Score, c.tol, err)
		}
	}
	// Models whose scores no matrices give are refused, but their lists
	// export.
	for _, kind := range []string{"neumf", "mlp", "pop"} {
		m := build(kind, nil)
		_, err := interop.FromModel(context.Background(), m, interop.ExportOptions{Kind: kind})
		wantErr(t, kind, err, "a "+kind+" model's embeddings are not exported", "lists-only=true")
		e, err := interop.FromModel(context.Background(), m, interop.ExportOptions{Kind: kind, TopK: 5, ListsOnly: true, Train: s.Train})
		if err != nil {
			t.Fatal(err)
		}
		written, err := interop.Write(filepath.Join(dir, kind+".npy"), e, interop.WriteOptions{})
		if err != nil || len(written) != 3 {
			t.Fatalf("%s lists: wrote %v, %v", kind, written, err)
		}
		_, err = interop.Read(filepath.Join(dir, kind+".npy"), interop.ReadOptions{})
		wantErr(t, kind+" lists as a teacher", err, kind+".npy.json", "no user_embeddings and item_embeddings")
	}
}

// TestAlign matches rows by identifier: a file whose rows are permuted and
// hold an extra padding row gives the same teacher; a missing user, a count
// that differs without identifiers, and repeated identifiers are errors
// naming the file.
func TestAlign(t *testing.T) {
	s := testSplit(t)
	m := trainedBPR(t, s, 6)
	e, err := interop.FromModel(context.Background(), m, interop.ExportOptions{Train: s.Train})
	if err != nil {
		t.Fatal(err)
	}
	// Reverse the items and put a "[PAD]" user first, as RecBole does.
	d := e.Dim
	p := &interop.Embeddings{Score: e.Score, Users: e.Users + 1, Items: e.Items, Dim: d,
		User: append(make([]float32, d), e.User...), Item: make([]float32, len(e.Item)),
		UserIDs: append([]string{"[PAD]"}, e.UserIDs...), ItemIDs: make([]string, e.Items)}
	for i := range e.Items {
		j := e.Items - 1 - i
		copy(p.Item[j*d:(j+1)*d], e.Item[i*d:(i+1)*d])
		p.ItemIDs[j] = e.ItemIDs[i]
	}
	dir := t.TempDir()
	if _, err := interop.Write(filepath.Join(dir, "p.npy"), p, interop.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := interop.Read(filepath.Join(dir, "p.npy"), interop.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := back.Teacher(s.Train)
	if err != nil {
		t.Fatal(err)
	}
	sameScores(t, "permuted and padded", m, teacher)

	// Without the ID map the same files do not fit.
	noIDs, err := interop.Read("", interop.ReadOptions{Users: filepath.Join(dir, "p.user_embeddings.npy"), Items: filepath.Join(dir, "p.item_embeddings.npy")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = noIDs.Teacher(s.Train)
	wantErr(t, "count without ids", err, "p.user_embeddings.npy: 41 user rows, the data set has 40 users", "ids=")
	// With the manifest as the ID map they do.
	withIDs, err := interop.Read("", interop.ReadOptions{Users: filepath.Join(dir, "p.user_embeddings.npy"),
		Items: filepath.Join(dir, "p.item_embeddings.npy"), IDs: filepath.Join(dir, "p.npy.json")})
	if err != nil {
		t.Fatal(err)
	}
	teacher, err = withIDs.Teacher(s.Train)
	if err != nil {
		t.Fatal(err)
	}
	sameScores(t, "ids= map", m, teacher)

	// A data set user the file lacks.
	short := *e
	short.Users, short.User, short.UserIDs = e.Users-1, e.User[d:], e.UserIDs[1:]
	_, err = short.Teacher(s.Train)
	wantErr(t, "missing user", err, `1 of the data set's 40 users have no row ("u00")`)
	// Repeated identifiers.
	dup, _ := json.Marshal(map[string][]string{"user_ids": slices.Repeat([]string{"x"}, 41)})
	_, err = interop.Read("", interop.ReadOptions{Users: filepath.Join(dir, "p.user_embeddings.npy"),
		Items: filepath.Join(dir, "p.item_embeddings.npy"), IDs: writeFile(t, dir, "dup.json", dup)})
	wantErr(t, "repeated ids", err, "dup.json: user identifier \"x\" names rows 0 and 1")
	// An ID map of the wrong length.
	_, err = interop.Read("", interop.ReadOptions{Users: filepath.Join(dir, "p.user_embeddings.npy"),
		Items: filepath.Join(dir, "p.item_embeddings.npy"), IDs: writeFile(t, dir, "few.json", []byte(`{"item_ids": ["a"]}`))})
	wantErr(t, "short map", err, "few.json: 1 item identifiers for the 60 item rows")
}

// TestNPYAgainstNpyio checks the .npy files against an independent
// implementation, codeberg.org/sbinet/npyio: it reads what EncodeNPY
// writes, and DecodeNPY reads what it writes.
func TestNPYAgainstNpyio(t *testing.T) {
	data := []float32{1, -2.5, 3.25, 4, 5e-8, -6e20}
	b, err := interop.EncodeNPY([]int{2, 3}, data)
	if err != nil {
		t.Fatal(err)
	}
	r, err := npy.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	if err := r.Read(&got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, data) || !slices.Equal(r.Header.Descr.Shape, []int{2, 3}) || r.Header.Descr.Type != "'<f4'" { // npyio keeps the quotes
		t.Errorf("npyio read %v shape %v type %s", got, r.Header.Descr.Shape, r.Header.Descr.Type)
	}
	ib, err := interop.EncodeNPYInt32([]int{3}, []int32{7, -1, 2})
	if err != nil {
		t.Fatal(err)
	}
	var ints []int32
	if err := npy.Read(bytes.NewReader(ib), &ints); err != nil || !slices.Equal(ints, []int32{7, -1, 2}) {
		t.Errorf("npyio read ints %v, %v", ints, err)
	}
	var w bytes.Buffer
	if err := npy.Write(&w, [][]float32{{1, 2, 3}, {4, 5, 6}}); err != nil {
		t.Fatal(err)
	}
	a, err := interop.DecodeNPY(w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Data, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("read npyio's file as %v %v", a.Shape, a.Data)
	}
	w.Reset()
	if err := npy.Write(&w, []float64{0.5, 1e-3, -7}); err != nil {
		t.Fatal(err)
	}
	if a, err = interop.DecodeNPY(w.Bytes()); err != nil || !slices.Equal(a.Data, []float32{0.5, 1e-3, -7}) {
		t.Errorf("read npyio's float64 vector as %v, %v", a, err)
	}
}
