r"""Additive white noise: the increment of one step.

Each step adds :math:`\sigma\sqrt{dt}\,\xi`, :math:`\xi \sim N(0, 1)`, to V (and u):
the Euler--Maruyama increment of :math:`\sigma\,dW`. The front-ends draw
:math:`\xi` from their own random state (``brainpy.math.random`` or
``brainstate.random``).
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ['noise_increment']


def noise_increment(sigma, xi, dt):
    r""":math:`\sigma\sqrt{dt}\,\xi`; 0 where ``sigma`` is None."""
    if sigma is None:
        return 0.0
    return sigma * jnp.sqrt(dt) * xi
