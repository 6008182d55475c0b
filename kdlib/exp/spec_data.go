package exp

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/kdrec/kdrec/datasets"
	"github.com/kdrec/kdrec/kdlib/data"
)

// splitMemoCap bounds the splits an Env keeps in memory.
const splitMemoCap = 8

// Split returns the split a run trains and evaluates on, memoised per
// (data set, split, protocol): the data set is loaded (a registered one,
// files of one's own, or generated), then split by kind — leave-one-out
// or leave-last-out with Candidates sampled candidates, a 60/20/20 or
// 80/10/10 ratio split, or a split shipped with the data set, which gets
// Candidates sampled candidates when the protocol is LOO and is refused
// for that protocol when it is not leave-one-out (one validation and one
// test item per user). A positive SplitSpec.Users then keeps only the
// first Users users and their items (data.Subset). The split seed must be resolved
// (RunSpec.Normalize). Env.DataDir, then DatasetSpec.Dir, then
// KDREC_DATASETS locate the files of registered data sets that are not
// embedded; Env.DataDir, then DatasetSpec.Dir, then the working directory
// resolve the relative paths of DatasetSpec.Files.
func (e *Env) Split(ds DatasetSpec, sp SplitSpec, p Protocol) (*data.Split, error) {
	key, err := e.splitKey(ds, sp, p)
	if err != nil {
		return nil, err
	}
	if s := e.providedSplit(key); s != nil {
		if sp.Kind == SplitProvided && p == LOO {
			if s.Candidates == nil {
				return nil, fmt.Errorf("provided split %.16s: protocol loo needs sampled candidates, and the split has none", sp.Fingerprint)
			}
			if err := s.CheckLeaveOneOut(); err != nil {
				return nil, fmt.Errorf("provided split %.16s with protocol loo: %w", sp.Fingerprint, err)
			}
		}
		return s, nil
	}
	if sp.Kind == SplitProvided {
		return nil, fmt.Errorf("split %.16s was provided to another Env (kdrepl's workspace): a provided split runs only where it is held", sp.Fingerprint)
	}
	if sp.Seed == nil {
		return nil, fmt.Errorf("split %s: seed not resolved (normalise the run first)", sp.Kind)
	}
	if e != nil && e.DataDir != "" {
		ds.Dir = e.DataDir
	}
	if e != nil {
		e.mu.Lock()
		for _, m := range e.splits {
			if m.key == key {
				e.mu.Unlock()
				return m.split, nil
			}
		}
		e.mu.Unlock()
	}
	s, card, err := buildSplit(ds, sp, p)
	if err != nil {
		return nil, err
	}
	if sp.Users > 0 && sp.Users < s.NumUsers() {
		if s, err = data.Subset(s, sp.Users, 0); err != nil {
			return nil, err
		}
	}
	if e != nil {
		if card != "" {
			e.logf("data set %s: %s", ds.Name, strings.ReplaceAll(card, "\n", "\n  "))
		}
		e.logf("split: %s (%s)", s.Name, s.Train.Stats())
		for _, w := range s.Warnings {
			e.logf("warning: %s", w)
		}
		e.mu.Lock()
		e.splits = append(e.splits, memoSplit{key, s})
		if len(e.splits) > splitMemoCap {
			e.splits = e.splits[len(e.splits)-splitMemoCap:]
		}
		e.mu.Unlock()
	}
	return s, nil
}

// buildSplit makes the split of Split, and returns the card of a data set
// of files ("" for the others).
func buildSplit(ds DatasetSpec, sp SplitSpec, p Protocol) (*data.Split, string, error) {
	seed := *sp.Seed
	var opts []datasets.Option
	if ds.Dir != "" {
		opts = append(opts, datasets.Dir(ds.Dir))
	}
	if sp.Kind == SplitImport {
		if ds.Name == SyntheticName || ds.Files != nil {
			return nil, "", fmt.Errorf("split import: the data set %s ships no split", ds.Name)
		}
		s, err := datasets.LoadSplit(ds.Name, append(opts, datasets.SplitName(sp.Name))...)
		if err != nil {
			return nil, "", err
		}
		if p == LOO {
			if err := s.CheckLeaveOneOut(); err != nil {
				return nil, "", fmt.Errorf("split import %s with protocol loo: %w", sp.Name, err)
			}
		}
		if p == LOO && s.Candidates == nil {
			n := sp.Candidates
			if n == 0 {
				n = data.DefaultNumCandidates
			}
			if err := data.SampleCandidates(s, seed, n); err != nil {
				return nil, "", err
			}
		}
		return s, "", nil
	}
	var x *data.Interactions
	var err error
	switch {
	case ds.Files != nil:
		x, err = datasets.LoadFiles(*ds.Files, opts...)
	case ds.Name == SyntheticName:
		x, err = Synthetic(*ds.Synthetic)
	default:
		x, err = datasets.Load(ds.Name, opts...)
	}
	if err != nil {
		return nil, "", err
	}
	n := sp.Candidates
	if n == 0 {
		n = data.DefaultNumCandidates
	}
	var s *data.Split
	switch sp.Kind {
	case SplitLOO:
		s, err = data.LeaveOneOut(x, seed, n)
	case SplitLLO:
		s, err = data.LeaveLastOut(x, seed, data.LOOOptions{NumCandidates: n})
	case SplitRatio602020:
		s, err = data.RatioSplit602020(x, seed)
	case SplitRatio801010:
		s, err = data.RatioSplit801010(x, seed)
	default:
		return nil, "", fmt.Errorf("unknown split kind %q", sp.Kind)
	}
	if err != nil {
		return nil, "", err
	}
	s.Warnings = append(s.Warnings, x.Warnings...) // what the reader noticed in the data set's files
	card := ""
	if ds.Files != nil {
		card = x.Card().String()
	}
	return s, card, nil
}

