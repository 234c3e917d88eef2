"""Test signals and their analysis: tones to send, and the frequency actually heard."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def sine(freq: float, n: int, rate: int = 48000, start: int = 0, amplitude: float = 0.3) -> NDArray[np.int16]:
    """``n`` samples of a sine tone starting at sample index ``start`` (phase-continuous across calls)."""
    t = (np.arange(n) + start) / rate
    return (np.sin(2 * np.pi * freq * t) * amplitude * 32767).astype(np.int16)


def dominant_frequency(samples: NDArray[np.floating] | NDArray[np.integer], rate: int = 48000) -> float:
    """The strongest frequency in the signal (Hann window, parabolic peak interpolation)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size < 256 or not np.any(x):
        return 0.0
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    spectrum[0] = 0.0
    k = int(np.argmax(spectrum))
    if 0 < k < spectrum.size - 1:
        a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
        return float((k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / x.size)
    return float(k * rate / x.size)


def level_at(samples: NDArray[np.floating] | NDArray[np.integer], freq: float, rate: int = 48000,
             width: float = 15.0) -> float:
    """Energy in a narrow band around ``freq``, relative to the signal's total energy (0..1)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size < 256:
        return 0.0
    spectrum = np.abs(np.fft.rfft((x - x.mean()) * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    total = spectrum[1:].sum()
    if total == 0:
        return 0.0
    return float(spectrum[(freqs > freq - width) & (freqs < freq + width)].sum() / total)
