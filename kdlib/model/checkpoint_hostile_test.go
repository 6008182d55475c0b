package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

// craft rewrites the JSON header of a checkpoint with edit and recomputes
// the header length and the checksum, as a hostile file would.
func craft(t *testing.T, good []byte, edit func(h map[string]any)) []byte {
	t.Helper()
	hlen := int(binary.LittleEndian.Uint32(good[12:]))
	var h map[string]any
	d := json.NewDecoder(bytes.NewReader(good[16 : 16+hlen]))
	d.UseNumber()
	if err := d.Decode(&h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	b = append(b, good[:12]...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hj)))
	b = append(b, hj...)
	b = append(b, good[16+hlen:len(good)-32]...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// setConfig sets a field of a checkpoint's config (of config.model for
// the kinds that store their graph too).
func setConfig(field string, v any) func(h map[string]any) {
	return func(h map[string]any) {
		cfg := h["config"].(map[string]any)
		if m, ok := cfg["model"].(map[string]any); ok {
			cfg = m
		}
		cfg[field] = v
	}
}

func encodeModel(t *testing.T, m Checkpointable) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, map[string]string{"spec": m.Kind()}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeChecksConfigBeforeAllocating crafts checkpoints whose header
// configuration (with a recomputed checksum) asks for far larger tensors
// than the file holds: Decode must refuse them with an error naming the
// mismatch, before allocating anything of that size.
func TestDecodeChecksConfigBeforeAllocating(t *testing.T) {
	x := toyGraph(t)
	bpr, _ := NewBPR(BPRConfig{Users: 5, Items: 7, Dim: 3, Seed: 1})
	cml, _ := NewCML(CMLConfig{Users: 5, Items: 7, Dim: 3, Seed: 1})
	neumf, _ := NewNeuMF(NCFConfig{Users: 5, Items: 7, Dim: 4, Layers: 2, Seed: 1})
	mlp, _ := NewMLP(NCFConfig{Users: 5, Items: 7, Dim: 4, Seed: 1})
	gcn, _ := NewLightGCN(LightGCNConfig{Dim: 3, Layers: 2, Seed: 1}, x)
	cdae, _ := NewCDAE(CDAEConfig{Hidden: 3, Seed: 1}, x)
	iae, _ := NewItemAE(CDAEConfig{Hidden: 3, Seed: 1}, x)
	pop, _ := NewPop(x)
	cases := []struct {
		name string
		m    Checkpointable
		edit func(map[string]any)
	}{
		{"bpr users", bpr, setConfig("Users", 1_000_000_000)},
		{"bpr dim", bpr, setConfig("Dim", 4096)},
		{"bpr both", bpr, func(h map[string]any) { setConfig("Users", 1_000_000_000)(h); setConfig("Dim", 4096)(h) }},
		{"cml items", cml, setConfig("Items", 1<<40)},
		{"neumf users", neumf, setConfig("Users", 1_000_000_000)},
		{"neumf layers", neumf, setConfig("Layers", 1_000_000_000_000)},
		{"mlp dim", mlp, setConfig("Dim", 1<<30)},
		{"lightgcn items", gcn, setConfig("Items", 1_000_000_000)},
		{"lightgcn dim", gcn, setConfig("Dim", 1<<30)},
		{"cdae hidden", cdae, setConfig("Hidden", 1<<30)},
		{"cdae items", cdae, setConfig("Items", 1_000_000_000)},
		{"iae users", iae, setConfig("Users", 1_000_000_000)},
		{"pop items", pop, setConfig("Items", 1<<40)},
		{"tensor overflow", bpr, func(h map[string]any) {
			ts := h["tensors"].([]any)
			ts[0].(map[string]any)["rows"] = 1 << 32
			ts[0].(map[string]any)["cols"] = 1 << 32
		}},
	}
	for _, c := range cases {
		b := craft(t, encodeModel(t, c.m), c.edit)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, err := Decode(b)
		runtime.ReadMemStats(&after)
		if err == nil || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want an ErrCorrupt", c.name, err)
			continue
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("%s: Decode allocated %d MB before refusing", c.name, grew>>20)
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// TestDecodeRejectsNonFiniteWeights checks that a checkpoint holding NaN or
// ±Inf (with a valid checksum) is refused, naming the tensor.
func TestDecodeRejectsNonFiniteWeights(t *testing.T) {
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		m, _ := NewBPR(BPRConfig{Users: 5, Items: 7, Dim: 3, Seed: 1})
		m.Q.W[4] = v
		_, _, err := Decode(encodeModel(t, m))
		if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "item_emb") {
			t.Errorf("%v weight: got %v, want an ErrCorrupt naming item_emb", v, err)
		}
	}
	// The whole model NaN, as in the issue.
	m, _ := NewBPR(BPRConfig{Users: 5, Items: 7, Dim: 3, Seed: 1})
	for _, p := range m.Params() {
		for k := range p.W {
			p.W[k] = float32(math.NaN())
		}
	}
	if _, _, err := Decode(encodeModel(t, m)); err == nil {
		t.Error("an all-NaN checkpoint loaded")
	}
}

// TestEveryKindHasShapes checks that every registered kind can be checked
// before it is built, and that its ShapeFunc agrees with the model built.
func TestEveryKindHasShapes(t *testing.T) {
	x := toyGraph(t)
	bpr, _ := NewBPR(BPRConfig{Users: 5, Items: 7, Dim: 3, Seed: 1})
	cml, _ := NewCML(CMLConfig{Users: 5, Items: 7, Dim: 3, Seed: 1})
	neumf, _ := NewNeuMF(NCFConfig{Users: 5, Items: 7, Dim: 8, Layers: 3, Seed: 1})
	mlp, _ := NewMLP(NCFConfig{Users: 5, Items: 7, Dim: 4, Seed: 1})
	gcn, _ := NewLightGCN(LightGCNConfig{Dim: 3, Layers: 2, Seed: 1}, x)
	cdae, _ := NewCDAE(CDAEConfig{Hidden: 3, Seed: 1}, x)
	iae, _ := NewItemAE(CDAEConfig{Seed: 1}, x)
	pop, _ := NewPop(x)
	built := map[string]Checkpointable{"bpr": bpr, "cml": cml, "neumf": neumf, "mlp": mlp, "lightgcn": gcn, "cdae": cdae, "iae": iae, "pop": pop}
	for _, kind := range Kinds() {
		m, ok := built[kind]
		if !ok {
			t.Errorf("kind %s: no model in this test", kind)
			continue
		}
		f := lookupShapes(kind)
		if f == nil {
			t.Errorf("kind %s has no ShapeFunc", kind)
			continue
		}
		cfg, _ := json.Marshal(m.Config())
		got, err := f(cfg)
		if err != nil {
			t.Errorf("kind %s: %v", kind, err)
			continue
		}
		var want []TensorShape
		for _, p := range m.Params() {
			want = append(want, TensorShape{p.Name, p.Rows, p.Cols})
		}
		if !equalShapes(got, want) {
			t.Errorf("kind %s: shapes %v, the model has %v", kind, got, want)
		}
	}
}

func equalShapes(a, b []TensorShape) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
