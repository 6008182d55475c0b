package nbkit

// What a figure needs beyond a sweep's metrics: the measurements the
// runners record besides them (exp's Extra keys: selection hardening,
// topology, HetComp's trajectories, curriculum and stage targets).

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kdrec/kdrec/kdlib/exp"
)

// Measured returns the entries of r whose records hold the measurement
// key (an exp.Extra… key), training first what the notebook trains
// (Fill). When none does, it writes the note of the figure or table called
// name instead and returns no entries: NotRecorded when the ledger holds
// none of the runs, NotDrawn when it holds records made before the
// runners recorded the measurement. Runs the notebook trained always hold
// it, so there it is an error.
func (r *Recorded) Measured(name, key string) ([]exp.Entry, error) {
	if err := r.Fill(); err != nil {
		return nil, err
	}
	var out []exp.Entry
	for _, e := range r.Entries {
		if e.Record != nil && e.Record.Result.Extra[key] != nil {
			out = append(out, e)
		}
	}
	switch {
	case len(out) > 0:
		return out, nil
	case r.trained():
		return nil, fmt.Errorf("%s: the runs of %s that the notebook trained hold no %q", name, r.Sweep, key)
	case !r.Recorded():
		return nil, NotRecorded(name, r)
	}
	n, _ := r.Counts()
	return nil, NotDrawn(name, fmt.Sprintf("the %d recorded runs of %s that it is drawn from were recorded before the runners kept %q in their records; "+
		"running the sweep's runs again (into another ledger) or KDREC_RETRAIN=1 records it", n, r.Name, key))
}

// ShowInference shows the table of inference time and parameters of the
// sweep's models (exp.InferenceTable: the DE-RRD paper's table of the
// teacher and the students) and saves it as name; when the ledger holds
// none of the runs, or only records without the measurement, it writes the
// note of the table instead.
func (r *Recorded) ShowInference(name string) error {
	if err := r.Fill(); err != nil {
		return err
	}
	tb, err := exp.InferenceTable(r.SweepResults)
	if errors.Is(err, exp.ErrNotRecorded) {
		_, err := r.Measured(name, exp.ExtraInference) // writes the note
		return err
	}
	if err != nil {
		return err
	}
	tb.Title = strings.Replace(tb.Title, r.Sweep+":", r.title()+":", 1)
	if miss := r.MissingRows(); len(miss) > 0 {
		tb.Notes = append(tb.Notes, "Not recorded yet: "+strings.Join(miss, "; ")+". `"+r.StatusCommand()+"` lists them.")
	}
	tb.Notes = append(tb.Notes, r.TableNotes()...)
	return ShowTable(tb, name)
}

// ShowEmbedding draws the t-SNE maps a run of the sweep recorded
// (exp.ExtraEmbedding, the first recorded run that holds them) with
// exp.EmbeddingScatter — the top experts of each side coloured — and saves
// the figure as name; without such a record it writes the figure's note
// instead (Measured).
func (r *Recorded) ShowEmbedding(name string, top int, caption string) error {
	entries, err := r.Measured(name, exp.ExtraEmbedding)
	if err != nil || entries == nil {
		return err // nil: the note says why
	}
	e, _, err := entries[0].Record.Result.Embedding()
	if err != nil {
		return err
	}
	sc, err := exp.EmbeddingScatter(e, top, caption)
	if err != nil {
		return err
	}
	return ShowFigure(sc, name, r.Notice())
}
