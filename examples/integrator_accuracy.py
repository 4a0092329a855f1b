"""
Spike-time accuracy of the integrators
======================================

The measured accuracy behind the integrator guide: the median error of the
first five spike times of a tonic RS neuron (I = 10, 200 ms) against a
float64 ``scipy.integrate.solve_ivp`` reference with event detection, for
each integrator and time step. The numbers are those of
``benchmarks/ACCURACY.md``, produced by ``python benchmarks/accuracy.py``;
this script only plots them. The published schemes (``izhikevich2003``,
``izhikevich2004``) and every explicit Runge-Kutta method are first order in
spike time, whatever their order on smooth problems, because the threshold is
detected only at the end of a step; ``riccati`` finds the crossing inside the
step and is second order.

Run ``python examples/integrator_accuracy.py --out out``; it writes
``integrator_accuracy.png``.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# sphinx-gallery runs the script from examples/ without __file__
_HERE = pathlib.Path(globals().get('__file__', pathlib.Path.cwd() / 'x.py')).resolve().parent
TABLE = _HERE.parent / 'benchmarks' / 'ACCURACY.md'
SHOWN = ('euler', 'izhikevich2003', 'izhikevich2004', 'exp_auto', 'rk2', 'rk4', 'riccati')


def read_table(path):
    """Return (dts, {method: median errors}, {method: measured order}) from the markdown table."""
    rows = [line.strip().strip('|').split('|') for line in path.read_text().splitlines() if line.startswith('|')]
    header = [h.strip() for h in rows[0]]
    dts = [float(h.split('=')[1]) for h in header if h.startswith('dt=')]
    first = header.index(f'dt={dts[0]:g}')
    errors, orders = {}, {}
    for row in rows[2:]:
        cells = [c.strip() for c in row]
        errors[cells[0]] = [float(c.split('/')[0]) for c in cells[first:first + len(dts)]]
        orders[cells[0]] = float(cells[-1])
    return np.array(dts), errors, orders


def main(argv=None):
    parser = argparse.ArgumentParser(description='plot the measured integrator accuracy')
    parser.add_argument('--out', default='out', help='output folder')
    parser.add_argument('--fast', action='store_true', help='accepted for uniformity; nothing is simulated')
    args = parser.parse_args(argv)
    dts, errors, orders = read_table(TABLE)
    fig, ax = plt.subplots(figsize=(9, 5))
    for name in SHOWN:
        ax.loglog(dts, errors[name], 'o-' if name == 'riccati' else '.-', lw=2.0 if name == 'riccati' else 1.0,
                  label=f'{name} (measured order {orders[name]:.2f})')
    for order, style in ((1, ':'), (2, '--')):
        ax.loglog(dts, 0.5 * errors['riccati'][0] * 1e5 ** (order == 1) * (dts / dts[0]) ** order, 'k',
                  ls=style, lw=0.7, label=f'slope {order}')
    ax.set_xlabel('time step dt (ms)')
    ax.set_ylabel('median spike-time error (ms)')
    ax.set_title('spike times vs solve_ivp (RS, I = 10)', fontsize=10)
    ax.legend(fontsize=8, loc='center left', bbox_to_anchor=(1.01, 0.5))  # off the riccati line
    fig.tight_layout()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / 'integrator_accuracy.png'
    fig.savefig(path, dpi=110)
    print(f'wrote {path}')


if __name__ == '__main__':
    main()
