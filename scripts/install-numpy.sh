#!/usr/bin/env bash
# Installs Debian's python3-numpy through apt: kdlib/interop's
# TestPythonRoundTrip reads kdrec's .npy exports with numpy, writes modified
# copies and imports them again. Run as root or as a user with sudo (for
# apt-get only). Idempotent: when the package is installed it returns at
# once. The test finds numpy with /usr/bin/python3 even when another
# python3 (pyenv, a virtualenv) comes first on PATH.
set -euo pipefail

pkg=python3-numpy
if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-numpy: need root or sudo to install $pkg" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "install-numpy: apt-get install $pkg"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
fi
/usr/bin/python3 -c 'import numpy; print("install-numpy: numpy", numpy.__version__, "for /usr/bin/python3")'
