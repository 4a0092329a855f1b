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

Thalamic noise at another step ``dt`` keeps its 1 ms statistics (see
:class:`~izhi_dyn.networks.ThalamicNoise`).
"""

from __future__ import annotations

from typing import Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.dyn.neuron import Izhikevich
from izhi_dyn.networks._args import check_network_args
from izhi_dyn.networks._comm import EventCSR, csr_from_synapses, dense_from_synapses
from izhi_dyn.networks._projection import current_projection
from izhi_dyn.networks.connectivity import RandomSynapses
from izhi_dyn.networks.native import KERNELS, fused_update, native_unsupported
from izhi_dyn.networks.noise import ThalamicNoise

__all__ = ['CorticalNetwork2003', 'PAPER_IN_DEGREE']

#: In-degree of a neuron in the paper's network (N = 1000, all-to-all).
PAPER_IN_DEGREE = 1000


class CorticalNetwork2003(bp.DynSysGroup):
    r"""The 2003 cortical network as a ``bp.DynSysGroup`` of two populations and brainpy projections.

    Structure (each part a brainpy node that can be replaced or extended):

    * ``E``, ``I``: :class:`izhi_dyn.Izhikevich` populations (excitatory first
      in every concatenated vector);
    * ``layout='fused'`` (default): one :class:`CurrentProj` ``recurrent`` from
      ``[E, I]`` to ``[E, I]`` whose ``comm`` holds the whole ``n x n`` weight
      matrix (rows: presynaptic neurons, excitatory rows positive, inhibitory
      rows negative), so a step runs one event-driven kernel;
    * ``layout='pairwise'``: four projections ``E2E, E2I, I2E, I2I``, one
      ``comm`` per pair (to give each pair its own synapse model, delay or
      plasticity), at the price of four kernels per step;
    * ``noise``: one :class:`ThalamicNoise` drawing the input of both
      populations at once.

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
        Seeds the parameters, weights, connectivity and the thalamic noise. The
        synapses come from counter-based streams, one per block of target
        neurons (:class:`~izhi_dyn.networks.RandomSynapses`): the network of a
        seed is the same on any number of devices or processes, each drawing
        only the synapses onto its own neurons.
    devices : int or sequence of jax devices, optional
        Shard the neurons' state across these devices (``jax.sharding``), and
        the synapses with it, by postsynaptic neuron: dense weights by columns,
        sparse connectivity by target (each device holds the synapses onto its
        neurons, rows padded to the longest device share; see
        :class:`~izhi_dyn.networks.EventCSR`). Each device computes its
        neurons' input from the whole spike vector. A synapse group whose
        number of targets does not divide by the device count stays replicated.
    delay : float, optional
        Synaptic delay (ms) of all projections; None = the paper's next step.
    layout : {'fused', 'pairwise'}, default 'fused'
        One projection for the whole recurrent matrix, or one per population pair.
    kernel : {'auto', 'native', 'jax'}, default 'auto'
        How a step runs: ``'jax'``, the brainpy nodes (brainevent and XLA);
        ``'native'``, one fused C++ call (:mod:`izhi_dyn.networks.native`; an
        error says why a network cannot use it); ``'auto'``, the native step
        where it applies (the published network on one CPU device, library
        built), checked each time the step is traced. Both give the same spikes.

    Attributes
    ----------
    E, I : izhi_dyn.Izhikevich
    recurrent : CurrentProj
        ``layout='fused'`` only.
    E2E, E2I, I2E, I2I : CurrentProj
        ``layout='pairwise'`` only.
    noise : ThalamicNoise

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
                 seed: int = 0, devices=None, delay: Optional[float] = None, layout: str = 'fused',
                 kernel: str = 'auto', name: Optional[str] = None):
        check_network_args(n=n, exc_fraction=exc_fraction, connectivity=connectivity, k=k, p=p,
                           weight_scale=weight_scale, noise_exc=noise_exc, noise_inh=noise_inh, seed=seed,
                           devices=devices, delay=delay, layout=layout)
        super().__init__(name=name)
        n = int(n)
        ne = int(round(exc_fraction * n))
        ni = n - ne
        if ne < 1 or ni < 1:
            raise ValueError(f'n={n}, exc_fraction={exc_fraction}: both populations need >= 1 neuron')
        self.n, self.n_exc, self.n_inh, self.seed = n, ne, ni, int(seed)
        self.connectivity, self.layout = connectivity, layout
        if connectivity == 'dense':
            if k is not None or p is not None:
                raise ValueError("k and p apply to connectivity='sparse' only")
            in_degree = n
        else:
            if k is not None and p is not None:
                raise ValueError('give k (fixed in-degree) or p (probability), not both')
            if p is None:
                k = 100 if k is None else int(k)
                in_degree = k
            else:
                in_degree = p * n
        self.in_degree = in_degree
        self.weight_scale = PAPER_IN_DEGREE / in_degree if weight_scale == 'auto' else float(weight_scale)

        self.mesh, sh = _mesh(devices)
        rng = np.random.default_rng(seed)
        re, ri = rng.random(ne), rng.random(ni)
        neu = dict(method=method, V_initializer=bp.init.OneInit(-65.0))
        # Per-neuron parameters as Variables: arguments of the compiled step, not constants.
        var = lambda x: bm.Variable(jnp.asarray(x, dtype=bm.float_))  # noqa: E731
        self.E = Izhikevich(ne, a=0.02, b=0.2, c=var(-65 + 15 * re**2), d=var(8 - 6 * re**2), **neu)
        self.I = Izhikevich(ni, a=var(0.02 + 0.08 * ri), b=var(0.25 - 0.05 * ri), c=-65.0, d=2.0, **neu)
        if sh is not None:
            for pop in (self.E, self.I):
                _shard_vars(pop, sh)

        wiring = _Wiring(seed, n, ne, connectivity, k, p, self.weight_scale, self.mesh)
        if layout == 'fused':
            self.recurrent = current_projection([self.E, self.I], wiring.comm(), [self.E, self.I], delay=delay)
        else:
            pops = {'E': (self.E, 0, ne), 'I': (self.I, ne, n)}
            for post_key, (post, t0, t1) in pops.items():
                for pre_key, (pre, r0, r1) in pops.items():
                    comm = wiring.comm(rows=(r0, r1), targets=(t0, t1))
                    setattr(self, f'{pre_key}2{post_key}', current_projection(pre, comm, post, delay=delay))
        self.noise = ThalamicNoise([self.E, self.I], [noise_exc, noise_inh], seed=int(rng.integers(2**31)),
                                   sharding=sh)
        if sh is not None:  # the currents too: placed as the step leaves them, so a checkpoint fits a new network
            for node in (self.noise, *self.projections.values()):
                if node.current.shape[0] % self.mesh.devices.size == 0:
                    node.current.value = jax.device_put(node.current.value, sh)
        self.kernel = check.check_choice('kernel', kernel, KERNELS)
        if kernel == 'native' and native_unsupported(self):
            raise ValueError(f"kernel='native': {native_unsupported(self)}")

    @property
    def uses_native_step(self) -> bool:
        """Whether the next traced step runs the native kernel (see ``kernel``)."""
        return self.kernel != 'jax' and native_unsupported(self) is None

    def update(self, *args, **kwargs):
        if self.kernel == 'native' and native_unsupported(self):
            raise ValueError(f"kernel='native': {native_unsupported(self)}")
        if self.uses_native_step:
            return fused_update(self)
        return super().update(*args, **kwargs)

    @property
    def projections(self) -> dict:
        """The recurrent projections by name (``recurrent``, or ``E2E`` ... ``I2I``)."""
        names = ('recurrent',) if self.layout == 'fused' else ('E2E', 'E2I', 'I2E', 'I2I')
        return {key: getattr(self, key) for key in names}

    @property
    def num_synapses(self) -> int:
        """Number of synapses (n^2 when dense)."""
        total = 0
        for proj in self.projections.values():
            comm = proj.comm
            total += comm.num_synapses if isinstance(comm, EventCSR) else int(np.prod(comm.weight.shape))
        return total

    def spikes(self):
        """Spikes of the whole network of the last step (excitatory first)."""
        return jnp.concatenate([self.E.spike.value, self.I.spike.value])


