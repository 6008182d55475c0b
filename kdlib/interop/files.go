package interop

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/model"
)

// Format is the file format of an export.
type Format string

// Formats of an export.
const (
	// NPY writes one NumPy .npy file per tensor.
	NPY Format = "npy"
	// SafetensorsFormat writes every tensor into one .safetensors file.
	SafetensorsFormat Format = "safetensors"
)

// ManifestFormat is the "format" of a manifest.
const ManifestFormat = "kdrec-embeddings"

// ManifestVersion is the manifest version Write writes and Read reads.
const ManifestVersion = 1

// ManifestName is the manifest's name in a directory export.
const ManifestName = "manifest.json"

// Manifest describes an export; Write writes it as JSON beside the tensors
// (Layout.Manifest). It is also the ID map an import reads: a JSON object
// with "user_ids" and "item_ids" (row r of the matrices is the user or
// item whose identifier is the r-th) is all ReadOptions.IDs needs.
type Manifest struct {
	// Format is ManifestFormat and Version ManifestVersion.
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Score is the score form ("" for top-K lists only).
	Score model.ScoreForm `json:"score,omitempty"`
	// Kind is the kind of the model exported.
	Kind string `json:"kind,omitempty"`
	// Users, Items and Dim are the matrices' sizes; TopK the lists' length.
	Users int `json:"users"`
	Items int `json:"items"`
	Dim   int `json:"dim,omitempty"`
	TopK  int `json:"topk,omitempty"`
	// Files maps every tensor's name to its file, a name in the manifest's
	// directory.
	Files map[string]string `json:"files,omitempty"`
	// Meta is the export's provenance (model, data set, split).
	Meta map[string]string `json:"meta,omitempty"`
	// UserIDs and ItemIDs are the identifiers of the rows.
	UserIDs []string `json:"user_ids,omitempty"`
	ItemIDs []string `json:"item_ids,omitempty"`
}

// Layout is where an export's files go, derived from the path given to
// Write (LayoutOf).
type Layout struct {
	// Format is NPY or SafetensorsFormat.
	Format Format
	// Manifest is the manifest's path.
	Manifest string
	// dir and prefix place the .npy files: dir/prefix<tensor>.npy; file is
	// the .safetensors file.
	dir, prefix, file string
}

// LayoutOf returns the layout of an export to path:
//
//   - "x.safetensors": one file x.safetensors holding every tensor, and the
//     manifest x.safetensors.json;
//   - "x.npy": one .npy file per tensor, x.user_embeddings.npy,
//     x.item_embeddings.npy, …, and the manifest x.npy.json;
//   - "dir/" (a trailing separator) or an existing directory:
//     dir/user_embeddings.npy, … and dir/manifest.json.
//
// The manifest is always the path given plus ".json", except in a
// directory, where it is manifest.json.
func LayoutOf(path string) (Layout, error) {
	if path == "" {
		return Layout{}, errors.New("empty path")
	}
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".safetensors"):
		return Layout{Format: SafetensorsFormat, Manifest: path + ".json", file: path}, nil
	case strings.HasSuffix(lower, ".npy"):
		dir, base := filepath.Split(path)
		return Layout{Format: NPY, Manifest: path + ".json", dir: dir, prefix: base[:len(base)-len(".npy")] + "."}, nil
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return Layout{Format: NPY, Manifest: filepath.Join(path, ManifestName), dir: path}, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return Layout{Format: NPY, Manifest: filepath.Join(path, ManifestName), dir: path}, nil
	}
	return Layout{}, fmt.Errorf("%s: want a .npy prefix (x.npy writes x.user_embeddings.npy, …), a .safetensors file or a directory (dir/)", path)
}

// File returns the path of a tensor's file.
func (l Layout) File(tensor string) string {
	if l.Format == SafetensorsFormat {
		return l.file
	}
	return filepath.Join(l.dir, l.prefix+tensor+".npy")
}

// WriteOptions configures Write.
type WriteOptions struct {
	// WriteFile writes one file (default model.WriteFileAtomic: a
	// temporary file renamed over the target, which must be a regular file
	// or absent; symbolic links are followed).
	WriteFile func(name string, data []byte) error
}

