package nbkit

// What a figure needs beyond a sweep's metrics: the measurements the
// runners record besides them (exp's Extra keys: selection hardening,
// topology, HetComp's trajectories, curriculum and stage targets).

import (
	"fmt"

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
