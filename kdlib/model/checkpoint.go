package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/kdrec/kdrec/kdlib/nn"
)

// Checkpointable is a model that can be saved: its kind names the Kind
// registered with RegisterKind (whose Decode rebuilds it), Config returns
// the hyper-parameters (encoded as JSON) and Params the tensors.
type Checkpointable interface {
	Kind() string
	Config() any
	Params() []*nn.Param
}

// TensorShape is the name and size of one tensor of a model, as the header
// of a checkpoint lists it.
type TensorShape struct {
	// Name is the tensor's name (nn.Param.Name).
	Name string
	// Rows and Cols give its size.
	Rows, Cols int
}

// ShapeFunc returns the tensors, in Params order, of the model that the
// Decode function of a kind builds from config — computed from the
// configuration alone, without allocating them. Decode compares them with
// the tensors a checkpoint holds before it calls Kind.Decode, so that
// a configuration altered to ask for huge tensors is refused instead of
// allocated. It returns an error for a configuration it cannot size.
type ShapeFunc func(config json.RawMessage) ([]TensorShape, error)

// lookupShapes returns the ShapeFunc of a registered kind (nil if it has
// none).
func lookupShapes(kind string) ShapeFunc {
	k, err := LookupKind(kind)
	if err != nil {
		return nil
	}
	return k.Shapes
}

// Checkpoint file layout (all integers little-endian):
//
//	magic   "KDRECKPT"                8 bytes
//	version uint32                    (CheckpointVersion)
//	hlen    uint32                    length of the JSON header
//	header  JSON                      {"kind", "config", "tensors":[{"name","rows","cols"}], "meta"}
//	data    float32 × Σ rows·cols     tensors in header order, row-major
//	sha256  32 bytes                  of everything above
const (
	checkpointMagic = "KDRECKPT"
	// CheckpointVersion is the format version written by Save.
	CheckpointVersion = 1
)

type ckptHeader struct {
	Kind    string            `json:"kind"`
	Config  json.RawMessage   `json:"config"`
	Tensors []ckptTensor      `json:"tensors"`
	Meta    map[string]string `json:"meta,omitempty"`
}

type ckptTensor struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
	Cols int    `json:"cols"`
}

// ErrCorrupt is wrapped by every error about a malformed checkpoint file.
var ErrCorrupt = errors.New("corrupt checkpoint")

