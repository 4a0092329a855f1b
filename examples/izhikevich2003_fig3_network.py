"""Izhikevich (2003), Fig. 3: 1000 randomly coupled neurons (800 excitatory, 200 inhibitory).
==========================================================================================

Reproduces the raster of the paper's network (heterogeneous regular-spiking
excitatory and fast-spiking inhibitory cells, random all-to-all weights,
thalamic noise, the published 1 ms scheme) over its population rate, with its
alpha (~10 Hz) and gamma (~40 Hz) episodes, and prints the mean rates and the
dominant rhythm.

Run: ``python examples/izhikevich2003_fig3_network.py [--fast] [--out DIR]``
(writes ``DIR/izhikevich2003_fig3.png``)
(``--fast``: 200 ms instead of 1000 ms).
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')

import izhi_dyn  # noqa: E402
from izhi_dyn.analysis import network_stats  # noqa: E402
from izhi_dyn.plotting import plot_raster  # noqa: E402

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--fast', action='store_true')
    parser.add_argument('--out', default='out', help='output folder')
    args = parser.parse_args()
    duration = 200.0 if args.fast else 1000.0
    net = izhi_dyn.CorticalNetwork2003(1000, seed=0)
    res = izhi_dyn.run_network(net, duration, progress=not args.fast)
    print(network_stats(res.times, res.indices, res.n_exc, res.n_inh, res.duration))
    ax_raster, _ = plot_raster(res.times, res.indices, n_exc=res.n_exc, duration=duration, n_neurons=net.n,
                               title='Izhikevich (2003) Fig. 3: 1000 coupled neurons')
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ax_raster.figure.savefig(out / 'izhikevich2003_fig3.png', dpi=120)  # left open for the docs gallery
