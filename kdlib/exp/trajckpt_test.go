package exp

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kdrec/kdrec/kdlib/train"
)

// trajCkptTeachers are the teachers of the trajectory resume tests: a
// matrix factorisation, a graph model (the teacher that takes many hours on
// MovieLens-1M) and the item autoencoder, whose model carries state of its
// own (its item order) — evaluated every other epoch, so that a kill falls
// between two evaluations as well as right after one, with a learning rate
// high enough for the validation curve to go down as well as up.
func trajCkptTeachers() []HetCompTeacherSpec {
	return []HetCompTeacherSpec{
		{Name: "MF", Kind: "bpr", Dim: 8, Epochs: 10, EvalEvery: 2, Patience: 0, LR: 0.05, BatchSize: 64},
		{Name: "GNN", Kind: "lightgcn", Dim: 8, Epochs: 10, EvalEvery: 2, Patience: 0, LR: 0.05, BatchSize: 64},
		{Name: "I-AE", Kind: "iae", Dim: 8, Epochs: 10, EvalEvery: 2, Patience: 0, LR: 0.05, BatchSize: 64},
	}
}

// trajectorySections splits a trajectory artefact into its sections.
func trajectorySections(t *testing.T, b []byte) [][]byte {
	t.Helper()
	ns := int(binary.LittleEndian.Uint32(b[8:]))
	off := 12 + 8*ns
	var secs [][]byte
	for k := range ns {
		n := int(binary.LittleEndian.Uint64(b[12+8*k:]))
		secs = append(secs, b[off:off+n])
		off += n
	}
	return secs
}

// untimedArtifact returns the artefact at path with the timings of its
// description (TrainCPU, BuildCPU, TrainWall, MsPerUser) set to zero and
// its checksum recomputed: what two builds of one trajectory must share
// byte for byte.
func untimedArtifact(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secs := trajectorySections(t, b)
	var tt TeacherTrajectory
	if err := json.Unmarshal(secs[1], &tt); err != nil {
		t.Fatal(err)
	}
	if !(tt.TrainCPU > 0 && tt.TrainWall > 0) {
		t.Errorf("%s: training CPU %v s, wall %v s", path, tt.TrainCPU, tt.TrainWall)
	}
	tt.TrainCPU, tt.BuildCPU, tt.TrainWall, tt.MsPerUser = 0, 0, 0, 0
	if secs[1], err = json.MarshalIndent(&tt, "", " "); err != nil {
		t.Fatal(err)
	}
	return encodeTrajectoryArtifact(secs)
}

// trajCkptPaths returns the checkpoint file and the stage directory of
// teacher sp's trajectory on split fingerprint fp under o, in dir.
func trajCkptPaths(t *testing.T, o TrajectoryOptions, fp string, sp HetCompTeacherSpec, dir string) (file, stages string) {
	t.Helper()
	if err := o.defaults(); err != nil {
		t.Fatal(err)
	}
	h, err := o.key(fp, sp).Hash()
	if err != nil {
		t.Fatal(err)
	}
	tg := trajectoryTarget(sp.Name, h)
	return filepath.Join(dir, tg.file), tg.stageDir(dir)
}

