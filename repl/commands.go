package repl

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/distill"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Command is one command of the shell language. Commands with Subs take a
// sub-command as their first word (plot curves, export results).
type Command struct {
	// Name is what the user types.
	Name string
	// Aliases are other spellings of the name.
	Aliases []string
	// Args are the positional arguments.
	Args []Arg
	// Summary is a one-line description.
	Summary string
	// Help is a paragraph added by `help <command>`.
	Help string
	// Examples are full statements shown by `help <command>`.
	Examples []string
	// Subs are the sub-commands.
	Subs []*Command
	// Options returns the option schema for the given positional arguments
	// (the train options depend on the model kind). Nil means no options.
	Options func(sh *Shell, args []string) ([]Option, error)
	// Unknown, if set, may explain an option outside the schema better than
	// the generic message (distillation options while none exist).
	Unknown func(sh *Shell, w Word) error
	// Run executes the command. Errors need not name the command.
	Run func(ctx context.Context, sh *Shell, c *Call) error
}

// Arg is a positional argument.
type Arg struct {
	// Name is shown in the usage line as <Name>.
	Name string
	// Optional arguments may be left out; a Variadic one takes the rest.
	Optional, Variadic bool
	// Complete proposes values, given the arguments before it.
	Complete func(sh *Shell, args []string, prefix string) []string
}

var commandTable []*Command

func init() { commandTable = buildCommands() }

// commands returns the command table.
func commands() []*Command { return commandTable }

