"""How synapses are laid out over the devices of a mesh axis ``'neuron'``: by blocks of postsynaptic neurons.

Used by the event-driven layers (:mod:`izhi_dyn.networks._comm`) to place dense
columns and per-device CSR rows.
"""

from __future__ import annotations

import jax
import numpy as np

__all__ = ['device_rows', 'index_span', 'split_csr_by_target']


def device_rows(sharding):
    """The sharding of ``(devices, slots)`` arrays: row ``d`` on the mesh's device ``d``."""
    return jax.sharding.NamedSharding(sharding.mesh, jax.sharding.PartitionSpec('neuron', None))


def index_span(index, size):
    """``(lo, hi)`` of a slice of ``range(size)``."""
    return index.start or 0, size if index.stop is None else index.stop


def split_csr_by_target(indptr, indices, weight, n_post, n_dev):
    """Split a pre-major CSR matrix by blocks of ``n_post // n_dev`` postsynaptic neurons.

    Returns ``(indptr, indices, weight)``: one row pointer shared by all blocks
    (each row padded to its longest block share) and ``(n_dev, nnz)`` arrays
    whose row ``d`` holds block ``d``'s synapses with local target indices, in
    their original order within each presynaptic row; padding has target 0 and
    weight 0 (adding ``+0.0`` leaves every sum unchanged). Temporary host
    memory: about 40 bytes per synapse (int64 sort keys and slots).
    """
    n_pre, n_local = indptr.shape[0] - 1, n_post // n_dev
    rows = np.repeat(np.arange(n_pre, dtype=np.int64), np.diff(indptr))
    block = indices // n_local
    group = rows * n_dev + block
    order = np.argsort(group, kind='stable')  # by row, then block; original order within a group
    counts = np.bincount(group, minlength=n_pre * n_dev)
    width = counts.reshape(n_pre, n_dev).max(axis=1)
    ptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(width, out=ptr[1:])
    group_start = np.cumsum(counts) - counts
    rank = np.arange(order.size) - group_start[group[order]]
    slot, dev = ptr[rows[order]] + rank, block[order]
    out_indices = np.zeros((n_dev, int(ptr[-1])), dtype=np.int32)
    out_weight = np.zeros((n_dev, int(ptr[-1])), dtype=weight.dtype)
    out_indices[dev, slot] = indices[order] - dev * n_local
    out_weight[dev, slot] = weight[order]
    return ptr.astype(np.int32), out_indices, out_weight
