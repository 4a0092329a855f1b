"""Argument checks that name the argument, the value and what was expected."""

from __future__ import annotations

import numbers
import sys
from collections.abc import Iterable

import jax
import numpy as np

__all__ = ['check_size', 'check_choice', 'check_dt', 'check_steps', 'check_bool', 'check_dtype', 'check_name',
           'check_real', 'check_int', 'check_array', 'check_spike_times', 'check_type', 'check_input',
           'check_names', 'UnknownNameError', 'neuron_options',
           'init_parameter', 'initializer', 'check_reset_below_threshold', 'check_method_fits']


class UnknownNameError(KeyError, ValueError):
    """An unknown name looked up in a registry: a ``KeyError`` that is also a ``ValueError``."""

    def __str__(self):
        return str(self.args[0]) if self.args else ''


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_real(name, value, *, lower=None, upper=None, strict=False, allow_none=False, allow_inf=False):
    """Return ``value`` as a float after checking it is a real number in range, or raise naming ``name``.

    ``lower``/``upper`` are inclusive bounds, exclusive when ``strict``.
    """
    if (value is None and allow_none) or isinstance(value, jax.core.Tracer):
        return value
    if isinstance(value, (np.ndarray, jax.Array)) and value.shape == ():
        value = value.item()
    if not _is_real(value):
        raise TypeError(f'{name}={value!r}: expected a real number{" or None" if allow_none else ""}')
    number = float(value)
    if np.isnan(number) or (np.isinf(number) and not allow_inf):
        raise ValueError(f'{name}={value!r}: expected a finite number')
    for bound, above in ((lower, True), (upper, False)):
        if bound is not None and ((strict and number == bound) or (number < bound if above else number > bound)):
            relation = ('>' if above else '<') + ('' if strict else '=')
            raise ValueError(f'{name}={value!r}: expected a number {relation} {bound}')
    return number


def check_int(name, value, *, lower=None, allow_none=False):
    """Return ``value`` as an int after checking it is an integer ``>= lower``, or raise naming ``name``."""
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f'{name}={value!r}: expected an int{" or None" if allow_none else ""}')
    if lower is not None and value < lower:
        raise ValueError(f'{name}={value!r}: expected an int >= {lower}')
    return int(value)


def _is_variable(value) -> bool:
    # brainpy is imported only by code that needs it: no Variable can exist before
    bm = sys.modules.get('brainpy.math')
    return bm is not None and isinstance(value, bm.Variable)


def check_array(name, value, *, ndim=None, shapes=None, dtype=np.float64, finite=True, min_size=0):
    """Return ``value`` as an array, or raise naming ``name``.

    Rejects non-numeric and complex data, NaN or inf when ``finite``, a number
    of dimensions other than ``ndim``, a shape not in ``shapes`` and fewer than
    ``min_size`` elements. A concrete ``dtype`` (float, int or bool) is the
    NumPy array returned; an abstract one (``np.integer``, ``np.number``) is
    required of the data, and a NumPy or JAX array is returned as given, not copied.
    """
    abstract = dtype in (np.integer, np.number)
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f'{name}={value!r}: expected an array of numbers')
    try:
        arr = value if abstract and isinstance(value, (np.ndarray, jax.Array)) else np.asarray(
            value.value if _is_variable(value) else value)
    except (ValueError, TypeError) as err:
        raise TypeError(f'{name}={value!r}: expected an array of numbers') from err
    kind = np.dtype(arr.dtype)
    # a bool array is a valid mask or raster; a single bool is not a number
    real = np.issubdtype(kind, dtype if abstract else np.number) and not np.issubdtype(kind, np.complexfloating)
    if not (real or (kind == np.bool_ and not abstract and (arr.ndim > 0 or np.dtype(dtype) == np.bool_))):
        raise TypeError(f'{name}={value!r}: expected an array of real numbers, got dtype {kind}')
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f'{name}={value!r}: expected a {ndim}-d array, got shape {arr.shape}')
    if shapes is not None and arr.shape not in shapes:
        raise ValueError(f'{name}: expected shape {" or ".join(map(str, shapes))}, got shape {arr.shape}')
    if arr.size < min_size:
        raise ValueError(f'{name}={value!r}: expected at least {min_size} element(s)')
    # two reductions: no temporary array the size of the data
    if finite and kind.kind == 'f' and arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        raise ValueError(f'{name}={value!r}: expected finite values (got NaN or inf)')
    return arr if abstract else arr.astype(dtype)


def check_spike_times(name, times):
    """``times`` as a 1-d float array; raise naming ``name`` unless finite and sorted."""
    times = check_array(name, times, ndim=1)
    if np.any(np.diff(times) < 0):
        raise ValueError(f'{name}={times!r}: expected sorted spike times')
    return times


def check_input(name, x, shape):
    """Raise unless ``x`` is None or real numbers broadcastable to the state ``shape`` (tracers too)."""
    if x is None:
        return
    dtype = getattr(x, 'dtype', None)
    if dtype is None:
        if not _is_real(x):
            raise TypeError(f'{name}={x!r}: expected a real number or an array of them')
    elif np.dtype(dtype).kind not in 'biuf':
        raise TypeError(f'{name}: expected real numbers, got dtype {dtype}')
    try:
        ok = np.broadcast_shapes(np.shape(x), tuple(shape)) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f'{name}: expected a scalar or an array broadcastable to the state shape {tuple(shape)}, '
                         f'got shape {np.shape(x)}')


