#!/usr/bin/env bash
# The main job: set up everything, then run the whole flywheel offline into runs/main/:
# generate template tasks over several domains (two families held out), prove each by execution,
# collect scripted-teacher trajectories under Terminus-2 and Claude Code (k=2), curate SFT,
# preference, world-model and RL-environment datasets, train the tiny Qwen3 with SFT then DMPO,
# and evaluate base vs trained on the held-out families (k=2). Prints the wall time of each
# stage, a summary table, and where the HTML report is. Rerunning resumes (finished stages are
# skipped). Extra arguments go to `litecoder flywheel` (e.g. --out runs/other --n 10).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec "$VENV/bin/litecoder" flywheel --out runs/main "$@"
