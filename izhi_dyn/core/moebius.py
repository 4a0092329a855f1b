r"""Branch-free Riccati flow of the Izhikevich voltage: a Möbius map with entire coefficients.

With :math:`q` frozen, :math:`\dot V = p_1 V^2 + p_2 V + q` is linearised by
:math:`V = x / y`:

.. math::

    \frac{d}{dt}\begin{pmatrix} x \\ y \end{pmatrix} = M \begin{pmatrix} x \\ y \end{pmatrix},\qquad
    M = \begin{pmatrix} p_2/2 & q \\ -p_1 & -p_2/2 \end{pmatrix},

so :math:`(x, y)(t) = e^{tM} (V_0, 1)` and :math:`V(t) = x(t) / y(t)` is a
Möbius map of :math:`V_0`. :math:`M` is traceless, :math:`M^2 = w I` with
:math:`w = p_2^2/4 - p_1 q`, hence, with :math:`z = t^2 w`,

.. math::

    e^{tM} = \operatorname{Ch}(z)\, I + t \operatorname{Sh}(z)\, M,\qquad
    \operatorname{Ch}(z) = \sum_k \frac{z^k}{(2k)!},\quad \operatorname{Sh}(z) = \sum_k \frac{z^k}{(2k+1)!}:

:math:`\cosh\sqrt z` and :math:`\sinh\sqrt z/\sqrt z` for :math:`z > 0`,
:math:`\cos` and :math:`\sin` for :math:`z < 0`, one entire function for every
sign of :math:`w` (no branch, no ``where`` between tan and tanh). The series
(11 terms in float64, 7 in float32) run on :math:`z / 16` and are brought back
by two doublings, :math:`C(4z) = C(z)(z C(z) + 2)/2`,
:math:`\operatorname{Sh}(4z) = \operatorname{Sh}(z)(1 + z C(z))`, where
:math:`C = (\operatorname{Ch} - 1)/z`: accurate to rounding for
:math:`|z| \le 64`, e.g. :math:`t \le 0.1` ms and :math:`|q| \le 10^5` mV/ms, or
:math:`t \le 1` ms and :math:`|q| \le 1000` mV/ms.
Since :math:`\dot y / y = -p_1 V - p_2/2`, the time average over :math:`[0, t]` is

.. math::

    \bar V = -\frac{1}{p_1}\Big(\frac{\ln y(t)}{t} + \frac{p_2}{2}\Big),\qquad
    y(t) = 1 + t\,\big(t w C(z) - \operatorname{Sh}(z) (p_1 V_0 + p_2/2)\big),

valid before the blow-up (:math:`y > 0`); :math:`y \le 0` means that V has
passed :math:`+\infty` (the threshold was crossed). ``p1 > 0`` is required.

**A varying drive** :math:`q(s)` (fourth order). With :math:`M(s) = P + q(s) E`,
:math:`E = \begin{pmatrix} 0 & 1 \\ 0 & 0 \end{pmatrix}`, the Magnus expansion
:math:`\Omega = \int_0^t M + \tfrac12 \int_0^t\!\int_0^{s} [M(s), M(r)]\,dr\,ds + O(t^5)`
is, exactly up to its third term, :math:`\Omega = tM(\bar q) + m\,[E, P]` with
:math:`\bar q` the mean of :math:`q` over :math:`[0, t]` and
:math:`m = \int_0^t (s - t/2)\, q(s)\, ds` its first moment about the
midpoint. :math:`\Omega` is still traceless, so :math:`e^\Omega =
\operatorname{Ch}(z) I + \operatorname{Sh}(z)\, \Omega` with
:math:`z = -\det\Omega = t^2 w + m^2 p_1^2`.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

__all__ = ['voltage_flow']

_DOUBLINGS = 2


def _series(z, terms):
    """C(z) = (Ch(z) - 1)/z and Sh(z) by Horner, for small |z|."""
    C = jnp.full_like(z, 1.0 / math.factorial(2 * terms))
    S = jnp.full_like(z, 1.0 / math.factorial(2 * terms - 1))
    for k in range(terms - 1, 0, -1):
        C = 1.0 / math.factorial(2 * k) + z * C
        S = 1.0 / math.factorial(2 * k - 1) + z * S
    return C, S


def voltage_flow(V, q, t, p1, p2, m=0.0):
    """``(x, y, V_mean)`` after time ``t >= 0`` under dV/dt = p1 V^2 + p2 V + q.

    ``q`` is the drive's mean over ``[0, t]`` and ``m`` its first moment about
    the midpoint (0: a frozen drive). ``V(t) = x / y`` (``y > 0`` before the
    blow-up), ``x - V_th y`` changes sign where V crosses ``V_th``, ``V_mean``
    is the time average over ``[0, t]`` (``V`` at ``t = 0``; meaningless once
    ``y <= 0``, but finite).
    """
    w = 0.25 * p2 * p2 - p1 * q
    pm = p1 * m
    z = t * t * w + pm * pm
    # Series at z / 16, brought back by two doublings (unconditional: no branch to select).
    zs = z * (1.0 / 16.0)
    C, Sh = _series(zs, 11 if jnp.result_type(z) == jnp.float64 else 7)
    for _ in range(_DOUBLINGS):
        C, Sh, zs = C * (zs * C + 2.0) * 0.5, Sh * (1.0 + zs * C), 4.0 * zs
    # Omega = [[t p2/2 - p1 m, t q - p2 m], [-t p1, -(t p2/2 - p1 m)]]
    diagonal = 0.5 * p2 * t - pm
    x = (1.0 + z * C + Sh * diagonal) * V + Sh * (t * q - p2 * m)
    y_minus_1 = z * C - Sh * (t * p1 * V + diagonal)
    y = 1.0 + y_minus_1
    positive = (t > 0) & (y > 0)
    log_rate = jnp.where(positive, jnp.log1p(jnp.where(positive, y_minus_1, 0.0)) / jnp.where(positive, t, 1.0),
                         jnp.where(t > 0, 0.0, -(p1 * V + 0.5 * p2)))
    return x, y, -(log_rate + 0.5 * p2) / p1
