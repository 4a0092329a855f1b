"""Izhikevich (2003), Fig. 2: the cortical and thalamic cell types of the simple model.
====================================================================================

Simulates RS, IB, CH, FS, LTS, TC (depolarised: tonic; hyperpolarised:
rebound burst) and RZ with the 2003 parameters under protocols chosen to show
each signature (the paper gives parameters only; see ``izhi_dyn.presets``),
prints the firing-pattern labels, and saves the panels.

    python examples/izhikevich2003_fig2_cell_types.py [--out out] [--fast]

``--fast`` runs in float32 instead of float64.

Reference: E. M. Izhikevich, "Simple model of spiking neurons", IEEE Trans.
Neural Netw. 14(6):1569-1572, 2003.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')

from izhi_dyn import classify_pattern, simulate_many  # noqa: E402
from izhi_dyn.plotting.gallery import plot_gallery  # noqa: E402
from izhi_dyn.presets import CELL_TYPES_2003  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out')
    parser.add_argument('--fast', action='store_true', help='float32 instead of float64')
    args = parser.parse_args(argv)
    sims = simulate_many(CELL_TYPES_2003, dtype='float32' if args.fast else 'float64')
    for key, sim in sims.items():
        onset = 100.0 if key == 'thalamo_cortical_hyperpolarized' else 20.0
        print(f'{sim.preset.code:4s} {key:34s} {classify_pattern(sim.spike_times, onset, sim.ts[-1])}')
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = plot_gallery(sims, title='Izhikevich (2003) Fig. 2: cell types')
    fig.savefig(out / 'izhikevich2003_fig2.png', dpi=110, bbox_inches='tight')
    print(f'wrote {out / "izhikevich2003_fig2.png"}')


if __name__ == '__main__':
    main()
