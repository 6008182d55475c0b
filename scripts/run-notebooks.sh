#!/usr/bin/env bash
# Executes kdrec's notebooks headless and checks them.
#
#   scripts/run-notebooks.sh [--full | --render [--quick]] [--html] [NAME...]
#
# NAME is a notebook of notebooks/ without .ipynb (default: all of them).
# Each one runs under `jupyter nbconvert --execute --allow-errors` (so an
# executed copy is always written), then the Go checker
# (go test ./notebooks -run TestExecutedNotebooks) fails on any failed cell
# or missing/invalid figure. nbconvert's own exit status says nothing about
# failed cells; the checker does.
#
#   (default)  reduced scale (KDREC_QUICK=1); executed copies in
#              $KDREC_NB_OUT (default ${TMPDIR:-/tmp}/kdrec-nb-out), figures in
#              notebooks/figures (or $KDREC_FIGURES), both ignored by git.
#   --full     full scale, same places.
#   --render   full scale, commit-ready: executed copies in notebooks/rendered/,
#              figures in notebooks/rendered/figures/ (this is the one command
#              that rebuilds the rendered notebooks).
#   --render --quick
#              the same at reduced scale (KDREC_QUICK=1), for notebooks whose
#              full scale takes hours: each such notebook says in its output
#              that its numbers are not results.
#   --html     also write an HTML page per executed notebook.
#
# Needs scripts/install-notebooks.sh to have run. Per-cell timeout:
# NB_TIMEOUT seconds (default 1200 at reduced scale, 10800 at full scale).
# Full scale is the scale of docs/reproduction.md; KDREC_REFERENCE=1 in the
# environment selects the dissertation's longer protocol (see docs/notebooks.md),
# with no per-cell timeout unless NB_TIMEOUT is set.
set -euo pipefail
source "$(dirname "$0")/nb-env.sh"

mode=quick html=0 reduced=0 names=()
for a in "$@"; do
  case "$a" in
  --full) mode=full ;;
  --render) mode=render ;;
  --quick) reduced=1 ;;
  --html) html=1 ;;
  -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
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
if [ $reduced -eq 1 ] && [ $mode != render ]; then
  echo "run-notebooks: --quick goes with --render (the default is already reduced scale)" >&2
  exit 2
fi

if ! command -v jupyter >/dev/null || [ ! -f "$JUPYTER_DATA_DIR/kernels/gonb/kernel.json" ]; then
  echo "run-notebooks: Jupyter or the gonb kernel is missing: run scripts/install-notebooks.sh" >&2
  exit 1
fi

case $mode in
quick)
  export KDREC_QUICK=1
  out="${KDREC_NB_OUT:-${TMPDIR:-/tmp}/kdrec-nb-out}"
  timeout="${NB_TIMEOUT:-1200}"
  ;;
full)
  unset KDREC_QUICK
  out="${KDREC_NB_OUT:-${TMPDIR:-/tmp}/kdrec-nb-out}"
  timeout="${NB_TIMEOUT:-10800}"
  ;;
render)
  if [ $reduced -eq 1 ]; then export KDREC_QUICK=1; else unset KDREC_QUICK; fi
  out="$nbdir/rendered"
  export KDREC_FIGURES="$nbdir/rendered/figures"
  timeout="${NB_TIMEOUT:-$([ $reduced -eq 1 ] && echo 1200 || echo 10800)}"
  ;;
esac
# The dissertation's protocol at full scale: one cell (ch3-rrd's table) can
# train for a day, so no per-cell limit unless NB_TIMEOUT sets one.
if [ -z "${KDREC_QUICK:-}" ] && [ -n "${KDREC_REFERENCE:-}" ] && [ "${KDREC_REFERENCE}" != 0 ] && [ -z "${NB_TIMEOUT:-}" ]; then
  timeout=-1
fi
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
  nb_log "execute $n ($([ $reduced -eq 1 ] && echo "render, reduced" || echo $mode) scale) -> $out/$n.ipynb"
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

nb_log "check outputs and figures"
(cd "$KDREC_ROOT" && KDREC_NB_EXECUTED="$out" KDREC_NB_SINCE="$since" KDREC_NB_ONLY="${names[*]}" \
  go test -count=1 -run 'TestExecutedNotebooks|TestRenderedNotebooks|TestChapterNotebooks' -v ./notebooks/ 2>&1 |
  grep -v '^=== RUN' )
nb_log "notebooks ok: ${names[*]} in $((SECONDS - total))s"
