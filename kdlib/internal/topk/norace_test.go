//go:build !race

package topk

// raceEnabled reports a -race build, in which sync.Pool drops items on
// purpose, so allocation counts are not meaningful.
const raceEnabled = false
