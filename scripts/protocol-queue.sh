#!/usr/bin/env bash
# Runs the protocol sweeps of the reproduction one after the other on one
# core, recording every finished run in the results ledger (results/). It
# resumes where the committed ledger stops: runs already recorded are
# skipped, so a new machine or session starts it again with the same
# command. Commit results/ (and `go run ./cmd/kdsweep report`'s
# regenerated docs/reproduction.md) after each batch of finished runs; when
# the report refuses a claim that now fails without an analysis, write the
# analysis (the claim's "reason" in results/claims.json) before committing.
#
#   nohup bash scripts/protocol-queue.sh > protocol-queue.log 2>&1 &
#
# Environment: KDREC_DATASETS (default ../shared/datasets), KDREC_CACHE
# (teachers and lists; default ~/.cache/kdrec), PROCS (GOMAXPROCS of the
# runs, default 1 so that the other core stays free), OUT (the sweeps'
# stores, default /tmp/kdrec-protocol).
set -euo pipefail
cd "$(dirname "$0")/.."
export KDREC_DATASETS="${KDREC_DATASETS:-$(cd ../shared/datasets 2>/dev/null && pwd || echo ../shared/datasets)}"
export KDREC_CACHE="${KDREC_CACHE:-$HOME/.cache/kdrec}"
export GOMAXPROCS="${PROCS:-1}"
out="${OUT:-/tmp/kdrec-protocol}"
mkdir -p "$out"
go build -o "$out/kdsweep" ./cmd/kdsweep
# In order of what the claims need first. A spec that grew (variants
# appended, e.g. CD and DCD to derrd-protocol) runs only its new rows.
# derrd-inference (15 short runs: the inference-time table) and de-tsne (one
# DE run: the t-SNE figure) are built-in specs; they come first because they
# are cheap and each completes a table or figure.
for spec in derrd-inference de-tsne results/specs/derrd-protocol.json results/specs/td-protocol.json; do
  name=$(basename "$spec" .json)
  echo "== $(date -u +%FT%TZ) $name"
  "$out/kdsweep" run --ledger results --keep-models -q --out "$out/$name" "$spec"
done
echo "== $(date -u +%FT%TZ) queue done"
