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
from izhi_dyn.networks._args import check_csr_structure, check_projection_args, check_weight

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
        check_weight('weight', weight, ndim=2)
        check.check_choice('backend', backend, ('event', 'matmul'))
        check.check_type('sharding', sharding, (type(None), jax.sharding.NamedSharding), 'None or a NamedSharding')
        super().__init__(name=name)
        w = jnp.asarray(weight, dtype=bm.float_)
        if sharding is not None:
            w = jax.device_put(w, sharding)
        self.sharding = sharding
        self.backend = backend
        self.weight = bm.Variable(w)
        self.num_pre, self.num_post = w.shape

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
    """

    def __init__(self, indptr, indices, weight, shape, *, name: Optional[str] = None):
        check_csr_structure(indptr=indptr, indices=indices, shape=shape)
        check_weight('weight', weight, ndim=1)
        if np.shape(weight) != np.shape(indices):
            raise ValueError(f'weight: expected one weight per synapse, shape {np.shape(indices)}, '
                             f'got {np.shape(weight)}')
        super().__init__(name=name)
        self.shape = tuple(int(s) for s in shape)
        # indptr stays a constant (n_pre + 1 ints): brainevent sizes its task queue from it
        # at trace time. Indices and weights (the bulk) are Variables.
        self.indptr = jnp.asarray(indptr, dtype=jnp.int32)
        self.indices = bm.Variable(jnp.asarray(indices, dtype=jnp.int32))
        self.weight = bm.Variable(jnp.asarray(weight, dtype=bm.float_))

    @property
    def num_synapses(self) -> int:
        return int(self.indices.shape[0])

    def update(self, spikes):
        return bm.event.csrmv(self.weight.value, self.indices.value, self.indptr,
                              bm.as_jax(spikes), shape=self.shape, transpose=True)


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
