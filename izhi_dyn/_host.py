"""Moving arrays between JAX and the host when they may span several processes.

In a multi-process run (:mod:`izhi_dyn.networks.distributed`) a sharded
array lives partly on other processes' devices: ``np.asarray`` of it fails.
These helpers work in one process and in many:

* :func:`to_host` gathers the whole value to every process (for results);
* :func:`local_value` and :func:`from_local` give and take the block of the
  array this process holds (for per-process checkpoints).
"""

from __future__ import annotations

import jax
import numpy as np

__all__ = ['to_host', 'local_shape', 'local_value', 'from_local']


def _spans_processes(x) -> bool:
    return isinstance(x, jax.Array) and not x.is_fully_addressable and not x.is_fully_replicated


def to_host(x) -> np.ndarray:
    """The whole value of ``x`` as a NumPy array, gathered from every process if needed.

    Every process must call it for the same array (it is a collective when ``x`` spans processes).
    """
    if _spans_processes(x):
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(x)


def _box(x):
    shards = x.addressable_shards
    return [(min(s.index[d].indices(n)[0] for s in shards), max(s.index[d].indices(n)[1] for s in shards))
            for d, n in enumerate(x.shape)]


def local_shape(x) -> tuple:
    """Shape of :func:`local_value` of ``x``, without copying anything."""
    return tuple(hi - lo for lo, hi in _box(x)) if _spans_processes(x) else tuple(np.shape(x))


def local_value(x) -> np.ndarray:
    """The block of ``x`` held by this process: the whole array unless it spans processes.

    The block is the bounding box of this process's shards (contiguous for the
    ``'neuron'`` meshes of the networks, whose devices are in process order).
    """
    if not _spans_processes(x):
        return np.asarray(x)
    shards, box = x.addressable_shards, _box(x)
    out = np.empty([hi - lo for lo, hi in box], dtype=x.dtype)
    for s in shards:
        out[tuple(slice(sl.indices(n)[0] - lo, sl.indices(n)[1] - lo)
                  for sl, n, (lo, _) in zip(s.index, x.shape, box))] = np.asarray(s.data)
    return out


def from_local(value, like):
    """An array placed as ``like`` whose block on this process is ``value`` (see :func:`local_value`).

    ``like``'s shape, dtype and sharding are kept; a ``like`` that does not span
    processes takes ``value`` whole (placed on ``like``'s devices when it spans several).
    """
    if _spans_processes(like):
        return jax.make_array_from_process_local_data(like.sharding, np.asarray(value, like.dtype), like.shape)
    if isinstance(like, jax.Array) and len(like.sharding.device_set) > 1:
        return jax.device_put(value, like.sharding)
    return jax.numpy.asarray(value)
