# shellcheck shell=bash
# Common settings of the notebook scripts; sourced, not run.
#
#   KDREC_NB_HOME     where the notebook kit lives (default $HOME/.local/kdrec-nb)
#   KDREC_NB_BIN      gonb, goimports and gopls binaries (default $KDREC_NB_HOME/bin)
#   JUPYTER_DATA_DIR  where the gonb kernelspec is registered (default: the
#                     user's standard Jupyter data directory, so a plain
#                     `jupyter notebook` finds the kernel)
#
# After sourcing, PATH starts with $KDREC_NB_BIN and JUPYTER_DATA_DIR is exported.

HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
export HOME
KDREC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KDREC_NB_HOME="${KDREC_NB_HOME:-$HOME/.local/kdrec-nb}"
KDREC_NB_BIN="${KDREC_NB_BIN:-$KDREC_NB_HOME/bin}"
JUPYTER_DATA_DIR="${JUPYTER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/jupyter}"
export KDREC_ROOT KDREC_NB_HOME KDREC_NB_BIN JUPYTER_DATA_DIR
case ":$PATH:" in
*":$KDREC_NB_BIN:"*) ;;
*) PATH="$KDREC_NB_BIN:$PATH" ;;
esac
export PATH

# nb_log prints a timestamped progress line on stderr.
nb_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
