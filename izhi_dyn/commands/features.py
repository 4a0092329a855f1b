"""Run the 20 features of Izhikevich (2004), Fig. 1, with the published numerics.

Writes a gallery PNG laid out like the paper's figure (voltage over input,
panel titled with the feature) to ``--out``, and with ``--json FILE`` a JSON
object mapping each feature's snake_case name to its spike times (ms). A spike
is stamped at the start of the step whose update crossed threshold, as in the
author's code. Defaults: each feature's published scheme (``izhikevich2004``)
and time step, in float64 (``--no-x64`` for float32).
"""

from __future__ import annotations

import argparse
import json
import pathlib

NAME = 'features'
HELP = 'the 20 features of Izhikevich (2004) Fig. 1: gallery PNG and spike-time JSON'


def add_common_arguments(parser, png):
    parser.add_argument('--method', default=None, help="integrator (default: each preset's published scheme)")
    parser.add_argument('--dt', type=float, default=None, help="time step in ms (default: each preset's published dt)")
    parser.add_argument('--x64', action=argparse.BooleanOptionalAction, default=True,
                        help='float64 (default, needed for exact reproduction) or float32')
    parser.add_argument('--frontend', choices=('dyn', 'state'), default='dyn',
                        help='neuron class: izhi_dyn.Izhikevich (brainpy.dyn, default) or izhi_dyn.state.Izhikevich '
                             '(brainpy.state); both give the same spikes')
    parser.add_argument('--out', default='out', help='output folder (default: out)')
    parser.add_argument('--png', default=png, help=f'gallery file name inside --out (default: {png})')
    parser.add_argument('--json', default=None, metavar='FILE', help='write {name: [spike times in ms]} to FILE')


def add_arguments(parser):
    add_common_arguments(parser, 'features_2004.png')


def run_presets(args, keys, title, ncols):
    """Simulate ``keys`` (either form) per ``args`` with :func:`izhi_dyn.simulate_many`, write the gallery
    (and JSON); return 0."""
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from izhi_dyn.plotting.gallery import plot_gallery

    from izhi_dyn.simulate import simulate_many

    sims = simulate_many(keys, method=args.method, dt=args.dt, dtype='float64' if args.x64 else 'float32',
                         frontend=args.frontend)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    numerics = {(s.method, s.dt) for s in sims.values()}
    how = ', '.join(sorted({m for m, _ in numerics})) + (f', dt={args.dt} ms' if args.dt else ', published dt')
    fig = plot_gallery(sims, ncols=ncols, title=f'{title}  [{how}, {next(iter(sims.values())).dtype}]')
    path = out / args.png
    fig.savefig(path, dpi=110, bbox_inches='tight')
    plt.close(fig)
    print(f'wrote {path}')
    if args.json:
        data = {k: [float(t) for t in s.spike_times] for k, s in sims.items()}
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(data, indent=1))
        print(f'wrote {args.json}')
    for k, s in sims.items():
        print(f'{k:34s} {s.spike_times.size:3d} spikes')
    return 0


def run(args):
    from izhi_dyn.presets import FEATURES_2004

    return run_presets(args, FEATURES_2004, 'Izhikevich (2004) Fig. 1: 20 neuro-computational features', 4)
