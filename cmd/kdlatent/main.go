// Command kdlatent runs the latent-knowledge distillation reproduction of
// docs/reproduction.md §4 (methods.md §4.2a and §4.2b) on the authors'
// CiteULike splits, and prints its tables:
//
//	kdlatent td     [-dims 10,20,100,200] [-methods student,ftd,htd] [-seeds 0,1,2]
//	kdlatent de     [-methods student,hint,de] [-seeds 0,1,2]
//	kdlatent gcn    [-dims 20] [-methods student,ftd,htd] [-seeds 0]
//	kdlatent tables [-dims …] [-methods …] [-seeds …] [-de-methods …] [-out report.md]
//
// td trains the TD notebook's BPR teacher (d=200, 100 epochs, cached) and
// one student per (seed, size, method) for 101 epochs with the test
// Recall@50 curve after epochs 1, 11, …, 101; de trains the DE-RRD split's
// teacher (d=200, early stopping, cached) and BPR d=20 students with the
// reference protocol (up to 1000 epochs, patience 20); gcn repeats td with
// a LightGCN teacher and LightGCN students (the TD paper's GCN base model;
// -gcn-* flags set its budget). Every run is cached
// (exp.TrainLatent), so an interrupted command resumes where it stopped and
// tables reads only cached runs. The authors' splits are read from
// $KDREC_DATASETS (or -data).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kdlatent:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  kdlatent td     [-dims 10,20,100,200] [-methods student,ftd,htd] [-seeds 0] [-data dir]
  kdlatent de     [-methods student,hint,de] [-seeds 0] [-data dir]
  kdlatent gcn    [-dims 20] [-methods student,ftd,htd] [-seeds 0] [-data dir]
  kdlatent tables [-dims …] [-methods …] [-seeds …] [-de-methods …] [-out file.md] [-data dir]`

// config holds the parsed command line.
type config struct {
	mode                       string
	dims                       []int
	seeds                      []uint64
	methods, deMethods         []string
	dataDir, out               string
	quiet                      bool
	tdEpochs, deEpochs, deDim  int
	tdTeacherDim, deTeacherDim int
	gcnDims                    []int
	gcnTeacherDim, gcnEpochs   int
	gcnBatch                   int
	gcnLR                      float64
	gcnScaleLambda             bool
}

func parse(args []string) (*config, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return nil, errors.New(usage)
	}
	c := &config{mode: args[0]}
	switch c.mode {
	case "td", "de", "gcn", "tables":
	default:
		return nil, fmt.Errorf("unknown mode %q (want td, de, gcn or tables)\n%s", c.mode, usage)
	}
	fs := flag.NewFlagSet("kdlatent "+c.mode, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	defDims := "10,20,100,200"
	if c.mode == "gcn" {
		defDims = "20"
	}
	dims := fs.String("dims", defDims, "student sizes of the TD split")
	gcnDims := fs.String("gcn-dims", "20", "tables: LightGCN student sizes")
	fs.IntVar(&c.gcnTeacherDim, "gcn-teacher-dim", 200, "gcn: LightGCN teacher size")
	fs.IntVar(&c.gcnEpochs, "gcn-epochs", 60, "gcn: epochs of the teacher and the students (students train one more)")
	fs.IntVar(&c.gcnBatch, "gcn-batch", 4096, "gcn: batch size")
	fs.Float64Var(&c.gcnLR, "gcn-lr", 0.005, "gcn: learning rate")
	fs.BoolVar(&c.gcnScaleLambda, "gcn-scale-lambda", true, "gcn: scale λ_TD by 1024/batch")
	methods := fs.String("methods", "", "methods (td: student,ftd,htd; de: student,hint,de)")
	deMethods := fs.String("de-methods", "student,hint,de", "methods of the DE-RRD table (tables mode)")
	seeds := fs.String("seeds", "0", "seeds")
	fs.StringVar(&c.dataDir, "data", os.Getenv(datasets.EnvDir), "directory of the shared datasets (authors' splits)")
	fs.StringVar(&c.out, "out", "", "tables: also write the Markdown report to this file")
	fs.BoolVar(&c.quiet, "q", false, "no progress output")
	fs.IntVar(&c.tdEpochs, "td-epochs", 100, "TD: the notebook's epoch count (students train one more)")
	fs.IntVar(&c.deEpochs, "de-epochs", 1000, "DE: maximum epochs (early stopping, patience 20)")
	fs.IntVar(&c.deDim, "de-dim", 20, "DE: student size")
	fs.IntVar(&c.tdTeacherDim, "td-teacher-dim", 200, "TD: teacher size")
	fs.IntVar(&c.deTeacherDim, "de-teacher-dim", 200, "DE: teacher size")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, fmt.Errorf("%v\n%s", err, usage)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), usage)
	}
	if *methods == "" {
		*methods = "student,ftd,htd"
		if c.mode == "de" {
			*methods = "student,hint,de"
		}
	}
	var err error
	if c.dims, err = ints("-dims", *dims); err != nil {
		return nil, err
	}
	if c.mode == "gcn" {
		c.gcnDims = c.dims
	} else if c.gcnDims, err = ints("-gcn-dims", *gcnDims); err != nil {
		return nil, err
	}
	sd, err := ints("-seeds", *seeds)
	if err != nil {
		return nil, err
	}
	for _, s := range sd {
		if s < 0 {
			return nil, fmt.Errorf("-seeds: %d is negative", s)
		}
		c.seeds = append(c.seeds, uint64(s))
	}
	if c.methods, err = names("-methods", *methods); err != nil {
		return nil, err
	}
	if c.deMethods, err = names("-de-methods", *deMethods); err != nil {
		return nil, err
	}
	if c.dataDir == "" {
		return nil, fmt.Errorf("the authors' splits need -data or $%s (the shared datasets directory)", datasets.EnvDir)
	}
	if c.tdEpochs <= 0 || c.deEpochs <= 0 || c.deDim <= 0 || c.tdTeacherDim <= 0 || c.deTeacherDim <= 0 ||
		c.gcnTeacherDim <= 0 || c.gcnEpochs <= 0 || c.gcnBatch <= 0 || !(c.gcnLR > 0) {
		return nil, errors.New("-td-epochs, -de-epochs, -de-dim, the -gcn-* values and the teacher sizes must be > 0")
	}
	return c, nil
}

func ints(flagName, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an integer", flagName, f)
		}
		if v < 0 {
			return nil, fmt.Errorf("%s: %d is negative", flagName, v)
		}
		out = append(out, v)
	}
	return out, nil
}

func names(flagName, s string) ([]string, error) {
	known := []string{exp.LatentStudent, exp.LatentHint, exp.LatentDE, exp.LatentPHR, exp.LatentFTD, exp.LatentHTD}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		ok := false
		for _, k := range known {
			ok = ok || f == k
		}
		if !ok {
			return nil, fmt.Errorf("%s: unknown method %q (want one of %s)", flagName, f, strings.Join(known, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	log := stdout
	if c.quiet {
		log = nil
	}
	switch c.mode {
	case "td", "gcn":
		setup, opts, dims := tdSetup, tdOptions, c.dims
		if c.mode == "gcn" {
			setup, opts, dims = gcnSetup, gcnOptions, c.gcnDims
		}
		s, t, err := setup(ctx, c, log)
		if err != nil {
			return err
		}
		for _, seed := range c.seeds {
			for _, d := range dims {
				for _, m := range c.methods {
					r, err := exp.TrainLatent(ctx, s, t.Model, t.Hash, opts(c, m, d, seed, log))
					if err != nil {
						return err
					}
					_, curve := r.Result.TestCurve("Recall@50")
					fmt.Fprintf(stdout, "RESULT %s %s d=%d seed=%d cached=%v s/epoch=%.2f Recall@50 %.4f\n", c.mode, m, d, seed, r.Cached, r.SecondsPerEpoch, curve)
				}
			}
		}
	case "de":
		s, t, err := deSetup(ctx, c, log)
		if err != nil {
			return err
		}
		for _, seed := range c.seeds {
			for _, m := range c.methods {
				r, err := exp.TrainLatent(ctx, s, t.Model, t.Hash, deOptions(c, m, seed, log))
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "RESULT de %s seed=%d cached=%v epochs=%d s/epoch=%.2f HR@5 %.4f NDCG@5 %.4f\n", m, seed, r.Cached, r.Result.Epochs, r.SecondsPerEpoch, r.Best["HR@5"], r.Best["NDCG@5"])
			}
		}
	case "tables":
		md, err := tables(ctx, c)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, md)
		if c.out != "" {
			if err := model.WriteFileAtomic(c.out, []byte(md)); err != nil {
				return err
			}
		}
	}
	return nil
}

func loadSplit(c *config, name string, candidates bool) (*data.Split, error) {
	s, err := datasets.LoadSplit("citeulike-t", datasets.SplitName(name), datasets.Dir(c.dataDir))
	if err != nil {
		return nil, err
	}
	for _, w := range s.Warnings {
		fmt.Fprintln(os.Stderr, "kdlatent: warning:", w)
	}
	if candidates {
		// The DE-RRD split's 499 sampled test/validation candidates
		// (seed 0, as in exp.RankingKD).
		if err := data.SampleCandidates(s, 0, data.DefaultNumCandidates); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func tdSetup(ctx context.Context, c *config, log io.Writer) (*data.Split, *exp.FullTeacher, error) {
	s, err := loadSplit(c, "td-loo", false)
	if err != nil {
		return nil, nil, err
	}
	t, err := exp.CachedFullTeacher(ctx, s, exp.FullTeacherOptions{Dim: c.tdTeacherDim, Epochs: c.tdEpochs, EvalEvery: 10, Log: log})
	if err != nil {
		return nil, nil, err
	}
	return s, t, nil
}

func deSetup(ctx context.Context, c *config, log io.Writer) (*data.Split, *exp.Teacher, error) {
	s, err := loadSplit(c, "derrd-loo", true)
	if err != nil {
		return nil, nil, err
	}
	t, err := exp.CachedTeacher(ctx, s, exp.TeacherOptions{Dim: c.deTeacherDim, Epochs: 1000, Patience: 20, Log: log})
	if err != nil {
		return nil, nil, err
	}
	return s, t, nil
}

// tdOptions is the TD notebook's protocol: full ranking, test Recall@50
// after epochs 1, 11, …, 101, no early stopping; HTD's temperature anneals
// over the notebook's max_epoch (100).
func tdOptions(c *config, method string, dim int, seed uint64, log io.Writer) exp.LatentOptions {
	o := exp.LatentOptions{Method: method, Dim: dim, Seed: seed, Protocol: exp.Full, Epochs: c.tdEpochs + 1, EvalEvery: 10, EvalFromFirst: true, Log: log, Plain: true}
	if method == exp.LatentHTD {
		h := distill.DefaultHTD()
		h.Tau.Epochs = c.tdEpochs
		o.HTD = &h
	}
	return o
}

func gcnSetup(ctx context.Context, c *config, log io.Writer) (*data.Split, *exp.FullTeacher, error) {
	s, err := loadSplit(c, "td-loo", false)
	if err != nil {
		return nil, nil, err
	}
	t, err := exp.CachedFullTeacher(ctx, s, exp.FullTeacherOptions{Kind: exp.LatentLightGCN, Dim: c.gcnTeacherDim, Epochs: c.gcnEpochs,
		EvalEvery: 10, LR: c.gcnLR, BatchSize: c.gcnBatch, Log: log, CachedOnly: c.mode == "tables"})
	if err != nil {
		return nil, nil, err
	}
	return s, t, nil
}

// gcnOptions is tdOptions for LightGCN students with the -gcn-* budget.
//
// With -gcn-scale-lambda (the default) the topology weights are rescaled
// to the batch size: λ_TD = 0.001 was set for batches of 1024, and FTD's
// loss sums |V_B|² cosine pairs against BPR's sum over the batch, so a
// batch B times larger makes the topology term B times heavier relative
// to BPR; λ_FTD is multiplied by 1024/B. HTD's terms are linear (group
// level, assignment) or quadratic within groups in |V_B|, and get the same
// factor. Without it the notebook's λ is used unchanged.
func gcnOptions(c *config, method string, dim int, seed uint64, log io.Writer) exp.LatentOptions {
	o := exp.LatentOptions{Kind: exp.LatentLightGCN, Method: method, Dim: dim, Seed: seed, Protocol: exp.Full, Epochs: c.gcnEpochs + 1, EvalEvery: 10,
		EvalFromFirst: true, LR: c.gcnLR, BatchSize: c.gcnBatch, Log: log, Plain: true}
	scale := 1.0
	if c.gcnScaleLambda {
		scale = 1024 / float64(c.gcnBatch)
	}
	switch method {
	case exp.LatentHTD:
		h := distill.DefaultHTD()
		h.Tau.Epochs = c.gcnEpochs
		h.Lambda *= scale
		o.HTD = &h
	case exp.LatentFTD:
		if scale != 1 {
			f := distill.DefaultFTD()
			f.Lambda *= scale
			o.FTD = &f
		}
	}
	return o
}

// deOptions is the DE-RRD repository's protocol: LOO with 499 sampled
// candidates, evaluation every epoch, early stopping with patience 20 on
// validation HR@{5,10,20}.
func deOptions(c *config, method string, seed uint64, log io.Writer) exp.LatentOptions {
	return exp.LatentOptions{Method: method, Dim: c.deDim, Seed: seed, Protocol: exp.LOO, Epochs: c.deEpochs, EvalEvery: 1, Patience: 20, Log: log, Plain: true}
}

// optionsFunc gives the options of one run of a curve protocol.
type optionsFunc func(c *config, method string, dim int, seed uint64, log io.Writer) exp.LatentOptions

// cachedCurves collects the cached runs of every size, method and seed
// (seeds in order, stopping at the first missing one).
func cachedCurves(ctx context.Context, c *config, s *data.Split, t *exp.FullTeacher, dims []int, opts optionsFunc) (map[int]map[string][]*exp.LatentRun, error) {
	runs := map[int]map[string][]*exp.LatentRun{}
	for _, d := range dims {
		runs[d] = map[string][]*exp.LatentRun{}
		for _, m := range c.methods {
			for _, seed := range c.seeds {
				o := opts(c, m, d, seed, nil)
				o.CachedOnly = true
				r, err := exp.TrainLatent(ctx, s, t.Model, t.Hash, o)
				if errors.Is(err, exp.ErrNotCached) {
					break
				}
				if err != nil {
					return nil, err
				}
				runs[d][m] = append(runs[d][m], r)
			}
		}
	}
	return runs, nil
}

// tables builds the Markdown report from the cached runs only.
func tables(ctx context.Context, c *config) (string, error) {
	var b strings.Builder
	s, t, err := tdSetup(ctx, c, nil)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "TD teacher (BPR d=%d, %d epochs), test Recall@50 after 0, 10, …, %d epochs: %.4f\n\n", c.tdTeacherDim, c.tdEpochs, c.tdEpochs, t.Curve)
	runs, err := cachedCurves(ctx, c, s, t, c.dims, tdOptions)
	if err != nil {
		return "", err
	}
	tb, err := exp.TDCurveTable(runs)
	if err != nil {
		return "", err
	}
	b.WriteString(tb.Markdown())
	b.WriteString("\n")
	if gs, gt, err := gcnSetup(ctx, c, nil); err != nil && !errors.Is(err, exp.ErrNotCached) {
		return "", err
	} else if err == nil {
		fmt.Fprintf(&b, "LightGCN teacher (d=%d, %d epochs, lr %g, batch %d), test Recall@50 every 10 epochs: %.4f\n\n", c.gcnTeacherDim, c.gcnEpochs, c.gcnLR, c.gcnBatch, gt.Curve)
		gruns, err := cachedCurves(ctx, c, gs, gt, c.gcnDims, gcnOptions)
		if err != nil {
			return "", err
		}
		gtb, err := exp.TDCurveTableRef(gruns, nil)
		if err != nil {
			return "", err
		}
		gtb.Title = "LightGCN teacher → LightGCN students, TD split: test Recall@50 every 10 epochs"
		b.WriteString(gtb.Markdown())
		b.WriteString("\n")
	}
	sd, td, err := deSetup(ctx, c, nil)
	if err != nil {
		return "", err
	}
	druns := map[string][]*exp.LatentRun{}
	for _, m := range c.deMethods {
		for _, seed := range c.seeds {
			o := deOptions(c, m, seed, nil)
			o.CachedOnly = true
			r, err := exp.TrainLatent(ctx, sd, td.Model, td.Hash, o)
			if errors.Is(err, exp.ErrNotCached) {
				break
			}
			if err != nil {
				return "", err
			}
			druns[m] = append(druns[m], r)
		}
	}
	dt, err := exp.LatentTable("DE-RRD split: test metrics at the best validation epoch of each cut-off", druns, c.deMethods, exp.LatentStudent,
		[]string{"HR@5", "NDCG@5", "HR@10", "NDCG@10", "HR@20", "NDCG@20"})
	if err != nil {
		return "", err
	}
	b.WriteString(dt.Markdown())
	return b.String(), nil
}
