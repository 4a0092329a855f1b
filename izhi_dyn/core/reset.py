r"""Spike-and-reset rules of the neuron as pure JAX functions.

Written for the 2003 form; the 2007 form (:class:`~izhi_dyn.core.equations.Params2007`)
follows the same rules with the threshold :math:`V_{th}` read as its peak
:math:`v_{peak} + \pi_u u`, the reset :math:`c` as :math:`c + \rho_u u` and
:math:`u + d` as :math:`\min(u + d, u_{max})`, u taken before the jump
(:func:`reset_targets`).

Exact (boolean) spikes, where ``fired`` (:math:`V \ge V_{th}`):

.. math::

    \text{hard:}\quad V \leftarrow c, \qquad
    \text{soft:}\quad V \leftarrow \min\!\big(V - (V_{th} - c),\ V_{clip}\big), \qquad
    \text{both:}\quad u \leftarrow u + d,

with :math:`V_{clip} = c + (V_{th} - c)/2` (:func:`soft_reset_ceiling`). The
soft reset carries the overshoot :math:`V - V_{th}` over to the next step, but
at most half the reset depth :math:`(V_{th} - c)/2`, so after either reset
:math:`c \le V \le V_{clip} < V_{th}`: a reset never leaves the neuron at or
above threshold, whatever the integrator or the step overshot. Where the
crossing is located exactly (``riccati``) V is :math:`V_{th}` at the reset, so
the soft reset gives :math:`c`, the same as the hard one.

Surrogate spikes :math:`s` (``TrainingMode``), with
:math:`\tilde s = \mathrm{sg}(s)` if ``detach_spk`` else :math:`s`:

.. math::

    \text{hard:}\quad V \leftarrow V + (c - V)\,\tilde s
    \quad\text{(brainpy's training-mode reset)}, \qquad
    \text{soft:}\quad V \leftarrow V_s + \mathrm{sg}\big(\min(V_s, V_{clip}) - V_s\big)\ \text{where } s > 0,
    \quad V_s = V - (V_{th} - c)\,\tilde s,

    \text{both:}\quad u \leftarrow u + d\,\tilde s.

The soft reset's clip is straight-through (identity gradient), so its forward
value equals the exact soft reset and its gradient is that of
:math:`V - (V_{th} - c)\,\tilde s`. ``detach_spk`` changes the gradient of
both resets: it removes :math:`(c - V)\,\partial s/\partial V` from the hard
one and :math:`-(V_{th} - c)\,\partial s/\partial V` from the soft one.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from izhi_dyn.core.equations import Params, Params2007, recovery_flow, spike_peak

__all__ = ['SPIKE_RESETS', 'reset_targets', 'soft_reset_ceiling', 'reset_exact', 'reset_surrogate', 'in_step_time',
           'resume_after_crossing']

#: Names accepted by ``spk_reset=``.
SPIKE_RESETS = ('hard', 'soft')


def reset_targets(u, p):
    r"""Threshold, reset potential and u after the jump: :math:`(V_{th}, c, u + d)` or, 2007,
    :math:`(v_{peak} + \pi_u u,\ c + \rho_u u,\ \min(u + d, u_{max}))`."""
    if isinstance(p, Params2007):
        return spike_peak(u, p), p.c + p.reset_u * u, jnp.minimum(u + p.d, p.u_max)
    return p.V_th, p.c, u + p.d


def soft_reset_ceiling(p, u=0.0):
    r""":math:`V_{clip} = c + (V_{th} - c)/2`, the highest V a soft reset can leave (2007: at ``u``)."""
    threshold, c, _ = reset_targets(u, p)
    return c + 0.5 * (threshold - c)


def _clip_straight_through(V, where, ceiling):
    # Forward: min(V, V_clip) where a spike fired; gradient: identity.
    clipped = jnp.where(where, jnp.minimum(V, ceiling), V)
    return V + jax.lax.stop_gradient(clipped - V)


def reset_exact(V, u, fired, p, spk_reset: str):
    """Reset the neurons where the boolean ``fired`` holds; return ``(V, u)``."""
    threshold, c, u_jump = reset_targets(u, p)
    if spk_reset == 'hard':
        V = jnp.where(fired, c, V)
    else:
        V = jnp.where(fired, jnp.minimum(V - (threshold - c), c + 0.5 * (threshold - c)), V)
    return V, jnp.where(fired, u_jump, u)


def reset_surrogate(V, u, spike, p, spk_reset: str, detach_spk: bool):
    """Reset by a real-valued (surrogate) ``spike``; return ``(V, u)``.

    ``detach_spk`` stops the spike's gradient where it enters the reset (V and u).
    """
    s = jax.lax.stop_gradient(spike) if detach_spk else spike
    threshold, c, u_jump = reset_targets(u, p)
    if spk_reset == 'hard':
        V = V + (c - V) * s
    else:
        V = _clip_straight_through(V - (threshold - c) * s, spike > 0, c + 0.5 * (threshold - c))
    u = u + p.d * s if isinstance(p, Params) else u + (u_jump - u) * s
    return V, u


def in_step_time(V_old, V_new, t_cross, dt, threshold):
    """Time of the threshold crossing inside a step of length ``dt``.

    ``t_cross`` from an exact-event integrator when given (``dt`` where it is
    not finite), otherwise linear interpolation of V between ``V_old`` and
    ``V_new`` up to ``threshold``.
    """
    if t_cross is not None:
        return jnp.where(jnp.isfinite(t_cross), t_cross, dt)
    frac = (threshold - V_old) / jnp.where(V_new > V_old, V_new - V_old, 1.0)
    return dt * jnp.clip(frac, 0.0, 1.0)


def resume_after_crossing(integrator, V, u, I, dt, t_cross, fired, tau_ref, p):
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
