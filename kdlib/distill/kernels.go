package distill

// Row kernels of the BPR path of listBatch. Every element is rounded as in
// the scalar expression y[t] += a·x[t] (the product, then the sum; no fused
// multiply-add), so all versions give the values of nn.Axpy.

// axpyGo computes y += a·x.
func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	for t, v := range x {
		y[t] += a * v
	}
}

// axpy2Go computes y += a·x and v += a·u in one loop.
func axpy2Go(a float32, x, y, u, v []float32) {
	y, u, v = y[:len(x)], u[:len(x)], v[:len(x)]
	for t, xv := range x {
		y[t] += a * xv
		v[t] += a * u[t]
	}
}

// addTo computes y += x.
func addTo(y, x []float32) {
	y = y[:len(x)]
	for t, v := range x {
		y[t] += v
	}
}
