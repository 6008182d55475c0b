package distill

import "fmt"

// Assigner is implemented by the terms whose selection network assigns
// every user and item to one of several mapping networks from the
// student's space to the teacher's: DE's experts and HTD's group mappings.
// It is what the figure of DE's "balanced" distillation maps (exp's
// embedding measurement): which expert each entity is given, and where
// that expert sends the entity's student representation.
type Assigner interface {
	// Networks returns the number of mapping networks per side (DE's M).
	Networks() int
	// Assign returns, for the users (items false) or items ids, the
	// network the selection assigns to each — the argmax of the selection
	// weights α_e = softmax(W_g h^t_e + b_g), without Gumbel noise: the
	// one-hot choice the annealed Gumbel-softmax converges to (network 0
	// when there is only one) — and that network's output E_g(h^s_e), one
	// row of d_t values per entity. It reads the current parameters and
	// changes nothing.
	Assign(items bool, ids []int32) (assigned []int32, out []float32, err error)
}

// Networks returns the number of mapping networks per side.
func (m *latMixture) Networks() int { return len(m.banks[latUser].nets) }

// Assign implements Assigner for DE and HTD.
func (m *latMixture) Assign(items bool, ids []int32) ([]int32, []float32, error) {
	side, get := latUser, m.student.UserRep
	if items {
		side, get = latItem, m.student.ItemRep
	}
	bank, gate := m.banks[side], m.gates[side]
	dt, ds := m.teacher.d, m.student.Dim()
	n := len(ids)
	if sz, ok := m.student.(interface {
		NumUsers() int
		NumItems() int
	}); ok {
		lim := sz.NumUsers()
		if items {
			lim = sz.NumItems()
		}
		for _, id := range ids {
			if id < 0 || int(id) >= lim {
				return nil, nil, fmt.Errorf("distill: assign: id %d out of range [0,%d)", id, lim)
			}
		}
	}
	assigned := make([]int32, n)
	if gate != nil {
		t := make([]float32, n*dt)
		m.teacher.raw(side, ids, t, dt)
		logits := make([]float32, n*gate.m)
		gate.lin.Forward(t, n, logits)
		for r := range n {
			row := logits[r*gate.m : (r+1)*gate.m]
			best := 0
			for k, v := range row {
				if v > row[best] {
					best = k
				}
			}
			assigned[r] = int32(best)
		}
	}
	out := make([]float32, n*dt)
	var x, y []float32
	for r, id := range ids {
		x = append(x[:0], get(id)[:ds]...)
		for l, lin := range bank.nets[assigned[r]].layers {
			y = latGrow(y, lin.Out)
			lin.Forward(x, 1, y)
			if l+1 < len(bank.nets[assigned[r]].layers) {
				for k, v := range y {
					y[k] = max(v, 0)
				}
			}
			x, y = y, x
		}
		copy(out[r*dt:(r+1)*dt], x[:dt])
	}
	return assigned, out, nil
}
