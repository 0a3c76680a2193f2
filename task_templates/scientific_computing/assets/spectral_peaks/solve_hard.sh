#!/bin/bash
# Reference solution: read the site notes for the mains frequency, survey every WAV header
# (encodings differ), decode each channel to full scale (8-bit is unsigned, 24-bit has to be
# unpacked by hand), analyse it, and drop the hum lines before writing the report.
set -euo pipefail
dir=@DIR@
out=@OUT@
ls -la "$dir"
realpath "$dir"
du -h "$dir"/*.wav
cat "$dir/@NOTES@"
mains=$(grep -i 'mains' "$dir/@NOTES@" | grep -oE '[0-9]+' | head -n 1)
hum=$(seq -s ' ' "$mains" "$mains" 600)
echo "mains = $mains Hz; hum lines (and beyond): $hum"
find "$dir" -name '*.wav' -print0 | sort -z | xargs -0 -n 1 sh -c \
    'echo "$0: channels=$(od -A n -t u2 -j 22 -N 2 "$0") rate=$(od -A n -t u4 -j 24 -N 4 "$0") bits=$(od -A n -t u2 -j 34 -N 2 "$0")"'
mkdir -p "$(dirname "$out")"
cat > /tmp/analyse.py <<'PY'
@ANALYSE@
PY
cat > /tmp/tones_dir.py <<'PY'
import glob, json, os, sys, wave
import numpy as np
sys.path.insert(0, "/tmp")
from analyse import analyse

folder, out, threshold, mains = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])


def decode(raw, width):
    b = np.frombuffer(raw, dtype=np.uint8)
    if width == 1:
        return (b.astype(float) - 128) / 128
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(float) / 32768
    b = b.reshape(-1, 3).astype(np.int32)
    v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
    v = np.where(v >= 1 << 23, v - (1 << 24), v)
    return v.astype(float) / 8388608


report = {}
for path in sorted(glob.glob(os.path.join(folder, "*.wav"))):
    with wave.open(path) as w:
        fs, n, width, nch = w.getframerate(), w.getnframes(), w.getsampwidth(), w.getnchannels()
        samples = decode(w.readframes(n), width).reshape(n, nch)
    channels = []
    for c in range(nch):
        tones, _ = analyse(samples[:, c], fs, threshold)
        keep = [(f, a) for f, a in tones if abs(f - mains * round(f / mains)) > 1.0]
        channels.append([{"frequency_hz": f, "amplitude": a} for f, a in keep])
        print(f"{os.path.basename(path)} ch{c}: {len(tones)} tones, {len(tones) - len(keep)} hum")
    report[os.path.basename(path)] = {"sample_rate": fs, "channels": channels}
json.dump(report, open(out, "w"), indent=2)
PY
python3 /tmp/tones_dir.py "$dir" "$out" @THRESHOLD@ "$mains" | tee /tmp/analysis.log
head -c 800 "$out"
