#!/usr/bin/env bash
# Installs what vvic-desktop needs on this machine into ./.venv, and on Debian/Ubuntu the
# system libraries Qt needs plus a CJK font. Safe to run again: it installs only what is missing.
#
#   installer/bootstrap.sh            the app (Qt runtime for a real desktop)
#   installer/bootstrap.sh --test     the app, the test tools, and Xvfb for screenshot tests
#   installer/bootstrap.sh --xvfb     the app and Xvfb (to run it on a machine with no display)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=app
want_xvfb=0
for arg in "$@"; do
  case "$arg" in
    --test) mode=test; want_xvfb=1 ;;
    --xvfb) want_xvfb=1 ;;
  esac
done

# Qt offscreen/xcb runtime libraries and a CJK font (without it Chinese renders as boxes).
qt_runtime="libglib2.0-0 libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6
 libxkbcommon0 fonts-wqy-microhei"
qt_xcb="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1
 libxkbcommon-x11-0 libxcb-image0 libxcb-render-util0"
x_server="xvfb xauth"

python_bin=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python_bin=$(command -v "$candidate"); break
  fi
done
if [[ -z "$python_bin" ]]; then
  echo "error: vvic-desktop needs Python 3.11 or newer (python3.11 not found)" >&2
  exit 2
fi

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "warning: please install with your package manager: ${missing[*]}" >&2
      return 0
    fi
  fi
  echo "installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

if [[ "$(uname -s)" == "Linux" ]] && command -v apt-get >/dev/null 2>&1; then
  pkgs="$qt_runtime $qt_xcb"
  ((want_xvfb)) && pkgs="$pkgs $x_server"
  # Debian's python3 ships without venv/ensurepip until python3-venv is installed.
  if ! "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    version=$("$python_bin" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    pkgs="$pkgs python${version}-venv"
  fi
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  apt_install $pkgs
fi

if [[ ! -x .venv/bin/python ]]; then
  "$python_bin" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
if [[ $mode == test ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
