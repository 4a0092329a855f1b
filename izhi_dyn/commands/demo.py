"""Simulate the cell types of Izhikevich (2003) and write their voltage traces to a PNG."""

from __future__ import annotations

import pathlib

NAME = 'demo'
HELP = 'simulate the 2003 cell types and write figures to --out'


def add_arguments(parser):
    parser.add_argument('--out', default='out', help='output folder (default: out)')


def run(args):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from izhi_dyn.presets import CELL_TYPES_2003, simulate_cell_type

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(len(CELL_TYPES_2003), 1, figsize=(8, 1.6 * len(CELL_TYPES_2003)), sharex=True)
    for ax, cell in zip(axes, CELL_TYPES_2003):
        ts, V = simulate_cell_type(cell)
        ax.plot(ts, V, lw=0.8)
        ax.set_ylabel('V (mV)')
        ax.set_title(f'{cell.code}: {cell.name}  (a={cell.a}, b={cell.b}, c={cell.c}, d={cell.d})', fontsize=9)
    axes[-1].set_xlabel('time (ms)')
    fig.tight_layout()
    path = out / 'cell_types.png'
    fig.savefig(path, dpi=120)
    print(f'wrote {path}')
    return 0
