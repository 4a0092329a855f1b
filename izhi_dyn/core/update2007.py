r"""One step of a 2007-form population as a pure function.

The order is that of :func:`izhi_dyn.core.neuron_update`: integrate over the
step with I held constant, add delta inputs, clamp refractory neurons (V held,
u on its exact flow), test :math:`V \ge v_{peak} + \pi_u u` with the new u,
reset :math:`V \leftarrow c + \rho_u u`, :math:`u \leftarrow \min(u + d, u_{max})`;
for ``exact_events`` integrators the rest of the step after the crossing is
integrated from the reset state.

Surrogate spikes :math:`s = f(V - v_{peak} - \pi_u u)` (training) reset as
brainpy's training mode does, :math:`X \leftarrow X + (X_{reset} - X)\,\tilde s`
for V and u, with :math:`\tilde s = \mathrm{sg}(s)` if ``detach_spk``.
"""

from __future__ import annotations

from typing import Callable, Optional

import jax
import jax.numpy as jnp

from izhi_dyn.core.equations2007 import Params2007, recovery_flow2007, reset2007, spike_peak2007
from izhi_dyn.core.integrators import Integrator
from izhi_dyn.core.update import NeuronUpdate, is_refractory

__all__ = ['neuron_update2007']


def neuron_update2007(V, u, t_last_spike, I, t, dt, p: Params2007, tau_ref, *, integrator: Integrator,
                      detach_spk: bool = False, spk_fun: Optional[Callable] = None, delta_V=0.0,
                      dW=None) -> NeuronUpdate:
    """Advance ``(V, u)`` of the 2007 form by one step of ``dt`` from ``t``.

    Arguments as :func:`izhi_dyn.core.neuron_update` (``p`` a
    :class:`~izhi_dyn.core.equations2007.Params2007`); the reset is always hard.
    """
    step = integrator.step(V, u, I, dt, p, dW)
    V_new = step.V + delta_V
    refractory = is_refractory(t, t_last_spike, tau_ref, dt)
    V_new = jnp.where(refractory, V, V_new)
    u_new = jnp.where(refractory, recovery_flow2007(V, u, dt, p), step.u)
    peak = spike_peak2007(u_new, p)
    V_reset, u_reset = reset2007(V_new, u_new, True, p)

    if spk_fun is None:
        fired = (V_new >= peak) & ~refractory
        spike = fired
        V_next, u_next = jnp.where(fired, V_reset, V_new), jnp.where(fired, u_reset, u_new)
    else:
        spike = spk_fun(V_new - peak) * (1.0 - refractory)
        fired = spike > 0
        s = jax.lax.stop_gradient(spike) if detach_spk else spike
        V_next, u_next = V_new + (V_reset - V_new) * s, u_new + (u_reset - u_new) * s

    if integrator.exact_events:
        rest = jnp.clip(dt - step.t_cross, 0.0, dt)
        V_res, u_res = integrator.resume(V_next, u_next, I, rest, p)
        exact = fired & jnp.isfinite(step.t_cross)
        hold = tau_ref > 0
        u_held = recovery_flow2007(V_next, u_next, rest, p)
        V_next = jnp.where(exact & ~hold, V_res, V_next)
        u_next = jnp.where(exact, jnp.where(hold, u_held, u_res), u_next)
        in_step = jnp.where(jnp.isfinite(step.t_cross), step.t_cross, dt)
    else:
        frac = (peak - V) / jnp.where(V_new > V, V_new - V, 1.0)
        in_step = dt * jnp.clip(frac, 0.0, 1.0)
    return NeuronUpdate(V_next, u_next, spike, fired, refractory, t + in_step)