// findCommand returns the command called name (or aliased so), or nil.
func findCommand(cmds []*Command, name string) *Command {
	for _, c := range cmds {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

// commandNames returns the names of cmds, in table order.
func commandNames(cmds []*Command) []string {
	out := make([]string, len(cmds))
	for k, c := range cmds {
		out[k] = c.Name
	}
	return out
}

// usage is the usage line of a command: "train <name> <kind> [option=value ...]".
func usage(path string, c *Command) string {
	parts := []string{path}
	if len(c.Subs) > 0 {
		parts = append(parts, strings.Join(commandNames(c.Subs), "|"), "...")
	}
	for _, a := range c.Args {
		s := "<" + a.Name + ">"
		if a.Variadic {
			s += " ..."
		}
		if a.Optional {
			s = "[" + s + "]"
		}
		parts = append(parts, s)
	}
	if c.Options != nil {
		parts = append(parts, "[option=value ...]")
	}
	return strings.Join(parts, " ")
}

// fixed returns a completion function for a fixed list.
func fixed(values ...string) func(*Shell, []string, string) []string {
	return func(*Shell, []string, string) []string { return values }
}

// Completion sources of arguments (func(sh, args, prefix)) and of option
// values (func(sh, prefix)).

func completeDatasetNames(*Shell, []string, string) []string {
	var out []string
	for _, d := range datasets.List() {
		out = append(out, d.Name)
	}
	return out
}
func completeModelKinds(sh *Shell, _ []string, _ string) []string { return sh.reg.Models() }
func completeSplitMethods(sh *Shell, _ []string, _ string) []string {
	return sh.reg.Splits()
}
func completeModels(sh *Shell, _ []string, _ string) []string { return sh.ws.ModelNames() }
func completeObjects(sh *Shell, _ []string, _ string) []string {
	return append(sh.ws.Names(), "datasets", "splits", "models", "settings")
}
func completePathArg(sh *Shell, _ []string, prefix string) []string { return completeFiles(sh, prefix) }

func completeModelOpt(sh *Shell, _ string) []string   { return sh.ws.ModelNames() }
func completeSplitOpt(sh *Shell, _ string) []string   { return sh.ws.SplitNames() }
func completeDatasetOpt(sh *Shell, _ string) []string { return sh.ws.DatasetNames() }
func completeRegistryDatasets(*Shell, string) []string {
	return completeDatasetNames(nil, nil, "")
}

// trainOptions is the schema shared by every model kind of `train`.
func trainOptions(sh *Shell) []Option {
	d := train.Defaults()
	seed, protocol, split := uint64(0), string(exp.LOO), ""
	if sh != nil {
		seed, protocol, split = sh.seed(), sh.protocol(), sh.ws.Split
	}
	return []Option{
		IntOpt("epochs", d.Epochs, 1, 1_000_000, "maximum number of epochs (early stopping may end sooner)"),
		IntOpt("batch", d.BatchSize, 1, 1<<20, "mini-batch size"),
		PositiveOpt("lr", d.LR, 10, "Adam learning rate"),
		FloatOpt("wd", d.WeightDecay, 0, 10, "weight decay (coupled L2) of Adam"),
		BoolOpt("lazy-adam", d.LazyAdam, "update only the embedding rows a batch touches (faster, not the reference semantics)"),
		UintOpt("seed", seed, "seed of the initialisation and of the sampling"),
		IntOpt("eval-every", d.EvalEvery, 0, 1_000_000, "evaluate on the validation part every n epochs (0: never)"),
		IntOpt("patience", d.Patience, 0, 1_000_000, "stop after this many evaluations without improvement (0: never)"),
		EnumOpt("protocol", protocol, []string{string(exp.LOO), string(exp.Full)},
			"evaluation protocol during training; its metrics decide early stopping"),
		BoolOpt("restore-best", true, "keep the parameters of the best validation epoch rather than the last"),
		StringOpt("split", split, completeSplitOpt, "the split to train on (default: the current split)"),
	}
}

// trainSchema is the full schema of `train <name> <kind>`: the train
// options, the kind's options and, when methods exist, kd, teacher and the
// methods' options as <option>.<method>.
func trainSchema(sh *Shell, args []string) ([]Option, error) {
	schema := trainOptions(sh)
	if len(args) < 2 {
		return schema, nil
	}
	spec, err := sh.reg.Model(args[1])
	if err != nil {
		return schema, err // the train options still complete
	}
	schema = append(schema, spec.Options...)
	methods := sh.reg.Methods()
	if len(methods) == 0 {
		return schema, nil
	}
	kd := ListOpt("kd", methods, "distillation methods whose terms are added to the base loss")
	kd.Elsewhere = map[string]string{}
	for _, m := range distill.Methods() {
		if m.Kind == distill.EnsembleKD {
			kd.Elsewhere[m.Name] = fmt.Sprintf("%s distils an ensemble of several teachers' trajectories, which a shell session (one teacher) does not train; "+
				"run it with `reproduce hetcomp-table` (a built-in spec, as kdsweep runs it)", m.Name)
		}
	}
	schema = append(schema, kd,
		StringOpt("teacher", "teacher", completeModelOpt, "the trained model to distil from"))
	for _, m := range methods {
		ms, _ := sh.reg.Method(m)
		for _, o := range ms.Options {
			o.Name += "." + m
			o.Doc = m + ": " + o.Doc
			schema = append(schema, o)
		}
	}
	return schema, nil
}

// trainUnknown explains distillation options used while no method exists
// and options scoped to unknown methods.
func trainUnknown(sh *Shell, w Word) error {
	key := w.Key()
	methods := sh.reg.Methods()
	scoped := strings.LastIndexByte(key, '.')
	if key != "kd" && key != "teacher" && scoped < 0 {
		return nil
	}
	if len(methods) == 0 {
		return errNoMethods(w.Text)
	}
	if scoped < 0 {
		return nil
	}
	opt, m := key[:scoped], key[scoped+1:]
	if !slices.Contains(methods, m) {
		if slices.Contains(methods, opt) {
			return fmt.Errorf("option %s: write <option>.<method>, here %s.%s", key, m, opt)
		}
		return fmt.Errorf("option %s: %w", key, unknownName("distillation method", m, methods))
	}
	return nil
}

// splitCommonOptions is the schema shared by every split method.
func splitCommonOptions(sh *Shell) []Option {
	seed, cur := uint64(0), ""
	if sh != nil {
		seed, cur = sh.seed(), sh.ws.Dataset
	}
	return []Option{
		StringOpt("of", cur, completeDatasetOpt, "the data set to split (default: the current one)"),
		StringOpt("as", "", nil, "name of the split in the workspace (default: the method's name)"),
		UintOpt("seed", seed, "seed of the random split and candidates"),
	}
}

// splitSchema is the schema of `split <method>`: the common options and
// the method's.
func splitSchema(sh *Shell, args []string) ([]Option, error) {
	if len(args) == 0 {
		return splitCommonOptions(sh), nil
	}
	spec, err := sh.reg.Split(args[0])
	if err != nil {
		return splitCommonOptions(sh), err
	}
	return append(splitCommonOptions(sh), spec.Options...), nil
}

func buildCommands() []*Command {
	protocolsOpt := func(sh *Shell) Option {
		return EnumOpt("protocol", sh.protocol(), []string{string(exp.LOO), string(exp.Full)}, "evaluation protocol")
	}
	partOpt := EnumOpt("part", "test", []string{"test", "valid"}, "the evaluated part of the split")
	return []*Command{
		{
			Name:    "load",
			Args:    []Arg{{Name: "dataset", Optional: true, Complete: completeDatasetNames}},
			Summary: "load a registered data set (list datasets), or files of your own with path=",
			Help: "Loads a data set of package datasets after its default preprocessing, or interaction files of your own " +
				"(path=, several files separated by commas and merged by identifier), makes it the current one and prints " +
				"its card: users, items, interactions, density, the quantiles of the users' and items' numbers of " +
				"interactions, and its times. Files are CSV/TSV or any delimited text (delimiter and header detected; " +
				"sep=, header= to state them), with the columns user, item[, rating[, …]] unless cols= maps them: one name " +
				"per column, user, item, rating (or weight), time (or timestamp), - to skip; a time column allows " +
				"split llo. min-rating= keeps the records with a rating (weight) at least that, kcore= the k-core. plot= " +
				"draws the degree distribution. citeulike-t is embedded; the other registered data sets are read from dir= " +
				"or $" + datasets.EnvDir + ".",
			Examples: []string{"load citeulike-t", "load ml-100k dir=~/data min-rating=4 as=ml4",
				"load path=ratings.csv cols=user,item,rating,time min-rating=4 kcore=5 name=mine",
				"load path=train.tsv,test.tsv cols=user,item,weight plot=degrees.svg"},
			Options: func(sh *Shell, args []string) ([]Option, error) {
				return []Option{
					StringOpt("as", "", nil, "name in the workspace (default: the data set's name)"),
					BoolOpt("raw", false, "skip the default preprocessing (registered data sets)"),
					{Name: "min-rating", Kind: KindFloat, Doc: "keep only records whose rating (weight, play count) is >= this: the binarisation threshold"},
					StringOpt("dir", "", completeFiles, "directory of the data set collection (default $"+datasets.EnvDir+"), or of the files of path="),
					StringOpt("path", "", completeFiles, "interaction files of your own, comma-separated (merged by identifier)"),
					StringOpt("cols", "", nil, "path=: what each column holds, e.g. user,item,rating,time (- skips a column)"),
					Option{Name: "format", Kind: KindEnum, Default: "csv", Choices: datasets.Formats(), Doc: "path=: file format"},
					StringOpt("sep", "", nil, "path=: field separator (default: detected; tab for a tab)"),
					EnumOpt("header", "auto", []string{"auto", "yes", "no"}, "path=: whether the first line is a header (auto: detected)"),
					IntOpt("kcore", 0, 0, 1_000_000, "path=: keep the k-core, every user and item with at least k interactions (0: all)"),
					StringOpt("name", "", nil, "path=: the data set's name (default: the first file's stem)"),
					StringOpt("plot", "", completeFiles, "also draw the degree distribution to this file (.svg, .png, .pdf, or .csv)"),
				}, nil
			},
			Run: runLoad,
		},
		{
			Name:    "split",
			Args:    []Arg{{Name: "method", Complete: completeSplitMethods}},
			Summary: "split the current data set (loo, llo, ratio, shipped, import)",
			Help: "Makes a train/validation/test split of the current data set (or of=<dataset>) and makes it the " +
				"current split. loo holds out one random validation and one test item per user and samples the " +
				"leave-one-out candidates (candidates=499) that protocol=loo needs; llo holds out each user's last two " +
				"interactions by time (data with a time column). import reads train/valid/test files made elsewhere and " +
				"states what they are: protocol=full (the default) for any split, protocol=loo only for one validation " +
				"and one test item per user, which it checks.",
			Examples: []string{"split loo seed=1", "split llo", "split ratio valid=0.1 test=0.1 as=r801010", "split shipped name=derrd-loo candidates=499",
				"split import train=train.tsv test=test.tsv protocol=full"},
			Options: splitSchema,
			Run:     runSplit,
		},
		{
			Name:    "train",
			Args:    []Arg{{Name: "name", Complete: completeModels}, {Name: "kind", Complete: completeModelKinds}},
			Summary: "train a model (teacher or student, optionally with distillation)",
			Help: "Builds a model of a registered kind on the current split (or split=<name>) and trains it with the " +
				"library's trainer, evaluating on the validation part every eval-every epochs and stopping early after " +
				"patience evaluations without improvement. Ctrl-C stops training; the model keeps its last completed " +
				"(or best) epoch. With kd=<method>,… the methods' terms, built against teacher=<model>, are added to the " +
				"base loss; each method's options are written <option>.<method>=value. The line is one run of the " +
				"experiments' recipe (a RunSpec executed by exp.Execute, as kdsweep executes a spec's runs): the same " +
				"options in a spec give the same numbers.",
			Examples: []string{"train teacher bpr dim=200 epochs=200", "train student bpr dim=20 kd=de,rrd lambda.de=0.01"},
			Options:  trainSchema,
			Unknown:  trainUnknown,
			Run:      runTrain,
		},
		{
			Name: "eval",
			Args: []Arg{{Name: "model", Complete: completeModels},
				{Name: "protocol", Optional: true, Complete: fixed(string(exp.LOO), string(exp.Full), "latency")}},
			Summary: "evaluate a model: loo (sampled leave-one-out), full (full ranking) or latency",
			Help: "Evaluates on the test part (part=valid for validation) of the model's split and stores the " +
				"per-user result for compare and export. latency measures the time to score every item for one user.",
			Examples: []string{"eval student", "eval student full", "eval student latency users=500"},
			Options: func(sh *Shell, args []string) ([]Option, error) {
				return []Option{partOpt,
					StringOpt("split", "", completeSplitOpt, "evaluate on this split (default: the model's)"),
					IntOpt("users", 200, 1, 1_000_000, "latency: number of users timed")}, nil
			},
			Run: runEval,
		},
		{
			Name: "compare",
			Args: []Arg{{Name: "model", Complete: completeModels}, {Name: "model", Complete: completeModels},
				{Name: "model", Optional: true, Variadic: true, Complete: completeModels}},
			Summary: "compare models on one split: means and paired significance tests against the first, a baseline or every pair",
			Help: "Evaluates the models where needed and prints, per metric, the means and the p-values of the " +
				"two-sided paired t-test and Wilcoxon signed-rank test over users of each model against the first " +
				"(baseline=<model>: against that one). pairs=all prints the means, then the p-values of every pair of " +
				"models, one row per pair and test. A table wider than the width setting is printed in blocks of columns.",
			Examples: []string{"compare teacher student", "compare teacher small big metrics=HR@10,NDCG@10",
				"compare teacher student student-de baseline=student", "compare teacher student student-de pairs=all metrics=NDCG@10"},
			Options: func(sh *Shell, args []string) ([]Option, error) {
				return []Option{protocolsOpt(sh), partOpt,
					StringOpt("split", "", completeSplitOpt, "evaluate on this split (default: the models')"),
					StringOpt("metrics", "", nil, "comma-separated metrics to show (default: all)"),
					StringOpt("baseline", "", completeModelOpt, "the model the others are tested against (default: the first)"),
					EnumOpt("pairs", "baseline", []string{"baseline", "all"}, "which pairs are tested: each model against the baseline, or every pair")}, nil
			},
			Run: runCompare,
		},
		{
			Name:    "plot",
			Summary: "draw training curves (evaluation metric or loss per epoch) or a degree distribution as a figure and CSV",
			Help: "Prints the per-epoch values of the models' training histories (or a data set's degree distribution) " +
				"and writes them to out=: a figure (.svg, .png or .pdf, drawn by kdlib/report) with the data beside it as " +
				".csv, or only the .csv.",
			Subs: []*Command{
				{
					Name:     "curves",
					Args:     []Arg{{Name: "model", Variadic: true, Complete: completeModels}},
					Summary:  "evaluation metric per epoch",
					Examples: []string{"plot curves teacher student out=fig.svg", "plot curves student metric=NDCG@10 part=test"},
					Options: func(sh *Shell, args []string) ([]Option, error) {
						return []Option{
							StringOpt("metric", "", nil, "metric to plot (default: the first early-stopping metric of the protocol)"),
							EnumOpt("part", "valid", []string{"valid", "test"}, "the evaluated part"),
							StringOpt("out", "curves.svg", completeFiles, "output: a figure (.svg, .png, .pdf; the data go beside it as .csv) or a .csv"),
						}, nil
					},
					Run: runPlotCurves,
				},
				{
					Name:     "degrees",
					Args:     []Arg{{Name: "dataset", Optional: true, Complete: func(sh *Shell, _ []string, _ string) []string { return sh.ws.DatasetNames() }}},
					Summary:  "degree distribution of a data set: the fraction of users and items with at least d interactions",
					Examples: []string{"plot degrees out=degrees.svg", "plot degrees mine out=degrees.csv"},
					Options: func(sh *Shell, args []string) ([]Option, error) {
						return []Option{StringOpt("out", "degrees.svg", completeFiles, "output: a figure (.svg, .png, .pdf; the data go beside it as .csv) or a .csv")}, nil
					},
					Run: runPlotDegrees,
				},
				{
					Name:     "loss",
					Args:     []Arg{{Name: "model", Variadic: true, Complete: completeModels}},
					Summary:  "training loss per epoch (per term when there are several)",
					Examples: []string{"plot loss student out=loss.csv"},
					Options: func(sh *Shell, args []string) ([]Option, error) {
						return []Option{StringOpt("out", "loss.svg", completeFiles, "output: a figure (.svg, .png, .pdf; the data go beside it as .csv) or a .csv")}, nil
					},
					Run: runPlotLoss,
				},
			},
		},
		{
			Name:     "save",
			Args:     []Arg{{Name: "model", Complete: completeModels}, {Name: "path", Complete: completePathArg}},
			Summary:  "save a model as a checkpoint (atomically)",
			Examples: []string{"save student s.ckpt"},
			Run:      runSave,
		},
		{
			Name:     "load-model",
			Args:     []Arg{{Name: "name"}, {Name: "path", Complete: completePathArg}},
			Summary:  "load a checkpoint as a model",
			Help:     "Reads a checkpoint written by save (or model.Save) and stores the model under name, on split= (default: the current split when the sizes match).",
			Examples: []string{"load-model teacher2 t.ckpt"},
			Options: func(sh *Shell, args []string) ([]Option, error) {
				return []Option{StringOpt("split", "", completeSplitOpt, "split to evaluate it on (default: the current one if the sizes match)")}, nil
			},
			Run: runLoadModel,
		},
		{
			Name:    "export",
			Summary: "write results, a training history or the last table as CSV/JSON, or a model's embeddings as NumPy/safetensors (atomically)",
			Subs: []*Command{
				{
					Name:     "results",
					Args:     []Arg{{Name: "path", Complete: completePathArg}, {Name: "model", Optional: true, Variadic: true, Complete: completeModels}},
					Summary:  "all stored evaluation results (of the given models, default all)",
					Examples: []string{"export results results.csv", "export results r.json teacher student"},
					Options:  formatOptions("csv", "json"),
					Run:      runExportResults,
				},
				{
					Name:     "history",
					Args:     []Arg{{Name: "model", Complete: completeModels}, {Name: "path", Complete: completePathArg}},
					Summary:  "a model's training history, one row per epoch",
					Examples: []string{"export history student hist.csv"},
					Options:  formatOptions("csv", "json"),
					Run:      runExportHistory,
				},
				{
					Name:     "table",
					Args:     []Arg{{Name: "path", Complete: completePathArg}},
					Summary:  "the last table printed (compare, plot, list, quickstart)",
					Examples: []string{"export table cmp.md"},
					Options:  formatOptions("csv", "json", "md", "html", "txt"),
					Run:      runExportTable,
				},
				exportEmbeddingsCommand(),
			},
		},
		importCommand(),
		{
			Name:     "set",
			Summary:  "change session settings (seed, quiet, progress, protocol, width); alone: show them",
			Examples: []string{"set seed=1 quiet=true", "set protocol=full", "set width=100"},
			Options:  func(sh *Shell, args []string) ([]Option, error) { return settingsSchema(0, false, 0), nil },
			Run:      runSet,
		},
		{
			Name:     "show",
			Args:     []Arg{{Name: "name", Optional: true, Complete: completeObjects}},
			Summary:  "list the workspace (data sets, splits, models) or show one object",
			Examples: []string{"show", "show student", "show models"},
			Run:      runShow,
		},
		{
			Name:     "list",
			Args:     []Arg{{Name: "what", Optional: true, Complete: fixed("datasets", "models", "methods", "splits")}},
			Summary:  "list what can be used: datasets, models (kinds), methods (distillation), splits",
			Examples: []string{"list datasets", "list methods"},
			Run:      runList,
		},
		{
			Name:     "drop",
			Args:     []Arg{{Name: "name", Variadic: true, Complete: func(sh *Shell, _ []string, _ string) []string { return sh.ws.Names() }}},
			Summary:  "remove objects from the workspace",
			Examples: []string{"drop student"},
			Run:      runDrop,
		},
		{
			Name:    "quickstart",
			Summary: "run the README's main job: BPR teacher vs student on citeulike-t",
			Help:    "Runs exp.Quickstart (the same job as `kdrepl quickstart`) and prints its table.",
			Options: func(sh *Shell, args []string) ([]Option, error) {
				d := exp.DefaultQuickstart()
				return []Option{
					StringOpt("dataset", d.Dataset, completeRegistryDatasets, "registered data set"),
					UintOpt("seed", sh.seed(), "seed of split, initialisation and sampling"),
					IntOpt("teacher-dim", d.TeacherDim, 1, 4096, "teacher embedding size"),
					IntOpt("student-dim", d.StudentDim, 1, 4096, "student embedding size"),
					IntOpt("teacher-epochs", d.TeacherEpochs, 1, 1_000_000, "teacher epoch budget"),
					IntOpt("student-epochs", d.StudentEpochs, 1, 1_000_000, "student epoch budget"),
					IntOpt("eval-every", d.EvalEvery, 1, 1_000_000, "evaluation period in epochs"),
					IntOpt("patience", d.Patience, 0, 1_000_000, "early-stopping patience in evaluations"),
				}, nil
			},
			Run: runQuickstart,
		},
		reproduceCommand(),
		dissertationCommand(),
		{
			Name:     "help",
			Args:     []Arg{{Name: "command", Optional: true, Variadic: true, Complete: completeHelp}},
			Summary:  "list the commands, or explain one",
			Examples: []string{"help", "help train", "help export results"},
			Run:      runHelp,
		},
		{
			Name:    "quit",
			Aliases: []string{"exit"},
			Summary: "leave the shell (Ctrl-D does the same)",
			Run: func(ctx context.Context, sh *Shell, c *Call) error {
				sh.exit = true
				return nil
			},
		},
	}
}

func completeHelp(sh *Shell, args []string, _ string) []string {
	if len(args) == 0 {
		return commandNames(commands())
	}
	if c := findCommand(commands(), args[0]); c != nil && len(args) == 1 {
		return commandNames(c.Subs)
	}
	return nil
}

// formatOptions returns the schema of a format= option (auto picks the
// format from the file extension).
func formatOptions(formats ...string) func(*Shell, []string) ([]Option, error) {
	return func(*Shell, []string) ([]Option, error) {
		return []Option{EnumOpt("format", "auto", append([]string{"auto"}, formats...),
			"file format (auto: from the extension, else "+formats[0]+")")}, nil
	}
}
