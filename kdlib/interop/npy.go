package interop

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/model"
)

// The NumPy .npy format (numpy.lib.format, versions 1.0 to 3.0): the magic
// "\x93NUMPY", a major and a minor version byte, the header's length
// (uint16 in version 1, uint32 in versions 2 and 3, little-endian), the
// header — a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (n, d), } padded with spaces and ended by a newline — and the
// values, C order unless fortran_order.
//
// kdrec reads and writes the format itself rather than through
// codeberg.org/sbinet/npyio (v0.14.0), which the tests use as an
// independent second implementation to check these files against: its
// reader allocates the header length and the number of values a file
// declares before comparing them with the file (a header declaring
// 10¹¹ × 3 values ends the process with "fatal error: out of memory", which
// recover cannot catch) and panics with a slice-bounds error on a header
// without its newline or with its keys in another order; its writer
// finds the type of every value by reflection, about 0.9 µs per value
// (4.4 s for CiteULike-t's 25,181 × 200 item table), and writes 2-D arrays
// only from [][]float32. The reader here checks the header's length, keys,
// type and shape against the bytes present before it allocates anything.

const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header of a .npy file (numpy writes a few
// hundred bytes; its own reader accepts up to 10⁴ by default).
const maxNPYHeader = 1 << 16

// maxDims bounds the dimensions of an array the readers accept (the
// embeddings are matrices, the biases vectors).
const maxDims = 2

// Array is a tensor read from a file: its shape and its values converted to
// float32, row-major (C order).
type Array struct {
	// Shape holds the dimensions (one or two).
	Shape []int
	// Data holds the values, Shape[0]·Shape[1] of them for a matrix.
	Data []float32
}

// Rows returns the first dimension (1 for a scalar).
func (a *Array) Rows() int {
	if len(a.Shape) == 0 {
		return 1
	}
	return a.Shape[0]
}

// Cols returns the second dimension: 1 for a vector or a scalar.
func (a *Array) Cols() int {
	if len(a.Shape) < 2 {
		return 1
	}
	return a.Shape[1]
}

// ErrFormat is wrapped by every error about a malformed or unacceptable
// file: a bad header, an unsupported dtype, a shape that does not fit the
// file, a non-finite value.
var ErrFormat = errors.New("invalid tensor file")

func formatErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))
}

// EncodeNPY returns a version 1.0 .npy file of a float32 array of the given
// shape (one or two dimensions; data holds their product of values,
// row-major). numpy.load reads it as dtype float32.
func EncodeNPY(shape []int, data []float32) ([]byte, error) {
	hdr, err := npyHeader("<f4", shape, len(data))
	if err != nil {
		return nil, err
	}
	b := make([]byte, len(hdr), len(hdr)+4*len(data))
	copy(b, hdr)
	for _, x := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b, nil
}

// EncodeNPYInt32 is EncodeNPY for int32 values (dtype '<i4'): the top-K
// lists.
func EncodeNPYInt32(shape []int, data []int32) ([]byte, error) {
	hdr, err := npyHeader("<i4", shape, len(data))
	if err != nil {
		return nil, err
	}
	b := make([]byte, len(hdr), len(hdr)+4*len(data))
	copy(b, hdr)
	for _, x := range data {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b, nil
}

// npyHeader returns the magic, version, length and header of an array of
// n values of dtype descr, padded so that the data start at a multiple of
// 64 bytes (as numpy writes them).
func npyHeader(descr string, shape []int, n int) ([]byte, error) {
	if len(shape) == 0 || len(shape) > maxDims {
		return nil, fmt.Errorf("npy: %d dimensions; want 1 or 2", len(shape))
	}
	prod := 1
	dims := make([]string, len(shape))
	for k, s := range shape {
		if s < 0 {
			return nil, fmt.Errorf("npy: negative dimension %d", s)
		}
		prod *= s
		dims[k] = strconv.Itoa(s)
	}
	if prod != n {
		return nil, fmt.Errorf("npy: shape %v holds %d values, given %d", shape, prod, n)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	total := len(npyMagic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	h := make([]byte, 0, total+pad)
	h = append(h, npyMagic...)
	h = append(h, 1, 0)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)+pad+1))
	h = append(h, dict...)
	h = append(h, bytes.Repeat([]byte{' '}, pad)...)
	return append(h, '\n'), nil
}

// npyDType is a parsed 'descr': byte order, kind and size of a value.
type npyDType struct {
	big  bool
	kind byte // 'f', 'i', 'u', …
	size int
}

// parseDescr parses a simple dtype string such as '<f4' or '>f8'.
func parseDescr(s string) (npyDType, error) {
	if len(s) < 3 {
		return npyDType{}, formatErr("dtype %q is not a simple numeric type", s)
	}
	var dt npyDType
	switch s[0] {
	case '<':
	case '>':
		dt.big = true
	case '|':
	default:
		return npyDType{}, formatErr("dtype %q has no explicit byte order ('<' or '>')", s)
	}
	dt.kind = s[1]
	n, err := strconv.Atoi(s[2:])
	if err != nil || n <= 0 || n > 16 {
		return npyDType{}, formatErr("dtype %q is not a simple numeric type", s)
	}
	dt.size = n
	return dt, nil
}

