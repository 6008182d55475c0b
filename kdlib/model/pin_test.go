package model

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

// The numbers of the zoo are pinned: every kind, built from a fixed
// configuration and seed on a small synthetic data set and trained for two
// epochs by train.Fit, must give parameters and losses bit-identical to the
// constants below, recorded before the model kinds moved into a registry.
// A refactoring that changes any number fails here.

// pinPlatform names what the numbers depend on besides the build's
// kernels (portableKernels, -tags noasm): the architecture and the SIMD
// kernels kdlib/nn selects (as repl's transcript does).
func pinPlatform() string {
	return fmt.Sprintf("%s avx2=%v fma=%v", runtime.GOARCH, cpu.X86.HasAVX2, cpu.X86.HasFMA)
}

// pinPlatformRecorded is the platform the constants were recorded on.
const pinPlatformRecorded = "amd64 avx2=true fma=true"

// pinWanted returns the recorded numbers of the kernels of this build.
func pinWanted() map[string]pinned {
	if portableKernels {
		return pinWantPortable
	}
	return pinWant
}

// pinData returns a synthetic training matrix of 40 users × 60 items in
// which every user and every item has interactions.
func pinData(t testing.TB) *data.Interactions {
	var pairs []data.Pair
	s := uint64(0x9e3779b97f4a7c15)
	for u := 0; u < 40; u++ {
		pairs = append(pairs, data.Pair{User: int32(u), Item: int32(u)}, data.Pair{User: int32(u), Item: int32(40 + u%20)})
		for k := 0; k < 6; k++ {
			s = s*6364136223846793005 + 1442695040888963407
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32((s >> 33) % 60)})
		}
	}
	x, err := data.FromPairs(40, 60, pairs)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// pinCase is one pinned configuration: a kind and the hyper-parameters
// given to it (zero: the kind's default). Sizes are multiples of 4: with
// other sizes, gonum's float32 dot product (nn.Dot) sums in an order that
// depends on the 16-byte alignment of its operands, so numbers vary from
// run to run with the allocator's placement of small buffers.
type pinCase struct {
	name, kind string
	dim        int
	layers     int
	margin     float64
	reg        float64
	dropout    float64
	initStd    float64
}

var pinCases = []pinCase{
	{name: "bpr", kind: "bpr", dim: 8},
	{name: "bpr-opts", kind: "bpr", dim: 12, initStd: 0.05},
	{name: "neumf", kind: "neumf", dim: 8},
	{name: "neumf-opts", kind: "neumf", dim: 8, layers: 2, initStd: 0.02},
	{name: "mlp", kind: "mlp", dim: 8},
	{name: "mlp-opts", kind: "mlp", dim: 8, layers: 2},
	{name: "cml", kind: "cml", dim: 8},
	{name: "cml-opts", kind: "cml", dim: 8, margin: 0.5, initStd: 0.1},
	{name: "lightgcn", kind: "lightgcn", dim: 8},
	{name: "lightgcn-opts", kind: "lightgcn", dim: 8, layers: 2, reg: 1e-3},
	{name: "cdae", kind: "cdae", dim: 8},
	{name: "cdae-opts", kind: "cdae", dim: 8, dropout: 0.3, initStd: 0.05},
	{name: "iae", kind: "iae", dim: 8},
	{name: "item-ae-opts", kind: "item-ae", dim: 8, dropout: 0.1},
}

// pinBuild builds the model of a case through model.Build, giving the
// options the case sets (the size under the kind's own name).
func pinBuild(c pinCase, x *data.Interactions) (*Built, error) {
	k, err := LookupKind(c.kind)
	if err != nil {
		return nil, err
	}
	o := Values{k.SizeOption(): float64(c.dim)}
	for name, v := range map[string]float64{"layers": float64(c.layers), "margin": c.margin, "reg": c.reg,
		"dropout": c.dropout, "init-std": c.initStd} {
		if v != 0 {
			o[name] = v
		}
	}
	return Build(BuildConfig{Kind: c.kind, Users: x.NumUsers, Items: x.NumItems, Options: o, Seed: 11}, x)
}

