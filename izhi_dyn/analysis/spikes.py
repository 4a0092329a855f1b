"""Spike statistics of a trace: spike times, inter-spike intervals, bursts."""

from __future__ import annotations

from typing import Optional

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['spike_times', 'spike_times_from_voltage', 'isi', 'detect_bursts', 'firing_rate']


def spike_times(spikes, ts) -> np.ndarray:
    """Times ``ts[k]`` of the samples where ``spikes[k]`` is true (ms).

    ``spikes`` is a boolean (or 0/1) array of shape ``(steps,)``, as monitored
    from :class:`izhi_dyn.Izhikevich`.
    """
    ts = check.check_array('ts', ts, ndim=1)
    spikes = check.check_array('spikes', spikes, dtype=bool)
    if spikes.shape != ts.shape:
        raise ValueError(f'spikes: expected the shape of ts {ts.shape}, got shape {spikes.shape}')
    return ts[spikes]


def spike_times_from_voltage(V, ts, threshold: float = 30.0) -> np.ndarray:
    """Times of the upward crossings of ``threshold`` by ``V`` (ms): samples with
    ``V >= threshold`` whose previous sample was below it. Works on any trace,
    including one whose spike peaks were drawn at ``threshold``."""
    ts = check.check_array('ts', ts, ndim=1)
    V = check.check_array('V', V, ndim=1)
    if V.shape != ts.shape:
        raise ValueError(f'V: expected the shape of ts {ts.shape}, got shape {V.shape}')
    threshold = check.check_real('threshold', threshold)
    above = V >= threshold
    onset = above & ~np.concatenate([[False], above[:-1]])
    return ts[onset]


def isi(times) -> np.ndarray:
    """Inter-spike intervals (ms) of sorted spike ``times``; empty for fewer than two spikes."""
    return np.diff(check.check_spike_times('times', times))


def detect_bursts(times, max_isi: float = 10.0, min_spikes: int = 3) -> list:
    """Group spikes into bursts.

    A burst is a run of at least ``min_spikes`` spikes whose successive
    intervals are all ``<= max_isi`` (ms). Returns a list of arrays of spike
    times, one per burst, in time order; spikes outside bursts are left out.
    """
    times = check.check_spike_times('times', times)
    max_isi = check.check_real('max_isi', max_isi, lower=0.0, strict=True)
    min_spikes = check.check_int('min_spikes', min_spikes, lower=1)
    if times.size == 0:
        return []
    breaks = np.nonzero(np.diff(times) > max_isi)[0] + 1
    runs = np.split(times, breaks)
    return [run for run in runs if run.size >= min_spikes]


def firing_rate(times, start: float, stop: Optional[float] = None) -> float:
    """Mean rate (Hz) of the spikes in ``[start, stop)`` (ms); ``stop=None``: up to the last spike."""
    times = check.check_array('times', times, ndim=1)
    start = check.check_real('start', start)
    stop = check.check_real('stop', stop, allow_none=True)
    if stop is None:
        stop = times.max() if times.size else start
    if stop <= start:
        return 0.0
    n = np.count_nonzero((times >= start) & (times < stop))
    return 1000.0 * n / (stop - start)
