"""
The COBA network on brainpy.state
=================================

The network of :doc:`coba_network` written for ``brainpy.state`` (brainstate)
instead of ``brainpy.dyn``: 800 excitatory regular-spiking and 200 inhibitory
fast-spiking :class:`izhi_dyn.state.Izhikevich` neurons, connected at random
(2 %) through ``brainpy.state.AlignPostProj`` with an event-driven
``brainstate.nn.EventFixedProb`` connection, an ``Expon`` conductance
(AMPA-like: tau = 5 ms; GABA_A-like: tau = 10 ms) and a ``COBA`` output
(E = 0 mV and -80 mV). Every neuron also receives the noisy "thalamic"
current of the 2003 network (5 and 2 times a standard normal per millisecond,
scaled by 1/sqrt(dt)). Time runs through ``brainstate.transform.for_loop``
with ``t`` and ``dt`` from ``brainstate.environ``; the units are brainunit's.

The neuron runs with exact spikes (``spk_fun=None``) and the exact-in-step
``riccati`` integrator; the same class with a surrogate ``spk_fun`` trains
under ``brainstate.transform.grad`` (see :doc:`../training_mode`).

Run ``python examples/coba_network_state.py --out out`` (``--fast`` for a
short run); it writes ``coba_network_state.png``.
"""

import argparse
import pathlib

import brainpy.state as bs
import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp
import matplotlib

matplotlib.use('Agg')
import numpy as np  # noqa: E402

from izhi_dyn.plotting import plot_raster  # noqa: E402
from izhi_dyn.state import Izhikevich  # noqa: E402


class COBANetworkState(brainstate.nn.Module):
    """800 RS + 200 FS Izhikevich neurons with COBA excitation and inhibition, on brainpy.state."""

    def __init__(self, n_exc=800, n_inh=200, prob=0.02, g_exc=0.06, g_inh=0.5, seed=0):
        super().__init__()
        self.n_exc, self.n_inh = n_exc, n_inh
        init = braintools.init.Uniform(-70.0 * u.mV, -60.0 * u.mV)
        common = dict(V_initializer=init, method='riccati', spk_fun=None)
        self.E = Izhikevich(n_exc, a=0.02, b=0.2, c=-65.0 * u.mV, d=8.0, **common)
        self.I = Izhikevich(n_inh, a=0.1, b=0.2, c=-65.0 * u.mV, d=2.0, **common)

        def projection(pre, post, weight, tau, E, seed):
            return bs.AlignPostProj(
                comm=brainstate.nn.EventFixedProb(pre.in_size, post.in_size, conn_num=prob,
                                                  conn_weight=weight / u.ms, seed=seed),
                # conductances in 1/ms: COBA's g (E - V) is then a current in mV/ms, the neuron's unit
                syn=bs.Expon.desc(post.in_size, tau=tau * u.ms, g_initializer=braintools.init.Constant(0.0 / u.ms)),
                out=bs.COBA.desc(E=E * u.mV),
                post=post,
            )

        self.E2E = projection(self.E, self.E, g_exc, 5.0, 0.0, seed)
        self.E2I = projection(self.E, self.I, g_exc, 5.0, 0.0, seed + 1)
        self.I2E = projection(self.I, self.E, g_inh, 10.0, -80.0, seed + 2)
        self.I2I = projection(self.I, self.I, g_inh, 10.0, -80.0, seed + 3)

    def update(self, step, dt):
        with brainstate.environ.context(t=step * dt * u.ms):
            # the projections see the previous step's spikes: a one-step synaptic delay
            e_spk, i_spk = self.E.get_spike(), self.I.get_spike()
            self.E2E(e_spk)
            self.E2I(e_spk)
            self.I2E(i_spk)
            self.I2I(i_spk)
            # 2003: 5 (E) / 2 (I) x N(0, 1) held for 1 ms; the same variance per ms at any dt
            scale = 1.0 / np.sqrt(dt) * u.mV / u.ms
            self.E(5.0 * scale * brainstate.random.randn(self.n_exc))
            self.I(2.0 * scale * brainstate.random.randn(self.n_inh))
            return jnp.concatenate([self.E.spike.value, self.I.spike.value]) > 0


def main(argv=None):
    parser = argparse.ArgumentParser(description='Izhikevich neurons with COBA synapses on brainpy.state')
    parser.add_argument('--out', default='out', help='output folder')
    parser.add_argument('--fast', action='store_true', help='short run (for tests)')
    args = parser.parse_args(argv)
    duration = 200.0 if args.fast else 1000.0
    dt = 0.1
    steps = int(round(duration / dt))

    brainstate.random.seed(42)
    net = COBANetworkState()
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=dt * u.ms):
        spikes = brainstate.transform.for_loop(lambda k: net.update(k, dt), jnp.arange(steps))
    spikes = np.asarray(spikes, dtype=bool)
    ts = np.arange(steps) * dt
    n = net.n_exc + net.n_inh

    t_idx, n_idx = np.nonzero(spikes)
    mean = spikes.sum(0) / (duration * 1e-3)
    ax_r, _ = plot_raster(ts[t_idx], n_idx, n_exc=net.n_exc, duration=duration, n_neurons=n, bin_ms=5.0,
                          title=f'brainpy.state: Izhikevich RS/FS network, COBA synapses: mean rate E '
                                f'{mean[:net.n_exc].mean():.1f} Hz, I {mean[net.n_exc:].mean():.1f} Hz')
    fig = ax_r.figure
    fig.set_size_inches(10, 6)
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'coba_network_state.png'
    fig.savefig(path, dpi=110)
    print(f'wrote {path}')
    print(f'mean rate: E {mean[:net.n_exc].mean():.2f} Hz, I {mean[net.n_exc:].mean():.2f} Hz')


if __name__ == '__main__':
    main()
