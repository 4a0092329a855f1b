"""
Phase planes of RS, FS and RZ neurons
=====================================

The (V, u) phase plane of three cell types of Izhikevich (2003), Fig. 2:
regular spiking (RS: a=0.02, b=0.2, d=8), fast spiking (FS: a=0.1, d=2) and
resonator (RZ: a=0.1, b=0.26, d=2), in the style of Izhikevich (2007),
*Dynamical Systems in Neuroscience*, ch. 8. Top row: at rest (I = 0), with the
quadratic V-nullcline, the linear u-nullcline u = bV, the stable resting node
and the saddle whose stable manifold is the threshold. Bottom row: under a
step of current the fixed points are gone (RS, FS) or destabilised (RZ), and
the orbit spikes; each reset V <- c, u <- u + d is drawn as a dotted jump.

Run ``python examples/phase_plane_rs_fs_rz.py --out out`` (add ``--fast`` for
a short run); it writes ``phase_plane_rs_fs_rz.png``.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

import izhi_dyn.analysis as ana  # noqa: E402
import izhi_dyn.plotting as izp  # noqa: E402

CELLS = {
    'RS': dict(a=0.02, b=0.2, c=-65.0, d=8.0),
    'FS': dict(a=0.1, b=0.2, c=-65.0, d=2.0),
    'RZ': dict(a=0.1, b=0.26, c=-65.0, d=2.0),
}
DRIVE = {'RS': 10.0, 'FS': 10.0, 'RZ': 1.0}


def main(argv=None):
    parser = argparse.ArgumentParser(description='phase planes of RS, FS and RZ neurons')
    parser.add_argument('--out', default='out', help='output folder')
    parser.add_argument('--fast', action='store_true', help='short simulation (for tests)')
    args = parser.parse_args(argv)
    duration = 60.0 if args.fast else 150.0

    fig, axes = plt.subplots(2, 3, figsize=(13, 8))
    for col, (name, params) in enumerate(CELLS.items()):
        rest = ana.fixed_points(0.0, a=params['a'], b=params['b'])[0]
        V_range = (-80.0, 35.0)
        near_rest = (rest.u - 6.0, rest.u + 8.0)
        izp.plot_phase_plane(ana.phase_plane(0.0, V_range=V_range, u_range=near_rest, **params), ax=axes[0, col])
        axes[0, col].set_title(f'{name} at rest, I = 0', fontsize=10)
        I = DRIVE[name]
        # RZ: a 5 ms pulse kicks the resonator off its (still stable) rest point onto its limit cycle
        drive = I if name != 'RZ' else [5.0 if 20 <= k * 0.1 < 25 else I for k in range(int(duration / 0.1))]
        orbit = ana.trajectory(drive, duration=duration, V0=rest.V, u0=rest.u, **params)
        u_range = (min(orbit.u.min(), rest.u) - 3.0, max(orbit.u.max(), rest.u) + 3.0)
        plane = ana.phase_plane(I, V_range=V_range, u_range=u_range, **params)
        izp.plot_phase_plane(plane, orbit, ax=axes[1, col])
        axes[1, col].set_title(f'{name}, I = {I:g}' + (' + 5 ms pulse' if name == 'RZ' else ''), fontsize=10)
    fig.suptitle('Izhikevich (2003) cell types in the V-u plane')
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'phase_plane_rs_fs_rz.png'
    fig.savefig(path, dpi=80)  # the direction field compresses poorly: keep the PNG small
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
