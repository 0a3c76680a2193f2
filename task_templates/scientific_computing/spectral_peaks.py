"""Find the sinusoidal tones in sampled signals: their frequencies and amplitudes.

The generator synthesises each signal from tones it draws (so the truth is the tone list
itself), adds white noise, and writes the samples as a CSV (easy), a 16-bit mono WAV (medium)
or a folder of WAV files in mixed encodings — 8-bit unsigned, 16-bit and 24-bit signed, mono
and stereo — with mains hum to be left out (hard). Easy tones sit exactly on FFT bins; from
medium on they fall between bins and weak tones sit near strong ones, so a plain rectangular
FFT read at the nearest bin misses the weak tones or gets amplitudes wrong by up to a third;
windowing plus interpolation or a least-squares refinement is needed for the 2% tolerance.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import wave

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain
from litecoder_harbor.tasks.model import TaskFile

DIRS = ["/app/signals", "/app/audio", "/app/recordings", "/app/capture", "/app/daq"]
OUT_DIRS = ["/app/out", "/app/analysis", "/app/results", "/app/report"]
OUT_NAMES = ["tones.json", "spectrum_peaks.json", "peaks.json", "components.json"]
FILE_STEMS = ["bench", "rig", "mic", "probe", "sensor", "line", "tap", "coil", "hydro", "deck"]
OPENINGS = [
    "A sampled signal was captured to `{input}`.",
    "The data acquisition system left its recording in `{input}`.",
    "`{input}` contains a measured signal made of a few pure tones plus noise.",
    "We need to know which tones are present in `{input}`.",
    "A vibration test produced `{input}`; nobody has looked at its spectrum yet.",
]
GOALS = [
    "Identify every tone in it and write what you find to `{output}`.",
    "Find the frequency and amplitude of each tone and save them as `{output}`.",
    "Produce a list of the tones (frequency and amplitude) in `{output}`.",
    "Work out the tonal content and report it in `{output}`.",
]


def _draw_tones(rng, fs, n, count, amp_range, weak, mains=0, on_bin=False):
    """Tone list [(freq, amp, phase)], >= 14 bins apart and >= 14 bins from mains harmonics."""
    res = fs / n

    def clear(f, others, gap=14):
        if any(abs(f - g) < gap * res for g in others):
            return False
        return not mains or abs(f - mains * round(f / mains)) >= 14 * res

    tones = []
    for _ in range(400):
        if len(tones) == count:
            break
        if on_bin:
            f = rng.randint(int(0.02 * n), int(0.45 * n)) * res
        else:
            f = round(rng.uniform(0.02 * fs, 0.45 * fs), 2)
        if clear(f, [g for g, _, _ in tones]):
            tones.append((f, round(rng.uniform(*amp_range), 4), rng.uniform(0, 2 * math.pi)))
    if len(tones) < count:
        return None
    if weak:  # one weak tone 15-30 bins from the strongest: rectangular leakage buries it
        strong = max(tones, key=lambda t: t[1])
        for _ in range(100):
            f = round(strong[0] + rng.choice([-1, 1]) * rng.uniform(15, 30) * res, 2)
            others = [g for g, _, _ in tones if g != strong[0]]
            if 0.02 * fs < f < 0.45 * fs and clear(f, others, gap=9.5):
                tones.append((f, weak, rng.uniform(0, 2 * math.pi)))
                break
        else:
            return None
    return sorted(tones)


def _synth(rng, tones, fs, n, noise, dc=0.0):
    w = [2 * math.pi * f / fs for f, _, _ in tones]
    out = []
    for i in range(n):
        v = dc + rng.gauss(0, noise)
        for (_, a, ph), wk in zip(tones, w, strict=True):
            v += a * math.sin(wk * i + ph)
        out.append(v)
    return out


def _wav(channels, fs, width):
    """PCM WAV bytes; samples are in full-scale units (1.0 = positive full scale)."""
    n = len(channels[0])
    frames = bytearray()
    for i in range(n):
        for ch in channels:
            v = ch[i]
            if width == 1:
                frames.append(max(0, min(255, round(128 + v * 128))))
            elif width == 2:
                frames += max(-32768, min(32767, round(v * 32768))).to_bytes(
                    2, "little", signed=True
                )
            else:
                q = max(-8388608, min(8388607, round(v * 8388608)))
                frames += q.to_bytes(3, "little", signed=True)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(width)
        w.setframerate(fs)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def _tone_json(tones):
    return [{"frequency_hz": f, "amplitude": a} for f, a, _ in tones]


@register
class SpectralPeaks(TemplateFamily):
    name = "spectral-peaks"
    domain = Domain.SCIENTIFIC_COMPUTING
    description = (
        "Identify the tones (frequency and amplitude) in sampled signals — CSV, WAV, or a "
        "folder of mixed-format multichannel WAVs with mains hum — via spectral analysis."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        out = f"{rng.choice(OUT_DIRS)}/{rng.choice(OUT_NAMES)}"
        if difficulty is Difficulty.EASY:
            return self._easy(rng, out)
        if difficulty is Difficulty.MEDIUM:
            return self._medium(rng, out)
        return self._hard(rng, out)

    # ------------------------------------------------------------------ easy
    def _easy(self, rng, out):
        fs = rng.choice([100, 200, 250, 400, 500, 1000])
        n = rng.choice([1000, 1200, 1500, 2000, 2500, 3000])
        tones = _draw_tones(rng, fs, n, rng.randint(2, 3), (0.5, 5.0), weak=None, on_bin=True)
        dc = round(rng.uniform(-2, 2), 3)
        samples = _synth(rng, tones, fs, n, noise=rng.uniform(0.01, 0.04), dc=dc)
        tname, vname = rng.choice([("t", "value"), ("time_s", "amplitude"), ("t_s", "x")])
        text = f"{tname},{vname}\n" + "".join(
            f"{i / fs:.6f},{v:.6f}\n" for i, v in enumerate(samples)
        )
        in_path = f"{rng.choice(DIRS)}/{rng.choice(['signal.csv', 'trace.csv', 'samples.csv'])}"
        threshold = 0.2
        rules = [
            f"The file is a CSV with columns `{tname}` (seconds, uniformly sampled) and "
            f"`{vname}`; work out the sampling rate from the time column.",
            "The signal is a constant offset plus a few sinusoids plus a little noise; "
            f"report every sinusoid with amplitude of at least {threshold} (amplitude = peak "
            "value of the sinusoid, not RMS or peak-to-peak).",
            "Frequencies must be within 0.05 Hz, amplitudes within 2% and the offset within 0.02.",
            f"Do not modify `{in_path}`.",
        ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(input=in_path),
                rng.choice(GOALS).format(output=out),
                "",
                *[f"- {r}" for r in rules],
                "",
                f"`{out}` (create the directory) must be a JSON object with `dc_offset` and "
                '`tones`: a list of `{"frequency_hz": ..., "amplitude": ...}` objects sorted '
                "by increasing frequency.",
            ]
        )
        expected = {
            "level": "easy",
            "inputs": {in_path: hashlib.sha256(text.encode()).hexdigest()},
            "output": out,
            "dc_offset": dc,
            "tones": _tone_json(tones),
            "freq_tol": 0.05,
            "amp_rtol": 0.02,
        }
        return Instance(
            instruction=instruction,
            solution=self.asset("solve_easy.sh")
            .replace("@ANALYSE@", self.asset("analyse.py").rstrip())
            .replace("@INPUT@", in_path)
            .replace("@OUT@", out)
            .replace("@THRESHOLD@", str(threshold)),
            checker=self.asset("check.py"),
            expected=expected,
            files={"signal.csv": text},
            dockerfile=f"COPY signal.csv {in_path}\n",
            tags=["fft", "spectral-analysis", "csv"],
        )

    # ---------------------------------------------------------------- medium
    def _medium(self, rng, out):
        fs = rng.choice([8000, 11025, 16000, 22050])
        n = int(fs * rng.choice([1.5, 2.0, 2.5, 3.0]))
        strong = rng.randint(2, 4)
        tones = _draw_tones(
            rng, fs, n, strong, (0.08, 0.22), weak=round(rng.uniform(0.005, 0.01), 4)
        )
        if tones is None:
            return self.generate(rng, Difficulty.MEDIUM)
        threshold = 0.002
        samples = _synth(
            rng, tones, fs, n, noise=rng.uniform(0.0002, 0.0006), dc=rng.uniform(-0.02, 0.02)
        )
        data = _wav([samples], fs, 2)
        in_path = f"{rng.choice(DIRS)}/{rng.choice(FILE_STEMS)}_{rng.randint(1, 99):02d}.wav"
        res = fs / n
        rules = [
            "The file is a mono 16-bit PCM WAV; measure amplitudes in full-scale units, where "
            "a sample value v stands for v/32768.",
            f"Report every tone with amplitude of at least {threshold} full scale (amplitude = "
            "peak value of the sinusoid). Some tones are much weaker than others and close to "
            "them in frequency.",
            "The tone frequencies do not fall on FFT bins.",
            f"Frequencies must be within {0.2 * res:.3g} Hz (a fifth of the frequency "
            "resolution fs/N) and amplitudes within 2%.",
            "Ignore the small constant (DC) offset.",
            f"Do not modify `{in_path}`.",
        ]
        rng.shuffle(rules)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(input=in_path),
                rng.choice(GOALS).format(output=out),
                "",
                *[f"- {r}" for r in rules],
                "",
                f"`{out}` (create the directory) must be a JSON object with `sample_rate` (Hz, "
                "from the WAV header), `n_samples` and `tones`: a list of "
                '`{"frequency_hz": ..., "amplitude": ...}` objects sorted by increasing '
                "frequency.",
            ]
        )
        expected = {
            "level": "medium",
            "inputs": {in_path: hashlib.sha256(data).hexdigest()},
            "output": out,
            "sample_rate": fs,
            "n_samples": n,
            "tones": _tone_json(tones),
            "freq_tol": 0.2 * res,
            "amp_rtol": 0.02,
        }
        return Instance(
            instruction=instruction,
            solution=self.asset("solve_medium.sh")
            .replace("@ANALYSE@", self.asset("analyse.py").rstrip())
            .replace("@INPUT@", in_path)
            .replace("@OUT@", out)
            .replace("@THRESHOLD@", str(threshold)),
            checker=self.asset("check.py"),
            expected=expected,
            files={"signal.wav": TaskFile(content=data)},
            dockerfile=f"COPY signal.wav {in_path}\n",
            tags=["fft", "spectral-analysis", "wav", "windowing"],
        )

    # ------------------------------------------------------------------ hard
    def _hard(self, rng, out):
        folder = rng.choice(DIRS)
        mains = rng.choice([50, 60])
        threshold = 0.01
        n_files = rng.randint(3, 4)
        formats = [(1, 1), (2, 2), (3, 1), (2, 1), (3, 2), (1, 2)]
        picks = [formats[0], formats[1], formats[2]] + rng.sample(formats[3:], n_files - 3)
        rng.shuffle(picks)
        stems = rng.sample(FILE_STEMS, n_files)
        files, truth, hashes = {}, {}, {}
        hum_total = 0
        for stem, (width, n_ch) in zip(stems, picks, strict=True):
            fs = rng.choice([8000, 11025, 16000] if width != 3 else [16000, 22050])
            n = int(fs * rng.choice([1.5, 2.0, 2.5]))
            res = fs / n
            hum = [mains * k for k in range(1, 6)] if rng.random() < 0.75 else []
            channels, chan_truth = [], []
            for _ in range(n_ch):
                floor = 0.05 if width == 1 else threshold * 2
                tones = _draw_tones(
                    rng,
                    fs,
                    n,
                    rng.randint(2, 4),
                    (floor * 1.5, 0.16),
                    weak=None if width == 1 else round(rng.uniform(2.2, 4) * threshold, 4),
                    mains=mains,
                )
                if tones is None:
                    return self.generate(rng, Difficulty.HARD)
                decoy = _draw_tones(
                    rng, fs, n, 1, (0.1 * threshold, 0.35 * threshold), None, mains=mains
                )
                hum_tones = [
                    (f, round(rng.uniform(0.02, 0.06) / (k + 1), 4), rng.uniform(0, 6.28))
                    for k, f in enumerate(hum)
                ]
                extra = []
                if decoy and all(abs(decoy[0][0] - g) >= 14 * res for g, _, _ in tones):
                    extra = decoy
                noise = 0.003 if width == 1 else 0.0008
                channels.append(_synth(rng, tones + hum_tones + extra, fs, n, noise))
                chan_truth.append(_tone_json(tones))
                hum_total += len(hum_tones)
            name = f"{stem}.wav"
            data = _wav(channels, fs, width)
            files[name] = TaskFile(content=data)
            truth[name] = {
                "sample_rate": fs,
                "channels": chan_truth,
                "freq_tol": 0.2 * res,
            }
            hashes[f"{folder}/{name}"] = hashlib.sha256(data).hexdigest()
        if hum_total == 0:
            return self.generate(rng, Difficulty.HARD)
        notes = (
            f"Recorded at the {rng.choice(['north', 'east', 'harbour', 'hill'])} site.\n"
            f"Mains frequency here: {mains} Hz.\n"
            "Gains are calibrated: full scale is 1.0 for every file.\n"
        )
        notes_name = rng.choice(["NOTES.txt", "README.txt", "site.txt"])
        hashes[f"{folder}/{notes_name}"] = hashlib.sha256(notes.encode()).hexdigest()
        rules = [
            "The WAV files use different encodings: 8-bit (unsigned, 128 = zero), 16-bit and "
            "24-bit (signed little-endian) PCM, mono or stereo, at different sample rates. "
            "Convert every sample to full-scale units (1.0 = full scale) before measuring.",
            f"Report, for each channel of each file, every tone with amplitude of at least "
            f"{threshold} full scale (amplitude = peak value of the sinusoid).",
            f"Mains hum is interference, not signal: leave out any tone within 1 Hz of the "
            f"mains frequency or one of its harmonics (the mains frequency is in "
            f"`{folder}/{notes_name}`).",
            "Frequencies must be within a fifth of the file's frequency resolution fs/N and "
            "amplitudes within 2%.",
            f"Do not modify anything in `{folder}`.",
            "Tones do not fall on FFT bins; weak tones can sit close to strong ones.",
        ]
        rng.shuffle(rules)
        example = rng.choice(["foo.wav", "x.wav"])
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(input=f"{folder}/*.wav"),
                rng.choice(GOALS).format(output=out),
                "",
                *[f"- {r}" for r in rules],
                "",
                f"`{out}` (create the directory) must be a JSON object with one key per WAV "
                "file name (e.g. `" + example + "`), each mapping to an object with "
                "`sample_rate` and `channels`: a list with one entry per channel (in file "
                'order), each a list of `{"frequency_hz": ..., "amplitude": ...}` objects '
                "sorted by increasing frequency.",
            ]
        )
        expected = {
            "level": "hard",
            "inputs": hashes,
            "input_dir": folder,
            "output": out,
            "files": truth,
            "amp_rtol": 0.02,
        }
        return Instance(
            instruction=instruction,
            solution=self.asset("solve_hard.sh")
            .replace("@ANALYSE@", self.asset("analyse.py").rstrip())
            .replace("@DIR@", folder)
            .replace("@OUT@", out)
            .replace("@THRESHOLD@", str(threshold))
            .replace("@NOTES@", notes_name),
            checker=self.asset("check.py"),
            expected=expected,
            files={**{f"rec/{k}": v for k, v in files.items()}, f"rec/{notes_name}": notes},
            dockerfile=f"COPY rec/ {folder}/\n",
            tags=["fft", "spectral-analysis", "wav", "pcm-decoding", "multichannel"],
        )
