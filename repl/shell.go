package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/model"
	"github.com/kdrec/kdrec/kdlib/report"
	"github.com/kdrec/kdrec/kdlib/train"
)

// Files is how the shell reads and writes files (checkpoints, exports,
// plot data). The default uses the file system and writes atomically
// (temporary file + rename); tests swap in an in-memory one.
type Files interface {
	// ReadFile returns the contents of the named file.
	ReadFile(name string) ([]byte, error)
	// WriteFile replaces the named file with data, atomically.
	WriteFile(name string, data []byte) error
}

// OSFiles is the Files of the operating system; WriteFile is atomic.
type OSFiles struct{}

// ReadFile calls os.ReadFile.
func (OSFiles) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// WriteFile writes through a synced temporary file renamed over name.
func (OSFiles) WriteFile(name string, data []byte) error { return model.WriteFileAtomic(name, data) }

// Config configures a Shell. The zero value writes to os.Stdout and
// os.Stderr with the Default registry.
type Config struct {
	// Out receives command output (tables, summaries); default os.Stdout.
	Out io.Writer
	// Err receives progress bars; default os.Stderr.
	Err io.Writer
	// ErrIsTerminal draws progress in place (otherwise as lines) when the
	// progress setting is auto.
	ErrIsTerminal bool
	// Registry holds the model kinds, distillation and split methods;
	// default Default.
	Registry *Registry
	// Dir is the directory relative paths are resolved against ("" is the
	// process's working directory).
	Dir string
	// Files reads and writes files; default OSFiles.
	Files Files
	// Quiet turns progress bars off (the quiet setting).
	Quiet bool
	// Seed is the session's default seed (the seed setting).
	Seed uint64
	// Width is the width of the output in characters (the width setting):
	// tables wider than it are printed in blocks of columns, one after the
	// other (report.Table.WriteTextWidth). 0 is no limit. kdrepl sets the
	// terminal's width, else $COLUMNS.
	Width int
	// Interrupts, if set, cancels the running statement on Interrupt.
	Interrupts *Interrupter
}

// Shell executes statements against a session workspace. It is not safe
// for concurrent use: run one statement at a time and cancel it through
// its context.
type Shell struct {
	out, errw io.Writer
	errTTY    bool
	reg       *Registry
	ws        *Workspace
	dir       string
	files     Files
	settings  Values
	lastTable *report.Table
	exit      bool
	intr      *Interrupter

	// hooks for tests and the fuzz target
	onBatch   func(model string, e train.BatchEvent)
	maxEpochs int  // caps epochs of train and quickstart (0: no cap)
	sandbox   bool // confine every path to dir
	// loadDataset replaces datasets.Load when set; the data sets it loads
	// have no exp spec (train provides their splits by content).
	loadDataset func(name string, opts ...datasets.Option) (*data.Interactions, error)
	quickstart  func(ctx context.Context, o exp.QuickstartOptions) (*report.Table, error)
	builtinSpec func(name, budget string) (*exp.Spec, error) // nil: exp.BuiltinSpec
}

// New returns a shell with an empty workspace.
func New(cfg Config) *Shell {
	sh := &Shell{out: cfg.Out, errw: cfg.Err, errTTY: cfg.ErrIsTerminal, reg: cfg.Registry, ws: NewWorkspace(),
		dir: cfg.Dir, files: cfg.Files, intr: cfg.Interrupts, quickstart: exp.Quickstart}
	if sh.out == nil {
		sh.out = os.Stdout
	}
	if sh.errw == nil {
		sh.errw = os.Stderr
	}
	if sh.reg == nil {
		sh.reg = Default
	}
	if sh.files == nil {
		sh.files = OSFiles{}
	}
	v, err := parseOptions("settings", settingsSchema(cfg.Seed, cfg.Quiet, cfg.Width), nil)
	if err != nil {
		panic(err) // the schema's own defaults always parse
	}
	sh.settings = v
	return sh
}

// Workspace returns the session's workspace.
func (sh *Shell) Workspace() *Workspace { return sh.ws }

// Registry returns the shell's registry.
func (sh *Shell) Registry() *Registry { return sh.reg }

