#!/usr/bin/env bash
# The test suite: set up everything (venv, Docker and Podman engines, base images), then run
# pytest. Extra arguments go to pytest (e.g. -k writer, -x); LITECODER_ENGINES=docker skips
# Podman's set-up (then deselect its tests: -m "not podman").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LITECODER_ENGINES="${LITECODER_ENGINES:-docker,podman}"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec "$VENV/bin/pytest" "$@"
