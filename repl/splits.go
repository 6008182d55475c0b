package repl

import (
	"fmt"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
)

// The split methods of `split <method>`, one registerSplit call each.
func init() {
	registerSplit("loo", SplitSpec{
		Doc: "leave-one-out: one random validation and one test item per user, with sampled candidates (DE-RRD, IR-RRD)",
		Options: []Option{
			IntOpt("candidates", data.DefaultNumCandidates, 0, 1<<20,
				"unobserved items sampled per user for the leave-one-out protocol (0: none, full ranking only)"),
			EnumOpt("short", "error", []string{"error", "drop", "train-only"},
				"users with fewer than 3 interactions: fail, drop them, or keep them in train only"),
		},
		New: func(env SplitEnv, o Values) (*data.Split, error) {
			opts := data.LOOOptions{NumCandidates: o.Int("candidates")}
			switch o.String("short") {
			case "drop":
				opts.ShortUsers = data.ShortUsersDrop
			case "train-only":
				opts.ShortUsers = data.ShortUsersTrainOnly
			}
			return data.LeaveOneOutWithOptions(env.X, env.Seed, opts)
		},
		expSpec: looSpec(exp.SplitLOO),
	})
	registerSplit("llo", SplitSpec{
		Doc: "leave-last-out by time: each user's last interaction is test, the one before it validation (ties: the later-numbered item), with sampled candidates; needs a time column",
		Options: []Option{
			IntOpt("candidates", data.DefaultNumCandidates, 0, 1<<20,
				"unobserved items sampled per user for the leave-one-out protocol (0: none, full ranking only)"),
			EnumOpt("short", "error", []string{"error", "drop", "train-only"},
				"users with fewer than 3 interactions: fail, drop them, or keep them in train only"),
		},
		New: func(env SplitEnv, o Values) (*data.Split, error) {
			opts := data.LOOOptions{NumCandidates: o.Int("candidates")}
			switch o.String("short") {
			case "drop":
				opts.ShortUsers = data.ShortUsersDrop
			case "train-only":
				opts.ShortUsers = data.ShortUsersTrainOnly
			}
			return data.LeaveLastOut(env.X, env.Seed, opts)
		},
		expSpec: looSpec(exp.SplitLLO),
	})
	registerSplit("ratio", SplitSpec{
		Doc: "random per-user ratio split; the default 0.2/0.2 is HetComp's 60/20/20, valid=0.1 test=0.1 gives 80/10/10",
		Options: []Option{
			FloatOpt("valid", 0.2, 0, 0.99, "fraction of each user's items held out for validation"),
			FloatOpt("test", 0.2, 0, 0.99, "fraction of each user's items held out for test"),
			BoolOpt("keep-unseen", false, "keep held-out items that appear in no training pair"),
			BoolOpt("renumber", false, "remove users excluded from evaluation from the index space"),
		},
		New: func(env SplitEnv, o Values) (*data.Split, error) {
			return data.RatioSplit(env.X, env.Seed, o.Float("valid"), o.Float("test"),
				data.RatioOptions{KeepUnseen: o.Bool("keep-unseen"), Renumber: o.Bool("renumber")})
		},
		expSpec: func(o Values, seed uint64) *exp.SplitSpec {
			if o.Bool("keep-unseen") || o.Bool("renumber") {
				return nil
			}
			kind := ""
			switch v, t := o.Float("valid"), o.Float("test"); {
			case v == 0.2 && t == 0.2:
				kind = exp.SplitRatio602020 // data.RatioSplit602020
			case v == 0.1 && t == 0.1:
				kind = exp.SplitRatio801010 // data.RatioSplit801010
			default:
				return nil
			}
			return &exp.SplitSpec{Kind: kind, Seed: &seed}
		},
	})
	registerSplit("shipped", SplitSpec{
		Doc: "a split shipped with the data set (list datasets shows them), read from dir= or $" + datasets.EnvDir,
		Options: []Option{
			StringOpt("name", "", nil, "which shipped split (default: the data set's first)"),
			StringOpt("dir", "", completeFiles, "directory of the data set collection"),
			IntOpt("candidates", 0, 0, 1<<20, "sample this many candidates per user for the leave-one-out protocol"),
		},
		New: func(env SplitEnv, o Values) (*data.Split, error) {
			if env.Source == "" {
				return nil, fmt.Errorf("data set %s was not loaded from the registry; shipped splits need load <dataset>", env.Dataset)
			}
			var opts []datasets.Option
			if n := o.String("name"); n != "" {
				opts = append(opts, datasets.SplitName(n))
			}
			if d := o.String("dir"); d != "" {
				opts = append(opts, datasets.Dir(env.Path(d)))
			}
			s, err := datasets.LoadSplit(env.Source, opts...)
			if err != nil {
				return nil, err
			}
			return s, withCandidates(s, env.Seed, o.Int("candidates"))
		},
	})
	registerSplit("import", SplitSpec{
		Doc: "import train/valid/test files made elsewhere (TSV/CSV user item pairs with shared integer ids), " +
			"stating what they are: protocol=full (any split) or protocol=loo (one validation and one test item per user, checked)",
		NoData: true,
		Options: []Option{
			{Name: "train", Kind: KindString, Required: true, Complete: completeFiles, Doc: "training pairs file"},
			StringOpt("valid", "", completeFiles, "validation pairs file (optional)"),
			{Name: "test", Kind: KindString, Required: true, Complete: completeFiles, Doc: "test pairs file"},
			EnumOpt("protocol", "full", []string{"full", "loo"},
				"what the split is: full (evaluate by full ranking) or loo (exactly one validation and one test item per user; candidates are sampled)"),
			IntOpt("candidates", data.DefaultNumCandidates, 1, 1<<20, "protocol=loo: candidates sampled per user"),
		},
		New: func(env SplitEnv, o Values) (*data.Split, error) {
			protocol := o.String("protocol")
			if protocol == "full" && o.Given("candidates") {
				return nil, fmt.Errorf("candidates= is for protocol=loo, which needs one validation and one test item per user; " +
					"write protocol=loo if the files are a leave-one-out split")
			}
			valid := o.String("valid")
			if valid != "" {
				valid = env.Path(valid)
			}
			s, err := data.ImportSplitFiles(env.Path(o.String("train")), valid, env.Path(o.String("test")))
			if err != nil {
				return nil, err
			}
			s.Name += " protocol=" + protocol
			if protocol == "full" {
				return s, nil
			}
			return s, withCandidates(s, env.Seed, o.Int("candidates"))
		},
	})
}

// looSpec returns the expSpec of the loo and llo methods: the exp split
// kind when short users are refused (the exp kinds' policy) and candidates
// are sampled (an exp split of these kinds always has them), else nil.
func looSpec(kind string) func(Values, uint64) *exp.SplitSpec {
	return func(o Values, seed uint64) *exp.SplitSpec {
		n := o.Int("candidates")
		if o.String("short") != "error" || n == 0 {
			return nil
		}
		return &exp.SplitSpec{Kind: kind, Seed: &seed, Candidates: n}
	}
}

// withCandidates samples n leave-one-out candidates per user into s (none
// when n is 0), after checking that s is a leave-one-out split: candidates
// on a split with several test items per user (or no validation item)
// would pretend it is one.
func withCandidates(s *data.Split, seed uint64, n int) error {
	if n == 0 {
		return nil
	}
	if err := s.CheckLeaveOneOut(); err != nil {
		return err
	}
	return data.SampleCandidates(s, seed, n)
}
