package model

import (
	"encoding/json"
	"fmt"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/figstyle"
	"github.com/kdrec/kdrec/kdlib/nn"
	"github.com/kdrec/kdrec/kdlib/train"
)

func init() {
	RegisterKind(Kind{
		Name: "pop",
		Shapes: func(raw json.RawMessage) ([]TensorShape, error) {
			var c PopConfig
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			return []TensorShape{{"popularity", 1, c.Items}}, nil
		},
		Doc:        "Pop: the most-popular baseline, every user ranks items by their training interactions",
		NoTraining: true,
		Build: func(c BuildConfig, x *data.Interactions) (*Built, error) {
			p, err := NewPop(x)
			if err != nil {
				return nil, err
			}
			if (c.Users != 0 || c.Items != 0) && (c.Users != p.cfg.Users || c.Items != p.cfg.Items) {
				return nil, fmt.Errorf("pop: training data has %d users × %d items, the configuration %d × %d",
					p.cfg.Users, p.cfg.Items, c.Users, c.Items)
			}
			return &Built{Model: p, Examples: train.Pairwise}, nil
		},
		Decode: func(raw json.RawMessage) (Checkpointable, error) {
			var c PopConfig
			if err := json.Unmarshal(raw, &c); err != nil {
				return nil, err
			}
			if c.Users <= 0 || c.Items <= 0 {
				return nil, fmt.Errorf("pop: need users > 0 and items > 0, got %d and %d", c.Users, c.Items)
			}
			return &Pop{cfg: c, Count: nn.NewParam("popularity", 1, c.Items)}, nil
		},
		// Tol bright grey, dotted: a simple baseline.
		Figure: figstyle.Style{Name: "Pop", Aliases: []string{"popularity", "MostPop"}, Groups: []string{figstyle.GroupModel}, Color: "#BBBBBB", Marker: figstyle.Diamond, Dashes: figstyle.Dotted},
	})
}

// PopConfig holds the index spaces of a Pop model.
type PopConfig struct {
	// Users and Items are the numbers of users and items.
	Users, Items int
}

// Pop is the most-popular baseline: every user gets the same ranking,
// by the number of training interactions of each item,
//
//	s_ui = |{v : (v, i) ∈ R⁺}|
//
// (ties are broken by the evaluation protocol). It is the non-personalised
// reference a recommender must beat (e.g. Steck, "Item popularity and
// recommendation accuracy", RecSys 2011). It has nothing to train: do not
// pass it to train.Fit, which would move the counts.
type Pop struct {
	cfg PopConfig
	// Count holds the training popularity of every item (1 × items).
	Count *nn.Param
}

// NewPop counts the training interactions of every item of x.
func NewPop(x *data.Interactions) (*Pop, error) {
	if x == nil || x.NNZ() == 0 {
		return nil, fmt.Errorf("pop: %w", data.ErrEmpty)
	}
	p := &Pop{cfg: PopConfig{Users: x.NumUsers, Items: x.NumItems}, Count: nn.NewParam("popularity", 1, x.NumItems)}
	for i := range p.Count.W {
		p.Count.W[i] = float32(len(x.Users(i)))
	}
	return p, nil
}

// Kind returns "pop".
func (p *Pop) Kind() string { return "pop" }

// Config returns the index spaces.
func (p *Pop) Config() any { return p.cfg }

// Params returns the popularity tensor (for checkpoints).
func (p *Pop) Params() []*nn.Param { return []*nn.Param{p.Count} }

// NumParams returns the number of stored values, one per item.
func (p *Pop) NumParams() int { return p.cfg.Items }

// NumUsers returns the size of the user index space.
func (p *Pop) NumUsers() int { return p.cfg.Users }

// NumItems returns the size of the item index space.
func (p *Pop) NumItems() int { return p.cfg.Items }

// ScoreItems writes the popularity of every listed item.
func (p *Pop) ScoreItems(_ int, items []int32, out []float32) {
	for k, i := range items {
		out[k] = p.Count.W[i]
	}
}

// ScoreAll writes the popularity of every item.
func (p *Pop) ScoreAll(_ int, out []float32) { copy(out, p.Count.W) }