// stageFiles returns the epochs of the evaluation models in dir.
func stageFiles(t *testing.T, dir string) []int {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "eval-*.ckpt"))
	var out []int
	for _, n := range names {
		var e int
		if _, err := fmt.Sscanf(filepath.Base(n), "eval-%d.ckpt", &e); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// runningMaxima returns the evaluated epochs of res whose validation
// Recall@50 beats every earlier one: those whose model a trajectory
// teacher saves.
func runningMaxima(res *train.Result) []int {
	var out []int
	best := 0.0
	for _, p := range res.History {
		if v, ok := p.Valid["Recall@50"]; ok && (len(out) == 0 || v > best) {
			out, best = append(out, p.Epoch), v
		}
	}
	return out
}

// TestTrajectoryResume trains three trajectory teachers in one go, then
// again with a checkpoint directory, killed after epoch 3 (between two
// evaluations) and after epoch 6 (right after one) and resumed each time
// with everything built anew, and checks that the resumed trajectory
// artefacts are byte for byte the uninterrupted ones (stage epochs, stage
// lists, stage models, curves, test metrics; all but the timings), that
// the resumed training saved the models of exactly the evaluations that
// set a new best (the running maximum came back with the checkpoint), and
// that nothing is left in the checkpoint directory once the artefacts are
// stored.
func TestTrajectoryResume(t *testing.T) {
	s := hcTinySplit(t)
	fp := SplitFingerprint(s)
	teachers := trajCkptTeachers()
	if testing.Short() {
		teachers = teachers[:2]
	}
	ctx := context.Background()
	for _, sp := range teachers {
		straight := TrajectoryOptions{Teachers: []HetCompTeacherSpec{sp}, N: 20, Seed: 4, CacheDir: t.TempDir()}
		want, err := BuildTrajectories(ctx, s, straight)
		if err != nil {
			t.Fatalf("%s: %v", sp.Name, err)
		}
		ck := t.TempDir()
		var log bytes.Buffer
		o := TrajectoryOptions{Teachers: []HetCompTeacherSpec{sp}, N: 20, Seed: 4, CacheDir: t.TempDir(), CheckpointDir: ck, Log: &log, Plain: true}
		file, stageDir := trajCkptPaths(t, o, fp, sp, ck)
		var resumed []int
		for _, stop := range []int{3, 6} {
			killed, cancel := context.WithCancel(ctx)
			o.hooks = []train.Hook{killAt(stop, cancel)}
			_, err := BuildTrajectories(killed, s, o)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s: killed after epoch %d: %v", sp.Name, stop, err)
			}
			if _, err := os.Stat(file); err != nil {
				t.Fatalf("%s: killed after epoch %d: no checkpoint: %v", sp.Name, stop, err)
			}
			if got := stageFiles(t, stageDir); len(got) == 0 || got[0] != 0 || got[len(got)-1] > stop {
				t.Fatalf("%s: killed after epoch %d: evaluation models of epochs %v", sp.Name, stop, got)
			}
			if m, _ := filepath.Glob(filepath.Join(o.CacheDir, "trajectories", "*")); len(m) != 0 {
				t.Fatalf("%s: killed after epoch %d: the cache holds %v", sp.Name, stop, m)
			}
			if len(resumed) > 0 && !strings.Contains(log.String(), fmt.Sprintf("resuming after epoch %d of %d", resumed[len(resumed)-1], sp.Epochs)) {
				t.Fatalf("%s: killed after epoch %d: did not resume; log:\n%s", sp.Name, stop, log.String())
			}
			resumed = append(resumed, stop)
		}
		// The resumed training saves the models of the evaluations that set
		// a new best, and those only: the running maximum is the one the
		// training had when its checkpoint was written.
		var saved, maxima []int
		o.hooks = []train.Hook{{OnEnd: func(e train.EndEvent) {
			saved, maxima = stageFiles(t, stageDir), runningMaxima(e.Result)
		}}}
		got, err := BuildTrajectories(ctx, s, o)
		if err != nil {
			t.Fatalf("%s: resumed: %v", sp.Name, err)
		}
		if !strings.Contains(log.String(), "resuming after epoch 6 of") || !strings.Contains(log.String(), "resumed from a checkpoint after epoch 3, 6") {
			t.Fatalf("%s: the last build did not resume after epochs 3 and 6; log:\n%s", sp.Name, log.String())
		}
		if len(maxima) < 2 || !slices.Equal(saved, maxima) {
			t.Errorf("%s: the evaluation models kept are of epochs %v, the evaluations that set a new best %v", sp.Name, saved, maxima)
		}
		if d := sameTrajectory(got[0], want[0]); d != "" {
			t.Errorf("%s: the resumed trajectory differs from the uninterrupted one (%s)", sp.Name, d)
		}
		if !bytes.Equal(untimedArtifact(t, got[0].Path), untimedArtifact(t, want[0].Path)) {
			t.Errorf("%s: the resumed artefact differs from the uninterrupted one", sp.Name)
		}
		if left, _ := os.ReadDir(ck); len(left) != 0 {
			t.Errorf("%s: the checkpoint directory still holds %v after the artefact was stored", sp.Name, left)
		}
		t.Logf("%s: curve %v %v, stages %v", sp.Name, got[0].CurveEpochs, got[0].CurveValid, got[0].StageEpochs)
	}
}

