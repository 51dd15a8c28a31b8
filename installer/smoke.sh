#!/usr/bin/env bash
# Builds the Linux bundle and proves it runs: bootstrap (.venv, Qt runtime libraries, a CJK
# font), PyInstaller from the `build` extra, then `installer/build.py`, which freezes the app
# into dist/vvic-desktop/, packs dist/vvic-desktop-<version>-linux-<arch>.tar.gz and fails
# unless the frozen `vvic-desktop --self-test` (offscreen, temp data dir) exits 0 with a
# screenshot (dist/self-test.png). Works on a fresh Debian 12 with Python 3.11.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

installer/bootstrap.sh

# PyInstaller reads shared-library dependencies with objdump/ldd (binutils, libc-bin).
if [[ "$(uname -s)" == "Linux" ]] && ! command -v objdump >/dev/null 2>&1; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing system packages: binutils"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    binutils >/dev/null
fi

.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[build]"
unset DISPLAY WAYLAND_DISPLAY
exec .venv/bin/python installer/build.py "$@"
