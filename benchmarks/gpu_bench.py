"""The 2003 network on a GPU: izhi_dyn against brainpy-native on the same device (issue 14).

Each run is a fresh process of a network worker (1000 steps of 1 ms, spike counts only,
compilation excluded from sim, as in ``network_bench.py``), forced onto the GPU with
``JAX_PLATFORMS=cuda``:

* ``izhi_dyn``: ``worker_izhi_dyn.py`` with ``kernel='jax'`` (the native step is a CPU
  kernel): brainevent's GPU event kernels, XLA's neuron update, the counter-based noise;
* ``brainpy``: ``worker_brainpy.py``, brainpy's own network (forward Euler) on the same
  brainevent kernels.

``--sizes`` run both, interleaved over ``--repeats``. ``--largest`` sizes run izhi_dyn alone,
in the given (increasing) order, until one fails: the largest network that fits, with the
device memory it held at its peak (XLA's allocator count). A run that fails with
brainevent's default GPU backend is retried once with ``--fallback-backend``, which is
then used for every later run (its ``backend`` field says so). The whole benchmark keeps
within ``--budget`` seconds: a run's timeout is cut to what is left, and none starts with
less than 30 s left. Every run is appended to ``--out`` as it ends; a markdown table of
medians is printed at the end; ``--report`` prints that table for every run in ``--out``
(all sessions) without running anything.

    python benchmarks/gpu_bench.py --sizes dense:1000,dense:4000,dense:10000,sparse:10000,sparse:100000,sparse:1000000 --largest sparse:3000000,sparse:10000000
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

from harness import load_results, machine_info, parse_result, run_process, save_results

HERE = pathlib.Path(__file__).resolve().parent
IMPLS = {'izhi_dyn': ('worker_izhi_dyn.py', 'jax'), 'brainpy': ('worker_brainpy.py', None)}


def gpu_info():
    """Name, driver and memory of the GPUs, as ``nvidia-smi`` reports them ('' without one)."""
    query = ['nvidia-smi', '--query-gpu=name,driver_version,memory.total', '--format=csv,noheader']
    try:
        return subprocess.run(query, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ''


def run_one(impl, conn, n, timeout, backend, platform):
    script, variant = IMPLS[impl]
    cmd = [sys.executable, str(HERE / script), str(n), conn, '1'] + ([variant] if variant else [])
    env = {**os.environ, 'JAX_PLATFORMS': platform, **({'BRAINEVENT_GPU_BACKEND': backend} if backend else {})}
    code, out, err, wall, peak = run_process(cmd, timeout, env=env)
    record = {'impl': impl, 'conn': conn, 'n': n, 'backend': backend or 'default'}
    result = parse_result(out) if code == 0 else None
    if result is None:
        return {**record, 'status': 'failed', 'note': (err.strip().splitlines() or [str(code)])[-1][:200]}
    return {**record, 'status': 'ok', **result, 'wall_s': wall, 'peak_mb': peak}


def table(runs):
    keys = sorted({(r['conn'], r['n']) for r in runs}, key=lambda k: (k[0], k[1]))
    lines = ['| connectivity | N | synapses | impl | runs ok | sim (s) | ms / step | compile (s) | build (s) '
             '| total (s) | device peak (GB) | rate E (Hz) | izhi_dyn / brainpy sim |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for conn, n in keys:
        med = {}
        for impl in IMPLS:
            mine = [r for r in runs if (r['impl'], r['conn'], r['n']) == (impl, conn, n)]
            ok = [r for r in mine if r['status'] == 'ok']
            if ok:
                med[impl] = {k: statistics.median(r.get(k, float('nan')) for r in ok)
                             for k in ('sim_s', 'n_steps', 'compile_s', 'build_s', 'wall_s', 'device_peak_mb', 'rate_e', 'n_syn')}
            if mine and not ok:
                lines.append(f'| {conn} | {n} | | {impl} | 0/{len(mine)} | | | | | | | | {mine[-1]["note"]} |')
            elif ok:
                m = med[impl]
                ratio = (f'{med["izhi_dyn"]["sim_s"] / med["brainpy"]["sim_s"]:.2f}'
                         if impl == 'brainpy' and 'izhi_dyn' in med else '')
                lines.append(f'| {conn} | {n} | {m["n_syn"]:.2e} | {impl} | {len(ok)}/{len(mine)} | {m["sim_s"]:.3f} '
                             f'| {m["sim_s"] / m["n_steps"] * 1e3:.3f} | {m["compile_s"]:.2f} | {m["build_s"]:.2f} '
                             f'| {m["wall_s"]:.2f} | {m["device_peak_mb"] / 1024:.2f} | {m["rate_e"]:.1f} | {ratio} |')
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sizes', default='dense:1000,dense:4000,dense:10000,sparse:10000,sparse:100000,sparse:1000000')
    ap.add_argument('--largest', default='', help='izhi_dyn-only sizes, increasing, run until one fails')
    ap.add_argument('--repeats', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=300.0, help='seconds per run')
    ap.add_argument('--budget', type=float, default=float('inf'), help='seconds for the whole benchmark')
    ap.add_argument('--fallback-backend', default='jax_raw')
    ap.add_argument('--platform', default='cuda', help="JAX_PLATFORMS of the runs ('cpu' to try the script)")
    ap.add_argument('--out', default=str(HERE / 'gpu_results.json'))
    ap.add_argument('--report', action='store_true', help='print the table of the runs in --out and stop')
    args = ap.parse_args(argv)
    if args.report:
        print(table(load_results(args.out)['runs']))
        return

    def parse(text):
        return [(c, int(float(n))) for c, _, n in (s.partition(':') for s in text.split(',') if s)]

    data = load_results(args.out)
    session = {'id': len(data['sessions']), 'command': ' '.join(['python', 'benchmarks/gpu_bench.py'] + sys.argv[1:]),
               'started': time.strftime('%Y-%m-%d %H:%M:%S'), 'gpu': gpu_info(), **machine_info()}
    data['sessions'].append(session)
    start, backend, runs = time.perf_counter(), None, []

    def time_left():
        return args.budget - (time.perf_counter() - start)

    def attempt(impl, conn, n, rep):
        nonlocal backend
        rec = run_one(impl, conn, n, min(args.timeout, time_left()), backend, args.platform)
        if rec['status'] != 'ok' and backend is None and time_left() > 30:
            print(impl, conn, n, 'failed with the default backend:', rec['note'], flush=True)
            backend = args.fallback_backend
            rec = {**run_one(impl, conn, n, min(args.timeout, time_left()), backend, args.platform),
                   'default_backend_error': rec['note']}
        rec.update(session=session['id'], repeat=rep)
        runs.append(rec)
        data['runs'].append(rec)
        save_results(data, args.out)
        print(rep, conn, n, impl, rec['backend'], rec.get('sim_s', rec.get('note')),
              f"{time.perf_counter() - start:.0f} s", flush=True)
        return rec['status'] == 'ok'

    for rep in range(args.repeats):
        for conn, n in parse(args.sizes):
            for impl in IMPLS:
                if time_left() > 30:
                    attempt(impl, conn, n, rep)
    for conn, n in parse(args.largest):
        if time_left() <= 30 or not attempt('izhi_dyn', conn, n, 0):
            break
    session['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
    save_results(data, args.out)
    print(session['gpu'])
    print(table(runs))


if __name__ == '__main__':
    main()
