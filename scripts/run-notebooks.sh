#!/usr/bin/env bash
# Executes kdrec's notebooks headless and checks them.
#
#   scripts/run-notebooks.sh [--quick | --retrain] [--render] [--html] [NAME...]
#
# NAME is a notebook of notebooks/ without .ipynb (default: all of them).
# Each one runs under `jupyter nbconvert --execute --allow-errors` (so an
# executed copy is always written), then the Go checker
# (go test ./notebooks -run TestExecutedNotebooks) fails on any failed cell
# or missing/invalid figure. nbconvert's own exit status says nothing about
# failed cells; the checker does.
#
#   (default)  ledger mode: the notebooks draw every table and figure from
#              the committed results ledger (results/) and train nothing —
#              full scale, in seconds per notebook; what the ledger lacks
#              yet is named in the output and, for a declared figure or
#              table, left as a note <name>.missing.txt that the checker
#              verifies. Executed copies in $KDREC_NB_OUT (default
#              ${TMPDIR:-/tmp}/kdrec-nb-out), figures in notebooks/figures (or
#              $KDREC_FIGURES), both ignored by git. What CI runs.
#   --quick    train at reduced scale instead (KDREC_QUICK=1): the same
#              sweep specs with their quick budgets, run by exp.RunSweep
#              into a scratch ledger and drawn by the same code; minutes,
#              every figure says on itself that it is not a result.
#   --retrain  train at full scale instead (KDREC_RETRAIN=1): the specs'
#              own budgets (the authors' protocol), days of CPU for the
#              chapters; --full is the same.
#   --render   commit-ready: executed copies in notebooks/rendered/, figures
#              (PDF, SVG, PNG previews, captions), tables and notes in
#              docs/figures/, the one home of the committed figures (this is
#              the one command that rebuilds the rendered notebooks), then
#              the gallery of docs/figures.md regenerated from those files
#              (go run ./notebooks/gallery); in ledger mode unless --quick or
#              --retrain is given.
#   --html     also write an HTML page per executed notebook.
#
# The notebooks run quietly (KDREC_NB_QUIET=1: no saved-file lines in the
# outputs). Needs scripts/install-notebooks.sh to have run. Per-cell timeout:
# NB_TIMEOUT seconds (default 600 in ledger mode, 1200 at reduced scale,
# none when retraining at full scale unless NB_TIMEOUT is set: one cell can
# train for days). The reduced-scale path is also run without Jupyter by
# `KDREC_NB_QUICK=1 go test ./notebooks -run TestQuickNotebooks`.
set -euo pipefail
source "$(dirname "$0")/nb-env.sh"

mode=ledger render=0 html=0 names=()
for a in "$@"; do
  case "$a" in
  --quick) mode=quick ;;
  --retrain | --full) mode=retrain ;;
  --render) render=1 ;;
  --html) html=1 ;;
  -h | --help) sed -n '2,40p' "$0"; exit 0 ;;
  -*) echo "run-notebooks: unknown option $a" >&2; exit 2 ;;
  *) names+=("${a%.ipynb}") ;;
  esac
done

nbdir="$KDREC_ROOT/notebooks"
if [ ${#names[@]} -eq 0 ]; then
  for f in "$nbdir"/*.ipynb; do names+=("$(basename "$f" .ipynb)"); done
fi
for n in "${names[@]}"; do
  [ -f "$nbdir/$n.ipynb" ] || { echo "run-notebooks: no notebook $nbdir/$n.ipynb" >&2; exit 2; }
done
if ! command -v jupyter >/dev/null || [ ! -f "$JUPYTER_DATA_DIR/kernels/gonb/kernel.json" ]; then
  echo "run-notebooks: Jupyter or the gonb kernel is missing: run scripts/install-notebooks.sh" >&2
  exit 1
fi

case $mode in
ledger)
  unset KDREC_QUICK KDREC_RETRAIN
  timeout="${NB_TIMEOUT:-600}"
  ;;
quick)
  export KDREC_QUICK=1
  unset KDREC_RETRAIN
  timeout="${NB_TIMEOUT:-1200}"
  ;;
retrain)
  export KDREC_RETRAIN=1
  unset KDREC_QUICK
  # The specs' full budgets: one cell (ch3-rrd's runs) can train for days,
  # so no per-cell limit unless NB_TIMEOUT sets one.
  timeout="${NB_TIMEOUT:--1}"
  ;;
esac
if [ $render -eq 1 ]; then
  out="$nbdir/rendered"
  export KDREC_FIGURES="$KDREC_ROOT/docs/figures"
else
  out="${KDREC_NB_OUT:-${TMPDIR:-/tmp}/kdrec-nb-out}"
fi
export KDREC_ROOT KDREC_NB_QUIET=1
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [ -n "${KDREC_FIGURES:-}" ]; then
  mkdir -p "$KDREC_FIGURES"
  KDREC_FIGURES="$(cd "$KDREC_FIGURES" && pwd)"
  export KDREC_FIGURES
fi

# cpu_mark sets CPU to the user+system CPU seconds of this shell's finished
# children (bash's `times`, second line; `times` must run in this shell, not
# in a command substitution).
times_file="$(mktemp)"
trap 'rm -f "$times_file"' EXIT
cpu_mark() {
  times >"$times_file"
  CPU=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.1f", 60*u[1] + u[2] + 60*s[1] + s[2] }' "$times_file")
}

since=$(date +%s)
total=$SECONDS
for n in "${names[@]}"; do
  nb_log "execute $n ($mode mode$([ $render -eq 1 ] && echo ", render")) -> $out/$n.ipynb"
  t=$SECONDS
  cpu_mark
  cpu0=$CPU
  # --allow-errors: always write the executed notebook; the checker decides.
  # record_timing off: no timestamps in the rendered copies.
  # The kernel and every cell are children of nbconvert, so their CPU time
  # is counted when they exit (cpu_mark).
  (cd "$nbdir" && jupyter nbconvert --to notebook --execute --allow-errors \
    --ExecutePreprocessor.timeout="$timeout" \
    --ExecutePreprocessor.kernel_name=gonb \
    --ExecutePreprocessor.record_timing=False \
    --output-dir "$out" --output "$n" "$n.ipynb" 2>"$out/$n.nbconvert.log") || {
    echo "run-notebooks: nbconvert failed on $n:" >&2
    tail -n 30 "$out/$n.nbconvert.log" >&2
    exit 1
  }
  if [ $html -eq 1 ]; then
    jupyter nbconvert --to html --output-dir "$out" "$out/$n.ipynb" 2>>"$out/$n.nbconvert.log"
  fi
  cpu_mark
  nb_log "executed $n in $((SECONDS - t))s ($(awk -v a="$cpu0" -v b="$CPU" 'BEGIN{printf "%.0f", b-a}')s of CPU, compilation included)"
done
rm -f "$out"/*.nbconvert.log

checks='TestExecutedNotebooks|TestRenderedNotebooks|TestChapterNotebooks|TestChapterStructure'
if [ $render -eq 1 ] && [ $mode = ledger ]; then
  nb_log "gallery: docs/figures.md from docs/figures"
  (cd "$KDREC_ROOT" && go run ./notebooks/gallery)
  checks="$checks|TestGallery"
fi
nb_log "check outputs and figures"
(cd "$KDREC_ROOT" && KDREC_NB_EXECUTED="$out" KDREC_NB_SINCE="$since" KDREC_NB_ONLY="${names[*]}" \
  go test -count=1 -run "$checks" -v ./notebooks/ 2>&1 |
  grep -v '^=== RUN' )
nb_log "notebooks ok: ${names[*]} in $((SECONDS - total))s"
