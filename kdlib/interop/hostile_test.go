package interop_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/interop"
)

// npyFile builds a .npy file (version 1.0) with the given header dict and
// payload, exactly as written: no checks.
func npyFile(dict string, payload []byte) []byte {
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	return append(append(b, dict...), payload...)
}

// f32 returns the little-endian bytes of values.
func f32(values ...float32) []byte {
	var b []byte
	for _, x := range values {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// stFile builds a safetensors file from a header and a payload, as written.
func stFile(header string, payload []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), payload...)
}

const dict23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n"

// TestDecodeNPYAccepts reads the variants numpy writes: float64 and
// float16, big-endian, Fortran order, version 2.0, keys in any order.
func TestDecodeNPYAccepts(t *testing.T) {
	want := []float32{1, 2, 3, 4, 5, 6}
	be := func(values ...float64) []byte {
		var b []byte
		for _, x := range values {
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	half := []byte{0x00, 0x3c, 0x00, 0x40, 0x00, 0x42, 0x00, 0x44, 0x00, 0x45, 0x00, 0x46} // 1..6 in float16
	v2 := []byte("\x93NUMPY\x02\x00")
	v2 = binary.LittleEndian.AppendUint32(v2, uint32(len(dict23)))
	v2 = append(append(v2, dict23...), f32(want...)...)
	for _, c := range []struct {
		name string
		file []byte
	}{
		{"float32", npyFile(dict23, f32(want...))},
		{"big-endian float64", npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }\n", be(1, 2, 3, 4, 5, 6))},
		{"float16", npyFile("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }\n", half)},
		{"fortran order", npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", f32(1, 4, 2, 5, 3, 6))},
		{"keys reordered", npyFile(`{"shape": (2,3), "descr": "<f4", "fortran_order": False}`+"   \n", f32(want...))},
		{"version 2.0", v2},
	} {
		a, err := interop.DecodeNPY(c.file)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Data, want) {
			t.Errorf("%s: read %v %v", c.name, a.Shape, a.Data)
		}
	}
}

// TestHostileNPY: every malformed or unacceptable .npy file gives one
// error that names the file and says what is wrong, and nothing panics or
// allocates what the file does not hold.
func TestHostileNPY(t *testing.T) {
	good := npyFile(dict23, f32(1, 2, 3, 4, 5, 6))
	huge := npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 3), }\n", f32(1, 2, 3))
	bigHeader := []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{")
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "not a NumPy .npy file"},
		{"pickle", []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00"), "not a NumPy .npy file"},
		{"version 9", append([]byte("\x93NUMPY\x09\x00"), good[8:]...), "format version 9.0"},
		{"header longer than the file", good[:30], "truncated: header of"},
		{"header of 2 GB declared", bigHeader, "header of 2147483647 bytes; at most 65536 accepted"},
		{"int64 dtype", npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 16)), `dtype "<i8"; want a floating-point type`},
		{"object dtype", npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 16)), `dtype "|O" is not a simple numeric type`},
		{"structured dtype", npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n", make([]byte, 8)), "descr is not a string"},
		{"huge declared shape", huge, "shape [100000000000 3]: dimension 100000000000 out of range"},
		{"shape beyond the bytes", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000), }\n", f32(1, 2)), "truncated: shape [1000000 1000] needs more than the 8 bytes present"},
		{"truncated data", good[:len(good)-3], "needs 24 bytes, the file holds 21 (truncated or trailing data)"},
		{"trailing data", append(slices.Clone(good), 0, 0, 0, 0), "needs 24 bytes, the file holds 28"},
		{"three dimensions", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }\n", f32(1, 2, 3, 4, 5, 6)), "shape [1 2 3] has 3 dimensions"},
		{"scalar", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", f32(1)), "0 dimensions; want 1 (a vector) or 2 (a matrix)"},
		{"NaN", npyFile(dict23, f32(1, 2, 3, 4, float32(math.NaN()), 6)), "the array holds NaN at row 1, column 1"},
		{"Inf", npyFile(dict23, f32(float32(math.Inf(1)), 2, 3, 4, 5, 6)), "the array holds +Inf at row 0, column 0"},
		{"float64 beyond float32", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n",
			binary.LittleEndian.AppendUint64(nil, math.Float64bits(1e300))), "value 1e+300 at position 0 does not fit float32"},
		{"unknown key", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", f32(1, 2)), `unknown key "x"`},
		{"repeated key", npyFile("{'descr': '<f4', 'descr': '<f4', 'shape': (2,)}\n", f32(1, 2)), `key "descr" repeated`},
		{"missing key", npyFile("{'descr': '<f4', 'shape': (2,)}\n", f32(1, 2)), "want the keys descr, fortran_order and shape"},
		{"not a dict", npyFile("__import__('os').system('true')\n", nil), "is not a Python dict"},
		{"code after the dict", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}; import os\n", f32(1, 2)), "unexpected"},
		{"negative dimension", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", f32(1, 2)), "shape is not a tuple"},
		{"unterminated string", npyFile("{'descr': '<f4, 'fortran_order': False}\n", nil), "want ',' or '}'"},
	} {
		path := writeFile(t, t.TempDir(), "teacher.npy", c.file)
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", c.name, r)
				}
			}()
			_, err = interop.Read("", interop.ReadOptions{Users: path, Items: path})
		}()
		wantErr(t, c.name, err, path+": ", c.want)
		if err != nil && !errors.Is(err, interop.ErrFormat) {
			t.Errorf("%s: %v does not wrap ErrFormat", c.name, err)
		}
		if strings.Count(err.Error(), path) != 1 {
			t.Errorf("%s: the error names the file %d times: %v", c.name, strings.Count(err.Error(), path), err)
		}
	}
}

