r"""The event-exact step, and a run of them, as native calls forward and backward (C++, XLA FFI, CPU).

``csrc/exact_step.cc`` runs :func:`izhi_dyn.core.exact.event_step` for a whole
batch in one call, and ``csrc/exact_run.cc`` a run of them
(:func:`izhi_dyn.core.exact.event_run`, each sample's steps on one thread),
both built by the package's install (``setup.py``, optional). Each vector-
Jacobian product is a second call, which runs a step again on a reverse-mode
tape, with each segment's flow one tape entry swept by its hand-written adjoint
(``csrc/exact_segment.h``), and a step without events or crossings
differentiated off the tape. The pure-JAX step needs about 2300 XLA kernels per
step forward plus backward at N = 64; the native step needs two, plus the
loop's bookkeeping, and the native run two for the whole run.

Both compute in float64 whatever the arrays' type, so in float32 they
round once per step, where the pure-JAX step rounds at every operation. They
follow the pure-JAX step operation by operation (pieces, Magnus segments,
crossing, passes): the values agree to float64 rounding, and so do the
gradients except at a tie that rounding decides (a crossing on the neuron's
own spike time of the previous pass, a piece edge), where the native
gradient is the one that matches central differences
(``tests/test_exact_native.py``). The pure-JAX step stays the reference, and
the fallback where the library is not built.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from izhi_dyn._ffi import load_ffi_library
from izhi_dyn.core.exact import EventRun, ExactParams, ExactState, event_run, event_step

__all__ = ['EVENT_STEP_KERNELS', 'native_event_run', 'native_event_step', 'native_exact_unsupported',
           'select_event_run', 'select_event_step']

#: The ``kernel`` choices of the exact step: the native one where it can run, else the pure-JAX one;
#: the native one (an error where it cannot run); the pure-JAX one.
EVENT_STEP_KERNELS = ('auto', 'native', 'jax')

_MODULE = 'izhi_dyn._exact_step'
_FORWARD, _BACKWARD = 'izhi_exact_step', 'izhi_exact_step_vjp'
_RUN_FORWARD, _RUN_BACKWARD = 'izhi_exact_run', 'izhi_exact_run_vjp'
_H = 3  # the position of the step length h among the call's inputs


@functools.lru_cache(maxsize=1)
def _library() -> Optional[ctypes.CDLL]:
    """The built library with its FFI targets (the step, the run, and their VJPs) registered, or None
    if it was not built or cannot be loaded."""
    return load_ffi_library(_MODULE, {_FORWARD: 'IzhiExactStep', _BACKWARD: 'IzhiExactStepVjp',
                                     _RUN_FORWARD: 'IzhiExactRun', _RUN_BACKWARD: 'IzhiExactRunVjp'})


def native_exact_unsupported() -> Optional[str]:
    """Why the native exact step cannot run here (None if it can)."""
    if _library() is None:
        return 'the native kernel is not built (no C++ compiler at install time) or cannot be loaded'
    if jax.default_backend() != 'cpu':
        return f'the native kernel runs on the CPU, the default backend is {jax.default_backend()}'
    return None


def _runs_native(kernel: str) -> bool:
    """Whether ``kernel`` (one of :data:`EVENT_STEP_KERNELS`) names the native step here."""
    if kernel not in EVENT_STEP_KERNELS:
        raise ValueError(f'kernel must be one of {EVENT_STEP_KERNELS}; got {kernel!r}')
    reason = None if kernel == 'jax' else native_exact_unsupported()
    if kernel == 'native' and reason is not None:
        raise ValueError(f"kernel='native' cannot run: {reason}")
    return kernel != 'jax' and reason is None


def select_event_step(kernel: str):
    """The step ``kernel`` (one of :data:`EVENT_STEP_KERNELS`) names: :func:`native_event_step` or
    :func:`izhi_dyn.core.exact.event_step`; both take and return the same."""
    return native_event_step if _runs_native(kernel) else event_step


def select_event_run(kernel: str):
    """The run of steps ``kernel`` names: :func:`native_event_run` or :func:`izhi_dyn.core.exact.event_run`."""
    return native_event_run if _runs_native(kernel) else event_run


def _step_outputs(args):
    """V, u, I, spiked, t_spike, and crossed: bit p set where the neuron crossed in pass p (for the VJP)."""
    V = args[0]
    return _outputs(V.shape, V.dtype)


def _run_outputs(args):
    """As :func:`_step_outputs`, one row per step: ``(steps, N)``, steps from the onsets ``(steps, S)``."""
    V, onsets = args[0], args[4]
    return _outputs(onsets.shape[:1] + V.shape, V.dtype)


def _outputs(shape, dtype):
    state = jax.ShapeDtypeStruct(shape, dtype)
    return [state, state, state, jax.ShapeDtypeStruct(shape, jnp.bool_), state, jax.ShapeDtypeStruct(shape, jnp.int32)]


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True)
class _Perturbed:
    """Which inputs carry a tangent: a static bit mask, kept with the residuals."""

    bits: int


def _native_vjp(forward: str, backward: str, outputs, keeps_states: bool):
    """The FFI call ``forward`` (inputs: the step's 17 ``args``; outputs: ``outputs(args)``) with its VJP,
    the call ``backward``, as a function ``(passes, splits, args) -> (V, u, I, spiked, t_spike)``.

    ``backward`` takes the inputs, the forward call's V, u, I where ``keeps_states`` (a run needs the states
    between its steps), the outputs' cotangents and the forward call's crossings.
    """
    def call(passes, splits, args):
        return jax.ffi.ffi_call(forward, outputs(args), vmap_method='expand_dims')(
            *args, passes=np.int64(passes), splits=np.int64(splits))

    @functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
    def differentiable(passes, splits, args):
        return tuple(call(passes, splits, args)[:5])

    def differentiable_forward(passes, splits, args):
        values = tuple(x.value for x in args)
        bits = sum(1 << k for k, x in enumerate(args) if x.perturbed and k != _H)
        *outs, crossed = call(passes, splits, values)
        return tuple(outs), (values, tuple(outs[:3]) if keeps_states else (), crossed, _Perturbed(bits))

    def differentiable_backward(passes, splits, residuals, cotangents):
        args, states, crossed, perturbed = residuals
        V = states[0] if keeps_states else args[0]
        gV, gu, gI, _, gt = (jnp.zeros(V.shape, V.dtype) if isinstance(g, SymbolicZero) else g for g in cotangents)
        # Inputs without a tangent get no leaves on the tape and a zero cotangent; so does h (a step length).
        # The forward call's crossings spare the backward call the passes' neurons whose outputs go unread.
        grads = jax.ffi.ffi_call(backward, [jax.ShapeDtypeStruct(x.shape, x.dtype) for x in args],
                                 vmap_method='expand_dims')(
            *args, *states, gV, gu, gI, gt, crossed, passes=np.int64(passes), splits=np.int64(splits),
            perturbed=np.int64(perturbed.bits))
        return (tuple(g if perturbed.bits >> k & 1 and k != _H else None for k, g in enumerate(grads)),)

    differentiable.defvjp(differentiable_forward, differentiable_backward, symbolic_zeros=True)
    return differentiable


_step = _native_vjp(_FORWARD, _BACKWARD, _step_outputs, keeps_states=False)
_run = _native_vjp(_RUN_FORWARD, _RUN_BACKWARD, _run_outputs, keeps_states=True)


def _native_args(name, state, h, onsets, in_weights, rec_weights, p):
    """The calls' 17 inputs in the state's type, each parameter broadcast to ``(N,)``."""
    reason = native_exact_unsupported()
    if reason is not None:
        raise RuntimeError(f'{name}: {reason}')
    V = state.V
    N, dtype = V.shape[-1], V.dtype
    if dtype not in (jnp.float32, jnp.float64):
        raise TypeError(f'{name}: state.V must be float32 or float64; got {dtype}')

    def vec(x):
        return jnp.broadcast_to(jnp.asarray(x, dtype), (N,))

    return (V, state.u.astype(dtype), state.I.astype(dtype), jnp.asarray(h, dtype), onsets.astype(dtype),
            in_weights.astype(dtype), rec_weights.astype(dtype)) + tuple(vec(x) for x in p)


def native_event_step(state: ExactState, h, in_onsets, in_weights, rec_weights, p: ExactParams, passes: int = 3,
                      splits: int = 2):
    """:func:`izhi_dyn.core.exact.event_step` as one native call (same arguments and returns).

    Differentiable in reverse mode (:func:`jax.grad`, :func:`jax.vjp`,
    :func:`jax.jacrev`: a custom VJP, one native call; not :func:`jax.jvp`)
    with respect to everything but ``h``, and batched by :func:`jax.vmap`;
    ``passes`` and ``splits`` are static. A sample whose cotangents are all zero
    (a step after the last spike a loss depends on) is not run again.
    """
    args = _native_args('native_event_step', state, h, in_onsets, in_weights, rec_weights, p)
    V, u, I, spiked, t_spike = _step(passes, splits, args)
    return ExactState(V, u, I), spiked, t_spike


def native_event_run(state: ExactState, h, in_onsets, in_weights, rec_weights, p: ExactParams, passes: int = 3,
                     splits: int = 2) -> EventRun:
    """:func:`izhi_dyn.core.exact.event_run` as one native call (same arguments and returns).

    The steps of :func:`native_event_step`, each sample's run on one thread, with the
    state rounded to its type between steps as a scan of that step rounds it: the
    same values, bit for bit. The VJP is one call too, which sweeps the steps back
    from the last, carrying the state's cotangent in float64.
    """
    args = _native_args('native_event_run', state, h, in_onsets, in_weights, rec_weights, p)
    return EventRun(*_run(passes, splits, args))

