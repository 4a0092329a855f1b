r"""The passive dendritic compartment of the book's late-spiking (LS) cell, as pure JAX functions.

Izhikevich (2007), *Dynamical Systems in Neuroscience*, ch. 8 (LS
neurogliaform interneuron, Fig. 8.28) couples the soma of the 2007 form to a
passive dendrite :math:`V_d`, a third state variable:

.. math::

    C \frac{dV}{dt} = k (V - v_r)(V - v_t) + g_d (V_d - V) - u + I, \qquad
    \frac{dV_d}{dt} = a_d (V - V_d),

with :math:`g_d` in nS and :math:`a_d` in 1/ms; the spike and reset rules
leave :math:`V_d` alone. A neuron without a compartment passes no
:class:`Dendrite` (no third variable, no cost).

One step of length :math:`dt`: the dendritic current :math:`g_d (V_d - V)` at
the start of the step is added to the input the soma's integrator holds
constant, and :math:`V_d` takes a forward-Euler step from the old :math:`V`
and :math:`V_d`. With ``'euler'`` or ``'izhikevich2007'`` this is exactly
forward Euler on :math:`(V, u, V_d)`, the book's scheme. With any other
first-order method it is a first-order (Lie) splitting, so the method keeps its
order; a higher-order or exact-in-step method would silently drop to order 1,
so :func:`check_dendrite_args` refuses it (:data:`DENDRITE_ORDER`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

__all__ = ['Dendrite', 'DENDRITE_ORDER', 'dendritic_current', 'dendrite_step', 'check_dendrite_args']

#: The declared order an integrator must have to carry the compartment (the splitting's order).
DENDRITE_ORDER = 1


class Dendrite(NamedTuple):
    """Coupling ``g`` (nS) and rate ``a`` (1/ms) of the compartment; scalars or arrays of the state's shape."""

    g: jnp.ndarray
    a: jnp.ndarray

    def broadcast_to(self, shape) -> 'Dendrite':
        """The fields broadcast explicitly to the state ``shape`` (scalars unchanged)."""
        return Dendrite(*(x if jnp.ndim(x) == 0 else jnp.broadcast_to(x, shape) for x in self))


def dendritic_current(V, V_d, dendrite: Dendrite):
    r"""The current the dendrite injects into the soma, :math:`g_d (V_d - V)` (pA)."""
    return dendrite.g * (V_d - V)


def dendrite_step(V, V_d, dt, dendrite: Dendrite):
    r"""Forward Euler on the dendrite from the old soma: :math:`V_d + dt\,a_d (V - V_d)`."""
    return V_d + dt * dendrite.a * (V - V_d)


def check_dendrite_args(g_d, a_d, integrator) -> bool:
    """Whether a neuron has the compartment: ``g_d`` and ``a_d`` are given both or neither
    (``ValueError`` naming both otherwise), and with both the ``integrator`` must carry it
    (``ValueError`` naming ``method=``).

    Accepted methods: first-order ones without exact in-step events (``euler``,
    ``exp_euler``, ``exp_auto``, ``izhikevich2003``/``2004``/``2007``).
    """
    if (g_d is None) != (a_d is None):
        raise ValueError(f'g_d={g_d!r}, a_d={a_d!r}: the dendritic compartment needs both or neither')
    if g_d is not None and (integrator.order != DENDRITE_ORDER or integrator.exact_events):
        raise ValueError(
            f'method={integrator.name!r}: the dendritic compartment (g_d) is carried by a first-order splitting; '
            f'use a first-order method without exact events (euler, exp_euler, exp_auto, izhikevich2003, '
            f'izhikevich2004, izhikevich2007), order {integrator.order} would drop to 1')
    return g_d is not None
