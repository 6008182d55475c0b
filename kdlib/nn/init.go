package nn

import (
	"math"
	"math/rand/v2"
)

// NewRand returns the deterministic generator used throughout kdrec: a PCG
// seeded with seed on the given stream. Different streams with the same seed
// are independent, so components (initialisation, negative sampling,
// shuffling) each get their own stream and stay reproducible when another
// component draws more or fewer numbers.
func NewRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream^0x9e3779b97f4a7c15))
}

// InitNormal fills p with N(mean, std²) values, as torch.nn.init.normal_.
func InitNormal(p *Param, rng *rand.Rand, mean, std float64) {
	for k := range p.W {
		p.W[k] = float32(mean + std*rng.NormFloat64())
	}
}

// InitUniform fills p with U(−a, a) values.
func InitUniform(p *Param, rng *rand.Rand, a float64) {
	for k := range p.W {
		p.W[k] = float32((2*rng.Float64() - 1) * a)
	}
}

// InitLinearDefault applies PyTorch's default nn.Linear initialisation to a
// weight of shape out×in and its bias: both U(−1/√in, 1/√in). (PyTorch's
// kaiming_uniform_(a=√5) on the weight reduces to exactly this bound.)
func InitLinearDefault(w, b *Param, rng *rand.Rand) {
	a := 1 / math.Sqrt(float64(w.Cols))
	InitUniform(w, rng, a)
	if b != nil {
		InitUniform(b, rng, a)
	}
}

// InitXavierUniform fills a weight of shape out×in with
// U(−√(6/(in+out)), √(6/(in+out))), as torch.nn.init.xavier_uniform_.
func InitXavierUniform(w *Param, rng *rand.Rand) {
	InitUniform(w, rng, math.Sqrt(6/float64(w.Rows+w.Cols)))
}

// InitKaimingUniform fills a weight of shape out×in as
// torch.nn.init.kaiming_uniform_(a) with fan_in mode and leaky-ReLU gain:
// bound = √(6/((1+a²)·in)).
func InitKaimingUniform(w *Param, rng *rand.Rand, a float64) {
	InitUniform(w, rng, math.Sqrt(6/((1+a*a)*float64(w.Cols))))
}