class _Wiring:
    """The recurrent synapses as one :class:`RandomSynapses` over the whole ``n x n`` matrix, cut into ``comm``\ s.

    Presynaptic neuron ``i`` has the gain ``0.5 * weight_scale`` (excitatory) or
    ``-weight_scale`` (inhibitory). The Philox key is 128 bits of
    ``SeedSequence(seed, spawn_key=(1,))``; every ``comm`` (the fused matrix,
    a population pair, a device's block) holds the synapses of the same
    network, drawn for its own targets only.
    """

    def __init__(self, seed, n, ne, connectivity, k, p, scale, mesh):
        ftype = np.float32 if bm.float_ == jnp.float32 else np.float64
        gain = np.concatenate([np.full(ne, 0.5 * scale, dtype=ftype), np.full(n - ne, -scale, dtype=ftype)])
        words = np.random.SeedSequence(seed, spawn_key=(1,)).generate_state(2, np.uint64)
        key = int(words[0]) | int(words[1]) << 64
        sparse = dict(k=k, p=p) if connectivity == 'sparse' else {}
        self.synapses = RandomSynapses(key, n, n, gain=gain, dtype=ftype, **sparse)
        self.dense, self.mesh = connectivity == 'dense', mesh

    def comm(self, rows=None, targets=None):
        """The ``comm`` of presynaptic neurons ``rows`` onto ``targets`` (default: all)."""
        syn = self.synapses.view(rows, targets)
        sharded = self.mesh is not None and syn.shape[1] % self.mesh.devices.size == 0
        P = jax.sharding.PartitionSpec
        spec = P(None, 'neuron') if self.dense else P('neuron')
        sharding = jax.sharding.NamedSharding(self.mesh, spec) if sharded else None
        return (dense_from_synapses if self.dense else csr_from_synapses)(syn, sharding=sharding)


def _mesh(devices):
    if devices is None or devices == 1:
        return None, None
    devs = jax.devices()[:devices] if isinstance(devices, int) else list(devices)  # count checked at the door
    mesh = jax.sharding.Mesh(np.array(devs), ('neuron',))
    return mesh, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec('neuron'))


def _shard_vars(pop, sharding):
    # Populations whose size does not divide the device count are left replicated.
    n_dev = len(sharding.mesh.devices.flat)
    for var in pop.vars(level=0).unique().values():
        if var.ndim == 1 and var.shape[0] % n_dev == 0:
            var.value = jax.device_put(var.value, sharding)
