"""Independent NumPy transcription of ModelDB 39948 ``izhi2007.m`` (OpenSourceBrain IzhikevichModel).

Also the same scheme for the classes ``izhi2007.m`` lacks (:data:`BOOK_ONLY`: LS with
its passive dendrite, the medium spiny neuron), written from the book's equations.

The book's cell classes (Izhikevich 2007, ch. 8) as the published MATLAB code
runs them: forward Euler at tau = 0.25 ms, V and u from the old V and u, the
cell-type switches of the code (``celltype`` 1-7), current on from t = 0 and,
in burst mode, a 120-ms hyperpolarising hold first. Imports nothing from
izhi_dyn: it is the reference the package is checked against.

Step i (0-based) goes from sample i to i + 1 with the input ``I[i]``; a spike
in step i is reported as the sample i (time ``i * tau``), the sample the
code overwrites with the peak for its plot.
"""

import numpy as np

TAU = 0.25
HOLD = 120.0

#: name: (celltype, T, amplitudes, C, k, vr, vt, vpeak, a, b, c, d) as in izhi2007.m.
CLASSES = {
    'RS': (1, 520.0, (60.0, 70.0, 85.0, 100.0), 100, 0.7, -60, -40, 35, 0.03, -2, -50, 100),
    'IB': (2, 600.0, (290.0, 370.0, 500.0, 550.0), 150, 1.2, -75, -45, 50, 0.01, 5, -56, 130),
    'CH': (3, 210.0, (200.0, 300.0, 400.0, 600.0), 50, 1.5, -60, -40, 25, 0.03, 1, -40, 150),
    'LTS': (4, 320.0, (100.0, 125.0, 200.0, 300.0), 100, 1, -56, -42, 40, 0.03, 8, -53, 20),
    'FS': (5, 100.0, (73.2, 100.0, 200.0, 400.0), 20, 1, -55, -40, 25, 0.2, -2, -45, -55),
    'TC': (6, 650.0, (50.0, 100.0, 150.0), 200, 1.6, -60, -50, 35, 0.01, 15, -60, 10),
    'RTN': (7, 650.0, (50.0, 70.0, 110.0), 40, 0.25, -65, -45, 0, 0.015, 10, -55, 50),
}

#: Burst mode (``burstMode = 1``): name: (hold current Iin0, amplitudes, T).
BURST = {
    'TC': (-1200.0, (0.0, 50.0, 100.0), 650.0),
    'RTN': (-350.0, (30.0, 50.0, 90.0), 720.0),
}


def run(name, amplitude, burst=False):
    """Spike samples, whether a peak test hit equality (``>`` vs ``>=`` would differ), and max u."""
    celltype, T, _, C, k, vr, vt, vpeak, a, b, c, d = CLASSES[name]
    if burst:
        Iin0, _, T = BURST[name]
    n = int(round(T / TAU))
    if burst:
        n0 = int(HOLD / TAU)
        I = np.concatenate([np.full(n0, Iin0), np.full(n, amplitude)])
        n = n + n0
    else:
        I = np.full(n, amplitude)
    v = vr * np.ones(n)
    u = 0.0 * v
    spikes, tie = [], False
    for i in range(n - 1):
        v[i + 1] = v[i] + TAU * (k * (v[i] - vr) * (v[i] - vt) - u[i] + I[i]) / C
        if celltype < 5:
            u[i + 1] = u[i] + TAU * a * (b * (v[i] - vr) - u[i])
        elif celltype == 5:  # FS: U(v) = 0 below vb, 0.025 (v - vb)^3 above; the code keeps vb in d
            if v[i + 1] < d:
                u[i + 1] = u[i] + TAU * a * (0 - u[i])
            else:
                u[i + 1] = u[i] + TAU * a * ((0.025 * (v[i] - d) ** 3) - u[i])
        elif celltype == 6:
            b = 0 if v[i + 1] > -65 else 15
            u[i + 1] = u[i] + TAU * a * (b * (v[i] - vr) - u[i])
        else:
            b = 2 if v[i + 1] > -65 else 10
            u[i + 1] = u[i] + TAU * a * (b * (v[i] - vr) - u[i])

        if celltype < 4 or celltype in (5, 7):
            tie |= v[i + 1] == vpeak
            if v[i + 1] >= vpeak:
                spikes.append(i)
                v[i + 1] = c
                if celltype != 5:
                    u[i + 1] = u[i + 1] + d
        elif celltype == 4:
            tie |= v[i + 1] == vpeak - 0.1 * u[i + 1]
            if v[i + 1] > vpeak - 0.1 * u[i + 1]:
                spikes.append(i)
                v[i + 1] = c + 0.04 * u[i + 1]
                if np.all(u + d < 670):  # MATLAB's `if ((u+d)<670)` on the whole vector
                    u[i + 1] = u[i + 1] + d
                else:
                    u[i + 1] = 670
        else:
            tie |= v[i + 1] == vpeak + 0.1 * u[i + 1]
            if v[i + 1] > vpeak + 0.1 * u[i + 1]:
                spikes.append(i)
                v[i + 1] = c - 0.1 * u[i + 1]
                u[i + 1] = u[i + 1] + d
    return spikes, bool(tie), float(u.max())


