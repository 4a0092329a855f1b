r"""One event-exact step of a recurrent layer with exponential synapses, for any batch shape, in pure JAX.

The layers' ``timing='exact'`` (:class:`izhi_dyn.IzhikevichLayer`,
:class:`izhi_dyn.state.IzhikevichLayer`) call :func:`layer_event_step` once
per grid step. Spikes travel as **in-step times**: an input's spike in the
step :math:`[t, t + h)` is given as :math:`s \in [0, h)` (``+inf``: none),
its current starts at :math:`t + s`; the layer's spikes come back the same
way, so an exact layer's output feeds the next exact layer directly. The
maths is :func:`izhi_dyn.core.exact.event_step` (exact synaptic current,
fourth-order V and u, the crossing by a root find with the implicit-function
gradient, in-step recurrent coupling), or any step with its signature (the
layers pass :func:`izhi_dyn.exact_native.native_event_step` where it runs);
this module only maps it over the batch axes and converts between in-step
times and the step's event onsets.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from izhi_dyn.core.exact import ExactParams, ExactState, event_step, may_turn_past_pole

__all__ = ['TIMINGS', 'layer_event_step', 'layer_overrun']

#: The layers' spike timings: ``'grid'`` (spikes on the time grid; surrogate
#: gradients in TrainingMode) and ``'exact'`` (in-step spike times, exact gradients).
TIMINGS = ('grid', 'exact')


def layer_event_step(V, u, I, in_times, weights, p: ExactParams, dt, passes: int = 3, splits: int = 2,
                     step=event_step):
    """Advance ``V``, ``u``, ``I`` (shape ``(..., N)``) by one step ``dt`` (ms).

    Parameters
    ----------
    V, u, I : arrays (..., N)
        Membrane potential (mV), recovery and synaptic current (mV/ms) at the
        start of the step.
    in_times : array (..., K)
        In-step input spike times in ms from the step start, in ``[0, dt)``;
        ``+inf`` (any non-finite value) for no spike.
    weights : array (N + K, N)
        Rows ``0..N-1`` recurrent, then the inputs (row = source).
    p : ExactParams
        Fields of shape ``(N,)``.
    dt : float
    passes, splits : int
        As for :func:`izhi_dyn.core.exact.event_step`.
    step : callable, default :func:`izhi_dyn.core.exact.event_step`
        The step, with :func:`~izhi_dyn.core.exact.event_step`'s arguments and returns.

    Returns
    -------
    (V, u, I, spike_times)
        The state at the end of the step and the layer's in-step spike times
        ``(..., N)``, ``+inf`` where a neuron did not fire.
    """
    N = V.shape[-1]

    def one(V, u, I, x):
        onsets = jnp.where(jnp.isfinite(x), jnp.clip(x, 0.0, dt), 2.0 * dt)
        state, spiked, t = step(ExactState(V, u, I), dt, onsets, weights[N:], weights[:N], p, passes, splits)
        return state.V, state.u, state.I, jnp.where(spiked, t, jnp.inf)

    batched = one
    for _ in range(V.ndim - 1):
        batched = jax.vmap(batched)
    return batched(V, u, I, in_times)


def layer_overrun(u0, u1, I0, fired, in_times, weights, p: ExactParams, dt):
    """Whether each neuron's V may have passed its pole twice unseen in the step (int32, ``(..., N)``):
    :func:`~izhi_dyn.core.exact.may_turn_past_pole` with the step's events, the layer's spikes
    (``fired``) and the inputs' (finite ``in_times``), in the rows' order of ``weights``."""
    events = jnp.concatenate([fired, jnp.isfinite(in_times)], axis=-1)
    return may_turn_past_pole(u0, u1, I0, events, weights, dt, p).astype(jnp.int32)
