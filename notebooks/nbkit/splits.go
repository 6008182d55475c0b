package nbkit

// Splits, teachers and the artifact directory of the chapter notebooks.

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
)

// QuickUsers is the number of users the chapter notebooks keep under
// KDREC_QUICK (see data.Subset): small enough that every notebook runs in a
// minute or two on two cores.
const QuickUsers = 400

// ArtifactDir is where the chapter notebooks keep teachers, teacher lists
// and distillation runs: $KDREC_CACHE when set; otherwise, at full scale,
// exp.CacheDir() (~/.cache/kdrec), the cache of kdrepl, kdsweep and the
// reproduction tests, so a notebook picks up the long runs they made with
// the same settings; and at reduced scale CacheDir() (notebooks/.cache),
// so the small runs of KDREC_QUICK stay out of the shared cache.
func ArtifactDir() string {
	if d := os.Getenv("KDREC_CACHE"); d != "" {
		return d
	}
	if Quick() {
		return CacheDir()
	}
	return exp.CacheDir()
}

// Split is a split with a sentence saying where it came from.
type Split struct {
	*data.Split
	// How describes the source: the authors' split or the fallback, and
	// the reduction under KDREC_QUICK; Short names it in a few words, for
	// table titles.
	How, Short string
	// Authors says the split is the authors' own (read from KDREC_DATASETS)
	// and complete (not reduced by KDREC_QUICK): only then are comparisons
	// with their logged numbers meaningful.
	Authors bool
}

// LOOSplit returns the leave-one-out split of DE-RRD / IR-RRD / PHR with
// 499 sampled candidates per user: the authors' split (DE-RRD repository,
// seed 0) from $KDREC_DATASETS, with candidates drawn with seed 0 (their
// candidate file is not shipped), as exp.RankingKD's reproduction uses it;
// without KDREC_DATASETS a leave-one-out split of the embedded CiteULike-t
// (seed 0). Under KDREC_QUICK only the first QuickUsers users are kept
// (data.Subset).
func LOOSplit() (*Split, error) {
	var s *data.Split
	out := &Split{}
	if os.Getenv(datasets.EnvDir) != "" {
		var err error
		if s, err = datasets.LoadSplit("citeulike-t", datasets.SplitName("derrd-loo")); err != nil {
			return nil, err
		}
		if err := data.SampleCandidates(s, 0, data.DefaultNumCandidates); err != nil {
			return nil, err
		}
		out.How, out.Authors = "the authors' DE-RRD leave-one-out split of CiteULike (499 candidates per user drawn with seed 0)", true
		out.Short = "DE-RRD split"
	} else {
		x, err := datasets.Load("citeulike-t")
		if err != nil {
			return nil, err
		}
		if s, err = data.LeaveOneOut(x, 0, data.DefaultNumCandidates); err != nil {
			return nil, err
		}
		out.How = "a leave-one-out split of the embedded CiteULike-t (seed 0, 499 candidates; " +
			datasets.EnvDir + " is not set, so the authors' split is not available)"
		out.Short = "CiteULike-t, own LOO split"
	}
	return out.reduce(s)
}

// TDSplit returns the leave-one-out split of Topology Distillation, for
// full-ranking evaluation (no candidates): the authors' TD split from
// $KDREC_DATASETS, or a leave-one-out split of the embedded CiteULike-t
// (seed 1) without it. Under KDREC_QUICK only the first QuickUsers users
// are kept.
func TDSplit() (*Split, error) {
	var s *data.Split
	out := &Split{}
	if os.Getenv(datasets.EnvDir) != "" {
		var err error
		if s, err = datasets.LoadSplit("citeulike-t", datasets.SplitName("td-loo")); err != nil {
			return nil, err
		}
		out.How, out.Authors = "the authors' Topology Distillation leave-one-out split of CiteULike", true
		out.Short = "TD split"
	} else {
		x, err := datasets.Load("citeulike-t")
		if err != nil {
			return nil, err
		}
		if s, err = data.LeaveOneOut(x, 1, 0); err != nil {
			return nil, err
		}
		out.How = "a leave-one-out split of the embedded CiteULike-t (seed 1; " +
			datasets.EnvDir + " is not set, so the authors' TD split is not available)"
		out.Short = "CiteULike-t, own LOO split"
	}
	return out.reduce(s)
}

func (out *Split) reduce(s *data.Split) (*Split, error) {
	out.Split = s
	if !Quick() {
		return out, nil
	}
	r, err := data.Subset(s, QuickUsers, 0)
	if err != nil {
		return nil, err
	}
	out.Split, out.Authors = r, false
	out.How += fmt.Sprintf("; KDREC_QUICK: only its first %d users and their items", QuickUsers)
	out.Short += fmt.Sprintf(", first %d users", QuickUsers)
	return out, nil
}

// Scale is the chapter notebooks' teacher and student setting.
type Scale struct {
	// TeacherDim and StudentDim are the BPR sizes (200 and 20 at full
	// scale); TeacherEpochs the teacher's epoch cap.
	TeacherDim, StudentDim, TeacherEpochs int
}

// LOOScale is the DE-RRD setting (BPR 200 → 20; teacher up to 1000 epochs
// with patience 20, as exp.RankingKD) or its reduced version.
var LOOScale = Pick(Scale{TeacherDim: 200, StudentDim: 20, TeacherEpochs: 1000}, Scale{TeacherDim: 50, StudentDim: 10, TeacherEpochs: 60})

// LOOTeacherOptions is the BPR teacher of the leave-one-out chapters:
// LOOScale's teacher, early stopping after 20 evaluations without
// improvement (10 under KDREC_QUICK). At full scale it is exp.RankingKD's
// default teacher. CacheDir and Log are left to the caller.
var LOOTeacherOptions = exp.TeacherOptions{Dim: LOOScale.TeacherDim, Seed: 0, Epochs: LOOScale.TeacherEpochs, Patience: Pick(20, 10)}

// LOOTeacher returns the teacher of a leave-one-out split
// (LOOTeacherOptions), trained once and then loaded from ArtifactDir()
// (exp.CachedTeacher).
func LOOTeacher(ctx context.Context, s *data.Split, log io.Writer) (*exp.Teacher, error) {
	o := LOOTeacherOptions
	o.CacheDir, o.Log = ArtifactDir(), log
	return exp.CachedTeacher(ctx, s, o)
}

// TDTeacherOptions is the teacher of the TD notebook: BPR d = 200 trained
// for 100 epochs without early stopping, test Recall@50 every 10 epochs;
// d = 50 for 30 epochs, every 5, under KDREC_QUICK. FullTeacher.Curve[k]
// is the value after k·EvalEvery epochs.
var TDTeacherOptions = Pick(exp.FullTeacherOptions{Dim: 200, Seed: 0, Epochs: 100, EvalEvery: 10},
	exp.FullTeacherOptions{Dim: 50, Seed: 0, Epochs: 30, EvalEvery: 5})

// TDTeacher returns the TD teacher (TDTeacherOptions) of a split, trained
// once and then loaded from ArtifactDir() (exp.CachedFullTeacher).
func TDTeacher(ctx context.Context, s *data.Split, log io.Writer) (*exp.FullTeacher, error) {
	o := TDTeacherOptions
	o.CacheDir, o.Log = ArtifactDir(), log
	return exp.CachedFullTeacher(ctx, s, o)
}
