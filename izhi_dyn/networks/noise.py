r"""The thalamic input of the 2003 network: Gaussian current redrawn every step.

At a step ``dt`` other than 1 ms the draw has standard deviation
:math:`\sigma / \sqrt{dt / 1\,\mathrm{ms}}`, so the noise integrated over 1 ms
keeps the paper's variance :math:`\sigma^2`.
"""

from __future__ import annotations

from typing import Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn.core.counter_rng import counter_normal
from izhi_dyn.networks._args import check_noise_args
from izhi_dyn.networks._projection import slice_reader

__all__ = ['ThalamicNoise']


class ThalamicNoise(bp.Projection):
    r"""Gaussian input current :math:`\sigma\,N(0, 1)` redrawn every step.

    A projection (updated before the neurons) that registers a current input on
    ``post``. At a step ``dt`` other than 1 ms the draw is scaled by
    :math:`1/\sqrt{dt}` so the 1 ms integral keeps variance :math:`\sigma^2`.
    ``post`` may be a sequence of groups with one ``sigma`` each: a single draw
    of their total size is split among them (one random-number call per step).
    The deviates are those of :func:`izhi_dyn.core.counter_rng.counter_normal`:
    a function of (``seed``, step index ``bp.share['i']``, neuron index) only,
    so a run is reproducible for a seed however it is chunked, resumed or
    spread over devices, and the native step (:mod:`izhi_dyn.networks.native`)
    draws the same numbers bit for bit. ``seed`` is below :math:`2^{32}`.
    """

    def __init__(self, post, sigma, *, seed: int = 0, sharding=None, name: Optional[str] = None):
        check_noise_args(post=post, sigma=sigma, seed=seed)
        super().__init__(name=name)
        posts = tuple(post) if isinstance(post, (list, tuple)) else (post,)
        sigmas = tuple(sigma) if isinstance(sigma, (list, tuple)) else (sigma,)
        if len(sigmas) != len(posts):
            raise ValueError(f'sigma={sigma!r}: expected one standard deviation per post group ({len(posts)})')
        self.sigma = tuple(float(x) for x in sigmas) if len(posts) > 1 else float(sigmas[0])
        # the generator's key as a state: load_state and checkpoints carry it with the network
        self.key = bm.Variable(jnp.asarray(seed, dtype=jnp.uint32))
        sizes = [int(np.prod(p.varshape)) for p in posts]
        self.num = sum(sizes)
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        # per-neuron standard deviation: a constant of num floats, folded into the draw's fusion
        self._scale = np.repeat(np.asarray(sigmas, dtype=np.float32), sizes)
        self._sharding = sharding
        self.current = bm.Variable(jnp.zeros(self.num, dtype=bm.float_))
        for p, lo, hi in zip(posts, bounds[:-1], bounds[1:]):
            p.add_inp_fun(self.name, slice_reader(self.current, int(lo), int(hi), p.varshape, len(posts) == 1))

    def update(self):
        dt = bp.share.load('dt')
        x = counter_normal(self.key.value, bp.share.load('i'), self.num, bm.float_)
        if self._sharding is not None and self.num % self._sharding.mesh.devices.size == 0:
            x = jax.lax.with_sharding_constraint(x, self._sharding)
        self.current.value = (jnp.asarray(self._scale, dtype=bm.float_) / jnp.sqrt(dt)) * x