// validate reports the first invalid field of g, naming it.
func (g *SyntheticSpec) validate() error {
	switch g.Law {
	case "", LawClusters:
		if g.Users <= 0 || g.Items <= 0 || g.PerUser <= 0 || g.Clusters < 0 || g.Noise < 0 || g.Noise > 1 ||
			g.UserExponent != 0 || g.ItemExponent != 0 || g.MinPerUser != 0 {
			return fmt.Errorf("dataset.synthetic: need users, items, per_user > 0, clusters >= 0, noise in [0,1] and no power-law field (user_exponent, item_exponent, min_per_user: law %q); got %+v", LawPowerLaw, *g)
		}
	case LawPowerLaw:
		if g.PerUser != 0 || g.Clusters != 0 || g.Noise != 0 {
			return fmt.Errorf("dataset.synthetic: law %s takes no per_user, clusters or noise; got %+v", LawPowerLaw, *g)
		}
		if err := g.powerLaw().Validate(); err != nil {
			return fmt.Errorf("dataset.synthetic: %w", err)
		}
	default:
		return fmt.Errorf("dataset.synthetic.law: unknown generator %q (want %q or %q)", g.Law, LawClusters, LawPowerLaw)
	}
	return nil
}

// powerLaw returns g's data.PowerLawConfig, zero fields at their defaults.
func (g *SyntheticSpec) powerLaw() data.PowerLawConfig {
	c := data.DefaultPowerLaw(g.Users, g.Items)
	c.Seed = g.Seed
	if g.UserExponent != 0 {
		c.UserExponent = g.UserExponent
	}
	if g.ItemExponent != 0 {
		c.ItemExponent = g.ItemExponent
	}
	if g.MinPerUser != 0 {
		c.MinPerUser = g.MinPerUser
	}
	return c
}

// Synthetic generates the data set described by g (see SyntheticSpec).
// With the clusters law, user u and item i belong to groups u mod C and
// i mod C; each of the PerUser draws of a user is an item of its group with
// probability 1 − Noise, else any item. With the power-law law it is
// data.PowerLaw. Deterministic in g.
func Synthetic(g SyntheticSpec) (*data.Interactions, error) {
	if g.Law != "" && g.Law != LawClusters {
		if err := g.validate(); err != nil {
			return nil, err
		}
		return data.PowerLaw(g.powerLaw())
	}
	c := g.Clusters
	if c == 0 {
		c = 8
	}
	noise := g.Noise
	if noise == 0 {
		noise = 0.1
	}
	if g.Users <= 0 || g.Items < c || g.PerUser <= 0 || noise < 0 || noise > 1 {
		return nil, fmt.Errorf("synthetic: need users > 0, items >= clusters, per_user > 0, noise in [0,1]; got %+v", g)
	}
	rng := rand.New(rand.NewPCG(g.Seed, 0x73796e7468))
	perGroup := g.Items / c
	pairs := make([]data.Pair, 0, g.Users*g.PerUser)
	for u := 0; u < g.Users; u++ {
		grp := u % c
		for k := 0; k < g.PerUser; k++ {
			var i int
			if rng.Float64() < noise {
				i = rng.IntN(g.Items)
			} else {
				// Items of group grp are grp, grp+c, grp+2c, …; skew towards
				// the first ones so that popularity varies.
				r := rng.IntN(perGroup)
				r = r * rng.IntN(perGroup) / perGroup
				i = grp + c*r
			}
			pairs = append(pairs, data.Pair{User: int32(u), Item: int32(i)})
		}
	}
	return data.FromPairs(g.Users, g.Items, pairs)
}
