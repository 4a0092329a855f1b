"""Izhikevich (2007), ch. 8: the book's cortical and thalamic cell classes, and two phase planes.
================================================================================================

Runs one amplitude of each class of :data:`izhi_dyn.PRESETS_2007` (RS, IB,
CH, LTS, FS; TC and RTN in tonic and in burst mode; LS with its dendrite and
the striatal MSN) with the book's forward Euler at tau = 0.25 ms, the
protocols of ModelDB 39948's ``izhi2007.m`` (ours for LS and MSN, which it
lacks; sample for sample, see ``tests/test_izhikevich2007.py``), and draws
them as a gallery. A second figure shows the nullclines and fixed
points of RS (a line through v_r) and FS (the cubic u-nullcline), with the
simulated orbit in each plane.

    python examples/izhikevich2007_ch8_cell_classes.py [--out out] [--fast]

``--fast`` runs in float32 instead of float64.

Reference: E. M. Izhikevich, *Dynamical Systems in Neuroscience*, MIT Press,
2007, ch. 8.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import izhi_dyn.analysis as ana  # noqa: E402
from izhi_dyn import simulate_many  # noqa: E402
from izhi_dyn.plotting.gallery import plot_gallery  # noqa: E402

SHOWN = ('rs_100pA', 'ib_550pA', 'ch_400pA', 'lts_200pA', 'fs_200pA', 'tc_tonic_100pA', 'tc_burst_0pA',
         'rtn_burst_50pA', 'ls_140pA', 'msn_400pA')


def draw_plane(ax, sim, I):
    cell = sim.preset.cell
    V = np.linspace(-80.0, cell.v_peak, 400)
    u_V, u_u = ana.nullclines(V, I, cell=cell)
    ax.plot(V, u_V, 'k', lw=1, label='V-nullcline')
    ax.plot(V, u_u, 'k--', lw=1, label='u-nullcline')
    for fp in ana.fixed_points(I, cell=cell):
        ax.plot(fp.V, fp.u, 'o', color='k', mfc='k' if fp.stable else 'w', label=fp.kind)
    ax.plot(sim.V, sim.u, color='C3', lw=0.6, label=f'orbit at {I:g} pA')
    ax.set_ylim(min(u_u.min(), sim.u.min()) - 50, max(sim.u.max(), 0) + 150)
    ax.set_xlabel('V (mV)')
    ax.set_ylabel('u (pA)')
    ax.set_title(f'{cell.code}: nullclines at {I:g} pA', fontsize=9)
    ax.legend(fontsize=7, loc='upper left')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out')
    parser.add_argument('--fast', action='store_true', help='float32 instead of float64')
    args = parser.parse_args(argv)
    sims = simulate_many(SHOWN, dtype='float32' if args.fast else 'float64')
    for key, sim in sims.items():
        print(f'{key:16s} {sim.spike_times.size:3d} spikes, first at {sim.spike_times[0]:7.2f} ms')
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = plot_gallery(sims, title='Izhikevich (2007) ch. 8: cell classes (izhi2007.m protocols; LS, MSN: ours)')
    fig.savefig(out / 'cell_classes_2007.png', dpi=100, bbox_inches='tight')
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    draw_plane(axes[0], sims['rs_100pA'], 100.0)
    draw_plane(axes[1], sims['fs_200pA'], 200.0)
    fig.tight_layout()
    fig.savefig(out / 'phase_planes_2007.png', dpi=100)
    print(f'wrote {out / "cell_classes_2007.png"} and {out / "phase_planes_2007.png"}')


if __name__ == '__main__':
    main()
