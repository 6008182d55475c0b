package exp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/kdrec/kdrec/kdlib/model"
)

// The models the experiment runners and HetComp's trajectory builder
// construct are pinned: the checkpoint digests (kind, configuration and
// tensors) of the built and trained models, and HetComp's reference
// training settings, must equal the constants recorded before the model
// kinds moved into a registry of kdlib/model.

const expPinPlatform = "amd64 avx2=true fma=true"

func ckptSum(t *testing.T, m model.Checkpointable) string {
	t.Helper()
	var buf bytes.Buffer
	if err := model.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// expPinWant holds, per case, the built model's checkpoint digest, the
// trained one's (two epochs of TrainModel) and the final test metrics;
// "trainer <case>" entries hold the checkpoint digest and final metrics of
// two epochs of the kind's registered Trainer with the normalised optimiser
// settings.
var expPinWant = map[string]string{
	"bpr":              "0b9af7b2fd8f303c64ed941f1180fd675bda7871231a99c8dd2d146ca7a04589 4dafafd7c70d54f1c96abe9710197c30e90aa3e7d12e0fa08840d4a090dbe8e7 {\"NDCG@10\":0.09813022317676837,\"NDCG@20\":0.13725171149409926,\"NDCG@50\":0.232232464516936,\"Recall@10\":0.19166666666666668,\"Recall@20\":0.325,\"Recall@50\":0.725} 0",
	"bpr-opts":         "ce063451e44aeff78b2825b82dd2eaa7a363907b77e9dceb122ef38f356c02e8 67c846e6dade309333d0f22f96dc779edd1f46e0b244ff884a1058b522ae3f1b {\"NDCG@10\":0.069388703583196,\"NDCG@20\":0.10103901523733054,\"NDCG@50\":0.17726891817553894,\"Recall@10\":0.125,\"Recall@20\":0.225,\"Recall@50\":0.5416666666666666} 0",
	"neumf":            "e94a17fc9a43eb9c1c280d5b4189247a82765962a4bad3dadc4d0e78b9967dc7 bc83a16e020506555c841635ec498247a20cd4927b16bb46a4697ef23ac121b4 {\"NDCG@10\":0.04983433802300445,\"NDCG@20\":0.07978802268677028,\"NDCG@50\":0.17391961399109715,\"Recall@10\":0.1,\"Recall@20\":0.2,\"Recall@50\":0.6} 0",
	"mlp":              "1289530d962c4d6fc8017206e2f9f05b7870af7716aa1f45df4fbe210120e69c 435e7afc87b41575ea7ad7b37f6477e69f71738c496427b9383ee4c06e69c603 {\"NDCG@10\":0.06340459366503964,\"NDCG@20\":0.10364376744882974,\"NDCG@50\":0.17734257260928293,\"Recall@10\":0.125,\"Recall@20\":0.25833333333333336,\"Recall@50\":0.575} 0",
	"cml":              "4b982d10d3906d297bda72be775a64fe9a8ea84351d104e15cbf0686af231f17 78d159f95c4e7c0ee30e2a2afbaa79b9b3116a1c8dd77a43b9db2ccb29ddfc44 {\"NDCG@10\":0.08170655153817012,\"NDCG@20\":0.11343622019698765,\"NDCG@50\":0.19402467986704947,\"Recall@10\":0.14166666666666666,\"Recall@20\":0.25,\"Recall@50\":0.6083333333333333} 0",
	"lightgcn":         "43dc029574e7168ad7d22021b256f5f9d7814a3c7963286a556b7a4f3592da54 0752f713b7d9ce685508070da5c8a9cd991a62ce211f7f3c5800455dff918ff5 {\"NDCG@10\":0.19318343381537234,\"NDCG@20\":0.2929197885507178,\"NDCG@50\":0.35778393533746683,\"Recall@10\":0.325,\"Recall@20\":0.65,\"Recall@50\":0.925} 0",
	"cdae":             "95eaa57a567b07df367bffde2b99bdfb77c99155a834f66628d6db6a120efc9f 8bbf49c0eafbc7c2f4b66d938f8132d6720163b655ab93c6d6e0a4fcac78a798 {\"NDCG@10\":0.06857217513951645,\"NDCG@20\":0.09800511944302624,\"NDCG@50\":0.18283781004319963,\"Recall@10\":0.16666666666666666,\"Recall@20\":0.26666666666666666,\"Recall@50\":0.6333333333333333} 1",
	"iae":              "3fadc20b81f5243203f7410fa7b612114b30dcf01e0ef0045effd8e3b2f6c36c a9926a2be216cb59c93e509c11fedb5cc4ffd979cbba0da62bcfabe1e012cc11 {\"NDCG@10\":0.05070233421243964,\"NDCG@20\":0.08716185154054937,\"NDCG@50\":0.19024408859499417,\"Recall@10\":0.09166666666666666,\"Recall@20\":0.20833333333333334,\"Recall@50\":0.6333333333333333} 1",
	"item-ae":          "80da3ba5c43ccc255ffea353683ab8cdff350e38fafc6ec343604ac0fbb11072 b196389f95d28fdd62823b1784bf78e024a483c9eb45612b9d3c1c8254121ae2 {\"NDCG@10\":0.057479046171996756,\"NDCG@20\":0.09062399956224186,\"NDCG@50\":0.19506392070292713,\"Recall@10\":0.10833333333333334,\"Recall@20\":0.21666666666666667,\"Recall@50\":0.65} 1",
	"trainer bpr":      "1b7a58f2498140fd3a60fe5ca669b9bb5eb08051aa402a386f1f8ffb41cf9284 {\"NDCG@10\":0.06558313955337851,\"NDCG@20\":0.08072008043340947,\"NDCG@50\":0.18784063900204642,\"Recall@10\":0.11666666666666667,\"Recall@20\":0.16666666666666666,\"Recall@50\":0.625}",
	"trainer neumf":    "73be2da37650ace8ff6e959ee502fa6df3563a6a3fef52841c2ea55bb090fd46 {\"NDCG@10\":0.06616519097203996,\"NDCG@20\":0.10471740280042718,\"NDCG@50\":0.1994202764526369,\"Recall@10\":0.13333333333333333,\"Recall@20\":0.26666666666666666,\"Recall@50\":0.6666666666666666}",
	"trainer mlp":      "b4040bf788b09dfe8acc9546ca6f2494ff21f0d6b176dc9bb4098efef905c564 {\"NDCG@10\":0.07023220514263004,\"NDCG@20\":0.10782040003377996,\"NDCG@50\":0.20407665044537981,\"Recall@10\":0.14166666666666666,\"Recall@20\":0.275,\"Recall@50\":0.675}",
	"trainer cml":      "8d09964fe41636f766ff0927036b278cc8b7ef67890838baf37f4feeb6cd17f9 {\"NDCG@10\":0.07949353413407993,\"NDCG@20\":0.11141194948794242,\"NDCG@50\":0.19765559366196156,\"Recall@10\":0.15,\"Recall@20\":0.25833333333333336,\"Recall@50\":0.6333333333333333}",
	"trainer lightgcn": "e6dffdb6f5b091d61716c9c6b16f3300de3fc533330d03c2c721308847a7ac90 {\"NDCG@10\":0.08508381100758829,\"NDCG@20\":0.12959377012256507,\"NDCG@50\":0.2041630640815101,\"Recall@10\":0.14166666666666666,\"Recall@20\":0.2916666666666667,\"Recall@50\":0.6166666666666667}",
	"trainer cdae":     "612b494755666b7a3d401633a7f1681818c607b0bce37b9be2a88a1a5fbf9189 {\"NDCG@10\":0.0627614812123836,\"NDCG@20\":0.10978751445684327,\"NDCG@50\":0.18673773523995338,\"Recall@10\":0.125,\"Recall@20\":0.2833333333333333,\"Recall@50\":0.6166666666666667}",
	"trainer iae":      "1e0eb269e3def5a12be2633b78207fe1b893814a56482aea8fb21d3f7ea4b3bb {\"NDCG@10\":0.051831933726188203,\"NDCG@20\":0.10076841291716244,\"NDCG@50\":0.20032141520218014,\"Recall@10\":0.09166666666666666,\"Recall@20\":0.25833333333333336,\"Recall@50\":0.675}",
	"trainer item-ae":  "a30feba3f5eec879758077ee15546c6818eba39aa4c2c20e8cb30fbd0bc56f9e {\"NDCG@10\":0.05736497332746615,\"NDCG@20\":0.10191684357238887,\"NDCG@50\":0.2052041702164152,\"Recall@10\":0.1,\"Recall@20\":0.25,\"Recall@50\":0.6833333333333333}",
}

// expPinWantPortable holds the same cases with the portable kernels
// (-tags noasm), recorded on the same machine before the model kinds moved
// into a registry.
var expPinWantPortable = map[string]string{
	"bpr":              "0b9af7b2fd8f303c64ed941f1180fd675bda7871231a99c8dd2d146ca7a04589 a695441e31913df519399b0884f62241ccaa170e8bbdb5dcd82d30c2eb369954 {\"NDCG@10\":0.09813022317676837,\"NDCG@20\":0.13725171149409926,\"NDCG@50\":0.232232464516936,\"Recall@10\":0.19166666666666668,\"Recall@20\":0.325,\"Recall@50\":0.725} 0",
	"bpr-opts":         "ce063451e44aeff78b2825b82dd2eaa7a363907b77e9dceb122ef38f356c02e8 5dd0d2812dcce9b562c6aa38fe1035d1d05f3cfc3e326478e95de48a2c2df92a {\"NDCG@10\":0.069388703583196,\"NDCG@20\":0.10103901523733054,\"NDCG@50\":0.17726891817553894,\"Recall@10\":0.125,\"Recall@20\":0.225,\"Recall@50\":0.5416666666666666} 0",
	"neumf":            "e94a17fc9a43eb9c1c280d5b4189247a82765962a4bad3dadc4d0e78b9967dc7 ae0e34dc3d615091d3b0a1faef23fd8100b62bcfff4e995764a1d29b3a9b6c17 {\"NDCG@10\":0.04983433802300445,\"NDCG@20\":0.07978802268677028,\"NDCG@50\":0.17391961399109715,\"Recall@10\":0.1,\"Recall@20\":0.2,\"Recall@50\":0.6} 0",
	"mlp":              "1289530d962c4d6fc8017206e2f9f05b7870af7716aa1f45df4fbe210120e69c b999020b8a4cf3242abb1eb3b3458b0f10637f60248acb1895d77591cec2697b {\"NDCG@10\":0.06340459366503964,\"NDCG@20\":0.10364376744882974,\"NDCG@50\":0.17734257260928293,\"Recall@10\":0.125,\"Recall@20\":0.25833333333333336,\"Recall@50\":0.575} 0",
	"cml":              "4b982d10d3906d297bda72be775a64fe9a8ea84351d104e15cbf0686af231f17 58f0757735c27743b6346be83ac5067e63e6dc23fd7ae0cd6b465fcf0bf737ca {\"NDCG@10\":0.08170655153817012,\"NDCG@20\":0.11343622019698765,\"NDCG@50\":0.19402467986704947,\"Recall@10\":0.14166666666666666,\"Recall@20\":0.25,\"Recall@50\":0.6083333333333333} 0",
	"lightgcn":         "43dc029574e7168ad7d22021b256f5f9d7814a3c7963286a556b7a4f3592da54 74420706c5b4efe456d34e15be07f31e2ee73f91f36bad62846a8450a331ae89 {\"NDCG@10\":0.19318343381537234,\"NDCG@20\":0.2929197885507178,\"NDCG@50\":0.35778393533746683,\"Recall@10\":0.325,\"Recall@20\":0.65,\"Recall@50\":0.925} 0",
	"cdae":             "95eaa57a567b07df367bffde2b99bdfb77c99155a834f66628d6db6a120efc9f ceb4733771edbe4bfd7dc7d97f41bd11ef2940ca77eaafb6b4779d7a4c680a6c {\"NDCG@10\":0.06857217513951645,\"NDCG@20\":0.09800511944302624,\"NDCG@50\":0.18283781004319963,\"Recall@10\":0.16666666666666666,\"Recall@20\":0.26666666666666666,\"Recall@50\":0.6333333333333333} 1",
	"iae":              "3fadc20b81f5243203f7410fa7b612114b30dcf01e0ef0045effd8e3b2f6c36c 080778a5aba7934468fea2c37e69b3d6f7da711010a8feb1dd031b338bc87350 {\"NDCG@10\":0.05070233421243964,\"NDCG@20\":0.08716185154054937,\"NDCG@50\":0.19024408859499417,\"Recall@10\":0.09166666666666666,\"Recall@20\":0.20833333333333334,\"Recall@50\":0.6333333333333333} 1",
	"item-ae":          "80da3ba5c43ccc255ffea353683ab8cdff350e38fafc6ec343604ac0fbb11072 535d7c16ba55c4db99a829852f9e09a88cd3811b64938c9c04b73a325104d894 {\"NDCG@10\":0.057479046171996756,\"NDCG@20\":0.09062399956224186,\"NDCG@50\":0.19506392070292713,\"Recall@10\":0.10833333333333334,\"Recall@20\":0.21666666666666667,\"Recall@50\":0.65} 1",
	"trainer bpr":      "1b7a58f2498140fd3a60fe5ca669b9bb5eb08051aa402a386f1f8ffb41cf9284 {\"NDCG@10\":0.06558313955337851,\"NDCG@20\":0.08072008043340947,\"NDCG@50\":0.18784063900204642,\"Recall@10\":0.11666666666666667,\"Recall@20\":0.16666666666666666,\"Recall@50\":0.625}",
	"trainer neumf":    "954b79ed3cc4b89ba4fffe58d26e59488b8cab467f0a332724c8a31a2bcc110f {\"NDCG@10\":0.06616519097203996,\"NDCG@20\":0.10471740280042718,\"NDCG@50\":0.1994202764526369,\"Recall@10\":0.13333333333333333,\"Recall@20\":0.26666666666666666,\"Recall@50\":0.6666666666666666}",
	"trainer mlp":      "e632b77c5d122885f05779ac636128f68068adf8b90a46b690113cab877bf53b {\"NDCG@10\":0.07023220514263004,\"NDCG@20\":0.10782040003377996,\"NDCG@50\":0.20407665044537981,\"Recall@10\":0.14166666666666666,\"Recall@20\":0.275,\"Recall@50\":0.675}",
	"trainer cml":      "53cf712aa4c1fe01ae5dbb4f964b37bd52f030c1c879f44d3203c3d2ce4c8ed0 {\"NDCG@10\":0.07949353413407993,\"NDCG@20\":0.11141194948794242,\"NDCG@50\":0.19765559366196156,\"Recall@10\":0.15,\"Recall@20\":0.25833333333333336,\"Recall@50\":0.6333333333333333}",
	"trainer lightgcn": "e6dffdb6f5b091d61716c9c6b16f3300de3fc533330d03c2c721308847a7ac90 {\"NDCG@10\":0.08508381100758829,\"NDCG@20\":0.12959377012256507,\"NDCG@50\":0.2041630640815101,\"Recall@10\":0.14166666666666666,\"Recall@20\":0.2916666666666667,\"Recall@50\":0.6166666666666667}",
	"trainer cdae":     "82be3b0e4d30302051a37fe8f2a566f5582c0fa2a332bfc93978bdaa5b36d067 {\"NDCG@10\":0.0627614812123836,\"NDCG@20\":0.10978751445684327,\"NDCG@50\":0.18673773523995338,\"Recall@10\":0.125,\"Recall@20\":0.2833333333333333,\"Recall@50\":0.6166666666666667}",
	"trainer iae":      "6781772610c5703e790deae13687d04643f3fb476c229c9f8979fe468e6b551b {\"NDCG@10\":0.051831933726188203,\"NDCG@20\":0.10076841291716244,\"NDCG@50\":0.20032141520218014,\"Recall@10\":0.09166666666666666,\"Recall@20\":0.25833333333333336,\"Recall@50\":0.675}",
	"trainer item-ae":  "99213a6de654863cf82a040e5b5827344d090d4f9c2acd890148fac8ee9a0939 {\"NDCG@10\":0.05736497332746615,\"NDCG@20\":0.10191684357238887,\"NDCG@50\":0.2052041702164152,\"Recall@10\":0.1,\"Recall@20\":0.25,\"Recall@50\":0.6833333333333333}",
}

// hetcompPinWant holds, per teacher kind, the checkpoint digest of the
// untrained teacher and its reference training settings (the same with
// the portable kernels).
var hetcompPinWant = map[string]string{
	"bpr":      "ed439452fc55ba5092531a09c02ba1d31beaa667795cd191cca6ef3a0bfc9828 bpr 1200 lr=0.001 wd=0.001 batch=1024 ex=0 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
	"cml":      "dcb58a4912dde492703f538733423c2c2fd936e85dca58ba8e521769630baea7 cml 1200 lr=0.001 wd=0.0001 batch=512 ex=0 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
	"mlp":      "8dc6a704177002b3f6fd00f0bdaa6623e50ccbd1ee56f22d99d201a42a19d12e mlp 1345 lr=0.001 wd=0.0001 batch=512 ex=0 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
	"neumf":    "df7e46c1bc81b741e50dc181a470ebdeb26c3e4e2373766975dc42b622a2cea3 neumf 2553 lr=0.001 wd=0.0001 batch=512 ex=0 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
	"lightgcn": "4690619ec7939797974f460ac693a3bb21d29b41fdfc0fff3aee88d8cd8eade8 lightgcn 1200 lr=0.001 wd=0.001 batch=1024 ex=0 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
	"cdae":     "b13c10fc59410adba3ed9ff84098ed907406f2578d7cd93af5acb1fcc980d6a6 cdae 2018 lr=0.01 wd=0.0001 batch=512 ex=1 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
	"iae":      "163a9a1ac17955cd39e4877d9a288aa2bc8983797b6aa6156c1840376fa5aca3 iae 1748 lr=0.01 wd=0.0001 batch=512 ex=1 epochs=1000 eval=1 patience=20 stop=[HR@5 HR@10 HR@20]",
}

// TestPinnedExpModels builds and trains every kind of the zoo through the
// runners' BuildModel and TrainModel, and builds every HetComp teacher
// through newHetCompTeacher, and compares them with the recorded digests.
func TestPinnedExpModels(t *testing.T) {
	s := hcTinySplit(t)
	wd := 1e-3
	cases := []struct {
		name string
		m    ModelSpec
	}{
		{"bpr", ModelSpec{Kind: "bpr", Dim: 8}},
		{"bpr-opts", ModelSpec{Kind: "bpr", Dim: 12, Params: Options{"init-std": 0.05}}},
		{"neumf", ModelSpec{Kind: "neumf", Dim: 8, Params: Options{"layers": 2}}},
		{"mlp", ModelSpec{Kind: "mlp", Dim: 8, Params: Options{"init-std": 0.02}}},
		{"cml", ModelSpec{Kind: "cml", Dim: 8, Params: Options{"margin": 0.5}}},
		{"lightgcn", ModelSpec{Kind: "lightgcn", Dim: 8, Params: Options{"layers": 2, "reg": 1e-3}}},
		{"cdae", ModelSpec{Kind: "cdae", Dim: 8, Params: Options{"hidden": 12, "dropout": 0.3}}},
		{"iae", ModelSpec{Kind: "iae", Dim: 8}},
		{"item-ae", ModelSpec{Kind: "item-ae", Dim: 8, Params: Options{"init-std": 0.02}}},
	}
	got := map[string]string{}
	for _, c := range cases {
		b, err := BuildModel(c.m, s, 5)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		built := ckptSum(t, b.Model)
		m := c.m
		m.LR, m.WeightDecay, m.BatchSize = 0.01, &wd, 64
		key := ModelKey{Model: m, Seed: 5, Protocol: Full, Budget: Budget{Epochs: 2, EvalEvery: 1}}
		tm, res, err := TrainModel(context.Background(), s, key, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		final, _ := json.Marshal(res.Final)
		got[c.name] = fmt.Sprintf("%s %s %s %d", built, ckptSum(t, tm), final, b.Examples)
	}
	// The registered trainers with the normalised optimiser settings (bpr
	// went to the former exp.TrainBPR when the numbers were recorded,
	// TrainModel now).
	for _, c := range cases {
		tr, err := lookupTrainer(c.m.Kind)
		if err != nil {
			t.Fatal(err)
		}
		m := c.m
		m.LR, m.WeightDecay, m.BatchSize = defaultLR, new(float64(defaultWD)), defaultBatch
		key := ModelKey{Model: m, Seed: 5, Protocol: Full, Budget: Budget{Epochs: 2, EvalEvery: 1}}
		if c.name == "bpr-opts" {
			continue // the former TrainBPR took no params
		}
		tm, res, err := tr(context.Background(), s, key, nil)
		if err != nil {
			t.Fatalf("trainer %s: %v", c.name, err)
		}
		final, _ := json.Marshal(res.Final)
		got["trainer "+c.name] = fmt.Sprintf("%s %s", ckptSum(t, tm), final)
	}
	hgot := map[string]string{}
	for _, kind := range []string{"bpr", "cml", "mlp", "neumf", "lightgcn", "cdae", "iae"} {
		m, term, cfg, err := newHetCompTeacher(HetCompTeacherSpec{Name: "T", Kind: kind, Dim: 8}, s, 9)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		hgot[kind] = fmt.Sprintf("%s %s %d lr=%v wd=%v batch=%d ex=%d epochs=%d eval=%d patience=%d stop=%v",
			ckptSum(t, m), term.Name(), m.NumParams(), cfg.LR, cfg.WeightDecay, cfg.BatchSize, cfg.Examples,
			cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.StopMetrics)
	}
	want := expPinWant
	if portableKernels {
		want = expPinWantPortable
	}
	platform := fmt.Sprintf("%s avx2=%v fma=%v", runtime.GOARCH, cpu.X86.HasAVX2, cpu.X86.HasFMA)
	if platform != expPinPlatform {
		t.Logf("runners: %q\nhetcomp: %q", got, hgot)
		t.Skipf("numbers recorded on %s, this is %s", expPinPlatform, platform)
	}
	for _, pair := range []struct {
		what      string
		got, want map[string]string
	}{{"runners", got, want}, {"hetcomp", hgot, hetcompPinWant}} {
		for name, g := range pair.got {
			if pair.want[name] != g {
				t.Errorf("%s %s: got\n\t%q: %q,\nwant %q", pair.what, name, name, g, pair.want[name])
			}
		}
		if len(pair.got) != len(pair.want) {
			t.Errorf("%s: %d cases, %d pinned", pair.what, len(pair.got), len(pair.want))
		}
	}
}
