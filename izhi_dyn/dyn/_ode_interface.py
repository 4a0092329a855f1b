"""brainpy's neuron interface to the vector field: ``dV``, ``du``, ``derivative`` and ``integral``.

The signatures are brainpy's (``bp.dyn.Izhikevich`` exposes the same); the
maths is the core's (:mod:`izhi_dyn.core.equations`, the neuron's integrator).
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn.core.equations import recovery_derivative, voltage_derivative

__all__ = ['ODEInterface']


class ODEInterface:
    """Abstract mixin: the vector field and one integrator step of a neuron with ``params`` (a
    :class:`~izhi_dyn.Params`) and ``integrator`` (an :class:`~izhi_dyn.Integrator`), in brainpy's signatures."""

    def dV(self, V, t, u, I):
        """:math:`dV/dt` at ``(V, u)`` with input ``I`` (brainpy's signature; ``t`` is unused)."""
        return voltage_derivative(V, u, I, self.params.broadcast_to(jnp.shape(V)))

    def du(self, u, t, V):
        """:math:`du/dt` at ``(V, u)`` (brainpy's signature; ``t`` is unused)."""
        return recovery_derivative(V, u, self.params.broadcast_to(jnp.shape(V)))

    @property
    def derivative(self):
        """The vector field as brainpy's ``JointEq([dV, du])``: ``derivative(V, u, t, I) -> (dV, du)``."""
        return bp.JointEq(self.dV, self.du)

    def integral(self, V, u, t, I, dt=None):
        """One step of ``method`` without threshold or reset: ``(V, u)`` after ``dt`` (brainpy's signature)."""
        dt = check.check_dt(bm.get_dt() if dt is None else dt)
        step = self.integrator.step(V, u, I, dt, self.params.broadcast_to(jnp.shape(V)))
        return step.V, step.u