// TestHostileSafetensors: the same for .safetensors files.
func TestHostileSafetensors(t *testing.T) {
	good := `{"user_embeddings":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`
	payload := f32(1, 2, 3, 4, 5, 6, 7, 8, 9)
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "not a readable safetensors file: header too small"},
		{"header length beyond the file", binary.LittleEndian.AppendUint64(nil, 1<<20), "not a readable safetensors file: invalid header length"},
		{"header of 2^63 bytes declared", binary.LittleEndian.AppendUint64(nil, 1<<63), "header too large"},
		{"not JSON", stFile("{not json", nil), "invalid header deserialization"},
		{"truncated payload", stFile(good, payload[:30]), "metadata incomplete buffer"},
		{"trailing payload", stFile(good, append(slices.Clone(payload), 1, 2, 3, 4)), "metadata incomplete buffer"},
		{"huge declared shape", stFile(`{"user_embeddings":{"dtype":"F32","shape":[4000000000,4000000000],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`, payload), "multiplication overflow"},
		{"large declared shape", stFile(`{"user_embeddings":{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`, payload), "info data offsets mismatch"},
		{"overlapping offsets", stFile(`{"user_embeddings":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[12,24]}}`, payload[:24]), "invalid metadata offset"},
		{"int64 dtype", stFile(`{"user_embeddings":{"dtype":"I64","shape":[1,3],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`, payload), "tensor user_embeddings has dtype I64; want a floating-point type"},
		{"unknown dtype", stFile(`{"user_embeddings":{"dtype":"PICKLE","shape":[1],"data_offsets":[0,4]}}`, payload[:4]), "not a readable safetensors file"},
		{"three dimensions", stFile(`{"user_embeddings":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`, payload), "tensor user_embeddings has shape [1 2 3]: 3 dimensions"},
		{"missing tensor", stFile(`{"user_embeddings":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}`, payload[:24]), `no tensor "item_embeddings" (the file holds [user_embeddings])`},
		{"NaN", stFile(good, append(f32(1, 2, 3, 4, float32(math.NaN()), 6), payload[24:]...)), "tensor user_embeddings holds NaN at row 1, column 1"},
		{"widths differ", stFile(`{"user_embeddings":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`, payload), "user_embeddings has 2 columns, item_embeddings 3"},
		{"bad metadata score", stFile(`{"__metadata__":{"score":"cosine"},"user_embeddings":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"item_embeddings":{"dtype":"F32","shape":[1,3],"data_offsets":[24,36]}}`, payload), `metadata: unknown score form "cosine"`},
	} {
		path := writeFile(t, t.TempDir(), "teacher.safetensors", c.file)
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", c.name, r)
				}
			}()
			_, err = interop.Read(path, interop.ReadOptions{})
		}()
		wantErr(t, c.name, err, path+": ", c.want)
	}
	// The good file reads.
	path := writeFile(t, t.TempDir(), "teacher.safetensors", stFile(good, payload))
	e, err := interop.Read(path, interop.ReadOptions{})
	if err != nil || e.Users != 2 || e.Items != 1 || e.Dim != 3 || e.Score != "dot" {
		t.Fatalf("good file: %+v, %v", e, err)
	}
}

