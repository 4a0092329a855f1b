r"""The randomly coupled cortical network of Izhikevich (2003), scalable.

Paper's network (``N = 1000``, 4:1 excitatory/inhibitory, all-to-all including
self-connections), with :math:`r \sim U(0, 1)` drawn per neuron:

* excitatory: :math:`a = 0.02,\ b = 0.2,\ c = -65 + 15 r^2,\ d = 8 - 6 r^2`;
* inhibitory: :math:`a = 0.02 + 0.08 r,\ b = 0.25 - 0.05 r,\ c = -65,\ d = 2`;
* weights :math:`W_{ij} = 0.5\,U(0,1)` from excitatory and :math:`-U(0,1)` from
  inhibitory neurons; thalamic input :math:`5\,N(0,1)` (exc.) and
  :math:`2\,N(0,1)` (inh.) drawn anew every millisecond;
* :math:`V_0 = -65`, :math:`u_0 = b V_0`; the published scheme ``izhikevich2003``
  with a 1 ms step.

Weight scaling rule
-------------------
A neuron of the paper receives :math:`K_0 = 1000` synapses (800 exc., 200 inh.).
With in-degree :math:`K` every weight is multiplied by :math:`K_0 / K`, so the mean
recurrent input :math:`K\,\nu\,\bar w` and the E/I balance stay those of the paper
(the fluctuations shrink as :math:`1/\sqrt{K}`). Without it the all-to-all network
saturates above N ~ 1000 (every neuron fires every step). ``weight_scale=1``
disables the rule; the paper's network (N = 1000, dense) has scale 1 either way.

Thalamic noise at another step ``dt`` keeps its 1 ms statistics: the current
drawn each step has standard deviation :math:`\sigma / \sqrt{dt / 1\,\mathrm{ms}}`,
so the noise integrated over 1 ms has the paper's variance.
"""

from __future__ import annotations

from typing import Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn.networks._comm import CurrentProj, EventCSR, EventDense
from izhi_dyn.neuron import Izhikevich

__all__ = ['CorticalNetwork2003', 'ThalamicNoise', 'PAPER_IN_DEGREE', 'fixed_in_degree_csr',
           'probability_csr']

#: In-degree of a neuron in the paper's network (N = 1000, all-to-all).
PAPER_IN_DEGREE = 1000
CONNECTIVITIES = ('dense', 'sparse')


class ThalamicNoise(bp.Projection):
    r"""Gaussian input current :math:`\sigma\,N(0, 1)` redrawn every step.

    A projection (updated before the neurons) that registers a current input on
    ``post``. At a step ``dt`` other than 1 ms the draw is scaled by
    :math:`1/\sqrt{dt}` so the 1 ms integral keeps variance :math:`\sigma^2`.
    """

    def __init__(self, post, sigma: float, *, seed: int = 0, sharding=None, name: Optional[str] = None):
        super().__init__(name=name)
        self.sigma = float(sigma)
        self.key = bm.Variable(jax.random.key_data(jax.random.PRNGKey(int(seed))))
        self.num = int(np.prod(post.varshape))
        self._sharding = sharding
        self.current = bm.Variable(jnp.zeros(post.varshape, dtype=bm.float_))
        post.add_inp_fun(self.name, lambda *a, **k: self.current.value)

    def update(self):
        dt = bp.share.load('dt')
        key, sub = jax.random.split(self.key.value)
        self.key.value = key
        x = jax.random.normal(sub, (self.num,), dtype=bm.float_)
        if self._sharding is not None:
            x = jax.lax.with_sharding_constraint(x, self._sharding)
        self.current.value = (self.sigma / jnp.sqrt(dt)) * x


def fixed_in_degree_csr(rng, n_pre, n_post, k, splits=None):
    """Pre-major CSR matrices for a fixed in-degree ``k``.

    Each of the ``n_post`` postsynaptic neurons draws ``k`` presynaptic partners
    uniformly among ``n_pre`` neurons (with replacement, as NEST's
    ``fixed_indegree`` default). ``splits`` (boundaries such as ``[0, ne, n]``)
    cuts the presynaptic range into populations; one ``(indptr, indices)`` pair
    (targets of each presynaptic neuron, local indices) is returned per
    population, or a single pair when ``splits`` is None.
    """
    pre = rng.integers(0, n_pre, size=(n_post, k), dtype=np.int32).ravel()
    post = np.repeat(np.arange(n_post, dtype=np.int32), k)
    order = np.argsort(pre, kind='stable')
    pre, post = pre[order], post[order]
    counts = np.bincount(pre, minlength=n_pre)
    bounds = [0, n_pre] if splits is None else list(splits)
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        c = counts[lo:hi]
        start = int(counts[:lo].sum())
        indptr = np.concatenate([[0], np.cumsum(c)]).astype(np.int32)
        out.append((indptr, post[start:start + int(indptr[-1])]))
    return out[0] if splits is None else out


