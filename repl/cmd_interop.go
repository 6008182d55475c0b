package repl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kdrec/kdrec/kdlib/interop"
	"github.com/kdrec/kdrec/kdlib/model"
)

// The interop commands: export embeddings writes a model's representations
// as NumPy or safetensors files (kdlib/interop), import embeddings reads a
// teacher's from such files as a frozen model.

// importedKind is the Kind of a workspace model read by import embeddings.
const importedKind = "imported"

// interopWriter returns the write function of an export: paths as typed
// are resolved against the shell's directory and written through its
// Files (atomically).
func (sh *Shell) interopWriter() func(string, []byte) error {
	return func(p string, b []byte) error { return sh.files.WriteFile(sh.path(p), b) }
}

// interopReader returns the read function of an import: paths as typed are
// resolved against the shell's directory; on the operating system's files,
// only regular files within interop.DefaultMaxBytes are read.
func (sh *Shell) interopReader() func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		rp := sh.path(p)
		var b []byte
		var err error
		if _, ok := sh.files.(OSFiles); ok {
			b, err = interop.ReadFileBounded(rp, 0)
		} else {
			b, err = sh.files.ReadFile(rp)
		}
		if err == nil || rp == p {
			return b, err
		}
		// Errors name the file as typed, not as resolved.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path = p
			return nil, err
		}
		return nil, errors.New(strings.ReplaceAll(err.Error(), rp, p))
	}
}

// dirSlash adds a slash to a path that names an existing directory, which
// interop.LayoutOf then reads as a directory export.
func (sh *Shell) dirSlash(path string) string {
	if path != "" && !strings.HasSuffix(path, "/") && filepath.Ext(path) == "" {
		if fi, err := os.Stat(sh.path(path)); err == nil && fi.IsDir() {
			return path + "/"
		}
	}
	return path
}

func runExportEmbeddings(ctx context.Context, sh *Shell, c *Call) error {
	me, err := sh.ws.ModelByName(c.Args[0])
	if err != nil {
		return err
	}
	path := sh.dirSlash(c.Args[1])
	o := interop.ExportOptions{TopK: c.Opts.Int("topk"), ListsOnly: c.Opts.Bool("lists-only"), Kind: me.Kind,
		Meta: map[string]string{"model": me.Name, "spec": me.Spec}}
	if me.Kind == importedKind && me.Meta["kind"] != "" {
		o.Kind = me.Meta["kind"]
	}
	note := ""
	if me.Split != nil {
		o.Train = me.Split.S.Train
		o.Meta["split"] = me.Split.Name + ": " + me.Split.S.Name
		o.Meta["dataset"] = me.Split.Dataset
	} else {
		note = fmt.Sprintf("\nnote: %s has no split: no identifiers written, and no training items left out of the lists", me.Name)
	}
	e, err := interop.FromModel(ctx, me.M, o)
	if err != nil {
		return fmt.Errorf("%s: %w", me.Name, err)
	}
	written, err := interop.Write(path, e, interop.WriteOptions{WriteFile: sh.interopWriter()})
	if err != nil {
		return err
	}
	var parts []string
	if e.User != nil {
		parts = append(parts, fmt.Sprintf("%s %d×%d, %s %d×%d, score %s", interop.UserEmbeddings, e.Users, e.Dim,
			interop.ItemEmbeddings, e.Items, e.Dim, e.Score))
		if e.UserBias != nil || e.ItemBias != nil {
			parts = append(parts, "biases")
		}
	}
	if e.K > 0 {
		parts = append(parts, fmt.Sprintf("top-%d lists", e.K))
	}
	if e.UserIDs != nil || e.ItemIDs != nil {
		parts = append(parts, fmt.Sprintf("ids of %d users and %d items", len(e.UserIDs), len(e.ItemIDs)))
	}
	names := make([]string, len(written))
	for k, f := range written {
		names[k] = filepath.Base(f)
	}
	sh.printf("%s → %s: %s\n  wrote %s%s\n", me.Name, c.Args[1], strings.Join(parts, ", "), strings.Join(names, " "), note)
	return nil
}

func runImportEmbeddings(ctx context.Context, sh *Shell, c *Call) error {
	name := c.Args[0]
	path := ""
	if len(c.Args) > 1 {
		path = c.Args[1]
	}
	if err := sh.ws.canPut(name, &ModelEntry{}); err != nil {
		return err
	}
	se, err := sh.currentSplit(c.Opts.String("split"))
	if err != nil {
		return fmt.Errorf("the imported rows are matched to a split's users and items: %w", err)
	}
	ro := interop.ReadOptions{Users: c.Opts.String("users"), Items: c.Opts.String("items"), IDs: c.Opts.String("ids"),
		UserTensor: c.Opts.String("user-tensor"), ItemTensor: c.Opts.String("item-tensor"), ReadFile: sh.interopReader()}
	if s := c.Opts.String("score"); s != "auto" {
		ro.Score = model.ScoreForm(s)
	}
	e, err := interop.Read(sh.dirSlash(path), ro)
	if err != nil {
		return err
	}
	teacher, err := e.Teacher(se.S.Train)
	if err != nil {
		return err
	}
	from := path
	if from == "" {
		from = ro.Users + " and " + ro.Items
	}
	side := func(ids, split []string, n int) string { // as interop's Align decides
		if ids != nil && len(split) == n {
			return "by identifier"
		}
		return "by position"
	}
	matched := side(e.UserIDs, se.S.Train.UserIDs, se.S.Train.NumUsers)
	if it := side(e.ItemIDs, se.S.Train.ItemIDs, se.S.Train.NumItems); it != matched {
		matched = "users " + matched + ", items " + it
	}
	meta := map[string]string{"kind": e.Kind, "from": from}
	for k, v := range e.Meta {
		if meta[k] == "" {
			meta[k] = v
		}
	}
	of := ""
	if e.Kind != "" {
		of = " of " + e.Kind
	}
	spec := fmt.Sprintf("embeddings%s dim=%d score=%s", of, e.Dim, e.Score)
	entry := &ModelEntry{Name: name, Kind: importedKind, Spec: spec, M: teacher, Split: se,
		Status: "imported from " + from, Meta: meta}
	replaced, err := sh.ws.put(name, entry)
	if err != nil {
		return err
	}
	sh.printf("%s: %s from %s: %d × %d rows matched %s to split %s%s (frozen: use it as teacher=%s, or eval it)%s\n",
		name, spec, from, e.Users, e.Items, matched, se.Label(), paramsNote(teacher), name, replacedNote(replaced))
	return nil
}

