"""Units at the boundary of the brainstate front-end; parameters, initial states and noise built from user values.

The core works on plain arrays in mV, ms and mV/ms. Users of ``brainpy.state``
pass brainunit quantities; plain numbers are taken as the documented unit. The
conversion happens where a value enters (constructor, ``init_state``, the
inputs of ``update``), never inside the core.
"""

from __future__ import annotations

import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn._precision import float_dtype

__all__ = ['UNITS', 'strip', 'build_parameter', 'read', 'float_dtype', 'initial_value_argument',
           'initial_state_value', 'noise_amplitude']

#: The unit of each quantity the neuron accepts; a plain number is taken in it.
UNITS = {
    'V': u.mV,
    'u': u.mV / u.ms,
    'I': u.mV / u.ms,
    't': u.ms,
    'V_th': u.mV,
    'c': u.mV,
    'd': u.mV / u.ms,
    'a': u.ms ** -1,
    'b': u.ms ** -1,
    'p1': u.mV ** -1 * u.ms ** -1,
    'p2': u.ms ** -1,
    'p3': u.mV / u.ms,
    'tau_ref': u.ms,
    'noise': u.mV / u.ms ** 0.5,
    'noise_u': u.mV / u.ms ** 1.5,
}


def strip(name, value, unit):
    """``value`` as a plain number or array in ``unit``; raise naming ``name`` on a wrong or mixed unit.

    A plain number (or a dimensionless quantity) is taken as already in ``unit``.
    """
    if isinstance(value, (list, tuple)) and any(isinstance(v, u.Quantity) for v in value):
        try:
            value = u.math.asarray(value)
        except Exception as err:  # noqa: BLE001 - re-raised with the argument's name
            raise ValueError(f'{name}={value!r}: mixed units; expected every element in {unit}') from err
    if not isinstance(value, u.Quantity):
        return value
    if value.is_unitless:
        return value.mantissa
    if not _same_dim(value, unit):
        raise ValueError(f'{name}={value!r}: expected a quantity in {unit} (or a plain number taken as '
                         f'{unit}), got unit {value.unit}')
    return value.to_decimal(unit)


def _same_dim(value, unit):
    return u.get_dim(value) == u.get_dim(unit)


def _is_initializer(value):
    return callable(value) and not isinstance(value, (brainstate.State, u.Quantity))


def build_parameter(name, value, shape, *, lower=None, strict=False, unit=None):
    """A model parameter in its documented unit: float, array of ``shape``, or a trainable state.

    ``value`` may be a number, an array, a quantity, an initializer called as
    ``value(shape)`` (brainstate or braintools), or a :class:`brainstate.State`
    (e.g. ``brainstate.ParamState``) that is kept as is and read on every step.
    ``unit`` overrides :data:`UNITS` (the 2007 form's own units).
    """
    unit = UNITS[name] if unit is None else unit
    if isinstance(value, brainstate.State):
        current = strip(name, value.value, unit)
        if np.shape(current) not in ((), (1,), tuple(shape)):
            raise ValueError(f'{name}: expected a state of shape () or {tuple(shape)}, got {np.shape(current)}')
        check.init_parameter(name, np.asarray(current), shape, lower=lower, strict=strict)
        return value
    if _is_initializer(value):
        value = value(tuple(shape))
    value = check.init_parameter(name, strip(name, value, unit), shape, lower=lower, strict=strict)
    return value if isinstance(value, float) else jnp.asarray(value, dtype=float_dtype())


def read(name, value, unit=None):
    """The plain value of a parameter built by :func:`build_parameter` (a state is read now)."""
    if isinstance(value, brainstate.State):
        return strip(name, value.value, UNITS[name] if unit is None else unit)
    return value


def initial_value_argument(name, value, unit, shape):
    """Check an initial-state argument once: a callable, or a value in ``unit`` of the right shape."""
    if callable(value) and not isinstance(value, u.Quantity):
        return value
    plain = strip(name, value, unit)
    check.initializer(name, plain, shape)
    return jnp.asarray(plain, dtype=float_dtype())


def initial_state_value(name, init, unit, varshape, batch_size):
    """Initial state values (plain, in ``unit``) of shape ``(batch_size, *varshape)``."""
    value = braintools.init.param(init, varshape, batch_size)
    value = jnp.asarray(strip(name, value, unit), dtype=float_dtype())
    full = tuple(varshape) if batch_size is None else (batch_size, *varshape)
    return jnp.broadcast_to(value, full)


def noise_amplitude(name, value, shape, unit=None):
    """None, a time-dependent callable ``sigma(t)``, or an amplitude >= 0 of ``shape`` (``unit`` as in
    :func:`build_parameter`)."""
    if value is None:
        return None
    if callable(value) and not isinstance(value, (braintools.init.Initialization, brainstate.State, u.Quantity)):
        return value
    return build_parameter(name, value, shape, lower=0.0, unit=unit)
