"""
f-I curves of Class 1 and Class 2 excitability
==============================================

Reproduces the contrast of Izhikevich (2004), Fig. 1G and 1H: a Class 1
excitable neuron (a=0.02, b=-0.1, c=-55, d=6, dV/dt = 0.04V^2 + 4.1V + 108 - u + I)
starts firing at an arbitrarily low rate when the current crosses the
saddle-node on the invariant circle, whereas a Class 2 neuron (a=0.2,
b=0.26, c=-65, d=0) cannot fire slowly: its rate jumps from 0 to about 30 Hz
(the rest point loses stability through an Andronov-Hopf bifurcation).
Left: steady rate (solid) and first-ISI rate (dashed) against constant
current, with the analytic bifurcation current dotted. Right: the Class 1
phase plane just past the saddle-node, where the ghost of the vanished fixed
points slows the orbit down.

Run ``python examples/fi_curves_class1_class2.py --out out`` (``--fast`` for
a coarse curve); it writes ``fi_curves_class1_class2.png``.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import izhi_dyn.analysis as ana  # noqa: E402
import izhi_dyn.plotting as izp  # noqa: E402

CLASS1 = dict(a=0.02, b=-0.1, c=-55.0, d=6.0, p2=4.1, p3=108.0)
CLASS2 = dict(a=0.2, b=0.26, c=-65.0, d=0.0)


def _onset(params):
    shape = {k: params[k] for k in params if k in ('a', 'b', 'p2', 'p3')}
    return ana.bifurcation_currents(**shape), ana.fixed_points(0.0, **shape)[0].V


def main(argv=None):
    parser = argparse.ArgumentParser(description='f-I curves of class 1 and class 2 neurons')
    parser.add_argument('--out', default='out', help='output folder')
    parser.add_argument('--fast', action='store_true', help='coarse, short runs (for tests)')
    args = parser.parse_args(argv)
    n, duration = (15, 600.0) if args.fast else (60, 2000.0)

    fig, (ax, ax_pp) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, params, span in (('class 1', CLASS1, (0.0, 8.0)), ('class 2', CLASS2, (0.0, 2.0))):
        bif, rest = _onset(params)
        onset = bif['hopf'] if bif['hopf'] is not None else bif['saddle_node']
        currents = np.linspace(*span, n)
        curve = ana.fi_curve(currents, duration=duration, transient=duration / 5, V0=rest, **params)
        scaled = curve._replace(currents=curve.currents / span[1])
        izp.plot_fi_curve(scaled, ax=ax, label=f'{name} (I / {span[1]:g})', first_isi=True,
                          rheobase=onset / span[1])
    ax.set_xlabel('input current, scaled to the sweep (I / I_max)')
    ax.set_title('steady (solid) and first-ISI (dashed) rate; dotted: bifurcation current', fontsize=9)

    bif, rest = _onset(CLASS1)
    I = bif['saddle_node'] + 0.1
    orbit = ana.trajectory(I, duration=duration / 2, V0=rest, u0=-0.1 * rest, **CLASS1)
    plane = ana.phase_plane(I, V_range=(-75.0, 35.0), u_range=(3.0, 12.0), **CLASS1)
    izp.plot_phase_plane(plane, orbit, ax=ax_pp)
    ax_pp.set_title(f'class 1 just above the saddle-node (I = {I:.2f})', fontsize=10)
    fig.suptitle('Izhikevich (2004), Fig. 1G/H: class 1 vs class 2 excitability')
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'fi_curves_class1_class2.png'
    fig.savefig(path, dpi=110)
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
