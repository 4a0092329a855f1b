r"""Sweeps of two model parameters: the maps of Izhikevich (2003), Fig. 2.

The 2003 paper places its cell types in the (a, b) plane (RS, IB, CH share
a = 0.02, b = 0.2; FS and RZ have a = 0.1; LTS and TC b = 0.25) and in the
(c, d) plane (RS, IB, CH differ by their reset). :func:`parameter_sweep`
simulates every grid point at once, as one population of
:class:`izhi_dyn.Izhikevich` neurons with per-neuron parameters, and returns
the firing measures that tell those types apart.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['Sweep', 'parameter_sweep']

_SWEEPABLE = ('a', 'b', 'c', 'd', 'V_th', 'p1', 'p2', 'p3')


class Sweep(NamedTuple):
    """Firing measures on a grid of two parameters; 2-D arrays are indexed ``[y, x]``."""

    x_name: str  #: parameter on the x axis
    xs: np.ndarray  #: its values
    y_name: str  #: parameter on the y axis
    ys: np.ndarray  #: its values
    rate: np.ndarray  #: mean rate (Hz) over the stimulus
    n_spikes: np.ndarray  #: spike count during the stimulus
    adaptation: np.ndarray  #: last ISI / first ISI (> 1 adapting, NaN with < 3 spikes)
    burst_fraction: np.ndarray  #: fraction of ISIs shorter than ``burst_isi`` ms (NaN with < 2 spikes)


def parameter_sweep(x_name, xs, y_name, ys, *, I=10.0, duration=300.0, onset=20.0, dt=0.1,
                    burst_isi=10.0, method='riccati', **fixed) -> Sweep:
    """Simulate a step of current ``I`` from ``onset`` ms on a grid of two parameters.

    Parameters
    ----------
    x_name, y_name : str
        Parameters to sweep, among ``a, b, c, d, V_th, p1, p2, p3``.
    xs, ys : array_like
        Their values.
    I : float, default 10
        Amplitude of the current step.
    duration, onset, dt : float
        Run length, step onset and time step (ms).
    burst_isi : float, default 10
        ISIs shorter than this (ms) count as intra-burst.
    **fixed
        Other parameters of :class:`izhi_dyn.Izhikevich`.

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> sw = ana.parameter_sweep('c', [-65.0, -50.0], 'd', [2.0, 8.0], duration=200.0)
    >>> sw.rate.shape
    (2, 2)
    """
    from izhi_dyn.simulate import run_neuron

    for arg, name in (('x_name', x_name), ('y_name', y_name)):
        if not isinstance(name, str) or name not in _SWEEPABLE:
            raise ValueError(f'{arg}={name!r}: cannot be swept; expected one of {_SWEEPABLE}')
    if x_name == y_name:
        raise ValueError(f'y_name={y_name!r}: expected a parameter other than x_name')
    xs = check.check_array('xs', xs, ndim=1, min_size=1)
    ys = check.check_array('ys', ys, ndim=1, min_size=1)
    I = check.check_real('I', I)
    steps = check.check_steps(duration, dt)
    onset = check.check_real('onset', onset, lower=0.0)
    if onset >= duration:
        raise ValueError(f'onset={onset!r}: expected a time before duration={duration!r}')
    burst_isi = check.check_real('burst_isi', burst_isi, lower=0.0, strict=True)
    gx, gy = np.meshgrid(xs, ys)
    n = gx.size
    on = (np.arange(steps) * dt >= onset)[:, None]
    mon = run_neuron(np.where(on, I, 0.0) * np.ones((1, n)), dt, ('spike',), method=method,
                     **{x_name: gx.reshape(-1), y_name: gy.reshape(-1)}, **fixed)
    ts = mon['ts']
    spikes = np.asarray(mon['spike'], dtype=bool) & (ts >= onset)[:, None]

    rate, count, adapt, burst = (np.full(n, np.nan) for _ in range(4))
    for j in range(n):
        t = ts[spikes[:, j]]
        count[j] = t.size
        rate[j] = 1000.0 * t.size / (duration - onset)
        isi = np.diff(t)
        if isi.size >= 1:
            burst[j] = float(np.mean(isi < burst_isi))
        if isi.size >= 2:
            adapt[j] = isi[-1] / isi[0]
    shape = gx.shape
    return Sweep(x_name, xs, y_name, ys, rate.reshape(shape), count.reshape(shape),
                 adapt.reshape(shape), burst.reshape(shape))
