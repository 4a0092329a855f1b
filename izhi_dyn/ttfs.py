r"""Time-to-first-spike coding: latency encoding of values, and the first-spike readout and its loss.

A value :math:`v \in [v_\text{lo}, v_\text{hi}]` becomes one spike at

.. math:: t = t_\text{min} + \frac{v - v_\text{lo}}{v_\text{hi} - v_\text{lo}}\,(t_\text{max} - t_\text{min}),

and a classifier answers with the output neuron that fires first. Its loss
is the cross-entropy of :math:`\operatorname{softmax}(-t_k / \tau)` over the
first spike times :math:`t_k` of the output neurons (Mostafa 2018; Goeltz et
al. 2021): the correct neuron is pulled earlier, the others pushed later,
and the gradient is that of the spike times themselves, exact with
:func:`izhi_dyn.exact_spike_times`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from izhi_dyn import _validation as check

__all__ = ['first_spike_cross_entropy', 'first_spike_prediction', 'first_spike_times', 'grid_first_spike_times',
           'latency_encode']


def latency_encode(values, *, t_min: float, t_max: float, lo: float = 0.0, hi: float = 1.0):
    """Spike times (ms) of ``values`` in ``[lo, hi]``: ``lo`` fires at ``t_min``, ``hi`` at ``t_max``.

    Any array shape; the result has the same shape (add a trailing axis of
    length 1 for the ``(K, m)`` input times of :func:`izhi_dyn.exact_spike_times`).

    Examples
    --------
    >>> import izhi_dyn
    >>> izhi_dyn.latency_encode([0.0, 0.5, 1.0], t_min=2.0, t_max=12.0).tolist()
    [2.0, 7.0, 12.0]
    """
    t_min, t_max = check.check_real('t_min', t_min), check.check_real('t_max', t_max)
    lo, hi = check.check_real('lo', lo), check.check_real('hi', hi)
    if not hi > lo:
        raise ValueError(f'lo={lo}, hi={hi}: expected lo < hi')
    values = jnp.asarray(values)
    values = values.astype(jnp.result_type(values.dtype, jnp.float32))
    return t_min + (values - lo) / (hi - lo) * (t_max - t_min)


def first_spike_times(times, t_max: float):
    """First spike time of each neuron from ``(..., max_spikes)`` spike times (``+inf``-padded).

    A neuron without a spike gets ``t_max``, with zero gradient.
    """
    first = times[..., 0]
    return jnp.where(jnp.isfinite(first), first, jax.lax.stop_gradient(jnp.full_like(first, t_max)))


def grid_first_spike_times(spikes, *, dt: float, t_max: float):
    r"""First spike times (ms) from time-major spike trains ``(T, ..., N)`` on a grid, differentiably.

    .. math:: t_n = \sum_i t_i\, s_{i,n} \prod_{j < i} (1 - s_{j,n}) + t_\text{max} \prod_j (1 - s_{j,n}),
        \qquad t_i = i\,dt

    With 0/1 spikes it is the first spike's step time (``t_max`` for none); with
    the surrogate spikes of ``TrainingMode`` the gradient flows through the
    surrogate (the grid counterpart of :func:`first_spike_times`).
    """
    dt, t_max = check.check_dt(dt), check.check_real('t_max', t_max)
    spikes = jnp.asarray(spikes)
    not_yet = jnp.cumprod(1.0 - spikes, axis=0)
    before = jnp.concatenate([jnp.ones_like(spikes[:1]), not_yet[:-1]], axis=0)
    t = (jnp.arange(spikes.shape[0]) * dt).astype(spikes.dtype).reshape((-1,) + (1,) * (spikes.ndim - 1))
    return jnp.sum(t * spikes * before, axis=0) + t_max * not_yet[-1]


def first_spike_prediction(first_times):
    """The class of each sample: the output neuron that fired first (``first_times`` ``(..., n_classes)``)."""
    return jnp.argmin(first_times, axis=-1)


def first_spike_cross_entropy(first_times, labels, *, tau: float):
    r"""Mean cross-entropy of :math:`\operatorname{softmax}(-t / \tau)` against integer ``labels``.

    .. math:: L = -\frac{1}{B}\sum_b \log \frac{e^{-t_{b,y_b}/\tau}}{\sum_k e^{-t_{b,k}/\tau}}

    ``first_times`` ``(B, n_classes)`` in ms (from :func:`first_spike_times`),
    ``labels`` ``(B,)``, ``tau`` (ms, > 0) the time scale of the softmax.

    Examples
    --------
    >>> import jax.numpy as jnp, izhi_dyn
    >>> t = jnp.array([[5.0, 9.0, 9.0]])
    >>> bool(izhi_dyn.first_spike_cross_entropy(t, jnp.array([0]), tau=2.0)
    ...      < izhi_dyn.first_spike_cross_entropy(t, jnp.array([1]), tau=2.0))
    True
    """
    tau = check.check_real('tau', tau, lower=0.0, strict=True)
    logp = jax.nn.log_softmax(-first_times / tau, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, jnp.asarray(labels)[:, None], axis=-1))
