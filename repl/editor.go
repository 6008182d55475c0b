package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ergochat/readline"
)

// LineReader is the line editor of the interactive loop. It is kept this
// small so that the readline library behind it can be swapped.
type LineReader interface {
	// ReadLine reads one line. It returns ErrInterrupt when Ctrl-C is
	// pressed at the prompt (the line is discarded) and io.EOF on Ctrl-D.
	ReadLine() (string, error)
	// SaveHistory appends a line to the history (and its file, if any).
	SaveHistory(line string) error
	// Close restores the terminal.
	Close() error
}

// ErrInterrupt is returned by LineReader.ReadLine for Ctrl-C at the prompt.
var ErrInterrupt = errors.New("interrupt")

// AutoCompleter proposes completions; *Completer implements it.
type AutoCompleter interface {
	// Do returns the suffixes that complete the word before pos and the
	// length of the part of that word already typed.
	Do(line []rune, pos int) ([][]rune, int)
}

// EditorConfig configures NewEditor.
type EditorConfig struct {
	// Prompt is shown before each line.
	Prompt string
	// HistoryFile keeps the history across sessions ("" keeps none).
	HistoryFile string
	// HistoryLimit bounds the history (default 1000 lines).
	HistoryLimit int
	// Completer completes on Tab (nil: no completion).
	Completer AutoCompleter
	// Stdin is read for keys; default os.Stdin.
	Stdin io.Reader
	// Stdout shows the prompt and the line; default os.Stdout.
	Stdout io.Writer
	// Stderr defaults to os.Stderr.
	Stderr io.Writer
}

// NewEditor returns a LineReader on the terminal, built on
// github.com/ergochat/readline: line editing, history search, a history
// file written as lines are saved, and Tab completion.
func NewEditor(cfg EditorConfig) (LineReader, error) {
	if cfg.HistoryFile != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.HistoryFile), 0o755); err != nil {
			return nil, err
		}
	}
	limit := cfg.HistoryLimit
	if limit == 0 {
		limit = 1000
	}
	rc := &readline.Config{
		Prompt:                 cfg.Prompt,
		HistoryFile:            cfg.HistoryFile,
		HistoryLimit:           limit,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		Stdin:                  cfg.Stdin,
		Stdout:                 cfg.Stdout,
		Stderr:                 cfg.Stderr,
	}
	if cfg.Completer != nil {
		rc.AutoComplete = cfg.Completer
	}
	rl, err := readline.NewFromConfig(rc)
	if err != nil {
		return nil, err
	}
	return &rlEditor{rl: rl}, nil
}

// rlEditor adapts a readline.Instance to LineReader.
type rlEditor struct{ rl *readline.Instance }

func (e *rlEditor) ReadLine() (line string, err error) {
	defer func() {
		// readline panics when a terminal never answers its cursor-position
		// query; end the session with an error instead of crashing.
		if r := recover(); r != nil {
			line, err = "", fmt.Errorf("line editor: %v", r)
		}
	}()
	line, err = e.rl.ReadLine()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", ErrInterrupt
	}
	return line, err
}

func (e *rlEditor) SaveHistory(line string) error { return e.rl.SaveToHistory(line) }

func (e *rlEditor) Close() error { return e.rl.Close() }
