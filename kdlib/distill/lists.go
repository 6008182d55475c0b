package distill

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/topk"
	"github.com/kdrec/kdrec/kdlib/model"
)

// Lists holds one ranked list per row: for the user side, row u lists the
// teacher's best items for user u; for the item side, row i lists the
// teacher's best users for item i. Lists are stored with a fixed stride N:
// row r is Idx[r·N : r·N+Len[r]], best first.
type Lists struct {
	// N is the maximum length of a list (the stride of Idx).
	N int
	// Len[r] is the length of row r (N unless fewer candidates exist).
	Len []int32
	// Idx holds the rows, N entries apart.
	Idx []int32
	// Cols is the size of the index space the entries come from (items for
	// the user side, users for the item side).
	Cols int
}

// Rows returns the number of lists.
func (l *Lists) Rows() int { return len(l.Len) }

// Row returns list r, best first. The slice aliases internal storage.
func (l *Lists) Row(r int) []int32 { return l.Idx[r*l.N : r*l.N+int(l.Len[r])] }

// MinLen returns the length of the shortest list.
func (l *Lists) MinLen() int {
	mn := l.N
	for _, n := range l.Len {
		mn = min(mn, int(n))
	}
	return mn
}

func newLists(rows, n, cols int) *Lists {
	return &Lists{N: n, Len: make([]int32, rows), Idx: make([]int32, rows*n), Cols: cols}
}

// TeacherLists are the precomputed ranking lists of a frozen teacher that
// ranking distillation reads (methods.md §3.7–3.8): for every user the
// teacher's top-N items it did not interact with in Train, and (when built)
// for every item the teacher's top-N users that did not interact with it.
type TeacherLists struct {
	// Users[u] lists the teacher's top items for u; Items (nil unless
	// requested) the teacher's top users per item.
	Users, Items *Lists
	// Train is the interactions excluded from the lists; the samplers also
	// exclude them from the uninteresting sets.
	Train *data.Interactions
	// Source says how the lists were obtained: "built", "cache", or
	// "rebuilt: <reason>" when a cache file was unusable.
	Source string
}

// ListOptions configures BuildLists.
type ListOptions struct {
	// N is the length of every list (default 500, the sampling range of
	// RRD and IR-RRD).
	N int
	// ItemSide also builds the per-item user lists (IR-RRD, DCD).
	ItemSide bool
	// Workers is the number of goroutines (default GOMAXPROCS). The lists do
	// not depend on it.
	Workers int
	// Store, if set, keeps the lists between calls: one file per side,
	// named by a digest of Key and the training data, the side and N
	// ("lists-<digest24>-users-N500.bin"). A file that does not decode (a
	// damaged or truncated one, or one written for another teacher or
	// training set) is reported in Source and rebuilt; the lists do not
	// depend on whether they were stored.
	Store ListStore
	// Key identifies the teacher (a hash of its specification or of its
	// checkpoint); required with Store.
	Key string
	// Log, if set, receives one line per cache event.
	Log io.Writer
	// Progress, if set, is called after every block of users is ranked
	// with the number of users done and the total (not when the lists are
	// loaded from the cache).
	Progress func(done, total int)
}

// ListStore keeps files for BuildLists. Get makes the file name available
// and passes its bytes to decode: when the store holds the file and decode
// accepts it, cached is true and build is not called; otherwise the store
// calls build, checks the bytes with decode and keeps them. exp.Cache
// implements it (files written atomically, built once by concurrent
// processes under a lock, unusable files set aside and rebuilt).
type ListStore interface {
	Get(ctx context.Context, name string, decode func([]byte) error, build func(context.Context) ([]byte, error)) (cached bool, err error)
}