// Save writes m to path atomically (a temporary file in the same directory,
// synced, then renamed), so a crash never leaves a half-written checkpoint
// under path. meta is free-form (data set, split, epochs, metrics).
func Save(path string, m Checkpointable, meta map[string]string) error {
	var buf bytes.Buffer
	if err := Encode(&buf, m, meta); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// Encode writes m in the checkpoint format to w.
func Encode(w io.Writer, m Checkpointable, meta map[string]string) error {
	cfg, err := json.Marshal(m.Config())
	if err != nil {
		return fmt.Errorf("checkpoint: encode %s config: %w", m.Kind(), err)
	}
	h := ckptHeader{Kind: m.Kind(), Config: cfg, Meta: meta}
	for _, p := range m.Params() {
		h.Tensors = append(h.Tensors, ckptTensor{p.Name, p.Rows, p.Cols})
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	var head [16]byte
	copy(head[:8], checkpointMagic)
	binary.LittleEndian.PutUint32(head[8:], CheckpointVersion)
	binary.LittleEndian.PutUint32(head[12:], uint32(len(hj)))
	if _, err := out.Write(head[:]); err != nil {
		return err
	}
	if _, err := out.Write(hj); err != nil {
		return err
	}
	for _, p := range m.Params() {
		b := make([]byte, 4*len(p.W))
		for k, x := range p.W {
			binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(x))
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// Load reads a checkpoint written by Save and rebuilds the model. Truncated
// files, checksum mismatches, unknown kinds and tensors whose shapes do not
// match the model's configuration give errors naming the file.
func Load(path string) (Checkpointable, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	m, meta, err := Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, meta, nil
}

// MaxTensorSide bounds the rows and the columns of one tensor of a
// checkpoint (the index spaces are int32 everywhere).
const MaxTensorSide = math.MaxInt32

// Decode parses a checkpoint held in memory. It checks, in this order and
// before building anything: the magic, version and size; every tensor's
// size against MaxTensorSide and the bytes present; the checksum; the kind;
// and (for kinds with a ShapeFunc) that the header's configuration implies
// exactly the tensors the file holds, so that an altered configuration is
// refused rather than allocated. A model whose weights include NaN or ±Inf
// is refused too. Every such error wraps ErrCorrupt.
//
// The kind is whatever the header says: a file whose kind was changed to
// another kind with the same tensors loads as that kind, so callers that
// know what they expect (a cache key, a description in Meta) compare it
// with the Kind of the model returned.
func Decode(b []byte) (Checkpointable, map[string]string, error) {
	if len(b) < 16+32 {
		return nil, nil, fmt.Errorf("%w: truncated: %d bytes is shorter than any checkpoint", ErrCorrupt, len(b))
	}
	if string(b[:8]) != checkpointMagic {
		return nil, nil, fmt.Errorf("%w: not a kdrec checkpoint (bad magic %q)", ErrCorrupt, b[:8])
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != CheckpointVersion {
		return nil, nil, fmt.Errorf("%w: format version %d, this build reads version %d", ErrCorrupt, v, CheckpointVersion)
	}
	hlen := int(binary.LittleEndian.Uint32(b[12:]))
	if hlen > len(b)-16-32 {
		return nil, nil, fmt.Errorf("%w: truncated: header of %d bytes does not fit in %d bytes", ErrCorrupt, hlen, len(b))
	}
	var h ckptHeader
	if err := json.Unmarshal(b[16:16+hlen], &h); err != nil {
		return nil, nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	want := int64(16 + hlen + 32)
	for _, t := range h.Tensors {
		if t.Rows < 0 || t.Cols < 0 || t.Rows > MaxTensorSide || t.Cols > MaxTensorSide {
			return nil, nil, fmt.Errorf("%w: tensor %s has an impossible size %d×%d", ErrCorrupt, t.Name, t.Rows, t.Cols)
		}
		// Both sides are below 2³¹, so the product fits in an int64.
		n := int64(t.Rows) * int64(t.Cols)
		if n > (int64(len(b))-want)/4 {
			return nil, nil, fmt.Errorf("%w: truncated: tensor %s (%d×%d) exceeds the file", ErrCorrupt, t.Name, t.Rows, t.Cols)
		}
		want += 4 * n
	}
	if int64(len(b)) != want {
		return nil, nil, fmt.Errorf("%w: size %d bytes, header implies %d (truncated or trailing data)", ErrCorrupt, len(b), want)
	}
	sum := sha256.Sum256(b[:len(b)-32])
	if !bytes.Equal(sum[:], b[len(b)-32:]) {
		return nil, nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	k, err := LookupKind(h.Kind)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: unknown model kind %q (known: %v)", ErrCorrupt, h.Kind, Kinds())
	}
	if shapes := k.Shapes; shapes != nil {
		if err := checkShapes(h, shapes); err != nil {
			return nil, nil, err
		}
	}
	m, err := k.Decode(h.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s config: %v", ErrCorrupt, h.Kind, err)
	}
	params := m.Params()
	if len(params) != len(h.Tensors) {
		return nil, nil, fmt.Errorf("%w: %s has %d tensors, file has %d", ErrCorrupt, h.Kind, len(params), len(h.Tensors))
	}
	off := 16 + hlen
	for k, p := range params {
		t := h.Tensors[k]
		if t.Name != p.Name || t.Rows != p.Rows || t.Cols != p.Cols {
			return nil, nil, fmt.Errorf("%w: tensor %d is %s %d×%d in the file, the model expects %s %d×%d",
				ErrCorrupt, k, t.Name, t.Rows, t.Cols, p.Name, p.Rows, p.Cols)
		}
		for j := range p.W {
			p.W[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[off+4*j:]))
		}
		if err := CheckFinite("tensor "+p.Name, p.Cols, p.W); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		off += 4 * len(p.W)
	}
	return m, h.Meta, nil
}

// checkShapes compares the tensors the header's configuration implies with
// those the file holds.
func checkShapes(h ckptHeader, shapes ShapeFunc) error {
	want, err := shapes(h.Config)
	if err != nil {
		return fmt.Errorf("%w: %s config: %v", ErrCorrupt, h.Kind, err)
	}
	if len(want) != len(h.Tensors) {
		return fmt.Errorf("%w: the %s config implies %d tensors, the file holds %d", ErrCorrupt, h.Kind, len(want), len(h.Tensors))
	}
	for k, w := range want {
		t := h.Tensors[k]
		if t.Name != w.Name || t.Rows != w.Rows || t.Cols != w.Cols {
			return fmt.Errorf("%w: the %s config implies tensor %d to be %s %d×%d, the file holds %s %d×%d (an altered header?)",
				ErrCorrupt, h.Kind, k, w.Name, w.Rows, w.Cols, t.Name, t.Rows, t.Cols)
		}
	}
	return nil
}
