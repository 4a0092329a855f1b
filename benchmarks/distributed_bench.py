"""The 2003 network across 1, 2 and 4 processes (jax.distributed, gloo over 127.0.0.1): memory, time, traffic.

Each process is ``izhi-dyn network ... --coordinator 127.0.0.1:PORT --num-processes P
--process-id I`` in a fresh process (:func:`harness.run_process`: peak RSS of that process
alone). Printed per network and process count: peak RSS of each process, the wall time of
the whole run (start of the processes to the end of the last), and process 0's build,
compile and simulation times. Every run's spikes are checked against the 1-process run.

Traffic per step is measured, not guessed: one extra 2-process run dumps its optimised
XLA program (``--xla_dump_to``), and the collectives inside the step loop (all-gather,
all-reduce, collective-permute) are read off it with their shapes; the bytes a process
receives per step follow, and are extrapolated to N neurons on P processes.

``--baseline DIR`` runs every row also on another source tree of izhi_dyn (``PYTHONPATH=DIR``,
e.g. ``git archive COMMIT | tar -x -C DIR`` plus its built ``_fused_step*.so``), interleaved with
this tree's runs; ``--repeats R`` repeats each row and reports medians (peak RSS per process,
wall, build, compile, step).

Usage: ``python benchmarks/distributed_bench.py [--sizes dense:2000,sparse:20000] [--k 100] [--duration 100]
[--processes 1,2,4] [--repeats 1] [--baseline DIR] [--out FILE]`` (the load of a shared 2-core machine
makes every figure an upper bound). The report is printed and written to ``benchmarks/DISTRIBUTED.md``
(or ``--out``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import re
import socket
import statistics
import sys
import tempfile
import threading
import time

import harness

MAX_RSS_BYTES = 6 * 2**30  # a process over this is killed (a shared machine)
_COLLECTIVE = re.compile(r'= (\(?[a-z0-9\[\], ]+\)?)(?:\{[^}]*\})? (all-gather|all-reduce|collective-permute)\(')
_ARRAY = re.compile(r'([a-z]+)(\d*)\[([\d,]*)\]')


def _nbytes(shape_text):
    """Bytes of an HLO shape such as ``f32[40]`` or ``(s32[], s32[])``."""
    total = 0
    for kind, bits, dims in _ARRAY.findall(shape_text):
        size = 1
        for d in filter(None, dims.split(',')):
            size *= int(d)
        total += size * (1 if kind == 'pred' else int(bits) // 8)
    return total


def _cli(args, outdir, processes, rank, port, dump=None, tree=None):
    cmd = [sys.executable, '-m', 'izhi_dyn.cli', 'network', *args, '--no-progress']
    if processes > 1:
        cmd += ['--coordinator', f'127.0.0.1:{port}', '--num-processes', str(processes), '--process-id', str(rank)]
    if rank == 0:
        cmd += ['--json', str(outdir / 'stats.json'), '--spikes', str(outdir / 'spikes.npz')]
    env = dict(os.environ, JAX_PLATFORMS='cpu')
    if tree:
        env['PYTHONPATH'] = str(pathlib.Path(tree).resolve())
    if dump:
        env['XLA_FLAGS'] = f'--xla_dump_to={dump} --xla_dump_hlo_as_text'
    return cmd, env


def run(args, processes, timeout, dump=None, tree=None):
    """Start ``processes`` processes of one run; return per-process (rc, wall, peak MB), process 0's stats
    and the digest of its spikes."""
    with socket.socket() as s:  # a free port (not izhi_dyn's helper: this parent imports nothing large)
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        outdir = pathlib.Path(tmp)
        results = [None] * processes

        def one(rank):
            cmd, env = _cli(args, outdir, processes, rank, port, dump, tree)
            rc, _, err, wall, peak = harness.run_process(cmd, timeout, env=env, max_rss_bytes=MAX_RSS_BYTES)
            results[rank] = (rc, wall, peak, err[-2000:])

        threads = [threading.Thread(target=one, args=(r,)) for r in range(processes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failed = [r for r in results if r[0] != 0]
        if failed:
            raise RuntimeError(f'{processes} processes: rc {failed[0][0]}\n{failed[0][3]}')
        stats = json.loads((outdir / 'stats.json').read_text())
        digest = hashlib.sha256((outdir / 'spikes.npz').read_bytes()).hexdigest()
    return results, stats, digest


def collectives(dump):
    """``[(op, shape, bytes)]`` of the collectives in the largest optimised module (the step loop)."""
    modules = sorted(pathlib.Path(dump).glob('*after_optimizations.txt'), key=lambda p: p.stat().st_size)
    text = modules[-1].read_text()
    return [(op, shape, _nbytes(shape)) for shape, op in _COLLECTIVE.findall(text)]


def _row(conn, n, processes, tree, runs, reference):
    """One table row from the repeats ``runs`` (``[(results, stats, digest)]``): medians."""
    med = statistics.median
    peaks = ' / '.join(f'{med(r[0][i][2] for r in runs):.0f}' for i in range(processes))
    stats = [r[1] for r in runs]
    steps = stats[0]['duration_ms'] / stats[0]['dt_ms']
    same = 'yes' if all(r[2] == reference for r in runs) else 'NO'
    return (f"| {conn} | {n} | {stats[0]['n_synapses']:.2e} | {processes} | {tree} | {peaks} | "
            f"{med(max(x[1] for x in r[0]) for r in runs):.1f} | {med(s['build_s'] for s in stats):.2f} | "
            f"{med(s['compile_s'] for s in stats):.2f} | {1e3 * med(s['sim_wall_s'] for s in stats) / steps:.1f} | "
            f"{same} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', default='dense:2000,sparse:20000')
    parser.add_argument('--k', default='100', help='in-degree of the sparse networks')
    parser.add_argument('--duration', default='100')
    parser.add_argument('--processes', default='1,2,4')
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument('--baseline', default=None, help='another izhi_dyn source tree, run interleaved')
    parser.add_argument('--out', default=str(harness.HERE / 'DISTRIBUTED.md'))
    parser.add_argument('--timeout', type=float, default=900)
    opts = parser.parse_args(argv)
    counts = [int(p) for p in opts.processes.split(',')]
    trees = {'this': None, **({'baseline': opts.baseline} if opts.baseline else {})}
    lines = []
    out = lines.append  # the report: printed and written to DISTRIBUTED.md
    info = harness.machine_info()
    flags = ' '.join(a for a in (argv if argv is not None else sys.argv[1:]))
    out('# The 2003 network across processes (jax.distributed, gloo over 127.0.0.1)\n')
    out(f'Generated by `python benchmarks/distributed_bench.py {flags}` '
        f'({time.strftime("%Y-%m-%d %H:%M")}); {info["cpu"]}, {info["cores"]} cores, {info["mem_gb"]} GB, '
        f'load average before {os.getloadavg()}; {info["versions"]}. A shared, loaded machine: times are upper '
        f'bounds. {opts.repeats} run(s) per row, medians. Peak RSS of each process; wall = start of the processes '
        f'to the end of the last; build, compile and ms / step from process 0\'s `--json`. Spikes are compared '
        f'with the 1-process run of the same tree.\n')
    if opts.baseline:
        out(f'Trees: `this` (the working tree), `baseline` ({opts.baseline}), runs interleaved.\n')
    out('| network | N | synapses | processes | tree | peak RSS per process (MB) | wall (s) | build (s) | '
        'compile (s) | ms / step | spikes = 1 process |')
    out('|---|---|---|---|---|---|---|---|---|---|---|')
    for item in opts.sizes.split(','):
        conn, n = item.split(':')
        args = ['--n', n, '--connectivity', conn, '--duration', opts.duration]
        args += ['--k', opts.k] if conn == 'sparse' else []
        reference = {}
        for p in counts:
            runs = {name: [] for name in trees}
            for _ in range(opts.repeats):
                for name, tree in trees.items():
                    runs[name].append(run(args, p, opts.timeout, tree=tree))
            for name in trees:
                reference.setdefault(name, runs[name][0][2])
                out(_row(conn, n, p, name, runs[name], reference[name]))
                sys.stderr.write(lines[-1] + '\n')
    with tempfile.TemporaryDirectory() as dump:
        conn, n = opts.sizes.split(',')[0].split(':')
        extra = ['--k', opts.k] if conn == 'sparse' else []
        run(['--n', n, '--connectivity', conn, '--duration', '10', '--chunk', '10', *extra], 2, opts.timeout,
            dump=dump)
        ops = collectives(dump)
    out(f'\nCollectives per step ({conn}, N = {n}, 2 processes), from the optimised XLA program:')
    for op, shape, nbytes in ops:
        out(f'- {op} {shape}: {nbytes} B')
    gathered = sum(b for op, _, b in ops if op == 'all-gather')  # the whole vector, N entries
    out(f'all-gather: {gathered} B per step for N = {n} ({gathered / int(n):.2f} B per neuron); a process '
          f'receives (P - 1) / P of it. Per process and step at N = 10^6, P = 16: '
          f'{gathered / int(n) * 1e6 * 15 / 16 / 1e6:.2f} MB, {len(ops)} collectives.')
    out(f'\nLoad average after: {os.getloadavg()}')
    out('\nReading: each process holds 1/P of the state and draws only the synapses onto its own neurons '
        '(networks.RandomSynapses: one counter-based stream per block of target neurons, so the network is that '
        'of one process), so its peak RSS is the runtime (Python, JAX, brainpy: ~500 MB) plus its share of the '
        'synapses (sparse rows padded to the longest device share), the build\'s per-block temporaries and the '
        'transfer copies; a `baseline` tree that draws the whole connectivity in every process shows what that '
        'saves. More processes than cores (4 on 2 here) make every collective wait for a descheduled peer. The '
        'step gathers the spike vector several times (for the projection, for recording, as bool and as bytes) '
        'and moves currents between the population and the concatenated layouts (collective-permute); one '
        'bit-packed gather per step would cut the traffic about 16-fold.')
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    pathlib.Path(opts.out).write_text(text)


if __name__ == '__main__':
    main()