// BuildLists computes the teacher's ranking lists over train's index
// spaces, or loads them from the store (ListOptions.Store).
//
// Both sides come from one streaming pass over the n×m score matrix: users
// are scored in blocks of 128 (one UsersScorer call per 8 users when the
// teacher implements eval.UsersScorer, ScoreAll otherwise), each block row
// gives its user's list (topk.TopK excluding the training items), and the
// block is then folded, column by column, into per-item candidate buffers
// (items split among the workers): each item keeps a buffer of 2N
// candidates above its current threshold, cut back to its best N by a
// quickselect when full, which raises the threshold. Memory is
// O(128·m + 2·m·N), never n×m.
// Order is by descending score with ties broken by the lower index, so the
// result is a pure function of the scores; NaN and −Inf scores never enter
// an item list.
func BuildLists(ctx context.Context, teacher model.Scorer, train *data.Interactions, o ListOptions) (*TeacherLists, error) {
	if o.N == 0 {
		o.N = 500
	}
	if o.N < 0 {
		return nil, fmt.Errorf("distill: lists: N must be > 0, got %d", o.N)
	}
	if train == nil {
		return nil, errors.New("distill: lists: no training data")
	}
	if teacher.NumUsers() < train.NumUsers || teacher.NumItems() < train.NumItems {
		return nil, fmt.Errorf("distill: lists: teacher covers %d users × %d items, training data %d × %d",
			teacher.NumUsers(), teacher.NumItems(), train.NumUsers, train.NumItems)
	}
	if o.Store != nil && o.Key == "" {
		return nil, errors.New("distill: lists: Store needs a Key identifying the teacher")
	}
	if o.Store == nil {
		users, items, err := rankAll(ctx, teacher, train, o.N, itemSideN(o), o.Workers, o.Progress)
		if err != nil {
			return nil, fmt.Errorf("distill: lists: %w", err)
		}
		return &TeacherLists{Users: users, Items: items, Train: train, Source: "built"}, nil
	}
	return storedLists(ctx, teacher, train, o)
}

// itemSideN is the length of the item-side lists BuildLists builds (0:
// none).
func itemSideN(o ListOptions) int {
	if o.ItemSide {
		return o.N
	}
	return 0
}

// storedLists is BuildLists with a Store: the user side, then the item
// side, each loaded or built. A user side that is built ranks the item
// side in the same pass when it is needed (kept for the item side's
// build; unused if the store holds the item side already).
func storedLists(ctx context.Context, teacher model.Scorer, train *data.Interactions, o ListOptions) (*TeacherLists, error) {
	d := listKey(o.Key, train)
	tl := &TeacherLists{Train: train}
	var (
		reasons []string
		built   bool
		pending *Lists // item lists ranked with the user lists
	)
	get := func(side string, rows, cols int, dst **Lists, build func(context.Context) (*Lists, error)) error {
		name := fmt.Sprintf("lists-%s-%s-N%d.bin", d[:24], side, o.N)
		decode := func(b []byte) error {
			l, err := decodeLists(b, d, rows, cols, o.N)
			if err != nil {
				reasons = append(reasons, err.Error())
				if o.Log != nil {
					fmt.Fprintf(o.Log, "distill: lists %s unusable, rebuilding: %v\n", name, err)
				}
				return err
			}
			*dst = l
			return nil
		}
		cached, err := o.Store.Get(ctx, name, decode, func(ctx context.Context) ([]byte, error) {
			l, err := build(ctx)
			if err != nil {
				return nil, err
			}
			return encodeLists(d, l), nil
		})
		if err != nil {
			return fmt.Errorf("distill: lists: %w", err)
		}
		if cached {
			if o.Log != nil {
				fmt.Fprintf(o.Log, "distill: lists %s loaded\n", name)
			}
		} else {
			built = true
		}
		return nil
	}
	err := get("users", train.NumUsers, train.NumItems, &tl.Users, func(ctx context.Context) (*Lists, error) {
		users, items, err := rankAll(ctx, teacher, train, o.N, itemSideN(o), o.Workers, o.Progress)
		pending = items
		return users, err
	})
	if err != nil {
		return nil, err
	}
	if o.ItemSide {
		err := get("items", train.NumItems, train.NumUsers, &tl.Items, func(ctx context.Context) (*Lists, error) {
			if pending != nil {
				return pending, nil
			}
			_, items, err := rankAll(ctx, teacher, train, 0, o.N, o.Workers, o.Progress)
			return items, err
		})
		if err != nil {
			return nil, err
		}
	}
	switch {
	case len(reasons) > 0:
		tl.Source = "rebuilt: " + reasons[0]
	case built:
		tl.Source = "built"
	default:
		tl.Source = "cache"
	}
	return tl, nil
}