#: Classes ``izhi2007.m`` lacks, under the same scheme (the book's Euler, tau = 0.25 ms, current from t = 0):
#: name: (T, amplitudes, C, k, vr, vt, vpeak, a, b, c, d, gd, ad), with the dendrite
#: C v' = k (v - vr)(v - vt) + gd (vd - v) - u + I, vd' = ad (v - vd) (gd = 0: none).
BOOK_ONLY = {
    'LS': (1000.0, (137.0, 140.0, 150.0, 200.0), 20, 0.3, -66, -40, 30, 0.17, 5, -45, 100, 1.2, 0.01),
    'MSN': (1000.0, (350.0, 400.0, 500.0, 600.0), 50, 1, -80, -25, 40, 0.01, -20, -55, 150, 0.0, 0.0),
}


def run_book_only(name, amplitude):
    """Spike samples of a :data:`BOOK_ONLY` class (as :func:`run`): v, u and vd all from the old v, u, vd."""
    T, _, C, k, vr, vt, vpeak, a, b, c, d, gd, ad = BOOK_ONLY[name]
    n = int(round(T / TAU))
    v, u, vd = float(vr), 0.0, float(vr)
    spikes, tie = [], False
    for i in range(n - 1):
        v_new = v + TAU * (k * (v - vr) * (v - vt) + gd * (vd - v) - u + amplitude) / C
        u_new = u + TAU * a * (b * (v - vr) - u)
        vd = vd + TAU * ad * (v - vd)
        tie |= v_new == vpeak
        if v_new >= vpeak:
            spikes.append(i)
            v_new, u_new = c, u_new + d
        v, u = v_new, u_new
    return spikes, bool(tie)


#: Runs whose float64 samples the compiled package does not keep, because XLA's CPU code rounds otherwise
#: than this transcription (same operations, same order in the source): the parameters are compile-time
#: constants, so XLA folds ``v + tau * I_m / C`` into ``v + I_m * 0.005``, and its LLVM backend contracts
#: every multiply-add into one FMA on hosts that have the instruction (also ``u + (tau a) (...)``). After step
#: 175 (0-based) of msn_500pA V is -65.51979568740343 instead of -65.51979568740344 (1 ulp; in exact
#: arithmetic fma(I_m, tau/C, v) gives it, folding or FMA alone does not), and MSN's slow ramp (b < 0) turns
#: ulps into samples. Compiled without FMA (``XLA_FLAGS=--xla_cpu_max_isa=AVX``) both runs equal this
#: reference (test_izhikevich2007.py); ``lax.optimization_barrier`` does not stop the contraction and jaxlib
#: 0.10.2 has no other switch for it. Counts and the first 8 spikes hold (measured).
FLOAT64_DRIFT = {'msn_500pA', 'msn_600pA'}


def expected_samples(code, amplitude, burst=False):
    """The spike samples of class ``code`` at ``amplitude`` (pA) from :func:`run` or :func:`run_book_only`."""
    if code in BOOK_ONLY:
        return run_book_only(code, amplitude)[0]
    return run(code, amplitude, burst=burst)[0]


def ode_spike_times(cell, I, T, V0=None, u0=0.0, rtol=1e-11, atol=1e-11):
    """Spike times (ms) of the 2007 form under constant ``I`` (pA) over ``[0, T]``, float64 ``solve_ivp``.

    ``cell`` is a dict of the book's parameters and rules (C, k, v_r, v_t, v_peak, a, b, c, d, v_b and,
    optionally, b_low, v_switch, peak_u, reset_u, u_max, nullcline), written out here from the book's text,
    not from the package. Integration stops at every spike (``V = v_peak + peak_u u``, the reset
    ``V <- c + reset_u u``, ``u <- min(u + d, u_max)`` follows) and at every crossing of ``v_switch``
    (where b jumps), so DOP853 never steps across a discontinuity. Starts at ``V0`` (default v_r) and ``u0``.
    """
    from scipy.integrate import solve_ivp

    g = dict(b_low=0.0, v_switch=-np.inf, peak_u=0.0, reset_u=0.0, u_max=np.inf, nullcline='linear')
    g.update(cell)

    def U(V, below):
        if g['nullcline'] == 'cubic':
            return 0.0 if V < g['v_b'] else g['b'] * (V - g['v_b']) ** 3
        return (g['b_low'] if below else g['b']) * (V - g['v_b'])

    def peak(t, y):
        return y[0] - (g['v_peak'] + g['peak_u'] * y[1])

    def switch(t, y):
        return y[0] - g['v_switch']

    peak.terminal, peak.direction = True, 1
    switch.terminal = True
    spikes, t, y = [], 0.0, np.array([g['v_r'] if V0 is None else V0, u0])
    while t < T:
        below = y[0] <= g['v_switch'] if np.isfinite(g['v_switch']) else False

        def rhs(t, y, below=below):
            V, u = y
            return [(g['k'] * (V - g['v_r']) * (V - g['v_t']) - u + I) / g['C'], g['a'] * (U(V, below) - u)]

        events = [peak, switch] if np.isfinite(g['v_switch']) else [peak]
        sol = solve_ivp(rhs, (t, T), y, method='DOP853', rtol=rtol, atol=atol, events=events)
        if sol.status != 1:
            break
        if sol.t_events[0].size:
            t = float(sol.t_events[0][0])
            V, u = sol.y_events[0][0]
            spikes.append(t)
            y = np.array([g['c'] + g['reset_u'] * u, min(u + g['d'], g['u_max'])])
        else:
            t = float(sol.t_events[1][0])
            y = sol.y_events[1][0].copy()
            y[0] = g['v_switch'] + (1e-12 if below else -1e-12)  # step off the switch, to its far side
    return np.array(spikes)
