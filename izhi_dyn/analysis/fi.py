r"""f-I curves and rheobase of the Izhikevich neuron, simulated.

All currents of a curve are simulated at once, as one population of
:class:`izhi_dyn.Izhikevich` neurons each held at its own constant input, so a
curve costs one compiled run. The analytic side of excitability is in
:func:`bifurcation_currents`: for the standard recovery law the resting point
loses stability either through a saddle-node (Class 1 excitability,
:math:`b < a`) or an Andronov-Hopf bifurcation (:math:`b > a`), Izhikevich
(2007), *Dynamical Systems in Neuroscience*, ch. 7 and 8.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['FICurve', 'bifurcation_currents', 'fi_curve', 'rheobase', 'steady_rates']


class FICurve(NamedTuple):
    """Firing rate against constant input current."""

    currents: np.ndarray  #: input currents I (model units, pA-like)
    rates: np.ndarray  #: steady firing rate after the transient (Hz)
    first_rates: np.ndarray  #: instantaneous rate of the first ISI (Hz), 0 without two spikes


def _simulate(currents, duration, dt, method, V0, neuron_kwargs):
    """Spike raster (steps, n) of a population held at ``currents``; inputs start at t = 0."""
    from izhi_dyn.simulate import run_neuron

    currents = np.asarray(currents, dtype=float).reshape(-1)
    steps = int(round(duration / dt))
    inputs = np.broadcast_to(currents, (steps, currents.size))
    mon = run_neuron(inputs, dt, ('spike',), method=method, V_initializer=float(V0), **neuron_kwargs)
    return mon['ts'], np.asarray(mon['spike'], dtype=bool)


def steady_rates(ts, spikes, transient):
    """Rate (Hz) per column of a spike raster: 1000 / mean ISI of the spikes after ``transient`` ms.

    Columns with fewer than two spikes after the transient have rate 0.

    Examples
    --------
    >>> import numpy as np, izhi_dyn.analysis as ana
    >>> ts = np.arange(0, 100, 1.0)
    >>> raster = np.zeros((100, 2), bool); raster[::10, 0] = True
    >>> ana.steady_rates(ts, raster, transient=0.0).tolist()
    [100.0, 0.0]
    """
    ts = check.check_array('ts', ts, ndim=1)
    spikes = check.check_array('spikes', spikes, ndim=2, dtype=bool)
    if spikes.shape[0] != ts.size:
        raise ValueError(f'spikes: expected one row per time of ts ({ts.size}), got shape {spikes.shape}')
    return _steady_rates(ts, spikes, check.check_real('transient', transient))


def _steady_rates(ts, spikes, transient):
    """steady_rates on checked arrays (fi_curve passes its own raster)."""
    rates = np.zeros(spikes.shape[1])
    for j in range(spikes.shape[1]):
        t = ts[spikes[:, j] & (ts >= transient)]
        if t.size >= 2:
            rates[j] = 1000.0 * (t.size - 1) / (t[-1] - t[0])
    return rates


def fi_curve(currents, *, duration=1000.0, transient=200.0, dt=0.1, method='riccati', V0=-70.0,
             **neuron_kwargs) -> FICurve:
    """Steady firing rate (and first-ISI rate) for each constant input current.

    Parameters
    ----------
    currents : array_like
        Constant input currents, one neuron each.
    duration : float, default 1000
        Length of each run (ms), input on from t = 0.
    transient : float, default 200
        Spikes before this time (ms) do not count towards the steady rate.
    dt : float, default 0.1
        Time step (ms).
    method : str, default 'riccati'
        Integrator name, see :data:`izhi_dyn.INTEGRATORS`.
    V0 : float, default -70
        Initial V (mV); u starts at :math:`bV_0`.
    **neuron_kwargs
        Parameters of :class:`izhi_dyn.Izhikevich` (``a``, ``b``, ``c``, ``d``, ...).

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> curve = ana.fi_curve([0.0, 10.0], duration=500.0)
    >>> curve.rates[0], bool(curve.rates[1] > 5.0)
    (np.float64(0.0), True)
    """
    currents = check.check_array('currents', currents, ndim=1, min_size=1)
    transient = check.check_real('transient', transient, lower=0.0)
    check.check_steps(duration, dt)
    check.check_real('V0', V0)
    ts, spikes = _simulate(currents, duration, dt, method, V0, neuron_kwargs)
    first = np.zeros(currents.size)
    for j in range(currents.size):
        t = ts[spikes[:, j]]
        if t.size >= 2:
            first[j] = 1000.0 / (t[1] - t[0])
    return FICurve(currents, _steady_rates(ts, spikes, transient), first)


def rheobase(*, low=0.0, high=40.0, tol=0.01, duration=1000.0, dt=0.1, method='riccati', V0=-70.0,
             points=33, **neuron_kwargs) -> float:
    """Smallest constant current that makes the neuron spike within ``duration`` ms.

    Each round simulates ``points`` currents spread over the bracket at once
    and keeps the interval between the last silent and the first spiking one,
    until it is narrower than ``tol``; the first round spans ``low`` to
    ``high`` and so also checks the bracket. Returns the upper end of the bracket.

    The neuron starts at rest (``V0``, :math:`u = bV_0`) and the step starts at
    t = 0, so a transient spike counts: for RS this rheobase (about 2.7) lies
    below the current at which the rest point loses stability
    (:func:`bifurcation_currents`, about 3.8), where sustained firing begins.

    Raises
    ------
    ValueError
        When ``high`` does not make the neuron spike or ``low`` already does.

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> round(ana.rheobase(tol=0.05, duration=500.0), 1)   # regular spiking, step from rest
    2.7
    """
    lo, hi = check.check_real('low', low), check.check_real('high', high)
    if hi <= lo:
        raise ValueError(f'high={high!r}: expected a current above low={low!r}')
    tol = check.check_real('tol', tol, lower=0.0, strict=True)
    points = check.check_int('points', points, lower=3)
    check.check_steps(duration, dt)
    check.check_real('V0', V0)

    def fired_at(grid):
        return _simulate(grid, duration, dt, method, V0, neuron_kwargs)[1].any(axis=0)

    grid = np.linspace(lo, hi, points)  # the first round holds low and high: it checks the bracket too
    fired = fired_at(grid)
    if not fired[-1]:
        raise ValueError(f'high={high}: no spike within {duration} ms; raise high or duration')
    if fired[0]:
        raise ValueError(f'low={low}: already spikes within {duration} ms; lower low')
    while hi - lo > tol:
        k = int(np.argmax(fired))  # first spiking current; grid[-1] spikes as hi did
        lo, hi = float(grid[k - 1]), float(grid[k])
        if hi - lo > tol:
            grid = np.linspace(lo, hi, points)
            fired = fired_at(grid)
    return hi


def bifurcation_currents(*, a=0.02, b=0.2, p1=0.04, p2=5.0, p3=140.0) -> dict:
    r"""Currents at which the resting point (standard law) changes, in closed form.

    * ``'saddle_node'``: :math:`I_{SN} = (p_2 - b)^2 / (4 p_1) - p_3`, where
      the two fixed points merge and vanish;
    * ``'hopf'``: where the trace of the Jacobian at the rest point,
      :math:`2p_1V + p_2 - a`, vanishes, i.e. at :math:`V_H = (a - p_2)/(2p_1)`,
      provided that happens before the saddle-node (:math:`b > a`), else None.

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> {k: None if v is None else round(v, 2) for k, v in ana.bifurcation_currents().items()}
    {'saddle_node': 4.0, 'hopf': 3.8}
    """
    a, b, p2, p3 = (check.check_real(n, v) for n, v in (('a', a), ('b', b), ('p2', p2), ('p3', p3)))
    p1 = check.check_real('p1', p1, lower=0.0, strict=True)
    I_sn = (p2 - b) ** 2 / (4.0 * p1) - p3
    I_hopf = None
    if b > a:
        V = (a - p2) / (2.0 * p1)
        I_hopf = float(-(p1 * V * V + (p2 - b) * V + p3))
    return {'saddle_node': float(I_sn), 'hopf': I_hopf}
