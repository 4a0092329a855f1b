"""Population activity of spike events: rates, binned counts, spectrum, dominant rhythm.

Spikes are ``(times, indices)`` event arrays (as in
:class:`izhi_dyn.networks.NetworkResult`), never dense steps x N arrays.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

__all__ = ['population_counts', 'population_rate', 'mean_rate', 'population_spectrum',
           'dominant_frequency', 'network_stats']


def population_counts(times, duration: float, bin_ms: float = 1.0, t0: float = 0.0) -> np.ndarray:
    """Number of spikes in each ``bin_ms`` bin of ``[t0, t0 + duration)`` (times in ms)."""
    n_bins = int(round(duration / bin_ms))
    if n_bins < 1:
        raise ValueError(f'duration={duration} ms must hold at least one {bin_ms} ms bin')
    k = np.floor((np.asarray(times, dtype=np.float64) - t0) / bin_ms + 1e-9).astype(np.int64)
    k = k[(k >= 0) & (k < n_bins)]
    return np.bincount(k, minlength=n_bins)


def population_rate(times, n_neurons: int, duration: float, bin_ms: float = 1.0, t0: float = 0.0) -> np.ndarray:
    """Instantaneous population rate (Hz per neuron) in ``bin_ms`` bins."""
    return population_counts(times, duration, bin_ms, t0) / (n_neurons * bin_ms * 1e-3)


def mean_rate(indices, n_neurons: int, duration: float, first: int = 0) -> float:
    """Mean firing rate (Hz) of neurons ``[first, first + n_neurons)`` over ``duration`` ms."""
    idx = np.asarray(indices)
    n = np.count_nonzero((idx >= first) & (idx < first + n_neurons))
    return float(n / n_neurons / (duration * 1e-3))


def population_spectrum(counts, bin_ms: float = 1.0):
    """Power spectrum of a binned count (mean removed): ``(freqs_hz, power)``."""
    x = np.asarray(counts, dtype=np.float64)
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2
    return np.fft.rfftfreq(x.size, d=bin_ms * 1e-3), power


def dominant_frequency(counts, bin_ms: float = 1.0, fmin: float = 0.0, fmax: Optional[float] = None) -> float:
    """Frequency (Hz) of the largest peak of the spectrum of ``counts`` within ``(fmin, fmax]``.

    The zero-frequency bin is always excluded. Returns nan for a flat signal.
    """
    freqs, power = population_spectrum(counts, bin_ms)
    sel = (freqs > max(fmin, 0.0)) & (freqs <= (np.inf if fmax is None else fmax))
    if not np.any(sel) or not np.any(power[sel] > 0):
        return float('nan')
    return float(freqs[sel][np.argmax(power[sel])])


def network_stats(times, indices, n_exc: int, n_inh: int, duration: float) -> dict:
    """``rate_exc_hz``, ``rate_inh_hz``, ``n_spikes`` and ``dominant_freq_hz`` (1 ms bins)."""
    counts = population_counts(times, duration, 1.0)
    return {
        'rate_exc_hz': mean_rate(indices, n_exc, duration, 0),
        'rate_inh_hz': mean_rate(indices, n_inh, duration, n_exc),
        'n_spikes': int(np.asarray(indices).size),
        'dominant_freq_hz': dominant_frequency(counts, 1.0),
    }
