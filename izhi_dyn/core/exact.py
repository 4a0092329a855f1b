r"""Event-exact time step of Izhikevich neurons with exponential current synapses, in pure JAX.

The coupled system, per neuron (currents in mV/ms, times in ms):

.. math::

    \dot V = p_1 V^2 + p_2 V + p_3 - u + I + I_b, \qquad \dot u = a\,(b V - u), \qquad
    \dot I = -I/\tau_\text{syn},

with :math:`V \ge V_{th}:\ V \leftarrow c,\ u \leftarrow u + d`, and every
spike of a source :math:`j` (a neuron of the layer or an input) at time
:math:`t_j` adding :math:`W_{jn}` to :math:`I_n` **at** :math:`t_j`.

One step :math:`[t_0, t_0 + h]` of :func:`event_step`:

- **Pieces.** The step is cut at its first ``splits`` events (input spikes
  and the layer's own in-step spikes; :func:`piece_currents`): inside each
  piece the current is one decaying exponential, plus the next
  ``EXTRA_EVENTS`` events at their own times inside the last piece. The
  current is **exact**, as are its means over any segment and the current
  carried to the next step; only further events of a crowded step are
  lumped into the last cut (an :math:`O(h)` shift of a rare event).
- **Fourth order** (local error :math:`O(h^5)` with and without a crossing
  inside the step; spike times converge at order 3.7-5.3, measured in
  ``tests/test_exact_spike_times.py``). V follows a Magnus step of the
  linearised Riccati flow (:mod:`izhi_dyn.core.moebius`, a branch-free Möbius
  map): the drive :math:`q = p_3 - u + I + I_b` enters by its mean over the
  segment and its first moment about the midpoint, exact for the current
  and from u's third-order Taylor polynomial at the segment's start. u
  follows its exact linear flow driven by the segment's mean V, corrected
  by V's first moment.
- **Crossing.** Each piece is flowed once; in the piece where a neuron
  reaches :math:`V_{th}` (or its flow blows up), the crossing time solves
  :math:`x(t) - V_{th}\, y(t) = 0` (the pole-free numerator of
  :math:`V - V_{th}`) by safeguarded Newton from the secant start under
  ``stop_gradient``, then one Newton step with gradient,
  :math:`t^* = \hat t - (V(\hat t) - V_{th})/\dot V`, whose derivative is the
  implicit-function one, :math:`dt^*/d\theta = -(\partial V/\partial\theta)/\dot V`.
  The reset happens at :math:`t^*` and the rest of the step is flowed from
  there.
- **Coupling inside a step.** A spike of the layer inside the step reaches its
  targets at its own time: the step is solved ``passes`` times, each pass
  using the previous pass's in-step spike times (causal chains of up to
  ``passes - 1`` spikes inside one step are resolved exactly).
- **Not resolved.** A second spike of the same neuron inside one step (it
  would need :math:`V` to climb from :math:`c` to :math:`V_{th}` within
  :math:`h`): it fires at the start of the next step. Beyond that, a segment
  in which V's flow turns by more than half a rotation (:math:`h` well beyond
  the interspike interval) can pass the pole twice between two evaluations
  and lose both spikes; :func:`may_turn_past_pole` flags the steps where that
  can happen.

Whether a spike exists is decided without gradient (as in EventProp and
eventax): a spike that appears or disappears under a parameter change
contributes nothing to the gradient; existing spikes carry the exact
derivative of their (discretised) time.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from izhi_dyn.core import moebius

__all__ = ['EXTRA_EVENTS', 'EventRun', 'ExactParams', 'ExactState', 'Pieces', 'event_run', 'event_step',
           'may_turn_past_pole', 'piece_currents']

_NEWTON_ITERATIONS = 3
# Events after the cuts kept at their own times in a step; more are lumped. 4, not 2: the hidden layer of the
# N = 64 layered benchmark fires volleys of 5-8 spikes in 0.1 ms, and lumping them cost up to 16 % of a
# sample's gradient (docs/exact_timing.rst); with 4, 4 of its 4855 steps with events (32 samples) still lump.
EXTRA_EVENTS = 4


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

    @classmethod
    def of_neuron(cls, params, tau_syn, bias, n: int, dtype):
        """A 2003-form neuron's :class:`~izhi_dyn.core.equations.Params` with the synapse's
        ``tau_syn`` and the ``bias``, each field broadcast to ``(n,)`` in ``dtype``."""
        def vec(v):
            return jnp.broadcast_to(jnp.asarray(v, dtype), (n,))

        return cls(vec(params.a), vec(params.b), vec(params.c), vec(params.d), vec(params.V_th), vec(tau_syn),
                   vec(bias), vec(params.p1), vec(params.p2), vec(params.p3))


class ExactState(NamedTuple):
    """``V``, ``u``, ``I`` (each ``(N,)``) at the start of a step."""

    V: jnp.ndarray
    u: jnp.ndarray
    I: jnp.ndarray


class Pieces(NamedTuple):
    r"""The step cut at its first events (:func:`piece_currents`).

    Inside piece k, ``[edges[k], edges[k + 1]]``, the current is
    :math:`I(s) = I_k e^{-(s - s_k)/\tau} + \sum_x W_x e^{-(s - s_x)/\tau} H(s - s_x)`,
    the sum running over the ``extra`` events (after the cuts, so inside the last piece).
    """

    edges: jnp.ndarray  # (splits + 2,): 0, the cuts, h
    currents: jnp.ndarray  # (splits + 1, N): I_k at the start of each piece
    extra_times: jnp.ndarray  # (X,) in-step times (> h for none)
    extra_weights: jnp.ndarray  # (X, N)
    I_end: jnp.ndarray  # (N,) the current at h


def piece_currents(I0, h, onsets, weights, tau, splits):
    r"""Cut the step at its first ``splits`` events and describe the current in each piece, exactly.

    ``onsets`` ``(S,)`` in-step event times (``> h`` for none), ``weights``
    ``(S, N)``. The next ``EXTRA_EVENTS`` events are kept with their own times
    inside the last piece; any further event of the same step is lumped into the
    last cut. Returns :class:`Pieces`.
    """
    extra = EXTRA_EVENTS
    pad = jnp.full((max(splits + extra - onsets.shape[0], 0),), 2.0 * h, onsets.dtype)
    onsets = jnp.concatenate([onsets, pad])
    weights = jnp.concatenate([weights, jnp.zeros((pad.shape[0], weights.shape[1]), weights.dtype)])
    order = jnp.argsort(onsets)
    rank = jnp.zeros_like(order).at[order].set(jnp.arange(order.shape[0], dtype=order.dtype))
    slot = jnp.where(rank < splits + extra, rank, splits - 1)
    one_hot = jax.nn.one_hot(slot, splits + extra, dtype=weights.dtype) * (onsets <= h)[:, None]
    jumps = one_hot.T @ weights  # (splits + extra, N): the cuts' jumps, then the extra events' weights
    zero = jnp.zeros((1,), onsets.dtype)
    edges = jnp.concatenate([zero, jnp.minimum(onsets[order[:splits]], h), zero + h])
    currents = [I0]
    for k in range(splits):
        currents.append(currents[-1] * jnp.exp(-(edges[k + 1] - edges[k]) / tau) + jumps[k])
    extra_times = onsets[order[splits:splits + extra]]
    I_end = currents[-1] * jnp.exp(-(h - edges[-2]) / tau) + _extra_current(extra_times, jumps[splits:], h, tau)
    return Pieces(edges, jnp.stack(currents), extra_times, jumps[splits:], I_end)


def _extra_current(times, weights, t, tau):
    """Current of the extra events at time ``t`` (``(N,)``)."""
    lag = jnp.atleast_1d(t)[None, :] - times[:, None]
    return jnp.sum(jnp.where(lag >= 0, weights * jnp.exp(-jnp.maximum(lag, 0.0) / tau[None, :]), 0.0), axis=0)


def _segment(V, u, I_lo, lo, t, extra, p):
    r"""Flow over ``[lo, lo + t]`` inside one piece, whose current is ``I_lo`` at ``lo`` (plus ``extra``).

    The drive :math:`q = p_3 - u + I + I_b` enters the Magnus step of
    :func:`~izhi_dyn.core.moebius.voltage_flow` by its mean and its first
    moment about the midpoint: exact for the current, from the third-order
    Taylor polynomial :math:`u + s\,\dot u + s^2 \ddot u / 2 + s^3 \dddot u / 6` for u. Returns
    ``(x, y, u_end, q)``: V at the end is ``x / y`` (see
    :mod:`~izhi_dyn.core.moebius`), ``q`` the mean drive.
    """
    times, weights = extra
    lo, t = jnp.broadcast_to(lo, V.shape), jnp.broadcast_to(t, V.shape)
    positive = t > 0
    safe_t = jnp.where(positive, t, 1.0)
    tau = p.tau_syn
    # The piece's exponential from lo, and each extra event's from its onset inside the segment (or from lo):
    # amplitude at the start, exposure l (in units of tau) and offset from lo.
    integral, moment = _exponential_moments(0.0, t / tau, t, tau)
    age_lo = jnp.maximum(lo[None, :] - times[:, None], 0.0) / tau[None, :]
    age_hi = jnp.maximum((lo + t)[None, :] - times[:, None], 0.0) / tau[None, :]
    extra_integral, extra_moment = _exponential_moments(jnp.maximum(times[:, None] - lo[None, :], 0.0),
                                                        age_hi - age_lo, t[None, :], tau[None, :])
    extra_weights = weights * jnp.exp(-age_lo)
    I_mean = (I_lo * integral + jnp.sum(extra_weights * extra_integral, axis=0)) / safe_t
    I_moment = I_lo * moment + jnp.sum(extra_weights * extra_moment, axis=0)
    # u's Taylor polynomial to third order at the segment's start, from V's first two derivatives there.
    I_start = I_lo + jnp.sum(jnp.where(times[:, None] <= lo[None, :], extra_weights, 0.0), axis=0)
    dV = p.p1 * V * V + p.p2 * V + p.p3 - u + I_start + p.bias
    du = p.a * (p.b * V - u)
    ddu = p.a * (p.b * dV - du)
    ddV = (2 * p.p1 * V + p.p2) * dV - du - I_start / tau
    dddu = p.a * (p.b * ddV - ddu)
    u_mean = u + t * (du / 2 + t * (ddu / 6 + t * dddu / 24))
    u_moment = t ** 3 * (du / 12 + t * (ddu / 24 + t * dddu / 80))
    q = p.p3 - u_mean + jnp.where(positive, I_mean, I_start) + p.bias
    x, y, V_mean = moebius.voltage_flow(V, q, t, p.p1, p.p2, I_moment - u_moment)
    # u's exact linear flow driven by V's mean, plus V's first moment about the midpoint (from V's Taylor
    # polynomial to second order), which the kernel's slope a^2 b (s - t/2) weighs.
    V_moment = t ** 3 * (dV / 12 + t * ddV / 24)
    return x, y, u - jnp.expm1(-p.a * t) * (p.b * V_mean - u) + p.a * p.a * p.b * V_moment, q


def _exponential_moments(offset, exposure, t, tau):
    r"""Integral and first moment about the segment's midpoint :math:`t/2` of a unit
    exponential :math:`e^{-(s - \sigma)/\tau}` on :math:`[\sigma, \sigma + l\tau]`:
    :math:`\tau E` and :math:`(\sigma - t/2)\,\tau E + \tau^2 (E - l (1 - E))`,
    :math:`E = 1 - e^{-l}`."""
    E = -jnp.expm1(-exposure)
    return tau * E, (offset - 0.5 * t) * tau * E + tau * tau * (E - exposure * (1.0 - E))


def _end_voltage(x, y):
    return x / jnp.where(y > 0, y, 1.0)


def _crossing(V, u, I_lo, lo, hi, gap_hi, extra, p):
    """Time ``t*`` in ``[lo, hi]`` where V reaches V_th, and u there (for neurons that cross).

    Safeguarded Newton on the pole-free :math:`g = x - V_{th}\, y` under
    ``stop_gradient`` from the secant start, then one Newton step with gradient
    on :math:`V - V_{th}` (the implicit-function derivative).
    """
    sg = jax.lax.stop_gradient
    Vs, us, Is, los, ex, ps, T = sg(V), sg(u), sg(I_lo), sg(lo), sg(extra), jax.tree_util.tree_map(sg, p), sg(hi - lo)
    gap_lo = Vs - ps.v_th
    t = jnp.clip(T * -gap_lo / jnp.where(gap_hi > gap_lo, sg(gap_hi) - gap_lo, 1.0), 0.0, T)

    def newton(_, t):
        x, y, _, q = _segment(Vs, us, Is, los, t, ex, ps)
        g = x - ps.v_th * y
        dg = 0.5 * ps.p2 * (x + ps.v_th * y) + q * y + ps.p1 * ps.v_th * x
        return jnp.clip(t - g / jnp.where(dg > 0, dg, jnp.inf), 0.0, T)

    t = jax.lax.fori_loop(0, _NEWTON_ITERATIONS, newton, t)
    x, y, u_hat, _ = _segment(V, u, I_lo, lo, t, extra, p)
    I_hat = I_lo * jnp.exp(-t / p.tau_syn) + _extra_current(extra[0], extra[1], lo + t, p.tau_syn)
    slope = p.p1 * p.v_th * p.v_th + p.p2 * p.v_th + p.p3 - u_hat + I_hat + p.bias
    step = -(_end_voltage(x, y) - p.v_th) / jnp.where(slope > 0, slope, 1.0)
    # Clipped for rounding only: the gradient stays the implicit one even where t* meets a
    # piece's edge (another neuron's spike at the same time), instead of leaking into that edge.
    t_raw = lo + t + step
    t_star = t_raw + sg(jnp.clip(t_raw, lo, hi) - t_raw)
    return t_star, u_hat + p.a * (p.b * p.v_th - u_hat) * (t_star - lo - t)


def _remat(body):
    """``body`` recomputed in the backward pass (a scan body, so no CSE to prevent)."""
    return jax.checkpoint(body, prevent_cse=False)


def _solve(V0, u0, pieces: Pieces, p):
    """One solve of the step for fixed event times: ``(V, u, spiked, t_spike)``."""
    edges, extra = pieces.edges, (pieces.extra_times, pieces.extra_weights)
    scanned = (edges[:-1], edges[1:], pieces.currents)

    def flow_until_crossing(carry, piece):
        V, u, crossed, stash = carry
        lo, hi, I_lo = piece
        x, y, u_end, _ = _segment(V, u, I_lo, lo, hi - lo, extra, p)
        V_end = _end_voltage(x, y)
        hit = ~crossed & ((y <= 0) | (V_end >= p.v_th) | (V >= p.v_th))
        here = (V, u, I_lo, jnp.broadcast_to(lo, V.shape), jnp.broadcast_to(hi, V.shape), x - p.v_th * y)
        stash = tuple(jnp.where(hit, new, old) for new, old in zip(here, stash))
        crossed = crossed | hit
        return (jnp.where(crossed, p.c, V_end), jnp.where(crossed, u0, u_end), crossed, stash), None

    zero = jnp.zeros_like(V0)
    init = (V0, u0, jnp.zeros(V0.shape, bool), (V0, u0, pieces.currents[0], zero, zero, zero))
    # The piece loops' bodies are rematerialised in the backward pass: stacking each piece's many
    # intermediates costs more (one kernel per array and piece) than flowing the piece again.
    (_, _, crossed, stash), _ = jax.lax.scan(_remat(flow_until_crossing), init, scanned)
    t_star, u_star = _crossing(*stash, extra, p)
    # From the reset at t* (or from 0 for the neurons that did not cross) to the end of the step.
    start = jnp.where(crossed, t_star, 0.0)

    def flow_on(carry, piece):
        V, u = carry
        # Ties go to the reset time: the flow restarts at t*, whichever piece edge it meets.
        lo, hi = jnp.where(start >= piece[0], start, piece[0]), jnp.where(start >= piece[1], start, piece[1])
        x, y, u, _ = _segment(V, u, piece[2] * jnp.exp(-(lo - piece[0]) / p.tau_syn), lo, hi - lo, extra, p)
        return (_end_voltage(x, y), u), None

    init = (jnp.where(crossed, p.c, V0), jnp.where(crossed, u_star + p.d, u0))
    (V, u), _ = jax.lax.scan(_remat(flow_on), init, scanned)
    return V, u, crossed, jnp.where(crossed, t_star, edges[-1])


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
        The step is cut at its first ``splits`` events (at least 1), so the
        current is one decaying exponential inside every piece; further
        events of the same step are lumped into the last cut.

    Returns
    -------
    (ExactState, spiked, t_spike)
        The state at the end of the step, ``(N,)`` booleans and the in-step
        spike times (``h`` where none).
    """
    V0, u0, I0 = state
    N = V0.shape[0]
    h = jnp.asarray(h, V0.dtype)
    none = jnp.full((N,), 2.0 * h, dtype=V0.dtype)
    weights = jnp.concatenate([in_weights, rec_weights])

    def pieces(t_rec):
        return piece_currents(I0, h, jnp.concatenate([in_onsets, t_rec]), weights, p.tau_syn, splits)

    # A Python loop, not a scan: a few passes, and no per-pass residual stacking in the backward pass.
    t_rec = none
    for _ in range(passes):
        V, u, spiked, t_spike = _solve(V0, u0, pieces(t_rec), p)
        t_rec = jnp.where(spiked, t_spike, none)
    return ExactState(V, u, pieces(t_rec).I_end), spiked, t_spike


