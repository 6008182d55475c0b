package exp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
)

// sameTrajectory reports how two trajectories of one key differ in what a
// run reads from them ("" when they agree): stages, curve, test metrics,
// size and the stage lists.
func sameTrajectory(a, b *TeacherTrajectory) string {
	switch {
	case a.ID != b.ID || a.Hash != b.Hash:
		return "identity " + a.ID + " " + a.Hash + " vs " + b.ID + " " + b.Hash
	case !slices.Equal(a.StageEpochs, b.StageEpochs) || !slices.Equal(a.StageValid, b.StageValid):
		return "stages"
	case !slices.Equal(a.CurveEpochs, b.CurveEpochs) || !slices.Equal(a.CurveValid, b.CurveValid):
		return "curve"
	case a.Test["Recall@50"] != b.Test["Recall@50"] || a.Test["NDCG@10"] != b.Test["NDCG@10"] || a.Params != b.Params || a.Epochs != b.Epochs:
		return "test metrics or size"
	case len(a.Traj.Stages) != len(b.Traj.Stages) || !slices.Equal(a.Traj.Observed, b.Traj.Observed) || a.Traj.Name != b.Traj.Name:
		return "trajectory"
	}
	for v := range a.Traj.Stages {
		if !slices.Equal(a.Traj.Stages[v].Idx, b.Traj.Stages[v].Idx) || !slices.Equal(a.Traj.Stages[v].Len, b.Traj.Stages[v].Len) {
			return "stage lists"
		}
	}
	return ""
}

// TestTrajectorySharedCache: two Envs on one cache directory ask for the
// same trajectories at once; each teacher is trained by one of them while
// the other waits and loads it (Cache.Get's lock), both get the same
// trajectory, and a third Env later loads it. The artefact sits at
// trajectories/<name>-<hash16>.traj, named by the TrajectoryKey's hash,
// and RunResult's teacher IDs keep the former directory names.
func TestTrajectorySharedCache(t *testing.T) {
	s := hcTinySplit(t)
	dir := t.TempDir()
	var envs []*Env
	for range 3 {
		env, err := NewEnv(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		env.Cache.Poll = 5 * time.Millisecond
		envs = append(envs, env)
	}
	opts := func(env *Env) TrajectoryOptions {
		return TrajectoryOptions{Teachers: hcTinyTeachers()[:2], N: 20, Seed: 1, Cache: env.Cache}
	}
	got := make([][]*TeacherTrajectory, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[k], errs[k] = BuildTrajectories(context.Background(), s, opts(envs[k]))
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("env %d: %v", k, err)
		}
	}
	for x := range 2 {
		a, b := got[0][x], got[1][x]
		if a.Cached == b.Cached {
			t.Errorf("%s: cached %v and %v: exactly one Env must train it", a.Spec.Name, a.Cached, b.Cached)
		}
		if d := sameTrajectory(a, b); d != "" {
			t.Errorf("%s: the two Envs got different trajectories (%s)", a.Spec.Name, d)
		}
		o := opts(envs[0])
		o.defaults()
		key := o.key(SplitFingerprint(s), a.Spec)
		h, _ := key.Hash()
		if a.Hash != h || a.Path != filepath.Join(dir, "trajectories", a.Spec.Name+"-"+h[:16]+".traj") {
			t.Errorf("%s: artefact %s (hash %s), want trajectories/%s-%s.traj", a.Spec.Name, a.Path, a.Hash, a.Spec.Name, h[:16])
		}
		if a.ID != trajectoryID(key) || !strings.HasPrefix(a.ID, a.Spec.Name+"-") || len(a.ID) != len(a.Spec.Name)+13 {
			t.Errorf("%s: ID %q", a.Spec.Name, a.ID)
		}
	}
	third, err := BuildTrajectories(context.Background(), s, opts(envs[2]))
	if err != nil {
		t.Fatal(err)
	}
	for x, tt := range third {
		if !tt.Cached || sameTrajectory(tt, got[0][x]) != "" {
			t.Errorf("%s: the third Env did not load the stored trajectory (cached %v)", tt.Spec.Name, tt.Cached)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "trajectories", "*"))
	if len(files) != 2 {
		t.Errorf("cache holds %v, want the two artefacts only (no lock, no scratch directory)", files)
	}
	// Another split (or seed) is another key: nothing is shared.
	o := opts(envs[2])
	o.Seed = 2
	other, err := BuildTrajectories(context.Background(), s, o)
	if err != nil || other[0].Cached || other[0].Hash == third[0].Hash || other[0].ID == third[0].ID {
		t.Errorf("seed 2: cached %v, hash %s, ID %s (%v)", other[0].Cached, other[0].Hash, other[0].ID, err)
	}
}

