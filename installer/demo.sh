#!/usr/bin/env bash
# README command (1): install, then search the built-in demo marketplace with a sample photo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
installer/bootstrap.sh
sample=resources/samples/dress-photo.jpg
echo "== vvic search --demo $sample"
.venv/bin/vvic search --demo "$sample" "$@"