// exportEmbeddingsCommand is `export embeddings`.
func exportEmbeddingsCommand() *Command {
	return &Command{
		Name:    "embeddings",
		Args:    []Arg{{Name: "model", Complete: completeModels}, {Name: "path", Complete: completePathArg}},
		Summary: "a model's user and item embeddings (and top-K lists) as NumPy .npy files or one .safetensors file",
		Help: "Writes the user and item representations of a model whose scores they determine (bpr, lightgcn, cml, cdae, iae, " +
			"or an imported teacher) with a JSON manifest of the score form, the sizes and the users' and items' identifiers. " +
			"The path chooses the format: x.npy writes x.user_embeddings.npy, x.item_embeddings.npy, … and the manifest x.npy.json; " +
			"dir/ writes dir/user_embeddings.npy, … and dir/manifest.json; x.safetensors writes one file (tensors user_embeddings, " +
			"item_embeddings, …) and x.safetensors.json. topk=K adds every user's top-K unseen items (topk_items, int32) and " +
			"their scores (topk_scores); a model that scores through a network (neumf, mlp) or has no embeddings (pop) exports " +
			"its lists only, with lists-only=true. docs/interop.md shows how Python reads them.",
		Examples: []string{"export embeddings teacher emb/teacher.npy", "export embeddings student s.safetensors topk=50",
			"export embeddings neumf-t lists.npy topk=100 lists-only=true"},
		Options: func(sh *Shell, args []string) ([]Option, error) {
			return []Option{
				IntOpt("topk", 0, 0, 100_000, "also write every user's top-K unseen items and their scores (0: none)"),
				BoolOpt("lists-only", false, "write the top-K lists without the embeddings (models that score through a network)"),
			}, nil
		},
		Run: runExportEmbeddings,
	}
}

// importCommand is `import`.
func importCommand() *Command {
	return &Command{
		Name:    "import",
		Summary: "read a teacher's embeddings (NumPy, safetensors) as a frozen model",
		Subs: []*Command{{
			Name:    "embeddings",
			Args:    []Arg{{Name: "name"}, {Name: "path", Optional: true, Complete: completePathArg}},
			Summary: "a teacher's user and item embeddings from .npy or .safetensors files, as a frozen model usable as teacher=",
			Help: "Reads an export of export embeddings (its path or its manifest .json), a .safetensors file (tensors " +
				"user_embeddings and item_embeddings, or the names of user-tensor= and item-tensor=, e.g. a PyTorch state dict's " +
				"user_embedding.weight), or two .npy files (users= and items=, as numpy.save writes them). Rows are matched to the " +
				"split's users and items by identifier when an ID map is given (ids=<file.json> with user_ids and item_ids, or the " +
				"manifest of an export), else by position, when the counts must be the split's. Files are checked before anything " +
				"is allocated (dtype float16/32/64, shape, size, finite values); pickles are never read. The model is frozen: " +
				"every distillation method takes it as teacher=<name>, and eval and compare score it.",
			Examples: []string{"import embeddings t2 emb/teacher.npy", "import embeddings t3 users=u.npy items=i.npy ids=ids.json",
				"import embeddings t4 model.safetensors user-tensor=user_embedding.weight item-tensor=item_embedding.weight"},
			Options: func(sh *Shell, args []string) ([]Option, error) {
				return []Option{
					StringOpt("users", "", completeFiles, "the user matrix as a .npy file (with items=, instead of a path)"),
					StringOpt("items", "", completeFiles, "the item matrix as a .npy file (with users=)"),
					StringOpt("user-tensor", "", nil, "name of the user matrix in a .safetensors file (default user_embeddings)"),
					StringOpt("item-tensor", "", nil, "name of the item matrix in a .safetensors file (default item_embeddings)"),
					StringOpt("ids", "", completeFiles, "ID map: a JSON file with user_ids and item_ids, the identifier of every row"),
					EnumOpt("score", "auto", []string{"auto", "dot", "dot+bias", "neg-sq-dist"},
						"how scores follow from the matrices (auto: as the files say, else dot+bias when bias vectors are present, else dot)"),
					StringOpt("split", "", completeSplitOpt, "split whose users and items the rows are matched to (default: the current one)"),
				}, nil
			},
			Run: runImportEmbeddings,
		}},
	}
}
