"""Simulate the Izhikevich (2003) cortical network; write statistics (JSON) and a raster (PNG).

With no flags it reproduces the paper: 1000 neurons split 4:1, all-to-all, the
published scheme ``izhikevich2003`` at 1 ms, 1000 ms.

Long runs survive being killed: ``--checkpoint PATH --checkpoint-every MS``
writes the whole state (network variables, noise keys, step, recorded spikes)
every MS of simulated time, atomically, and ``--resume PATH`` with the same
arguments continues from it to ``--duration``, with the statistics and spikes
of the uninterrupted run, bit for bit.

Runs go across processes on JAX's multi-controller runtime: ``--coordinator
HOST:PORT --num-processes N --process-id I`` starts process I of N (each holds
its block of neurons and the synapses onto them; see
:mod:`izhi_dyn.networks.distributed`), and ``--processes N`` starts N such
processes on this machine over 127.0.0.1. The spikes are those of one
process, bit for bit; process 0 writes the outputs, and each process its own
checkpoint file (``PATH`` -> ``PATH stem.processIofN.npz``).
"""

from __future__ import annotations

import json
import os
import pathlib
import time

import numpy as np

NAME = 'network'
HELP = 'simulate the 2003 cortical network (raster over population rate, JSON statistics)'

#: Arguments that define the network and its numerics: a checkpoint only resumes a run with the same ones.
IDENTITY = ('n', 'seed', 'connectivity', 'k', 'method', 'dt', 'dtype', 'synapse_shards', 'processes')
#: Values of identity keys absent from checkpoints written before the key existed.
_IDENTITY_DEFAULTS = {'processes': 1}
#: Flags that place the run, not define it: ``--processes`` does not pass them on to the processes it starts.
_PLACEMENT = ('processes', 'coordinator', 'num_processes', 'process_id')


def add_arguments(parser):
    parser.add_argument('--n', type=int, default=1000, help='number of neurons (default 1000, split 4:1)')
    parser.add_argument('--duration', type=float, default=1000.0, help='simulated time in ms (default 1000)')
    parser.add_argument('--seed', type=int, default=0, help='seed of parameters, weights and noise (default 0)')
    parser.add_argument('--connectivity', choices=('dense', 'sparse'), default='dense',
                        help='dense all-to-all (the paper) or sparse fixed in-degree (default dense)')
    parser.add_argument('--k', type=int, default=100, help='in-degree for --connectivity sparse (default 100)')
    parser.add_argument('--method', default='izhikevich2003', help='integrator (default izhikevich2003)')
    parser.add_argument('--dt', type=float, default=1.0, help='time step in ms (default 1)')
    parser.add_argument('--x64', action='store_true', help='simulate in float64 (default float32)')
    parser.add_argument('--devices', type=int, default=1, help='shard neurons across this many JAX devices')
    parser.add_argument('--chunk', type=int, default=100, help='steps per compiled call (default 100)')
    parser.add_argument('--plot', default=None, help='write the raster over population rate to this PNG')
    parser.add_argument('--json', default=None, help='write the statistics to this JSON file')
    parser.add_argument('--spikes', default=None,
                        help='write the spike events to this .npz (times in ms, indices, steps)')
    parser.add_argument('--checkpoint', default=None, metavar='PATH',
                        help='write the full state to this .npz every --checkpoint-every ms and at the end')
    parser.add_argument('--checkpoint-every', type=float, default=None, metavar='MS',
                        help='simulated time between checkpoints (ms, a multiple of --dt)')
    parser.add_argument('--resume', default=None, metavar='PATH',
                        help='continue the run saved in this checkpoint (same network arguments) to --duration')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    group = parser.add_argument_group('across processes (jax.distributed)')
    group.add_argument('--processes', type=int, default=1, metavar='N',
                       help='run as N local processes talking over 127.0.0.1 (default 1)')
    group.add_argument('--coordinator', default=None, metavar='HOST:PORT',
                       help='address of process 0 of a multi-process run (with --num-processes, --process-id)')
    group.add_argument('--num-processes', type=int, default=None, metavar='N', help='processes in the run')
    group.add_argument('--process-id', type=int, default=None, metavar='I', help='this process, 0 to N-1')


