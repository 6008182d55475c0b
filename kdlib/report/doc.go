// Package report turns results into things people read: tables (plain
// text, Markdown, CSV, HTML), progress bars for the terminal, and figures
// in one style for papers (Figure, Panels; MethodStyles gives each
// method, model kind and reference role its colour, marker, dashes and
// name, as the registrations in kdlib/distill and kdlib/model declare
// them and CheckPalette checks them; docs/figures.md describes the
// style).
// It knows nothing about training internals; the trainer's hooks feed it
// (ProgressHook is a train.Hook that draws a run's progress), and of the
// method and model registries it reads only names and figure styles.
package report
