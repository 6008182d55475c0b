#!/usr/bin/env bash
# CI step for the notebooks, called by .ci/run after `go test ./...`:
# installs the notebook kit itself (Debian's Jupyter packages through apt,
# gonb/goimports/gopls through the Go module proxy; see
# install-notebooks.sh), then
#   1. executes every notebook in its default ledger mode (run-notebooks.sh):
#      the tables and figures are drawn from the committed results ledger
#      (results/) at full scale, so what CI renders is the real figure, and
#      nothing is trained; then the Go checker (notebooks/nbcheck_test.go):
#      - no cell failed (error outputs, panics, "exit status ", GoNB error reports);
#      - every figure a notebook declares (metadata.kdrec.figures) was written by
#        this run as PNG, SVG and PDF, and is valid: a decodable, non-blank PNG at
#        least 600 px wide, an <svg> document with its fonts embedded, a complete
#        PDF — or, where the ledger does not hold its runs yet, is replaced by a
#        note (<name>.missing.txt) naming the sweep and the runs it lacks, which
#        the checker confirms against the ledger;
#      - every table it declares (metadata.kdrec.tables) was written as CSV and
#        Markdown, or is replaced by such a note;
#      - the chapter notebooks (ch1-de, ch1-phr, ch2-topology, ch3-rrd, …) exist
#        and declare their expected figures (chapterFigures in the checker);
#   2. runs every notebook's reduced-scale training path (KDREC_QUICK=1)
#      without Jupyter (TestQuickNotebooks in notebooks/nbquick_test.go): each
#      cell succeeds, every declared figure and table is drawn, and every figure
#      says on itself that it is reduced scale.
# Budget: under 15 minutes on 2 cores from a fresh machine for the install,
# most of it the cold gopls build; then well under a minute of CPU per
# notebook in ledger mode, and a few minutes of training for step 2.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-notebooks.sh
t=$SECONDS
bash scripts/run-notebooks.sh
echo "notebooks: ledger mode took $((SECONDS - t))s"
t=$SECONDS
KDREC_NB_QUICK=1 go test -count=1 -timeout 60m -run TestQuickNotebooks ./notebooks/
echo "notebooks: reduced-scale training path took $((SECONDS - t))s"
echo "notebooks: install, execution and checks took $((SECONDS - start))s"
