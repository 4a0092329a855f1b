"""Independent float64 reference: ``scipy.integrate.solve_ivp`` with a threshold event.

Nothing here imports :mod:`izhi_dyn`; the model is written out again from the
papers so a mistake in the package cannot hide in its own reference.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

#: Parameter sets (Izhikevich 2003, Fig. 2) used by the reference tests.
CELLS = {
    'RS': dict(a=0.02, b=0.2, c=-65.0, d=8.0),
    'FS': dict(a=0.1, b=0.2, c=-65.0, d=2.0),
    'CH': dict(a=0.02, b=0.2, c=-50.0, d=2.0),
}


def reference_spikes(a, b, c, d, I, T, V0=-70.0, u0=None, V_th=30.0, tau_ref=0.0,
                     p=(0.04, 5.0, 140.0), rtol=1e-11, atol=1e-11):
    """Spike times (ms) of one neuron under constant input ``I`` over ``[0, T]``.

    Integrates with LSODA-free ``DOP853`` between threshold events; at each
    event V is reset to ``c`` and u jumps by ``d``. With ``tau_ref > 0`` V is
    held at ``c`` for ``tau_ref`` after a spike while u relaxes with V = c.
    """
    p1, p2, p3 = p
    u0 = b * V0 if u0 is None else u0

    def rhs(t, y):
        V, u = y
        return [p1 * V * V + p2 * V + p3 - u + I, a * (b * V - u)]

    def held(t, y):  # refractory: V clamped, u relaxes towards b c
        return [0.0, a * (b * y[0] - y[1])]

    def crossing(t, y):
        return y[0] - V_th

    crossing.terminal = True
    crossing.direction = 1

    spikes, t, y = [], 0.0, np.array([V0, u0], float)
    while t < T:
        sol = solve_ivp(rhs, (t, T), y, method='DOP853', rtol=rtol, atol=atol, events=crossing)
        if sol.status != 1:
            break
        t = float(sol.t_events[0][0])
        V, u = sol.y_events[0][0]
        spikes.append(t)
        y = np.array([c, u + d])
        if tau_ref > 0 and t < T:
            t_end = min(t + tau_ref, T)
            sol = solve_ivp(held, (t, t_end), y, method='DOP853', rtol=rtol, atol=atol)
            t, y = t_end, sol.y[:, -1]
    return np.array(spikes)


def reference_trajectory(a, b, I, t_eval, V0=-70.0, u0=None, p=(0.04, 5.0, 140.0)):
    """(V, u) at ``t_eval`` of a spike-free trajectory (raises if it would spike)."""
    p1, p2, p3 = p
    u0 = b * V0 if u0 is None else u0

    def rhs(t, y):
        V, u = y
        return [p1 * V * V + p2 * V + p3 - u + I, a * (b * V - u)]

    sol = solve_ivp(rhs, (0.0, float(t_eval[-1])), [V0, u0], method='DOP853', t_eval=t_eval,
                    rtol=1e-12, atol=1e-12)
    assert sol.success and np.all(sol.y[0] < 30.0), 'reference trajectory must stay subthreshold'
    return sol.y
