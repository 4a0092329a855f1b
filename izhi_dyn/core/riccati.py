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
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ['voltage_flow', 'voltage_flow_and_mean', 'time_to_threshold']


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


def time_to_threshold(V, V_th, q, p1, p2):
    """Time for V to reach ``V_th`` under frozen ``q``; ``inf`` if it never does."""
    W0, Wth, D, s, _ = _shifted(V, V_th, q, p1, p2)
    rising = jnp.atan2(s * (Wth - W0), s * s + Wth * W0) / (p1 * s)
    safe_W0 = jnp.where(W0 > s, W0, 2.0 * s)
    decaying = (jnp.arctanh(s / safe_W0) - jnp.arctanh(s / Wth)) / (p1 * s)
    t_star = jnp.where(D >= 0, rising, jnp.where(W0 > s, decaying, jnp.inf))
    return jnp.where(V >= V_th, 0.0, t_star)
