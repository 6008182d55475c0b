package interop

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/nlpodyssey/safetensors"
)

// The safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header mapping every tensor's name to its dtype,
// shape and byte offsets (plus an optional "__metadata__" map of strings),
// and the tensors' bytes, little-endian, C order. It holds no code: loading
// it executes nothing. It is read and written with
// github.com/nlpodyssey/safetensors, whose Deserialize checks, before any
// tensor is touched, that the header fits the file (and is at most 100 MB),
// that the offsets are contiguous from 0 and each span dtype size × shape
// bytes, and that the last one ends the file; it allocates no tensor.

// Tensor is a tensor to write: its shape and its values, row-major, as
// float32 or (when I32 is set) int32.
type Tensor struct {
	// Shape holds the dimensions; their product is the number of values.
	Shape []int
	// F32 holds the values of a float32 tensor (dtype F32).
	F32 []float32
	// I32, if not nil, holds the values of an int32 tensor (dtype I32: the
	// top-K lists) instead.
	I32 []int32
}

// EncodeSafetensors returns a safetensors file holding the tensors (F32 or
// I32) and the metadata map (the file's "__metadata__"; may be nil).
func EncodeSafetensors(tensors map[string]Tensor, meta map[string]string) ([]byte, error) {
	views := make(map[string]safetensors.TensorView, len(tensors))
	for name, t := range tensors {
		shape := make([]uint64, len(t.Shape))
		n := 1
		for k, s := range t.Shape {
			shape[k], n = uint64(s), n*s
		}
		var dt safetensors.DType
		var b []byte
		switch {
		case t.I32 != nil:
			if len(t.I32) != n {
				return nil, fmt.Errorf("safetensors: tensor %s: shape %v holds %d values, given %d", name, t.Shape, n, len(t.I32))
			}
			dt, b = safetensors.I32, make([]byte, 0, 4*n)
			for _, x := range t.I32 {
				b = binary.LittleEndian.AppendUint32(b, uint32(x))
			}
		default:
			if len(t.F32) != n {
				return nil, fmt.Errorf("safetensors: tensor %s: shape %v holds %d values, given %d", name, t.Shape, n, len(t.F32))
			}
			dt, b = safetensors.F32, make([]byte, 0, 4*n)
			for _, x := range t.F32 {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
			}
		}
		v, err := safetensors.NewTensorView(dt, shape, b)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %s: %w", name, err)
		}
		views[name] = v
	}
	return safetensors.Serialize(views, meta)
}

// Safetensors is a safetensors file parsed by DecodeSafetensors: its
// metadata and its tensors, not yet converted.
type Safetensors struct {
	st safetensors.SafeTensors
	// Meta is the file's "__metadata__" map (nil if none).
	Meta map[string]string
}

// DecodeSafetensors parses a safetensors file held in memory. It checks
// the header and the offsets (see above) without allocating any tensor;
// Tensor then converts one tensor, checking it first.
func DecodeSafetensors(b []byte) (*Safetensors, error) {
	st, err := safetensors.Deserialize(b)
	if err != nil {
		return nil, formatErr("not a readable safetensors file: %v", err)
	}
	_, md, err := safetensors.ReadMetadata(b)
	if err != nil {
		return nil, formatErr("not a readable safetensors file: %v", err)
	}
	return &Safetensors{st: st, Meta: md.Metadata()}, nil
}

// Names returns the names of the tensors, sorted.
func (s *Safetensors) Names() []string {
	names := s.st.Names()
	slices.Sort(names)
	return names
}

// Has reports whether the file holds a tensor called name.
func (s *Safetensors) Has(name string) bool {
	_, ok := s.st.Tensor(name)
	return ok
}

// Tensor converts the named tensor to a float32 Array. It accepts the
// dtypes F16, BF16, F32 and F64, one or two dimensions each at most
// model.MaxTensorSide, and refuses NaN, ±Inf and float64 values beyond
// float32's range. Errors wrap ErrFormat and name the tensor.
func (s *Safetensors) Tensor(name string) (*Array, error) {
	v, ok := s.st.Tensor(name)
	if !ok {
		return nil, formatErr("no tensor %q (the file holds %v)", name, s.Names())
	}
	size := 0
	half := dtF16
	switch v.DType() {
	case safetensors.F16:
		size = 2
	case safetensors.BF16:
		size, half = 2, dtBF16
	case safetensors.F32:
		size = 4
	case safetensors.F64:
		size = 8
	default:
		return nil, formatErr("tensor %s has dtype %s; want a floating-point type (F16, BF16, F32 or F64)", name, v.DType())
	}
	raw := v.Shape()
	if len(raw) == 0 || len(raw) > maxDims {
		return nil, formatErr("tensor %s has shape %v: %d dimensions; want 1 (a vector) or 2 (a matrix)", name, raw, len(raw))
	}
	shape := make([]int, len(raw))
	for k, d := range raw {
		if d > model.MaxTensorSide {
			return nil, formatErr("tensor %s has shape %v: dimension %d out of range [0, %d]", name, raw, d, model.MaxTensorSide)
		}
		shape[k] = int(d)
	}
	n, err := checkShape(shape, int64(len(v.Data())), size)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	a := &Array{Shape: shape, Data: make([]float32, n)}
	if err := convert(a.Data, v.Data(), size, false, half); err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	if err := model.CheckFinite("tensor "+name, a.Cols(), a.Data); err != nil {
		return nil, formatErr("%v", err)
	}
	return a, nil
}
