"""Event-driven synaptic communication layers: spikes in, postsynaptic currents out.

The layers compute the postsynaptic current ``y[j] = sum_i W[i, j] s[i]`` for a
binary presynaptic spike vector ``s``, reading only the rows of the neurons
that fired, through ``brainevent`` (dense: ``binary_densemv``; sparse: brainpy's
``bm.event.csrmv`` on a CSR matrix). Weights and indices are held in
``bm.Variable``\\ s so that they are arguments of the compiled step, not
constants baked into it (a constant 10^4 x 10^4 matrix costs seconds of
compilation and a copy of the matrix in the program).
"""

from __future__ import annotations

from typing import Optional

import brainevent
import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.networks._args import check_csr_structure, check_named_sharding
from izhi_dyn.networks._device_layout import device_rows, index_span, split_csr_by_target
from izhi_dyn.networks.connectivity import RandomSynapses

__all__ = ['EventDense', 'EventCSR', 'dense_from_synapses', 'csr_from_synapses']


class EventDense(bp.DynamicalSystem):
    """All-to-all connection with a dense ``(n_pre, n_post)`` weight matrix.

    Parameters
    ----------
    weight : array of shape (n_pre, n_post)
        Synaptic weights ``W[i, j]`` from presynaptic ``i`` to postsynaptic ``j``.
    backend : {'event', 'matmul'}, default 'event'
        ``'event'``: ``brainevent.binary_densemv`` (sums the rows of the spiking
        neurons only). ``'matmul'``: a plain ``s @ W`` in XLA.
    sharding : jax.sharding.NamedSharding, optional
        Placement of the weight matrix, columns (postsynaptic neurons) split over
        the mesh axis ``'neuron'``. Each device then runs the event kernel on its
        own columns with the (gathered) spike vector via ``jax.shard_map``: the same
        arithmetic, in the same order, as on one device.
    """

    def __init__(self, weight, *, backend: str = 'event', sharding=None, name: Optional[str] = None):
        check.check_array('weight', weight, ndim=2, dtype=np.number)
        check.check_choice('backend', backend, ('event', 'matmul'))
        check_named_sharding(sharding)
        super().__init__(name=name)
        self._hold(weight, backend, sharding)

    def _hold(self, weight, backend, sharding):
        if sharding is None:
            w = jnp.asarray(weight, dtype=bm.float_)
        elif isinstance(weight, jax.Array):  # placed already (from_synapses: each process drew its columns)
            w = jax.device_put(weight.astype(bm.float_), sharding)
        else:  # straight from the host: each device (each process) receives only its columns
            w = jax.device_put(np.asarray(weight, dtype=bm.float_), sharding)
        self.sharding = sharding
        self.backend = backend
        self.weight = bm.Variable(w)
        self.num_pre, self.num_post = w.shape

    @classmethod
    def from_synapses(cls, synapses, *, sharding=None, name: Optional[str] = None) -> 'EventDense':
        """The all-to-all weights of ``synapses`` (a :class:`~izhi_dyn.networks.RandomSynapses`); with
        ``sharding``, each device draws only its own columns (a process never holds the whole matrix)."""
        check.check_type('synapses', synapses, RandomSynapses, 'a RandomSynapses')
        check_named_sharding(sharding)
        return dense_from_synapses(synapses, sharding=sharding, name=name)

    @property
    def shape(self) -> tuple:
        """``(n_pre, n_post)``."""
        return self.num_pre, self.num_post

    def update(self, spikes):
        s = bm.as_jax(spikes)
        W = self.weight.value
        if self.sharding is not None:
            P = jax.sharding.PartitionSpec
            local = jax.shard_map(self._local, mesh=self.sharding.mesh, in_specs=(P(None, 'neuron'), P()),
                                  out_specs=P('neuron'), check_vma=False)
            return local(W, s)
        return self._local(W, s)

    def _local(self, W, s):
        if self.backend == 'event':
            return brainevent.binary_densemv(W, s, transpose=True)
        return s.astype(W.dtype) @ W


