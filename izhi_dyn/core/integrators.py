r"""Named one-step integrators for the Izhikevich model, both forms, each with its order.

Every method serves the 2003 and the 2007 form alike: the form is the type
of ``params`` (:class:`~izhi_dyn.core.equations.Params` or
:class:`~izhi_dyn.core.equations.Params2007`), read by the vector field of
:mod:`izhi_dyn.core.equations`.

Every integrator advances the state :math:`(V, u)` over one step of length
``dt`` with the input current ``I`` held constant over the step, and returns
the *pre-reset* state: threshold, reset and refractoriness are applied by the
neuron afterwards (:mod:`izhi_dyn.core.update`). A step has the signature::

    step(V, u, I, dt, params, dW=None) -> StepResult(V, u, t_cross)

``dW`` is ``None`` or the pair of additive noise increments
:math:`(\sigma_V \sqrt{dt}\,\xi_V,\ \sigma_u \sqrt{dt}\,\xi_u)`; only integrators
with ``stochastic=True`` accept it. ``t_cross`` is the exact time inside the
step at which V reached threshold (``inf`` if it did not) for integrators with
``exact_events=True``, and ``None`` for the others, whose in-step spike time is
interpolated by the neuron.

Available names (see :data:`INTEGRATORS`):

* explicit Runge--Kutta methods with the Butcher tableaux of
  :func:`brainpy.odeint`: ``euler`` (1), ``midpoint`` (2), ``heun2`` (2),
  ``ralston2`` (2), ``rk2`` (2), ``rk3`` (3), ``heun3`` (3), ``ralston3`` (3),
  ``ssprk3`` (3), ``rk4`` (4), ``rk4_38rule`` (4);
* ``exp_euler`` / ``exp_auto`` (1): exponential Euler on the diagonal of the
  Jacobian, as brainpy's ``exp_auto``;
* ``izhikevich2004`` (1): the scheme of the author's 2004 figure code: an Euler
  step for V, then an Euler step for u using the **new** V;
* ``izhikevich2003`` (1): the scheme of the author's 2003 network code: two
  Euler half-steps for V, then one full step for u using the new V;
* ``izhikevich2007`` (1): the book's forward Euler (Izhikevich 2007, p. 274,
  and ModelDB 39948 ``izhi2007.m``): V and u both from the old V and u,
  written as the published code writes it
  (``v + tau*(k*(v-vr)*(v-vt) - u + I)/C``, ``u + tau*a*(U - u)``); the
  2007 form's voltage-dependent b (TC, RTN) and FS nullcline branch are
  selected by the **new** V, as the published code does;
* ``riccati`` (2): exact-in-step. V follows its closed-form Riccati flow with
  u frozen at its mid-step value; u follows its exact linear flow driven by
  the mean of that V trajectory (:func:`izhi_dyn.core.riccati.segment`, both
  forms; where the 2007 form's b switches inside the step, u changes branch at
  the crossing time). The flow never blows up inside a step and gives the time at which V
  reaches threshold; the step stops there, and after the reset the rest of the
  step is integrated from the reset state (``resume``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, NamedTuple, Optional

import jax.numpy as jnp

from izhi_dyn.core import riccati
from izhi_dyn.core.equations import (Params2007, membrane_current, recovery_derivative, recovery_target,
                                     voltage_derivative)

__all__ = ['Integrator', 'StepResult', 'INTEGRATORS', 'TABLEAUX', 'V_BOUND', 'get_integrator', 'bounded', 'explicit_rk',
           'runge_kutta_family', 'phi', 'exponential_euler_step']


class StepResult(NamedTuple):
    """What one integrator step returns: the state ``(V, u)`` at the end of the step, before any reset,
    and ``t_cross``, the time inside the step at which V reached threshold (exact-event methods only)."""

    V: jnp.ndarray
    u: jnp.ndarray
    t_cross: Optional[jnp.ndarray] = None


@dataclass(frozen=True)
class Integrator:
    """A named one-step method of declared convergence ``order``.

    Attributes
    ----------
    name : str
        The name accepted by ``method=``.
    order : int
        Global order of convergence on smooth (spike-free) trajectories.
    step : callable
        ``step(V, u, I, dt, params, dW=None) -> StepResult``.
    stochastic : bool
        Whether ``step`` accepts additive noise increments ``dW``.
    exact_events : bool
        Whether ``step`` returns the exact in-step threshold-crossing time.
    resume : callable or None
        For ``exact_events`` methods, ``resume(V, u, I, rest, params) -> (V, u)``
        integrates the reset state over the ``rest`` of the step.
    """

    name: str
    order: int
    step: Callable[..., StepResult]
    stochastic: bool = False
    exact_events: bool = False
    resume: Optional[Callable[..., tuple]] = None


#: Explicit methods overshoot at large dt (V^2 grows without bound before the
#: threshold test); V is kept within +-V_BOUND mV, far outside any subthreshold
#: trajectory, so stages stay finite and the reset still fires.
V_BOUND = 1e4


def bounded(V):
    """V clipped to :data:`V_BOUND`."""
    return jnp.clip(V, -V_BOUND, V_BOUND)


def _derivatives(V, u, I, p):
    return voltage_derivative(V, u, I, p), recovery_derivative(V, u, p)


def explicit_rk(A, B, derivatives):
    """Explicit Runge--Kutta step from a Butcher tableau (rows of A, weights B).

    ``derivatives(V, u, I, p) -> (dV/dt, du/dt)`` is the vector field, so one
    builder serves every form of the model.
    """
    A = [[float(Fraction(x)) for x in row] for row in A]
    B = [float(Fraction(x)) for x in B]

    def step(V, u, I, dt, p, dW=None):
        kV, ku = [], []
        for row in A:
            Vi = V + dt * sum(a * k for a, k in zip(row, kV))
            ui = u + dt * sum(a * k for a, k in zip(row, ku))
            if dW is not None and row:  # stochastic Heun: the predictor carries the noise
                Vi, ui = Vi + dW[0], ui + dW[1]
            dV, du = derivatives(bounded(Vi), ui, I, p)
            kV.append(dV)
            ku.append(du)
        V_new = V + dt * sum(b * k for b, k in zip(B, kV))
        u_new = u + dt * sum(b * k for b, k in zip(B, ku))
        if dW is not None:
            V_new, u_new = V_new + dW[0], u_new + dW[1]
        return StepResult(bounded(V_new), u_new)

    return step


def runge_kutta_family(derivatives, stochastic=('euler', 'heun2')) -> dict:
    """Every explicit method of :data:`TABLEAUX` for the vector field ``derivatives``, by name."""
    return {name: Integrator(name, order, explicit_rk(A, B, derivatives), stochastic=name in stochastic)
            for name, (order, A, B) in TABLEAUX.items()}


def phi(J, dt):
    """(exp(J dt) - 1) / J, equal to dt at J = 0, with a gradient-safe branch."""
    small = jnp.abs(J * dt) < 1e-6
    J_safe = jnp.where(small, 1.0, J)
    return jnp.where(small, dt * (1.0 + 0.5 * J * dt), jnp.expm1(J_safe * dt) / J_safe)


def exponential_euler_step(V, u, dV, du, J_V, J_u, dt, dW=None):
    r"""One exponential-Euler step on the diagonal of the Jacobian: :math:`x + \dot x\,arphi(J_x, dt)`."""
    V_new = bounded(V + dV * phi(J_V, dt))
    u_new = u + du * phi(J_u, dt)
    if dW is not None:
        V_new, u_new = V_new + dW[0], u_new + dW[1]
    return StepResult(V_new, u_new)


def _exp_euler(V, u, I, dt, p, dW=None):
    dV, du = _derivatives(V, u, I, p)
    if isinstance(p, Params2007):
        J_V, J_u = p.k * (2.0 * V - p.v_r - p.v_t) / p.C, -p.a * jnp.ones_like(u)
    else:
        J_V = 2.0 * p.p1 * V + p.p2
        J_u = jnp.zeros_like(u) if p.recovery == 'accommodation' else -p.a * jnp.ones_like(u)
    return exponential_euler_step(V, u, dV, du, J_V, J_u, dt, dW)


def _izhikevich2004(V, u, I, dt, p, dW=None):
    V_new = V + dt * voltage_derivative(V, u, I, p)
    if dW is not None:
        V_new = V_new + dW[0]
    V_new = bounded(V_new)
    u_new = u + dt * recovery_derivative(V_new, u, p)
    if dW is not None:
        u_new = u_new + dW[1]
    return StepResult(V_new, u_new)


def _izhikevich2003(V, u, I, dt, p, dW=None):
    half = 0.5 * dt
    V_half = bounded(V + half * voltage_derivative(V, u, I, p))
    V_new = V_half + half * voltage_derivative(V_half, u, I, p)
    if dW is not None:
        V_new = V_new + dW[0]
    V_new = bounded(V_new)
    u_new = u + dt * recovery_derivative(V_new, u, p)
    if dW is not None:
        u_new = u_new + dW[1]
    return StepResult(V_new, u_new)


def _izhikevich2007(V, u, I, dt, p, dW=None):
    C = p.C if isinstance(p, Params2007) else 1.0
    V_new = V + dt * membrane_current(V, u, I, p) / C
    if dW is not None:
        V_new = V_new + dW[0]
    V_new = bounded(V_new)
    u_new = u + dt * p.a * (recovery_target(V, p, V_new) - u)
    if dW is not None:
        u_new = u_new + dW[1]
    return StepResult(V_new, u_new)


def _riccati_step(V, u, I, dt, p, dW=None):
    return StepResult(*riccati.segment(V, u, I, dt, p))


def _riccati_resume(V, u, I, rest, p):
    # A second crossing within the same step is not resolved: V stops at V_th.
    V_new, u_new, _ = riccati.segment(V, u, I, rest, p)
    return V_new, u_new


#: Butcher tableaux of the explicit methods: name -> (order, rows of A, weights B).
TABLEAUX = {
    'euler': (1, [[]], [1]),
    'midpoint': (2, [[], ['1/2']], [0, 1]),
    'heun2': (2, [[], [1]], ['1/2', '1/2']),
    'ralston2': (2, [[], ['2/3']], ['1/4', '3/4']),
    'rk2': (2, [[], ['2/3']], ['1/4', '3/4']),
    'rk3': (3, [[], ['1/2'], [-1, 2]], ['1/6', '2/3', '1/6']),
    'heun3': (3, [[], ['1/3'], [0, '2/3']], ['1/4', 0, '3/4']),
    'ralston3': (3, [[], ['1/2'], [0, '3/4']], ['2/9', '1/3', '4/9']),
    'ssprk3': (3, [[], [1], ['1/4', '1/4']], ['1/6', '1/6', '2/3']),
    'rk4': (4, [[], ['1/2'], [0, '1/2'], [0, 0, 1]], ['1/6', '1/3', '1/3', '1/6']),
    'rk4_38rule': (4, [[], ['1/3'], ['-1/3', 1], [1, -1, 1]], ['1/8', '3/8', '3/8', '1/8']),
}


def _build_registry():
    registry = runge_kutta_family(_derivatives)
    registry['exp_euler'] = Integrator('exp_euler', 1, _exp_euler, stochastic=True)
    registry['exp_auto'] = Integrator('exp_auto', 1, _exp_euler, stochastic=True)
    registry['izhikevich2004'] = Integrator('izhikevich2004', 1, _izhikevich2004, stochastic=True)
    registry['izhikevich2003'] = Integrator('izhikevich2003', 1, _izhikevich2003, stochastic=True)
    registry['izhikevich2007'] = Integrator('izhikevich2007', 1, _izhikevich2007, stochastic=True)
    registry['riccati'] = Integrator(
        'riccati', 2, _riccati_step, exact_events=True, resume=_riccati_resume
    )
    return registry


#: All integrators by name.
INTEGRATORS: dict[str, Integrator] = _build_registry()


def get_integrator(method) -> Integrator:
    """Return the :class:`Integrator` named ``method`` (or ``method`` itself); every one serves both forms.

    Raises
    ------
    ValueError
        If ``method`` is not a known name; the message lists the valid ones.
    """
    if isinstance(method, Integrator):
        return method
    if not isinstance(method, str) or method not in INTEGRATORS:
        raise ValueError(f'method={method!r} is not a known integrator; expected one of {sorted(INTEGRATORS)}')
    return INTEGRATORS[method]