// TestHostileManifest: a manifest cannot point outside its directory, and
// its sizes must be the tensors'.
func TestHostileManifest(t *testing.T) {
	dir := t.TempDir()
	u, _ := interop.EncodeNPY([]int{2, 3}, make([]float32, 6))
	writeFile(t, dir, "u.npy", u)
	writeFile(t, dir, "i.npy", u)
	manifest := func(edit func(m map[string]any)) string {
		m := map[string]any{"format": "kdrec-embeddings", "version": 1, "score": "dot", "users": 2, "items": 2, "dim": 3,
			"files": map[string]string{"user_embeddings": "u.npy", "item_embeddings": "i.npy"}}
		edit(m)
		b, _ := json.Marshal(m)
		return writeFile(t, dir, "m.json", b)
	}
	if _, err := interop.Read(manifest(func(map[string]any) {}), interop.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"escaping path", func(m map[string]any) {
			m["files"] = map[string]string{"user_embeddings": "../../etc/passwd", "item_embeddings": "i.npy"}
		}, `file "../../etc/passwd" of user_embeddings is not a name in the manifest's directory`},
		{"absolute path", func(m map[string]any) {
			m["files"] = map[string]string{"user_embeddings": "/etc/passwd", "item_embeddings": "i.npy"}
		}, "is not a name in the manifest's directory"},
		{"sizes differ", func(m map[string]any) { m["users"] = 5 }, "the manifest says 5 users × 2 items × 3, the tensors hold 2 × 2 × 3"},
		{"other format", func(m map[string]any) { m["format"] = "pickle" }, `format "pickle" version 1`},
		{"few ids", func(m map[string]any) { m["user_ids"] = []string{"a"} }, "1 user identifiers for the 2 user rows"},
		{"bad score", func(m map[string]any) { m["score"] = "mlp" }, `unknown score form "mlp"`},
	} {
		_, err := interop.Read(manifest(c.edit), interop.ReadOptions{})
		wantErr(t, c.name, err, "m.json: ", c.want)
	}
	// Formats that may hold pickles are refused by name, unread.
	for _, f := range []string{"model.pt", "state.pth", "emb.pkl", "pytorch_model.bin", "arrays.npz"} {
		_, err := interop.Read(filepath.Join(dir, f), interop.ReadOptions{})
		wantErr(t, f, err, f+": ", "not read")
	}
	// A file that is not regular, or larger than the bound, is not read.
	_, err := interop.Read("", interop.ReadOptions{Users: dir, Items: dir})
	wantErr(t, "directory", err, "not a regular file")
	_, err = interop.Read("", interop.ReadOptions{Users: filepath.Join(dir, "u.npy"), Items: filepath.Join(dir, "i.npy"), MaxBytes: 64})
	wantErr(t, "bound", err, "u.npy: 152 bytes, more than the 64 accepted")
}

