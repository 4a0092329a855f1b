"""Run the 7 cell types of Izhikevich (2003), Fig. 2 (TC in both regimes).

Protocols (ours; the paper gives parameters only, see :mod:`izhi_dyn.presets`):
a step of I = 10 from 20 ms for RS, IB, CH, FS and LTS; TC at -63 mV under a
weak step (tonic) and held at -87 mV by I = -30 until 100 ms (rebound burst);
RZ near rest, a weak 5-ms pulse (damped ringing) then a weak step (tonic).
Writes a gallery PNG and, with ``--json FILE``, spike times (ms) per type.
"""

from __future__ import annotations

from izhi_dyn.commands.features import add_common_arguments, run_presets

NAME = 'types'
HELP = 'the 7 cell types of Izhikevich (2003) Fig. 2: gallery PNG and spike-time JSON'


def add_arguments(parser):
    add_common_arguments(parser, 'cell_types_2003.png')


def run(args):
    from izhi_dyn.presets import CELL_TYPES_2003

    return run_presets(args, CELL_TYPES_2003, 'Izhikevich (2003) Fig. 2: cell types', 4)
