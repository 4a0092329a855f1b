"""izhi_dyn.core.moebius (the branch-free Riccati flow) against float64 solve_ivp."""

import jax.numpy as jnp
import numpy as np
from scipy.integrate import solve_ivp

from izhi_dyn.core import moebius

P1, P2 = 0.04, 5.0


def _reference(V0, q, t, slope=0.0):
    """V(t) and the time average of V over [0, t] for dV/dt = p1 V^2 + p2 V + q + slope (s - t/2) (DOP853,
    tight)."""
    sol = solve_ivp(lambda s, y: [P1 * y[0] ** 2 + P2 * y[0] + q + slope * (s - t / 2), y[0]], (0.0, t), [V0, 0.0],
                    method='DOP853', rtol=1e-13, atol=1e-13)
    return sol.y[0, -1], sol.y[1, -1] / t


def test_flow_and_mean_match_solve_ivp_for_both_signs_of_the_discriminant(x64):
    # q = 160: p2^2/4 - p1 q < 0 (no fixed point, cos branch); q = 120, -100: > 0 (cosh branch); t up to 1 ms.
    cases = [(-65.0, 160.0, 0.1), (-40.0, 120.0, 0.5), (-70.0, -100.0, 1.0), (20.0, 160.0, 0.05), (-62.5, 156.25, 0.3)]
    for V0, q, t in cases:
        x, y, mean = moebius.voltage_flow(jnp.asarray(V0), jnp.asarray(q), jnp.asarray(t), P1, P2)
        V_ref, mean_ref = _reference(V0, q, t)
        assert float(y) > 0
        np.testing.assert_allclose(float(x / y), V_ref, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(float(mean), mean_ref, rtol=1e-9, atol=1e-9)


def test_zero_time_is_the_identity_and_the_blow_up_is_flagged(x64):
    x, y, mean = moebius.voltage_flow(jnp.asarray(-60.0), jnp.asarray(10.0), jnp.asarray(0.0), P1, P2)
    assert float(x) == -60.0 and float(y) == 1.0 and float(mean) == -60.0
    # From V0 = 25 with a strong drive V reaches 30 after ~0.013 ms and +inf soon after: x - 30 y changes sign,
    # and y <= 0 once the pole has passed.
    g = [float(x - 30.0 * y) for x, y, _ in (moebius.voltage_flow(jnp.asarray(25.0), jnp.asarray(200.0),
                                                                    jnp.asarray(t), P1, P2) for t in (0.005, 0.03))]
    assert g[0] < 0 < g[1]
    _, y_late, _ = moebius.voltage_flow(jnp.asarray(25.0), jnp.asarray(200.0), jnp.asarray(0.5), P1, P2)
    assert float(y_late) <= 0


def test_moment_makes_a_varying_drive_fourth_order(x64):
    # A drive ramping by 400 mV/ms^2 around its mean 150: the mean alone leaves a third-order local error; with
    # the first moment m = slope t^3 / 12 (Magnus' commutator term) the error is fifth order, so halving the step
    # divides it by about 32.
    V0, q0, slope = -60.0, 150.0, 400.0
    errors = {True: [], False: []}
    for t in (0.4, 0.2, 0.1):
        V_ref, mean_ref = _reference(V0, q0, t, slope)
        for with_moment in (True, False):
            m = slope * t ** 3 / 12 if with_moment else 0.0
            x, y, mean = moebius.voltage_flow(jnp.asarray(V0), jnp.asarray(q0), jnp.asarray(t), P1, P2, m)
            errors[with_moment].append((abs(float(x / y) - V_ref), abs(float(mean) - mean_ref)))
    for coarse, fine in zip(errors[True], errors[True][1:]):
        assert 25.0 < coarse[0] / fine[0] < 40.0, errors[True]
    # measured at t = 0.1: V off by 5.4e-4 against 5.4e-3 with the mean alone, its mean by 3.2e-4 against 0.34
    assert errors[True][-1][0] < 0.2 * errors[False][-1][0]
    assert errors[True][-1][1] < 1e-2 * errors[False][-1][1]