// listKey digests the teacher key and the training data (the lists exclude
// its pairs).
func listKey(key string, train *data.Interactions) string {
	h := sha256.New()
	h.Write([]byte(key))
	var b [8]byte
	put := func(x int) {
		binary.LittleEndian.PutUint64(b[:], uint64(x))
		h.Write(b[:])
	}
	put(train.NumUsers)
	put(train.NumItems)
	for _, p := range train.UserPtr {
		put(p)
	}
	buf := make([]byte, 4*len(train.UserItems))
	for k, i := range train.UserItems {
		binary.LittleEndian.PutUint32(buf[4*k:], uint32(i))
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// usersScorer is eval.UsersScorer: several users against every item.
type usersScorer interface {
	ScoreUsers(users []int32, out []float32)
}

const rankBlock = 128

// rankAll computes, in one pass over the score matrix of sc restricted to
// train's index spaces, the top-nUser items of every user (nUser = 0: none)
// and the top-nItem users of every item (nItem = 0: none), excluding the
// training pairs.
func rankAll(ctx context.Context, sc model.Scorer, train *data.Interactions, nUser, nItem, workers int, progress func(done, total int)) (users, items *Lists, err error) {
	n, m := train.NumUsers, train.NumItems
	mm := sc.NumItems()
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if nUser > 0 {
		users = newLists(n, nUser, m)
	}
	var buf []entry // item i's candidates at [i·2N, i·2N+cnt[i])
	var cnt []int32
	var thr []float32
	if nItem > 0 {
		items = newLists(m, nItem, n)
		buf = make([]entry, m*2*nItem)
		cnt = make([]int32, m)
		thr = make([]float32, m)
		for i := range thr {
			thr[i] = float32(math.Inf(-1))
		}
	}
	bs, blocked := sc.(usersScorer)
	block := make([]float32, rankBlock*mm)
	ids := make([]int32, rankBlock)
	tops := make([][]int32, workers)
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += rankBlock {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		hiU := min(lo+rankBlock, n)
		rows := hiU - lo
		for k := range rows {
			ids[k] = int32(lo + k)
		}
		// Phase 1: score the block and take each user's list.
		groups := (rows + 7) / 8
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for g := w; g < groups; g += workers {
					a, b := g*8, min(g*8+8, rows)
					if blocked {
						bs.ScoreUsers(ids[a:b], block[a*mm:b*mm])
					} else {
						for k := a; k < b; k++ {
							sc.ScoreAll(int(ids[k]), block[k*mm:(k+1)*mm])
						}
					}
					for k := a; k < b; k++ {
						u := int(ids[k])
						row := block[k*mm : k*mm+m]
						excl := train.Items(u)
						if users != nil {
							if cap(tops[w]) < nUser {
								tops[w] = make([]int32, nUser)
							}
							top := topk.TopK(row, nUser, excl, tops[w][:0])
							users.Len[u] = int32(copy(users.Idx[u*nUser:(u+1)*nUser], top))
						}
						if items != nil {
							ninf := float32(math.Inf(-1))
							for _, i := range excl {
								row[i] = ninf
							}
						}
					}
				}
			}(w)
		}
		wg.Wait()
		if items == nil {
			if progress != nil {
				progress(hiU, n)
			}
			continue
		}
		// Phase 2: append the block's candidates to the per-item buffers,
		// items split in contiguous ranges among the workers.
		for w := 0; w < workers; w++ {
			a, b := w*m/workers, (w+1)*m/workers
			wg.Add(1)
			go func(a, b int) {
				defer wg.Done()
				for k := 0; k < rows; k++ {
					u := int32(lo + k)
					row := block[k*mm : k*mm+m]
					for i := a; i < b; i++ {
						v := row[i]
						if !(v > thr[i]) {
							continue
						}
						base := i * 2 * nItem
						buf[base+int(cnt[i])] = entry{v, u}
						cnt[i]++
						if int(cnt[i]) == 2*nItem {
							thr[i] = keepBest(buf[base:base+2*nItem], nItem)
							cnt[i] = int32(nItem)
						}
					}
				}
			}(a, b)
		}
		wg.Wait()
		if progress != nil {
			progress(hiU, n)
		}
	}
	if items != nil {
		// Sort every buffer best first and keep the first N.
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < m; i += workers {
					e := buf[i*2*nItem : i*2*nItem+int(cnt[i])]
					slices.SortFunc(e, cmpEntry)
					c := min(len(e), nItem)
					for k := 0; k < c; k++ {
						items.Idx[i*nItem+k] = e[k].i
					}
					items.Len[i] = int32(c)
				}
			}(w)
		}
		wg.Wait()
	}
	return users, items, nil
}

type entry struct {
	s float32
	i int32
}

// cmpEntry orders entries best first: higher score, then lower index.
func cmpEntry(x, y entry) int {
	if x.s != y.s {
		if x.s > y.s {
			return -1
		}
		return 1
	}
	return int(x.i - y.i)
}

