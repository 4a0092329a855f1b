"""Run the cell types of Izhikevich (2003), Fig. 2, or the book's cell classes (2007, ch. 8).

``--model 2003`` (default): the 7 types of the 2003 paper. Protocols (ours; the
paper gives parameters only, see :mod:`izhi_dyn.presets`): a step of I = 10
from 20 ms for RS, IB, CH, FS and LTS; TC at -63 mV under a weak step (tonic)
and held at -87 mV by I = -30 until 100 ms (rebound burst); RZ near rest, a
weak 5-ms pulse (damped ringing) then a weak step (tonic).

``--model 2007``: the book's classes RS, IB, CH, LTS, FS, TC and RTN (TC and
RTN in tonic and burst mode) at each amplitude of ModelDB 39948's
``izhi2007.m``, and LS (with its dendrite) and MSN under our protocols
(:mod:`izhi_dyn.book_classes`), by default under the published scheme
(``izhikevich2007``, tau = 0.25 ms), on either front-end.

Writes a gallery PNG and, with ``--json FILE``, spike times (ms) per type
(2007: per class and amplitude, e.g. ``rs_100pA``).
"""

from __future__ import annotations

from izhi_dyn.commands.features import add_common_arguments, run_presets

NAME = 'types'
HELP = ("cell types: Izhikevich (2003) Fig. 2, or with --model 2007 the book's ch. 8 classes: "
        'gallery PNG and spike-time JSON')
_PNG_2003, _PNG_2007 = 'cell_types_2003.png', 'cell_classes_2007.png'


def add_arguments(parser):
    add_common_arguments(parser, _PNG_2003)
    parser.add_argument('--model', choices=('2003', '2007'), default='2003',
                        help=f"2003: the paper's 7 types; 2007: the book's classes per amplitude "
                             f'(gallery {_PNG_2007} unless --png is given)')


def run(args):
    if args.model == '2007':
        return _run_2007(args)
    from izhi_dyn.presets import CELL_TYPES_2003

    return run_presets(args, CELL_TYPES_2003, 'Izhikevich (2003) Fig. 2: cell types', 4)


def _run_2007(args):
    from izhi_dyn.book_classes import PRESETS_2007

    if args.png == _PNG_2003:
        args.png = _PNG_2007
    return run_presets(args, list(PRESETS_2007), 'Izhikevich (2007) ch. 8: cell classes (izhi2007.m protocols; LS, MSN: ours)', 4)
