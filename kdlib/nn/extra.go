package nn

// Softplus returns log(1 + e^x) computed without overflow (= −log σ(−x)).
func Softplus(x float64) float64 { return -LogSigmoid(-x) }

// BCEWithLogits returns the binary cross-entropy of one logit z against a
// label y ∈ [0, 1], as one element of torch.nn.BCEWithLogitsLoss,
//
//	ℓ(z, y) = −y·log σ(z) − (1−y)·log(1−σ(z)) = softplus(z) − y·z
//
// and its derivative ∂ℓ/∂z = σ(z) − y, both computed without overflow.
func BCEWithLogits(z, y float64) (loss, grad float64) {
	return Softplus(z) - y*z, Sigmoid(z) - y
}

// ReLU sets the negative entries of x to zero in place.
func ReLU(x []float32) { relu(x) }
