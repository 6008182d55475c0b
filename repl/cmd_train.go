package repl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kdrec/kdrec/kdlib/eval"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// scoped returns the options of one distillation method: the keys
// <option>.<method> with the suffix removed.
func (v Values) scoped(method string) Values {
	out := Values{vals: map[string]any{}, given: map[string]bool{}, raw: map[string]string{}}
	suffix := "." + method
	for k, x := range v.vals {
		if name, ok := strings.CutSuffix(k, suffix); ok {
			out.vals[name], out.given[name], out.raw[name] = x, v.given[k], v.raw[k]
		}
	}
	return out
}

// currentSplit returns the named split, or the current one if name is "".
func (sh *Shell) currentSplit(name string) (*SplitEntry, error) {
	if name == "" {
		name = sh.ws.Split
	}
	if name == "" {
		return nil, fmt.Errorf("no split yet: make one first (split loo) or pass split=<name>")
	}
	return sh.ws.SplitByName(name)
}

// checkProtocol reports a protocol the split cannot serve: the sampled
// leave-one-out protocol needs candidates and exactly one validation and
// one test item per evaluated user (data.Split.CheckLeaveOneOut).
func checkProtocol(se *SplitEntry, protocol string) error {
	if protocol != string(exp.LOO) {
		return nil
	}
	if se.S.Candidates == nil {
		return fmt.Errorf("split %s has no sampled candidates, which protocol=loo needs; use protocol=full, "+
			"or make the split with candidates (split loo, or candidates=499)", se.Name)
	}
	if !se.looChecked {
		se.looErr, se.looChecked = se.S.CheckLeaveOneOut(), true
	}
	if se.looErr != nil {
		return fmt.Errorf("protocol=loo on split %s: %w", se.Name, se.looErr)
	}
	return nil
}

// checkShape reports a model whose index spaces do not fit a split.
func checkShape(name string, m Recommender, se *SplitEntry) error {
	if m.NumUsers() < se.S.NumUsers() || m.NumItems() < se.S.NumItems() {
		return fmt.Errorf("%s has %d users × %d items but split %s has %d × %d",
			name, m.NumUsers(), m.NumItems(), se.Name, se.S.NumUsers(), se.S.NumItems())
	}
	return nil
}