// Exited reports whether a quit or exit command ran.
func (sh *Shell) Exited() bool { return sh.exit }

// settingsSchema is the schema of `set`.
func settingsSchema(seed uint64, quiet bool, width int) []Option {
	return []Option{
		UintOpt("seed", seed, "default seed of split, model initialisation and training"),
		BoolOpt("quiet", quiet, "no progress bars"),
		EnumOpt("progress", "auto", []string{"auto", "bar", "lines"},
			"progress style: a bar redrawn in place, a line every 10%, or auto (bar on a terminal)"),
		EnumOpt("protocol", string(exp.LOO), []string{string(exp.LOO), string(exp.Full)},
			"default evaluation protocol: sampled leave-one-out or full ranking"),
		IntOpt("width", max(width, 0), 0, 1_000_000,
			"output width: wider tables are printed in blocks of columns (0: no limit; kdrepl starts with the terminal's width, else $COLUMNS)"),
	}
}

// width returns the session's width setting (0: no limit).
func (sh *Shell) width() int { return sh.settings.Int("width") }

// seed returns the session's seed setting.
func (sh *Shell) seed() uint64 { return sh.settings.Uint("seed") }

// protocol returns the session's protocol setting.
func (sh *Shell) protocol() string { return sh.settings.String("protocol") }

// progress returns where training progress goes (nil: quiet) and whether
// it is drawn as lines.
func (sh *Shell) progress() (io.Writer, bool) {
	if sh.settings.Bool("quiet") {
		return nil, false
	}
	switch sh.settings.String("progress") {
	case "bar":
		return sh.errw, false
	case "lines":
		return sh.errw, true
	}
	return sh.errw, !sh.errTTY
}

// path resolves a path written on the command line: "~" and "~/…" are the
// user's home directory (as in a shell; "~user" is not expanded), other
// relative paths are relative to the shell's directory.
func (sh *Shell) path(p string) string {
	if sh.sandbox {
		return filepath.Join(sh.dir, filepath.Clean("/"+p))
	}
	p = expandHome(p)
	if p == "" || filepath.IsAbs(p) || sh.dir == "" {
		return p
	}
	return filepath.Join(sh.dir, p)
}

// expandHome replaces a leading "~" or "~/" with the home directory (left
// as it is when there is none).
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, p[1:])
}

// printf writes command output.
func (sh *Shell) printf(format string, a ...any) { fmt.Fprintf(sh.out, format, a...) }

// printTable writes a table, in blocks of columns when it is wider than
// the width setting, and remembers it for `export table`.
func (sh *Shell) printTable(t *report.Table) {
	sh.lastTable = t
	t.WriteTextWidth(sh.out, sh.width())
}

// Interrupted is the error of a command stopped by its context (Ctrl-C).
// The workspace keeps the last good state: a training run keeps the
// parameters of its last completed (or best) epoch.
type Interrupted struct {
	// Msg says what was kept.
	Msg string
}

// Error returns the message.
func (e *Interrupted) Error() string { return e.Msg }

// Is makes errors.Is(err, context.Canceled) hold.
func (e *Interrupted) Is(target error) bool { return target == context.Canceled }

// Exec parses line and runs its statements in order, stopping at the first
// error, which it returns.
func (sh *Shell) Exec(ctx context.Context, line string) error {
	sts, err := Parse(line)
	if err != nil {
		return err
	}
	for _, st := range sts {
		if err := sh.runStatement(ctx, st); err != nil {
			return err
		}
		if sh.exit {
			return nil
		}
	}
	return nil
}

