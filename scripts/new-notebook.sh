#!/usr/bin/env bash
# Starts a chapter notebook from the template (notebooks/ch0-bpr-baselines.ipynb):
#
#   scripts/new-notebook.sh ch3-rrd "Chapter 3 — RRD: relaxed ranking distillation"
#
# writes notebooks/ch3-rrd.ipynb: the template with the title replaced, its
# figures and tables renamed ch0-… -> ch3-rrd-… (the whole notebook name, so
# ch1-de and ch1-phr do not share figure names; in the code and in
# metadata.kdrec) and no outputs. Then edit the experiment and run
# scripts/run-notebooks.sh ch3-rrd (see docs/notebooks.md).
set -euo pipefail
source "$(dirname "$0")/nb-env.sh"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
name="${1%.ipynb}"
title="${2:-$name}"
case "$name" in
*/* | "" | .*) echo "new-notebook: give a file name like ch3-rrd, not a path" >&2; exit 2 ;;
esac
src="$KDREC_ROOT/notebooks/ch0-bpr-baselines.ipynb"
dst="$KDREC_ROOT/notebooks/$name.ipynb"
[ -e "$dst" ] && { echo "new-notebook: $dst exists" >&2; exit 1; }
prefix="$name"
python3 - "$src" "$dst" "$prefix" "$title" <<'PY'
import json, sys
src, dst, prefix, title = sys.argv[1:]
nb = json.load(open(src))
def text(c):
    s = c["source"]
    return "".join(s) if isinstance(s, list) else s
def lines(s):
    parts = s.split("\n")
    return [p + "\n" for p in parts[:-1]] + [parts[-1]]
for k, c in enumerate(nb["cells"]):
    s = text(c).replace('"ch0-', '"' + prefix + '-')
    if c["cell_type"] == "markdown" and s.startswith("# "):
        s = "# " + title + s[s.index("\n"):] if "\n" in s else "# " + title
    c["source"] = lines(s)
    c["id"] = f"{prefix[:24]}-{k:02d}"
    if c["cell_type"] == "code":
        c["outputs"], c["execution_count"] = [], None
for key in ("figures", "tables"):
    if key in nb["metadata"]["kdrec"]:
        nb["metadata"]["kdrec"][key] = [f.replace("ch0-", prefix + "-", 1) for f in nb["metadata"]["kdrec"][key]]
with open(dst, "w") as f:
    json.dump(nb, f, indent=1, ensure_ascii=False)
    f.write("\n")
PY
echo "wrote $dst (figures: $(python3 -c 'import json,sys;print(", ".join(json.load(open(sys.argv[1]))["metadata"]["kdrec"]["figures"]))' "$dst"))"
