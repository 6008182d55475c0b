package exp

import (
	"testing"

	"github.com/kdrec/kdrec/internal/datatest"
)

// TestMain prints, after the tests, one line naming the tests that skipped
// because KDREC_DATASETS is not set; go test ./... shows it without -v.
func TestMain(m *testing.M) { datatest.Main(m) }
