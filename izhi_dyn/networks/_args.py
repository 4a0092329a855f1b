"""Argument checks of the network constructor and runner (named errors, before any work is done)."""

from __future__ import annotations

import numbers

import brainpy as bp
import jax
import numpy as np

from izhi_dyn import _validation as check

CONNECTIVITIES = ('dense', 'sparse')
LAYOUTS = ('fused', 'pairwise')


def check_network_args(*, n, exc_fraction, connectivity, k, p, weight_scale, noise_exc, noise_inh, seed, devices,
                       delay, layout) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`CorticalNetwork2003` (``method``
    is its neurons' own)."""
    check.check_int('n', n, lower=2)
    check.check_real('exc_fraction', exc_fraction, lower=0.0, upper=1.0, strict=True)
    check.check_choice('connectivity', connectivity, CONNECTIVITIES)
    check.check_choice('layout', layout, LAYOUTS)
    check.check_int('k', k, lower=1, allow_none=True)
    if check.check_real('p', p, lower=0.0, strict=True, allow_none=True) is not None and p > 1:
        raise ValueError(f'p={p!r}: expected a connection probability in (0, 1]')
    if not (isinstance(weight_scale, str) and weight_scale == 'auto'):
        check.check_real('weight_scale', weight_scale, lower=0.0, strict=True)
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
    else:
        check.check_real('p', value, lower=0.0, upper=1.0)
    if splits is not None:
        bounds = check.check_array('splits', splits, ndim=1, min_size=2)
        integral = np.all(bounds == np.round(bounds))
        if bounds[0] != 0 or bounds[-1] != n_pre or np.any(np.diff(bounds) < 0) or not integral:
            raise ValueError(f'splits={splits!r}: expected increasing integer boundaries from 0 to n_pre={n_pre}')


def check_synapse_args(*, key, n_pre, n_post, k, p, gain, dtype, rows, targets) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`RandomSynapses`."""
    if check.check_int('key', key, lower=0) >= 2**128:
        raise ValueError(f'key={key!r}: expected an int below 2**128 (the Philox key)')
    check.check_int('n_pre', n_pre, lower=1)
    check.check_int('n_post', n_post, lower=1)
    check.check_int('k', k, lower=1, allow_none=True)
    check.check_real('p', p, lower=0.0, upper=1.0, allow_none=True)
    if k is not None and p is not None:
        raise ValueError('give k (fixed in-degree) or p (probability), not both')
    check.check_array('gain', gain, shapes=((), (n_pre,)))  # a scalar or one per presynaptic neuron
    try:
        kind = None if dtype is None else np.dtype(dtype).kind
    except TypeError:
        kind = None
    if kind != 'f':
        raise TypeError(f'dtype={dtype!r}: expected a NumPy float dtype')
    check_span('rows', rows, n_pre)
    check_span('targets', targets, n_post)


def check_span(name, span, size) -> None:
    """Raise unless ``span`` is None or a range ``(lo, hi)`` of ints with ``0 <= lo <= hi <= size``."""
    ok = span is None or (isinstance(span, (tuple, list)) and len(span) == 2 and all(
        isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in span) and 0 <= span[0] <= span[1]
        <= size)
    if not ok:
        raise ValueError(f'{name}={span!r}: expected None or (lo, hi) with 0 <= lo <= hi <= {size}')


def check_noise_args(*, post, sigma, seed) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`ThalamicNoise`."""
    posts = tuple(post) if isinstance(post, (list, tuple)) else (post,)
    if not posts or not all(isinstance(p, bp.dyn.NeuDyn) for p in posts):
        raise TypeError(f'post={post!r}: expected a neuron group or a sequence of them')
    for s in sigma if isinstance(sigma, (list, tuple)) else (sigma,):
        check.check_real('sigma', s, lower=0.0)
    if check.check_int('seed', seed, lower=0) >= 2**32:
        raise ValueError(f'seed={seed!r}: expected an int below 2**32 (the key of the counter-based generator)')


def check_runner_args(*, net, dt, chunk, record) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`NetworkRunner`."""
    if not isinstance(net, bp.DynamicalSystem) or not all(hasattr(net, a) for a in ('E', 'I', 'n_exc', 'n_inh')):
        raise TypeError(f'net={net!r}: expected a network with populations E and I, such as CorticalNetwork2003')
    check.check_dt(dt)
    check.check_int('chunk', chunk, lower=1)
    check.check_bool('record', record)


def check_csr_structure(*, indptr, indices, shape) -> None:
    """Raise unless ``indptr``/``indices`` are a valid CSR structure of a ``shape`` = (n_pre, n_post) matrix."""
    ok = isinstance(shape, (tuple, list)) and len(shape) == 2 and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in shape)
    if not ok:
        raise ValueError(f'shape={shape!r}: expected (n_pre, n_post), two positive ints')
    n_pre, n_post = (int(n) for n in shape)
    ptr = np.asarray(check.check_array('indptr', indptr, ndim=1, dtype=np.integer))
    idx = check.check_array('indices', indices, ndim=1, dtype=np.integer)
    if ptr.shape != (n_pre + 1,) or ptr[0] != 0 or ptr[-1] != idx.shape[0] or np.any(np.diff(ptr) < 0):
        ends = f' from {ptr[0]} to {ptr[-1]}' if ptr.size else ''
        raise ValueError(f'indptr: expected {n_pre + 1} non-decreasing row offsets from 0 to len(indices) = '
                         f'{idx.shape[0]}, got shape {ptr.shape}{ends}')
    if idx.shape[0] and not (0 <= int(idx.min()) and int(idx.max()) < n_post):
        raise ValueError(f'indices: expected targets in [0, n_post = {n_post}), got [{idx.min()}, {idx.max()}]')


def check_projection_args(*, pre, comm, post, delay) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of :class:`CurrentProj`."""
    for name, groups in (('pre', pre), ('post', post)):
        seq = tuple(groups) if isinstance(groups, (list, tuple)) else (groups,)
        if not seq or not all(isinstance(g, bp.dyn.NeuDyn) for g in seq):
            raise TypeError(f'{name}={groups!r}: expected a neuron group or a non-empty sequence of them')
    if not isinstance(comm, bp.DynamicalSystem):
        raise TypeError(f'comm={comm!r}: expected a brainpy DynamicalSystem mapping spikes to currents')
    check.check_real('delay', delay, lower=0.0, allow_none=True)
    shape = getattr(comm, 'shape', None)
    if shape is not None:
        sizes = [sum(int(np.prod(g.varshape)) for g in (x if isinstance(x, (list, tuple)) else (x,)))
                 for x in (pre, post)]
        if tuple(shape) != tuple(sizes):
            raise ValueError(f'comm: its shape {tuple(shape)} is not (pre size, post size) = {tuple(sizes)}')


def check_named_sharding(sharding, n_post=None) -> None:
    """Raise unless ``sharding`` is None or a NamedSharding over a mesh with the axis ``'neuron'``
    (and, given ``n_post``, one whose devices divide the ``n_post`` targets)."""
    ok = sharding is None or (isinstance(sharding, jax.sharding.NamedSharding)
                              and 'neuron' in sharding.mesh.axis_names)
    if not ok:
        raise TypeError(f"sharding={sharding!r}: expected None or a NamedSharding over a mesh axis 'neuron'")
    if sharding is not None and n_post is not None and n_post % sharding.mesh.devices.size:
        raise ValueError(f'sharding: n_post = {n_post} does not divide over {sharding.mesh.devices.size} devices')
