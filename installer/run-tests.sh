#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, types (mypy on the Qt-free layers), then every
# test, headless (Qt offscreen).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
installer/bootstrap.sh --test
.venv/bin/python installer/build_translations.py
export QT_QPA_PLATFORM=offscreen
unset DISPLAY WAYLAND_DISPLAY
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (core, markets, storage)"
.venv/bin/mypy vvic_desktop/core vvic_desktop/markets vvic_desktop/storage
echo "== pytest"
# If pytest dies of a signal (a crash in native code), say in the last lines which test was
# running and where each thread was (tests/conftest.py writes both; CI shows only the tail).
trace=$(mktemp) faults=$(mktemp)
trap 'rm -f "$trace" "$faults"' EXIT
rc=0
VVIC_TEST_TRACE=$trace VVIC_FAULT_LOG=$faults \
  .venv/bin/python -m pytest -q -p no:cacheprovider -p no:faulthandler "$@" || rc=$?
if ((rc > 128)); then
  echo "== pytest died of signal $((rc - 128)); the crashing thread's innermost frames:"
  grep -A8 '^Current thread' "$faults" | grep -E '^(Current thread|  File )' || true
  echo "== every thread's stack, the project's frames only:"
  grep -E '^(Current thread|Thread 0x)|^  File ".*/(vvic_desktop|tests)/' "$faults" | head -60 || true
  echo "== pytest died of signal $((rc - 128)) while running: $(cat "$trace")"
fi
exit "$rc"
