"""Event-driven synaptic communication layers and a current projection.

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
from izhi_dyn.networks._args import check_csr_structure, check_named_sharding, check_projection_args
from izhi_dyn.networks.connectivity import RandomSynapses

__all__ = ['EventDense', 'EventCSR', 'CurrentProj']


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
        if sharding is None:
            return cls(synapses.dense(), name=name)
        n_post = synapses.shape[1]
        W = jax.make_array_from_callback(synapses.shape, sharding,
                                         lambda index: synapses.dense(*_span(index[1], n_post)))
        return cls(W, sharding=sharding, name=name)

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
        check_named_sharding(sharding)
        n_dev = 1 if sharding is None else sharding.mesh.devices.size
        if shape[1] % n_dev:
            raise ValueError(f'sharding: n_post = {shape[1]} does not divide over {n_dev} devices')
        super().__init__(name=name)
        num_synapses = int(np.shape(indices)[0])
        if sharding is not None:
            indptr, indices, weight = _split_by_target(np.asarray(indptr), np.asarray(indices),
                                                      np.asarray(weight), int(shape[1]), n_dev)
            rows = _rows(sharding)
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
        check_named_sharding(sharding)
        if sharding is None:
            return cls(*synapses.csr(), synapses.shape, name=name)
        (n_pre, n_post), n_dev = synapses.shape, sharding.mesh.devices.size
        if n_post % n_dev:
            raise ValueError(f'sharding: n_post = {n_post} does not divide over {n_dev} devices')
        n_local, rows = n_post // n_dev, _rows(sharding)
        targets = lambda index: tuple(n_local * d for d in _span(index[0], n_dev))  # noqa: E731
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
        indices, weight = place(0, np.int32), place(1, bm.float_)
        self = cls.__new__(cls)
        super(EventCSR, self).__init__(name=name)
        self._hold(ptr, indices, weight, synapses.shape, sharding, sum(int(c) for c in np.asarray(per_device)))
        return self

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


def _rows(sharding):
    """The sharding of ``(devices, slots)`` arrays: row ``d`` on the mesh's device ``d``."""
    return jax.sharding.NamedSharding(sharding.mesh, jax.sharding.PartitionSpec('neuron', None))


def _span(index, size):
    """``(lo, hi)`` of a slice of ``range(size)``."""
    return index.start or 0, size if index.stop is None else index.stop


def _split_by_target(indptr, indices, weight, n_post, n_dev):
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


class CurrentProj(bp.Projection):
    """Instantaneous current projection: ``I_post += comm(spikes_pre)`` in the same step.

    The projection is updated before the neurons (``bp.DynSysGroup`` order), so the
    spikes a population emitted in step ``t`` add their weights to the input current
    of step ``t + 1``, which is the 2003 network's loop (neurons that fired at the
    start of a 1 ms step add their weights to I of that step). ``comm`` is any brainpy
    layer mapping spikes to currents (:class:`EventDense`, :class:`EventCSR`,
    ``bp.dnn.EventCSRLinear``, a plastic layer...); ``delay`` (ms) uses brainpy's
    delay machinery on the presynaptic spikes.

    ``pre`` and ``post`` may each be a sequence of groups: the spikes of the ``pre``
    groups are concatenated in order into one vector, and the current is split into
    consecutive slices, one per ``post`` group. One ``comm`` call then serves every
    pair of populations (one event kernel per step instead of one per pair).

    Parameters
    ----------
    pre, post : brainpy neuron group or sequence of groups
    comm : brainpy.DynamicalSystem
    delay : float, optional
        Transmission delay (ms); None means the next step.
    """

    def __init__(self, pre, comm, post, *, delay: Optional[float] = None, name: Optional[str] = None):
        check_projection_args(pre=pre, comm=comm, post=post, delay=delay)
        super().__init__(name=name)
        self.pres = tuple(pre) if isinstance(pre, (list, tuple)) else (pre,)
        posts = tuple(post) if isinstance(post, (list, tuple)) else (post,)
        self.pre = pre
        self.comm = comm
        self.delay = delay
        self._delays = None
        if delay is not None and delay > 0:
            self._delays = [bp.delay.register_delay_by_return(p) for p in self.pres]
            for d in self._delays:
                d.register_entry(self.name, delay)
        sizes = [int(np.prod(p.varshape)) for p in posts]
        self._bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.current = bm.Variable(jnp.zeros(self._bounds[-1], dtype=bm.float_))
        for k, p in enumerate(posts):
            p.add_inp_fun(self.name, self._reader(k, p.varshape))

    def _reader(self, k, shape):
        lo, hi = self._bounds[k], self._bounds[k + 1]
        whole = len(self._bounds) == 2
        return lambda *args, **kwargs: (self.current.value if whole else self.current.value[lo:hi]).reshape(shape)

    def reset_state(self, *args, **kwargs):
        self.current.value = jnp.zeros_like(self.current.value)

    def update(self):
        if self._delays is None:
            spikes = [bm.as_jax(p.spike.value) for p in self.pres]
        else:
            spikes = [bm.as_jax(d.at(self.name)) for d in self._delays]
        spikes = spikes[0] if len(spikes) == 1 else jnp.concatenate([s.reshape(-1) for s in spikes])
        self.current.value = bm.as_jax(self.comm(spikes)).reshape(-1)
