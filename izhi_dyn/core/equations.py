r"""The Izhikevich equations as pure JAX functions.

Everything the neuron class, the integrators and the networks compute about
the model itself lives here, once:

.. math::

    \frac{dV}{dt} = p_1 V^2 + p_2 V + p_3 - u + I

    \frac{du}{dt} = a\,(b\,V - u)            \quad\text{(recovery='standard')}

    \frac{du}{dt} = a\,b\,(V - V_{acc})       \quad\text{(recovery='accommodation')}

with :math:`V_{acc} = -65` mV, the form Izhikevich (2004) used for the
accommodation feature (Fig. 1R), and the reset

.. math::

    V \ge V_{th}:\quad V \leftarrow c,\quad u \leftarrow u + d.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

__all__ = [
    'ACCOMMODATION_V',
    'RECOVERY_LAWS',
    'TRAINABLE_PARAMS',
    'Params',
    'to_state_shape',
    'voltage_derivative',
    'recovery_derivative',
    'recovery_flow',
]

#: Reversal point of the "accommodation" recovery law, du/dt = a b (V + 65).
ACCOMMODATION_V = -65.0

#: Names accepted by ``recovery=``.
RECOVERY_LAWS = ('standard', 'accommodation')

#: Parameters that the neuron classes and layers of every front-end accept as trainable states.
TRAINABLE_PARAMS = ('a', 'b', 'c', 'd', 'V_th')


class Params(NamedTuple):
    """Model parameters, each a scalar or an array broadcastable to the state.

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


def to_state_shape(x, shape):
    """Broadcast a per-neuron array explicitly to the state ``shape``; scalars unchanged.

    Parameters of shape ``(N,)`` meet batched states ``(B, N)``; broadcasting
    them explicitly keeps ``jax_numpy_rank_promotion='raise'`` satisfied.
    """
    return x if jnp.ndim(x) == 0 else jnp.broadcast_to(x, shape)


def voltage_derivative(V, u, I, p: Params):
    r""":math:`dV/dt = p_1 V^2 + p_2 V + p_3 - u + I`."""
    return p.p1 * V * V + p.p2 * V + p.p3 - u + I


def recovery_derivative(V, u, p: Params):
    r""":math:`du/dt = a(bV - u)` (standard) or :math:`a b (V - V_{acc})` (accommodation)."""
    if p.recovery == 'accommodation':
        return p.a * p.b * (V - ACCOMMODATION_V)
    return p.a * (p.b * V - u)


def recovery_flow(V, u, t, p: Params):
    r"""Exact solution of the recovery equation after time ``t`` with ``V`` frozen.

    .. math::

        u(t) = bV + (u_0 - bV)\,e^{-a t}   \quad\text{(standard)}

        u(t) = u_0 + a b (V - V_{acc})\,t  \quad\text{(accommodation)}
    """
    if p.recovery == 'accommodation':
        return u + p.a * p.b * (V - ACCOMMODATION_V) * t
    return u - (p.b * V - u) * jnp.expm1(-p.a * t)