// floatType reports whether dt is a floating-point type the readers
// convert (float16, float32, float64).
func (dt npyDType) floatType() bool {
	return dt.kind == 'f' && (dt.size == 2 || dt.size == 4 || dt.size == 8)
}

// DecodeNPY parses a .npy file held in memory. It accepts float16, float32
// and float64 arrays of one or two dimensions, in either byte order and in
// C or Fortran order, and converts their values to float32, row-major. In
// this order and before allocating anything, it checks: the magic, the
// version and the header's length against the file; the header's syntax,
// keys and values; the dtype; every dimension against model.MaxTensorSide;
// and that the values the shape declares fill exactly the bytes after the
// header (a truncated file, or one with trailing bytes, is refused). A
// value that is NaN or ±Inf, or a float64 beyond float32's range, is
// refused too. Errors wrap ErrFormat and say what is wrong; the caller
// adds the file's name.
func DecodeNPY(b []byte) (*Array, error) {
	if len(b) < len(npyMagic)+4 || string(b[:len(npyMagic)]) != npyMagic {
		return nil, formatErr("not a NumPy .npy file (no \\x93NUMPY magic)")
	}
	major := b[len(npyMagic)]
	off := len(npyMagic) + 2
	var hlen int
	switch major {
	case 1:
		hlen = int(binary.LittleEndian.Uint16(b[off:]))
		off += 2
	case 2, 3:
		if len(b) < off+4 {
			return nil, formatErr("truncated: %d bytes end inside the header length", len(b))
		}
		hlen = int(binary.LittleEndian.Uint32(b[off:]))
		off += 4
	default:
		return nil, formatErr("format version %d.%d; this reader knows 1.0, 2.0 and 3.0", major, b[len(npyMagic)+1])
	}
	if hlen > maxNPYHeader {
		return nil, formatErr("header of %d bytes; at most %d accepted", hlen, maxNPYHeader)
	}
	if hlen > len(b)-off {
		return nil, formatErr("truncated: header of %d bytes, %d bytes follow", hlen, len(b)-off)
	}
	h, err := parseNPYHeader(string(b[off : off+hlen]))
	if err != nil {
		return nil, err
	}
	off += hlen
	dt, err := parseDescr(h.descr)
	if err != nil {
		return nil, err
	}
	if !dt.floatType() {
		return nil, formatErr("dtype %q; want a floating-point type (float16, float32 or float64)", h.descr)
	}
	if len(h.shape) == 0 || len(h.shape) > maxDims {
		return nil, formatErr("shape %v has %d dimensions; want 1 (a vector) or 2 (a matrix)", h.shape, len(h.shape))
	}
	n, err := checkShape(h.shape, int64(len(b)-off), dt.size)
	if err != nil {
		return nil, err
	}
	a := &Array{Shape: h.shape, Data: make([]float32, n)}
	if err := convert(a.Data, b[off:], dt.size, dt.big, dtF16); err != nil {
		return nil, err
	}
	if h.fortran && len(h.shape) == 2 {
		transpose(a)
	}
	if err := model.CheckFinite("the array", a.Cols(), a.Data); err != nil {
		return nil, formatErr("%v", err)
	}
	return a, nil
}

// checkShape checks every dimension of shape against model.MaxTensorSide
// and that the product of the dimensions, at size bytes per value, is
// exactly have bytes; it returns the number of values.
func checkShape(shape []int, have int64, size int) (int, error) {
	n := int64(1)
	for _, s := range shape {
		if s < 0 || s > model.MaxTensorSide {
			return 0, formatErr("shape %v: dimension %d out of range [0, %d]", shape, s, model.MaxTensorSide)
		}
		if s != 0 && n > have/int64(s) {
			return 0, formatErr("truncated: shape %v needs more than the %d bytes present", shape, have)
		}
		n *= int64(s)
	}
	if n*int64(size) != have {
		return 0, formatErr("shape %v of %d-byte values needs %d bytes, the file holds %d (truncated or trailing data)",
			shape, size, n*int64(size), have)
	}
	return int(n), nil
}

// float16 flavours of convert.
const (
	dtF16  = iota // IEEE 754 half precision
	dtBF16        // bfloat16: the high 16 bits of a float32
)

