"""
Izhikevich neurons with brainpy COBA synapses
=============================================

Mixing :class:`izhi_dyn.Izhikevich` with brainpy's own synapse machinery: a
network of 800 excitatory regular-spiking and 200 inhibitory fast-spiking
neurons (the cell types and the 4:1 ratio of Izhikevich, 2003), connected at
random (2 %) through conductance-based AMPA-like (E = 0 mV, tau = 5 ms) and
GABA_A-like (E = -80 mV, tau = 10 ms) synapses built from
``bp.dyn.HalfProjAlignPostMg`` + ``bp.dyn.Expon`` + ``bp.dyn.COBA``. The COBA
output reads the neuron's ``V`` and enters ``update`` as a current through
``sum_current_inputs``. Every neuron also receives a noisy "thalamic" current
as in the 2003 network (5 and 2 times a standard normal for E and I, per
millisecond: scaled by 1/sqrt(dt) so its variance per ms is the paper's).
The figure shows the spike raster and the population rate of each group.

Run ``python examples/coba_network.py --out out`` (``--fast`` for a short
run); it writes ``coba_network.png``.
"""

import argparse
import pathlib

import brainpy as bp
import brainpy.math as bm
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import izhi_dyn  # noqa: E402


class COBANetwork(bp.DynSysGroup):
    """800 RS + 200 FS Izhikevich neurons with COBA excitation and inhibition."""

    def __init__(self, n_exc=800, n_inh=200, prob=0.02, g_exc=0.06, g_inh=0.5, seed=0):
        super().__init__()
        self.n_exc, self.n_inh = n_exc, n_inh
        n = n_exc + n_inh
        init = bp.init.Uniform(-70.0, -60.0)
        self.E = izhi_dyn.Izhikevich(n_exc, a=0.02, b=0.2, c=-65.0, d=8.0, V_initializer=init, method='riccati')
        self.I = izhi_dyn.Izhikevich(n_inh, a=0.1, b=0.2, c=-65.0, d=2.0, V_initializer=init, method='riccati')
        conn = dict(prob=prob, seed=seed)

        def projection(pre, post, weight, tau, E):
            return bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventJitFPHomoLinear(pre.num, post.num, weight=weight, **conn),
                syn=bp.dyn.Expon.desc(post.num, tau=tau),
                out=bp.dyn.COBA.desc(E=E),
                post=post,
            )

        self.E2E = projection(self.E, self.E, g_exc, 5.0, 0.0)
        self.E2I = projection(self.E, self.I, g_exc, 5.0, 0.0)
        self.I2E = projection(self.I, self.E, g_inh, 10.0, -80.0)
        self.I2I = projection(self.I, self.I, g_inh, 10.0, -80.0)
        self.n = n

    def update(self):
        # the projections see the previous step's spikes: a one-step synaptic delay
        e_spk, i_spk = self.E.spike.value, self.I.spike.value
        self.E2E(e_spk)
        self.E2I(e_spk)
        self.I2E(i_spk)
        self.I2I(i_spk)
        # 2003: 5 (E) / 2 (I) x N(0, 1) held for 1 ms; the same variance per ms at any dt
        scale = 1.0 / bm.sqrt(bp.share.load('dt'))
        self.E(5.0 * scale * bm.random.randn(self.n_exc))
        self.I(2.0 * scale * bm.random.randn(self.n_inh))
        return bm.concatenate([self.E.spike.value, self.I.spike.value])


def main(argv=None):
    parser = argparse.ArgumentParser(description='Izhikevich neurons with brainpy COBA synapses')
    parser.add_argument('--out', default='out', help='output folder')
    parser.add_argument('--fast', action='store_true', help='short run (for tests)')
    args = parser.parse_args(argv)
    duration = 200.0 if args.fast else 1000.0
    dt = 0.1

    bm.random.seed(42)
    net = COBANetwork()
    runner = bp.DSRunner(net, monitors={'spikes': lambda: bm.concatenate([net.E.spike.value, net.I.spike.value])},
                         dt=dt, progress_bar=False)
    runner.run(duration)
    ts = np.asarray(runner.mon['ts'])
    spikes = np.asarray(runner.mon['spikes'], dtype=bool)

    fig, (ax_r, ax_p) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, gridspec_kw=dict(height_ratios=(3, 1)))
    t_idx, n_idx = np.nonzero(spikes)
    exc = n_idx < net.n_exc
    ax_r.plot(ts[t_idx[exc]], n_idx[exc], '.', ms=1, color='C0', label='E (RS)')
    ax_r.plot(ts[t_idx[~exc]], n_idx[~exc], '.', ms=1, color='C3', label='I (FS)')
    ax_r.set_ylabel('neuron index')
    ax_r.legend(loc='upper right', markerscale=8, fontsize=8)
    bin_ms = 5.0
    width = int(round(bin_ms / dt))
    for sl, name, color in ((slice(0, net.n_exc), 'E', 'C0'), (slice(net.n_exc, net.n), 'I', 'C3')):
        counts = spikes[:, sl].sum(axis=1)
        nbins = counts.size // width
        rate = counts[: nbins * width].reshape(nbins, width).sum(1) / (spikes[:, sl].shape[1] * bin_ms * 1e-3)
        ax_p.plot(ts[: nbins * width : width] + bin_ms / 2, rate, color=color, label=name)
    ax_p.set_xlabel('time (ms)')
    ax_p.set_ylabel('rate (Hz)')
    ax_p.legend(fontsize=8)
    mean = spikes.sum(0) / (duration * 1e-3)
    ax_r.set_title(f'Izhikevich RS/FS network, COBA AMPA/GABA_A synapses: mean rate E {mean[:net.n_exc].mean():.1f} Hz, '
                   f'I {mean[net.n_exc:].mean():.1f} Hz', fontsize=10)
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'coba_network.png'
    fig.savefig(path, dpi=110)
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
