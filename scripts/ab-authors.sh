#!/usr/bin/env bash
# A/B of kdrec against the authors' PyTorch code, operation by operation, on
# the same data, teacher and sizes (CiteULike-t): the ratios of issue 25 and
# HetComp's epoch cost (issue 21). See docs/scale.md, "A/B against the
# authors' code". Measure on an idle machine; the script measures how many
# cores other processes used during each measured process (/proc/stat's busy
# time minus the process's own CPU time) and warns when that exceeds 0.1;
# it prints the load averages too (which its own threads raise).
#
#   KDREC_AB_DE_RRD=/path/DE-RRD_CIKM20 KDREC_AB_IR_RRD=/path/IR-RRD_INS21 \
#   KDREC_AB_TD=/path/Topology_Distillation_KDD21 KDREC_AB_HETCOMP=/path/HetComp_WWW23 \
#   scripts/ab-authors.sh --record results/ab
#
# Options (each also settable by the environment variable in brackets):
#   --de-rrd DIR, --ir-rrd DIR, --td DIR, --hetcomp DIR   checkouts of
#                  SeongKu-Kang/DE-RRD_CIKM20, IR-RRD_INS21,
#                  Topology_Distillation_KDD21 and HetComp_WWW23 (KDREC_AB_DE_RRD,
#                  KDREC_AB_IR_RRD, KDREC_AB_TD, KDREC_AB_HETCOMP); only those
#                  the chosen operations read are needed. The script reads
#                  them; it downloads nothing and changes nothing in them.
#   --reps N       rounds per operation, alternated authors/kdrec (default 5)
#   --ops LIST     comma-separated subset of: teacher,student,de,htd,ftd,rrd,
#                  irrrd,loo,full,hetcomp1,hetcomp2,hetcomp-student (default all)
#   --threads N    threads per side: torch.set_num_threads and
#                  OMP/OPENBLAS_NUM_THREADS, GOMAXPROCS (default 2)
#   --record DIR   also write the measurements to DIR/<date>-<host>.json
#                  (results/ab: the committed A/B records that `kdsweep report`
#                  renders into docs/scale.md; an existing file is never
#                  overwritten)
#   --work DIR     where the binaries, the exported data and the raw JSON go
#                  (KDREC_AB_WORK; default a new /tmp/kdrec-ab.XXXXXX)
#   --python PATH  the Python with torch and numpy (KDREC_AB_PYTHON; default
#                  /usr/bin/python3, Debian's python3-torch and python3-numpy)
#   --check        wiring check only: the harness's unit tests
#                  (scripts/ab/test_ab.py), every operation of the authors' side
#                  on 2 batches, every kdrec benchmark present; no timing
#   --any-blas     run even when torch's BLAS is the reference one (the
#                  authors' products are then an order of magnitude slower than with
#                  OpenBLAS, which the earlier measurements used)
#
# Dependencies: Go; python3 with torch 1.13 and numpy (apt-get install
# python3-torch; scripts/install-numpy.sh); libopenblas0-pthread as the
# system BLAS (apt-get install libopenblas0-pthread). A round of all
# operations but the HetComp ones takes of the order of a quarter of an
# hour, most of it the authors' DE, HTD and IR-RRD epochs and IR-RRD's
# set-up; the authors' HetComp processes add the set-up of their dense
# importance matrices (several GB of memory each) and long epochs.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

de_rrd="${KDREC_AB_DE_RRD:-}" ir_rrd="${KDREC_AB_IR_RRD:-}" td="${KDREC_AB_TD:-}" hetcomp="${KDREC_AB_HETCOMP:-}"
reps=5 ops="" record="" threads=2 work="${KDREC_AB_WORK:-}" python="${KDREC_AB_PYTHON:-/usr/bin/python3}"
check=0 anyblas=0
die() { echo "ab-authors: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --de-rrd) de_rrd="$2"; shift 2 ;;
    --ir-rrd) ir_rrd="$2"; shift 2 ;;
    --td) td="$2"; shift 2 ;;
    --hetcomp) hetcomp="$2"; shift 2 ;;
    --record) record="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --ops) ops="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --check) check=1; shift ;;
    --any-blas) anyblas=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "--reps: want a positive integer, got '$reps'"
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || die "--threads: want a positive integer, got '$threads'"

