"""Simulate the Izhikevich (2003) cortical network; write statistics (JSON) and a raster (PNG).

With no flags it reproduces the paper: 1000 neurons split 4:1, all-to-all, the
published scheme ``izhikevich2003`` at 1 ms, 1000 ms.
"""

from __future__ import annotations

import json
import os
import time

NAME = 'network'
HELP = 'simulate the 2003 cortical network (raster over population rate, JSON statistics)'


def add_arguments(parser):
    parser.add_argument('--n', type=int, default=1000, help='number of neurons (default 1000, split 4:1)')
    parser.add_argument('--duration', type=float, default=1000.0, help='simulated time in ms (default 1000)')
    parser.add_argument('--seed', type=int, default=0, help='seed of parameters, weights and noise (default 0)')
    parser.add_argument('--connectivity', choices=('dense', 'sparse'), default='dense',
                        help='dense all-to-all (the paper) or sparse fixed in-degree (default dense)')
    parser.add_argument('--k', type=int, default=100, help='in-degree for --connectivity sparse (default 100)')
    parser.add_argument('--method', default='izhikevich2003', help='integrator (default izhikevich2003)')
    parser.add_argument('--dt', type=float, default=1.0, help='time step in ms (default 1)')
    parser.add_argument('--devices', type=int, default=1, help='shard neurons across this many JAX devices')
    parser.add_argument('--chunk', type=int, default=100, help='steps per compiled call (default 100)')
    parser.add_argument('--plot', default=None, help='write the raster over population rate to this PNG')
    parser.add_argument('--json', default=None, help='write the statistics to this JSON file')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')


def run(args):
    if args.devices > 1 and 'xla_force_host_platform_device_count' not in os.environ.get('XLA_FLAGS', ''):
        import jax
        if jax.default_backend() == 'cpu' and len(jax.devices()) < args.devices:
            raise SystemExit(f'--devices {args.devices}: only {len(jax.devices())} JAX device(s); on CPU set '
                             f'XLA_FLAGS=--xla_force_host_platform_device_count={args.devices}')
    from izhi_dyn.analysis.population import network_stats
    from izhi_dyn.networks import CorticalNetwork2003, NetworkRunner

    tic = time.perf_counter()
    net = CorticalNetwork2003(args.n, connectivity=args.connectivity,
                              k=args.k if args.connectivity == 'sparse' else None,
                              method=args.method, seed=args.seed,
                              devices=args.devices if args.devices > 1 else None)
    build_s = time.perf_counter() - tic
    runner = NetworkRunner(net, dt=args.dt, chunk=args.chunk)
    res = runner.run(args.duration, progress=not args.no_progress)
    stats = network_stats(res.times, res.indices, res.n_exc, res.n_inh, res.duration)
    sim_ms = res.duration
    stats.update({
        'n': net.n, 'n_exc': net.n_exc, 'n_inh': net.n_inh, 'n_synapses': net.num_synapses,
        'connectivity': args.connectivity, 'method': args.method, 'dt_ms': args.dt, 'seed': args.seed,
        'duration_ms': res.duration, 'devices': args.devices,
        'build_s': build_s, 'compile_s': res.compile_s,
        'sim_wall_s': res.sim_wall_s,
        'realtime_factor': (res.sim_wall_s / (sim_ms * 1e-3)) if sim_ms > 0 else float('nan'),
    })
    print(' '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in stats.items()))
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(stats, fh, indent=2)
    if args.plot:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt

        from izhi_dyn.plotting.raster import plot_raster
        ax_r, _ = plot_raster(res.times, res.indices, n_exc=res.n_exc, duration=res.duration,
                              n_neurons=net.n, title=f'Izhikevich (2003) network, N={net.n}, seed {args.seed}')
        ax_r.figure.tight_layout()
        ax_r.figure.savefig(args.plot, dpi=120)
        plt.close(ax_r.figure)
    return 0
