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
# QUEUE=1 (default) and QUEUE=2 are the two queues, one per core, each an
# ordered list of specs (the second: QUEUE=2 OUT=/tmp/kdrec-protocol2 bash
# scripts/protocol-queue.sh). With arguments it runs those specs instead. Each run
# checkpoints every 10 minutes, so a queue killed with its session resumes
# its in-flight run where the last checkpoint left it when it is started
# again (kdsweep run --checkpoints; the same seed gives the same numbers).
#
# Environment: KDREC_DATASETS (default ../shared/datasets), KDREC_CACHE
# (teachers and lists; default ~/.cache/kdrec), PROCS (GOMAXPROCS of the
# runs, default 1 so that the other core stays free), OUT (the sweeps'
# stores, default /tmp/kdrec-protocol), CHECKPOINTS (the runs' training
# checkpoints, default <OUT>/<spec>/checkpoints: put them where files
# outlive the session, e.g. under /work), DEADLINE (when the session ends:
# an RFC 3339 time or a duration from the queue's start, fixed once as a
# time before the first spec (scripts/deadline.sh), kdsweep run --deadline; a run
# the ledger expects to end later is deferred, so that the session's last
# hour goes to runs that can finish in it — on a machine that does not
# outlive the session, a run killed half-way is lost with its checkpoint).
set -euo pipefail
cd "$(dirname "$0")/.."
export KDREC_DATASETS="${KDREC_DATASETS:-$(cd ../shared/datasets 2>/dev/null && pwd || echo ../shared/datasets)}"
export KDREC_CACHE="${KDREC_CACHE:-$HOME/.cache/kdrec}"
export GOMAXPROCS="${PROCS:-1}"
# The deadline is fixed now: a duration passed as such to every spec's
# kdsweep would count from that spec's start, not the session's.
. scripts/deadline.sh
deadline=""
if [ -n "${DEADLINE:-}" ]; then
  deadline=$(deadline_at "$DEADLINE")
  echo "== deadline $deadline"
fi
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
  case "${QUEUE:-1}" in
    # The two queues share no spec (each queue's store is its own; only the
    # ledger is shared). A run that two specs share (the same teacher, say)
    # may still be trained by both queues if neither has recorded it yet.
    1) specs=(derrd-inference de-tsne results/specs/derrd-protocol.json hetcomp-protocol
              results/specs/hetcomp-homogeneous.json hetcomp-protocol-lastfm hetcomp-protocol-ml1m) ;;
    # Queue 2: the TD table, then the figure sweeps that are cheap per run
    # (HTD, RRD, DE at the protocol) before the long PHR and split sweeps,
    # so that the figures waiting for runs are drawn first.
    2) specs=(results/specs/td-protocol.json td-curves td-params rrd-params de-lambda de-experts derrd-table-neumf
              derrd-size results/specs/phr-protocol.json results/specs/derrd-splits.json) ;;
    *) echo "QUEUE=$QUEUE: want 1 or 2" >&2; exit 2 ;;
  esac
fi
for spec in "${specs[@]}"; do
  name=$(basename "$spec" .json)
  ckpt="${CHECKPOINTS:+$CHECKPOINTS/$name}"
  echo "== $(date -u +%FT%TZ) $name"
  "$out/kdsweep" run --ledger results --keep-models -q --out "$out/$name" --checkpoints "${ckpt:-$out/$name/checkpoints}" \
    ${deadline:+--deadline "$deadline"} "$spec"
done
echo "== $(date -u +%FT%TZ) queue done"