class EventCSR(bp.DynamicalSystem):
    """Sparse connection stored pre-major in CSR: row ``i`` lists the targets of ``i``.

    Propagation is ``bm.event.csrmv(..., transpose=True)``: only the rows of the
    presynaptic neurons that spiked are read, so a step costs
    O(spikes x out-degree), not O(synapses).

    Parameters
    ----------
    indptr, indices : int arrays
        CSR structure, ``indices[indptr[i]:indptr[i+1]]`` are the targets of ``i``.
    weight : float array of shape (nnz,)
        One weight per synapse, in the order of ``indices``.
    shape : (n_pre, n_post)
    sharding : jax.sharding.NamedSharding, optional
        Postsynaptic neurons split over the mesh axis ``'neuron'`` (``n_post``
        must divide by its size): each device holds only the synapses onto its
        own neurons, and computes their current from the (gathered) spike
        vector via ``jax.shard_map``. Rows are padded with zero-weight synapses
        to the longest device's share of the row, so all devices share one row
        pointer (brainevent needs it as a constant); within a row the synapses
        keep their order, and the sums are those of one device, bit for bit.

    Notes
    -----
    ``indices`` and ``weight`` are :class:`brainpy.math.Variable` s of shape
    ``(nnz,)``; with ``sharding``, ``(devices, padded nnz)``, row ``d`` on
    device ``d`` with targets local to it.
    """

    def __init__(self, indptr, indices, weight, shape, *, sharding=None, name: Optional[str] = None):
        check_csr_structure(indptr=indptr, indices=indices, shape=shape)
        check.check_array('weight', weight, shapes=(np.shape(indices),), dtype=np.number)  # one per synapse
        check_named_sharding(sharding, n_post=shape[1])
        super().__init__(name=name)
        num_synapses = int(np.shape(indices)[0])
        if sharding is not None:
            indptr, indices, weight = split_csr_by_target(np.asarray(indptr), np.asarray(indices), np.asarray(weight),
                                                          int(shape[1]), sharding.mesh.devices.size)
            rows = device_rows(sharding)
            indices, weight = (jax.device_put(np.asarray(x, dtype=t), rows)
                               for x, t in ((indices, jnp.int32), (weight, bm.float_)))
        self._hold(indptr, indices, weight, shape, sharding, num_synapses)

    def _hold(self, indptr, indices, weight, shape, sharding, num_synapses):
        self.shape = tuple(int(s) for s in shape)
        self.sharding = sharding
        self._num_synapses = num_synapses
        # indptr stays a constant (n_pre + 1 ints): brainevent sizes its task queue from it
        # at trace time. Indices and weights (the bulk) are Variables.
        self.indptr = jnp.asarray(indptr, dtype=jnp.int32)
        as_jax = lambda x, t: x if isinstance(x, jax.Array) else jnp.asarray(x, dtype=t)  # noqa: E731
        self.indices = bm.Variable(as_jax(indices, jnp.int32))
        self.weight = bm.Variable(as_jax(weight, bm.float_))

    @classmethod
    def from_synapses(cls, synapses, *, sharding=None, name: Optional[str] = None) -> 'EventCSR':
        """The sparse synapses of ``synapses`` (a :class:`~izhi_dyn.networks.RandomSynapses`).

        With ``sharding``, each device draws only the synapses onto its own
        neurons (a process never holds the whole connectivity), in the layout
        of ``EventCSR(..., sharding=sharding)``: the longest device share of
        each row is found by a max over the devices (a collective between
        processes), then each device fills its rows on that shared pointer.
        """
        check.check_type('synapses', synapses, RandomSynapses, 'a RandomSynapses')
        check_named_sharding(sharding, n_post=synapses.shape[1])
        return csr_from_synapses(synapses, sharding=sharding, name=name)

    @property
    def num_synapses(self) -> int:
        """Number of synapses (padding excluded)."""
        return self._num_synapses

    def update(self, spikes):
        s = bm.as_jax(spikes)
        if self.sharding is None:
            return self._local(self.weight.value, self.indices.value, s, self.shape[1])
        P = jax.sharding.PartitionSpec
        n_local = self.shape[1] // self.sharding.mesh.devices.size
        local = jax.shard_map(lambda w, i, s: self._local(w[0], i[0], s, n_local), mesh=self.sharding.mesh,
                              in_specs=(P('neuron', None), P('neuron', None), P()), out_specs=P('neuron'),
                              check_vma=False)
        return local(self.weight.value, self.indices.value, s)

    def _local(self, weight, indices, spikes, n_post):
        return bm.event.csrmv(weight, indices, self.indptr, spikes, shape=(self.shape[0], n_post), transpose=True)


def dense_from_synapses(synapses, *, sharding=None, name: Optional[str] = None) -> EventDense:
    """:meth:`EventDense.from_synapses` without its argument checks: for the synapses the library draws
    itself (:class:`~izhi_dyn.networks.CorticalNetwork2003`), checked where their arguments came in."""
    if sharding is None:
        W = synapses.dense()
    else:
        n_post = synapses.shape[1]
        W = jax.make_array_from_callback(synapses.shape, sharding,
                                         lambda index: synapses.dense(*index_span(index[1], n_post)))
    comm = EventDense.__new__(EventDense)
    bp.DynamicalSystem.__init__(comm, name=name)
    comm._hold(W, 'event', sharding)
    return comm


def csr_from_synapses(synapses, *, sharding=None, name: Optional[str] = None) -> EventCSR:
    """:meth:`EventCSR.from_synapses` without its argument checks (``n_post`` divides over the devices of
    ``sharding``): for the synapses the library draws itself, checked where their arguments came in."""
    comm = EventCSR.__new__(EventCSR)
    bp.DynamicalSystem.__init__(comm, name=name)
    if sharding is None:
        indptr, indices, weight = synapses.csr()
        comm._hold(indptr, indices, weight, synapses.shape, None, int(indices.shape[0]))
        return comm
    (n_pre, n_post), n_dev = synapses.shape, sharding.mesh.devices.size
    n_local, rows = n_post // n_dev, device_rows(sharding)
    targets = lambda index: tuple(n_local * d for d in index_span(index[0], n_dev))  # noqa: E731
    counts = jax.make_array_from_callback(
        (n_dev, n_pre), rows, lambda index: synapses.row_counts(*targets(index)).astype(np.int32)[None])
    whole = jax.sharding.NamedSharding(sharding.mesh, jax.sharding.PartitionSpec())
    width, per_device = jax.jit(lambda c: (c.max(axis=0), c.sum(axis=1)), out_shardings=(whole, whole))(counts)
    ptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(np.asarray(width), out=ptr[1:])
    del counts, width
    shards = {dev: synapses.csr(*targets(index), ptr)[1:]
              for dev, index in rows.addressable_devices_indices_map((n_dev, int(ptr[-1]))).items()}
    place = lambda k, dtype: jax.make_array_from_single_device_arrays(  # noqa: E731
        (n_dev, int(ptr[-1])), rows, [jax.device_put(np.asarray(shards[dev][k], dtype)[None], dev)
                                      for dev in shards])
    comm._hold(ptr, place(0, np.int32), place(1, bm.float_), synapses.shape, sharding,
               sum(int(c) for c in np.asarray(per_device)))
    return comm
