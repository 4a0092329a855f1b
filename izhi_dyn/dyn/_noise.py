"""Noise amplitudes of the brainpy.dyn neuron, and the draws of one step from ``bm.random``."""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn.core.noise import noise_increment

__all__ = ['noise_amplitude', 'noise_increments']


def noise_amplitude(name, value, shape):
    """None, a time-dependent callable ``sigma(t)``, or a parameter >= 0 of ``shape``."""
    if value is None:
        return None
    if callable(value) and not isinstance(value, bp.init.Initializer):
        return value
    return check.init_parameter(name, value, shape, lower=0.0)


def _increment(amplitude, shape, t, dt):
    if amplitude is None:
        return 0.0
    if callable(amplitude):
        sigma = amplitude(t)
    else:
        sigma = amplitude.value if isinstance(amplitude, bm.Variable) else amplitude
    sigma = sigma if jnp.ndim(sigma) == 0 else jnp.broadcast_to(sigma, shape)  # per-neuron, batched state
    return noise_increment(sigma, bm.as_jax(bm.random.randn(*shape)), dt)


def noise_increments(noise, noise_u, shape, t, dt):
    """``(dV, du)`` noise increments of one step, or None when both amplitudes are None."""
    if noise is None and noise_u is None:
        return None
    return _increment(noise, shape, t, dt), _increment(noise_u, shape, t, dt)
