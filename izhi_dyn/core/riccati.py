r"""Closed-form voltage flow of the Izhikevich model with u and I frozen.

With :math:`q = p_3 - u + I` constant over a step, the voltage equation
:math:`\dot V = p_1 V^2 + p_2 V + q` is a Riccati equation. Completing the
square, :math:`W = V + p_2 / (2 p_1)` obeys

.. math::

    \dot W = p_1 (W^2 + D), \qquad D = \frac{q}{p_1} - \frac{p_2^2}{4 p_1^2}.

Writing :math:`W = -\dot y / (p_1 y)` linearises it to
:math:`\ddot y = -p_1^2 D\,y`; with :math:`s = \sqrt{|D|}`, :math:`x = p_1 s t`
and :math:`y(0) = 1`,

.. math::

    y(t) = \cos x - \frac{W_0}{s}\sin x \ (D > 0), \qquad
    y(t) = \cosh x - \frac{W_0}{s}\sinh x \ (D < 0),

which gives the flow, the time average and the time to threshold:

.. math::

    W(t) = \frac{W_0 + D\,\theta}{1 - W_0\,\theta},\quad
    \theta = \tfrac{\tan x}{s}\ \text{or}\ \tfrac{\tanh x}{s};\qquad
    \int_0^t W\,dt' = -\frac{\ln y(t)}{p_1};

.. math::

    t^* = \begin{cases}
      \operatorname{atan2}\!\big(s (W_{th} - W_0),\; s^2 + W_{th} W_0\big) / (p_1 s) & D \ge 0 \\
      \big(\operatorname{artanh}(s / W_0) - \operatorname{artanh}(s / W_{th})\big) / (p_1 s)
        & D < 0,\ W_0 > s \\
      \infty & D < 0,\ W_0 \le s .
    \end{cases}

All tend to the :math:`D = 0` limit as :math:`s \to 0`, so one code path serves
every sign of :math:`D` (``s`` is floored at :math:`\sqrt{\text{tiny}}`, far
below any resolvable value). These are exact for frozen u and I and valid
before the blow-up time; ``p1 > 0`` is required.

The flow is monotone, so it reaches any level between :math:`W_0` and where
it goes (blow-up, or the stable root :math:`-s` when :math:`D < 0`), at

.. math::

    t_\ell = \frac{\operatorname{artanh}(s / W_0) - \operatorname{artanh}(s / W_\ell)}{p_1 s}
    \ (|W_0| > s), \qquad
    t_\ell = \frac{\operatorname{artanh}(W_0 / s) - \operatorname{artanh}(W_\ell / s)}{p_1 s}
    \ (|W_0| < s,\ \text{falling}),

and at :math:`t^*` (with :math:`W_{th} = W_\ell`) when :math:`D \ge 0`.

:func:`segment` is the step of the ``'riccati'`` integrator built on them: u
frozen at its mid-segment value (found by fixed-point passes) for V, and u on
its exact linear flow driven by the segment's mean V. Where the 2007 form's b
switches (at :math:`v_{switch}`, TC and RTN), u's drive has a kink or a jump:
where V reaches the switch inside a segment (at :math:`t_\ell`), u flows on
the old branch up to it and on the new one after it, each part driven by V's
mean over that part (V's own flow is continuous there). For the 2007 form,
:math:`C\dot V = k(V - v_r)(V - v_t) - u + I` is the same equation with
:math:`p_1 = k/C`, :math:`p_2 = -k (v_r + v_t)/C` and
:math:`q = (k v_r v_t - u + I)/C`.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from izhi_dyn.core.equations import Params2007, recovery_flow, spike_peak

__all__ = ['voltage_flow', 'voltage_flow_and_mean', 'time_to_threshold', 'time_to_level', 'segment']


def _shifted(V, V_th, q, p1, p2):
    shift = p2 / (2.0 * p1)
    D = q / p1 - shift * shift
    s = jnp.sqrt(jnp.maximum(jnp.abs(D), jnp.finfo(jnp.result_type(D)).tiny))
    return V + shift, V_th + shift, D, s, shift


def voltage_flow(V, q, t, p1, p2):
    """V after time ``t`` under dV/dt = p1 V^2 + p2 V + q (valid before blow-up)."""
    return voltage_flow_and_mean(V, q, t, p1, p2)[0]


def voltage_flow_and_mean(V, q, t, p1, p2):
    """V after time ``t`` and the time average of V over ``[0, t]`` (``V`` itself at t = 0)."""
    W0, _, D, s, shift = _shifted(V, V, q, p1, p2)
    x = p1 * s * t
    rising = D > 0
    theta = jnp.where(rising, jnp.tan(x), jnp.tanh(x)) / s
    W_t = (W0 + D * theta) / (1.0 - W0 * theta)
    y = jnp.where(rising, jnp.cos(x) - W0 * jnp.sin(x) / s, jnp.cosh(x) - W0 * jnp.sinh(x) / s)
    positive_t = t > 0
    mean_W = jnp.where(positive_t, -jnp.log(y) / (p1 * jnp.where(positive_t, t, 1.0)), W0)
    return W_t - shift, mean_W - shift


def _rising_time(W0, W1, s, p1):
    """Time from ``W0`` to ``W1`` of the shifted flow when :math:`D \\ge 0` (no root: V always rises)."""
    return jnp.atan2(s * (W1 - W0), s * s + W1 * W0) / (p1 * s)


def time_to_threshold(V, V_th, q, p1, p2):
    """Time for V to reach ``V_th`` under frozen ``q``; ``inf`` if it never does."""
    W0, Wth, D, s, _ = _shifted(V, V_th, q, p1, p2)
    rising = _rising_time(W0, Wth, s, p1)
    safe_W0 = jnp.where(W0 > s, W0, 2.0 * s)
    decaying = (jnp.arctanh(s / safe_W0) - jnp.arctanh(s / Wth)) / (p1 * s)
    t_star = jnp.where(D >= 0, rising, jnp.where(W0 > s, decaying, jnp.inf))
    return jnp.where(V >= V_th, 0.0, t_star)


def _artanh_of_ratio(x, y, ok):
    """artanh(x / y) where ``ok``, 0 elsewhere (no NaN in the unused branch, nor in its gradient)."""
    return jnp.arctanh(jnp.where(ok, x / jnp.where(ok, y, 1.0), 0.0))


def time_to_level(V, level, q, p1, p2):
    """Time for V to reach ``level``, rising or falling, under frozen ``q``; ``inf`` if it never does."""
    W0, Wl, D, s, _ = _shifted(V, level, q, p1, p2)
    up = Wl > W0
    outer = jnp.abs(W0) > s  # D < 0: beyond the roots the flow rises (to blow-up or to -s), between them it falls
    reached = jnp.where(D >= 0, up, jnp.where(W0 > s, up, jnp.where(W0 < -s, up & (Wl < -s), ~up & (Wl > -s))))
    ok = reached & (D < 0)
    t_outer = (_artanh_of_ratio(s, W0, ok & outer) - _artanh_of_ratio(s, Wl, ok & outer)) / (p1 * s)
    t_inner = (_artanh_of_ratio(W0, s, ok & ~outer) - _artanh_of_ratio(Wl, s, ok & ~outer)) / (p1 * s)
    rising = _rising_time(W0, Wl, s, p1)
    t = jnp.where(D >= 0, rising, jnp.where(outer, t_outer, t_inner))
    return jnp.where(V == level, 0.0, jnp.where(reached, t, jnp.inf))


def _coefficients(p):
    """``(p1, p2, p3, C)`` of the voltage equation :math:`C \\dot V = C (p_1 V^2 + p_2 V) + p_3 - u + I`."""
    if isinstance(p, Params2007):
        return p.k / p.C, -p.k * (p.v_r + p.v_t) / p.C, p.k * p.v_r * p.v_t, p.C
    return p.p1, p.p2, p.p3, 1.0


_PASSES = 2  # fixed-point passes for the mid-segment u and the segment end


def _switches(p) -> bool:
    """Whether b may switch inside a step (2007 form, linear nullcline, ``v_switch`` not the default -inf)."""
    if not isinstance(p, Params2007) or p.nullcline != 'linear':
        return False
    return not (isinstance(p.v_switch, (int, float)) and p.v_switch == -math.inf)


def segment(V, u, I, h, p):
    """Advance (V, u) over ``h``, or up to the threshold crossing if it comes first.

    V follows its exact Riccati flow with u frozen at its value in the middle
    of the segment; u follows its exact linear flow driven by the segment's
    mean V (exact for the accommodation law). Mid-segment u and the segment
    end ``t`` are found by fixed-point passes, starting from V frozen at its
    initial value; ``t`` is always recomputed from the current drive ``q``, so
    the trajectory never blows up inside ``[0, t]``. Where b switches inside
    the segment (2007 form, V reaching ``v_switch`` at :func:`time_to_level`),
    u flows on the old branch up to the switch, driven by V's mean there, and
    on the new one after it (a second crossing within ``h`` is not located).
    ``p`` is a :class:`~izhi_dyn.core.Params` or :class:`~izhi_dyn.core.Params2007`.
    Returns V, u at the end of the segment and the crossing time (``inf`` if none).
    """
    p1, p2, p3, C = _coefficients(p)

    def drive(V_seg, t):  # q from u in the middle of [0, t], the threshold from u at its end
        return ((p3 - recovery_flow(V_seg, u, 0.5 * t, p) + I) / C,
                spike_peak(recovery_flow(V_seg, u, t, p), p))

    q, peak = drive(V, h)
    t_star = time_to_threshold(V, peak, q, p1, p2)
    for _ in range(_PASSES):
        t = jnp.minimum(t_star, h)
        _, V_mean = voltage_flow_and_mean(V, q, t, p1, p2)
        q, peak = drive(V_mean, t)
        t_star = time_to_threshold(V, peak, q, p1, p2)
    crossed = t_star <= h
    t = jnp.minimum(t_star, h)
    V_end, V_mean = voltage_flow_and_mean(V, q, t, p1, p2)
    u_end = recovery_flow(V_mean, u, t, p)
    if _switches(p):
        u_end = _across_the_switch(V, u, q, t, u_end, p, p1, p2)
    # At the crossing V sits on the threshold of the end-of-segment u, so the threshold test fires.
    V_end = jnp.where(crossed, jnp.maximum(peak, spike_peak(u_end, p)), V_end)
    return V_end, u_end, jnp.where(crossed, t_star, jnp.inf)


def _across_the_switch(V, u, q, t, u_end, p, p1, p2):
    """u at ``t``: on its old branch up to the time V reaches ``v_switch``, on the new one after (``u_end``
    where V does not reach it before ``t``); each part driven by V's mean over it."""
    t_switch = time_to_level(V, p.v_switch, q, p1, p2)
    split = t_switch < t
    before = jnp.where(split, t_switch, 0.0)
    _, mean_before = voltage_flow_and_mean(V, q, before, p1, p2)
    _, mean_after = voltage_flow_and_mean(jnp.broadcast_to(p.v_switch, jnp.shape(V)), q, t - before, p1, p2)
    u_split = recovery_flow(mean_after, recovery_flow(mean_before, u, before, p), t - before, p)
    return jnp.where(split, u_split, u_end)
