r"""Helpers for training Izhikevich networks with surrogate gradients.

Neuron parameters become learnable by passing a :class:`brainpy.math.TrainVar`
instead of a number: :class:`izhi_dyn.Izhikevich` reads ``.value`` at every
step, so gradients flow into it like into any weight. :func:`trainable` builds
such a variable, per neuron or shared by the population, and
:func:`make_trainable` converts parameters of an existing neuron in place.
No sign or range constraint is imposed; :func:`clip_parameters` applies one
after an optimizer step when the user asks for it.

:func:`run_sequence` runs a model over a time-major input array inside
:func:`brainpy.math.for_loop`, the building block of a BPTT loss;
:func:`cross_entropy` is a classification loss on the scores it yields, and
:func:`make_train_step` turns a loss into one compiled, clipped optimizer step.
``examples/train_spike_timing.py`` puts the three together.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, Optional, Sequence, Tuple, Union

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.core.equations import TRAINABLE_PARAMS

__all__ = ['trainable', 'make_trainable', 'clip_parameters', 'run_sequence', 'cross_entropy',
           'make_train_step']


def trainable(value, size: Union[int, Sequence[int], None] = None, *, shared: bool = False) -> bm.TrainVar:
    """A learnable neuron parameter.

    Parameters
    ----------
    value : float, array or brainpy initializer
        Initial value. An initializer is called with ``size``.
    size : int or tuple of int, optional
        Population shape; required unless ``shared``.
    shared : bool, default False
        One scalar shared by all neurons (shape ``()``) instead of one value
        per neuron.

    Returns
    -------
    brainpy.math.TrainVar

    Examples
    --------
    >>> import izhi_dyn
    >>> neu = izhi_dyn.Izhikevich(3, a=izhi_dyn.trainable(0.02, 3), d=izhi_dyn.trainable(8.0, shared=True))
    >>> neu.a.shape, neu.d.shape
    ((3,), ())
    """
    if check.check_bool('shared', shared):
        arr = check.check_array('value', value(()) if callable(value) else value)
        if arr.size != 1:
            raise ValueError(f'shared=True needs a single value, got shape {arr.shape}')
        return bm.TrainVar(jnp.asarray(arr.reshape(()), dtype=bm.float_))
    if size is None:
        raise ValueError('size is required for a per-neuron parameter (or pass shared=True)')
    shape = check.check_size(size)
    data = check.check_array('value', value(shape) if callable(value) else value)
    if data.shape not in ((), (1,), shape):
        raise ValueError(f'value: expected a scalar or shape {shape}, got shape {data.shape}')
    data = jnp.broadcast_to(jnp.asarray(data, dtype=bm.float_), shape)
    return bm.TrainVar(data)


def make_trainable(neuron, names: Iterable[str] = ('a', 'b', 'c', 'd'), *,
                   shared: Union[bool, Iterable[str]] = False) -> Dict[str, bm.TrainVar]:
    """Replace parameters of an :class:`izhi_dyn.Izhikevich` by :class:`~brainpy.math.TrainVar` s.

    Parameters
    ----------
    neuron : izhi_dyn.Izhikevich
    names : iterable of str, default ('a', 'b', 'c', 'd')
        Parameters to make learnable, among :data:`TRAINABLE_PARAMS`.
    shared : bool or iterable of str, default False
        ``True``: every named parameter is one scalar for the population;
        an iterable: only those names are shared. A per-neuron parameter that
        currently differs across neurons cannot be shared.

    Returns
    -------
    dict
        ``{name: TrainVar}``, the new variables (also ``neuron.<name>``).
    """
    from izhi_dyn.dyn.neuron import Izhikevich

    check.check_type('neuron', neuron, Izhikevich, 'an izhi_dyn.Izhikevich population')
    names = check.check_names('names', names, TRAINABLE_PARAMS)
    if not isinstance(shared, (bool, np.bool_)):
        check.check_names('shared', shared, names)
    shared_names = set(names if shared is True else (() if shared is False else shared))
    out = {}
    for name in names:
        current = getattr(neuron, name)
        if isinstance(current, bm.Variable):
            current = current.value
        current = np.asarray(bm.as_numpy(current), dtype=float)
        if name in shared_names:
            if current.size > 1 and not np.all(current == current.reshape(-1)[0]):
                raise ValueError(f'{name}: differs across neurons and cannot be shared')
            var = trainable(float(current.reshape(-1)[0]), shared=True)
        else:
            var = trainable(np.broadcast_to(current, neuron.varshape), neuron.varshape)
        setattr(neuron, name, var)
        out[name] = var
    return out


def clip_parameters(bounds: Dict[bm.Variable, Tuple[Optional[float], Optional[float]]]) -> None:
    """Clip variables in place to ``(lower, upper)`` bounds (``None``: unbounded).

    Call it after each optimizer step to impose constraints such as ``a > 0``,
    which :mod:`izhi_dyn` never imposes by itself.
    """
    if not isinstance(bounds, dict):
        raise TypeError(f'bounds={bounds!r}: expected a dict {{variable: (lower, upper)}}')
    for var, limits in bounds.items():
        check.check_type('bounds', var, bm.Variable, 'brainpy Variables as keys')
        if not isinstance(limits, (tuple, list)) or len(limits) != 2:
            raise TypeError(f'bounds[{var!r}]={limits!r}: expected a pair (lower, upper)')
        lower = check.check_real('bounds', limits[0], allow_none=True, allow_inf=True)
        upper = check.check_real('bounds', limits[1], allow_none=True, allow_inf=True)
        if lower is not None and upper is not None and lower > upper:
            raise ValueError(f'bounds={limits!r}: expected lower <= upper')
    for var, (lower, upper) in bounds.items():
        var.value = jnp.clip(var.value, lower, upper)


def run_sequence(model, inputs, *, dt: float, t0: float = 0.0):
    """Run ``model.update(x_t)`` over time-major ``inputs`` of shape ``(T, ...)``.

    Sets ``bp.share`` (``t``, ``dt``, ``i``) at each step and stacks the
    outputs along a leading time axis. Differentiable, and usable inside
    :func:`brainpy.math.jit` / :func:`brainpy.math.grad`.

    Parameters
    ----------
    model : brainpy.DynamicalSystem
    inputs : array, shape (T, ...)
    dt : float
        Time step (ms).
    t0 : float, default 0
        Time (ms) of the first step.
    """
    check.check_type('model', model, bp.DynamicalSystem, 'a brainpy DynamicalSystem')
    if not isinstance(inputs, (np.ndarray, jax.Array)) or inputs.ndim < 1 or inputs.dtype.kind not in 'biuf':
        raise TypeError(f'inputs={inputs!r}: expected a real array of shape (T, ...)')
    check.check_dt(dt)
    check.check_real('t0', t0)
    steps = jnp.arange(inputs.shape[0])

    def body(i, x):
        bp.share.save(t=t0 + i * dt, dt=dt, i=i)
        return model.update(x)

    return bm.for_loop(body, (steps, inputs))


def cross_entropy(scores, labels):
    r"""Mean softmax cross-entropy of class ``scores`` ``(batch, n_classes)`` against integer ``labels`` ``(batch,)``.

    .. math:: L = -\frac{1}{B} \sum_b \log \operatorname{softmax}(s_b)_{y_b}

    Differentiable; for use inside a loss under :func:`brainpy.math.grad`.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from izhi_dyn.dyn import cross_entropy
    >>> round(float(cross_entropy(jnp.zeros((2, 4)), jnp.array([0, 3]))), 4)  # uniform scores: log 4
    1.3863
    """
    logp = jax.nn.log_softmax(scores, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, jnp.asarray(labels)[:, None], axis=-1))


def make_train_step(loss_fun: Callable, optimizer: bp.optim.Optimizer, *, clip_norm: Optional[float] = None):
    """One compiled optimizer step on ``loss_fun``: gradient, optional global-norm clipping, update.

    Parameters
    ----------
    loss_fun : callable
        ``loss_fun(*batch) -> (loss, aux)``, reading the optimizer's variables.
    optimizer : brainpy.optim.Optimizer
        Built with ``train_vars``: the variables the gradient is taken against.
    clip_norm : float, optional
        Rescale the gradients so that their global L2 norm is at most
        ``clip_norm``; None: no clipping. Surrogate gradients through recurrent
        spiking can burst, and clipping keeps one bad batch from undoing the
        training.

    Returns
    -------
    callable
        ``step(*batch) -> (loss, aux)``, a :func:`brainpy.math.jit` function
        built once: call it for every batch.
    """
    if not callable(loss_fun):
        raise TypeError(f'loss_fun={loss_fun!r}: expected a callable (*batch) -> (loss, aux)')
    check.check_type('optimizer', optimizer, bp.optim.Optimizer, 'a brainpy.optim.Optimizer')
    if clip_norm is not None:
        check.check_real('clip_norm', clip_norm, lower=0.0, strict=True)
    train_vars = optimizer.vars_to_train
    grad_fun = bm.grad(loss_fun, grad_vars=train_vars, has_aux=True, return_value=True)

    @bm.jit
    def step(*batch):
        grads, loss, aux = grad_fun(*batch)
        if clip_norm is not None:
            norm = jnp.sqrt(sum(jnp.sum(g ** 2) for g in grads.values()))
            scale = jnp.minimum(1.0, clip_norm / (norm + 1e-12))
            grads = {k: g * scale for k, g in grads.items()}
        optimizer.update(grads)
        return loss, aux

    return step