def probability_csr(rng, n_pre, n_post, p):
    """Pre-major CSR where each pair is connected independently with probability ``p``."""
    counts = rng.binomial(n_post, p, size=n_pre)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    for i in range(n_pre):  # sampling without replacement per row
        indices[indptr[i]:indptr[i + 1]] = np.sort(rng.choice(n_post, counts[i], replace=False))
    return indptr.astype(np.int32), indices


class CorticalNetwork2003(bp.DynSysGroup):
    r"""The 2003 cortical network as a ``bp.DynSysGroup`` of two populations and four projections.

    Parameters
    ----------
    n : int, default 1000
        Number of neurons; ``round(exc_fraction * n)`` are excitatory.
    exc_fraction : float, default 0.8
    connectivity : {'dense', 'sparse'}, default 'dense'
        ``'dense'``: all-to-all including self (the paper). ``'sparse'``: fixed
        in-degree ``k`` (or connection probability ``p``) in CSR, event-driven.
    k : int, optional
        In-degree for ``connectivity='sparse'`` (default 100).
    p : float, optional
        Connection probability instead of ``k``.
    weight_scale : float or 'auto', default 'auto'
        ``'auto'``: ``PAPER_IN_DEGREE / in_degree`` (see the module's rule).
    method : str, default 'izhikevich2003'
        Integrator of the neurons (any name of :data:`izhi_dyn.INTEGRATORS`).
    noise_exc, noise_inh : float, default 5, 2
        Thalamic input standard deviations (per 1 ms).
    seed : int, default 0
        Seeds the parameters, weights, connectivity and the thalamic noise.
    devices : int or sequence of jax devices, optional
        Shard the neurons across these devices (``jax.sharding``); dense only.
    delay : float, optional
        Synaptic delay (ms) of all projections; None = the paper's next step.

    Attributes
    ----------
    E, I : izhi_dyn.Izhikevich
    E2E, E2I, I2E, I2I : CurrentProj
    noise_E, noise_I : ThalamicNoise

    Examples
    --------
    >>> import izhi_dyn
    >>> net = izhi_dyn.networks.CorticalNetwork2003(200, seed=1)
    >>> res = izhi_dyn.networks.run_network(net, 100.0, progress=False)
    >>> res.n_steps, res.n_exc
    (100, 160)
    """

    def __init__(self, n: int = 1000, *, exc_fraction: float = 0.8, connectivity: str = 'dense',
                 k: Optional[int] = None, p: Optional[float] = None, weight_scale='auto',
                 method: str = 'izhikevich2003', noise_exc: float = 5.0, noise_inh: float = 2.0,
                 seed: int = 0, devices=None, delay: Optional[float] = None, name: Optional[str] = None):
        super().__init__(name=name)
        if connectivity not in CONNECTIVITIES:
            raise ValueError(f'connectivity={connectivity!r}: expected one of {CONNECTIVITIES}')
        n = int(n)
        ne = int(round(exc_fraction * n))
        ni = n - ne
        if ne < 1 or ni < 1:
            raise ValueError(f'n={n}, exc_fraction={exc_fraction}: both populations need >= 1 neuron')
        self.n, self.n_exc, self.n_inh, self.seed = n, ne, ni, int(seed)
        self.connectivity = connectivity
        if connectivity == 'dense':
            if k is not None or p is not None:
                raise ValueError("k and p apply to connectivity='sparse' only")
            in_degree = n
        else:
            if k is not None and p is not None:
                raise ValueError('give k (fixed in-degree) or p (probability), not both')
            if p is None:
                k = 100 if k is None else int(k)
                if not 1 <= k:
                    raise ValueError(f'k={k} must be >= 1')
                in_degree = k
            else:
                if not 0 < p <= 1:
                    raise ValueError(f'p={p} must be in (0, 1]')
                in_degree = p * n
        self.in_degree = in_degree
        self.weight_scale = PAPER_IN_DEGREE / in_degree if weight_scale == 'auto' else float(weight_scale)

        self.mesh, sh = _mesh(devices)
        if sh is not None and connectivity != 'dense':
            raise NotImplementedError('devices > 1 is implemented for connectivity="dense"')
        rng = np.random.default_rng(seed)
        re, ri = rng.random(ne), rng.random(ni)
        ftype = np.float32 if bm.float_ == jnp.float32 else np.float64
        neu = dict(method=method, V_initializer=bp.init.OneInit(-65.0))
        # Per-neuron parameters as Variables: arguments of the compiled step, not constants.
        var = lambda x: bm.Variable(jnp.asarray(x, dtype=bm.float_))  # noqa: E731
        self.E = Izhikevich(ne, a=0.02, b=0.2, c=var(-65 + 15 * re**2), d=var(8 - 6 * re**2), **neu)
        self.I = Izhikevich(ni, a=var(0.02 + 0.08 * ri), b=var(0.25 - 0.05 * ri), c=-65.0, d=2.0, **neu)
        if sh is not None:
            for pop in (self.E, self.I):
                _shard_vars(pop, sh)

        s = self.weight_scale
        pops = {'E': (self.E, ne, 0.5 * s), 'I': (self.I, ni, -1.0 * s)}
        in_csr = {}
        if connectivity == 'sparse' and p is None:
            for post_key, n_post in (('E', ne), ('I', ni)):
                for pre_key, csr in zip('EI', fixed_in_degree_csr(rng, n, n_post, k, [0, ne, n])):
                    in_csr[pre_key, post_key] = csr
        for pre_key in ('E', 'I'):
            for post_key in ('E', 'I'):
                pre, n_pre, gain = pops[pre_key]
                post, n_post, _ = pops[post_key]
                if connectivity == 'dense':
                    W = (gain * rng.random((n_pre, n_post))).astype(ftype)
                    wsh = None if sh is None else jax.sharding.NamedSharding(self.mesh, jax.sharding.PartitionSpec(None, 'neuron'))
                    comm = EventDense(W, sharding=wsh if n_post % len(self.mesh.devices.flat) == 0 else None) if sh is not None else EventDense(W)
                elif p is None:
                    indptr, indices = in_csr[pre_key, post_key]
                    w = (gain * rng.random(indices.shape[0])).astype(ftype)
                    comm = EventCSR(indptr, indices, w, (n_pre, n_post))
                else:
                    indptr, indices = probability_csr(rng, n_pre, n_post, p)
                    w = (gain * rng.random(indices.shape[0])).astype(ftype)
                    comm = EventCSR(indptr, indices, w, (n_pre, n_post))
                setattr(self, f'{pre_key}2{post_key}', CurrentProj(pre, comm, post, delay=delay))
        self.noise_E = ThalamicNoise(self.E, noise_exc, seed=int(rng.integers(2**31)), sharding=sh)
        self.noise_I = ThalamicNoise(self.I, noise_inh, seed=int(rng.integers(2**31)), sharding=sh)

    @property
    def num_synapses(self) -> int:
        """Number of synapses (n^2 when dense)."""
        total = 0
        for key in ('E2E', 'E2I', 'I2E', 'I2I'):
            comm = getattr(self, key).comm
            total += comm.num_synapses if isinstance(comm, EventCSR) else int(np.prod(comm.weight.shape))
        return total

    def spikes(self):
        """Spikes of the whole network of the last step (excitatory first)."""
        return jnp.concatenate([self.E.spike.value, self.I.spike.value])


def _mesh(devices):
    if devices is None or devices == 1:
        return None, None
    devs = jax.devices()[:devices] if isinstance(devices, int) else list(devices)
    if isinstance(devices, int) and len(devs) < devices:
        raise ValueError(f'devices={devices}: only {len(jax.devices())} JAX devices available')
    mesh = jax.sharding.Mesh(np.array(devs), ('neuron',))
    return mesh, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec('neuron'))


def _shard_vars(pop, sharding):
    # Populations whose size does not divide the device count are left replicated.
    n_dev = len(sharding.mesh.devices.flat)
    for var in pop.vars(level=0).unique().values():
        if var.ndim == 1 and var.shape[0] % n_dev == 0:
            var.value = jax.device_put(var.value, sharding)
