"""Measured order of the exact-in-step integrator (riccati) on the 2007 class rules, against float64 solve_ivp.

Reference: :func:`reference_2007.ode_spike_times` (DOP853, rtol = atol = 1e-11, stopping at every spike and
at every crossing of the b switch). The error is the largest spike-time error over the run's spikes; the
order is the slope of log(error) against log(dt) over dt = 0.1, 0.05, 0.025 ms. Measured (float64): FS
(cubic u-nullcline) 1.95, LTS (u-dependent peak and reset) 1.70, RTN tonic 2.00, and across the b switch at
-65 mV, which riccati locates inside the step (:func:`izhi_dyn.core.riccati.time_to_level`): TC with the
book's pivot (U continuous, its slope jumps) 1.99, errors 2.5e-5 to 1.6e-6 ms; TC with izhi2007.m's pivot
(U jumps from -75 pA to 0) 2.01, 4.0e-5 to 2.4e-6 ms; u flows on the old branch up to the crossing and on
the new one after it. With u on one branch for the whole step these were 0.65 and no convergence (1.6e-3 ms
at every dt).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import reference_2007
from izhi_dyn import CELL_CLASSES_2007, Params2007
from izhi_dyn.core import get_integrator, neuron_update, recovery_target

DTS = np.array([0.1, 0.05, 0.025])


def _spike_times(cell, I, T, dt, V0, u0):
    p, integrator, n = cell.params(), get_integrator('riccati'), int(round(T / dt))

    def body(carry, k):
        V, u, last = carry
        out = neuron_update(V, u, last, I, k * dt, dt, p, 0.0, integrator=integrator)
        return (out.V, out.u, jnp.where(out.fired, k * dt, last)), (out.fired, out.spike_time)

    init = (jnp.float64(V0), jnp.float64(u0), jnp.float64(-1e7))
    fired, times = jax.jit(lambda: jax.lax.scan(body, init, jnp.arange(n))[1])()
    return np.asarray(times)[np.asarray(fired)]


def _errors(code, I, T, V0=None):
    cell = CELL_CLASSES_2007[code]
    V0 = cell.v_r if V0 is None else V0
    u0 = float(recovery_target(V0, cell.params()))
    reference = reference_2007.ode_spike_times({f: getattr(cell, f) for f in Params2007._fields}, I, T, V0=V0, u0=u0)
    assert reference.size >= 2
    errors = []
    for dt in DTS:
        ours = _spike_times(cell, I, T, dt, V0, u0)
        assert ours.size == reference.size, (code, dt)
        errors.append(np.abs(ours - reference).max())
    return np.array(errors)


@pytest.mark.parametrize('code, I, T, rule', [
    pytest.param('FS', 200.0, 60.0, 'cubic u-nullcline', marks=pytest.mark.slow),
    ('LTS', 200.0, 150.0, 'peak 40 - 0.1 u, reset -53 + 0.04 u, ceiling 670'),
    pytest.param('RTN', 70.0, 150.0, 'b switched at -65 mV (from rest, no crossing later)', marks=pytest.mark.slow),
])
def test_riccati_is_second_order_on_the_class_rules(x64, code, I, T, rule):
    errors = _errors(code, I, T)
    order = np.polyfit(np.log(DTS), np.log(errors), 1)[0]
    assert order > 1.6, (rule, order, errors)
    assert errors[-1] < 0.02, (rule, errors)  # ms


@pytest.mark.slow
@pytest.mark.parametrize('code', ['TC', 'TC_book'])
def test_riccati_stays_second_order_across_the_b_switch(x64, code):
    """TC released from -80 mV crosses -65 mV once: u flows on the old branch up to the crossing found inside
    the step and on the new one after it, so the order holds with the book's pivot (U's slope jumps) and with
    izhi2007.m's (U itself jumps)."""
    errors = _errors(code, 100.0, 100.0, -80.0)
    order = np.polyfit(np.log(DTS), np.log(errors), 1)[0]
    assert order > 1.9, (order, errors)
    assert errors[-1] < 5e-6, errors  # ms
