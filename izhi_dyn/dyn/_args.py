"""Argument handling of the neuron: checks involving several arguments, parameter shapes."""

from __future__ import annotations

import brainpy.math as bm
import jax.numpy as jnp
import numpy as np

from izhi_dyn.core.equations import Params
from izhi_dyn.core.integrators import INTEGRATORS, Integrator

__all__ = ['check_mode', 'check_name', 'check_reset_below_threshold', 'check_method_fits', 'value_of',
           'to_state_shape', 'params_to_state_shape']


def value_of(x):
    """The array behind a :class:`brainpy.math.Variable`, else ``x`` itself."""
    return x.value if isinstance(x, bm.Variable) else x


def to_state_shape(x, shape):
    """Broadcast a per-neuron array explicitly to the state ``shape``; scalars unchanged.

    Parameters of shape ``(N,)`` meet batched states ``(B, N)``; broadcasting
    them explicitly keeps ``jax_numpy_rank_promotion='raise'`` satisfied.
    """
    return x if jnp.ndim(x) == 0 else jnp.broadcast_to(x, shape)


def params_to_state_shape(p: Params, shape) -> Params:
    """``p`` with every array field broadcast to the state ``shape``."""
    return p._replace(**{f: to_state_shape(getattr(p, f), shape) for f in Params._fields if f != 'recovery'})


def check_mode(mode):
    """Raise unless ``mode`` is None or a :class:`brainpy.math.Mode`."""
    if mode is not None and not isinstance(mode, bm.Mode):
        raise TypeError(f'mode={mode!r}: expected a brainpy.math.Mode such as bm.TrainingMode()')
    return mode


def check_name(name):
    """Raise unless ``name`` is None or a str that is a Python identifier."""
    if name is not None and not (isinstance(name, str) and name.isidentifier()):
        raise TypeError(f'name={name!r}: expected None or a str that is a Python identifier')
    return name


def check_reset_below_threshold(c, V_th, c_arg, V_th_arg):
    """Raise if the (non-trainable) reset potential ``c`` is not below ``V_th``."""
    if not isinstance(c, bm.Variable) and np.any(np.asarray(c) >= np.asarray(value_of(V_th))):
        raise ValueError(f'c={c_arg!r}: the reset potential must lie below V_th={V_th_arg!r}')


def check_method_fits(integrator: Integrator, noisy: bool, mode):
    """Raise if ``integrator`` cannot handle noise or the training mode."""
    if noisy and not integrator.stochastic:
        capable = sorted(n for n, m in INTEGRATORS.items() if m.stochastic)
        raise ValueError(f'method={integrator.name!r} cannot integrate noise; '
                         f'use one of {capable} or set noise=None')
    if integrator.exact_events and isinstance(mode, bm.TrainingMode):
        raise ValueError(f'method={integrator.name!r} handles spikes as exact events and is '
                         'not differentiable through them; use an explicit method in TrainingMode')
