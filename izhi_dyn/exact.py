r"""Exact spike times of an Izhikevich layer with exponential synapses, in one call.

:func:`exact_spike_times` runs the event-exact step of
:mod:`izhi_dyn.core.exact` over a fixed grid (:func:`~izhi_dyn.core.exact.event_run`). Every
spike, of an input or of a neuron, carries its time inside the step; its
postsynaptic current starts at that time and decays exactly. Spike times are
fourth-order accurate in ``dt`` (measured in ``tests/test_exact_spike_times.py``)
and differentiable, without a surrogate, with respect to the weights, the
bias, the model parameters and the input spike times: the gradient flows
through every spike time, across synapses and hidden neurons. A spike that
appears or disappears under a change of parameters contributes no gradient
(eventax's and EventProp's choice). Where the native library is built, the
whole run is one C++ call forward and one backward (:mod:`izhi_dyn.exact_native`).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from izhi_dyn.core.exact import EXTRA_EVENTS, ExactParams, ExactState, may_turn_past_pole
from izhi_dyn.exact_native import select_event_run
from izhi_dyn.ttfs import first_spike_times

__all__ = ['ExactRun', 'exact_spike_times', 'first_spike_loss', 'silent_neuron_penalty', 'spike_times_until']


class ExactRun(NamedTuple):
    """What :func:`exact_spike_times` returns with ``full_output=True``.

    ``times`` ``(N, max_spikes)`` in ms; ``V``, ``u``, ``I`` ``(N,)`` at ``duration``
    (for losses on the state at t); ``V_peak`` ``(N,)`` the highest V at a step end
    (``v_th`` for a neuron that fired), the handle :func:`silent_neuron_penalty` uses.

    What the run left out or shifted, counted without gradient (a run that lost
    nothing has ``counts <= max_spikes``, ``lumped == 0`` and ``delayed == 0``):

    - ``counts`` ``(N,)`` int32: every spike of each neuron; ``counts - max_spikes``
      times were not kept where it exceeds ``max_spikes``.
    - ``lumped`` int32 scalar: events moved to their step's last cut, summed over
      the steps of ``max(0, events - splits - 4)`` (events: the step's input spikes
      and the layer's spikes in it); each is shifted by less than ``dt``.
    - ``delayed`` ``(N,)`` int32: spikes fired at the start of a step because the
      neuron began it at or above ``v_th`` (or with a non-finite V): a second crossing
      of the previous step, up to ``dt`` late (or ``V0 >= v_th``). In the last step
      such a crossing leaves ``V >= v_th``.
    - ``overrun`` ``(N,)`` int32: steps in which the neuron's V may have passed its
      pole twice inside one segment (``dt`` well beyond the interspike interval;
      :func:`~izhi_dyn.core.exact.may_turn_past_pole`), where spikes can be lost
      without any other count showing it. A smaller ``dt`` resolves them.
    """

    times: jnp.ndarray
    V: jnp.ndarray
    u: jnp.ndarray
    I: jnp.ndarray
    V_peak: jnp.ndarray
    counts: jnp.ndarray
    lumped: jnp.ndarray
    delayed: jnp.ndarray
    overrun: jnp.ndarray


def exact_spike_times(weights, input_times, *, duration: float, dt: float, max_spikes: int, bias=0.0,
                      a=0.02, b=0.2, c=-51.0, d=2.0, v_th=30.0, tau_syn=5.0, V0=None, u0=None,
                      passes: int = 3, splits: int = 2, kernel: str = 'auto', full_output: bool = False):
    r"""Spike times (ms) of N Izhikevich neurons driven by K spike trains through exponential synapses.

    .. math::

        \dot V = 0.04 V^2 + 5 V + 140 - u + I + \text{bias},\quad \dot u = a (b V - u),\quad
        \dot I = -I/\tau_\text{syn},

    with :math:`V \ge v_{th}:\ V \leftarrow c,\ u \leftarrow u + d`, and each
    spike of source :math:`j` at time :math:`t_j` adding ``weights[j, n]`` to
    :math:`I_n` at :math:`t_j` (the convention of :class:`izhi_dyn.IzhikevichLayer`
    and of eventax).

    Parameters
    ----------
    weights : array, shape (N + K, N)
        Rows ``0..N-1``: recurrent weights (row = source); rows ``N..N+K-1``:
        input weights; in mV/ms per spike.
    input_times : array, shape (K, m)
        Input spike times in ms, anywhere (not on the grid), ``+inf``-padded;
        times outside ``[0, duration)`` are ignored.
    duration, dt : float
        Simulated time and step, in ms (static; ``duration / dt`` steps, rounded).
    max_spikes : int
        Spike times kept per neuron (static).
    bias, a, b, c, d, v_th, tau_syn : float or array (N,)
        Constant current (mV/ms), model parameters, threshold (mV), synaptic
        time constant (ms).
    V0, u0 : float or array (N,), optional
        Initial state; default ``V = c``, ``u = b c`` (eventax's convention),
        and ``I = 0``.
    passes : int, default 3
        Solves per step: chains of up to ``passes - 1`` spikes within one
        step (a spike causing another inside the same step) are exact.
        ``passes=2, splits=1`` cost about half as much and stay accurate on
        sparse activity, but not on synchronous bursts, where their gradient
        is off by more than 100 % (``docs/exact_timing.rst``).
    splits : int, default 2
        Each step is cut at its first ``splits`` events (input or own spikes;
        at least 1); the next four keep their own times inside the last piece.
    kernel : {'auto', 'native', 'jax'}, default 'auto'
        ``'native'``: each step is one C++ call forward and one backward
        (:mod:`izhi_dyn.exact_native`; CPU, built at install), several times
        faster than ``'jax'``, the pure-JAX step of :mod:`izhi_dyn.core.exact`.
        Both compute the same discretisation (the native one in float64
        within the step, whatever the dtype); ``'auto'`` takes the native one
        where it is built and JAX runs on the CPU. The native step is
        differentiable in reverse mode (:func:`jax.grad`, :func:`jax.jacrev`);
        forward mode (:func:`jax.jvp`, :func:`jax.jacfwd`) needs ``'jax'``.
    full_output : bool, default False
        Return an :class:`ExactRun` (times, final state, peak V, counts of the
        spikes and of the lumped and delayed events) instead of the times.

    Returns
    -------
    array, shape (N, max_spikes), or ExactRun
        Spike times in increasing order, ``+inf`` where there is none.

    Notes
    -----
    Exact: the synaptic current, its onsets at the spike times, the carried
    current (a step with more than ``splits + 4`` events lumps the further ones
    into its last cut). Fourth order: V (a Magnus step of the Riccati flow as a
    branch-free Möbius map, with the drive's exact segment mean and first
    moment) and u; the crossing is found
    by a Newton root find whose gradient is the implicit-function one. A neuron fires at most once per
    step; spike existence is not differentiated. See :mod:`izhi_dyn.core.exact`.

    What the step drops or shifts is counted: with ``full_output=True`` the
    :class:`ExactRun` holds every spike's count (``counts``, also beyond
    ``max_spikes``), the events lumped into a crowded step's last cut
    (``lumped``; more ``splits`` resolve them), and the spikes delayed to the
    start of the next step because a neuron would have fired twice in one step
    (``delayed``), and the steps in which spikes could vanish unseen because V's
    flow may have passed its pole twice in one segment (``overrun``); a smaller
    ``dt`` resolves both.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import izhi_dyn
    >>> W = jnp.array([[0.0], [30.0]])             # one neuron, one input
    >>> times = izhi_dyn.exact_spike_times(W, jnp.array([[1.234]]), duration=20.0, dt=0.1,
    ...                                    max_spikes=2, bias=4.0)
    >>> times.shape
    (1, 2)
    >>> bool(1.234 < times[0, 0] < times[0, 1] < 20.0)
    True
    """
    weights = jnp.asarray(weights)
    dtype = jnp.result_type(weights.dtype, jnp.float32)
    weights = weights.astype(dtype)
    N = weights.shape[1]
    K = weights.shape[0] - N
    input_times = jnp.asarray(input_times, dtype)
    input_times = input_times.reshape(K, -1) if K else jnp.zeros((0, 1), dtype)
    m = input_times.shape[1]
    if dt <= 0 or duration <= 0 or max_spikes < 1:
        raise ValueError(f'need dt > 0, duration > 0 and max_spikes >= 1; got {dt}, {duration}, {max_spikes}')
    if passes < 1 or splits < 1:
        raise ValueError(f'need passes >= 1 and splits >= 1; got passes={passes}, splits={splits}')
    run_steps = select_event_run(kernel)

    def vec(x):
        return jnp.broadcast_to(jnp.asarray(x, dtype), (N,))

    p = ExactParams(vec(a), vec(b), vec(c), vec(d), vec(v_th), vec(tau_syn), vec(bias))
    V = p.c if V0 is None else vec(V0)
    u = p.b * V if u0 is None else vec(u0)
    start = ExactState(V, u, jnp.zeros((N,), dtype))
    flat_times = input_times.reshape(K * m)
    in_weights = jnp.repeat(weights[N:], m, axis=0)
    rec_weights = weights[:N]
    h = jnp.asarray(dt, dtype)
    n_steps = int(round(duration / dt))
    t0 = jnp.arange(n_steps, dtype=dtype)[:, None] * h  # (steps, 1): each step's start
    # Each input spike belongs to exactly one step, decided once: t - t0 computed per step
    # can fall outside [0, h) in both neighbouring steps by rounding.
    finite = jnp.isfinite(flat_times)
    slot = jnp.where(finite, jnp.floor(jax.lax.stop_gradient(jnp.where(finite, flat_times, 0.0)) / h), -1)
    in_step = slot.astype(jnp.int32)[None, :] == jnp.arange(n_steps)[:, None]  # (steps, K m)
    onsets = jnp.where(in_step, jnp.clip(flat_times[None, :] - t0, 0.0, h), 2.0 * h)
    run = run_steps(start, h, onsets, in_weights, rec_weights, p, passes, splits)

    # Each step's start (the state before it), then what the run kept, shifted or left out.
    before = ExactState(*(jnp.concatenate([x[None], y[:-1]]) for x, y in zip(start, run[:3])))
    count = jnp.cumsum(run.spiked, axis=0, dtype=jnp.int32)  # spikes up to and including each step
    slot = jnp.where(run.spiked & (count <= max_spikes), count - 1, max_spikes)  # max_spikes: not kept
    neuron = jnp.broadcast_to(jnp.arange(N), slot.shape)
    times = jnp.full((N, max_spikes + 1), jnp.inf, dtype).at[neuron, slot].set(t0 + run.t_spike)[:, :max_spikes]
    peak = jnp.max(jnp.concatenate([start.V[None], jnp.where(run.spiked, p.v_th[None, :], run.V)]), axis=0)
    # A neuron that starts a step at or above threshold (or non-finite) fires at its start.
    delayed = jnp.sum(run.spiked & ~(before.V < p.v_th[None, :]), axis=0, dtype=jnp.int32)
    events = jnp.sum(in_step, axis=1, dtype=jnp.int32) + jnp.sum(run.spiked, axis=1, dtype=jnp.int32)
    lumped = jnp.sum(jnp.maximum(events - splits - EXTRA_EVENTS, 0), dtype=jnp.int32)
    sources = jnp.concatenate([in_weights, rec_weights])  # the rows of a step's events, inputs first
    overrun = jnp.sum(may_turn_past_pole(before.u, run.u, before.I, jnp.concatenate([in_step, run.spiked], axis=1),
                                         sources, h, p), axis=0, dtype=jnp.int32)
    state = ExactState(run.V[-1], run.u[-1], run.I[-1])
    count = count[-1]
    return ExactRun(times, *state, peak, count, lumped, delayed, overrun) if full_output else times


def spike_times_until(times, t):
    """``times`` with every spike after ``t`` (ms) replaced by ``+inf`` (no gradient flows to those)."""
    return jnp.where(times <= t, times, jnp.inf)


def first_spike_loss(times, target, *, t_max: float):
    r"""Mean squared error (ms²) of the first spike times against ``target`` (shape ``(N,)``).

    A neuron without a spike counts as firing at ``t_max`` with zero gradient
    (the exact gradient of a missing spike is zero; add
    :func:`silent_neuron_penalty` to move it).
    """
    return jnp.mean((first_spike_times(times, t_max) - target) ** 2)


def silent_neuron_penalty(run: ExactRun, v_th=30.0):
    r""":math:`\sum_{n\ \text{silent}} (v_{th} - V^\text{peak}_n)`: a surrogate term for neurons that never fire.

    Its gradient raises the highest voltage of each silent neuron towards the
    threshold; it is zero for neurons that fired, so it leaves their exact
    gradients untouched. ``run`` is the :class:`ExactRun` of ``full_output=True``.
    """
    silent = ~jnp.isfinite(run.times[..., 0])
    return jnp.sum(jnp.where(silent, v_th - run.V_peak, 0.0))
