r"""Spike-and-reset rules of the neuron as pure JAX functions.

.. math::

    \text{hard:}\quad V \leftarrow c, \qquad
    \text{soft:}\quad V \leftarrow V - (V_{th} - c)\,s, \qquad
    \text{both:}\quad u \leftarrow u + d\,s.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from izhi_dyn.core.equations import Params, recovery_flow

__all__ = ['SPIKE_RESETS', 'reset_exact', 'reset_surrogate', 'in_step_time', 'resume_after_crossing']

#: Names accepted by ``spk_reset=``.
SPIKE_RESETS = ('hard', 'soft')


def reset_exact(V, u, fired, p: Params, spk_reset: str):
    """Reset the neurons where the boolean ``fired`` holds; return ``(V, u)``."""
    if spk_reset == 'hard':
        V = jnp.where(fired, p.c, V)
    else:
        V = jnp.where(fired, V - (p.V_th - p.c), V)
    return V, jnp.where(fired, u + p.d, u)


def reset_surrogate(V, u, spike, p: Params, spk_reset: str, detach_spk: bool):
    """Reset by a real-valued (surrogate) ``spike``; return ``(V, u)``.

    The hard reset never passes a gradient through the spike into V;
    ``detach_spk`` also stops it in the soft reset's V term and in u.
    """
    s_reset = jax.lax.stop_gradient(spike) if detach_spk else spike
    if spk_reset == 'hard':
        V = V + (p.c - V) * jax.lax.stop_gradient(spike)
    else:
        V = V - (p.V_th - p.c) * s_reset
    return V, u + p.d * s_reset


def in_step_time(V_old, V_new, t_cross, dt, p: Params):
    """Time of the threshold crossing inside a step of length ``dt``.

    ``t_cross`` from an exact-event integrator when given (``dt`` where it is
    not finite), otherwise linear interpolation between ``V_old`` and ``V_new``.
    """
    if t_cross is not None:
        return jnp.where(jnp.isfinite(t_cross), t_cross, dt)
    frac = (p.V_th - V_old) / jnp.where(V_new > V_old, V_new - V_old, 1.0)
    return dt * jnp.clip(frac, 0.0, 1.0)


def resume_after_crossing(integrator, V, u, I, dt, t_cross, fired, tau_ref, p: Params):
    """Finish the step after an exact in-step crossing at ``t_cross``.

    ``V, u`` is the reset state. The rest of the step is integrated from it
    with ``integrator.resume``, or, where ``tau_ref > 0``, V is held at the
    reset value and u follows the exact recovery flow.
    """
    rest = jnp.clip(dt - t_cross, 0.0, dt)
    V_res, u_res = integrator.resume(V, u, I, rest, p)
    exact = fired & jnp.isfinite(t_cross)
    hold = tau_ref > 0
    u_held = recovery_flow(V, u, rest, p)
    V = jnp.where(exact & ~hold, V_res, V)
    u = jnp.where(exact, jnp.where(hold, u_held, u_res), u)
    return V, u
