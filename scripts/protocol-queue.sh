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
# With arguments it runs those specs instead of the default list (a second
# queue on the other core: OUT=/tmp/kdrec-protocol2 bash
# scripts/protocol-queue.sh results/specs/td-protocol.json). Each run
# checkpoints every 10 minutes, so a queue killed with its session resumes
# its in-flight run where the last checkpoint left it when it is started
# again (kdsweep run --checkpoints; the same seed gives the same numbers).
#
# Environment: KDREC_DATASETS (default ../shared/datasets), KDREC_CACHE
# (teachers and lists; default ~/.cache/kdrec), PROCS (GOMAXPROCS of the
# runs, default 1 so that the other core stays free), OUT (the sweeps'
# stores, default /tmp/kdrec-protocol), CHECKPOINTS (the runs' training
# checkpoints, default <OUT>/<spec>/checkpoints: put them where files
# outlive the session, e.g. under /work).
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
specs=("$@")
if [ ${#specs[@]} -eq 0 ]; then
  specs=(derrd-inference de-tsne results/specs/derrd-protocol.json results/specs/td-protocol.json)
fi
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .json)
  ckpt="${CHECKPOINTS:+$CHECKPOINTS/$name}"
  echo "== $(date -u +%FT%TZ) $name"
  "$out/kdsweep" run --ledger results --keep-models -q --out "$out/$name" --checkpoints "${ckpt:-$out/$name/checkpoints}" "$spec"
done
echo "== $(date -u +%FT%TZ) queue done"
