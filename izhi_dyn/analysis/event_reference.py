"""An independent float64 reference for the spike times of a synaptically coupled network.

The ground truth that :func:`izhi_dyn.exact_spike_times` is measured against
(``tests/test_exact_spike_times.py``, ``benchmarks/exact_gradient_check.py``):
the equations are written out here again in NumPy and integrated by SciPy, so
nothing of izhi_dyn's own maths (:mod:`izhi_dyn.core`) is used.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from izhi_dyn import _validation as check

__all__ = ['reference_spike_times']


def reference_spike_times(weights, input_times, *, duration, bias=0.0, a=0.02, b=0.2, c=-51.0, d=2.0,
                          v_th=30.0, tau_syn=5.0, V0=None, u0=None, rtol=1e-10, atol=1e-10,
                          stop_after_first=None) -> list[np.ndarray]:
    r"""Spike times (ms) of N Izhikevich neurons driven by K spike trains, by float64 ``solve_ivp``.

    .. math::

        \dot V = 0.04 V^2 + 5 V + 140 - u + I + \text{bias},\quad \dot u = a (b V - u),\quad
        \dot I = -I/\tau_\text{syn},

    with :math:`V \ge v_{th}:\ V \leftarrow c,\ u \leftarrow u + d,\ I_n \leftarrow I_n + W_{i n}`
    at a spike of neuron :math:`i`, and :math:`I_n \leftarrow I_n + W_{N + k, n}` at a spike of
    input :math:`k`: the model and conventions of :func:`izhi_dyn.exact_spike_times`.

    Parameters
    ----------
    weights, input_times, bias, a, b, c, d, v_th, tau_syn, V0, u0
        As in :func:`izhi_dyn.exact_spike_times`: weights ``(N + K, N)``
        (recurrent rows first), input spike times ``(K, m)`` in ms
        (``+inf``-padded), the parameters as floats or ``(N,)`` arrays.
    duration : float
        Simulated time in ms.
    rtol, atol : float, default 1e-10
        Tolerances of ``solve_ivp`` (DOP853).
    stop_after_first : sequence of int, optional
        Neuron indices: stop once each of them has spiked (first-spike losses
        need no more, and the run is shorter).

    Returns
    -------
    list of N arrays
        Each neuron's spike times in increasing order.

    Notes
    -----
    Independent ground truth: the coupled system is integrated by
    :func:`scipy.integrate.solve_ivp` between events, with the threshold
    crossings located by its event root finding (terminal, upward) and the
    input spikes as known restart times; izhi_dyn's maths is not imported. Each
    spike costs a restart, so this is for checking, not for simulating.

    Examples
    --------
    >>> import numpy as np
    >>> from izhi_dyn.analysis import reference_spike_times
    >>> W = np.array([[0.0], [30.0]])                # one neuron, one input
    >>> times = reference_spike_times(W, [[1.234]], duration=20.0, bias=4.0)
    >>> bool(1.234 < times[0][0] < times[0][1] < 20.0)
    True
    """
    W = check.check_array('weights', weights, ndim=2)
    N = W.shape[1]
    K = W.shape[0] - N
    if N < 1 or K < 0:
        raise ValueError(f'weights: expected shape (N + K, N) with N >= 1, got shape {W.shape}')
    inp = check.check_array('input_times', input_times, finite=False)
    if np.isnan(inp).any() or (inp.size and K == 0) or (K and inp.size % K):
        raise ValueError(f'input_times: expected K = {K} rows of spike times (no NaN), got shape {inp.shape}')
    inp = inp.reshape(K, -1) if K else np.zeros((0, 0))
    duration = check.check_real('duration', duration, lower=0.0, strict=True)
    rtol = check.check_real('rtol', rtol, lower=0.0, strict=True)
    atol = check.check_real('atol', atol, lower=0.0, strict=True)
    bias, a, b, c, d, v_th, tau_syn = (check.check_array(name, value, shapes=((), (N,)))
                                       for name, value in (('bias', bias), ('a', a), ('b', b), ('c', c), ('d', d),
                                                           ('v_th', v_th), ('tau_syn', tau_syn)))
    if np.any(tau_syn <= 0):
        raise ValueError(f'tau_syn={tau_syn!r}: expected positive time constants')
    V = np.broadcast_to(c if V0 is None else check.check_array('V0', V0, shapes=((), (N,))), (N,)).copy()
    u = np.broadcast_to(b * V if u0 is None else check.check_array('u0', u0, shapes=((), (N,))), (N,)).copy()
    if stop_after_first is not None:
        stop_after_first = check.check_array('stop_after_first', stop_after_first, ndim=1, dtype=np.integer)
        if np.any((stop_after_first < 0) | (stop_after_first >= N)):
            raise ValueError(f'stop_after_first={stop_after_first!r}: expected neuron indices in [0, {N})')
    return _integrate(W, inp, duration, bias, a, b, c, d, v_th, tau_syn, V, u, rtol, atol, stop_after_first)


def _integrate(W, inp, duration, bias, a, b, c, d, v_th, tau_syn, V, u, rtol, atol, stop_after_first):
    """The event loop of :func:`reference_spike_times` on checked float64 arguments."""
    N = W.shape[1]
    c, d = np.broadcast_to(c, (N,)), np.broadcast_to(d, (N,))
    v_th = np.broadcast_to(v_th, (N,))
    events = sorted((float(t), k) for k, row in enumerate(inp) for t in row if np.isfinite(t) and 0 <= t < duration)
    events.append((duration, -1))

    def rhs(t, y):
        V, u, I = y[:N], y[N:2 * N], y[2 * N:]
        return np.concatenate([0.04 * V * V + 5.0 * V + 140.0 - u + I + bias, a * (b * V - u), -I / tau_syn])

    def crossing(i):
        def f(t, y):
            return y[i] - v_th[i]
        f.terminal, f.direction = True, 1
        return f

    crossings = [crossing(i) for i in range(N)]
    spikes = [[] for _ in range(N)]
    t, y = 0.0, np.concatenate([V, u, np.zeros(N)])
    for t_next, k in events:
        while t < t_next:
            sol = solve_ivp(rhs, (t, t_next), y, method='DOP853', rtol=rtol, atol=atol, events=crossings)
            if sol.status != 1:
                t, y = t_next, sol.y[:, -1]
                break
            i = next(j for j, te in enumerate(sol.t_events) if len(te))
            t, y = float(sol.t_events[i][0]), sol.y_events[i][0].copy()
            spikes[i].append(t)
            y[i], y[N + i] = c[i], y[N + i] + d[i]
            y[2 * N:] += W[i]
            if stop_after_first is not None and all(spikes[j] for j in stop_after_first):
                return [np.array(s) for s in spikes]
        if k >= 0:
            y[2 * N:] += W[N + k]
    return [np.array(s) for s in spikes]
