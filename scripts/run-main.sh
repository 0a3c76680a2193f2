#!/usr/bin/env bash
# The main job: set up everything, generate a small task set and prove each task by execution
# (oracle must score 1, nop must score 0), printing a summary table. Extra arguments go to
# `litecoder gen` (e.g. --n 10 --seed 3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec "$VENV/bin/litecoder" gen --backend template --n 3 --seed 0 --out tasks --validate "$@"
