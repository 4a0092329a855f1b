"""Raster of spike events over the population rate (Izhikevich 2003, Fig. 3)."""

from __future__ import annotations

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['plot_raster']


def plot_raster(times, indices, *, n_exc=None, duration=None, n_neurons=None, bin_ms: float = 1.0,
                axes=None, max_points: int = 200_000, title=None):
    """Spike raster (top) over the population rate (bottom); returns ``(ax_raster, ax_rate)``.

    Parameters
    ----------
    times, indices : arrays
        Spike times (ms) and neuron indices (excitatory first).
    n_exc : int, optional
        Excitatory neurons are ``indices < n_exc`` (drawn black, inhibitory red).
    duration : float, optional
        Time axis extent (ms); default the last spike time.
    n_neurons : int, optional
        For the rate in Hz per neuron; default ``max(indices) + 1``.
    bin_ms : float, default 1
        Rate bin (ms).
    axes : (Axes, Axes), optional
        Where to draw; new figure if None.
    max_points : int, default 200000
        At most this many spikes are drawn (evenly subsampled) so huge runs stay plottable.
    """
    import matplotlib.pyplot as plt

    from izhi_dyn.analysis.population import population_rate

    times = check.check_array('times', times, ndim=1)
    indices = check.check_array('indices', indices, ndim=1, dtype=np.int64)
    if indices.shape != times.shape:
        raise ValueError(f'indices: expected the shape of times {times.shape}, got shape {indices.shape}')
    n_exc = check.check_int('n_exc', n_exc, lower=0, allow_none=True)
    bin_ms = check.check_real('bin_ms', bin_ms, lower=0.0, strict=True)
    max_points = check.check_int('max_points', max_points, lower=1)
    if duration is None:
        duration = float(times.max() + bin_ms) if times.size else bin_ms
    if n_neurons is None:
        n_neurons = int(indices.max() + 1) if indices.size else 1
    rate = population_rate(times, n_neurons, duration, bin_ms)  # checks n_neurons and duration
    if axes is None:
        fig, axes = plt.subplots(2, 1, sharex=True, figsize=(8, 5), gridspec_kw={'height_ratios': [3, 1]})
    ax_r, ax_p = axes
    step = max(1, int(np.ceil(times.size / max_points)))
    t, i = times[::step], indices[::step]
    if n_exc is None:
        ax_r.plot(t, i, ',k')
    else:
        e = i < n_exc
        ax_r.plot(t[e], i[e], ',k', label='excitatory')
        ax_r.plot(t[~e], i[~e], ',r', label='inhibitory')
    ax_r.set_ylabel('neuron index')
    ax_r.set_ylim(-0.5, n_neurons - 0.5)
    if title:
        ax_r.set_title(title)
    ax_p.plot(np.arange(rate.size) * bin_ms, rate, lw=0.7, color='k')
    ax_p.set_ylabel(f'rate (Hz, {bin_ms:g} ms bins)')
    ax_p.set_xlabel('time (ms)')
    ax_p.set_xlim(0, duration)
    return ax_r, ax_p
