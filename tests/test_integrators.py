"""Measured order of convergence of every integrator against ``solve_ivp``.

On a smooth subthreshold trajectory (no spike, so no reset), the global error
(max over V and u sampled every ms) scales as ``dt**order``; the order is the slope of a
least-squares fit of log(error) against log(dt), as in diffrax's order tests.
Runs in float64 so the error is not floored by round-off.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from reference import reference_trajectory

import izhi_dyn
from izhi_dyn import Params

T = 20.0
I_DRIVE = 1.0  # subthreshold for RS: V relaxes from -62 towards rest, u follows
DTS = np.array([0.25, 0.125, 0.0625, 0.03125])
V0 = -62.0


SAMPLES = np.arange(1.0, T + 0.5, 1.0)  # grid times shared by every dt


def _trajectory(integrator, dt, recovery='standard'):
    """(V, u) at ``SAMPLES``, shape (2, len(SAMPLES))."""
    p = Params(*(jnp.asarray(v) for v in (0.02, 0.2, -65.0, 8.0, 30.0, 0.04, 5.0, 140.0)), recovery=recovery)
    steps = int(round(T / dt))

    def body(state, _):
        out = integrator.step(state[0], state[1], I_DRIVE, dt, p)
        return (out.V, out.u), (out.V, out.u)

    _, (V, u) = jax.lax.scan(body, (jnp.asarray(V0), jnp.asarray(0.2 * V0)), None, length=steps)
    every = int(round(1.0 / dt))
    return np.stack([np.asarray(V)[every - 1::every], np.asarray(u)[every - 1::every]])


def _measured_order(integrator, reference, recovery='standard'):
    errors = np.array([np.abs(_trajectory(integrator, dt, recovery) - reference).max() for dt in DTS])
    assert np.all(errors > 0) and np.all(np.isfinite(errors)), errors
    return np.polyfit(np.log(DTS), np.log(errors), 1)[0], errors


@pytest.mark.parametrize('name', sorted(izhi_dyn.INTEGRATORS))
def test_measured_order_matches_declared(name, x64):
    integrator = izhi_dyn.INTEGRATORS[name]
    reference = reference_trajectory(0.02, 0.2, I_DRIVE, SAMPLES, V0=V0)
    order, errors = _measured_order(integrator, reference)
    assert abs(order - integrator.order) <= 0.3, (order, errors)


def test_riccati_order_with_accommodation_recovery(x64):
    """du/dt = a b (V + 65): the u flow driven by the mean V is exact, still order 2."""
    a, b = 0.02, 0.2

    def rhs(t, y):
        return [0.04 * y[0] ** 2 + 5 * y[0] + 140 - y[1] + I_DRIVE, a * b * (y[0] + 65.0)]

    from scipy.integrate import solve_ivp

    sol = solve_ivp(rhs, (0, T), [V0, b * V0], method='DOP853', t_eval=SAMPLES, rtol=1e-12, atol=1e-12)
    order, errors = _measured_order(izhi_dyn.INTEGRATORS['riccati'], sol.y, recovery='accommodation')
    assert abs(order - 2) <= 0.3, (order, errors)


def test_riccati_voltage_flow_is_exact_for_frozen_u():
    """With u and I frozen, one Riccati step of any length equals solve_ivp's V."""
    from scipy.integrate import solve_ivp

    from izhi_dyn.core import riccati as _riccati

    q = 140.0 - (-14.0) + 0.0  # tanh branch (D < 0) and tan branch (D > 0) below
    for q in (q - 160.0, q):
        sol = solve_ivp(lambda t, v: 0.04 * v * v + 5 * v + q, (0, 0.5), [-70.0], rtol=1e-12, atol=1e-12)
        got = float(_riccati.voltage_flow(jnp.asarray(-70.0), q, 0.5, 0.04, 5.0))
        rtol = 10 * np.finfo(np.asarray(got).dtype).eps ** 0.5
        np.testing.assert_allclose(got, sol.y[0, -1], rtol=rtol)


@pytest.mark.parametrize('q, V0, level, reached', [
    (160.0, -70.0, -50.0, True), (160.0, -70.0, -80.0, False),  # D > 0: V rises without bound
    (100.0, -20.0, 0.0, True), (100.0, -20.0, -22.0, False),  # D < 0, above both roots (-100, -25): rises
    (100.0, -70.0, -90.0, True), (100.0, -70.0, -60.0, False), (100.0, -70.0, -110.0, False),  # between: falls
    (100.0, -120.0, -105.0, True), (100.0, -120.0, -95.0, False),  # below both: rises to -100
])
def test_riccati_time_to_level_in_both_directions(x64, q, V0, level, reached):
    """The frozen-u flow reaches a level, rising or falling, when solve_ivp's event says so (the b switch)."""
    from scipy.integrate import solve_ivp

    from izhi_dyn.core.riccati import time_to_level

    def at_level(t, v):
        return v[0] - level

    at_level.terminal = True
    sol = solve_ivp(lambda t, v: 0.04 * v * v + 5 * v + q, (0, 50.0), [V0], events=at_level, rtol=1e-12,
                    atol=1e-12)
    got = float(time_to_level(jnp.asarray(V0), level, q, 0.04, 5.0))
    assert (sol.t_events[0].size == 1) == reached  # the cases are what they say
    if reached:
        np.testing.assert_allclose(got, sol.t_events[0][0], rtol=1e-9)
    else:
        assert got == np.inf
    assert float(time_to_level(jnp.asarray(V0), V0, q, 0.04, 5.0)) == 0.0


def test_unknown_method_lists_valid_names():
    with pytest.raises(ValueError, match='method=.*rk5.*') as info:
        izhi_dyn.get_integrator('rk5')
    for name in izhi_dyn.INTEGRATORS:
        assert repr(name) in str(info.value)
    with pytest.raises(ValueError, match='method='):
        izhi_dyn.Izhikevich(2, method='rk5')


def test_registry_declares_order_and_capabilities():
    reg = izhi_dyn.INTEGRATORS
    assert {'euler', 'rk2', 'heun2', 'midpoint', 'rk4', 'exp_auto', 'exp_euler',
            'izhikevich2004', 'izhikevich2003', 'riccati'} <= set(reg)
    assert reg['riccati'].exact_events and not reg['euler'].exact_events
    assert izhi_dyn.get_integrator(reg['rk4']) is reg['rk4']
