r"""The layer's current-based exponential synapse and its initial weights, in pure JAX.

One step of the synaptic current :math:`I` (mV/ms) of :math:`N` neurons fed by
:math:`N + K` sources (the layer's own spikes, then ``K`` inputs):

.. math::

    I \leftarrow I\,e^{-dt/\tau_\text{syn}} + s\,W,

the exact decay of :math:`dI/dt = -I/\tau_\text{syn}` over the step followed by
the jumps of this step's sources :math:`s` (shape ``(..., N + K)``). Both
layers (:class:`izhi_dyn.IzhikevichLayer`, :class:`izhi_dyn.state.IzhikevichLayer`)
call :func:`exponential_synapse`; the arguments are checked by the layers.
"""

from __future__ import annotations

from typing import Optional

import jax
import jax.numpy as jnp

__all__ = ['FAN_IN_MODES', 'exponential_synapse', 'initial_weights_and_bias']

#: Names accepted by ``fan_in_mode=`` (``None`` means no scaling).
FAN_IN_MODES = ('sqrt', 'linear')


def exponential_synapse(I, pre, W, dt, tau_syn):
    r""":math:`I\,e^{-dt/\tau_\text{syn}} + \text{pre}\,W`.

    ``I`` has shape ``(..., N)``, ``pre`` ``(..., N + K)``, ``W`` ``(N + K, N)``,
    ``tau_syn`` ``()`` or ``(N,)``; ``dt`` and ``tau_syn`` in ms.
    """
    return I * jnp.broadcast_to(jnp.exp(-dt / tau_syn), I.shape) + pre @ W


def initial_weights_and_bias(key, n_neurons: int, in_size: int, *, dtype, mask=None, init_weights=None,
                             wmean: float = 0.0, wlim: Optional[float] = None,
                             fan_in_mode: Optional[str] = None, init_bias=None, bmean: float = 0.0,
                             blim: Optional[float] = None):
    r"""Weights ``(N + K, N)`` and bias ``(N,)`` of ``dtype``; see :func:`izhi_dyn.init_weights_and_bias`.

    :math:`W_{mn} = s_n\,(w_\text{mean} + \xi_{mn})`, :math:`\xi \sim U[-w_\text{lim}, w_\text{lim}]`,
    :math:`s_n \in \{1, f_n^{-1/2}, f_n^{-1}\}` for ``fan_in_mode`` None,
    ``'sqrt'``, ``'linear'`` (:math:`f_n`: unmasked inputs of neuron :math:`n`);
    bias :math:`b_\text{mean} + \eta_n`, :math:`\eta \sim U[-b_\text{lim}, b_\text{lim}]`.
    ``init_weights`` (shape ``(N + K, N)``) and ``init_bias`` (broadcastable
    to ``(N,)``) are used as given. Arguments are assumed checked.
    """
    rows = n_neurons + in_size
    kw, kb = jax.random.split(key)
    if init_weights is not None:
        W = jnp.asarray(init_weights, dtype=dtype)
    else:
        W = jnp.full((rows, n_neurons), wmean, dtype=dtype)
        if wlim is not None:
            W = W + jax.random.uniform(kw, W.shape, dtype, -wlim, wlim)
        if fan_in_mode is not None:
            fan_in = jnp.full((n_neurons,), rows) if mask is None else jnp.sum(mask, axis=0)
            fan_in = jnp.maximum(fan_in, 1).astype(dtype)
            W = W / (jnp.sqrt(fan_in) if fan_in_mode == 'sqrt' else fan_in)[None, :]
    if init_bias is not None:
        bias = jnp.broadcast_to(jnp.asarray(init_bias, dtype=dtype), (n_neurons,))
    else:
        bias = jnp.full((n_neurons,), bmean, dtype=dtype)
        if blim is not None:
            bias = bias + jax.random.uniform(kb, bias.shape, dtype, -blim, blim)
    return W, bias