// keepBest moves the n best entries of e (by cmpEntry) to e[:n], in no
// particular order, and returns the score of the worst of them: a later
// entry can only enter the top n with a strictly higher score, because
// entries arrive in increasing index order. It is a quickselect with
// median-of-three pivots.
func keepBest(e []entry, n int) float32 {
	lo, hi := 0, len(e)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if cmpEntry(e[mid], e[lo]) < 0 {
			e[mid], e[lo] = e[lo], e[mid]
		}
		if cmpEntry(e[hi], e[lo]) < 0 {
			e[hi], e[lo] = e[lo], e[hi]
		}
		if cmpEntry(e[hi], e[mid]) < 0 {
			e[hi], e[mid] = e[mid], e[hi]
		}
		p := e[mid]
		i, j := lo, hi
		for i <= j {
			for cmpEntry(e[i], p) < 0 {
				i++
			}
			for cmpEntry(p, e[j]) < 0 {
				j--
			}
			if i <= j {
				e[i], e[j] = e[j], e[i]
				i++
				j--
			}
		}
		switch {
		case n-1 <= j:
			hi = j
		case n-1 >= i:
			lo = i
		default:
			lo = hi
		}
	}
	worst := e[0]
	for _, x := range e[1:n] {
		if cmpEntry(x, worst) > 0 {
			worst = x
		}
	}
	return worst.s
}

// List file layout (little-endian):
//
//	magic "KDRECLST" | version u32 | rows u32 | N u32 | cols u32 |
//	key digest (32 bytes) | Len int32×rows | Idx int32×rows·N | sha256 of all above
const (
	listsMagic   = "KDRECLST"
	listsVersion = 1
)

// encodeLists returns the file of lists l for the key digest.
func encodeLists(digest string, l *Lists) []byte {
	var buf bytes.Buffer
	buf.Grow(28 + 32 + 4*(len(l.Len)+len(l.Idx)) + 32)
	buf.WriteString(listsMagic)
	var b [4]byte
	for _, x := range []int{listsVersion, l.Rows(), l.N, l.Cols} {
		binary.LittleEndian.PutUint32(b[:], uint32(x))
		buf.Write(b[:])
	}
	dg, _ := hex.DecodeString(digest)
	buf.Write(dg)
	for _, x := range l.Len {
		binary.LittleEndian.PutUint32(b[:], uint32(x))
		buf.Write(b[:])
	}
	for _, x := range l.Idx {
		binary.LittleEndian.PutUint32(b[:], uint32(x))
		buf.Write(b[:])
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes()
}

// ErrCorruptLists is wrapped by the errors about unusable list files.
var ErrCorruptLists = errors.New("corrupt lists cache")

// decodeLists decodes a file of lists of the given shape for the key
// digest.
func decodeLists(b []byte, digest string, rows, cols, n int) (*Lists, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrCorruptLists, fmt.Sprintf(format, a...))
	}
	const head = 8 + 16 + 32
	if len(b) < head+32 || string(b[:8]) != listsMagic {
		return nil, bad("not a lists file")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != listsVersion {
		return nil, bad("version %d, want %d", v, listsVersion)
	}
	r, nn, c := int(binary.LittleEndian.Uint32(b[12:])), int(binary.LittleEndian.Uint32(b[16:])), int(binary.LittleEndian.Uint32(b[20:]))
	if r != rows || nn != n || c != cols {
		return nil, bad("shape %d×%d over %d, want %d×%d over %d", r, nn, c, rows, n, cols)
	}
	if want := head + 4*(rows+rows*n) + 32; len(b) != want {
		return nil, bad("size %d bytes, want %d (truncated?)", len(b), want)
	}
	if sum := sha256.Sum256(b[:len(b)-32]); !bytes.Equal(sum[:], b[len(b)-32:]) {
		return nil, bad("checksum mismatch")
	}
	if dg, _ := hex.DecodeString(digest); !bytes.Equal(dg, b[24:56]) {
		return nil, bad("written for another teacher or training set")
	}
	l := newLists(rows, n, cols)
	off := head
	for k := range l.Len {
		l.Len[k] = int32(binary.LittleEndian.Uint32(b[off:]))
		if l.Len[k] < 0 || int(l.Len[k]) > n {
			return nil, bad("row %d length %d", k, l.Len[k])
		}
		off += 4
	}
	for k := range l.Idx {
		l.Idx[k] = int32(binary.LittleEndian.Uint32(b[off:]))
		off += 4
	}
	for rr := 0; rr < rows; rr++ {
		for _, x := range l.Row(rr) {
			if x < 0 || int(x) >= cols {
				return nil, bad("row %d holds %d, outside [0,%d)", rr, x, cols)
			}
		}
	}
	return l, nil
}