def run(args):
    try:
        n_steps, every = _validate(args)
        if args.processes > 1:
            from izhi_dyn.networks.distributed import launch

            return launch(_forwarded(args), args.processes)
        if args.coordinator is not None:
            from izhi_dyn.networks.distributed import initialize

            initialize(args.coordinator, args.num_processes, args.process_id)  # before JAX computes anything
        from izhi_dyn.simulate import precision

        with precision('float64' if args.x64 else 'float32'):
            config = _identity(args)
            if args.resume:
                _check_identity(args.resume, config)
            return _simulate(args, config, n_steps, every)
    except ValueError as err:
        raise SystemExit(f'izhi-dyn network: error: {err}') from err


def _steps(value, dt, name, *, positive):
    n = int(round(value / dt)) if np.isfinite(value) else -1
    if (n < 1 if positive else n < 0) or abs(n * dt - value) > 1e-6 * max(1.0, value):
        kind = 'positive' if positive else 'non-negative'
        raise ValueError(f'{name} {value}: expected a {kind} multiple of --dt {dt}')
    return n


def _validate(args):
    """Steps to simulate and between checkpoints (None: no checkpoints), or ValueError.

    ``--dt`` is already a positive finite number: the CLI's flag checks ran first."""
    n_steps = _steps(args.duration, args.dt, '--duration', positive=False)
    if (args.checkpoint is None) != (args.checkpoint_every is None):
        raise ValueError(f'--checkpoint {args.checkpoint} --checkpoint-every {args.checkpoint_every}: '
                         f'give both or neither')
    every = None
    if args.checkpoint_every is not None:
        every = _steps(args.checkpoint_every, args.dt, '--checkpoint-every', positive=True)
    _validate_processes(args)
    if args.resume is not None and args.processes == 1:
        args.resume = _process_file(args, args.resume)
        if not os.path.isfile(args.resume):
            raise ValueError(f'--resume {args.resume}: no such checkpoint file')
    if args.checkpoint is not None:
        args.checkpoint = _process_file(args, args.checkpoint)
    return n_steps, every


def _validate_processes(args) -> None:
    """Check the multi-process flags; set ``args.rank`` and ``args.ranks`` (0 and 1 in one process)."""
    coord = (args.coordinator, args.num_processes, args.process_id)
    if any(x is not None for x in coord) and not all(x is not None for x in coord):
        raise ValueError('--coordinator, --num-processes and --process-id: give all three or none')
    if args.processes > 1 and args.coordinator is not None:
        raise ValueError('--processes starts its own processes: give it without --coordinator')
    if (args.processes > 1 or args.coordinator is not None) and args.devices > 1:
        raise ValueError('--devices: a multi-process run uses every device of every process (leave it at 1)')
    args.ranks, args.rank = (1, 0) if args.coordinator is None else (args.num_processes, args.process_id)
    if args.ranks < 1 or not 0 <= args.rank < args.ranks:
        raise ValueError(f'--process-id {args.rank}: expected 0 to --num-processes - 1 = {args.ranks - 1}')


def _process_file(args, path) -> str:
    from izhi_dyn.networks.distributed import process_path

    return str(process_path(path, args.rank, args.ranks))


def _forwarded(args) -> list:
    """The command line of this run without the placement flags (for the processes ``--processes`` starts)."""
    argv = []
    for action in args.command_parser._actions:  # noqa: SLF001 - argparse has no public list of a parser's options
        value = getattr(args, action.dest, None)
        if not action.option_strings or action.dest in _PLACEMENT or value is None or value == action.default:
            continue
        argv += [action.option_strings[0]] if action.nargs == 0 else [action.option_strings[0], str(value)]
    return argv


def _identity(args) -> dict:
    import brainpy.math as bm

    return {'n': args.n, 'seed': args.seed, 'connectivity': args.connectivity,
            'k': args.k if args.connectivity == 'sparse' else 0, 'method': args.method,
            'dt': float(args.dt), 'dtype': np.dtype(bm.float_).name,
            # sparse synapses are laid out per device (EventCSR sharding): a checkpoint resumes on as many
            'synapse_shards': _shards(args) if args.connectivity == 'sparse' and args.n % _shards(args) == 0 else 1,
            'processes': args.ranks}


def _shards(args) -> int:
    """Devices the network is sharded over: ``--devices``, or every device of every process."""
    if args.ranks == 1:
        return args.devices
    import jax

    return jax.device_count()