// TestTrajectoryCheckpointOfAnotherTeacherDiscarded: the checkpoint (and
// the evaluation models) of one teacher spec, put where another spec's
// belongs — the same teacher with another learning rate — is discarded,
// not resumed: the teacher trains from epoch 0 to the artefact of an
// uninterrupted build, the foreign evaluation models beside the checkpoint
// notwithstanding. A checkpoint directory given through an Env reaches the
// trajectory teachers of PrepareTeachers and RunEnsembleKD: a damaged
// checkpoint at a teacher's name is discarded there, and removed once the
// trajectory is stored.
func TestTrajectoryCheckpointOfAnotherTeacherDiscarded(t *testing.T) {
	s := hcTinySplit(t)
	fp := SplitFingerprint(s)
	ctx := context.Background()
	a := trajCkptTeachers()[0]
	b := a
	b.LR = 0.02
	want, err := BuildTrajectories(ctx, s, TrajectoryOptions{Teachers: []HetCompTeacherSpec{b}, N: 20, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ck := t.TempDir()
	var log bytes.Buffer
	o := TrajectoryOptions{Teachers: []HetCompTeacherSpec{a}, N: 20, CacheDir: t.TempDir(), CheckpointDir: ck, Log: &log}
	killed, cancel := context.WithCancel(ctx)
	o.hooks = []train.Hook{killAt(7, cancel)}
	if _, err := BuildTrajectories(killed, s, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed: %v", err)
	}
	cancel()
	aFile, aStages := trajCkptPaths(t, o, fp, a, ck)
	bFile, bStages := trajCkptPaths(t, o, fp, b, ck)
	if aFile == bFile || aStages == bStages {
		t.Fatalf("the two specs share checkpoint %s", aFile)
	}
	if err := os.Rename(aFile, bFile); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aStages, bStages); err != nil {
		t.Fatal(err)
	}
	o.hooks, o.Teachers = nil, []HetCompTeacherSpec{b}
	got, err := BuildTrajectories(ctx, s, o)
	if err != nil {
		t.Fatal(err)
	}
	oa := o
	oa.defaults()
	ha, _ := oa.key(fp, a).Hash()
	// Refused on its identity, the hash of the other spec's TrajectoryKey
	// (before the trainer's options, which differ too).
	if !strings.Contains(log.String(), "checkpoint "+bFile+": discarded: not this run's (it is of \"trajectory "+ha+"; split "+fp) ||
		strings.Contains(log.String(), "resum") {
		t.Fatalf("the checkpoint of another spec was not discarded; log:\n%s", log.String())
	}
	if d := sameTrajectory(got[0], want[0]); d != "" {
		t.Errorf("the teacher that discarded another's checkpoint differs from an uninterrupted one (%s)", d)
	}
	if !bytes.Equal(untimedArtifact(t, got[0].Path), untimedArtifact(t, want[0].Path)) {
		t.Error("the artefact of the teacher that discarded another's checkpoint differs from an uninterrupted one")
	}
	if left, _ := os.ReadDir(ck); len(left) != 0 {
		t.Errorf("the checkpoint directory still holds %v", left)
	}

	// Through an Env: PrepareTeachers (kdsweep teachers) and RunEnsembleKD
	// (kdsweep run) give the trajectory teachers its checkpoint directory.
	spec := ensembleSpec()
	runs, err := spec.Expand()
	if err != nil {
		t.Fatal(err)
	}
	var run *Run
	for k := range runs {
		if runs[k].Label == "HetComp" {
			run = &runs[k]
		}
	}
	if run == nil {
		t.Fatal("no HetComp run in ensembleSpec")
	}
	for _, via := range []string{"PrepareTeachers", "RunEnsembleKD"} {
		var log bytes.Buffer
		env, err := NewEnv(t.TempDir(), &log)
		if err != nil {
			t.Fatal(err)
		}
		env.CheckpointDir = t.TempDir()
		r := &run.Spec
		split, err := env.Split(r.Dataset, r.Split, r.Protocol)
		if err != nil {
			t.Fatal(err)
		}
		eo, seeds, err := ensembleTrajectoryOptions(r, split, env.Cache.Dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		var planted []string
		for k, sp := range eo.Teachers {
			one := eo
			one.Seed = seeds[k]
			file, _ := trajCkptPaths(t, one, SplitFingerprint(split), sp, env.CheckpointDir)
			if err := os.WriteFile(file, []byte("not a checkpoint"), 0o644); err != nil {
				t.Fatal(err)
			}
			planted = append(planted, file)
		}
		switch via {
		case "PrepareTeachers":
			if n, err := PrepareTeachers(ctx, spec, Shard{}, env); err != nil || n != len(planted) {
				t.Fatalf("PrepareTeachers: %d teachers, %v", n, err)
			}
		default:
			if _, err := RunEnsembleKD(ctx, run, env); err != nil {
				t.Fatalf("RunEnsembleKD: %v", err)
			}
		}
		for _, file := range planted {
			if !strings.Contains(log.String(), "checkpoint "+file+": discarded") {
				t.Errorf("%s: the trajectory teacher did not read its checkpoint %s; log:\n%s", via, file, log.String())
			}
		}
		// (The run's own checkpoint, run-<ID>.ckpt, is RunSweep's to
		// remove once the run is stored.)
		if left, _ := filepath.Glob(filepath.Join(env.CheckpointDir, "traj-*")); len(left) != 0 {
			t.Errorf("%s: the checkpoint directory still holds %v", via, left)
		}
	}
}

// TestTrajectoryCheckpointState: the state a trajectory teacher's
// checkpoint carries besides the trainer's comes back as it was saved,
// and a blob of another length is refused.
func TestTrajectoryCheckpointState(t *testing.T) {
	a := &trajTrainState{runMax: 0.125}
	a.cpu0, a.wall0 = cpuSeconds(), time.Now()
	b, err := a.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var c trajTrainState
	if err := c.UnmarshalState(b); err != nil {
		t.Fatal(err)
	}
	if c.runMax != 0.125 || c.cpu < 0 || c.wall < 0 {
		t.Errorf("restored %+v", c)
	}
	if !reflect.DeepEqual(b[:8], binary.LittleEndian.AppendUint64(nil, 0x3fc0000000000000)) {
		t.Errorf("running maximum encoded as %x", b[:8])
	}
	if err := c.UnmarshalState(b[:16]); err == nil {
		t.Error("a 16-byte state was accepted")
	}
}

// TestTrajectoryStagesLost: a checkpoint whose evaluation models are lost
// (the stage directory deleted beside it) would fail every resumed build
// alike; the build that finds a stage missing says so, removes the
// checkpoint, and the next build trains from epoch 0 to the uninterrupted
// artefact.
func TestTrajectoryStagesLost(t *testing.T) {
	s := hcTinySplit(t)
	ctx := context.Background()
	sp := trajCkptTeachers()[0]
	want, err := BuildTrajectories(ctx, s, TrajectoryOptions{Teachers: []HetCompTeacherSpec{sp}, N: 20, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ck := t.TempDir()
	o := TrajectoryOptions{Teachers: []HetCompTeacherSpec{sp}, N: 20, CacheDir: t.TempDir(), CheckpointDir: ck}
	file, stages := trajCkptPaths(t, o, SplitFingerprint(s), sp, ck)
	killed, cancel := context.WithCancel(ctx)
	o.hooks = []train.Hook{killAt(5, cancel)}
	if _, err := BuildTrajectories(killed, s, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed: %v", err)
	}
	cancel()
	if err := os.RemoveAll(stages); err != nil {
		t.Fatal(err)
	}
	o.hooks = nil
	if _, err := BuildTrajectories(ctx, s, o); err == nil || !strings.Contains(err.Error(), "the next build trains it from epoch 0") {
		t.Fatalf("resumed without its evaluation models: %v", err)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the checkpoint without its evaluation models was kept: %v", err)
	}
	got, err := BuildTrajectories(ctx, s, o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(untimedArtifact(t, got[0].Path), untimedArtifact(t, want[0].Path)) {
		t.Error("the artefact trained again differs from the uninterrupted one")
	}
}

// copyTree copies the regular files under src to dst (a process's files
// at the moment it is killed).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrajectoryDiscardedCheckpointNotResumedLater: a training that
// discards the checkpoint at its teacher's name (another identity: here
// another spec's, moved there; in use, other kernels) and is killed
// before its first save must not leave the old checkpoint beside its own
// evaluation models: a later build whose identity is the old
// checkpoint's would resume it with the models of the other training as
// its stages. The files are copied at the kill (a SIGKILL saves nothing),
// and the later build gives the uninterrupted artefact.
func TestTrajectoryDiscardedCheckpointNotResumedLater(t *testing.T) {
	s := hcTinySplit(t)
	fp := SplitFingerprint(s)
	ctx := context.Background()
	a := trajCkptTeachers()[0]
	b := a
	b.LR = 0.02
	want, err := BuildTrajectories(ctx, s, TrajectoryOptions{Teachers: []HetCompTeacherSpec{a}, N: 20, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ck := t.TempDir()
	o := TrajectoryOptions{Teachers: []HetCompTeacherSpec{a}, N: 20, CacheDir: t.TempDir(), CheckpointDir: ck}
	killed, cancel := context.WithCancel(ctx)
	o.hooks = []train.Hook{killAt(7, cancel)}
	if _, err := BuildTrajectories(killed, s, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("a killed: %v", err)
	}
	cancel()
	aFile, aStages := trajCkptPaths(t, o, fp, a, ck)
	bFile, bStages := trajCkptPaths(t, o, fp, b, ck)
	move := func(from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	// a's checkpoint where b's belongs; b discards it and trains from
	// epoch 0, killed after epoch 3 (its evaluation of epoch 2, a stage of
	// a's, saved) before any save of its own.
	move(aFile, bFile)
	move(aStages, bStages)
	snap := t.TempDir()
	killed, cancel = context.WithCancel(ctx)
	ob := o
	ob.Teachers, ob.CheckpointEvery = []HetCompTeacherSpec{b}, time.Hour
	ob.hooks = []train.Hook{{OnEpoch: func(e train.EpochEvent) {
		if e.Epoch == 3 {
			copyTree(t, ck, snap)
			cancel()
		}
	}}}
	if _, err := BuildTrajectories(killed, s, ob); !errors.Is(err, context.Canceled) {
		t.Fatalf("b killed: %v", err)
	}
	cancel()
	// What the kill left, back at a's name: a's build must not resume a's
	// old checkpoint with b's evaluation models.
	sFileB, sStagesB := trajCkptPaths(t, o, fp, b, snap)
	sFileA, sStagesA := trajCkptPaths(t, o, fp, a, snap)
	if _, err := os.Stat(sFileB); err == nil {
		move(sFileB, sFileA)
	} else {
		t.Logf("no checkpoint left at b's name")
	}
	move(sStagesB, sStagesA)
	oa := o
	oa.hooks, oa.CheckpointDir, oa.CacheDir = nil, snap, t.TempDir()
	got, err := BuildTrajectories(ctx, s, oa)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameTrajectory(got[0], want[0]); d != "" {
		t.Errorf("the build after the discarding training was killed differs from an uninterrupted one (%s)", d)
	}
	if !bytes.Equal(untimedArtifact(t, got[0].Path), untimedArtifact(t, want[0].Path)) {
		t.Error("the artefact differs from an uninterrupted one")
	}
}
