r"""One step of an Izhikevich population, either form, as a pure function: the neuron's update rule.

Both front-ends (:class:`izhi_dyn.Izhikevich` on ``brainpy.dyn`` and
:class:`izhi_dyn.state.Izhikevich` on ``brainstate``) gather their inputs, draw
their noise and then call :func:`neuron_update`, so the two give the same spikes
from the same inputs.

Order of one update at time :math:`t` with step :math:`dt`:

1. integrate :math:`(V, u)` over the step with the input current :math:`I` held
   constant (``integrator.step``), add the noise and the delta inputs;
2. clamp refractory neurons: V keeps its value, u follows the exact recovery
   flow, no spike;
3. threshold: ``fired = V >= V_th`` (exact) or ``spike = spk_fun(V - V_th)``
   (surrogate); for the 2007 form :math:`V_{th}` is the peak
   :math:`v_{peak} + \pi_u u` with the new u;
4. reset (:mod:`izhi_dyn.core.reset`); for ``exact_events`` integrators the rest
   of the step after the crossing is integrated from the reset state.

With a dendritic compartment (``dendrite``, the LS cell; :mod:`izhi_dyn.core.dendrite`)
the current :math:`g_d (V_d - V)` at the start of the step joins :math:`I` in
step 1, and :math:`V_d` takes its Euler step from the old :math:`V`; neither the
clamp nor the reset touches :math:`V_d`.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Union

import jax.numpy as jnp

from izhi_dyn.core.dendrite import Dendrite, dendrite_step, dendritic_current
from izhi_dyn.core.equations import Params, Params2007, recovery_flow, spike_peak
from izhi_dyn.core.integrators import Integrator
from izhi_dyn.core.reset import in_step_time, reset_exact, reset_surrogate, resume_after_crossing

__all__ = ['NeuronUpdate', 'neuron_update', 'is_refractory']


class NeuronUpdate(NamedTuple):
    r"""Result of :func:`neuron_update`.

    Attributes
    ----------
    V, u : array
        State after the step (post-reset).
    spike : array
        Boolean spikes (exact) or real-valued surrogate spikes.
    fired : array of bool
        Where a spike was emitted.
    refractory : array of bool
        Where the neuron was clamped during this step.
    spike_time : array
        Time of the threshold crossing inside the step, :math:`t + \delta`
        (exact for ``exact_events`` integrators, linearly interpolated otherwise).
    V_d : array or None
        Dendritic potential after the step; None without a compartment.
    """

    V: jnp.ndarray
    u: jnp.ndarray
    spike: jnp.ndarray
    fired: jnp.ndarray
    refractory: jnp.ndarray
    spike_time: jnp.ndarray
    V_d: Optional[jnp.ndarray] = None


def is_refractory(t, t_last_spike, tau_ref, dt):
    """Whether a neuron that last spiked at ``t_last_spike`` is still clamped at ``t``.

    ``tau_ref`` is rounded to the time grid: the clamp lasts ``round(tau_ref / dt)`` steps.
    """
    return (t - t_last_spike) < tau_ref - 0.5 * dt


def neuron_update(V, u, t_last_spike, I, t, dt, p: Union[Params, Params2007], tau_ref, *, integrator: Integrator,
                  spk_reset: str = 'hard', detach_spk: bool = False,
                  spk_fun: Optional[Callable] = None, delta_V=0.0, dW=None,
                  V_d=None, dendrite: Optional[Dendrite] = None) -> NeuronUpdate:
    """Advance ``(V, u)`` by one step of ``dt`` from time ``t``.

    Parameters
    ----------
    V, u, t_last_spike : array
        State before the step (``t_last_spike`` in ms, very negative if never).
    I : array or float
        Input current, held constant over the step.
    t, dt : float
        Time at the start of the step and step length (ms).
    p : Params or Params2007
        Parameters, each a scalar or an array of the state's shape; their
        type selects the form.
    tau_ref : array or float
        Refractory period (ms).
    integrator : Integrator
    spk_reset : {'hard', 'soft'}
    detach_spk : bool
        Stop the spike's gradient where it enters the reset (surrogate mode).
    spk_fun : callable, optional
        Surrogate spike function of ``V - V_th`` (2007: ``V - v_peak - peak_u u``);
        None for exact boolean spikes.
    delta_V : array or float
        Jump added to V after the integration (delta synapses).
    dW : tuple of two arrays, optional
        Noise increments of V and u for this step.
    V_d : array, optional
        Dendritic potential before the step (with ``dendrite``).
    dendrite : Dendrite, optional
        The compartment's coupling and rate; the caller has checked the
        integrator with :func:`~izhi_dyn.core.dendrite.check_dendrite_args`.
    """
    V_d_next = None
    if dendrite is not None:
        I = I + dendritic_current(V, V_d, dendrite)
        V_d_next = dendrite_step(V, V_d, dt, dendrite)
    step = integrator.step(V, u, I, dt, p, dW)
    V_new = step.V + delta_V
    refractory = is_refractory(t, t_last_spike, tau_ref, dt)
    V_new = jnp.where(refractory, V, V_new)
    u_new = jnp.where(refractory, recovery_flow(V, u, dt, p), step.u)
    threshold = spike_peak(u_new, p)

    if spk_fun is None:
        fired = (V_new >= threshold) & ~refractory
        spike = fired
        V_next, u_next = reset_exact(V_new, u_new, fired, p, spk_reset)
    else:
        spike = spk_fun(V_new - threshold) * (1.0 - refractory)
        fired = spike > 0
        V_next, u_next = reset_surrogate(V_new, u_new, spike, p, spk_reset, detach_spk)

    if integrator.exact_events:
        V_next, u_next = resume_after_crossing(integrator, V_next, u_next, I, dt, step.t_cross,
                                               fired, tau_ref, p)
    spike_time = t + in_step_time(V, V_new, step.t_cross, dt, threshold)
    return NeuronUpdate(V_next, u_next, spike, fired, refractory, spike_time, V_d_next)
