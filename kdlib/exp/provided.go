package exp

// Splits and models given to an Env by its caller: what a front-end such
// as kdrepl holds in memory (a workspace's splits and trained models) enters
// a RunSpec either under the spec that describes it (ProvideSplitAs,
// ProvideModel with a real key: the Env then uses the object instead of
// loading, splitting or training it again) or, when no spec describes it,
// by content (ProvideSplit, ProvidedModel: SplitProvided and
// ModelSpec.Provided carry fingerprints, so the run's hash changes when the
// data or the model does).

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/kdrec/kdrec/kdlib/data"
	"github.com/kdrec/kdrec/kdlib/model"
)

// splitKey is the key of a split in an Env's memory and provisions: the
// data set (with the Env's data directory, which locates but does not
// change the data), the split and the protocol (an imported split gets
// candidates only under LOO).
func (e *Env) splitKey(ds DatasetSpec, sp SplitSpec, p Protocol) (string, error) {
	if e != nil && e.DataDir != "" {
		ds.Dir = e.DataDir
	}
	if sp.Kind == SplitProvided {
		// Named by content alone.
		return "provided\x00" + sp.Fingerprint, nil
	}
	kb, err := json.Marshal(struct {
		D DatasetSpec
		S SplitSpec
		P Protocol
	}{ds, sp, p})
	if err != nil {
		return "", err
	}
	return string(kb), nil
}

// ProvideSplit gives the Env a split held in memory that no split kind
// describes, and returns the dataset and split of the runs that use it:
// DatasetSpec{Name: ProvidedData} and a SplitSpec of kind SplitProvided
// whose Fingerprint is SplitFingerprint(s). Env.Split returns s for them.
func (e *Env) ProvideSplit(s *data.Split) (DatasetSpec, SplitSpec) {
	sp := SplitSpec{Kind: SplitProvided, Fingerprint: SplitFingerprint(s)}
	key, _ := e.splitKey(DatasetSpec{}, sp, "")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.provSplits == nil {
		e.provSplits = map[string]*data.Split{}
	}
	e.provSplits[key] = s
	return DatasetSpec{Name: ProvidedData}, sp
}

// ProvideSplitAs gives the Env the split that (ds, sp) under protocol p
// describes (normalised: the seed resolved), already made: Env.Split
// returns s for them instead of loading the data set and splitting it
// again. The caller vouches that s is what the spec makes (kdrepl provides
// a workspace split this way only when it was made by the same data.Split
// function from the same registered data set, seed and candidates).
func (e *Env) ProvideSplitAs(ds DatasetSpec, sp SplitSpec, p Protocol, s *data.Split) error {
	if sp.Kind != SplitProvided && sp.Seed == nil {
		return fmt.Errorf("provide split %s: seed not resolved (normalise the run first)", sp.Kind)
	}
	key, err := e.splitKey(ds, sp, p)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.provSplits == nil {
		e.provSplits = map[string]*data.Split{}
	}
	e.provSplits[key] = s
	return nil
}

// providedSplit returns the split provided for key, or nil.
func (e *Env) providedSplit(key string) *data.Split {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.provSplits[key]
}

// ModelFingerprint returns the identity of a trained model by content: the
// hex SHA-256 of its checkpoint encoding without metadata (model.Encode:
// kind, configuration and every tensor), or, for a frozen model that has no
// checkpoint but is described by its representations (model.Factorized,
// such as the model.Factors kdlib/interop imports), of its score form, its
// sizes, every user and item representation and its biases.
func ModelFingerprint(m model.Scorer) (string, error) {
	h := sha256.New()
	switch x := m.(type) {
	case model.Checkpointable:
		if err := model.Encode(h, x, nil); err != nil {
			return "", fmt.Errorf("model fingerprint: %w", err)
		}
	case model.Factorized:
		n, k, d := m.NumUsers(), m.NumItems(), x.Dim()
		fmt.Fprintf(h, "factorized %s %d %d %d\n", x.ScoreForm(), n, k, d)
		row := make([]float32, d)
		put := func(v []float32) {
			var b [4]byte
			for _, f := range v {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(f))
				h.Write(b[:])
			}
		}
		for u := range int32(n) {
			x.UserVecs([]int32{u}, row)
			put(row)
		}
		for i := range int32(k) {
			x.ItemVecs([]int32{i}, row)
			put(row)
		}
		bu, bi := x.Biases()
		fmt.Fprintf(h, "biases %d %d\n", len(bu), len(bi))
		put(bu)
		put(bi)
	default:
		return "", fmt.Errorf("model fingerprint: a %T has neither a checkpoint encoding nor representations to identify it by", m)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ProvidedModel returns the ModelSpec of a trained model given by content,
// for a TeacherSpec: its kind (model.Checkpointable's Kind, or "factors"
// for a frozen model.Factorized) and, as Provided, its ModelFingerprint.
// Give the model to the Env with ProvideModel under the run's TeacherKey.
func ProvidedModel(m model.Scorer) (ModelSpec, error) {
	fp, err := ModelFingerprint(m)
	if err != nil {
		return ModelSpec{}, err
	}
	kind := "factors"
	if c, ok := m.(model.Checkpointable); ok {
		kind = c.Kind()
	}
	return ModelSpec{Kind: kind, Provided: fp}, nil
}

// ProvideModel gives the Env the trained model of key: Env.Model returns it
// instead of training or loading one. key is either a real ModelKey (the
// caller trained the model for that key in this process, as kdrepl's
// workspace teachers are) or the key of a provided model (Model.Provided
// set, which must be m's fingerprint). res, which may be nil, is the
// model's training result.
func (e *Env) ProvideModel(key ModelKey, m model.Scorer, res *RunResult) error {
	if m == nil {
		return errors.New("provide model: nil model")
	}
	if key.Model.Provided != "" {
		fp, err := ModelFingerprint(m)
		if err != nil {
			return err
		}
		if fp != key.Model.Provided {
			return fmt.Errorf("provide model: the model's fingerprint %.16s… is not the key's %.16s…", fp, key.Model.Provided)
		}
	}
	h, err := key.Hash()
	if err != nil {
		return err
	}
	tm := &TrainedModel{Key: key, Hash: h, Result: res, scorer: m}
	if c, ok := m.(model.Checkpointable); ok {
		tm.Model = c
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.provModels == nil {
		e.provModels = map[string]*TrainedModel{}
	}
	e.provModels[h] = tm
	return nil
}

// providedModel returns the model provided for the key hash h, or nil.
func (e *Env) providedModel(h string) *TrainedModel {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.provModels[h]
}
