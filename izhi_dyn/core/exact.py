r"""Event-exact time step of Izhikevich neurons with exponential current synapses, in pure JAX.

The coupled system, per neuron (currents in mV/ms, times in ms):

.. math::

    \dot V = p_1 V^2 + p_2 V + p_3 - u + I + I_b, \qquad \dot u = a\,(b V - u), \qquad
    \dot I = -I/\tau_\text{syn},

with :math:`V \ge V_{th}:\ V \leftarrow c,\ u \leftarrow u + d`, and every
spike of a source :math:`j` (a neuron of the layer or an input) at time
:math:`t_j` adding :math:`W_{jn}` to :math:`I_n` **at** :math:`t_j`.

One step :math:`[t_0, t_0 + h]` of :func:`event_step`:

- **Exact.** The synaptic current: :math:`I(s) = I_0 e^{-s/\tau} + \sum_j W_j
  e^{-(s - s_j)/\tau} H(s - s_j)` for the in-step events :math:`s_j` (input
  spikes and the layer's own in-step spikes), its integrals over any
  sub-interval, and the current carried to the next step.
- **Second order** (global error :math:`O(h^2)`, measured in
  ``tests/test_exact_spike_times.py``). V follows the exact Riccati flow
  (:mod:`izhi_dyn.core.riccati`) with the drive :math:`q = p_3 - u + I + I_b`
  frozen at its exact time average over the segment (I) and its
  first-order midpoint value (u); u follows its exact linear flow driven by
  the segment's mean V. A jump of I inside a segment costs :math:`O(h^2)`
  once, so the global order stays two.
- **Crossing.** The crossing time :math:`t^*` solves :math:`V(t^*) = V_{th}`
  for that same flow: fixed-point passes of the closed-form
  :func:`~izhi_dyn.core.riccati.time_to_threshold` under ``stop_gradient``,
  then one Newton step with gradient, :math:`t^* = \hat t - g(\hat t)/g'(\hat t)`,
  whose derivative is the implicit-function one,
  :math:`dt^*/d\theta = -(\partial g/\partial\theta)/g'`. The reset happens at
  :math:`t^*` and the rest of the step is integrated from there.
- **Coupling inside a step.** A spike of the layer inside the step reaches its
  targets at its own time: the step is solved ``passes`` times, each pass
  using the previous pass's in-step spike times (causal chains of up to
  ``passes - 1`` spikes inside one step are resolved exactly).
- **Not resolved.** A second spike of the same neuron inside one step (it
  would need :math:`V` to climb from :math:`c` to :math:`V_{th}` within
  :math:`h`).

Whether a spike exists is decided without gradient (as in EventProp and
eventax): a spike that appears or disappears under a parameter change
contributes nothing to the gradient; existing spikes carry the exact
derivative of their (discretised) time.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from izhi_dyn.core import riccati

__all__ = ['ExactParams', 'ExactState', 'current_integral', 'event_step']

_FIXED_POINT_PASSES = 3


class ExactParams(NamedTuple):
    """Parameters of :func:`event_step`; arrays broadcastable to ``(N,)``."""

    a: jnp.ndarray
    b: jnp.ndarray
    c: jnp.ndarray
    d: jnp.ndarray
    v_th: jnp.ndarray
    tau_syn: jnp.ndarray
    bias: jnp.ndarray
    p1: float = 0.04
    p2: float = 5.0
    p3: float = 140.0


class ExactState(NamedTuple):
    """``V``, ``u``, ``I`` (each ``(N,)``) at the start of a step."""

    V: jnp.ndarray
    u: jnp.ndarray
    I: jnp.ndarray


def _decay_integral(lo, hi, onset, tau):
    r""":math:`\int_{lo}^{hi} e^{-(s - onset)/\tau} H(s - onset)\,ds` for ``lo <= hi``."""
    lo, hi = jnp.maximum(lo, onset), jnp.maximum(hi, onset)
    return tau * (jnp.exp(-(lo - onset) / tau) - jnp.exp(-(hi - onset) / tau))


def current_integral(I0, lo, hi, onsets, weights, tau):
    r""":math:`\int_{lo}^{hi} I(s)\,ds` of the in-step current, exactly.

    ``I0``, ``lo``, ``hi``, ``tau``: ``(N,)``; ``onsets`` ``(S,)`` in-step times
    of the sources' events (``2 h`` for none), ``weights`` ``(S, N)``.
    """
    own = I0 * _decay_integral(lo, hi, 0.0, tau)
    jumps = _decay_integral(lo[None, :], hi[None, :], onsets[:, None], tau[None, :])
    return own + jnp.sum(weights * jumps, axis=0)


def _current_at(I0, t, onsets, weights, tau):
    lag = jnp.maximum(t[None, :] - onsets[:, None], 0.0)
    on = onsets[:, None] <= t[None, :]
    return I0 * jnp.exp(-t / tau) + jnp.sum(jnp.where(on, weights * jnp.exp(-lag / tau[None, :]), 0.0), axis=0)


def _segment(V, u, I0, lo, hi, onsets, weights, p):
    """V, u after the segment ``[lo, hi]`` (in-step times) and the drive q used."""
    t = hi - lo
    safe_t = jnp.where(t > 0, t, 1.0)
    I_mean = jnp.where(t > 0, current_integral(I0, lo, hi, onsets, weights, p.tau_syn) / safe_t,
                       _current_at(I0, lo, onsets, weights, p.tau_syn))
    u_mid = u + 0.5 * t * p.a * (p.b * V - u)
    q = p.p3 - u_mid + I_mean + p.bias
    V_end, V_mean = riccati.voltage_flow_and_mean(V, q, t, p.p1, p.p2)
    decay = jnp.exp(-p.a * t)
    return V_end, u * decay + p.b * V_mean * (1.0 - decay), q


def _crossing(V, u, I0, lo, hi, onsets, weights, p):
    """Whether each neuron crosses V_th inside ``[lo, hi]``, and when (``hi`` if not)."""
    sg = jax.lax.stop_gradient
    Vs, us, I0s, on_s, w_s, lo_s, hi_s = (sg(x) for x in (V, u, I0, onsets, weights, lo, hi))
    ps = jax.tree_util.tree_map(sg, p)
    _, _, q = _segment(Vs, us, I0s, lo_s, hi_s, on_s, w_s, ps)
    t_hat = lo_s + riccati.time_to_threshold(Vs, ps.v_th, q, ps.p1, ps.p2)
    crossed = t_hat <= hi_s

    def refine(_, t_hat):
        _, _, q = _segment(Vs, us, I0s, lo_s, jnp.clip(t_hat, lo_s, hi_s), on_s, w_s, ps)
        return lo_s + riccati.time_to_threshold(Vs, ps.v_th, q, ps.p1, ps.p2)

    t_hat = jax.lax.fori_loop(0, _FIXED_POINT_PASSES, refine, t_hat)
    t_hat = jnp.where(crossed, jnp.clip(t_hat, lo_s, hi_s), hi_s)

    # dV/dt at the crossing: the continuous model's, which the root find's implicit derivative uses.
    I_hat = _current_at(I0s, t_hat, on_s, w_s, ps.tau_syn)
    slope = ps.p1 * ps.v_th * ps.v_th + ps.p2 * ps.v_th + ps.p3 - us + I_hat + ps.bias
    safe_slope = jnp.where(crossed & (slope > 0), slope, 1.0)
    gap = _segment(V, u, I0, lo, t_hat, onsets, weights, p)[0] - p.v_th
    newton = t_hat - gap / safe_slope
    return crossed, jnp.where(crossed, jnp.clip(newton, lo, hi), hi)


def _advance(V, u, I0, lo, hi, onsets, weights, p, may_cross):
    """V, u over ``[lo, hi]``, with at most one crossing (where ``may_cross``), reset, and on."""
    crossed, t_star = _crossing(V, u, I0, lo, hi, onsets, weights, p)
    crossed = crossed & may_cross
    t_star = jnp.where(crossed, t_star, hi)
    V1, u1, _ = _segment(V, u, I0, lo, t_star, onsets, weights, p)
    V1 = jnp.where(crossed, p.c, V1)
    u1 = jnp.where(crossed, u1 + p.d, u1)
    V2, u2, _ = _segment(V1, u1, I0, t_star, hi, onsets, weights, p)
    return V2, u2, crossed, t_star


def event_step(state: ExactState, h, in_onsets, in_weights, rec_weights, p: ExactParams, passes: int = 3,
               splits: int = 2):
    """One event-exact step of length ``h``; see the module docstring.

    Parameters
    ----------
    state : ExactState
        V, u, I of the N neurons at the start of the step.
    h : float
        Step length (ms).
    in_onsets, in_weights
        In-step times of the external events in ``[0, h]``, shape ``(S,)``
        (``2 h`` for none), and their weight rows ``(S, N)``.
    rec_weights
        Recurrent weights ``(N, N)`` (row: source).
    p : ExactParams
    passes : int
        Solves of the step; in-step spikes of pass k reach their targets in pass k + 1.
    splits : int
        The step is cut at its first ``splits`` events, so the current is
        smooth inside every piece; further events in the same step are
        integrated through by the segment mean (an :math:`O(h^2)` error each).

    Returns
    -------
    (ExactState, spiked, t_spike)
        The state at the end of the step, ``(N,)`` booleans and the in-step
        spike times (``h`` where none).
    """
    V0, u0, I0 = state
    N = V0.shape[0]
    none = jnp.full((N,), 2.0 * h, dtype=V0.dtype)
    weights = jnp.concatenate([in_weights, rec_weights])

    def solve(t_rec):
        onsets = jnp.concatenate([in_onsets, t_rec])
        cuts = jnp.minimum(jnp.sort(onsets)[:splits], h)
        zero = jnp.zeros((1,), V0.dtype)
        edges = jnp.concatenate([zero, cuts, zero + h])

        def piece(carry, bounds):
            V, u, spiked, t_spike = carry
            lo, hi = jnp.broadcast_to(bounds[0], (N,)), jnp.broadcast_to(bounds[1], (N,))
            V, u, crossed, t_star = _advance(V, u, I0, lo, hi, onsets, weights, p, ~spiked)
            return (V, u, spiked | crossed, jnp.where(crossed, t_star, t_spike)), None

        init = (V0, u0, jnp.zeros((N,), bool), jnp.full((N,), h, V0.dtype))
        (V, u, spiked, t_spike), _ = jax.lax.scan(piece, init, jnp.stack([edges[:-1], edges[1:]], axis=1))
        return V, u, spiked, t_spike

    def one_pass(carry, _):
        V, u, spiked, t_spike = solve(carry[0])
        return (jnp.where(spiked, t_spike, none), V, u, spiked, t_spike), None

    init = (none, V0, u0, jnp.zeros((N,), bool), jnp.full((N,), h, V0.dtype))
    (t_rec, V, u, spiked, t_spike), _ = jax.lax.scan(one_pass, init, None, length=passes)
    onsets = jnp.concatenate([in_onsets, t_rec])
    I_end = _current_at(I0, jnp.full((N,), h, V0.dtype), onsets, weights, p.tau_syn)
    return ExactState(V, u, I_end), spiked, t_spike
