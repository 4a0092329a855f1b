"""
A small thalamocortical circuit of the book's 2007 cell classes
===============================================================

:class:`izhi_dyn.Izhikevich2007` populations composed with brainpy's own
synapse machinery, in the book's units (pA, nS, mV): 40 thalamocortical (TC)
and 20 reticular (RTN) cells, 160 cortical regular-spiking (RS) and 40
fast-spiking (FS) cells, each class with its parameters from
:data:`izhi_dyn.CELL_CLASSES_2007` (Izhikevich 2007, ch. 8). Conductance-based
synapses (``bp.dyn.HalfProjAlignPostMg`` + ``bp.dyn.Expon`` + ``bp.dyn.COBA``,
conductances in nS so that the currents are in pA): TC excites RS, FS and
RTN (AMPA-like, E = 0 mV, 5 ms); RS excites RS, FS, TC and RTN; RTN inhibits TC and FS
inhibits RS (GABA_A-like, E = -80 mV, 10 ms). The thalamus is held
hyperpolarised (-1200 pA on TC, the book's burst protocol) for the first
150 ms and then released: TC answers with its rebound burst, which the
cortex relays. Every neuron also receives a weak noisy current.

Run ``python examples/thalamocortical_2007.py --out out`` (``--fast`` for a
short run); it writes ``thalamocortical_2007.png``.
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
from izhi_dyn import CELL_CLASSES_2007  # noqa: E402

#: (class code, size, noise sd in pA) of each population, in raster order.
POPULATIONS = (('TC', 40, 20.0), ('RTN', 20, 10.0), ('RS', 160, 60.0), ('FS', 40, 20.0))
#: (pre, post, conductance per spike in nS, tau in ms, reversal in mV, connection probability).
PROJECTIONS = (
    ('TC', 'RS', 3.0, 5.0, 0.0, 0.2), ('TC', 'FS', 1.0, 5.0, 0.0, 0.2), ('TC', 'RTN', 0.5, 5.0, 0.0, 0.3),
    ('RS', 'RS', 0.3, 5.0, 0.0, 0.1), ('RS', 'FS', 0.3, 5.0, 0.0, 0.1), ('RS', 'TC', 0.3, 5.0, 0.0, 0.1),
    ('RS', 'RTN', 0.3, 5.0, 0.0, 0.1), ('RTN', 'TC', 2.0, 10.0, -80.0, 0.3), ('FS', 'RS', 0.5, 10.0, -80.0, 0.3),
)
RELEASE = 150.0  # ms: end of the thalamic hyperpolarisation
HOLD = -1200.0  # pA on TC (izhi2007.m's burst-mode hold)


class Thalamocortical(bp.DynSysGroup):
    """TC, RTN, RS and FS populations of the 2007 form with COBA synapses."""

    def __init__(self, seed=0, method='rk2'):
        super().__init__()
        self.pops = {}
        for code, n, _ in POPULATIONS:
            cell = CELL_CLASSES_2007[code]
            pop = izhi_dyn.Izhikevich2007(n, method=method, **cell.neuron_kwargs(),
                                          V_initializer=bp.init.Uniform(cell.v_r - 5.0, cell.v_r + 5.0))
            setattr(self, code, pop)
            self.pops[code] = pop
        self.projections = []
        for i, (pre, post, g, tau, E, prob) in enumerate(PROJECTIONS):
            proj = bp.dyn.HalfProjAlignPostMg(
                comm=bp.dnn.EventJitFPHomoLinear(self.pops[pre].num, self.pops[post].num, prob=prob, weight=g,
                                                 seed=seed + i),
                syn=bp.dyn.Expon.desc(self.pops[post].num, tau=tau), out=bp.dyn.COBA.desc(E=E),
                post=self.pops[post])
            setattr(self, f'{pre}2{post}', proj)
            self.projections.append((pre, proj))

    def update(self):
        t, dt = bp.share.load('t'), bp.share.load('dt')
        spikes = {code: pop.spike.value for code, pop in self.pops.items()}
        for pre, proj in self.projections:  # the previous step's spikes: one step of synaptic delay
            proj(spikes[pre])
        scale = 1.0 / bm.sqrt(dt)  # white noise of the given sd per sqrt(ms), whatever dt
        for code, n, sd in POPULATIONS:
            drive = sd * scale * bm.random.randn(n)
            if code == 'TC':
                drive = drive + bm.where(t < RELEASE, HOLD, 0.0)
            self.pops[code](drive)
        return bm.concatenate([self.pops[c].spike.value for c, _, _ in POPULATIONS])


def main(argv=None):
    parser = argparse.ArgumentParser(description='a small thalamocortical circuit of 2007 cell classes')
    parser.add_argument('--out', default='out', help='output folder')
    parser.add_argument('--fast', action='store_true', help='short run (for tests)')
    args = parser.parse_args(argv)
    duration, dt = (400.0 if args.fast else 800.0), 0.1

    bm.random.seed(1)
    net = Thalamocortical()
    runner = bp.DSRunner(net, monitors={'spikes': lambda: bm.concatenate(
        [net.pops[c].spike.value for c, _, _ in POPULATIONS])}, dt=dt, progress_bar=False)
    runner.run(duration)
    ts = np.asarray(runner.mon['ts'])
    spikes = np.asarray(runner.mon['spikes'], dtype=bool)

    fig, ax = plt.subplots(figsize=(9, 5))
    start = 0
    for (code, n, _), color in zip(POPULATIONS, ('C1', 'C3', 'C0', 'C2')):
        t_idx, n_idx = np.nonzero(spikes[:, start:start + n])
        ax.plot(ts[t_idx], n_idx + start, '.', ms=1.5, color=color, label=code)
        before = spikes[ts < RELEASE, start:start + n].sum() / (n * RELEASE * 1e-3)
        after = spikes[(ts >= RELEASE) & (ts < RELEASE + 100), start:start + n].sum() / (n * 0.1)
        print(f'{code:4s} rate before release {before:6.1f} Hz, in the 100 ms after {after:6.1f} Hz')
        start += n
    ax.axvline(RELEASE, color='k', lw=0.8, ls='--')
    ax.set_xlim(0, duration)
    ax.set_xlabel('time (ms)')
    ax.set_ylabel('neuron index')
    ax.set_title('2007 classes: TC released from -1200 pA at 150 ms bursts; RTN, RS and FS follow', fontsize=10)
    ax.legend(loc='upper right', markerscale=6, fontsize=8)
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'thalamocortical_2007.png'
    fig.savefig(path, dpi=110)
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
