package nbkit

// The option types and constants a notebook passes to the drawing calls,
// under nbkit's name, so that a chapter imports nbkit alone.

import (
	"github.com/kdrec/kdrec/kdlib/exp"
	"github.com/kdrec/kdrec/kdlib/report"
)

// TableOptions selects what a sweep's table shows (exp.TableOptions).
type TableOptions = exp.TableOptions

// CurveOptions selects what learning curves draw (exp.CurveOptions).
type CurveOptions = exp.CurveOptions

// ParamOptions selects what a metric against a grid coordinate draws
// (exp.ParamOptions).
type ParamOptions = exp.ParamOptions

// Values a notebook passes in the options.
const (
	// SourceFinal takes the metrics after the last epoch (exp.SourceFinal);
	// the default is the best validation epoch per cut-off.
	SourceFinal = exp.SourceFinal
	// NoBaseline leaves the paired tests out of a table (exp.NoBaseline).
	NoBaseline = exp.NoBaseline
	// Bars draws a grid figure as grouped bars (report.Bars).
	Bars = report.Bars
)
