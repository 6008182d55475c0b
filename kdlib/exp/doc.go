// Package exp runs experiments: it strings the library's steps (data,
// split, teacher, student, distillation terms, evaluation) into named,
// reproducible pipelines whose results are tables. The REPL, the notebooks
// and the command-line main job call these functions; they add no logic of
// their own.
package exp
