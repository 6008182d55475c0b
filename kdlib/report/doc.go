// Package report turns results into things people read: tables (plain
// text, Markdown, CSV, HTML), progress bars for the terminal, and figures
// in one style for papers (Figure, Panels; MethodStyles fixes each
// method's colour, marker, dashes and name; docs/figures.md describes the
// style).
// It knows nothing about training internals; the trainer's hooks feed it
// (ProgressHook is a train.Hook that draws a run's progress).
package report
