#!/usr/bin/env bash
# The test suite: set up everything (venv, Docker engine, base images), then run pytest.
# Extra arguments go to pytest (e.g. -k writer, -x).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec "$VENV/bin/pytest" "$@"
