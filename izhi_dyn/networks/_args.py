"""Argument checks of the network constructor and runner (named errors, before any work is done)."""

from __future__ import annotations

import numbers

import brainpy as bp
import jax
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.integrators import get_integrator

CONNECTIVITIES = ('dense', 'sparse')
LAYOUTS = ('fused', 'pairwise')


def check_network_args(*, n, exc_fraction, connectivity, k, p, weight_scale, method, noise_exc, noise_inh,
                       seed, devices, delay, layout) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`CorticalNetwork2003`."""
    check.check_int('n', n, lower=2)
    check.check_real('exc_fraction', exc_fraction, lower=0.0, upper=1.0, strict=True)
    check.check_choice('connectivity', connectivity, CONNECTIVITIES)
    check.check_choice('layout', layout, LAYOUTS)
    check.check_int('k', k, lower=1, allow_none=True)
    if check.check_real('p', p, lower=0.0, strict=True, allow_none=True) is not None and p > 1:
        raise ValueError(f'p={p!r}: expected a connection probability in (0, 1]')
    if not (isinstance(weight_scale, str) and weight_scale == 'auto'):
        check.check_real('weight_scale', weight_scale, lower=0.0, strict=True)
    get_integrator(method)
    check.check_real('noise_exc', noise_exc, lower=0.0)
    check.check_real('noise_inh', noise_inh, lower=0.0)
    check.check_int('seed', seed, lower=0)
    check.check_real('delay', delay, lower=0.0, allow_none=True)
    if devices is None:
        return
    if isinstance(devices, numbers.Integral) and not isinstance(devices, bool):
        available = len(jax.devices())
        if not 1 <= devices <= available:
            raise ValueError(f'devices={devices!r}: expected an int from 1 to the {available} JAX device(s)')
    elif not (isinstance(devices, (list, tuple)) and devices and all(isinstance(d, jax.Device) for d in devices)):
        raise TypeError(f'devices={devices!r}: expected None, an int or a non-empty sequence of JAX devices')


def check_csr_args(*, rng, n_pre, n_post, splits=None, **degree) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of a CSR builder.

    ``degree`` is the builder's connection rule: ``k=`` (fixed in-degree) or ``p=`` (probability).
    """
    check.check_type('rng', rng, np.random.Generator, 'a numpy.random.Generator (np.random.default_rng)')
    check.check_int('n_pre', n_pre, lower=1)
    check.check_int('n_post', n_post, lower=1)
    ((rule, value),) = degree.items()
    if rule == 'k':
        check.check_int('k', value, lower=1)
    elif check.check_real('p', value, lower=0.0) > 1:
        raise ValueError(f'p={value!r}: expected a connection probability in [0, 1]')
    if splits is not None:
        bounds = check.check_array('splits', splits, ndim=1, min_size=2)
        integral = np.all(bounds == np.round(bounds))
        if bounds[0] != 0 or bounds[-1] != n_pre or np.any(np.diff(bounds) < 0) or not integral:
            raise ValueError(f'splits={splits!r}: expected increasing integer boundaries from 0 to n_pre={n_pre}')


def check_noise_args(*, post, sigma, seed) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`ThalamicNoise`."""
    posts = tuple(post) if isinstance(post, (list, tuple)) else (post,)
    if not posts or not all(isinstance(p, bp.dyn.NeuDyn) for p in posts):
        raise TypeError(f'post={post!r}: expected a neuron group or a sequence of them')
    for s in sigma if isinstance(sigma, (list, tuple)) else (sigma,):
        check.check_real('sigma', s, lower=0.0)
    check.check_int('seed', seed, lower=0)


def check_events_args(*, packed, n) -> None:
    """Raise unless ``packed`` is a 2-d uint8 ``np.packbits`` array of ``n`` bits per row."""
    n = check.check_int('n', n, lower=0)
    shape = np.shape(packed)
    if getattr(packed, 'dtype', None) != np.uint8 or len(shape) != 2 or shape[1] != -(-n // 8):
        raise ValueError(f'packed: expected a uint8 array of shape (rows, {-(-n // 8)}) from np.packbits, '
                         f'got {getattr(packed, "dtype", type(packed).__name__)} of shape {shape}')


def check_runner_args(*, net, dt, chunk, record) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`NetworkRunner`."""
    if not isinstance(net, bp.DynamicalSystem) or not all(hasattr(net, a) for a in ('E', 'I', 'n_exc', 'n_inh')):
        raise TypeError(f'net={net!r}: expected a network with populations E and I, such as CorticalNetwork2003')
    check.check_dt(dt)
    check.check_int('chunk', chunk, lower=1)
    check.check_bool('record', record)
