#!/bin/bash
# Reference solution: read the WAV header by hand to see the format, decode the PCM samples
# to full scale, detect tones with a Blackman-Harris windowed, zero-padded FFT (its low
# sidelobes keep weak tones visible next to strong ones) and refine them by least squares.
set -euo pipefail
in=@INPUT@
out=@OUT@
ls -l "$in"
stat -c '%s' "$in" | numfmt --to=iec --suffix=B
# the data chunk tag must follow the 36-byte RIFF/fmt header
dd if="$in" bs=1 skip=36 count=4 status=none; echo
# RIFF header: format tag, channels, sample rate, bits per sample
od -A d -t x1 -N 44 "$in"
echo "channels: $(od -A n -t u2 -j 22 -N 2 "$in")  rate: $(od -A n -t u4 -j 24 -N 4 "$in")  bits: $(od -A n -t u2 -j 34 -N 2 "$in")"
rate=$(od -A n -t u4 -j 24 -N 4 "$in" | tr -d ' ')
# the FFT length matters for speed: look at the prime factors of the sample count
bytes=$(od -A n -t u4 -j 40 -N 4 "$in" | tr -d ' ')
factor $((bytes / 2))
mkdir -p "$(dirname "$out")"
cat > /tmp/analyse.py <<'PY'
@ANALYSE@
PY
cat > /tmp/tones_wav.py <<'PY'
import json, sys, wave
import numpy as np
sys.path.insert(0, "/tmp")
from analyse import analyse

path, out, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
with wave.open(path) as w:
    fs, n, width = w.getframerate(), w.getnframes(), w.getsampwidth()
    raw = w.readframes(n)
assert width == 2
x = np.frombuffer(raw, dtype="<i2").astype(float) / 32768
tones, _ = analyse(x, fs, threshold)
report = {"sample_rate": fs, "n_samples": n,
          "tones": [{"frequency_hz": f, "amplitude": a} for f, a in tones]}
json.dump(report, open(out, "w"), indent=2)
print(json.dumps(report, indent=2))
PY
python3 /tmp/tones_wav.py "$in" "$out" @THRESHOLD@
grep -q "\"sample_rate\": $rate" "$out" && echo "sample rate $rate Hz recorded"
