package nbkit

// The progress text of training shown in a notebook cell.

import (
	"bytes"
	"io"
	"os"

	"github.com/kdrec/kdrec/kdlib/report"
)

// LogWriter returns a writer for the progress and log text of the library's
// drivers, shown in the cell as one block updated in place
// (report.NotebookWriter; stderr outside a notebook), with the artifact
// directory written as $KDREC_CACHE, so rendered notebooks do not record
// the machine's paths. Close it when done.
func LogWriter() io.WriteCloser {
	return &shortPaths{w: report.NotebookWriter(os.Stderr), dir: []byte(ArtifactDir())}
}

type shortPaths struct {
	w   io.WriteCloser
	dir []byte
}

func (s *shortPaths) Write(p []byte) (int, error) {
	if len(s.dir) > 1 && bytes.Contains(p, s.dir) {
		if _, err := s.w.Write(bytes.ReplaceAll(p, s.dir, []byte("$KDREC_CACHE"))); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return s.w.Write(p)
}

func (s *shortPaths) Close() error { return s.w.Close() }
