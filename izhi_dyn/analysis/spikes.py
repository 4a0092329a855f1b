"""Spike statistics of a trace: spike times, inter-spike intervals, bursts."""

from __future__ import annotations

from typing import Optional

import numpy as np

__all__ = ['spike_times', 'spike_times_from_voltage', 'isi', 'detect_bursts', 'firing_rate']


def spike_times(spikes, ts) -> np.ndarray:
    """Times ``ts[k]`` of the samples where ``spikes[k]`` is true (ms).

    ``spikes`` is a boolean (or 0/1) array of shape ``(steps,)``, as monitored
    from :class:`izhi_dyn.Izhikevich`.
    """
    spikes = np.asarray(spikes)
    ts = np.asarray(ts, dtype=np.float64)
    if spikes.shape != ts.shape:
        raise ValueError(f'spikes {spikes.shape} and ts {ts.shape} must have the same shape')
    return ts[spikes.astype(bool)]


def spike_times_from_voltage(V, ts, threshold: float = 30.0) -> np.ndarray:
    """Times of the upward crossings of ``threshold`` by ``V`` (ms): samples with
    ``V >= threshold`` whose previous sample was below it. Works on any trace,
    including one whose spike peaks were drawn at ``threshold``."""
    V = np.asarray(V, dtype=np.float64)
    ts = np.asarray(ts, dtype=np.float64)
    above = V >= threshold
    onset = above & ~np.concatenate([[False], above[:-1]])
    return ts[onset]


def isi(times) -> np.ndarray:
    """Inter-spike intervals (ms) of sorted spike ``times``; empty for fewer than two spikes."""
    times = np.asarray(times, dtype=np.float64)
    if np.any(np.diff(times) < 0):
        raise ValueError('spike times must be sorted')
    return np.diff(times)


def detect_bursts(times, max_isi: float = 10.0, min_spikes: int = 3) -> list:
    """Group spikes into bursts.

    A burst is a run of at least ``min_spikes`` spikes whose successive
    intervals are all ``<= max_isi`` (ms). Returns a list of arrays of spike
    times, one per burst, in time order; spikes outside bursts are left out.
    """
    times = np.asarray(times, dtype=np.float64)
    if times.size == 0:
        return []
    breaks = np.nonzero(isi(times) > max_isi)[0] + 1
    runs = np.split(times, breaks)
    return [run for run in runs if run.size >= min_spikes]


def firing_rate(times, start: float, stop: Optional[float] = None) -> float:
    """Mean rate (Hz) of the spikes in ``[start, stop)`` (ms); ``stop=None``: up to the last spike."""
    times = np.asarray(times, dtype=np.float64)
    if stop is None:
        stop = times.max() if times.size else start
    if stop <= start:
        return 0.0
    n = np.count_nonzero((times >= start) & (times < stop))
    return 1000.0 * n / (stop - start)