class EventRun(NamedTuple):
    """What :func:`event_run` returns: each step's outcome, ``(steps, N)``."""

    V: jnp.ndarray  # V, u, I at the step's end
    u: jnp.ndarray
    I: jnp.ndarray
    spiked: jnp.ndarray  # bool
    t_spike: jnp.ndarray  # in-step spike time (h where none)


def event_run(state: ExactState, h, in_onsets, in_weights, rec_weights, p: ExactParams, passes: int = 3,
              splits: int = 2) -> EventRun:
    """:func:`event_step` once per row of ``in_onsets`` ``(steps, S)``, in sequence from ``state``.

    The other arguments are :func:`event_step`'s. Each step is recomputed in the
    backward pass: only the states between steps are stored.
    """
    def step(state, onsets):
        state, spiked, t_spike = event_step(state, h, onsets, in_weights, rec_weights, p, passes, splits)
        return state, EventRun(*state, spiked, t_spike)

    return jax.lax.scan(jax.checkpoint(step), state, in_onsets)[1]


def may_turn_past_pole(u0, u1, I0, events, weights, h, p: ExactParams):
    r"""Whether a step of length ``h`` may have held a segment in which V passed its pole twice.

    V's Riccati flow :math:`\dot V = p_1 V^2 + p_2 V + q` turns, over a segment
    of length :math:`t`, through the angle :math:`\theta = t\sqrt{p_1 q - p_2^2/4}`
    (where positive; the Magnus step's :math:`z = -\theta^2` without the drive's
    moment, which only lowers it), and passes its pole once per half turn. A
    step sees a segment's end only, so with :math:`\theta > \pi` two passes can
    cancel out unseen. Bounding the drive over the step by
    :math:`q \le p_3 - \min(u_0, u_1) + \max(I_0, 0) + \sum_e \max(w_e, 0) + I_b`
    (u taken between its values at the step's ends; it moves by
    :math:`a h |b V - u|` at most inside) gives a flag that is true wherever
    a segment of the step can turn that far (and may be true where none did).
    No gradient flows through it.

    Parameters
    ----------
    u0, u1, I0 : arrays (..., N)
        u at the step's start and end, the current at its start.
    events : bool array (..., M)
        The step's sources that fired (inputs and neurons, in the rows' order of ``weights``).
    weights : array (M, N)
        Their weights onto the neurons; the positive ones bound the current.
    h : float
    p : ExactParams
        Fields broadcastable to ``(..., N)``.

    Returns
    -------
    bool array (..., N)
    """
    sg = jax.lax.stop_gradient
    u0, u1, I0 = sg(u0), sg(u1), sg(I0)
    p = ExactParams(*(jnp.broadcast_to(sg(x), u0.shape) for x in p))
    excitation = sg(events).astype(u0.dtype) @ jnp.maximum(sg(weights), 0.0)
    q_high = p.p3 - jnp.minimum(u0, u1) + jnp.maximum(I0, 0.0) + excitation + p.bias
    return h * h * (p.p1 * q_high - 0.25 * p.p2 * p.p2) > jnp.pi ** 2
