#!/usr/bin/env bash
# CI step for the notebooks, called by .ci/run after `go test ./...`:
# installs the notebook kit itself (Debian's Jupyter packages through apt,
# gonb/goimports/gopls through the Go module proxy; see
# install-notebooks.sh), then executes every notebook at reduced scale and
# checks the outputs and figures (run-notebooks.sh). Budget: under 15
# minutes on 2 cores from a fresh machine, most of it the cold gopls build.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-notebooks.sh
bash scripts/run-notebooks.sh
echo "notebooks: install, execution and checks took $((SECONDS - start))s"
