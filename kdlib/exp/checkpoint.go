package exp

// Mid-run training checkpoints (Env.CheckpointDir). A session of the
// machine that runs the protocol sweeps ends, with every process, after a
// few hours; a run longer than that (PHR's 12–15 hours per seed) would
// restart from epoch 0 every time and never finish. With a checkpoint
// directory, fitModel — the one place every run trains — gives train.Fit a
// train.Checkpointer: the run's state is saved at epoch ends, and the same
// run started again (kdsweep run, RunSweep) resumes from it, bit for bit
// the run it would have been (train.Checkpointer says what that takes).
//
// What identifies a checkpoint is what identifies the trained model:
//
//   - a distillation run (RunKD, RunEnsembleKD): the run's hash, the
//     ledger's run ID, which covers the whole RunSpec — its KD terms
//     included, which its StudentKey does not — and the content of what
//     it distils from: its teacher's ModelFingerprint (RunKD) or its
//     teachers' trajectory checksums (RunEnsembleKD), since the cache
//     holding them is keyed by their specification and a teacher trained
//     again after the cache was lost may differ from the one a checkpoint
//     was distilled from;
//   - a model trained without distillation (a teacher, a plain run's
//     student, TrainModel): its ModelKey hash, the key of the model cache;
//   - a teacher of HetComp's trajectories (BuildTrajectories, given the
//     directory as TrajectoryOptions.CheckpointDir, which RunEnsembleKD and
//     PrepareTeachers set from the Env's): the hash of its TrajectoryKey,
//     which names its artefact in the cache and covers the split's
//     fingerprint, the teacher's spec (kind, size, epochs, evaluation
//     period, patience, learning rate, batch size, weight decay), the
//     stage fractions, the list length, the seed and the stage rule. Its
//     checkpoint is traj-<name>-<hash16>.ckpt, and the model saved at each
//     evaluation that sets a new best (the candidates for its stages) is
//     kept beside it in traj-<name>-<hash16>.stages/, so that a resumed
//     teacher still has the stages of the epochs before its checkpoint;
//
// and, for all three, the split's content (SplitFingerprint: a data set
// replaced on disk under the same spec is another run) and the kernels of
// the build and machine (simd.Kernels: a checkpoint written with the FMA
// kernels is not resumed by the portable build, whose numbers differ). The checkpoint also holds the code version
// that wrote it; a different version resumes it (a commit that changes no
// number must not cost a 12-hour run) with a log line naming both, and the
// pinned tests are what guarantee that a commit changes no number.
//
// The measurements a runner takes beside training (the probes of
// extras.go: selection hardening, topology, teacher discrepancy) are
// parts of the checkpoint as well (train.Checkpointer.State), so a
// resumed run records the same Extra; a trajectory teacher's carries the
// running best validation Recall@50, which decides the evaluations whose
// model is kept, and its training seconds so far. A checkpoint is written to a
// temporary file, synced and renamed over the previous one
// (model.WriteAtomic), so a process killed while saving leaves the
// previous checkpoint whole. It is removed once the run's result is
// stored: RunSweep removes a run's after its record is in the store and
// the ledger, Env.Model a teacher's once the teacher is in the cache,
// BuildTrajectories a trajectory teacher's (and its stage directory) once
// the trajectory's artefact is in the cache.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/internal/simd"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/train"
)

// ckptTarget is what fitModel trains, for its checkpoint.
type ckptTarget struct {
	// file is the checkpoint's file name in Env.CheckpointDir.
	file string
	// identity is the hash of what is trained.
	identity string
}

// runTarget is the checkpoint target of a distillation run.
func runTarget(run *Run) *ckptTarget {
	return &ckptTarget{file: "run-" + run.ID + ".ckpt", identity: "run " + run.Hash}
}

// withContent returns a copy of t whose identity also names the content of
// what the run distils from (its teacher's ModelFingerprint, its
// trajectories' checksums): the cache that holds a teacher is keyed by its
// specification, and the checkpoint directory may outlive it, so a
// teacher trained again in another session (other kernels, another code
// revision) can differ from the one the checkpoint was distilled from.
func (t *ckptTarget) withContent(what, digest string) *ckptTarget {
	c := *t
	c.identity += "; " + what + " " + digest
	return &c
}

// checkpointing reports whether the Env keeps training checkpoints.
func (e *Env) checkpointing() bool { return e != nil && e.CheckpointDir != "" }

// modelTarget is the checkpoint target of a model trained without
// distillation for key.
func modelTarget(key ModelKey) (*ckptTarget, error) {
	h, err := key.Hash()
	if err != nil {
		return nil, err
	}
	return &ckptTarget{file: fmt.Sprintf("model-%s-%s.ckpt", key.Model.Kind, h[:16]), identity: "model " + h}, nil
}

// trajectoryTarget is the checkpoint target of the teacher of the
// trajectory whose TrajectoryKey hashes to hash; name is the teacher's.
func trajectoryTarget(name, hash string) *ckptTarget {
	return &ckptTarget{file: fmt.Sprintf("traj-%s-%s.ckpt", safeFileName(name), hash[:16]), identity: "trajectory " + hash}
}