# --- dependencies ---
command -v go >/dev/null || die "go not found on PATH"
[ -x "$python" ] || die "python '$python' not found (set --python or KDREC_AB_PYTHON)"
"$python" -c 'import numpy' 2>/dev/null || die "$python: no numpy (scripts/install-numpy.sh)"
"$python" -c 'import torch' 2>/dev/null || die "$python: no torch (apt-get install python3-torch)"
blas="$("$python" - <<'EOF'
import os, torch
torch.ones(2, 2) @ torch.ones(2, 2)
libs = set()
for line in open("/proc/self/maps"):
    p = line.split()[-1]
    if "blas" in os.path.basename(p).lower():
        libs.add(os.path.realpath(p))
print(",".join(sorted(libs)) or "none")
EOF
)"
if [[ "$blas" != *openblas* && "$blas" != *mkl* ]]; then
  msg="torch's BLAS is '$blas', not OpenBLAS (apt-get install libopenblas0-pthread)"
  [ "$anyblas" = 1 ] && echo "ab-authors: warning: $msg" >&2 || die "$msg; --any-blas runs anyway"
fi
need() { # need DIR LABEL FILE...
  local dir="$1" label="$2"; shift 2
  [ -n "$dir" ] || die "no checkout of $label: give --${label%%:*} DIR or its environment variable"
  [ -d "$dir" ] || die "$label: '$dir' is not a directory"
  for f in "$@"; do [ -f "$dir/$f" ] || die "$label: '$dir' has no $f (not a checkout of ${label#*: }?)"; done
}
all_ops=teacher,student,de,htd,ftd,rrd,irrrd,loo,full,hetcomp1,hetcomp2,hetcomp-student
uses() { # uses OP...: whether the chosen operations include one of OP
  local o
  for o in "$@"; do [[ ",${ops:-$all_ops}," == *",$o,"* ]] && return 0; done
  return 1
}
checkouts=()
if uses teacher student de rrd irrrd loo hetcomp-student; then
  need "$de_rrd" "de-rrd: SeongKu-Kang/DE-RRD_CIKM20" run.py Models/BPR.py Models/DE.py Utils/dataset.py Utils/evaluation.py Utils/loss.py Utils/data_utils.py
  checkouts+=(--de-rrd "$(cd "$de_rrd" && pwd)")
fi
if uses irrrd; then
  need "$ir_rrd" "ir-rrd: SeongKu-Kang/IR-RRD_INS21" Models/BPR.py Utils/dataset.py Utils/loss.py Utils/evaluation.py Utils/data_utils.py
  checkouts+=(--ir-rrd "$(cd "$ir_rrd" && pwd)")
fi
if uses htd ftd full; then
  need "$td" "td: SeongKu-Kang/Topology_Distillation_KDD21" model.py run.py utils.py
  checkouts+=(--td "$(cd "$td" && pwd)")
fi
if uses hetcomp1 hetcomp2; then
  need "$hetcomp" "hetcomp: SeongKu-Kang/HetComp_WWW23" main.py Models/HetComp.py Utils/data_utils.py Utils/dataloader.py Utils/evaluation.py
  checkouts+=(--hetcomp "$(cd "$hetcomp" && pwd)")
fi
if [ -n "$record" ]; then
  [ -d "$record" ] || die "--record: '$record' is not a directory"
  record="$(cd "$record" && pwd)"
fi

# --- binaries and data ---
[ -n "$work" ] || work="$(mktemp -d /tmp/kdrec-ab.XXXXXX)"
mkdir -p "$work/bin" "$work/data"
echo "ab-authors: building into $work/bin" >&2
(cd "$repo" && go build -o "$work/bin/export" ./scripts/ab/export)
for pkg in train distill exp; do
  (cd "$repo" && go test -c -o "$work/bin/$pkg.test" "./kdlib/$pkg")
done
"$work/bin/export" -out "$work/data" >&2

rev="$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(cd "$repo" && git status --porcelain --untracked-files=no 2>/dev/null)" ]; then rev="$rev+changes"; fi
args=(--repo "$repo" --bin "$work/bin" --data "$work/data" --python "$python"
      "${checkouts[@]}" --reps "$reps" --threads "$threads"
      --go-version "$(go version)" --revision "$rev")
[ -n "$ops" ] && args+=(--ops "$ops")
[ -n "$record" ] && [ "$check" = 0 ] && args+=(--record "$record")
if [ "$check" = 1 ]; then
  "$python" -m unittest discover -s "$repo/scripts/ab" -p 'test_*.py'
  exec "$python" "$repo/scripts/ab/ab.py" "${args[@]}" --check
fi
exec "$python" "$repo/scripts/ab/ab.py" "${args[@]}" --out "$work/ab-$(date -u +%Y%m%dT%H%M%SZ).json"
