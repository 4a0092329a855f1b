"""Training helpers for the brainstate front-end: a time loop and one optax optimizer step.

The parameters to train are :class:`brainstate.ParamState` objects (pass them
as ``a=``, ``b=``, ... of :class:`izhi_dyn.state.Izhikevich`, or use them in a
readout); gradients come from :func:`brainstate.transform.grad` through the
neuron's surrogate spikes, and the optimizer is any optax
``GradientTransformation`` (``init``/``update``).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check

__all__ = ['run_sequence', 'make_train_step']


def run_sequence(model: Callable, inputs, *, dt: float, t0: float = 0.0):
    """Run ``model(x_t)`` over time-major ``inputs`` ``(T, ...)``, setting ``t``, ``i`` and ``dt`` (ms).

    Returns the stacked outputs. Differentiable; usable inside
    :func:`brainstate.transform.jit` and :func:`brainstate.transform.grad`.
    """
    if not callable(model):
        raise TypeError(f'model={model!r}: expected a callable such as a brainstate module')
    if not isinstance(inputs, (np.ndarray, jax.Array)) or inputs.ndim < 1 or inputs.dtype.kind not in 'biuf':
        raise TypeError(f'inputs={inputs!r}: expected a real array of shape (T, ...)')
    check.check_dt(dt)
    check.check_real('t0', t0)

    def body(i, x):
        with brainstate.environ.context(t=(t0 + i * dt) * u.ms, i=i):
            return model(x)

    with brainstate.environ.context(dt=dt * u.ms):
        return brainstate.transform.for_loop(body, jnp.arange(inputs.shape[0]), jnp.asarray(inputs))


def make_train_step(loss_fun: Callable, params: Sequence[brainstate.ParamState], optimizer, *,
                    clip_norm: Optional[float] = None):
    """A compiled optimizer step: ``step(opt_state, *batch) -> (opt_state, loss, aux)``.

    Parameters
    ----------
    loss_fun : callable
        ``loss_fun(*batch) -> (loss, aux)``, reading ``params``.
    params : sequence of brainstate.ParamState
        The states trained; ``opt_state = optimizer.init([p.value for p in params])``.
    optimizer : optax.GradientTransformation
        Anything with optax's ``init(params)`` and ``update(grads, state, params)``.
    clip_norm : float, optional
        Rescale the gradients to a global L2 norm of at most ``clip_norm``.
    """
    if not callable(loss_fun):
        raise TypeError(f'loss_fun={loss_fun!r}: expected a callable (*batch) -> (loss, aux)')
    params = list(params)
    if not params or not all(isinstance(p, brainstate.ParamState) for p in params):
        raise TypeError(f'params={params!r}: expected a non-empty sequence of brainstate.ParamState')
    if not (hasattr(optimizer, 'init') and hasattr(optimizer, 'update')):
        raise TypeError(f'optimizer={optimizer!r}: expected an optax GradientTransformation')
    if clip_norm is not None:
        check.check_real('clip_norm', clip_norm, lower=0.0, strict=True)
    grad_fun = brainstate.transform.grad(loss_fun, grad_states=params, has_aux=True, return_value=True)

    @brainstate.transform.jit
    def step(opt_state, *batch):
        grads, loss, aux = grad_fun(*batch)
        grads = list(grads)
        if clip_norm is not None:
            norm = jnp.sqrt(sum(jnp.sum(g ** 2) for g in grads))
            grads = [g * jnp.minimum(1.0, clip_norm / (norm + 1e-12)) for g in grads]
        values = [p.value for p in params]
        updates, opt_state = optimizer.update(grads, opt_state, values)
        for p, v, du in zip(params, values, updates):
            p.value = v + du
        return opt_state, loss, aux

    return step