// tensors returns the tensors of e by name.
func (e *Embeddings) tensors() map[string]Tensor {
	t := map[string]Tensor{}
	if e.User != nil {
		t[UserEmbeddings] = Tensor{Shape: []int{e.Users, e.Dim}, F32: e.User}
		t[ItemEmbeddings] = Tensor{Shape: []int{e.Items, e.Dim}, F32: e.Item}
	}
	if e.UserBias != nil {
		t[UserBias] = Tensor{Shape: []int{e.Users}, F32: e.UserBias}
	}
	if e.ItemBias != nil {
		t[ItemBias] = Tensor{Shape: []int{e.Items}, F32: e.ItemBias}
	}
	if e.K > 0 {
		t[TopKItems] = Tensor{Shape: []int{e.Users, e.K}, I32: e.TopK}
		t[TopKScores] = Tensor{Shape: []int{e.Users, e.K}, F32: e.TopKScores}
	}
	return t
}

// Write writes e to path in the layout LayoutOf gives (the format follows
// from the path), every file atomically: first the tensors, then the
// manifest, which also holds the identifiers. It returns the files
// written, the manifest last.
func Write(path string, e *Embeddings, o WriteOptions) ([]string, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	l, err := LayoutOf(path)
	if err != nil {
		return nil, err
	}
	write := o.WriteFile
	if write == nil {
		write = model.WriteFileAtomic
	}
	m := Manifest{Format: ManifestFormat, Version: ManifestVersion, Score: e.Score, Kind: e.Kind, Users: e.Users,
		Items: e.Items, Dim: e.Dim, TopK: e.K, Files: map[string]string{}, Meta: e.Meta, UserIDs: e.UserIDs, ItemIDs: e.ItemIDs}
	tensors := e.tensors()
	targets := []string{l.Manifest}
	if l.Format == SafetensorsFormat {
		targets = append(targets, l.file)
	} else {
		for name := range tensors {
			targets = append(targets, l.File(name))
		}
	}
	if err := checkTargets(l.Manifest, targets); err != nil {
		return nil, err
	}
	var written []string
	switch l.Format {
	case SafetensorsFormat:
		b, err := EncodeSafetensors(tensors, e.fileMeta())
		if err != nil {
			return nil, err
		}
		if err := write(l.file, b); err != nil {
			return nil, err
		}
		written = append(written, l.file)
		for name := range tensors {
			m.Files[name] = filepath.Base(l.file)
		}
	default:
		for _, name := range slices.Sorted(maps.Keys(tensors)) {
			t := tensors[name]
			var b []byte
			if t.I32 != nil {
				b, err = EncodeNPYInt32(t.Shape, t.I32)
			} else {
				b, err = EncodeNPY(t.Shape, t.F32)
			}
			if err != nil {
				return nil, err
			}
			f := l.File(name)
			if err := write(f, b); err != nil {
				return nil, err
			}
			written = append(written, f)
			m.Files[name] = filepath.Base(f)
		}
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	if err := write(l.Manifest, append(b, '\n')); err != nil {
		return nil, err
	}
	return append(written, l.Manifest), nil
}

// fileMeta is the "__metadata__" of a .safetensors export: the manifest's
// scalar fields, and Meta under "meta.<key>".
func (e *Embeddings) fileMeta() map[string]string {
	md := map[string]string{"format": ManifestFormat, "version": strconv.Itoa(ManifestVersion),
		"users": strconv.Itoa(e.Users), "items": strconv.Itoa(e.Items)}
	if e.Score != "" {
		md["score"], md["dim"] = string(e.Score), strconv.Itoa(e.Dim)
	}
	if e.Kind != "" {
		md["kind"] = e.Kind
	}
	if e.K > 0 {
		md["topk"] = strconv.Itoa(e.K)
	}
	for k, v := range e.Meta {
		md["meta."+k] = v
	}
	return md
}

// DefaultMaxBytes bounds the size of a file Read reads (8 GiB: a float32
// matrix of two billion values).
const DefaultMaxBytes int64 = 8 << 30

// ReadOptions configures Read.
type ReadOptions struct {
	// Users and Items name two .npy files holding the user and the item
	// matrix, read instead of a path (a teacher's embeddings saved with
	// numpy.save).
	Users, Items string
	// UserTensor and ItemTensor name the matrices in a .safetensors file
	// read without its manifest (default UserEmbeddings and
	// ItemEmbeddings: a PyTorch state dict has other names, such as
	// "user_embedding.weight").
	UserTensor, ItemTensor string
	// IDs names a JSON file with "user_ids" and "item_ids" (a manifest is
	// one), which map rows to identifiers; it overrides a manifest's.
	IDs string
	// Score overrides the score form the files state. Default: the
	// manifest's or the .safetensors metadata's "score", else dot+bias when
	// bias tensors are present, else dot.
	Score model.ScoreForm
	// MaxBytes bounds every file read (default DefaultMaxBytes).
	MaxBytes int64
	// ReadFile reads one file (default: the file system, refusing files
	// that are not regular or larger than MaxBytes before reading them).
	ReadFile func(name string) ([]byte, error)
}

// reader returns the function that reads files.
func (o *ReadOptions) reader() func(string) ([]byte, error) {
	if o.ReadFile != nil {
		return o.ReadFile
	}
	limit := o.MaxBytes
	return func(name string) ([]byte, error) { return ReadFileBounded(name, limit) }
}

// checkTargets refuses to replace a file that an export did not write: an
// existing target must be the manifest of an earlier export (a kdrec
// manifest at manifest) or a file that manifest lists. A new export over
// an old one replaces it; anything else at those paths is left alone.
func checkTargets(manifest string, targets []string) error {
	var old *Manifest
	if b, err := ReadFileBounded(manifest, 1<<30); err == nil {
		var m Manifest
		if json.Unmarshal(b, &m) == nil && m.Format == ManifestFormat {
			old = &m
		}
	}
	ours := map[string]bool{}
	if old != nil {
		ours[filepath.Clean(manifest)] = true
		for _, f := range old.Files {
			ours[filepath.Join(filepath.Dir(manifest), f)] = true
		}
	}
	for _, t := range targets {
		if _, err := os.Lstat(t); err != nil {
			continue // nothing there (or nothing we can see): the write reports its own errors
		}
		if !ours[filepath.Clean(t)] {
			return fmt.Errorf("%s exists and is not a file of an earlier export (%s lists it); refusing to replace it: remove it or export to another path", t, manifest)
		}
	}
	return nil
}

// ReadFileBounded reads a regular file of at most limit bytes (limit ≤ 0:
// DefaultMaxBytes); a directory, device, FIFO or socket, or a larger file,
// is refused before anything is read. It is Read's default ReadFile.
func ReadFileBounded(name string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	// Stat first, so that opening a FIFO cannot block; then check the
	// opened file is that one and read at most limit+1 bytes from it, so
	// a file swapped or grown in between is still bounded.
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s); refusing to read it", name, fi.Mode().Type())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d accepted (MaxBytes)", name, fi.Size(), limit)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fo, err := f.Stat(); err != nil || !os.SameFile(fi, fo) {
		return nil, fmt.Errorf("%s: the file changed while it was opened; refusing to read it", name)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes accepted (MaxBytes)", name, limit)
	}
	return b, nil
}

