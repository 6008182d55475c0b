// Package repl is the command layer of kdrepl, kdrec's research shell: a
// small, regular command language over the library's steps (load a data
// set, split it, train teachers and students, evaluate, compare, plot,
// save), a session workspace of named objects, tab completion, and the
// loops that run commands from a terminal, a script or a string.
//
// A command line is a sequence of statements separated by ';'. A statement
// is a command name, positional arguments and key=value options:
//
//	load citeulike-t
//	split loo seed=1
//	train teacher bpr dim=200 epochs=200
//	train student bpr dim=20 kd=de,rrd lambda.de=0.01
//	eval student full
//	compare teacher student
//
// Words may be quoted with '…' or "…"; '#' starts a comment.
//
// The shell adds no machine-learning logic of its own: every command calls
// the library (datasets, kdlib/data, kdlib/model, kdlib/train, kdlib/eval,
// kdlib/exp, kdlib/report). A train line is one run of the experiments'
// recipe: it becomes an exp.RunSpec executed by exp.Execute, with the
// workspace's split and teacher given to the exp.Env under their specs or,
// when no spec describes them, by content (provided splits and models).
// Model kinds and distillation methods are those of kdlib/model's and
// kdlib/distill's registries, read when they are asked for: a kind or a
// method registered there (model.RegisterKind, distill.Register, from its
// own file) is on the train line, in help and in completion with no change
// here. Split methods are entries of a Registry: a name, a constructor and
// an option schema (types, defaults, valid ranges). The parser, the help
// text and the completer read the schemas.
package repl