def check_type(name, value, types, what):
    """Raise a TypeError naming ``name`` unless ``value`` is an instance of ``types``."""
    if not isinstance(value, types):
        raise TypeError(f'{name}={value!r}: expected {what}')
    return value


def check_names(name, value, choices):
    """Return ``value``, an iterable of names among ``choices`` (not a single str), as a tuple."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f'{name}={value!r}: expected a sequence of names among {list(choices)}')
    names = tuple(value)
    bad = [n for n in names if not isinstance(n, str) or n not in choices]
    if bad:
        raise ValueError(f'{name}={bad!r}: expected names among {list(choices)}')
    return names


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
    try:
        ok = value is None or np.dtype(value).kind in 'biuf'
    except Exception:  # noqa: BLE001 - NumPy's parser raises TypeError, ValueError or SyntaxError
        ok = False
    if not ok:
        raise TypeError(f'{name}={value!r}: expected a bool, integer or float dtype')
    return value


def check_name(name):
    """Raise unless ``name`` is None or a str that is a Python identifier."""
    if name is not None and not (isinstance(name, str) and name.isidentifier()):
        raise TypeError(f'name={name!r}: expected None or a str that is a Python identifier')
    return name


def neuron_options(size, name, **options):
    """``size`` as a tuple and the ``options`` of a neuron, checked by the same rules in both front-ends:
    ``spk_reset``, ``recovery`` and ``nullcline`` are names among their choices, every other option
    (``detach_spk``, ``ref_var``, ``init_var``, ...) is a bool. Returns ``(size, options)``."""
    from izhi_dyn.core.equations import NULLCLINES, RECOVERY_LAWS
    from izhi_dyn.core.reset import SPIKE_RESETS

    choices = {'spk_reset': SPIKE_RESETS, 'recovery': RECOVERY_LAWS, 'nullcline': NULLCLINES}
    check_name(name)
    return check_size(size), {key: check_choice(key, value, choices[key]) if key in choices else
                              check_bool(key, value) for key, value in options.items()}


def check_dt(dt):
    """``dt`` (ms) as a positive finite float (a tracer passes), or raise naming ``dt``."""
    return check_real('dt', dt, lower=0.0, strict=True)


def check_steps(duration, dt) -> int:
    """The steps ``round(duration / dt)`` of a run, with ``duration`` and ``dt`` (ms) positive and at least one."""
    duration, dt = check_real('duration', duration, lower=0.0, strict=True), check_dt(dt)
    steps = int(round(duration / dt))
    if steps < 1:
        raise ValueError(f'duration={duration!r}: expected at least one step of dt={dt!r}')
    return steps


def _parameter_array(name, value, shape, lower=None, strict=False):
    """A number or an array of shape ``()``, ``(1,)`` or ``shape``: real, finite, ``>= lower``
    (``> lower`` when ``strict``); raise naming ``name``. A tracer is checked for its shape only."""
    shapes = ((), (1,), tuple(shape))
    raw = value.value if _is_variable(value) else value
    if isinstance(raw, jax.core.Tracer):
        if raw.shape not in shapes:
            raise ValueError(f'{name}: expected shape {" or ".join(map(str, shapes))}, got shape {raw.shape}')
        return raw
    arr = check_array(name, value, shapes=shapes, dtype=np.number)
    if lower is not None and np.any(arr <= lower if strict else arr < lower):
        raise ValueError(f'{name}={value!r}: expected values {">" if strict else ">="} {lower}')
    return arr


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
    import brainpy.math as bm

    if callable(value) and not isinstance(value, bm.Variable):
        value = value(tuple(shape))
    _parameter_array(name, value, shape, lower, strict)
    if isinstance(value, bm.Variable):
        return value
    return float(value) if isinstance(value, numbers.Real) else bm.as_jax(value).astype(bm.float_)


def initializer(name, value, shape):
    """Return ``value`` as a brainpy initializer (arrays and scalars are wrapped).

    An array must have shape ``()``, ``(1,)`` or ``shape``.
    """
    import brainpy as bp

    if callable(value):
        return value
    arr = np.asarray(_parameter_array(name, value, shape))
    return bp.init.Constant(arr.item()) if arr.size == 1 else value


def check_reset_below_threshold(c, V_th, c_arg, V_th_arg):
    """Raise unless the reset potential ``c`` lies below ``V_th`` (plain values; trainable ones are skipped)."""
    if np.any(np.asarray(c) >= np.asarray(V_th)):
        raise ValueError(f'c={c_arg!r}: the reset potential must lie below V_th={V_th_arg!r}')


def check_method_fits(integrator, *, noisy, differentiable, how_to_differentiate):
    """Raise if ``integrator`` cannot integrate noise, or is asked for surrogate spikes it cannot give.

    The error names the stochastic alternatives among :data:`izhi_dyn.INTEGRATORS`.
    """
    from izhi_dyn.core.integrators import INTEGRATORS

    if noisy and not integrator.stochastic:
        capable = sorted(n for n, m in INTEGRATORS.items() if m.stochastic)
        raise ValueError(f'method={integrator.name!r} cannot integrate noise; '
                         f'use one of {capable} or set noise=None')
    if integrator.exact_events and differentiable:
        raise ValueError(f'method={integrator.name!r} handles spikes as exact events and is not '
                         f'differentiable through them; {how_to_differentiate}')