// paramsDigest returns the hex SHA-256 of the tensors' names, shapes and
// float32 bits.
func paramsDigest(ps []*nn.Param) string {
	h := sha256.New()
	var b [4]byte
	for _, p := range ps {
		fmt.Fprintf(h, "%s %d %d\n", p.Name, p.Rows, p.Cols)
		for _, w := range p.W {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(w))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// pinned is what a case must reproduce: the digests of the parameters
// after building and after two epochs, the epochs' losses, and the digest
// of the trained model's checkpoint (its kind, configuration and tensors).
type pinned struct {
	built, trained string
	losses         [2]float64
	ckpt           string
}

// pinWant holds the numbers recorded on pinPlatformRecorded with the
// assembly kernels before the model kinds moved into a registry.
var pinWant = map[string]pinned{
	"bpr":           {"0f066fafcc5e8d53e6ab092693041e67e8b53744eeddaada9cfd0afbc53ee22c", "7dbafc45881c6b58a8cf914a651abf5fe77626fe9ce39688f79a6570be81e0d3", [2]float64{210.70639061582102, 210.31046992812497}, "835c247ed2cf42ba7af5a0a49ea2d382c7396dd0dba308ca7b6e9c6626da1da3"},
	"bpr-opts":      {"576d1ea3657f4839089d7ae1893876d1489bc8db03acccf41f28698d63b3e965", "33b8456ca310a79d3dc87d0194f2895cdb31975a2f17a7553b71d91fd1e798ec", [2]float64{210.6113985015755, 209.19606032103087}, "67a78e4ae8d21b8b49344bded4409e7c4763b2f3d045ff0048e3e8fc75fc53f4"},
	"neumf":         {"9c3f33e289ee245d44256a965134d783115bc75574435cdbaeef2f3219e3ff75", "1845f2956d8eb0eae6cede054f56bbd624b4e047e39f4206cf3cfa9306eac31e", [2]float64{421.5704442711237, 419.97728265521084}, "b399abaf6a4038428e652fd758569b1c1499ebd613a66ca9c52590dc7445b4d3"},
	"neumf-opts":    {"86b70f4e057ec2b19d5e8a6c9e8ccfee03664e9b8034d7e68b70f682b14e0ad5", "3d6f88c9c938119bb49df1f596881b0f790f9809f4e2cc9288091fe6ddb7f644", [2]float64{421.5413419261351, 420.38641648882157}, "d6353c88dfceea98ca3bbdd9d0c1d563c2569672c68390a0043c9dfa297f09e0"},
	"mlp":           {"3189503b3b8878cfa38faea2b892d18469c07ac2e0272b9ee38136c5f3ec8926", "5ebda1c83b941337c42c69ea5484217eb8a318a7aeb52e2534c4b96e12af1724", [2]float64{421.7694271529035, 420.3746833400477}, "9649f39b01812ea2fb59c525dbf7932d0c3892202d1216e8273b56647317c510"},
	"mlp-opts":      {"3bb43bcdd5c2775bc8f199abf4efeff319ca4ff567412c08a5bcf3ae76ad5d9d", "6b21aedc9ea8071aaf29a0c4324878406f0914b95e541eb4a443cffeee597235", [2]float64{421.4672735424165, 419.7898438055023}, "cf9f5d18a613b6936a1877df956e73691149331bd60dd8efa81271a2dffb7aa5"},
	"cml":           {"3d057c4be839f65b4f867652026d1383e15313e0b097d16f0b840449f5f5cacb", "ec5ece8b54a93411670f48bc72f934226359dfc721f28b3cf3058b4f23cf0cb4", [2]float64{306.25024741888046, 275.16693913936615}, "166689998a9b985e5afe777fb169de652a4164a1d5daee3f2807e2990b8f9746"},
	"cml-opts":      {"febe05fa011cb4c2187cd7a73098038cfacaf70ed75fb04e94e120b1767422ad", "306c29cf237b720bb193da4f484bd379fa8d4e6be92335ad37ed9d865ddb6db4", [2]float64{150.00606986880302, 140.78451922535896}, "c67d55f63ef4244f7d0429ba0f0cd99abf392aecae659ce1c67d4d465fa26544"},
	"lightgcn":      {"606ad1df69a2e543f5b7f435548dd14f3b60ce25235785abffdea21c2e311676", "2a5defb4c9c6a8a1821beb6c59eeeeeda64fbebbbe14eaec7236bec50f16f67c", [2]float64{210.6476699794626, 210.18296459726446}, "ccae80e2204ba21f0c85cdd7aeeda061dbaa7e3cb463850dabd8e4c0f42b2e28"},
	"lightgcn-opts": {"606ad1df69a2e543f5b7f435548dd14f3b60ce25235785abffdea21c2e311676", "725c5925c79856528e96e7bf310d5aacdf0f2fe2e41b8a9cf33ede1d91ab1ba1", [2]float64{210.63659221349673, 210.074056841756}, "a3e04c5f442e350000fa14d5d2fb380d12acff0410460296e9a27487e64fe6b2"},
	"cdae":          {"fd8484ce565b84721a485cba6e12e0116483b156b93041903ab85de7e1539443", "0a53dd8f031708401e4fc2b19931423616ef5b050496575bdd27b3e8f9e20cf5", [2]float64{958.1265992153637, 958.9128201533126}, "fef3a0a1811923b904bd3497df25aeaa14d06a30f62fb96adb94c2e366dec0cd"},
	"cdae-opts":     {"845b1f1f4254c153178d2915bfbb65a61102d7972115a68233918e046bb28774", "ed09d98166a42a11c347f05f9268c174be81843f93e97fda1ea52c1f0afe7c29", [2]float64{959.2192792762535, 960.2788240713921}, "99741616264ed7f5a376c0c1c04dab4f314473b96b9b56ae419f050707934eb0"},
	"iae":           {"dcbfcc619c334b45eb04dda8a896ae842dd0208f01f7bcc9fa95c23e9ae6bec9", "df01764df9f81d7a0ea7ef562c6d07fa6f8296d40278941527d39cf1037acefb", [2]float64{944.4359145416508, 918.6685521443851}, "7776aebe47fc9246e07518ef7daf428d9cfe18ff879f516ec71f7bfaf550881c"},
	"item-ae-opts":  {"dcbfcc619c334b45eb04dda8a896ae842dd0208f01f7bcc9fa95c23e9ae6bec9", "d0b2ed653fbfc92b3c44f1d0bfd223d00a68d90d6c16fafa0947ca137e8bc81f", [2]float64{943.633856917764, 917.7847344052461}, "d54bfb2c27689c96d2e266ca93c249562adc75c2803ba217736b80fa76610d4b"},
	"pop":           {"1756c2144b9b85a6a4e5306a0bcbbdfcd7e03c78f9196a41b3d92c3ca2a8417a", "", [2]float64{0, 0}, "db69b8f7099bed653234159c091494c89053f5c2ad56bc08ee0d65712277462a"},
}

// pinWantPortable holds the numbers of the same cases with the portable
// kernels (-tags noasm: gonum's pure-Go dot and axpy), recorded on the same
// machine before the model kinds moved into a registry.
var pinWantPortable = map[string]pinned{
	"bpr":           {"0f066fafcc5e8d53e6ab092693041e67e8b53744eeddaada9cfd0afbc53ee22c", "7dbafc45881c6b58a8cf914a651abf5fe77626fe9ce39688f79a6570be81e0d3", [2]float64{210.70639061517304, 210.31046992483255}, "835c247ed2cf42ba7af5a0a49ea2d382c7396dd0dba308ca7b6e9c6626da1da3"},
	"bpr-opts":      {"576d1ea3657f4839089d7ae1893876d1489bc8db03acccf41f28698d63b3e965", "eb1a13e936676c4d1e665a39b32f44e2e30cbfbc89dde59c5cc573a841ebf3c4", [2]float64{210.6113984897907, 209.19606029442144}, "8f216d84db3200d99da0098e394c1772c5b0a082880ac5011de871facf0bd52c"},
	"neumf":         {"9c3f33e289ee245d44256a965134d783115bc75574435cdbaeef2f3219e3ff75", "5fd7b8e6ef7ef963019fcb5d86442ac8fc48e39725e941896b4492ca8b7024ee", [2]float64{421.57044430671135, 419.97728278424165}, "80aa6e47df7650e21a1e0db9234b9a6251fd11b14452caf8f7a4231d392c041d"},
	"neumf-opts":    {"86b70f4e057ec2b19d5e8a6c9e8ccfee03664e9b8034d7e68b70f682b14e0ad5", "aac6ea07b0c7b6ebddfbe194802a400f63cdf8bc4ce855a5787b97cf7a0ef1d8", [2]float64{421.5413419529135, 420.3864165035427}, "daec3d5ddd5b40d622a1a4aa5e53afcfe27ef3faab4d18e433236f54fa71a3e2"},
	"mlp":           {"3189503b3b8878cfa38faea2b892d18469c07ac2e0272b9ee38136c5f3ec8926", "619332cae60e63ab204ee6dc2190e9883980cf9d0c5f6ffddee9560963395b8b", [2]float64{421.7694271139461, 420.3746832339946}, "750a6ec7e725e42476f1e0fa1daaa7eba821cebf33c651434322f11bd7fae8a3"},
	"mlp-opts":      {"3bb43bcdd5c2775bc8f199abf4efeff319ca4ff567412c08a5bcf3ae76ad5d9d", "4346e8d356be30ab34981f33ea4663de36970254c8cd94323c975a3da660457a", [2]float64{421.46727362397024, 419.7898437316212}, "be21e6e4cb2687f2ca26e3c6ebedc6f047ce067f7d0eaf91ec75c72e1662db7a"},
	"cml":           {"3d057c4be839f65b4f867652026d1383e15313e0b097d16f0b840449f5f5cacb", "1ae37ef0261ac0ba226b1f1534b3e21c3a64d1c31fc1a37656e53ad7d1fab7b7", [2]float64{306.25024646520615, 275.1669422388077}, "a4fa600ab8f63d29b92ba6a911649dc34d0bcff3e26816d9f546dc0984f82fd8"},
	"cml-opts":      {"febe05fa011cb4c2187cd7a73098038cfacaf70ed75fb04e94e120b1767422ad", "306c29cf237b720bb193da4f484bd379fa8d4e6be92335ad37ed9d865ddb6db4", [2]float64{150.00606986880302, 140.78451922535896}, "c67d55f63ef4244f7d0429ba0f0cd99abf392aecae659ce1c67d4d465fa26544"},
	"lightgcn":      {"606ad1df69a2e543f5b7f435548dd14f3b60ce25235785abffdea21c2e311676", "7e677c2a847638cfacf9e45167b6e2525a9698e493b4c418671081454e635708", [2]float64{210.64766997946404, 210.18296459298008}, "2260ee0bc765a2a2d4b8443334de57bf7ae075b19e3ee829fa2247dbc149617b"},
	"lightgcn-opts": {"606ad1df69a2e543f5b7f435548dd14f3b60ce25235785abffdea21c2e311676", "725c5925c79856528e96e7bf310d5aacdf0f2fe2e41b8a9cf33ede1d91ab1ba1", [2]float64{210.6365922145883, 210.0740568405319}, "a3e04c5f442e350000fa14d5d2fb380d12acff0410460296e9a27487e64fe6b2"},
	"cdae":          {"fd8484ce565b84721a485cba6e12e0116483b156b93041903ab85de7e1539443", "cb13baf2dcd0ef09ad787478fde81cb47aed90924ba7658bd4b6d28ccbc6449a", [2]float64{958.1265991155425, 958.9128200918373}, "ab3338689b0f8a25679b993d16a5bee2a74e6938230dd957563541c0deb92fd3"},
	"cdae-opts":     {"845b1f1f4254c153178d2915bfbb65a61102d7972115a68233918e046bb28774", "62768c8f5794af3ec2a6e55b6a0a855c315d9f9db04e595dfbbee0ea926e8116", [2]float64{959.2192792516681, 960.2788241324057}, "7ed85b271aa19b2eb1b53379d12c772f4eb722c4e5532785b18cf0be8ab38f4e"},
	"iae":           {"dcbfcc619c334b45eb04dda8a896ae842dd0208f01f7bcc9fa95c23e9ae6bec9", "ad3e5755d598d870b58624d7d5310a16abd51975b91c2d97d641ae83e03ec253", [2]float64{944.435914586495, 918.6685521917165}, "c25c1b4eadc2928ceeeeb27edfe2ca7b12f4b16e1c9fd14eb64f64c6bf69ec10"},
	"item-ae-opts":  {"dcbfcc619c334b45eb04dda8a896ae842dd0208f01f7bcc9fa95c23e9ae6bec9", "e0c3ebd4e45c3c4c28daa4a8994fcca72d170988dd5325ba26d05a1d711a3ca3", [2]float64{943.6338568890567, 917.7847344322903}, "2c91a8a3dbf80583294d4da0609bb668562462e76a3565f5aa86c0f8c20678f3"},
	"pop":           {"1756c2144b9b85a6a4e5306a0bcbbdfcd7e03c78f9196a41b3d92c3ca2a8417a", "", [2]float64{0, 0}, "db69b8f7099bed653234159c091494c89053f5c2ad56bc08ee0d65712277462a"},
}

// TestPinnedNumbers builds every pinned case, trains it for two epochs and
// compares its parameters and losses with the recorded constants.
func TestPinnedNumbers(t *testing.T) {
	x := pinData(t)
	got := map[string]pinned{}
	for _, c := range pinCases {
		b, err := pinBuild(c, x)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var p pinned
		p.built = paramsDigest(b.Model.Params())
		cfg := train.Defaults()
		cfg.Epochs, cfg.EvalEvery, cfg.Patience, cfg.Seed, cfg.LR = 2, 0, 0, 3, 0.01
		cfg.Examples, cfg.BatchSize = b.Examples, 64
		if b.Examples == train.UserWise {
			cfg.BatchSize = 16
		}
		res, err := train.Fit(context.Background(), b.Model.(train.Model), x, []train.Term{b.Loss}, cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p.trained = paramsDigest(b.Model.Params())
		for e := range p.losses {
			p.losses[e] = res.History[e].Loss
		}
		p.ckpt = ckptDigest(t, b.Model, p.trained)
		got[c.name] = p
	}
	pop, err := NewPop(x)
	if err != nil {
		t.Fatal(err)
	}
	got["pop"] = pinned{built: paramsDigest(pop.Params()), ckpt: ckptDigest(t, pop, paramsDigest(pop.Params()))}
	check(t, got, pinWanted())
}

// ckptDigest returns the hex SHA-256 of m's checkpoint, after checking
// that decoding it gives a model of the same kind whose parameters have
// the digest params.
func ckptDigest(t *testing.T, m Checkpointable, params string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, map[string]string{"pin": "1"}); err != nil {
		t.Fatal(err)
	}
	back, _, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatalf("%s: %v", m.Kind(), err)
	}
	if back.Kind() != m.Kind() || paramsDigest(back.Params()) != params {
		t.Errorf("%s: the checkpoint decodes to a %s with other parameters", m.Kind(), back.Kind())
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// check compares got with want on the recording platform; elsewhere (other
// SIMD kernels) it logs the numbers.
func check(t *testing.T, got, want map[string]pinned) {
	t.Helper()
	if pinPlatform() != pinPlatformRecorded {
		for name, p := range got {
			t.Logf("%q: {%q, %q, [2]float64{%v, %v}, %q},", name, p.built, p.trained, p.losses[0], p.losses[1], p.ckpt)
		}
		t.Skipf("numbers recorded on %s, this is %s", pinPlatformRecorded, pinPlatform())
	}
	for name, p := range got {
		w, ok := want[name]
		if !ok || p != w {
			t.Errorf("%s: got {%q, %q, [2]float64{%v, %v}, %q}\nwant %+v", name, p.built, p.trained, p.losses[0], p.losses[1], p.ckpt, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d cases, %d pinned", len(got), len(want))
	}
}
