package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Interrupter turns interrupts (SIGINT, Ctrl-C) into the cancellation of
// the command that is running, never of the shell. Feed it from
// signal.Notify and give it to the shell in Config.Interrupts.
type Interrupter struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	count  int
}

// begin returns the context of one command, which the next Interrupt
// cancels, and the function that ends the command.
func (in *Interrupter) begin(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	in.mu.Lock()
	in.cancel, in.count = cancel, 0
	in.mu.Unlock()
	return ctx, func() {
		in.mu.Lock()
		in.cancel = nil
		in.mu.Unlock()
		cancel()
	}
}

// Interrupt cancels the running command, if any. It returns how many times
// the running command has been interrupted so far (0 if none is running),
// so that a caller can give up after repeated interrupts.
func (in *Interrupter) Interrupt() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cancel == nil {
		return 0
	}
	in.cancel()
	in.count++
	return in.count
}

// runStatement runs one statement under the interrupter, if any. A
// statement that finished although it was interrupted (a command that
// cannot stop midway, such as load) returns an Interrupted error too, so
// that the statements after it do not run.
func (sh *Shell) runStatement(ctx context.Context, st Statement) error {
	if sh.intr != nil {
		var end func()
		ctx, end = sh.intr.begin(ctx)
		defer end()
	}
	err := sh.Run(ctx, st)
	if err == nil && ctx.Err() != nil && len(st.Words) > 0 {
		return &Interrupted{Msg: st.Words[0].Text + ": finished before the interrupt took effect; the statements after it were skipped"}
	}
	return err
}

// Interact reads statements from ed until Ctrl-D, quit or an error of ed.
// Errors of commands are printed (to the Err writer) and the loop goes on;
// Ctrl-C at the prompt discards the line. Non-blank lines go to the
// history.
func (sh *Shell) Interact(ctx context.Context, ed LineReader) error {
	for !sh.exit {
		line, err := ed.ReadLine()
		switch {
		case errors.Is(err, ErrInterrupt):
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		line = strings.TrimRight(line, blanks)
		if strings.Trim(line, blanks) == "" {
			continue
		}
		if err := ed.SaveHistory(line); err != nil {
			fmt.Fprintf(sh.errw, "warning: history: %v\n", err)
		}
		sts, err := Parse(line)
		if err != nil {
			sh.report(err)
			continue
		}
		for _, st := range sts {
			if err := sh.runStatement(ctx, st); err != nil {
				sh.report(err)
				break
			}
			if sh.exit {
				break
			}
		}
	}
	return nil
}

// report prints a command's error on one line.
func (sh *Shell) report(err error) {
	var in *Interrupted
	if errors.As(err, &in) {
		fmt.Fprintf(sh.errw, "%s\n", in.Msg)
		return
	}
	fmt.Fprintf(sh.errw, "error: %s\n", oneLine(err.Error()))
}

// oneLine folds a message onto one line: line breaks become "; ".
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), "; ")
}

// ScriptError is the error of a script: where the failing statement is,
// its text and what went wrong.
type ScriptError struct {
	// Name is the script's name (its file, or "-c").
	Name string
	// Line is the 1-based line of the failing statement.
	Line int
	// Text is the failing statement.
	Text string
	// Err is the statement's error.
	Err error
}

// Error returns "name:line: message".
func (e *ScriptError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, oneLine(e.Err.Error()))
}

// Unwrap returns the statement's error.
func (e *ScriptError) Unwrap() error { return e.Err }

// RunScript runs the statements of a script, line by line, and stops at
// the first error, returned as a *ScriptError. A line ending in '\'
// continues on the next. With echo, each statement is printed after the
// prompt "kdrepl> " before it runs (for transcripts).
func (sh *Shell) RunScript(ctx context.Context, name string, r io.Reader, echo bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	lineNo, start := 0, 0
	var pending strings.Builder
	for sc.Scan() {
		lineNo++
		text := sc.Text()
		if pending.Len() == 0 {
			start = lineNo
		} else {
			text = strings.TrimLeft(text, " \t")
		}
		if t, ok := strings.CutSuffix(strings.TrimRight(text, " \t\r"), "\\"); ok {
			pending.WriteString(strings.TrimRight(t, " \t") + " ")
			continue
		}
		pending.WriteString(text)
		line := pending.String()
		pending.Reset()
		if err := sh.runLine(ctx, name, start, line, echo); err != nil || sh.exit {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if pending.Len() > 0 {
		return sh.runLine(ctx, name, start, pending.String(), echo)
	}
	return nil
}

// runLine runs the statements of one script line.
func (sh *Shell) runLine(ctx context.Context, name string, lineNo int, line string, echo bool) error {
	sts, err := Parse(line)
	if err != nil {
		return &ScriptError{Name: name, Line: lineNo, Text: strings.TrimSpace(line), Err: err}
	}
	for _, st := range sts {
		if echo {
			sh.printf("%s%s\n", Prompt, st.Text)
		}
		if err := sh.runStatement(ctx, st); err != nil {
			return &ScriptError{Name: name, Line: lineNo, Text: st.Text, Err: err}
		}
		if sh.exit {
			return nil
		}
	}
	return nil
}

// Prompt is the interactive prompt, also used to mark commands in echoed
// scripts and transcripts.
const Prompt = "kdrepl> "