// FuzzDecodeNPY: whatever the bytes, DecodeNPY returns an error or an
// array whose values fill its shape and are finite; it never panics.
func FuzzDecodeNPY(f *testing.F) {
	f.Add(npyFile(dict23, f32(1, 2, 3, 4, 5, 6)))
	f.Add(npyFile("{'descr': '>f8', 'fortran_order': True, 'shape': (2,), }\n", make([]byte, 16)))
	f.Add(npyFile("{'descr': '<f2', 'fortran_order': False, 'shape': (1, 1), }\n", []byte{0, 0x3c}))
	good, _ := interop.EncodeNPY([]int{3}, []float32{1, 2, 3})
	f.Add(good)
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'shape': (0,)}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := interop.DecodeNPY(b)
		if err != nil {
			if !errors.Is(err, interop.ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		n := 1
		for _, s := range a.Shape {
			n *= s
		}
		if len(a.Shape) < 1 || len(a.Shape) > 2 || n != len(a.Data) || n > len(b) {
			t.Fatalf("shape %v with %d values from %d bytes", a.Shape, len(a.Data), len(b))
		}
		for _, x := range a.Data {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				t.Fatalf("non-finite value %v accepted", x)
			}
		}
	})
}

// FuzzDecodeSafetensors: the same for safetensors files and every tensor
// they hold.
func FuzzDecodeSafetensors(f *testing.F) {
	good, _ := interop.EncodeSafetensors(map[string]interop.Tensor{
		"user_embeddings": {Shape: []int{2, 2}, F32: []float32{1, 2, 3, 4}},
		"topk_items":      {Shape: []int{2, 1}, I32: []int32{0, 1}},
	}, map[string]string{"score": "dot"})
	f.Add(good)
	f.Add(stFile(`{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, []byte{0x80, 0x3f, 0, 0x40}))
	f.Add(stFile(`{"a":{"dtype":"F64","shape":[1,1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := interop.DecodeSafetensors(b)
		if err != nil {
			return
		}
		for _, name := range st.Names() {
			a, err := st.Tensor(name)
			if err != nil {
				if !errors.Is(err, interop.ErrFormat) {
					t.Fatalf("error %v does not wrap ErrFormat", err)
				}
				continue
			}
			if a.Rows()*a.Cols() != len(a.Data) || len(a.Data) > len(b) {
				t.Fatalf("tensor %s: shape %v with %d values from %d bytes", name, a.Shape, len(a.Data), len(b))
			}
			for _, x := range a.Data {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("non-finite value %v accepted", x)
				}
			}
		}
	})
}

// TestWriteReplacesOnlyItsOwnFiles checks that an export replaces an
// earlier export at the same path but refuses to replace a file it did not
// write (a manifest.json or a .npy of someone else's), leaving it intact.
func TestWriteReplacesOnlyItsOwnFiles(t *testing.T) {
	s := testSplit(t)
	e, err := interop.FromModel(context.Background(), trainedBPR(t, s, 4), interop.ExportOptions{Train: s.Train, Kind: "bpr"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// An earlier export is ours to replace.
	for range 2 {
		if _, err := interop.Write(filepath.Join(dir, "ours")+"/", e, interop.WriteOptions{}); err != nil {
			t.Fatalf("re-export over an export: %v", err)
		}
	}
	for _, c := range []struct{ path, theirs string }{
		{filepath.Join(dir, "a") + "/", "a/manifest.json"},
		{filepath.Join(dir, "b") + "/", "b/user_embeddings.npy"},
		{filepath.Join(dir, "c.npy"), "c.npy.json"},
		{filepath.Join(dir, "d.safetensors"), "d.safetensors"},
	} {
		theirs := filepath.Join(dir, c.theirs)
		if err := os.MkdirAll(filepath.Dir(theirs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(theirs, []byte("not ours"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := interop.Write(c.path, e, interop.WriteOptions{})
		wantErr(t, c.path, err, theirs, "refusing to replace")
		if b, _ := os.ReadFile(theirs); string(b) != "not ours" {
			t.Errorf("%s was changed", theirs)
		}
	}
}