// convert decodes len(out) values of size bytes from b into out. A float64
// that is finite but beyond float32's range is an error.
func convert(out []float32, b []byte, size int, big bool, half int) error {
	var bo binary.ByteOrder = binary.LittleEndian
	if big {
		bo = binary.BigEndian
	}
	switch size {
	case 2:
		for k := range out {
			v := bo.Uint16(b[2*k:])
			if half == dtBF16 {
				out[k] = math.Float32frombits(uint32(v) << 16)
			} else {
				out[k] = halfToFloat32(v)
			}
		}
	case 4:
		for k := range out {
			out[k] = math.Float32frombits(bo.Uint32(b[4*k:]))
		}
	case 8:
		for k := range out {
			x := math.Float64frombits(bo.Uint64(b[8*k:]))
			out[k] = float32(x)
			if math.IsInf(float64(out[k]), 0) && !math.IsInf(x, 0) {
				return formatErr("value %g at position %d does not fit float32", x, k)
			}
		}
	}
	return nil
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac·2⁻²⁴
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// transpose turns the column-major values of a matrix into row-major.
func transpose(a *Array) {
	r, c := a.Shape[0], a.Shape[1]
	out := make([]float32, len(a.Data))
	for j := range c {
		col := a.Data[j*r : (j+1)*r]
		for i, x := range col {
			out[i*c+j] = x
		}
	}
	a.Data = out
}

// npyHeaderDict is the content of a .npy header.
type npyHeaderDict struct {
	descr   string
	fortran bool
	shape   []int
}

// parseNPYHeader parses the header dict: exactly the keys 'descr' (a
// string), 'fortran_order' (True or False) and 'shape' (a tuple of
// non-negative integers), in any order, with an optional trailing comma,
// followed by spaces and a newline.
func parseNPYHeader(s string) (npyHeaderDict, error) {
	var h npyHeaderDict
	p := &pyLexer{s: s}
	if !p.eat('{') {
		return h, formatErr("header %q is not a Python dict", clip(s))
	}
	seen := map[string]bool{}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return h, formatErr("header %q: want 'key': value pairs", clip(s))
		}
		if seen[key] {
			return h, formatErr("header %q: key %q repeated", clip(s), key)
		}
		seen[key] = true
		switch key {
		case "descr":
			if h.descr, ok = p.str(); !ok {
				return h, formatErr("header %q: descr is not a string (structured dtypes are not read)", clip(s))
			}
		case "fortran_order":
			switch w := p.word(); w {
			case "True":
				h.fortran = true
			case "False":
			default:
				return h, formatErr("header %q: fortran_order %q is not True or False", clip(s), w)
			}
		case "shape":
			if h.shape, ok = p.tuple(); !ok {
				return h, formatErr("header %q: shape is not a tuple of integers", clip(s))
			}
		default:
			return h, formatErr("header %q: unknown key %q", clip(s), key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return h, formatErr("header %q: want ',' or '}' after %s", clip(s), key)
			}
			break
		}
	}
	if len(seen) != 3 {
		return h, formatErr("header %q: want the keys descr, fortran_order and shape", clip(s))
	}
	if rest := strings.TrimRight(s[p.k:], " \x00\n"); rest != "" {
		return h, formatErr("header %q: unexpected %q after the dict", clip(s), clip(rest))
	}
	return h, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// pyLexer reads the tokens of a .npy header.
type pyLexer struct {
	s string
	k int
}

func (p *pyLexer) space() {
	for p.k < len(p.s) && (p.s[p.k] == ' ' || p.s[p.k] == '\t') {
		p.k++
	}
}

// eat consumes c (after spaces) if it is next.
func (p *pyLexer) eat(c byte) bool {
	p.space()
	if p.k < len(p.s) && p.s[p.k] == c {
		p.k++
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *pyLexer) str() (string, bool) {
	p.space()
	if p.k >= len(p.s) || (p.s[p.k] != '\'' && p.s[p.k] != '"') {
		return "", false
	}
	q := p.s[p.k]
	end := strings.IndexByte(p.s[p.k+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.k+1 : p.k+1+end]
	if strings.ContainsAny(v, "\\\n") {
		return "", false
	}
	p.k += end + 2
	return v, true
}

// word reads a run of letters.
func (p *pyLexer) word() string {
	p.space()
	start := p.k
	for p.k < len(p.s) && (p.s[p.k] >= 'A' && p.s[p.k] <= 'Z' || p.s[p.k] >= 'a' && p.s[p.k] <= 'z') {
		p.k++
	}
	return p.s[start:p.k]
}

// tuple reads (a, b, …) of non-negative integers (at most maxDims+1 of
// them; the caller refuses more than maxDims).
func (p *pyLexer) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	out := []int{}
	for !p.eat(')') {
		p.space()
		start := p.k
		for p.k < len(p.s) && p.s[p.k] >= '0' && p.s[p.k] <= '9' {
			p.k++
		}
		if p.k == start || p.k-start > 19 || len(out) > maxDims {
			return nil, false
		}
		v, err := strconv.Atoi(p.s[start:p.k])
		if err != nil {
			return nil, false
		}
		out = append(out, v)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, false
			}
			break
		}
	}
	return out, true
}
