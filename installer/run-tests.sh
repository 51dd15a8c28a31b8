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
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
