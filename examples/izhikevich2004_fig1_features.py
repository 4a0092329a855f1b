"""Izhikevich (2004), Fig. 1: the 20 neuro-computational features of the simple model.
===================================================================================

Reproduces every panel (A tonic spiking ... T inhibition-induced bursting)
with the author's published protocols and numerics (``izhikevich2004`` scheme,
the published time step per feature, float64): the spike samples equal those
of the author's code. Prints each feature's spike times and its firing-pattern
label, and saves the gallery.

    python examples/izhikevich2004_fig1_features.py [--out out] [--fast]

``--fast`` skips the float32 comparison.

Reference: E. M. Izhikevich, "Which model to use for cortical spiking
neurons?", IEEE Trans. Neural Netw. 15(5):1063-1070, 2004.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use('Agg')
import numpy as np  # noqa: E402

from izhi_dyn import classify_pattern, simulate_many  # noqa: E402
from izhi_dyn.plotting.gallery import plot_gallery  # noqa: E402
from izhi_dyn.presets import FEATURES_2004  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='out')
    parser.add_argument('--fast', action='store_true', help='skip the float32 comparison')
    args = parser.parse_args(argv)
    sims = simulate_many(FEATURES_2004, dtype='float64')
    for key, sim in sims.items():
        label = classify_pattern(sim.spike_times, 0.0, sim.ts[-1])
        print(f'{sim.preset.code} {key:30s} {label:16s} {np.round(sim.spike_times, 2).tolist()}')
    if not args.fast:
        f32 = simulate_many(FEATURES_2004, dtype='float32')
        moved = [k for k in FEATURES_2004 if not np.array_equal(f32[k].spike_times, sims[k].spike_times)]
        print('features whose spikes move in float32:', moved)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig = plot_gallery(sims, title='Izhikevich (2004) Fig. 1')
    fig.savefig(out / 'izhikevich2004_fig1.png', dpi=110, bbox_inches='tight')
    print(f'wrote {out / "izhikevich2004_fig1.png"}')


if __name__ == '__main__':
    main()
