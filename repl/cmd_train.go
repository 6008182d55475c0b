package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// runTrain is `train <name> <kind> …`: the line becomes an exp.RunSpec
// (trainRun) that exp.Execute trains and evaluates like any other run; the
// trained model, its history and the run's record go into the workspace.
// A run stopped after its first epoch (Ctrl-C, or a failure mid-way)
// keeps its partial model in the workspace and is recorded nowhere.
func runTrain(ctx context.Context, sh *Shell, c *Call) error {
	name, kind := c.Args[0], c.Args[1]
	if _, err := sh.reg.Model(kind); err != nil {
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
	var teacher *ModelEntry
	teacherName := ""
	if len(kd) > 0 {
		teacherName = c.Opts.String("teacher")
		if teacherName == name {
			return fmt.Errorf("the student cannot be its own teacher (%s); pass teacher=<model>", name)
		}
		if teacher, err = sh.ws.ModelByName(teacherName); err != nil {
			return fmt.Errorf("kd needs a trained teacher: %w; train one (train teacher bpr dim=200) or pass teacher=<model>", err)
		}
		if err := checkShape("teacher "+teacherName, teacher.M, se); err != nil {
			return err
		}
	}
	specText := strings.Join(append([]string{kind}, givenWords(c.Opts)...), " ")
	log, plain := sh.progress()
	env := &exp.Env{Fresh: true}
	if sh.onBatch != nil {
		env.Hooks = append(env.Hooks, train.Hook{OnBatch: func(e train.BatchEvent) { sh.onBatch(name, e) }})
	}
	env.Hooks = append(env.Hooks, report.ProgressHook(log, name+" "+specText, plain))
	if teacher != nil {
		env.ListsProgress = listsProgress(log, plain, teacher.Name)
	}
	run, err := trainRun(env, c, kind, se, kd, teacher, sh.maxEpochs)
	if err != nil {
		return err
	}
	for _, n := range run.Spec.BudgetNotes() {
		sh.printf("note: %s\n", n)
	}
	epochs := run.Spec.Budget.Epochs
	started := time.Now()
	rec, err := exp.Execute(ctx, run, env)
	took := time.Since(started)
	var res *exp.RunResult
	var stop error // why a run that began training stopped
	if err != nil {
		var u *exp.Unfinished
		switch {
		case errors.As(err, &u) && u.Result.Epochs > 0 && u.Result.Model != nil:
			res, stop = u.Result, u.Err
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			when := "before the first epoch finished"
			if len(kd) > 0 && u == nil {
				when = "while building the distillation terms"
			}
			return &Interrupted{Msg: fmt.Sprintf("train %s: interrupted %s; nothing was stored%s", name, when, keptNote(sh, name))}
		case u != nil:
			return methodError(u.Err)
		default:
			return methodError(err)
		}
	} else {
		res = &rec.Result
	}
	hist := res.History
	if hist == nil {
		return fmt.Errorf("train %s: the run returned no training history", name)
	}
	entry := &ModelEntry{Name: name, Kind: kind, Spec: specText, M: res.Model, Split: se, KD: kd, Teacher: teacherName, Result: hist}
	if stop == nil {
		entry.Record = rec
	}
	primary := ""
	if evalEvery > 0 {
		entry.Protocol = protocol
		primary = exp.StopMetrics(exp.Protocol(protocol))[0]
	}
	kept := hist.Epochs
	if c.Opts.Bool("restore-best") && primary != "" {
		if b, ok := hist.Best[primary]; ok {
			kept = b.Epoch
		}
	}
	switch {
	case stop == nil:
		entry.Status = "trained " + plural(hist.Epochs, "epoch")
		if hist.StoppedEarly {
			entry.Status += " (early stop)"
		}
	default:
		entry.Status = fmt.Sprintf("stopped after %d of %d epochs", hist.Epochs, epochs)
	}
	if kept != hist.Epochs {
		entry.Status += fmt.Sprintf(", parameters of epoch %d", kept)
	}
	replaced, perr := sh.ws.put(name, entry)
	if perr != nil {
		return perr
	}
	if stop != nil {
		if errors.Is(stop, context.Canceled) || errors.Is(stop, context.DeadlineExceeded) {
			return &Interrupted{Msg: fmt.Sprintf("train %s: interrupted after %d of %d epochs; %s keeps the parameters of epoch %d",
				name, hist.Epochs, epochs, name, kept)}
		}
		return fmt.Errorf("%w; %s keeps the parameters of epoch %d", stop, name, kept)
	}
	sh.printf("%s: %s on %s, %s%s, %s\n", name, specText, se.Name, entry.Status, paramsNote(entry.M), tookNote(took, hist))
	if primary != "" {
		if b, ok := hist.Best[primary]; ok {
			sh.printf("  best valid %s %.4f at epoch %d (test %s %.4f)\n", primary, b.Valid, b.Epoch, primary, b.Test[primary])
		}
	}
	if replaced {
		sh.printf("  (replaced the previous %s)\n", name)
	}
	return nil
}

// trainRun turns a train line into the exp.Run it executes, and gives env
// what the run uses from the workspace. The data and split are the split
// entry's exp specs when it has them (a registered data set split by a
// built-in method with options an exp split kind expresses: env uses the
// workspace split instead of making it again), else the split by content
// (exp.SplitProvided). The student is the kind with the line's options
// (studentSpec), the terms the line's methods (kdTerm), the budget the
// line's epochs (capped by maxEpochs when positive), evaluation, patience
// and restore-best. The teacher is the TeacherSpec of the run that trained
// it when that run had no distillation and its data, split and protocol
// are the student's (env uses the workspace model), else the model by
// content (exp.ProvidedModel).
func trainRun(env *exp.Env, c *Call, kind string, se *SplitEntry, kd []string, teacher *ModelEntry, maxEpochs int) (*exp.Run, error) {
	student, err := studentSpec(kind, c.Opts)
	if err != nil {
		return nil, err
	}
	spec := exp.RunSpec{Student: student, Seed: c.Opts.Uint("seed"), Protocol: exp.Protocol(c.Opts.String("protocol"))}
	if se.spec != nil {
		spec.Dataset, spec.Split = *se.dataset, *se.spec
	} else {
		spec.Dataset, spec.Split = env.ProvideSplit(se.S)
	}
	restore := c.Opts.Bool("restore-best")
	spec.Budget = exp.Budget{Epochs: c.Opts.Int("epochs"), EvalEvery: c.Opts.Int("eval-every"), Patience: c.Opts.Int("patience"),
		RestoreBest: &restore}
	if maxEpochs > 0 {
		spec.Budget.Epochs = min(spec.Budget.Epochs, maxEpochs)
	}
	if spec.Budget.EvalEvery == 0 {
		spec.Budget.NoEval = true
	}
	for _, m := range kd {
		spec.KD = append(spec.KD, kdTerm(m, c.Opts.scoped(m)))
	}
	if teacher == nil {
		run, err := exp.NewRun(spec)
		if err != nil {
			return nil, err
		}
		return run, provideSplit(env, run, se)
	}
	// The teacher by its own spec, when the run that trained it describes it
	// as this run's teacher.
	if r := teacher.Record; r != nil && len(r.Spec.KD) == 0 && len(r.Spec.Teachers) == 0 && r.Spec.Teacher == nil {
		seed, budget := r.Spec.Seed, r.Spec.Budget
		spec.Teacher = &exp.TeacherSpec{ModelSpec: r.Spec.Student, Seed: &seed, Budget: &budget}
		run, err := exp.NewRun(spec)
		if err != nil {
			return nil, err
		}
		key, err := run.Spec.TeacherKey(-1)
		if err != nil {
			return nil, err
		}
		want, werr := r.Spec.StudentKey().Hash()
		got, gerr := key.Hash()
		if werr == nil && gerr == nil && want == got {
			if err := env.ProvideModel(key, teacher.M, &r.Result); err != nil {
				return nil, err
			}
			return run, provideSplit(env, run, se)
		}
	}
	// Otherwise the model by content.
	ms, err := exp.ProvidedModel(teacher.M)
	if err != nil {
		return nil, fmt.Errorf("teacher %s: %w", teacher.Name, err)
	}
	spec.Teacher = &exp.TeacherSpec{ModelSpec: ms}
	run, err := exp.NewRun(spec)
	if err != nil {
		return nil, err
	}
	key, err := run.Spec.TeacherKey(-1)
	if err != nil {
		return nil, err
	}
	if err := env.ProvideModel(key, teacher.M, nil); err != nil {
		return nil, err
	}
	return run, provideSplit(env, run, se)
}

// provideSplit gives env the workspace split of a run whose split has an
// exp spec (a provided split was given when the spec was made).
func provideSplit(env *exp.Env, run *exp.Run, se *SplitEntry) error {
	if run.Spec.Split.Kind == exp.SplitProvided {
		return nil
	}
	return env.ProvideSplitAs(run.Spec.Dataset, run.Spec.Split, run.Spec.Protocol, se.S)
}

// listsProgress returns exp.Env.ListsProgress drawing a bar on log (none
// when log is nil) while the teacher's lists are ranked.
func listsProgress(log io.Writer, plain bool, teacher string) func(int, bool, int) (func(int), func(error)) {
	return func(n int, itemSide bool, users int) (func(int), func(error)) {
		if log == nil {
			return func(int) {}, func(error) {}
		}
		side := "users"
		if itemSide {
			side = "users and items"
		}
		start := time.Now()
		bar := report.NewProgress(log, fmt.Sprintf("teacher lists of %s (top %d, %s)", teacher, n, side), users, plain)
		return func(done int) { bar.Set(done, "") }, func(err error) {
			if err != nil {
				if !plain {
					fmt.Fprintln(log) // end the bar's line; the error follows
				}
				return
			}
			bar.Done(fmt.Sprintf("built in %.1fs", time.Since(start).Seconds()))
		}
	}
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
