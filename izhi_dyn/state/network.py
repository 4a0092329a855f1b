r"""The cortical network of Izhikevich (2003) on ``brainpy.state``.

The network of :class:`izhi_dyn.networks.CorticalNetwork2003` (see its module
for the paper's equations), built from the brainstate front-end: two
:class:`izhi_dyn.state.Izhikevich` populations (excitatory, inhibitory) and two
``brainpy.state.CurrentProj`` projections that turn the last step's spikes
(``get_spike()``) into the current of this step, as the published loop does
(``I = I + sum(S(:, fired), 2)``). Thalamic input :math:`\sigma N(0, 1)` is
drawn from :mod:`brainstate.random` every 1 ms step.
"""

from __future__ import annotations

from typing import NamedTuple

import brainpy.state as bs
import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.state.neuron import Izhikevich

__all__ = ['CorticalNetwork2003', 'NetworkRun', 'run_network']

_PAPER_N = 1000
_I = u.mV / u.ms


class CorticalNetwork2003(brainstate.nn.Module):
    r"""The paper's randomly coupled network of ``n`` neurons (4:1 excitatory/inhibitory).

    Parameters
    ----------
    n : int, default 1000
        Number of neurons; all-to-all coupling with every weight scaled by
        ``1000 / n`` (the paper's mean input per neuron).
    seed : int, default 0
        Seed of the neuron parameters and weights (NumPy) and of the
        thalamic input (``brainstate.random``, reseeded by :func:`run_network`).
    method : str, default 'izhikevich2003'
        Integrator of both populations; the paper's scheme by default.

    Notes
    -----
    The step is the paper's 1 ms; spikes are exact (``spk_fun=None``).
    """

    def __init__(self, n: int = _PAPER_N, *, seed: int = 0, method: str = 'izhikevich2003'):
        super().__init__()
        n = check.check_int('n', n, lower=5)
        self.seed = check.check_int('seed', seed, lower=0)
        rng = np.random.default_rng(self.seed)
        ne = int(round(0.8 * n))
        ni = n - ne
        re, ri = rng.random(ne), rng.random(ni)
        self.E = Izhikevich(ne, a=0.02, b=0.2, c=-65 + 15 * re ** 2, d=8 - 6 * re ** 2, method=method,
                            V_initializer=-65.0, spk_fun=None)
        self.I = Izhikevich(ni, a=0.02 + 0.08 * ri, b=0.25 - 0.05 * ri, c=-65.0, d=2.0, method=method,
                            V_initializer=-65.0, spk_fun=None)
        scale = _PAPER_N / n
        W = np.hstack([0.5 * rng.random((n, ne)), -rng.random((n, ni))]).T * scale  # W[pre, post]
        self.to_E = bs.CurrentProj(comm=brainstate.nn.Linear(n, ne, w_init=W[:, :ne] * _I, b_init=None),
                                   out=bs.CUBA(scale=1.0), post=self.E)
        self.to_I = bs.CurrentProj(comm=brainstate.nn.Linear(n, ni, w_init=W[:, ne:] * _I, b_init=None),
                                   out=bs.CUBA(scale=1.0), post=self.I)
        self.sigma = jnp.concatenate([jnp.full(ne, 5.0), jnp.full(ni, 2.0)])
        self.n_exc, self.n_inh = ne, ni

    def update(self, k):
        """Step ``k`` (t = k ms): recurrent current from the last spikes, thalamic input, both populations."""
        with brainstate.environ.context(t=k * 1.0 * u.ms):
            fired = jnp.concatenate([self.E.get_spike(), self.I.get_spike()])
            self.to_E(fired)
            self.to_I(fired)
            thalamic = self.sigma * brainstate.random.randn(self.n_exc + self.n_inh)
            return jnp.concatenate([self.E(thalamic[:self.n_exc]), self.I(thalamic[self.n_exc:])]) > 0


class NetworkRun(NamedTuple):
    """Spike events of a run: ``times`` (ms, the step's start) and neuron ``indices`` (E first)."""

    times: np.ndarray
    indices: np.ndarray
    n_exc: int
    n_inh: int
    duration: float


def run_network(net: CorticalNetwork2003, duration: float = 1000.0) -> NetworkRun:
    """Initialise ``net`` and run it for ``duration`` ms at the paper's 1 ms step."""
    steps = int(round(check.check_real('duration', duration, lower=0.0, strict=True)))
    brainstate.nn.init_all_states(net)
    brainstate.random.seed(net.seed)
    with brainstate.environ.context(dt=1.0 * u.ms):
        raster = brainstate.transform.for_loop(net.update, jnp.arange(steps))
    times, indices = np.nonzero(np.asarray(raster))
    return NetworkRun(times.astype(float), indices, net.n_exc, net.n_inh, float(steps))
