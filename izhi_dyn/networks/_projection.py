"""The current projection of the networks: ``I_post += comm(spikes_pre)`` in the same step."""

from __future__ import annotations

from typing import Optional

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np

from izhi_dyn.networks._args import check_projection_args

__all__ = ['CurrentProj', 'current_projection', 'slice_reader']


def slice_reader(current, lo, hi, shape, whole):
    """The input function of one ``post`` group: slice ``lo:hi`` of the Variable ``current`` (all of it when
    ``whole``), reshaped to the group's ``shape``."""
    return lambda *args, **kwargs: (current.value if whole else current.value[lo:hi]).reshape(shape)


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
        self._connect(pre, comm, post, delay)

    def _connect(self, pre, comm, post, delay):
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
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.current = bm.Variable(jnp.zeros(bounds[-1], dtype=bm.float_))
        for k, p in enumerate(posts):
            p.add_inp_fun(self.name, slice_reader(self.current, bounds[k], bounds[k + 1], p.varshape,
                                                  len(posts) == 1))

    def reset_state(self, *args, **kwargs):
        self.current.value = jnp.zeros_like(self.current.value)

    def update(self):
        if self._delays is None:
            spikes = [bm.as_jax(p.spike.value) for p in self.pres]
        else:
            spikes = [bm.as_jax(d.at(self.name)) for d in self._delays]
        spikes = spikes[0] if len(spikes) == 1 else jnp.concatenate([s.reshape(-1) for s in spikes])
        self.current.value = bm.as_jax(self.comm(spikes)).reshape(-1)


def current_projection(pre, comm, post, *, delay: Optional[float] = None) -> CurrentProj:
    """A :class:`CurrentProj` built without its argument checks: for the library's own groups and layers,
    whose arguments were checked where they came in (:class:`~izhi_dyn.networks.CorticalNetwork2003`)."""
    proj = CurrentProj.__new__(CurrentProj)
    bp.Projection.__init__(proj, name=None)
    proj._connect(pre, comm, post, delay)
    return proj
