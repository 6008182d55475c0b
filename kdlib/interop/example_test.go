package interop_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
)

// exampleData is a small data set whose users and items have identifiers,
// as a data set read from a file has.
func exampleData() *data.Interactions {
	var pairs []data.Pair
	for u := range 6 {
		for k := range 3 {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u + 2*k) % 8)})
		}
	}
	x, _ := data.FromPairs(6, 8, pairs)
	for u := range 6 {
		x.UserIDs = append(x.UserIDs, fmt.Sprintf("user%d", u))
	}
	for i := range 8 {
		x.ItemIDs = append(x.ItemIDs, fmt.Sprintf("item%d", i))
	}
	return x
}

// Export a model's user and item embeddings, and every user's top-3 unseen
// items, as NumPy files with a manifest that holds the score form and the
// identifiers; numpy.load reads them.
func ExampleFromModel() {
	x := exampleData()
	m, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 4, Seed: 1})
	// … train m (train.Fit) …
	e, err := interop.FromModel(context.Background(), m, interop.ExportOptions{TopK: 3, Train: x, Kind: "bpr"})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "kdrec-export")
	defer os.RemoveAll(dir)
	written, err := interop.Write(filepath.Join(dir, "bpr.npy"), e, interop.WriteOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range written {
		fmt.Println(filepath.Base(f))
	}
	fmt.Println(e.Score, e.Users, e.Items, e.Dim, e.UserIDs[0], e.ItemIDs[7])
	// A model whose scores no matrices give is refused.
	neumf, _ := model.NewNeuMF(model.NCFConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 4})
	_, err = interop.FromModel(context.Background(), neumf, interop.ExportOptions{Kind: "neumf"})
	fmt.Println(err != nil)
	// Output:
	// bpr.item_embeddings.npy
	// bpr.topk_items.npy
	// bpr.topk_scores.npy
	// bpr.user_embeddings.npy
	// bpr.npy.json
	// dot 6 8 4 user0 item7
	// true
}

// Import a teacher trained elsewhere — here a .safetensors file, as
// safetensors.torch.save_file writes it from a PyTorch model — map its rows
// to the data set's users and items by identifier, and distil from it.
func ExampleRead() {
	x := exampleData()
	dir, _ := os.MkdirTemp("", "kdrec-import")
	defer os.RemoveAll(dir)
	// The teacher's tables, as PyTorch would save them: 6 users, 8 items, d = 2.
	users := []float32{1, 0, 0, 1, 1, 1, -1, 0, 0, -1, 2, 1}
	items := make([]float32, 16)
	for k := range items {
		items[k] = float32(k%5) - 2
	}
	b, _ := interop.EncodeSafetensors(map[string]interop.Tensor{
		"user_embedding.weight": {Shape: []int{6, 2}, F32: users},
		"item_embedding.weight": {Shape: []int{8, 2}, F32: items},
	}, nil)
	os.WriteFile(filepath.Join(dir, "teacher.safetensors"), b, 0o644)
	// Its ID map: the identifier of every row.
	os.WriteFile(filepath.Join(dir, "ids.json"), []byte(`{"user_ids": ["user0", "user1", "user2", "user3", "user4", "user5"],
		"item_ids": ["item0", "item1", "item2", "item3", "item4", "item5", "item6", "item7"]}`), 0o644)

	e, err := interop.Read(filepath.Join(dir, "teacher.safetensors"), interop.ReadOptions{
		UserTensor: "user_embedding.weight", ItemTensor: "item_embedding.weight", IDs: filepath.Join(dir, "ids.json")})
	if err != nil {
		fmt.Println(err)
		return
	}
	teacher, err := e.Teacher(x) // a frozen model.Factors on x's index spaces
	if err != nil {
		fmt.Println(err)
		return
	}
	scores := make([]float32, x.NumItems)
	teacher.ScoreAll(5, scores) // user5 = (2, 1): 2·q_i0 + q_i1
	fmt.Println(e.Score, teacher.NumUsers(), teacher.NumItems(), teacher.Dim(), scores[:3])

	student, _ := model.NewBPR(model.BPRConfig{Users: x.NumUsers, Items: x.NumItems, Dim: 2})
	terms, err := distill.Build([]distill.TermSpec{{Method: "de", Options: map[string]any{"experts": 2}}},
		distill.Env{Teacher: teacher, Student: student})
	fmt.Println(len(terms), err)
	// Output:
	// dot 6 8 2 [-5 1 2]
	// 1 <nil>
}
