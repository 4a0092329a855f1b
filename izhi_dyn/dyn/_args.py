"""Argument handling of the neuron: checks involving several arguments, parameter shapes."""

from __future__ import annotations

import warnings
from typing import Callable, Union

import brainpy.math as bm
import jax
import numpy as np

__all__ = ['ParamLike', 'check_sharding', 'value_of', 'unused_brainpy_parameters', 'check_scaling', 'is_identity',
           'apply_scaling']

#: What a model parameter may be: a number, an array, a trainable Variable or a brainpy initializer.
ParamLike = Union[float, np.ndarray, jax.Array, bm.Variable, Callable]


def value_of(x):
    """The array behind a :class:`brainpy.math.Variable`, else ``x`` itself."""
    return x.value if isinstance(x, bm.Variable) else x


def check_sharding(value):
    """Raise unless ``value`` is None or a sequence of axis names (str or None)."""
    ok = value is None or (
        isinstance(value, (tuple, list)) and all(a is None or isinstance(a, str) for a in value)
    )
    if not ok:
        raise TypeError(f'sharding={value!r}: expected None or a sequence of axis names')
    return value


#: brainpy's values of the Izhikevich arguments it stores and never uses.
BRAINPY_UNUSED = {'tau': 10.0, 'R': 1.0}


def unused_brainpy_parameters(tau, R, shape):
    """``(tau, R)``: accepted and stored as ``brainpy.dyn.Izhikevich`` does, with a warning that
    neither changes the dynamics (brainpy's defaults 10 and 1 when not given)."""
    from izhi_dyn import _validation as check

    given = [name for name, value in (('tau', tau), ('R', R)) if value is not None]
    if given:
        warnings.warn(f'{" and ".join(given)} accepted for brainpy compatibility: brainpy.dyn.Izhikevich stores '
                      'tau and R and never uses them, and neither does izhi_dyn (the model has no membrane '
                      'time constant or resistance; the input I is added to dV/dt as it is)', UserWarning,
                      stacklevel=3)
    return tuple(check.init_parameter(name, BRAINPY_UNUSED[name] if value is None else value, shape)
                 for name, value in (('tau', tau), ('R', R)))


def check_scaling(scaling, recovery):
    """``scaling``, or brainpy's global membrane scaling when None; raise if it cannot be applied."""
    if scaling is None:
        scaling = bm.get_membrane_scaling()
    if not isinstance(scaling, bm.Scaling):
        raise TypeError(f'scaling={scaling!r}: expected None or a brainpy.math.Scaling, '
                        'e.g. bm.Scaling.transform([-70., 30.])')
    scale, bias = np.asarray(scaling.scale, dtype=float), np.asarray(scaling.bias, dtype=float)
    if scale.shape != () or bias.shape != () or not np.isfinite(bias) or not (np.isfinite(scale) and scale > 0):
        raise ValueError(f'scaling: expected a positive finite scalar scale and a finite scalar bias, '
                         f'got scale={scaling.scale!r}, bias={scaling.bias!r}')
    if recovery != 'standard' and not is_identity(scaling):
        raise ValueError(f"scaling={scaling!r} needs recovery='standard': the accommodation law's "
                         'reversal point (-65 mV) is not rescaled')
    return scaling


def is_identity(scaling):
    """Whether ``scaling`` leaves every value unchanged (scale 1, bias 0)."""
    return float(scaling.scale) == 1.0 and float(scaling.bias) == 0.0


def apply_scaling(neuron, scaling):
    r"""Rescale the neuron's parameters in place exactly as ``brainpy.dyn.Izhikevich`` does.

    With brainpy's :math:`V' = (V + \beta)/\sigma` (``bias`` :math:`\beta`, ``scale`` :math:`\sigma`) and
    :math:`u' = (u + b\beta)/\sigma`: :math:`V_{th}, c` are offset-scaled like V, :math:`p_1 \to p_1\sigma`,
    :math:`p_2 \to p_2 - 2p_1\beta`, :math:`p_3 \to (p_3 + p_1\beta^2 + b\beta - p_2\beta)/\sigma`,
    :math:`d \to d/\sigma`; a, b unchanged. The input must be given in scaled units, :math:`I/\sigma`.
    """
    names = ('V_th', 'p1', 'p2', 'p3', 'b', 'c', 'd')
    trainable = [n for n in names if isinstance(getattr(neuron, n), bm.Variable)]
    if trainable:
        raise ValueError(f'scaling cannot rescale trainable parameters {trainable}; rescale them yourself '
                         'and pass scaling=None')
    p1, p2, p3, b = (getattr(neuron, n) for n in ('p1', 'p2', 'p3', 'b'))
    bias, scale = scaling.bias, scaling.scale
    neuron.V_th = scaling.offset_scaling(neuron.V_th)
    neuron.c = scaling.offset_scaling(neuron.c)
    neuron.d = scaling.std_scaling(neuron.d)
    neuron.p1 = scaling.inv_scaling(p1)
    neuron.p2 = scaling.clone(bias=-p1 * 2 * bias, scale=1.0).offset_scaling(p2)
    neuron.p3 = scaling.clone(bias=p1 * bias ** 2 + b * bias - p2 * bias, scale=scale).offset_scaling(p3)
