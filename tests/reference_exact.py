"""Independent float64 event-driven reference for exact spike times through synapses.

Nothing here imports :mod:`izhi_dyn`. The coupled system of N Izhikevich
neurons with exponential current synapses,

    dV/dt = 0.04 V^2 + 5 V + 140 - u + I + bias,   du/dt = a (b V - u),
    dI/dt = -I / tau_syn,

is integrated by ``scipy.integrate.solve_ivp`` (DOP853, rtol = atol = 1e-10 by
default) between events: input spikes (known times, restart and jump) and
threshold crossings (located by solve_ivp's event root finding). At a
crossing of neuron i: V_i = c, u_i += d, I_j += W[i, j] for every target j;
at input spike of input k: I_j += W[N + k, j].
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp


def reference_network_spikes(weights, input_times, *, duration, bias=0.0, a=0.02, b=0.2, c=-51.0, d=2.0,
                             v_th=30.0, tau_syn=5.0, V0=None, u0=None, rtol=1e-10, atol=1e-10,
                             stop_after_first=None):
    """Spike times of each of the N neurons over ``[0, duration]`` (list of arrays, ms).

    ``weights`` (N + K, N), ``input_times`` (K, m) padded with +inf. With
    ``stop_after_first`` (a list of neuron indices) integration stops once
    each of them has spiked once (for first-spike losses).
    """
    W = np.asarray(weights, float)
    N = W.shape[1]
    inp = np.asarray(input_times, float).reshape(W.shape[0] - N, -1)
    bias = np.broadcast_to(np.asarray(bias, float), (N,))
    V = np.full(N, c, float) if V0 is None else np.array(np.broadcast_to(V0, (N,)), float)
    u = b * V if u0 is None else np.array(np.broadcast_to(u0, (N,)), float)
    I = np.zeros(N)
    events = sorted((float(t), k) for k, row in enumerate(inp) for t in row if np.isfinite(t) and t < duration)
    events.append((float(duration), -1))

    def rhs(t, y):
        V, u, I = y[:N], y[N:2 * N], y[2 * N:]
        return np.concatenate([0.04 * V * V + 5.0 * V + 140.0 - u + I + bias, a * (b * V - u), -I / tau_syn])

    def crossing(i):
        def f(t, y):
            return y[i] - v_th
        f.terminal, f.direction = True, 1
        return f

    crossings = [crossing(i) for i in range(N)]
    spikes = [[] for _ in range(N)]
    t, y = 0.0, np.concatenate([V, u, I])
    for t_next, k in events:
        while t < t_next:
            sol = solve_ivp(rhs, (t, t_next), y, method='DOP853', rtol=rtol, atol=atol, events=crossings)
            if sol.status != 1:
                t, y = t_next, sol.y[:, -1]
                break
            i = next(j for j, te in enumerate(sol.t_events) if len(te))
            t, y = float(sol.t_events[i][0]), sol.y_events[i][0].copy()
            spikes[i].append(t)
            y[i], y[N + i] = c, y[N + i] + d
            y[2 * N:] += W[i]
            if stop_after_first is not None and all(spikes[j] for j in stop_after_first):
                return [np.array(s) for s in spikes]
        if k >= 0:
            y[2 * N:] += W[N + k]
    return [np.array(s) for s in spikes]


def random_network(seed, n=8, k=4, m=3, duration=100.0, w_rec=(-10.0, 2.0), w_in=(5.0, 20.0), bias=(-3.0, -1.0)):
    """A random coupled network like issue 13's: weights (n + k, n), input times (k, m), bias (n,)."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([rng.uniform(*w_rec, (n, n)) * (1 - np.eye(n)), rng.uniform(*w_in, (k, n))])
    times = np.sort(rng.uniform(0.0, 0.6 * duration, (k, m)), axis=1)
    return W, times, rng.uniform(*bias, n)