// Read reads embeddings written by Write, or by anyone in either format,
// from path:
//
//   - the manifest of an export (x.npy.json, x.safetensors.json,
//     dir/manifest.json), or the path given to Write (x.npy, dir/,
//     x.safetensors), whose manifest is then read;
//   - a .safetensors file without a manifest: the tensors UserTensor and
//     ItemTensor (and user_bias, item_bias when present);
//   - "" with Users and Items: two .npy files.
//
// Every file is checked before anything is allocated for it (DecodeNPY,
// DecodeSafetensors): its size, dtype, shape, and finite values. The
// matrices must have the same number of columns, and the manifest's sizes
// must be the tensors'. Errors name the file.
func Read(path string, o ReadOptions) (*Embeddings, error) {
	for _, p := range []string{path, o.Users, o.Items, o.IDs} {
		if err := refusedFormat(p); err != nil {
			return nil, err
		}
	}
	read := o.reader()
	var e *Embeddings
	var err error
	switch {
	case path == "" && (o.Users == "" || o.Items == ""):
		return nil, errors.New("read embeddings: give a path, or both users= and items= (.npy files)")
	case path == "":
		e, err = readNPYPair(read, o.Users, o.Items)
	case path != "" && (o.Users != "" || o.Items != ""):
		return nil, fmt.Errorf("read embeddings: give %s or users= and items=, not both", path)
	case strings.HasSuffix(strings.ToLower(path), ".json"):
		e, err = readManifest(read, path)
	case strings.HasSuffix(strings.ToLower(path), ".safetensors"):
		e, err = readSafetensorsExport(read, path, o)
	default:
		l, lerr := LayoutOf(path)
		if lerr != nil {
			return nil, lerr
		}
		e, err = readManifest(read, l.Manifest)
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%s: no manifest %s (an export writes one); for .npy files of your own, give users= and items=", path, l.Manifest)
		}
	}
	if err != nil {
		return nil, err
	}
	if o.IDs != "" {
		if err := e.readIDs(read, o.IDs); err != nil {
			return nil, err
		}
	}
	if o.Score != "" {
		e.Score = o.Score
	}
	if e.Score == "" && e.User != nil {
		e.Score = model.DotScore
		if e.UserBias != nil || e.ItemBias != nil {
			e.Score = model.DotBiasScore
		}
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", firstNonEmpty(path, o.Users), err)
	}
	return e, nil
}

