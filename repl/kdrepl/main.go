// Command kdrepl is kdrec's research shell: a small command language over
// the library's steps (load, split, train teachers and students, eval,
// compare, plot, save, export) with a session workspace.
//
// Usage:
//
//	kdrepl                      interactive shell (line editing, history, Tab completion)
//	kdrepl -f script.kd         run a script; stop at the first error (file:line: message)
//	kdrepl -c 'cmd; cmd'        run statements; stop at the first error
//	kdrepl quickstart           the README's main job (BPR teacher vs student)
//
// Tables wider than the terminal (or $COLUMNS) are printed in blocks of
// columns; `set width=N` changes the width, `set width=0` removes it.
//
// Flags:
//
//	-q          quiet: no progress bars
//	-echo       print each statement of -f/-c before running it
//	-history F  history file (default $KDREPL_HISTORY, else ~/.kdrepl_history; "" keeps none)
//
// Ctrl-C stops the running command (a training run keeps its last good
// epoch) and leaves the shell running; three Ctrl-C in a row during one
// command exit. Ctrl-D exits. The exit status is 0 on success, 1 when a
// statement fails, 2 on bad usage and 130 when a script was interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/repl"
	"golang.org/x/term"
)

// EnvHistory names the environment variable that overrides the history file.
const EnvHistory = "KDREPL_HISTORY"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// isTerminal reports whether f is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// outputWidth returns the width tables are wrapped to: the terminal's
// when out is one, else $COLUMNS when it is a number, else 0 (no limit:
// files and pipes get whole lines).
func outputWidth(out any) int {
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if w, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && w > 0 {
		return w
	}
	return 0
}

// historyFile returns the history file: the flag if given, else
// $KDREPL_HISTORY if set, else ~/.kdrepl_history ("" keeps none).
func historyFile(flagValue string, flagSet bool) string {
	if flagSet {
		return flagValue
	}
	if v, ok := os.LookupEnv(EnvHistory); ok {
		return v
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".kdrepl_history")
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kdrepl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("q", false, "quiet: no progress bars")
	script := fs.String("f", "", "run the statements of a script file (- for standard input) and exit")
	cmds := fs.String("c", "", "run the statements of the argument and exit")
	echo := fs.Bool("echo", false, "print each statement of -f/-c before running it")
	hist := fs.String("history", "", "history file (default $"+EnvHistory+", else ~/.kdrepl_history; empty keeps none)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kdrepl [-q] [-echo] [-history file] [-f script.kd] [-c 'cmd; cmd'] | kdrepl [-q] quickstart")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	histSet := false
	fs.Visit(func(f *flag.Flag) { histSet = histSet || f.Name == "history" })

	switch fs.Arg(0) {
	case "":
	case "quickstart":
		if *script != "" || *cmds != "" || fs.NArg() > 1 {
			fs.Usage()
			return 2
		}
		return quickstart(*quiet, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "kdrepl: unknown argument %q; the only built-in job is quickstart (statements go in -c or -f)\n", fs.Arg(0))
		fs.Usage()
		return 2
	}

	intr := &repl.Interrupter{}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			switch n := intr.Interrupt(); {
			case n == 1:
				fmt.Fprintln(stderr, "\ninterrupting… (Ctrl-C twice more to exit)")
			case n >= 3:
				fmt.Fprintln(stderr, "\ninterrupted three times; exiting")
				os.Exit(130)
			}
		}
	}()
	sh := repl.New(repl.Config{Out: stdout, Err: stderr, ErrIsTerminal: isTerminal(stderr), Quiet: *quiet, Interrupts: intr,
		Width: outputWidth(stdout)})
	ctx := context.Background()

	batch := func(name string, r io.Reader) int {
		err := sh.RunScript(ctx, name, r, *echo)
		if err == nil {
			return 0
		}
		var se *repl.ScriptError
		if errors.As(err, &se) {
			fmt.Fprintf(stderr, "%s\n\t%s\n", se, se.Text)
		} else {
			fmt.Fprintf(stderr, "kdrepl: %v\n", err)
		}
		var in *repl.Interrupted
		if errors.As(err, &in) {
			return 130
		}
		return 1
	}
	if *script != "" {
		var r io.Reader = stdin
		name := "<stdin>"
		if *script != "-" {
			f, err := os.Open(*script)
			if err != nil {
				fmt.Fprintf(stderr, "kdrepl: %v\n", err)
				return 1
			}
			defer f.Close()
			r, name = f, *script
		}
		if code := batch(name, r); code != 0 || sh.Exited() {
			return code
		}
	}
	if *cmds != "" {
		return batch("-c", strings.NewReader(*cmds))
	}
	if *script != "" {
		return 0
	}
	if !isTerminal(stdin) {
		return batch("<stdin>", stdin)
	}
	ed, err := repl.NewEditor(repl.EditorConfig{Prompt: repl.Prompt, HistoryFile: historyFile(*hist, histSet),
		Completer: sh.Completer(), Stdin: stdin, Stdout: stdout, Stderr: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "kdrepl: %v\n", err)
		return 1
	}
	defer ed.Close()
	fmt.Fprintln(stdout, "kdrepl — kdrec research shell. help lists the commands; Tab completes; Ctrl-C stops a command; Ctrl-D exits.")
	if err := sh.Interact(ctx, ed); err != nil {
		fmt.Fprintf(stderr, "kdrepl: %v\n", err)
		return 1
	}
	return 0
}

// quickstart runs the README's main job.
func quickstart(quiet bool, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := exp.DefaultQuickstart()
	if !quiet {
		o.Log = stderr
		o.Plain = !isTerminal(stderr)
	}
	tb, err := exp.Quickstart(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "kdrepl quickstart:", err)
		return 1
	}
	tb.WriteText(stdout)
	return 0
}
