#!/bin/bash
# Reference solution: recover the sampling rate from the time column, then detect the tones
# with a windowed FFT and measure them by least squares (offset included).
set -euo pipefail
in=@INPUT@
out=@OUT@
ls -l "$in"
head -n 4 "$in"
echo "samples: $(($(wc -l < "$in") - 1))"
# sampling interval from the first two time stamps
dt=$(sed -n '2,3p' "$in" | cut -d, -f1 | paste -s -d' ' | awk '{printf "%.9f", $2 - $1}')
fs=$(echo "scale=6; 1 / $dt" | bc -l)
echo "dt = $dt s, fs = $fs Hz"
# the value range hints at the offset and the largest amplitudes
tail -n +2 "$in" | cut -d, -f2 | sort -g | sed -n '1p;$p'
mkdir -p "$(dirname "$out")"
cat > /tmp/analyse.py <<'PY'
@ANALYSE@
PY
cat > /tmp/tones_csv.py <<'PY'
import json, sys
import numpy as np
sys.path.insert(0, "/tmp")
from analyse import analyse

path, out, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = np.loadtxt(path, delimiter=",", skiprows=1)
t, x = data[:, 0], data[:, 1]
fs = 1 / np.median(np.diff(t))
tones, offset = analyse(x, fs, threshold)
report = {"dc_offset": float(offset),
          "tones": [{"frequency_hz": f, "amplitude": a} for f, a in tones]}
json.dump(report, open(out, "w"), indent=2)
print(json.dumps(report, indent=2))
PY
python3 /tmp/tones_csv.py "$in" "$out" @THRESHOLD@