// refusedFormat explains why a file of a format that may hold a pickle is
// not read.
func refusedFormat(path string) error {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".pt", ".pth", ".pkl", ".pickle", ".bin", ".ckpt":
		why := ""
		if ext == ".ckpt" {
			why = " (a kdrec checkpoint loads with load-model, or model.Load)"
		}
		return fmt.Errorf("%s: a %s file is a pickle (torch.save, pickle.dump), which runs code when loaded: not read%s; "+
			"save the embedding tables with numpy.save or safetensors (docs/interop.md)", path, ext, why)
	case ".npz":
		return fmt.Errorf("%s: a NumPy archive is not read (it may hold pickled objects); save each matrix with numpy.save and give users= and items=", path)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// readNPY reads and decodes one .npy file.
func readNPY(read func(string) ([]byte, error), name string) (*Array, error) {
	b, err := read(name)
	if err != nil {
		return nil, err
	}
	a, err := DecodeNPY(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// readNPYPair reads a user and an item matrix from two .npy files.
func readNPYPair(read func(string) ([]byte, error), users, items string) (*Embeddings, error) {
	u, err := readNPY(read, users)
	if err != nil {
		return nil, err
	}
	i, err := readNPY(read, items)
	if err != nil {
		return nil, err
	}
	e := &Embeddings{Sources: map[string]string{UserEmbeddings: users, ItemEmbeddings: items}}
	if err := e.setMatrices(u, i); err != nil {
		return nil, err
	}
	return e, nil
}

// setMatrices sets the user and item matrices, checking their shapes.
func (e *Embeddings) setMatrices(u, i *Array) error {
	for _, m := range []struct {
		a      *Array
		tensor string
	}{{u, UserEmbeddings}, {i, ItemEmbeddings}} {
		if len(m.a.Shape) != 2 || m.a.Rows() == 0 || m.a.Cols() == 0 {
			return fmt.Errorf("%s: shape %v; want a matrix with a row per %s and at least one column",
				e.source(m.tensor), m.a.Shape, strings.TrimSuffix(m.tensor, "_embeddings"))
		}
	}
	if u.Cols() != i.Cols() {
		const same = "user and item representations must have the same width"
		if us, is := e.source(UserEmbeddings), e.source(ItemEmbeddings); us != is {
			return fmt.Errorf("%s has %d columns, %s %d: %s", us, u.Cols(), is, i.Cols(), same)
		}
		return fmt.Errorf("%s: %s has %d columns, %s %d: %s", e.source(UserEmbeddings), UserEmbeddings, u.Cols(), ItemEmbeddings, i.Cols(), same)
	}
	e.Users, e.Items, e.Dim, e.User, e.Item = u.Rows(), i.Rows(), u.Cols(), u.Data, i.Data
	return nil
}

// setBias sets a bias vector (n values, as a vector or an n×1 matrix).
func (e *Embeddings) setBias(tensor string, a *Array, n int) error {
	if a.Cols() != 1 || a.Rows() != n {
		return fmt.Errorf("%s: %s has shape %v; want %d values", e.source(tensor), tensor, a.Shape, n)
	}
	if tensor == UserBias {
		e.UserBias = a.Data
	} else {
		e.ItemBias = a.Data
	}
	return nil
}

// readSafetensorsExport reads a .safetensors file: through its manifest
// when one is beside it (and no tensor names are given), alone otherwise.
func readSafetensorsExport(read func(string) ([]byte, error), path string, o ReadOptions) (*Embeddings, error) {
	if o.UserTensor == "" && o.ItemTensor == "" {
		e, err := readManifest(read, path+".json")
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return e, err
		}
	}
	b, err := read(path)
	if err != nil {
		return nil, err
	}
	st, err := DecodeSafetensors(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ut, it := firstNonEmpty(o.UserTensor, UserEmbeddings), firstNonEmpty(o.ItemTensor, ItemEmbeddings)
	e := &Embeddings{Sources: map[string]string{}}
	for _, t := range []string{UserEmbeddings, ItemEmbeddings, UserBias, ItemBias} {
		e.Sources[t] = path
	}
	u, err := st.Tensor(ut)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	i, err := st.Tensor(it)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := e.setMatrices(u, i); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		name string
		n    int
	}{{UserBias, e.Users}, {ItemBias, e.Items}} {
		if !st.Has(t.name) {
			continue
		}
		a, err := st.Tensor(t.name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := e.setBias(t.name, a, t.n); err != nil {
			return nil, err
		}
	}
	if s := st.Meta["score"]; s != "" {
		f, err := model.ParseScoreForm(s)
		if err != nil {
			return nil, fmt.Errorf("%s: metadata: %w", path, err)
		}
		e.Score = f
	}
	e.Kind = st.Meta["kind"]
	return e, nil
}

// readManifest reads an export through its manifest.
func readManifest(read func(string) ([]byte, error), path string) (*Embeddings, error) {
	b, err := read(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: not a manifest: %w", path, err)
	}
	if m.Format != ManifestFormat || m.Version != ManifestVersion {
		return nil, fmt.Errorf("%s: format %q version %d; want %q version %d", path, m.Format, m.Version, ManifestFormat, ManifestVersion)
	}
	if m.Files[UserEmbeddings] == "" || m.Files[ItemEmbeddings] == "" {
		return nil, fmt.Errorf("%s: the export holds no %s and %s (top-K lists only?): nothing to import", path, UserEmbeddings, ItemEmbeddings)
	}
	dir := filepath.Dir(path)
	files := map[string]string{}
	for t, f := range m.Files {
		// A manifest names files beside itself, nothing elsewhere.
		if f == "" || f != filepath.Base(f) || f == "." || f == ".." {
			return nil, fmt.Errorf("%s: file %q of %s is not a name in the manifest's directory", path, f, t)
		}
		files[t] = filepath.Join(dir, f)
	}
	e := &Embeddings{Kind: m.Kind, Meta: m.Meta, Sources: files}
	arrays := map[string]*Array{}
	var st *Safetensors
	stFile := ""
	for _, t := range []string{UserEmbeddings, ItemEmbeddings, UserBias, ItemBias} {
		f, ok := files[t]
		if !ok {
			continue
		}
		var a *Array
		if strings.HasSuffix(strings.ToLower(f), ".safetensors") {
			if st == nil || stFile != f {
				b, err := read(f)
				if err != nil {
					return nil, err
				}
				if st, err = DecodeSafetensors(b); err != nil {
					return nil, fmt.Errorf("%s: %w", f, err)
				}
				stFile = f
			}
			if a, err = st.Tensor(t); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
		} else if a, err = readNPY(read, f); err != nil {
			return nil, err
		}
		arrays[t] = a
	}
	if err := e.setMatrices(arrays[UserEmbeddings], arrays[ItemEmbeddings]); err != nil {
		return nil, err
	}
	if e.Users != m.Users || e.Items != m.Items || e.Dim != m.Dim {
		return nil, fmt.Errorf("%s: the manifest says %d users × %d items × %d, the tensors hold %d × %d × %d",
			path, m.Users, m.Items, m.Dim, e.Users, e.Items, e.Dim)
	}
	for _, t := range []struct {
		name string
		n    int
	}{{UserBias, e.Users}, {ItemBias, e.Items}} {
		if a := arrays[t.name]; a != nil {
			if err := e.setBias(t.name, a, t.n); err != nil {
				return nil, err
			}
		}
	}
	if m.Score != "" {
		f, err := model.ParseScoreForm(string(m.Score))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		e.Score = f
	}
	e.UserIDs, e.ItemIDs = m.UserIDs, m.ItemIDs
	if err := e.checkIDs(path); err != nil {
		return nil, err
	}
	return e, nil
}

// readIDs sets the identifiers from a JSON file with "user_ids" and
// "item_ids" (either may be missing: that side keeps its own).
func (e *Embeddings) readIDs(read func(string) ([]byte, error), path string) error {
	b, err := read(path)
	if err != nil {
		return err
	}
	var m struct {
		UserIDs []string `json:"user_ids"`
		ItemIDs []string `json:"item_ids"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: not an ID map (a JSON object with user_ids and item_ids, lists of strings): %w", path, err)
	}
	if m.UserIDs == nil && m.ItemIDs == nil {
		return fmt.Errorf("%s: neither user_ids nor item_ids", path)
	}
	if m.UserIDs != nil {
		e.UserIDs = m.UserIDs
	}
	if m.ItemIDs != nil {
		e.ItemIDs = m.ItemIDs
	}
	return e.checkIDs(path)
}

// checkIDs checks the identifiers' counts and uniqueness, naming the file.
func (e *Embeddings) checkIDs(path string) error {
	for _, side := range []struct {
		what string
		ids  []string
		n    int
	}{{"user", e.UserIDs, e.Users}, {"item", e.ItemIDs, e.Items}} {
		if side.ids == nil {
			continue
		}
		if len(side.ids) != side.n {
			return fmt.Errorf("%s: %d %s identifiers for the %d %s rows", path, len(side.ids), side.what, side.n, side.what)
		}
		if _, err := indexIDs(side.ids, side.what); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}
