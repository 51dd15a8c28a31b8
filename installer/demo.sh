#!/usr/bin/env bash
# README command (1): install, then start the app on the built-in demo marketplace.
# Without a display (a server, a container, CI) the app runs on a virtual X screen, performs
# one demo search end to end, and saves what it showed to demo-screenshot.png.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
headless=0
if [[ "$(uname -s)" == "Linux" && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  headless=1
fi
if ((headless)); then
  installer/bootstrap.sh --xvfb
else
  installer/bootstrap.sh
fi
.venv/bin/python installer/build_translations.py
if ((headless)); then
  shot="$PWD/demo-screenshot.png"
  echo "No display found: running the app on a virtual screen (Xvfb)."
  xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/vvic-desktop --demo --self-test "$shot" "$@"
  echo "The app searched the demo marketplace; its window is saved in $shot"
  echo "== the same search from the command line:"
  .venv/bin/vvic search --demo resources/samples/dress-photo.jpg --crop 270,440,620,900
else
  exec .venv/bin/vvic-desktop --demo "$@"
fi