// TestTrajectoryArtifactDamaged: a truncated, overwritten or altered
// trajectory artefact is reported, set aside and rebuilt with the same
// numbers; every truncation of it is refused by the decoder with an error,
// never a panic; and a trajectory whose artefact changed after it was
// loaded refuses to read its stage checkpoints.
func TestTrajectoryArtifactDamaged(t *testing.T) {
	s := hcTinySplit(t)
	dir := t.TempDir()
	var log bytes.Buffer
	o := TrajectoryOptions{Teachers: hcTinyTeachers()[:1], N: 20, CacheDir: dir, Log: &log}
	first, err := BuildTrajectories(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	tt := first[0]
	good, err := os.ReadFile(tt.Path)
	if err != nil {
		t.Fatal(err)
	}
	o.defaults()
	keyJSON, _ := json.Marshal(o.key(SplitFingerprint(s), tt.Spec))

	// Every prefix of the artefact is refused; so is a flipped byte
	// anywhere in a sample of positions, and the artefact of another key.
	for _, n := range []int{0, 7, 8, 12, 20, 44, len(good) / 3, len(good) / 2, len(good) - 33, len(good) - 1} {
		if _, err := decodeTrajectoryArtifact(good[:n], keyJSON, s.Train); err == nil || !strings.Contains(err.Error(), "corrupt trajectory artefact") {
			t.Errorf("%d of %d bytes: %v", n, len(good), err)
		}
	}
	for _, at := range []int{3, 10, 30, len(good) / 4, len(good) / 2, len(good) - 40, len(good) - 5} {
		bad := slices.Clone(good)
		bad[at] ^= 0x5a
		if _, err := decodeTrajectoryArtifact(bad, keyJSON, s.Train); err == nil {
			t.Errorf("byte %d flipped: accepted", at)
		}
	}
	otherKey := bytes.Replace(keyJSON, []byte(`"seed":0`), []byte(`"seed":9`), 1)
	if bytes.Equal(otherKey, keyJSON) {
		t.Fatalf("key %s has no seed 0", keyJSON)
	}
	if _, err := decodeTrajectoryArtifact(good, otherKey, s.Train); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("another key: %v", err)
	}
	otherTrain, err := data.FromPairs(s.Train.NumUsers, s.Train.NumItems+1, []data.Pair{{User: 0, Item: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeTrajectoryArtifact(good, keyJSON, otherTrain); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("another training set: %v", err)
	}

	// A damaged file in the cache is rebuilt, with the same numbers.
	latest := tt
	for _, c := range []struct {
		name   string
		damage []byte
		why    string
	}{
		{"truncated", good[:len(good)/2], "truncated"},
		{"overwritten", []byte("not a trajectory"), "not a trajectory artefact"},
		{"flipped", func() []byte { b := slices.Clone(good); b[len(b)/2] ^= 1; return b }(), "checksum mismatch"},
	} {
		if err := os.WriteFile(tt.Path, c.damage, 0o644); err != nil {
			t.Fatal(err)
		}
		log.Reset()
		again, err := BuildTrajectories(context.Background(), s, o)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if again[0].Cached || !strings.Contains(log.String(), c.why) || !strings.Contains(log.String(), "rebuilding") {
			t.Errorf("%s: cached %v, log %q", c.name, again[0].Cached, log.String())
		}
		if d := sameTrajectory(again[0], tt); d != "" {
			t.Errorf("%s: the rebuilt trajectory differs (%s)", c.name, d)
		}
		latest = again[0]
	}
	if set, _ := filepath.Glob(tt.Path + ".bad-*"); len(set) != 3 {
		t.Errorf("%d damaged files set aside, want 3", len(set))
	}

	// The artefact altered under a loaded trajectory: its stages are
	// refused with an error, not read from the wrong bytes.
	for v := range latest.StageEpochs {
		if _, err := latest.Stage(v); err != nil {
			t.Fatalf("stage %d of the rebuilt artefact: %v", v, err)
		}
	}
	b, _ := os.ReadFile(latest.Path)
	for k := range b[len(b)/2:] {
		b[len(b)/2+k] = 0
	}
	os.WriteFile(latest.Path, b, 0o644)
	for v := range latest.StageEpochs {
		if _, err := latest.Stage(v); err == nil {
			t.Errorf("stage %d read from an altered artefact", v)
		}
	}
	if _, err := latest.Stage(len(latest.StageEpochs)); err == nil || !strings.Contains(err.Error(), "no stage") {
		t.Errorf("stage out of range: %v", err)
	}
}

// TestTrajectoryFormerLayout: a trajectory of the former cache layout
// (hetcomp/<split fingerprint>/<ID>/ with meta.json, traj.bin and
// stage<v>.ckpt) is imported into the artefact rather than trained again,
// with the same numbers; an incomplete one is reported and trained.
func TestTrajectoryFormerLayout(t *testing.T) {
	s := hcTinySplit(t)
	o := TrajectoryOptions{Teachers: hcTinyTeachers()[:2], N: 20, CacheDir: t.TempDir()}
	built, err := BuildTrajectories(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	// Write them as the former code did, in a fresh cache.
	old := t.TempDir()
	for _, tt := range built {
		dir := filepath.Join(old, "hetcomp", SplitFingerprint(s), tt.ID)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		var meta map[string]any
		b, _ := json.Marshal(tt)
		json.Unmarshal(b, &meta)
		meta["Dir"], meta["Cached"] = dir, false
		b, _ = json.MarshalIndent(meta, "", " ")
		os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o644)
		os.WriteFile(filepath.Join(dir, "traj.bin"), encodeTrajectory(tt.Traj, s.Train), 0o644)
		for v := range tt.StageEpochs {
			ck, err := tt.stages[v].read(tt.Path)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, "stage"+string(rune('0'+v))+".ckpt"), ck, 0o644)
		}
	}
	// The second teacher's directory misses a stage: it is trained.
	os.Remove(filepath.Join(old, "hetcomp", SplitFingerprint(s), built[1].ID, "stage2.ckpt"))
	var log bytes.Buffer
	o.CacheDir, o.Log = old, &log
	imported, err := BuildTrajectories(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if !imported[0].Cached || !strings.Contains(log.String(), "imported from") {
		t.Errorf("MF: cached %v, log %q", imported[0].Cached, log.String())
	}
	if imported[1].Cached || !strings.Contains(log.String(), "is unusable") {
		t.Errorf("ML: cached %v, log %q", imported[1].Cached, log.String())
	}
	for k := range built {
		if d := sameTrajectory(imported[k], built[k]); d != "" {
			t.Errorf("%s: differs from the trajectory written in the former layout (%s)", built[k].Spec.Name, d)
		}
		if imported[k].TrainCPU != built[k].TrainCPU && k == 0 {
			t.Errorf("%s: the imported description is not the former one", built[k].Spec.Name)
		}
	}
	// From now on the artefact is read.
	log.Reset()
	again, err := BuildTrajectories(context.Background(), s, o)
	if err != nil || !again[0].Cached || !again[1].Cached || strings.Contains(log.String(), "imported") {
		t.Errorf("after the import: %v, log %q", err, log.String())
	}
	if _, err := again[0].Converged(); err != nil {
		t.Errorf("imported converged stage: %v", err)
	}
}

// TestListsMemoPerEnv: the teacher lists an Env holds in memory are its
// own — a second Env of the same process builds (or loads) them itself —
// and Envs sharing a cache directory share them through the artefact
// lists/teacher/…, which the second loads.
func TestListsMemoPerEnv(t *testing.T) {
	ctx := context.Background()
	s := hcTinySplit(t)
	m, _, _, err := newHetCompTeacher(HetCompTeacherSpec{Name: "MF", Kind: "bpr", Dim: 4}, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	tm := &TrainedModel{Hash: strings.Repeat("ab", 32)}
	lists := func(env *Env) *distill.TeacherLists {
		t.Helper()
		l, err := envLists(ctx, env, tm, m, s.Train, 10, true)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a, b := &Env{}, &Env{}
	la := lists(a)
	if lists(a) != la {
		t.Error("an Env does not keep its lists in memory")
	}
	lb := lists(b)
	if lb == la || lb.Source != "built" {
		t.Errorf("a second Env got the first one's lists (source %q)", lb.Source)
	}
	if !slices.Equal(la.Users.Idx, lb.Users.Idx) || !slices.Equal(la.Items.Idx, lb.Items.Idx) {
		t.Error("two builds of one teacher's lists differ")
	}
	// Two Envs on one cache directory: the second reads the first's files.
	dir := t.TempDir()
	c, _ := NewEnv(dir, nil)
	d, _ := NewEnv(dir, nil)
	if l := lists(c); l.Source != "built" {
		t.Errorf("first Env on the cache: source %q", l.Source)
	}
	ld := lists(d)
	if ld.Source != "cache" || !slices.Equal(ld.Users.Idx, la.Users.Idx) || !slices.Equal(ld.Items.Idx, la.Items.Idx) {
		t.Errorf("second Env on the cache: source %q", ld.Source)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "lists", "teacher", "lists-*-N10.bin"))
	if len(files) != 2 {
		t.Errorf("lists artefacts %v, want the user and the item side", files)
	}
}

// TestEnsemblePerEnv: the last ensemble built is held by its Env: the same
// Env reuses it, another Env (here on its own cache) builds its own.
func TestEnsemblePerEnv(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two small teachers twice")
	}
	ctx := context.Background()
	runs, err := ensembleSpec().Expand()
	if err != nil {
		t.Fatal(err)
	}
	r := &runs[0].Spec
	var sets []*ensembleSet
	for range 2 {
		env, err := NewEnv(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		split, err := env.Split(r.Dataset, r.Split, r.Protocol)
		if err != nil {
			t.Fatal(err)
		}
		e1, err := runEnsemble(ctx, r, split, env)
		if err != nil {
			t.Fatal(err)
		}
		e2, err := runEnsemble(ctx, r, split, env)
		if err != nil || e2 != e1 {
			t.Fatalf("the Env did not reuse its ensemble (%v)", err)
		}
		if e1.tts[0].Cached {
			t.Error("a fresh cache loaded a trajectory")
		}
		sets = append(sets, e1)
	}
	if sets[0] == sets[1] || sets[0].T != sets[1].T || !slices.Equal(sets[0].hashes(), sets[1].hashes()) {
		t.Errorf("two Envs: shared %v, T %v and %v, teachers %v and %v", sets[0] == sets[1], sets[0].T, sets[1].T, sets[0].hashes(), sets[1].hashes())
	}
}

// TestTrajectoryScratch: a build's scratch directory beside the artefact
// records its process; the next build of the artefact removes those of
// processes of this host that no longer exist, and keeps a live one's.
func TestTrajectoryScratch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trajectories", "MF-0123456789abcdef.traj")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no process to outlive:", err)
	}
	host, _ := os.Hostname()
	dead := fmt.Sprintf("host=%s pid=%d", host, cmd.Process.Pid)
	if ns := pidNamespace(); ns != "" {
		dead += " pidns=" + ns
	}
	for name, holder := range map[string][]byte{"dead": []byte(dead + "\n"), "live": lockHolder()} {
		d := path + ".build-" + name
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "holder"), holder, 0o644)
		os.WriteFile(filepath.Join(d, "eval-5.ckpt"), []byte("half"), 0o644)
	}
	dir, err := scratchDir(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".build-dead"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a dead build's scratch directory was kept: %v", err)
	}
	if _, err := os.Stat(path + ".build-live"); err != nil {
		t.Errorf("a live build's scratch directory was removed: %v", err)
	}
	if !strings.HasPrefix(dir, path+".build-") {
		t.Errorf("scratch directory %s", dir)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "holder")); err != nil || lockFields(b)["pid"] != fmt.Sprint(os.Getpid()) {
		t.Errorf("holder %q (%v)", b, err)
	}
}

// A Cache is where distill.BuildLists keeps lists.
var _ distill.ListStore = (*Cache)(nil)
