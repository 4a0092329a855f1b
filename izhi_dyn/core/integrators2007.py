r"""Named one-step integrators for the 2007 form, each with its order.

The same contract as :mod:`izhi_dyn.core.integrators`:
``step(V, u, I, dt, params, dW=None) -> Step(V, u, t_cross)`` returns the
pre-reset state; :func:`izhi_dyn.core.update2007.neuron_update2007` applies
the peak test, the reset and refractoriness.

Available names (see :data:`INTEGRATORS2007`):

* ``izhikevich2007`` (1): the book's forward Euler (Izhikevich 2007, p. 274,
  and ModelDB 39948 ``izhi2007.m``): V and u both from the old V and u,
  written as the published code writes it
  (``v + tau*(k*(v-vr)*(v-vt) - u + I)/C``, ``u + tau*a*(U - u)``). The
  voltage-dependent b (TC, RTN) and the FS nullcline's branch are selected
  by the **new** V, as the published code does;
* the explicit Runge--Kutta methods of :mod:`izhi_dyn.core.integrators`
  (``euler`` ... ``rk4_38rule``, same Butcher tableaux and orders);
* ``exp_euler`` / ``exp_auto`` (1): exponential Euler on the diagonal of the
  Jacobian, :math:`J_V = k (2V - v_r - v_t) / C`, :math:`J_u = -a`;
* ``riccati`` (2 for the plain linear nullcline): exact-in-step. With u and I
  frozen, :math:`C\dot V = k(V - v_r)(V - v_t) - u + I` is the Riccati
  equation of the 2003 form with :math:`p_1 = k/C`,
  :math:`p_2 = -k (v_r + v_t)/C`, :math:`q = (k v_r v_t - u + I)/C`, so its
  closed-form flow and threshold time (:mod:`izhi_dyn.core.riccati`) apply
  unchanged; u follows its exact flow under the segment's mean V. The peak
  :math:`v_{peak} + \pi_u u` is taken at the mid-segment u.
"""

from __future__ import annotations

import jax.numpy as jnp

from izhi_dyn.core import riccati
from izhi_dyn.core.equations2007 import (Params2007, membrane_current2007, recovery_derivative2007,
                                         recovery_target2007,
                                         recovery_flow2007, spike_peak2007, voltage_derivative2007)
from izhi_dyn.core.integrators import (Integrator, Step, bounded, exponential_euler_step, get_integrator,
                                      runge_kutta_family)

__all__ = ['INTEGRATORS2007', 'get_integrator2007']


def _book_euler(V, u, I, dt, p: Params2007, dW=None):
    V_new = V + dt * membrane_current2007(V, u, I, p) / p.C
    if dW is not None:
        V_new = V_new + dW[0]
    V_new = bounded(V_new)
    u_new = u + dt * p.a * (recovery_target2007(V, p, V_new) - u)
    if dW is not None:
        u_new = u_new + dW[1]
    return Step(V_new, u_new)


def _derivatives(V, u, I, p):
    return voltage_derivative2007(V, u, I, p), recovery_derivative2007(V, u, p)


def _exp_euler(V, u, I, dt, p, dW=None):
    dV, du = _derivatives(V, u, I, p)
    J_V = p.k * (2.0 * V - p.v_r - p.v_t) / p.C
    return exponential_euler_step(V, u, dV, du, J_V, -p.a * jnp.ones_like(u), dt, dW)


_RICCATI_PASSES = 2


def _riccati_segment(V, u, I, h, p):
    """Advance over ``h`` or up to the peak crossing; see :func:`izhi_dyn.core.integrators._riccati_segment`."""
    p1 = p.k / p.C
    p2 = -p.k * (p.v_r + p.v_t) / p.C
    base = p.k * p.v_r * p.v_t

    def drive(u_mid):
        return (base - u_mid + I) / p.C

    u_mid = recovery_flow2007(V, u, 0.5 * h, p)
    q, peak = drive(u_mid), spike_peak2007(u_mid, p)
    t_star = riccati.time_to_threshold(V, peak, q, p1, p2)
    for _ in range(_RICCATI_PASSES):
        t = jnp.minimum(t_star, h)
        _, V_mean = riccati.voltage_flow_and_mean(V, q, t, p1, p2)
        u_mid = recovery_flow2007(V_mean, u, 0.5 * t, p)
        q, peak = drive(u_mid), spike_peak2007(u_mid, p)
        t_star = riccati.time_to_threshold(V, peak, q, p1, p2)
    crossed = t_star <= h
    t = jnp.minimum(t_star, h)
    V_end, V_mean = riccati.voltage_flow_and_mean(V, q, t, p1, p2)
    u_end = recovery_flow2007(V_mean, u, t, p)
    # At the crossing V sits on the peak of the end-of-segment u, so the peak test fires.
    V_end = jnp.where(crossed, jnp.maximum(peak, spike_peak2007(u_end, p)), V_end)
    return V_end, u_end, jnp.where(crossed, t_star, jnp.inf)


def _riccati_step(V, u, I, dt, p, dW=None):
    return Step(*_riccati_segment(V, u, I, dt, p))


def _riccati_resume(V, u, I, rest, p):
    # A second crossing within the same step is not resolved: V stops at the peak.
    V_new, u_new, _ = _riccati_segment(V, u, I, rest, p)
    return V_new, u_new


def _build_registry():
    registry = runge_kutta_family(_derivatives, stochastic=('euler',))
    registry['exp_euler'] = Integrator('exp_euler', 1, _exp_euler, stochastic=True)
    registry['exp_auto'] = Integrator('exp_auto', 1, _exp_euler, stochastic=True)
    registry['izhikevich2007'] = Integrator('izhikevich2007', 1, _book_euler, stochastic=True)
    registry['riccati'] = Integrator('riccati', 2, _riccati_step, exact_events=True, resume=_riccati_resume)
    return registry


#: All integrators of the 2007 form by name.
INTEGRATORS2007: dict[str, Integrator] = _build_registry()


def get_integrator2007(method) -> Integrator:
    """Return the 2007-form :class:`~izhi_dyn.Integrator` named ``method`` (or ``method`` itself).

    Raises
    ------
    ValueError
        If ``method`` is not a known name; the message lists the valid ones.
    """
    return get_integrator(method, INTEGRATORS2007, form=' of the 2007 form')
