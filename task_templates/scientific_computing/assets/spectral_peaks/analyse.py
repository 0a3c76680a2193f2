import numpy as np


def blackman_harris(n):
    k = 2 * np.pi * np.arange(n) / (n - 1)
    return 0.35875 - 0.48829 * np.cos(k) + 0.14128 * np.cos(2 * k) - 0.01168 * np.cos(3 * k)


def design(t, freqs):
    cols = [np.ones_like(t)]
    for f in freqs:
        cols += [np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)]
    return np.column_stack(cols)


def analyse(x, fs, threshold):
    """Tones [(freq, amp)] with amp >= threshold: windowed-FFT detection, then least squares."""
    n = len(x)
    t = np.arange(n) / fs
    w = blackman_harris(n)
    nfft = 1 << int(np.ceil(np.log2(8 * n)))  # 8x zero padding, power-of-two length
    mag = 2 * np.abs(np.fft.rfft((x - x.mean()) * w, nfft)) / w.sum()
    inner = mag[1:-1]
    peaks = np.where((inner > mag[:-2]) & (inner >= mag[2:]) & (inner > threshold / 3))[0] + 1
    freqs = []
    for i in peaks:
        a, b, c = np.log(mag[i - 1 : i + 2])
        shift = 0.5 * (a - c) / (a - 2 * b + c)  # parabolic interpolation on log magnitude
        freqs.append((i + shift) * fs / nfft)
    freqs = np.array(freqs)
    # Gauss-Newton on all frequencies jointly, amplitudes by linear least squares each time
    for _ in range(4):
        A = design(t, freqs)
        coef, *_ = np.linalg.lstsq(A, x, rcond=None)
        resid = x - A @ coef
        s, c = coef[1::2], coef[2::2]
        J = np.column_stack(
            [
                2
                * np.pi
                * t
                * (s[k] * np.cos(2 * np.pi * f * t) - c[k] * np.sin(2 * np.pi * f * t))
                for k, f in enumerate(freqs)
            ]
        )
        full = np.column_stack([J, A])
        step, *_ = np.linalg.lstsq(full, resid, rcond=None)
        freqs = freqs + step[: len(freqs)]
    coef, *_ = np.linalg.lstsq(design(t, freqs), x, rcond=None)
    amps = np.hypot(coef[1::2], coef[2::2])
    return [
        (float(f), float(a)) for f, a in sorted(zip(freqs, amps, strict=True)) if a >= threshold
    ], coef[0]
