"""Opt-in detection of non-finite neuron state during a run."""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ['NonFiniteStateError', 'raise_if_not_finite']


class NonFiniteStateError(FloatingPointError):
    """Raised by ``check_finite=True`` when V or u stops being finite."""


def raise_if_not_finite(name, V, u, step_index, t):
    """Raise :class:`NonFiniteStateError` naming step, time and neuron index.

    Works eagerly and under ``jit``: a ``pure_callback`` whose unused result
    XLA may drop would not do, whereas ``jax.debug.callback`` is an effect and
    always runs.
    """
    bad = ~(jnp.isfinite(V) & jnp.isfinite(u))

    def fail_if(any_bad, step_index, t, flat_index):
        if bool(any_bad):
            raise NonFiniteStateError(
                f'{name}: V or u became non-finite at step {int(step_index)} '
                f'(t = {float(t)} ms), neuron index {int(flat_index)}'
            )

    args = (jnp.any(bad), step_index, t, jnp.argmax(bad.reshape(-1)))
    if any(isinstance(x, jax.core.Tracer) for x in args):
        jax.debug.callback(fail_if, *args)
    else:
        fail_if(*args)
