r"""The 2007 (book) form of the Izhikevich model as pure JAX functions.

Izhikevich (2007), *Dynamical Systems in Neuroscience*, ch. 8:

.. math::

    C \frac{dV}{dt} = k (V - v_r)(V - v_t) - u + I, \qquad
    \frac{du}{dt} = a\,\big(U(V) - u\big),

    V \ge v_{peak} + \pi_u u:\quad V \leftarrow c + \rho_u u,\quad
    u \leftarrow \min(u + d,\ u_{max}),

with units pF (C), nS/mV (k), mV (V, v_r, v_t, v_peak, c), pA (u, I, d),
1/ms (a), nS (b). The per-class rules of the book are *data*, fields of
:class:`Params2007` whose defaults give the plain form:

* the u-nullcline :math:`U(V)`: ``nullcline='linear'``,
  :math:`U = b(V)\,(V - v_b)` (the book's :math:`b (v - v_r)` with
  :math:`v_b = v_r`); ``'cubic'`` (FS), :math:`U = 0` for :math:`V < v_b`
  and :math:`b (V - v_b)^3` above;
* a voltage-dependent :math:`b` (TC, RTN): :math:`b(V) = b_{low}` where
  :math:`V \le v_{switch}`, else :math:`b` (``v_switch = -inf``: never);
* a u-dependent peak :math:`v_{peak} + \pi_u u` (LTS :math:`\pi_u = -0.1`,
  TC :math:`+0.1`), a u-dependent reset :math:`c + \rho_u u` (LTS
  :math:`+0.04`, TC :math:`-0.1`) and a ceiling :math:`u_{max}` (LTS 670).

The 2003 form :math:`dV/dt = p_1 V^2 + p_2 V + p_3 - u + I`,
:math:`du/dt = a(bV - u)` is the special case :math:`C = 1`,
:math:`k = p_1`, :math:`v_r, v_t` the roots of
:math:`p_1 V^2 + p_2 V + p_3` and pivot :math:`v_b = 0`, with u, I, a, b, c,
d and the threshold unchanged (:func:`params2007_from_2003`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax.numpy as jnp

__all__ = [
    'NULLCLINES',
    'Params2007',
    'params2007_from_2003',
    'membrane_current2007',
    'voltage_derivative2007',
    'recovery_target2007',
    'recovery_derivative2007',
    'recovery_flow2007',
    'spike_peak2007',
    'reset2007',
]

#: Names accepted by ``nullcline=``.
NULLCLINES = ('linear', 'cubic')


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
        return self._replace(**{f: (getattr(self, f) if jnp.ndim(getattr(self, f)) == 0
                                    else jnp.broadcast_to(getattr(self, f), shape))
                                for f in self._fields if f != 'nullcline'})


def params2007_from_2003(a, b, c, d, V_th=30.0, p1=0.04, p2=5.0, p3=140.0) -> Params2007:
    r"""The 2003 model as a :class:`Params2007` (same V, u, I and spikes).

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
    return Params2007(C=1.0, k=p1, v_r=(-p2 - root) / (2 * p1), v_t=(-p2 + root) / (2 * p1), v_peak=V_th,
                      a=a, b=b, c=c, d=d, v_b=0.0)


def membrane_current2007(V, u, I, p: Params2007):
    r""":math:`C\,dV/dt = k (V - v_r)(V - v_t) - u + I` (pA)."""
    return p.k * (V - p.v_r) * (V - p.v_t) - u + I


def voltage_derivative2007(V, u, I, p: Params2007):
    r""":math:`dV/dt = (k (V - v_r)(V - v_t) - u + I) / C`."""
    return membrane_current2007(V, u, I, p) / p.C


def recovery_target2007(V, p: Params2007, V_gate=None):
    r"""The u-nullcline :math:`U(V)`; ``V_gate`` (default ``V``) selects b and the cubic's branch.

    The book's published code gates on the new V of a step while the drive
    uses the old one, hence the separate argument.
    """
    gate = V if V_gate is None else V_gate
    if p.nullcline == 'cubic':
        x = V - p.v_b
        return jnp.where(gate < p.v_b, 0.0, p.b * x * x * x)
    b = jnp.where(gate <= p.v_switch, p.b_low, p.b)
    return b * (V - p.v_b)


def recovery_derivative2007(V, u, p: Params2007, V_gate=None):
    r""":math:`du/dt = a (U(V) - u)`."""
    return p.a * (recovery_target2007(V, p, V_gate) - u)


def recovery_flow2007(V, u, t, p: Params2007):
    r"""u after time ``t`` with V frozen: :math:`U + (u_0 - U) e^{-a t}`."""
    U = recovery_target2007(V, p)
    return u - (U - u) * jnp.expm1(-p.a * t)


def spike_peak2007(u, p: Params2007):
    r"""The spike cut-off :math:`v_{peak} + \pi_u u`."""
    return p.v_peak + p.peak_u * u


def reset2007(V, u, fired, p: Params2007):
    r"""Where ``fired``: :math:`V \leftarrow c + \rho_u u`, :math:`u \leftarrow \min(u + d, u_{max})`."""
    return (jnp.where(fired, p.c + p.reset_u * u, V),
            jnp.where(fired, jnp.minimum(u + p.d, p.u_max), u))
