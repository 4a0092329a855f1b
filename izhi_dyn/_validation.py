"""Argument checks that name the argument, the value and what was expected."""

from __future__ import annotations

import numbers

import brainpy as bp
import brainpy.math as bm
import jax
import numpy as np

__all__ = ['check_size', 'check_choice', 'check_dt', 'check_bool', 'check_dtype', 'check_sharding',
           'init_parameter', 'initializer']


def check_size(size):
    """Return ``size`` as a tuple of positive ints, or raise naming ``size``."""
    dims = size if isinstance(size, (tuple, list)) else (size,)
    ok = len(dims) > 0 and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in dims
    )
    if not ok:
        raise ValueError(f'size={size!r}: expected a positive int or a tuple of positive ints')
    return tuple(int(n) for n in dims)


def check_choice(name, value, choices):
    """Raise unless ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f'{name}={value!r}: expected one of {list(choices)}')
    return value


def check_bool(name, value):
    """Raise unless ``value`` is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f'{name}={value!r}: expected a bool')
    return bool(value)


def check_dtype(name, value):
    """Raise unless ``value`` is None or a bool, integer or floating dtype."""
    if value is None:
        return None
    try:
        dtype = np.dtype(value)
    except TypeError as err:
        raise TypeError(f'{name}={value!r}: expected a bool, integer or float dtype') from err
    if not (dtype == np.bool_ or np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        raise TypeError(f'{name}={value!r}: expected a bool, integer or float dtype')
    return value


def check_sharding(value):
    """Raise unless ``value`` is None or a sequence of axis names (str or None)."""
    ok = value is None or (
        isinstance(value, (tuple, list)) and all(a is None or isinstance(a, str) for a in value)
    )
    if not ok:
        raise TypeError(f'sharding={value!r}: expected None or a sequence of axis names')
    return value


def check_dt(dt):
    """Raise if a concrete ``dt`` is not a positive finite number."""
    if isinstance(dt, jax.core.Tracer):
        return dt
    value = np.asarray(dt)
    if value.shape != () or not np.isfinite(value) or value <= 0:
        raise ValueError(f'dt={dt!r}: expected a positive finite time step in ms')
    return dt


def _check_values(name, value, lower, strict):
    if isinstance(value, jax.core.Tracer):
        return
    arr = np.asarray(value)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f'{name}: expected real numbers, got dtype {arr.dtype}')
    if not np.all(np.isfinite(arr)):
        raise ValueError(f'{name}={value!r}: expected finite values (got NaN or inf)')
    if lower is not None:
        bad = arr <= lower if strict else arr < lower
        if np.any(bad):
            relation = '>' if strict else '>='
            raise ValueError(f'{name}={value!r}: expected values {relation} {lower}')


def init_parameter(name, value, shape, *, lower=None, strict=False):
    """Build a model parameter from a scalar, an array or a brainpy initializer.

    Parameters
    ----------
    name : str
        Argument name, used in error messages.
    value : float, array, :class:`brainpy.math.Variable` or callable
        A scalar, an array of ``shape`` (or of a single element), a trainable
        variable, or an initializer called as ``value(shape)``.
    shape : tuple of int
        The population's shape.
    lower : float, optional
        Smallest allowed value (exclusive when ``strict``).

    Returns
    -------
    float, jax.Array or brainpy.math.Variable
    """
    if isinstance(value, bool) or value is None:
        raise TypeError(f'{name}={value!r}: expected a number, an array or an initializer')
    if isinstance(value, bm.Variable):
        if value.shape not in ((), (1,), tuple(shape)):
            raise ValueError(f'{name}: expected shape () or {tuple(shape)}, got {value.shape}')
        _check_values(name, value.value, lower, strict)
        return value
    if isinstance(value, numbers.Real):
        _check_values(name, value, lower, strict)
        return float(value)
    if callable(value):
        value = value(tuple(shape))
    if not hasattr(value, 'shape'):
        try:
            value = np.asarray(value)
        except Exception as err:  # noqa: BLE001 - re-raised with the argument's name
            raise TypeError(f'{name}={value!r}: expected a number, an array or an initializer') from err
    if value.shape not in ((), (1,), tuple(shape)):
        raise ValueError(f'{name}: expected a scalar or shape {tuple(shape)}, got shape {value.shape}')
    _check_values(name, value, lower, strict)
    return bm.as_jax(value).astype(bm.float_)


def initializer(name, value):
    """Return ``value`` as a brainpy initializer (arrays and scalars are wrapped)."""
    if isinstance(value, bp.init.Initializer) or callable(value):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f'{name}={value!r}: expected a number, an array or an initializer')
    arr = np.asarray(value)
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f'{name}={value!r}: expected a number, an array or an initializer')
    _check_values(name, arr, None, False)
    return value
