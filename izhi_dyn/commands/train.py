"""Train a recurrent Izhikevich network by BPTT on the spike-timing task.

Prints progress, writes ``training_curve.png`` and ``raster.png`` to ``--out``
and prints the final held-out accuracy as the last line (``accuracy: 0.93``).
"""

from __future__ import annotations

NAME = 'train'
HELP = 'train a recurrent Izhikevich SNN on a spike-timing task (BPTT, surrogate gradients)'


def add_arguments(parser):
    parser.add_argument('--epochs', type=int, default=40, help='training epochs (default: 40)')
    parser.add_argument('--out', default='out', help='output folder for the figures (default: out)')
    parser.add_argument('--seed', type=int, default=0, help='seed of data and initial weights (default: 0)')


def run(args):
    from izhi_dyn.spike_timing import run as run_example

    if args.epochs < 1:
        raise SystemExit(f'--epochs={args.epochs}: expected a positive number of epochs')
    accuracy = run_example(epochs=args.epochs, out=args.out, seed=args.seed)
    print(f'accuracy: {accuracy:.2f}')
    return 0
