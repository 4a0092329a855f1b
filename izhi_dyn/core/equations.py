r"""The Izhikevich equations, both forms, as pure JAX functions.

Everything the neuron classes, the integrators and the networks compute about
the model itself lives here, once. The form is the type of the parameters:

* :class:`Params`, the 2003 form (Izhikevich 2003, 2004):

  .. math::

      \frac{dV}{dt} = p_1 V^2 + p_2 V + p_3 - u + I, \qquad
      \frac{du}{dt} = a\,(b\,V - u) \ \text{(standard)}\ \text{or}\
      a\,b\,(V - V_{acc}) \ \text{(accommodation)},

  :math:`V_{acc} = -65` mV (2004, Fig. 1R); spike at :math:`V \ge V_{th}`,
  then :math:`V \leftarrow c`, :math:`u \leftarrow u + d`;

* :class:`Params2007`, the book's form (Izhikevich 2007, *Dynamical Systems
  in Neuroscience*, ch. 8), in pF, nS/mV, mV, pA, 1/ms:

  .. math::

      C \frac{dV}{dt} = k (V - v_r)(V - v_t) - u + I, \qquad
      \frac{du}{dt} = a\,\big(U(V) - u\big),

      V \ge v_{peak} + \pi_u u:\quad V \leftarrow c + \rho_u u,\quad
      u \leftarrow \min(u + d,\ u_{max}).

  The class rules are data (fields of :class:`Params2007`, defaults the plain
  form): the u-nullcline :math:`U = b(V)\,(V - v_b)` (``'linear'``) with
  :math:`b(V) = b_{low}` where :math:`V \le v_{switch}` (TC, RTN), or
  :math:`U = 0` below :math:`v_b` and :math:`b (V - v_b)^3` above
  (``'cubic'``, FS); a u-dependent peak :math:`\pi_u` and reset
  :math:`\rho_u` (LTS, TC) and a ceiling :math:`u_{max}` (LTS).

The 2003 form is the 2007 one with :math:`C = 1`, :math:`k = p_1`,
:math:`v_r, v_t` the roots of :math:`p_1 V^2 + p_2 V + p_3` and pivot
:math:`v_b = 0` (:meth:`Params2007.from_2003`).
"""

from __future__ import annotations

import math
from typing import NamedTuple, Union

import jax.numpy as jnp

__all__ = [
    'ACCOMMODATION_V',
    'RECOVERY_LAWS',
    'NULLCLINES',
    'TRAINABLE_PARAMS',
    'Params',
    'Params2007',
    'to_state_shape',
    'membrane_current',
    'voltage_derivative',
    'recovery_target',
    'recovery_derivative',
    'recovery_flow',
    'spike_peak',
]

#: Reversal point of the "accommodation" recovery law, du/dt = a b (V + 65).
ACCOMMODATION_V = -65.0

#: Names accepted by ``recovery=`` (2003 form).
RECOVERY_LAWS = ('standard', 'accommodation')

#: Names accepted by ``nullcline=`` (2007 form).
NULLCLINES = ('linear', 'cubic')

#: Parameters that the neuron classes and layers of every front-end accept as trainable states.
TRAINABLE_PARAMS = ('a', 'b', 'c', 'd', 'V_th')


class Params(NamedTuple):
    """Parameters of the 2003 form, each a scalar or an array broadcastable to the state.

    ``recovery`` is static (a Python string), every other field may be traced.
    """

    a: jnp.ndarray
    b: jnp.ndarray
    c: jnp.ndarray
    d: jnp.ndarray
    V_th: jnp.ndarray
    p1: jnp.ndarray
    p2: jnp.ndarray
    p3: jnp.ndarray
    recovery: str = 'standard'

    def broadcast_to(self, shape) -> 'Params':
        """The parameters with every array field broadcast to the state ``shape``."""
        return self._replace(**{f: to_state_shape(getattr(self, f), shape) for f in self._fields if f != 'recovery'})


