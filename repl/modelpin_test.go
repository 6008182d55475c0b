package repl

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
)

// The models `train <name> <kind>` builds are pinned: for every kind, with
// its default options and with some options given, the checkpoint digest
// of the untrained model (kind, configuration, tensors) of the train line's
// run (studentSpec, built by exp.BuildModel as exp.Execute builds it), its
// example mode and base loss terms must equal the constants recorded before
// the model kinds moved into a registry of kdlib/model.

const replPinPlatform = "amd64 avx2=true fma=true"

var replPinWant = map[string]string{
	"bpr default":      "bc0c278d3176b2e0ef0b8ce9d90c159be9fae1e402c501d10b6ba60eacc68584 ex=0 loss=[bpr]",
	"bpr given":        "84914b5df6525cce5d65bbff4d4352018f3ddeb8669031f3a25dc69664008322 ex=0 loss=[bpr]",
	"neumf default":    "60fdfaa16951c76d3bbc027e069e33bcb15c5a22d71587fe4515c61e8ad42b9c ex=0 loss=[neumf]",
	"neumf given":      "d88d2fd6bf050a0ec62455b27c950ea03e5e9f1e7cc0c54e8d1873419d524ddb ex=0 loss=[neumf]",
	"mlp default":      "2fa5029840aa01b31d9b140ca7a911e3cd326dec451ba49e0188251732a4090d ex=0 loss=[mlp]",
	"mlp given":        "42489a5bf85a66498a61f9890736ec9c4a51716985708aacd998f8211a0e7ee5 ex=0 loss=[mlp]",
	"cml default":      "866198f2974ceff8b1ec2e3d6e4945cfaaac7218f1ce0c74a1e114112108fff6 ex=0 loss=[cml]",
	"cml given":        "7538da71c50d11bc5ee3938908a45e825c263a8df80cb0811bd422c9f2f31d5f ex=0 loss=[cml]",
	"lightgcn default": "0275f5ac179c66679a01df9b4c49b0099f44cba97492b387d1f046fdbb2ae1e4 ex=0 loss=[lightgcn]",
	"lightgcn given":   "9d4bcb4bd541899d5c7cec6557c480b3488820af99a300404a20be9aa806eccc ex=0 loss=[lightgcn]",
	"cdae default":     "e6e97f0cc1b50a4de1f00459bbb6cb961e8e46e1ab57860ca5bf87ba33361b11 ex=1 loss=[cdae]",
	"cdae given":       "8ec51f0046f8780f5450b3c7006d62cc401f8959964e7f55317d16a803fc8b14 ex=1 loss=[cdae]",
	"iae default":      "c1a3b25bf1fc4f4551baccf532e2e03fd4f60fc518c3030d1bef5cdb3ce4d641 ex=1 loss=[iae]",
	"iae given":        "41b1730b1ac8d497c443f9d2f8d0bd4be0dcc89ab46923fe209c5f07bfa8896d ex=1 loss=[iae]",
}

func TestPinnedModels(t *testing.T) {
	var pairs []data.Pair
	for u := 0; u < 30; u++ {
		for k := 0; k < 5; k++ {
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((u*7 + k*11) % 45)})
		}
	}
	x, err := data.FromPairs(30, 45, pairs)
	if err != nil {
		t.Fatal(err)
	}
	given := map[string][]string{
		"bpr":      {"dim=16", "init-std=0.05"},
		"neumf":    {"dim=8", "layers=2"},
		"mlp":      {"dim=12", "layers=3"},
		"cml":      {"dim=8", "margin=0.5"},
		"lightgcn": {"dim=8", "layers=2", "reg=0.001"},
		"cdae":     {"hidden=8", "dropout=0.3"},
		"iae":      {"hidden=8", "dropout=0.1"},
	}
	got := map[string]string{}
	for kind, words := range given {
		spec, err := Default.Model(kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, variant := range []string{"default", "given"} {
			var ws []Word
			if variant == "given" {
				for _, w := range words {
					ws = append(ws, Word{Text: w, Eq: strings.IndexByte(w, '=')})
				}
			}
			v, err := parseOptions(kind, append(trainOptions(nil), spec.Options...), ws)
			if err != nil {
				t.Fatal(err)
			}
			// The student of the train line's run, as exp builds it.
			ms, err := studentSpec(kind, v)
			if err != nil {
				t.Fatal(err)
			}
			b, err := exp.BuildModel(ms, &data.Split{Train: x}, 4)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, variant, err)
			}
			cp, ok := b.Model.(model.Checkpointable)
			if !ok {
				t.Fatalf("%s: not checkpointable", kind)
			}
			var buf bytes.Buffer
			if err := model.Encode(&buf, cp, nil); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(buf.Bytes())
			terms := []string{b.Loss.Name()}
			got[kind+" "+variant] = fmt.Sprintf("%s ex=%d loss=%v", hex.EncodeToString(sum[:]), b.Examples, terms)
		}
	}
	platform := fmt.Sprintf("%s avx2=%v fma=%v", runtime.GOARCH, cpu.X86.HasAVX2, cpu.X86.HasFMA)
	if platform != replPinPlatform {
		t.Skipf("numbers recorded on %s, this is %s", replPinPlatform, platform)
	}
	for name, g := range got {
		if replPinWant[name] != g {
			t.Errorf("%s: got\n\t%q: %q,\nwant %q", name, name, g, replPinWant[name])
		}
	}
	if len(got) != len(replPinWant) {
		t.Errorf("%d cases, %d pinned", len(got), len(replPinWant))
	}
}
