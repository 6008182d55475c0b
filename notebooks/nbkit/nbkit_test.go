package nbkit

import (
	"strings"
	"testing"

	"github.com/kdrec/kdrec/kdlib/exp"
)

func TestScaleAndDirs(t *testing.T) {
	t.Setenv(EnvQuick, "1")
	if !Quick() || Pick(10, 2) != 2 {
		t.Error("KDREC_QUICK=1 not seen")
	}
	t.Setenv(EnvQuick, "0")
	if Quick() || Pick(10, 2) != 10 {
		t.Error("KDREC_QUICK=0 taken as quick")
	}
	for _, c := range []struct {
		quick, retrain, want string
		ledger               bool
	}{
		{"1", "", "reduced scale", false},
		{"1", "1", "reduced scale", false},
		{"", "", "full scale, from the results ledger", true},
		{"", "0", "full scale, from the results ledger", true},
		{"", "1", "full scale, retrained here", false},
	} {
		t.Setenv(EnvQuick, c.quick)
		t.Setenv(EnvRetrain, c.retrain)
		if got := ScaleName(); got != c.want {
			t.Errorf("KDREC_QUICK=%q KDREC_RETRAIN=%q: scale name %q, want %q", c.quick, c.retrain, got, c.want)
		}
		if FromLedger() != c.ledger || Retrain() == c.ledger {
			t.Errorf("KDREC_QUICK=%q KDREC_RETRAIN=%q: FromLedger %v, Retrain %v", c.quick, c.retrain, FromLedger(), Retrain())
		}
	}
	t.Setenv("GONB_DIR", "/nb")
	t.Setenv("KDREC_CACHE", "")
	t.Setenv(EnvFigures, "")
	if CacheDir() != "/nb/.cache" || FiguresDir() != "/nb/figures" {
		t.Errorf("dirs %s %s", CacheDir(), FiguresDir())
	}
	t.Setenv("KDREC_CACHE", "/c")
	if CacheDir() != "/c" {
		t.Errorf("cache dir %s", CacheDir())
	}
}

// TestArtifactAndRecordDirs: the training path keeps its artefacts in the
// notebooks' cache at reduced scale and in kdrec's at full scale (both
// $KDREC_CACHE when set), and records into a scratch ledger there, or at
// full scale into KDREC_RECORD's.
func TestArtifactAndRecordDirs(t *testing.T) {
	t.Setenv("GONB_DIR", "/nb")
	t.Setenv("KDREC_CACHE", "")
	t.Setenv(EnvRecord, "")
	t.Setenv(EnvQuick, "1")
	if ArtifactDir() != "/nb/.cache" || RecordDir() != "/nb/.cache/ledger/quick" {
		t.Errorf("quick: artefacts %s, ledger %s", ArtifactDir(), RecordDir())
	}
	t.Setenv(EnvRecord, "/mine")
	if RecordDir() != "/nb/.cache/ledger/quick" {
		t.Errorf("quick records into %s: reduced-scale records are no results", RecordDir())
	}
	t.Setenv(EnvQuick, "")
	if ArtifactDir() != exp.CacheDir() || RecordDir() != "/mine" {
		t.Errorf("full: artefacts %s, ledger %s", ArtifactDir(), RecordDir())
	}
	t.Setenv(EnvRecord, "")
	t.Setenv("KDREC_CACHE", "/c")
	if ArtifactDir() != "/c" || RecordDir() != "/c/ledger/full" {
		t.Errorf("KDREC_CACHE: artefacts %s, ledger %s", ArtifactDir(), RecordDir())
	}
}

func TestLogWriterShortensPaths(t *testing.T) {
	t.Setenv("KDREC_CACHE", "/some/cache")
	var b strings.Builder
	w := &shortPaths{w: nopCloser{&b}, dir: []byte(ArtifactDir())}
	if n, err := w.Write([]byte("loaded /some/cache/teachers/x.ckpt\n")); err != nil || n != 35 {
		t.Fatalf("%d %v", n, err)
	}
	if b.String() != "loaded $KDREC_CACHE/teachers/x.ckpt\n" {
		t.Errorf("%q", b.String())
	}
}

type nopCloser struct{ w *strings.Builder }

func (n nopCloser) Write(p []byte) (int, error) { return n.w.Write(p) }
func (n nopCloser) Close() error                { return nil }