def _check_identity(path, config) -> None:
    from izhi_dyn.networks import NetworkRunner

    try:
        saved = NetworkRunner.read_metadata(path)
    except ValueError as err:
        raise ValueError(f'--resume {path}: not a checkpoint of izhi-dyn network') from err
    flags = {'dtype': '--x64', 'k': '--k', 'synapse_shards': '--devices (sparse synapses split over them)',
             'processes': '--num-processes (one checkpoint file per process)'}
    saved = {key: saved.get(key, _IDENTITY_DEFAULTS.get(key)) for key in IDENTITY}
    wrong = [f"{flags.get(key, '--' + key)}: checkpoint {saved[key]!r}, this run {config[key]!r}"
             for key in IDENTITY if saved[key] != config[key]]
    if wrong:
        raise ValueError(f'--resume {path} was written by a run with other arguments ({"; ".join(wrong)})')


def _build(args):
    if args.devices > 1 and 'xla_force_host_platform_device_count' not in os.environ.get('XLA_FLAGS', ''):
        import jax
        if jax.default_backend() == 'cpu' and len(jax.devices()) < args.devices:
            raise SystemExit(f'--devices {args.devices}: only {len(jax.devices())} JAX device(s); on CPU set '
                             f'XLA_FLAGS=--xla_force_host_platform_device_count={args.devices}')
    from izhi_dyn.networks import CorticalNetwork2003

    return CorticalNetwork2003(args.n, connectivity=args.connectivity,
                               k=args.k if args.connectivity == 'sparse' else None,
                               method=args.method, seed=args.seed,
                               devices=_shards(args) if _shards(args) > 1 else None)


def _simulate(args, config, n_steps, every):
    from izhi_dyn.networks import NetworkRunner, concatenate_results

    tic = time.perf_counter()
    net = _build(args)
    build_s = time.perf_counter() - tic
    runner = NetworkRunner(net, dt=args.dt, chunk=args.chunk)
    parts = []  # the events of the run so far, segment by segment
    if args.resume:
        parts.append(runner.restore(args.resume).events)
        if runner.step_index > n_steps:
            raise ValueError(f'--duration {args.duration}: the checkpoint {args.resume} is at '
                             f'{runner.step_index * args.dt} ms, past it')
    stops = list(range(every, n_steps, every)) if every else []
    stops = [s for s in stops if s > runner.step_index] + [n_steps]
    bar = None
    args.no_progress = args.no_progress or args.rank > 0  # one bar, process 0's
    if not args.no_progress and len(stops) > 1:
        from tqdm.auto import tqdm
        bar = tqdm(total=n_steps, initial=runner.step_index, unit='step', desc='network')
    sim_wall_s = 0.0
    for stop in stops:
        first = runner.step_index
        res = runner.run((stop - first) * args.dt, progress=not args.no_progress and bar is None)
        sim_wall_s += res.sim_wall_s
        parts.append(res)
        if args.checkpoint:
            parts = [concatenate_results(parts)]
            runner.save(args.checkpoint, parts[0], metadata=config)
        if bar is not None:
            bar.update(stop - first)
    if bar is not None:
        bar.close()
    res = concatenate_results(parts)._replace(sim_wall_s=sim_wall_s, compile_s=runner.compile_s)
    _report(args, net, res, build_s)
    return 0


def _report(args, net, res, build_s):
    from izhi_dyn.analysis.population import network_stats

    stats = network_stats(res.times, res.indices, res.n_exc, res.n_inh, res.duration)
    sim_ms = res.duration
    stats.update({
        'n': net.n, 'n_exc': net.n_exc, 'n_inh': net.n_inh, 'n_synapses': net.num_synapses,
        'connectivity': args.connectivity, 'method': args.method, 'dt_ms': args.dt, 'seed': args.seed,
        'duration_ms': res.duration, 'devices': _shards(args), 'processes': args.ranks,
        'build_s': build_s, 'compile_s': res.compile_s,
        'sim_wall_s': res.sim_wall_s,
        'realtime_factor': (res.sim_wall_s / (sim_ms * 1e-3)) if sim_ms > 0 else float('nan'),
    })
    if args.rank > 0:  # process 0 writes the outputs (every process has every event)
        return
    print(' '.join(f'{k}={v:.4g}' if isinstance(v, float) else f'{k}={v}' for k, v in stats.items()))
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(stats, fh, indent=2)
    if args.spikes:
        np.savez(pathlib.Path(args.spikes), times=res.times, indices=res.indices, steps=res.steps,
                 dt=res.dt, n_exc=res.n_exc, n_inh=res.n_inh)
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
