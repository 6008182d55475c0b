#!/usr/bin/env bash
# Installs kdrec's notebook kit on a Debian (bookworm) machine:
#   1. Jupyter from Debian's packages (jupyter-notebook, jupyter-nbconvert);
#   2. the GoNB kernel, goimports and gopls, built from the tools modules
#      under tools/ (exact versions pinned by their go.mod/go.sum; only the
#      Go module proxy is used, no `go install …@latest`);
#   3. the kernelspec "gonb" in $JUPYTER_DATA_DIR, with PATH set so the kernel
#      finds go, goimports and gopls.
#
# Run as root or as a user with sudo (for apt-get only). Idempotent: a second
# run checks the packages, the binaries' stamps and the kernelspec and
# returns in about a second. See scripts/nb-env.sh for the variables.
set -euo pipefail
source "$(dirname "$0")/nb-env.sh"

start=$SECONDS

# --- 1. Jupyter (Debian packages) ----------------------------------------
pkgs=(jupyter-notebook jupyter-nbconvert)
missing=()
for p in "${pkgs[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-notebooks: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  nb_log "apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  nb_log "jupyter: Debian packages already installed"
fi
command -v jupyter >/dev/null || { echo "install-notebooks: jupyter not on PATH after install" >&2; exit 1; }

# --- 2. gonb, goimports, gopls (tools modules) ---------------------------
command -v go >/dev/null || { echo "install-notebooks: go not on PATH (Go 1.26 is required)" >&2; exit 1; }
mkdir -p "$KDREC_NB_BIN"
goversion="$(go env GOVERSION)"

# build_tool NAME PACKAGE: builds PACKAGE from tools/NAME into $KDREC_NB_BIN/NAME
# unless the binary's stamp (hash of go.mod, go.sum and the Go version) is current.
build_tool() {
  local name=$1 pkg=$2 dir="$KDREC_ROOT/tools/$1"
  local stamp
  stamp="$(cat "$dir/go.mod" "$dir/go.sum" <(echo "$goversion") | sha256sum | cut -c1-16)"
  if [ -x "$KDREC_NB_BIN/$name" ] && [ "$(cat "$KDREC_NB_BIN/.$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    nb_log "$name: up to date"
    return
  fi
  nb_log "$name: building $pkg (tools/$name)"
  local t=$SECONDS
  (cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -o "$KDREC_NB_BIN/.$name.tmp" "$pkg")
  mv -f "$KDREC_NB_BIN/.$name.tmp" "$KDREC_NB_BIN/$name"
  echo "$stamp" >"$KDREC_NB_BIN/.$name.stamp"
  nb_log "$name: built in $((SECONDS - t))s"
}
build_tool goimports golang.org/x/tools/cmd/goimports
build_tool gopls golang.org/x/tools/gopls
build_tool gonb github.com/janpfeifer/gonb

# --- 3. kernelspec -------------------------------------------------------
kdir="$JUPYTER_DATA_DIR/kernels/gonb"
# ${PATH} is filled in by jupyter_client (>= 7) from the server's environment.
kpath="$KDREC_NB_BIN:$(dirname "$(command -v go)"):\${PATH}"
if [ -f "$kdir/kernel.json" ] && cmp -s "$kdir/gonb" "$KDREC_NB_BIN/gonb" &&
  grep -qF "\"PATH\": \"$kpath\"" "$kdir/kernel.json"; then
  nb_log "kernel: gonb already registered in $kdir"
else
  nb_log "kernel: registering gonb in $kdir"
  # By path: --force_copy copies argv[0] next to kernel.json.
  "$KDREC_NB_BIN/gonb" --install --force_copy --raw_error
  rm -f "$kdir/gonb~"
  # The kernel runs go, goimports and gopls at run time: give it a PATH that
  # has them, whatever PATH the Jupyter server was started with.
  KPATH="$kpath" python3 - "$kdir/kernel.json" <<'PY'
import json, os, sys
p = sys.argv[1]
with open(p) as f:
    spec = json.load(f)
spec.setdefault("env", {})["PATH"] = os.environ["KPATH"]
with open(p, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
PY
fi

nb_log "notebook kit ready in $((SECONDS - start))s: nbconvert $(dpkg-query -W -f='${Version}' jupyter-nbconvert 2>/dev/null || echo '?'), kernel $kdir"
cat >&2 <<MSG
To open the notebooks:
  export PATH="$KDREC_NB_BIN:\$PATH" JUPYTER_DATA_DIR="$JUPYTER_DATA_DIR"
  jupyter notebook "$KDREC_ROOT/notebooks"
MSG
