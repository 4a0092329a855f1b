"""Train a recurrent Izhikevich SNN on a spike-timing task
=========================================================

Two input channels, A and B, each fire exactly one spike per trial. The class
is the order of the two spikes crossed with their interval (short: 3-8 ms,
long: 14-22 ms): four classes, chance 25 %. Spike counts are identical in
every class, so only timing tells them apart. Each spike reaches the network
on six lines delayed by 0-20 ms.

A recurrent :class:`izhi_dyn.IzhikevichLayer` of 32 neurons (exponential
synapses, tau_syn = 5 ms) feeds a leaky non-spiking readout. The network is
built in ``bm.TrainingMode`` (surrogate spikes) and trained with BPTT
(:func:`brainpy.math.grad`, :class:`brainpy.optim.Adam`); the raster is drawn
by the *same definition* rebuilt in ``bm.BatchingMode`` with the trained
weights, i.e. with exact, non-surrogate spikes.

Run ``python examples/train_spike_timing.py [--epochs N] [--out DIR]``
(about one minute on 2 CPU cores; ``izhi-dyn train`` does the same).
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from izhi_dyn.spike_timing import run  # noqa: E402


def show(png):
    """Open a written figure again: the docs gallery collects the figures left open."""
    image = plt.imread(png)
    ax = plt.figure(figsize=(image.shape[1] / 120, image.shape[0] / 120)).add_axes((0, 0, 1, 1))
    ax.imshow(image)
    ax.set_axis_off()


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=40)
    parser.add_argument('--out', default='out')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    accuracy = run(epochs=args.epochs, out=args.out, seed=args.seed)
    print(f'accuracy: {accuracy:.2f}')
    for name in ('training_curve.png', 'raster.png'):
        show(pathlib.Path(args.out) / name)
