"""Population activity of spike events: rates, binned counts, spectrum, dominant rhythm.

Spikes are ``(times, indices)`` event arrays (as in
:class:`izhi_dyn.networks.NetworkResult`), never dense steps x N arrays.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['population_counts', 'population_rate', 'mean_rate', 'population_spectrum',
           'dominant_frequency', 'network_stats']


def population_counts(times, duration: float, bin_ms: float = 1.0, t0: float = 0.0) -> np.ndarray:
    """Number of spikes in each ``bin_ms`` bin of ``[t0, t0 + duration)`` (times in ms)."""
    times = check.check_array('times', times, ndim=1)
    duration = check.check_real('duration', duration, lower=0.0, strict=True)
    bin_ms = check.check_real('bin_ms', bin_ms, lower=0.0, strict=True)
    return _counts(times, duration, bin_ms, check.check_real('t0', t0))


def population_rate(times, n_neurons: int, duration: float, bin_ms: float = 1.0, t0: float = 0.0) -> np.ndarray:
    """Instantaneous population rate (Hz per neuron) in ``bin_ms`` bins."""
    n_neurons = check.check_int('n_neurons', n_neurons, lower=1)
    return population_counts(times, duration, bin_ms, t0) / (n_neurons * bin_ms * 1e-3)


def mean_rate(indices, n_neurons: int, duration: float, first: int = 0) -> float:
    """Mean firing rate (Hz) of neurons ``[first, first + n_neurons)`` over ``duration`` ms."""
    idx = check.check_array('indices', indices, ndim=1)
    n_neurons = check.check_int('n_neurons', n_neurons, lower=1)
    duration = check.check_real('duration', duration, lower=0.0, strict=True)
    return _mean_rate(idx, n_neurons, duration, check.check_int('first', first, lower=0))


def population_spectrum(counts, bin_ms: float = 1.0):
    """Power spectrum of a binned count (mean removed): ``(freqs_hz, power)``."""
    x = check.check_array('counts', counts, ndim=1, min_size=1)
    return _spectrum(x, check.check_real('bin_ms', bin_ms, lower=0.0, strict=True))


def dominant_frequency(counts, bin_ms: float = 1.0, fmin: float = 0.0, fmax: Optional[float] = None) -> float:
    """Frequency (Hz) of the largest peak of the spectrum of ``counts`` within ``(fmin, fmax]``.

    The zero-frequency bin is always excluded. Returns nan for a flat signal.
    """
    fmin = check.check_real('fmin', fmin)
    fmax = check.check_real('fmax', fmax, allow_none=True)
    return _dominant(*population_spectrum(counts, bin_ms), fmin, fmax)


def network_stats(times, indices, n_exc: int, n_inh: int, duration: float) -> dict:
    """``rate_exc_hz``, ``rate_inh_hz``, ``n_spikes`` and ``dominant_freq_hz`` (1 ms bins)."""
    times = check.check_array('times', times, ndim=1)
    indices = check.check_array('indices', indices, ndim=1)
    if indices.shape != times.shape:
        raise ValueError(f'indices: expected the shape of times {times.shape}, got shape {indices.shape}')
    n_exc = check.check_int('n_exc', n_exc, lower=1)
    n_inh = check.check_int('n_inh', n_inh, lower=1)
    duration = check.check_real('duration', duration, lower=0.0, strict=True)
    counts = _counts(times, duration, 1.0, 0.0)
    return {
        'rate_exc_hz': _mean_rate(indices, n_exc, duration, 0),
        'rate_inh_hz': _mean_rate(indices, n_inh, duration, n_exc),
        'n_spikes': int(indices.size),
        'dominant_freq_hz': _dominant(*_spectrum(counts, 1.0), 0.0, None),
    }


# The computations themselves, on values already checked by the public functions above.

def _counts(times, duration, bin_ms, t0):
    n_bins = int(round(duration / bin_ms))
    if n_bins < 1:
        raise ValueError(f'duration={duration}: expected at least one bin_ms={bin_ms} ms bin')
    k = np.floor((times - t0) / bin_ms + 1e-9).astype(np.int64)
    k = k[(k >= 0) & (k < n_bins)]
    return np.bincount(k, minlength=n_bins)


def _mean_rate(idx, n_neurons, duration, first):
    n = np.count_nonzero((idx >= first) & (idx < first + n_neurons))
    return float(n / n_neurons / (duration * 1e-3))


def _spectrum(x, bin_ms):
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2
    return np.fft.rfftfreq(x.size, d=bin_ms * 1e-3), power


def _dominant(freqs, power, fmin, fmax):
    sel = (freqs > max(fmin, 0.0)) & (freqs <= (np.inf if fmax is None else fmax))
    if not np.any(sel) or not np.any(power[sel] > 0):
        return float('nan')
    return float(freqs[sel][np.argmax(power[sel])])