// Run executes one statement. A panic inside the command becomes an error:
// the shell never crashes.
func (sh *Shell) Run(ctx context.Context, st Statement) (err error) {
	name := "kdrepl"
	if len(st.Words) > 0 {
		name = st.Words[0].Text
	}
	defer func() {
		if r := recover(); r != nil {
			if os.Getenv("KDREPL_DEBUG") != "" {
				fmt.Fprintf(sh.errw, "panic in %s: %v\n%s", name, r, debug.Stack())
			}
			err = fmt.Errorf("%s: internal error (a kdrepl bug, please report it with the command): %v", name, r)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			err = lineError{err}
		}
	}()
	cmd, call, err := sh.resolve(st)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &Interrupted{Msg: call.Cmd + ": interrupted before it started"}
	}
	if err := cmd.Run(ctx, sh, call); err != nil {
		var in *Interrupted
		if errors.As(err, &in) {
			return err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return &Interrupted{Msg: call.Cmd + ": interrupted; the workspace is unchanged"}
		}
		return fmt.Errorf("%s: %w", call.Cmd, err)
	}
	return nil
}

// lineError folds the message of an error onto one line (values typed
// inside quotes may hold line breaks), keeping the error chain.
type lineError struct{ err error }

func (e lineError) Error() string { return oneLine(e.err.Error()) }
func (e lineError) Unwrap() error { return e.err }

// Call is a resolved statement: the command, its positional arguments and
// its options checked against the schema.
type Call struct {
	// Cmd is the command path, e.g. "train" or "export results".
	Cmd string
	// Args are the positional arguments after the command (and sub-command).
	Args []string
	// Opts are the options with defaults filled in.
	Opts Values
	// Schema is the option schema the options were checked against.
	Schema []Option
	// Text is the statement as written.
	Text string
}

// resolve finds the command of a statement and checks its arguments and
// options.
func (sh *Shell) resolve(st Statement) (*Command, *Call, error) {
	if len(st.Words) == 0 {
		return nil, nil, fmt.Errorf("empty statement")
	}
	head := st.Words[0]
	if head.IsOption() {
		return nil, nil, fmt.Errorf("a statement starts with a command, not an option (%q); type help for the commands", head.Text)
	}
	cmd := findCommand(commands(), head.Text)
	if cmd == nil {
		return nil, nil, fmt.Errorf("unknown command %q%s; type help for the list", head.Text, didYouMean(head.Text, commandNames(commands())))
	}
	var args []string
	var opts []Word
	for _, w := range st.Words[1:] {
		if w.IsOption() {
			opts = append(opts, w)
		} else {
			args = append(args, w.Text)
		}
	}
	path := cmd.Name
	if len(cmd.Subs) > 0 {
		if len(args) == 0 {
			return nil, nil, fmt.Errorf("%s: which one? want %s %s (help %s)", path, path, strings.Join(commandNames(cmd.Subs), "|"), path)
		}
		sub := findCommand(cmd.Subs, args[0])
		if sub == nil {
			return nil, nil, fmt.Errorf("%s: unknown sub-command %q%s; want one of %s", path, args[0],
				didYouMean(args[0], commandNames(cmd.Subs)), strings.Join(commandNames(cmd.Subs), ", "))
		}
		cmd, args, path = sub, args[1:], path+" "+sub.Name
	}
	minArgs, maxArgs := 0, 0
	for _, a := range cmd.Args {
		if !a.Optional {
			minArgs++
		}
		maxArgs++
		if a.Variadic {
			maxArgs = -1
			break
		}
	}
	if len(args) < minArgs || (maxArgs >= 0 && len(args) > maxArgs) {
		return nil, nil, fmt.Errorf("%s: want %s, got %s", path, usage(path, cmd), countWords(len(args), "argument"))
	}
	var schema []Option
	if cmd.Options != nil {
		var err error
		if schema, err = cmd.Options(sh, args); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if cmd.Unknown != nil {
		for _, w := range opts {
			if !slices.ContainsFunc(schema, func(o Option) bool { return o.Name == w.Key() }) {
				if err := cmd.Unknown(sh, w); err != nil {
					return nil, nil, fmt.Errorf("%s: %w", path, err)
				}
			}
		}
	}
	v, err := parseOptions(path, schema, opts)
	if err != nil {
		return nil, nil, err
	}
	return cmd, &Call{Cmd: path, Args: args, Opts: v, Schema: schema, Text: st.Text}, nil
}

// countWords formats "no arguments", "1 argument", "3 arguments".
func countWords(n int, word string) string {
	switch n {
	case 0:
		return "no " + word + "s"
	case 1:
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