// stageDir returns the directory, beside the checkpoint of t (a
// trajectoryTarget) in dir, that keeps the teacher's per-evaluation
// checkpoints across processes.
func (t *ckptTarget) stageDir(dir string) string {
	return filepath.Join(dir, strings.TrimSuffix(t.file, ".ckpt")+".stages")
}

// checkpointer returns the train.Checkpointer of target, trained on split
// s, in the Env's checkpoint directory (nil without one), carrying states
// besides the model's and the terms'. Its identity is the target's, the
// split's content (SplitFingerprint: a data set replaced on disk under the
// same spec is another run) and the kernels'.
func (e *Env) checkpointer(target *ckptTarget, states []train.NamedState, s *data.Split) *train.Checkpointer {
	if e == nil {
		return nil
	}
	return newCheckpointer(e.CheckpointDir, e.CheckpointEvery, e.logf, target, states, s)
}

// newCheckpointer returns the train.Checkpointer of target, trained on
// split s, in directory dir (nil when dir is empty), saving every so often
// and logging to logf: Env.checkpointer's, for the trainings that get the
// checkpoint directory without an Env (HetComp's trajectory teachers,
// TrajectoryOptions.CheckpointDir).
func newCheckpointer(dir string, every time.Duration, logf func(string, ...any), target *ckptTarget, states []train.NamedState, s *data.Split) *train.Checkpointer {
	if dir == "" || target == nil {
		return nil
	}
	path := filepath.Join(dir, target.file)
	return &train.Checkpointer{
		Name:     path,
		Identity: target.identity + "; split " + SplitFingerprint(s) + "; kernels " + simd.Kernels(),
		Version:  CurrentCodeVersion().String(),
		Load: func() (io.ReadCloser, error) {
			f, err := os.Open(path)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errCheckpointRead, err)
			}
			return ckptFile{f}, nil
		},
		Save:  func(write func(io.Writer) error) error { return model.WriteAtomic(path, write) },
		Every: every,
		State: states,
		Logf:  logf,
	}
}

// errCheckpointRead marks a checkpoint that exists but could not be
// opened or read: the run fails, and the checkpoint is kept (fitModel removes a
// failed run's checkpoint otherwise), since a read that fails once must
// not cost the training it holds.
var errCheckpointRead = errors.New("cannot read the checkpoint")

// ckptFile is an open checkpoint whose read errors, but for its end, are
// errCheckpointRead.
type ckptFile struct{ *os.File }

// Read reads from the file, marking an I/O error errCheckpointRead.
func (f ckptFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errCheckpointRead, err)
	}
	return n, err
}

// dropCheckpoint removes the training checkpoint of a result that has
// been stored; a failure is logged (the checkpoint of a finished run
// resumes with nothing to train, so it only costs disk).
func (e *Env) dropCheckpoint(r *RunResult) {
	if r == nil || r.checkpoint == "" {
		return
	}
	e.removeCheckpoint(r.checkpoint)
	r.checkpoint = ""
}

// removeCheckpoint removes the checkpoint at path and the temporary files
// of saves a killed process left beside it (model.WriteAtomic's
// ".<name>.tmp…").
func (e *Env) removeCheckpoint(path string) { removeCheckpointFile(path, e.logf) }

// removeCheckpointFile removes the checkpoint at path and the temporaries
// beside it (Env.removeCheckpoint), logging a failure to logf.
func removeCheckpointFile(path string, logf func(string, ...any)) {
	if path == "" {
		return
	}
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".tmp"
	victims := []string{path}
	entries, _ := os.ReadDir(dir)
	for _, d := range entries {
		if strings.HasPrefix(d.Name(), prefix) {
			victims = append(victims, filepath.Join(dir, d.Name()))
		}
	}
	for _, p := range victims {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			logf("checkpoint %s: not removed: %v", p, err)
		}
	}
}

// hasRunCheckpoint reports whether the training checkpoint a run would
// resume from is in e.CheckpointDir: a distillation run's own
// (runTarget), or, for a run without distillation (PlainRunner, which
// trains through Env.Model), its model's (modelTarget of its StudentKey).
func (e *Env) hasRunCheckpoint(run *Run) bool {
	if e == nil || e.CheckpointDir == "" {
		return false
	}
	file := runTarget(run).file
	if len(run.Spec.KD) == 0 {
		t, err := modelTarget(run.Spec.StudentKey())
		if err != nil {
			return false
		}
		file = t.file
	}
	_, err := os.Stat(filepath.Join(e.CheckpointDir, file))
	return err == nil
}

// dropRunCheckpoint removes the checkpoint of a distillation run found
// already stored (a process killed between storing the run and removing
// its checkpoint).
func (e *Env) dropRunCheckpoint(run *Run) {
	if e == nil || e.CheckpointDir == "" {
		return
	}
	e.removeCheckpoint(filepath.Join(e.CheckpointDir, runTarget(run).file))
}
