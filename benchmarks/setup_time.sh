#!/usr/bin/env bash
# Wall time of scripts/setup.sh when everything is already in place (the "second run" of either
# README command). Run it after one full set-up; prints each run and the median.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=${1:-5}
times_ms=()
for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    bash -c "source '$ROOT/scripts/setup.sh'" >/dev/null
    times_ms+=($(( ($(date +%s%N) - start) / 1000000 )))
    echo "setup: ${times_ms[-1]} ms"
done
median=$(printf '%s\n' "${times_ms[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
echo "median of $runs runs: $median ms"