class Params2007(NamedTuple):
    """Parameters of the 2007 form; every field but ``nullcline`` may be traced."""

    C: jnp.ndarray
    k: jnp.ndarray
    v_r: jnp.ndarray
    v_t: jnp.ndarray
    v_peak: jnp.ndarray
    a: jnp.ndarray
    b: jnp.ndarray
    c: jnp.ndarray
    d: jnp.ndarray
    v_b: jnp.ndarray
    b_low: jnp.ndarray = 0.0
    v_switch: jnp.ndarray = -math.inf
    peak_u: jnp.ndarray = 0.0
    reset_u: jnp.ndarray = 0.0
    u_max: jnp.ndarray = math.inf
    nullcline: str = 'linear'

    def broadcast_to(self, shape) -> 'Params2007':
        """The parameters with every array field broadcast to the state ``shape``."""
        return self._replace(**{f: to_state_shape(getattr(self, f), shape) for f in self._fields if f != 'nullcline'})

    @classmethod
    def from_2003(cls, a, b, c, d, V_th=30.0, p1=0.04, p2=5.0, p3=140.0) -> 'Params2007':
        r"""The 2003 model in the 2007 form (same V, u, I and spikes).

        :math:`p_1 V^2 + p_2 V + p_3 = p_1 (V - v_r)(V - v_t)` with
        :math:`v_{r,t} = (-p_2 \mp \sqrt{p_2^2 - 4 p_1 p_3}) / (2 p_1)`
        (-82.66 and -42.34 mV for the defaults); :math:`C = 1`, :math:`k = p_1`,
        :math:`v_b = 0` so that :math:`U = bV`.

        Raises
        ------
        ValueError
            If the quadratic has no real roots (e.g. p2 = 4.1, p3 = 108 of the
            2004 class-1 features), naming ``p3``.
        """
        disc = p2 * p2 - 4.0 * p1 * p3
        if not p1 > 0 or disc < 0:
            raise ValueError(f'p3={p3!r}: p1 V^2 + p2 V + p3 has no real roots (p1={p1!r}, p2={p2!r}); '
                             'the 2007 form needs real v_r <= v_t')
        root = math.sqrt(disc)
        return cls(C=1.0, k=p1, v_r=(-p2 - root) / (2 * p1), v_t=(-p2 + root) / (2 * p1), v_peak=V_th,
                   a=a, b=b, c=c, d=d, v_b=0.0)


AnyParams = Union[Params, Params2007]


def to_state_shape(x, shape):
    """Broadcast a per-neuron array explicitly to the state ``shape``; scalars unchanged.

    Parameters of shape ``(N,)`` meet batched states ``(B, N)``; broadcasting
    them explicitly keeps ``jax_numpy_rank_promotion='raise'`` satisfied.
    """
    return x if jnp.ndim(x) == 0 else jnp.broadcast_to(x, shape)


def membrane_current(V, u, I, p: AnyParams):
    r""":math:`C\,dV/dt`: :math:`k (V - v_r)(V - v_t) - u + I` (2007, pA); :math:`dV/dt` itself for 2003 (C = 1)."""
    if isinstance(p, Params2007):
        return p.k * (V - p.v_r) * (V - p.v_t) - u + I
    return p.p1 * V * V + p.p2 * V + p.p3 - u + I


def voltage_derivative(V, u, I, p: AnyParams):
    r""":math:`dV/dt`: :math:`p_1 V^2 + p_2 V + p_3 - u + I` or :math:`(k (V - v_r)(V - v_t) - u + I) / C`."""
    if isinstance(p, Params2007):
        return membrane_current(V, u, I, p) / p.C
    return membrane_current(V, u, I, p)


def recovery_target(V, p: AnyParams, V_gate=None):
    r"""The u-nullcline :math:`U(V)`: :math:`bV` (2003, standard law) or the 2007 class's.

    ``V_gate`` (default ``V``) selects the 2007 form's b and cubic branch: the
    book's published code gates on the new V of a step while the drive uses
    the old one, hence the separate argument.
    """
    if not isinstance(p, Params2007):
        return p.b * V
    gate = V if V_gate is None else V_gate
    if p.nullcline == 'cubic':
        x = V - p.v_b
        return jnp.where(gate < p.v_b, 0.0, p.b * x * x * x)
    b = jnp.where(gate <= p.v_switch, p.b_low, p.b)
    return b * (V - p.v_b)


def recovery_derivative(V, u, p: AnyParams, V_gate=None):
    r""":math:`du/dt`: :math:`a(U(V) - u)`, or :math:`a b (V - V_{acc})` for the 2003 accommodation law."""
    if isinstance(p, Params) and p.recovery == 'accommodation':
        return p.a * p.b * (V - ACCOMMODATION_V)
    if isinstance(p, Params):
        return p.a * (p.b * V - u)
    return p.a * (recovery_target(V, p, V_gate) - u)


def recovery_flow(V, u, t, p: AnyParams):
    r"""Exact solution of the recovery equation after time ``t`` with ``V`` frozen.

    .. math::

        u(t) = U(V) + (u_0 - U(V))\,e^{-a t}, \qquad
        u(t) = u_0 + a b (V - V_{acc})\,t  \quad\text{(2003 accommodation)}
    """
    if isinstance(p, Params) and p.recovery == 'accommodation':
        return u + p.a * p.b * (V - ACCOMMODATION_V) * t
    return u - (recovery_target(V, p) - u) * jnp.expm1(-p.a * t)


def spike_peak(u, p: AnyParams):
    r"""The spike cut-off: :math:`V_{th}` (2003) or :math:`v_{peak} + \pi_u u` (2007)."""
    if isinstance(p, Params2007):
        return p.v_peak + p.peak_u * u
    return p.V_th