func runTrain(ctx context.Context, sh *Shell, c *Call) error {
	name, kind := c.Args[0], c.Args[1]
	spec, err := sh.reg.Model(kind)
	if err != nil {
		return err
	}
	if err := sh.ws.canPut(name, &ModelEntry{}); err != nil {
		return err
	}
	se, err := sh.currentSplit(c.Opts.String("split"))
	if err != nil {
		return err
	}
	protocol := c.Opts.String("protocol")
	evalEvery := c.Opts.Int("eval-every")
	if evalEvery > 0 {
		if err := checkProtocol(se, protocol); err != nil {
			return err
		}
	}
	kd := c.Opts.List("kd")
	for _, o := range c.Schema {
		if dot := strings.LastIndexByte(o.Name, '.'); dot > 0 && c.Opts.Given(o.Name) && !slices.Contains(kd, o.Name[dot+1:]) {
			return fmt.Errorf("%s is given but %s is not in kd=%s; add it to kd or drop the option",
				o.Name, o.Name[dot+1:], strings.Join(kd, ","))
		}
	}
	seed := c.Opts.Uint("seed")
	build, err := spec.New(ModelEnv{Users: se.S.NumUsers(), Items: se.S.NumItems(), Train: se.S.Train, Seed: seed}, c.Opts)
	if err != nil {
		return err
	}
	terms := slices.Clone(build.Loss)
	var notes []func(epochs int) string // the methods' schedule notes, given the final cap
	teacherName := ""
	if len(kd) > 0 {
		teacherName = c.Opts.String("teacher")
		if teacherName == name {
			return fmt.Errorf("the student cannot be its own teacher (%s); pass teacher=<model>", name)
		}
		teacher, err := sh.ws.ModelByName(teacherName)
		if err != nil {
			return fmt.Errorf("kd needs a trained teacher: %w; train one (train teacher bpr dim=200) or pass teacher=<model>", err)
		}
		if err := checkShape("teacher "+teacherName, teacher.M, se); err != nil {
			return err
		}
		for _, m := range kd {
			ms, err := sh.reg.Method(m)
			if err != nil {
				return err
			}
			t, err := ms.New(MethodEnv{Teacher: teacher.M, Student: build.Model, Split: se.S, Seed: seed,
				Lists: sh.listsFunc(ctx, teacher, se.S.Train)}, c.Opts.scoped(m))
			if err != nil {
				if ctx.Err() != nil {
					return &Interrupted{Msg: fmt.Sprintf("train %s: interrupted while building the distillation terms; nothing was stored%s",
						name, keptNote(sh, name))}
				}
				return fmt.Errorf("kd %s: %w", m, err)
			}
			terms = append(terms, train.Flatten(t)...)
			if ms.Note != nil {
				opts := c.Opts.scoped(m)
				notes = append(notes, func(epochs int) string { return ms.Note(opts, epochs) })
			}
		}
	}

	cfg := train.Defaults()
	cfg.Epochs, cfg.BatchSize = c.Opts.Int("epochs"), c.Opts.Int("batch")
	cfg.LR, cfg.WeightDecay, cfg.LazyAdam = c.Opts.Float("lr"), c.Opts.Float("wd"), c.Opts.Bool("lazy-adam")
	cfg.Seed, cfg.Examples = seed, build.Examples
	cfg.EvalEvery, cfg.Patience, cfg.RestoreBest = evalEvery, c.Opts.Int("patience"), c.Opts.Bool("restore-best")
	if evalEvery > 0 {
		cfg.Eval = exp.EvalFunc(build.Model, se.S, exp.Protocol(protocol))
		cfg.StopMetrics = exp.StopMetrics(exp.Protocol(protocol))
	} else {
		protocol = ""
	}
	if sh.maxEpochs > 0 {
		cfg.Epochs = min(cfg.Epochs, sh.maxEpochs)
	}
	if sh.onBatch != nil {
		cfg.Hooks = append(cfg.Hooks, train.Hook{OnBatch: func(e train.BatchEvent) { sh.onBatch(name, e) }})
	}
	for _, note := range notes {
		if n := note(cfg.Epochs); n != "" {
			sh.printf("note: %s\n", n)
		}
	}
	specText := strings.Join(append([]string{kind}, givenWords(c.Opts)...), " ")
	log, plain := sh.progress()
	cfg.Hooks = append(cfg.Hooks, report.ProgressHook(log, name+" "+specText, plain))
	started := time.Now()
	res, err := train.Fit(ctx, build.Model, se.S.Train, terms, cfg)
	took := time.Since(started)
	stopped := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if err != nil && (res == nil || res.Epochs == 0) {
		if stopped {
			return &Interrupted{Msg: fmt.Sprintf("train %s: interrupted before the first epoch finished; nothing was stored%s",
				name, keptNote(sh, name))}
		}
		return err
	}
	entry := &ModelEntry{Name: name, Kind: kind, Spec: specText, M: build.Model, Split: se, Protocol: protocol,
		KD: kd, Teacher: teacherName, Result: res}
	kept := res.Epochs
	if cfg.RestoreBest && len(cfg.StopMetrics) > 0 {
		if b, ok := res.Best[cfg.StopMetrics[0]]; ok {
			kept = b.Epoch
		}
	}
	switch {
	case err == nil:
		entry.Status = "trained " + plural(res.Epochs, "epoch")
		if res.StoppedEarly {
			entry.Status += " (early stop)"
		}
	default:
		entry.Status = fmt.Sprintf("stopped after %d of %d epochs", res.Epochs, cfg.Epochs)
	}
	if kept != res.Epochs {
		entry.Status += fmt.Sprintf(", parameters of epoch %d", kept)
	}
	replaced, perr := sh.ws.put(name, entry)
	if perr != nil {
		return perr
	}
	if err != nil {
		if stopped {
			return &Interrupted{Msg: fmt.Sprintf("train %s: interrupted after %d of %d epochs; %s keeps the parameters of epoch %d",
				name, res.Epochs, cfg.Epochs, name, kept)}
		}
		return fmt.Errorf("%w; %s keeps the parameters of epoch %d", err, name, kept)
	}
	sh.printf("%s: %s on %s, %s%s, %s\n", name, specText, se.Name, entry.Status, paramsNote(build.Model), tookNote(took, res))
	if len(cfg.StopMetrics) > 0 {
		primary := cfg.StopMetrics[0]
		if b, ok := res.Best[primary]; ok {
			sh.printf("  best valid %s %.4f at epoch %d (test %s %.4f)\n", primary, b.Valid, b.Epoch, primary, b.Test[primary])
		}
	}
	if replaced {
		sh.printf("  (replaced the previous %s)\n", name)
	}
	return nil
}

// tookNote formats the wall time of a training run (evaluation included)
// and its mean training time per epoch: "took 3.25s (0.71 s/epoch)".
func tookNote(took time.Duration, res *train.Result) string {
	if took >= time.Second {
		took = took.Round(10 * time.Millisecond)
	} else {
		took = took.Round(time.Millisecond)
	}
	return fmt.Sprintf("took %s (%.3g s/epoch)", took, res.MeanEpochSeconds())
}

// plural formats "1 epoch", "3 epochs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// keptNote says that an existing model of that name is unchanged.
func keptNote(sh *Shell, name string) string {
	if _, err := sh.ws.ModelByName(name); err == nil {
		return "; the existing " + name + " is unchanged"
	}
	return ""
}

// paramsNote returns ", N params" for models that count their parameters.
func paramsNote(m any) string {
	if n, ok := eval.NumParams(m); ok {
		return fmt.Sprintf(", %d params", n)
	}
	return ""
}
