"""Reproduce the published behaviours and write their figures to ``--out``.

Writes ``features_2004.png`` (the 20 features of Izhikevich 2004, Fig. 1,
with the published numerics in float64) and ``cell_types_2003.png`` (the 2003
cell types, TC in both regimes), plus the spike times of both as JSON.
"""

from __future__ import annotations

import argparse
import pathlib

NAME = 'demo'
HELP = 'reproduce the 2004 features and 2003 cell types; write figures to --out'


def add_arguments(parser):
    parser.add_argument('--out', default='out', help='output folder (default: out)')


def run(args):
    from izhi_dyn.commands import features, types

    out = pathlib.Path(args.out)
    for command, stem in ((features, 'features_2004'), (types, 'cell_types_2003')):
        parser = argparse.ArgumentParser()
        command.add_arguments(parser)  # every other option keeps the command's own default
        command.run(parser.parse_args(['--out', str(out), '--png', f'{stem}.png',
                                       '--json', str(out / f'{stem}_spikes.json')]))
    return 0
