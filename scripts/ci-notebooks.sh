#!/usr/bin/env bash
# CI step for the notebooks, called by .ci/run after `go test ./...`:
# installs the notebook kit itself (Debian's Jupyter packages through apt,
# gonb/goimports/gopls through the Go module proxy; see
# install-notebooks.sh), then executes every notebook at reduced scale
# (KDREC_QUICK=1) and checks them (run-notebooks.sh, then the Go checker in
# notebooks/nbcheck_test.go):
#   - no cell failed (error outputs, panics, "exit status ", GoNB error reports);
#   - every figure a notebook declares (metadata.kdrec.figures) was written by
#     this run as PNG, SVG and PDF, and is valid: a decodable, non-blank PNG at
#     least 600 px wide, an <svg> document with its fonts embedded, a complete
#     PDF;
#   - every table it declares (metadata.kdrec.tables) was written as CSV and
#     Markdown;
#   - the chapter notebooks (ch1-de, ch1-phr, ch2-topology, ch3-rrd, …) exist
#     and declare their expected figures (chapterFigures in the checker).
# Budget: under 15 minutes on 2 cores from a fresh machine for the install,
# most of it the cold gopls build, plus 1–3 minutes of CPU per notebook.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-notebooks.sh
bash scripts/run-notebooks.sh
echo "notebooks: install, execution and checks took $((SECONDS - start))s"
