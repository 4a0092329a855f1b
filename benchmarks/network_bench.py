"""Benchmark of the Izhikevich (2003) network: izhi_dyn vs brainpy-native, the NumPy
reference, NEST and Brian2 (runtime and cpp_standalone), plus the memory-traffic
bound of the sparse step. Writes ``benchmarks/network_results.json`` (every run)
and renders ``benchmarks/RESULTS.md`` from it (``report.py``).

Each implementation is a worker script (``worker_izhi_dyn.py``, ``worker_brainpy.py``,
``worker_numpy.py``, ``worker_nest.py``, ``worker_brian2.py``); processes, timing,
memory and the results file are ``harness.py``'s.

Every run is a fresh process started in an empty temporary directory: ``total`` is
the wall time of that whole process (import + build + compile + 1 s simulated) and
``peak`` its maximum RSS, children included (``os.wait4``; the Brian2 standalone
binary is a child of its worker). Repeats are interleaved over implementations and
sizes; tables show medians. Runs are appended to the JSON, so a benchmark can be
run in parts (e.g. one ``--sizes`` group per call) that merge into one table;
``--fresh`` starts a new file; ``--supersede`` keeps the earlier runs of what it
reruns but marks them superseded, so the tables show only the new ones. Brian2 runs in its own venv
(``benchmarks/.venv-brian2``, numpy<2.4, created on demand); a peer that cannot be
imported, does not fit in memory, fails or times out is recorded with a note.

    python benchmarks/network_bench.py                      # everything, 3 repeats
    python benchmarks/network_bench.py --sizes dense:1000,sparse:10000 --repeats 1
    python benchmarks/network_bench.py --impls izhi_dyn,brainpy --sizes sparse:100000
    python benchmarks/network_bench.py --render             # rebuild RESULTS.md from the JSON
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time

from harness import (IMPLS, K, NETWORK_JSON, bandwidth_in_subprocess, load_results, machine_info,
                     mem_available_bytes, parse_result, run_process, save_results, scatter_in_subprocess)
from report import render

HERE = pathlib.Path(__file__).resolve().parent
BRIAN_VENV = HERE / '.venv-brian2'
SIZES = 'dense:1000,dense:4000,dense:10000,sparse:10000,sparse:100000,sparse:1000000'
BRIAN = ('brian2_runtime', 'brian2_cpp_standalone')
THREADED = ('nest', 'brian2_cpp_standalone')  # --threads applies to these
# Peak resident bytes per synapse, from the smoke runs at 10^4-10^5 (NEST: 4.3 GB at 10^7
# synapses): a run whose estimate exceeds 80 % of the available memory is skipped, and a
# watchdog kills a run whose process tree outgrows --max-rss-gb.
BYTES_PER_SYNAPSE = {'izhi_dyn': 12, 'izhi_dyn_rec': 12, 'brainpy': 60, 'numpy_ref': 40, 'nest': 450,
                     'brian2_runtime': 60, 'brian2_cpp_standalone': 40}
# The worker script and variant of each implementation.
WORKERS = {'izhi_dyn': ('worker_izhi_dyn.py', None), 'izhi_dyn_rec': ('worker_izhi_dyn.py', 'rec'),
           'brainpy': ('worker_brainpy.py', None), 'numpy_ref': ('worker_numpy.py', None),
           'nest': ('worker_nest.py', None), 'brian2_runtime': ('worker_brian2.py', 'runtime'),
           'brian2_cpp_standalone': ('worker_brian2.py', 'cpp_standalone')}


# ----------------------------------------------------------------------------- peers
def ensure_brian2():
    """Python of the Brian2 venv (created on demand), or None with the reason."""
    py = BRIAN_VENV / 'bin' / 'python'
    if not py.exists():
        subprocess.run([sys.executable, '-m', 'venv', str(BRIAN_VENV)], check=False)
        subprocess.run([str(py), '-m', 'pip', 'install', '-q', 'brian2==2.9.0', 'numpy<2.4', 'cython', 'setuptools'],
                       check=False)
    probe = subprocess.run([str(py), '-c', 'import brian2'], capture_output=True, text=True) if py.exists() else None
    if probe is None or probe.returncode != 0:
        return None, 'brian2 venv not installable: ' + ((probe.stderr.strip().splitlines() or [''])[-1] if probe else '')
    return str(py), None


def peer_available(impl, brian_py):
    """None if ``impl`` can run here, else the reason it is skipped."""
    if impl in BRIAN:
        return brian_py[1]
    if impl == 'nest':
        probe = subprocess.run([sys.executable, '-c', 'import nest'], capture_output=True, text=True)
        if probe.returncode != 0:
            return 'nest-simulator not importable: ' + (probe.stderr.strip().splitlines() or [''])[-1][:100]
    return None


def run_one(impl, n, conn, brian_py, args):
    """One fresh-process run; returns its record."""
    rec = dict(impl=impl, conn=conn, n=n)
    n_syn = n * n if conn == 'dense' else n * K
    need = BYTES_PER_SYNAPSE[impl] * n_syn
    if need > 0.8 * mem_available_bytes():
        return {**rec, 'status': 'skipped', 'note': f'needs ~{need / 1e9:.1f} GB, '
                f'{mem_available_bytes() / 1e9:.1f} GB available'}
    script, variant = WORKERS[impl]
    cmd = [brian_py[0] if impl in BRIAN else sys.executable, str(HERE / script), str(n), conn, str(args.threads)]
    cmd += [variant] if variant else []
    code, out, err, wall, peak = run_process(cmd, args.timeout, max_rss_bytes=args.max_rss_gb * 1e9)
    if code in ('timeout', 'memory'):
        note = f'killed after {args.timeout:.0f} s' if code == 'timeout' else f'killed above {args.max_rss_gb} GB RSS'
        return {**rec, 'status': code, 'note': note, 'wall_s': wall, 'peak_mb': peak}
    result = parse_result(out)
    if code != 0 or result is None:
        tail = (err.strip().splitlines() or [f'exit code {code}'])[-1][:160]
        return {**rec, 'status': 'failed', 'note': tail, 'wall_s': wall, 'peak_mb': peak}
    return {**rec, 'status': 'ok', **result, 'wall_s': wall, 'peak_mb': peak}


# ----------------------------------------------------------------------------- session
def parse_sizes(text):
    sizes = []
    for item in text.split(','):
        conn, _, n = item.partition(':')
        if conn not in ('dense', 'sparse') or not n.isdigit():
            raise ValueError(f'--sizes item {item!r}: expected dense:N or sparse:N')
        sizes.append((conn, int(n)))
    return sizes


def parse_impls(text):
    impls = text.split(',')
    unknown = [i for i in impls if i not in IMPLS]
    if unknown:
        raise ValueError(f'--impls {unknown}: expected a subset of {IMPLS}')
    return impls


def wanted(impl, conn, n, args):
    """Whether ``impl`` runs at this size (izhi_dyn_rec is only needed for the sparse bound)."""
    if impl == 'izhi_dyn_rec':
        return conn == 'sparse'
    if impl == 'numpy_ref' and n > args.numpy_max_n:
        return False
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--sizes', default=SIZES, help=f'comma-separated dense:N / sparse:N (default {SIZES})')
    ap.add_argument('--impls', default=','.join(IMPLS))
    ap.add_argument('--timeout', type=float, default=900.0, help='per run (s); a killed run is recorded')
    ap.add_argument('--max-rss-gb', type=float, default=round(0.7 * mem_available_bytes() / 1e9, 1),
                    help='kill a run whose process tree exceeds this resident memory (default 70 %% of available)')
    ap.add_argument('--threads', type=int, default=1,
                    help='threads of NEST and Brian2 standalone (> 1 is listed as e.g. nest@2t)')
    ap.add_argument('--numpy-max-n', type=int, default=100_000, help='largest N for the (slow) NumPy loop')
    ap.add_argument('--fresh', action='store_true', help='discard earlier runs in the JSON')
    ap.add_argument('--supersede', action='store_true',
                    help="keep earlier runs of the sizes and implementations run now in the JSON, marked "
                         "'superseded' (the code changed): the tables show this session's runs of them")
    ap.add_argument('--render', action='store_true', help='only rebuild RESULTS.md from the JSON')
    args = ap.parse_args(argv)
    if args.render:
        render()
        return
    sizes, impls = parse_sizes(args.sizes), parse_impls(args.impls)
    if args.repeats < 1:
        raise ValueError(f'--repeats={args.repeats}: expected >= 1')
    data = {'sessions': [], 'runs': []} if args.fresh else load_results(NETWORK_JSON)
    brian_py = ensure_brian2() if any(i in BRIAN for i in impls) else (None, 'not requested')
    skip = {impl: peer_available(impl, brian_py) for impl in impls}
    session = dict(id=len(data['sessions']), started=time.strftime('%Y-%m-%d %H:%M:%S'),
                   command='python benchmarks/network_bench.py ' + ' '.join(sys.argv[1:] if argv is None else argv),
                   load_before=os.getloadavg(), machine=machine_info(), threads=args.threads, bandwidth=None)
    data['sessions'].append(session)
    if args.supersede:
        for r in data['runs']:
            if (r['conn'], r['n']) in sizes and r['impl'].split('@')[0] in impls:
                r.setdefault('superseded', session['id'])
    for rep in range(args.repeats):
        for conn, n in sizes:
            for impl in impls:
                if not wanted(impl, conn, n, args):
                    continue
                rec = ({'impl': impl, 'conn': conn, 'n': n, 'status': 'skipped', 'note': skip[impl]} if skip[impl]
                       else run_one(impl, n, conn, brian_py, args))
                if impl in THREADED and args.threads > 1:
                    rec['impl'] = f'{impl}@{args.threads}t'
                rec.update(session=session['id'], repeat=rep)
                data['runs'].append(rec)
                print(rep, conn, n, impl, {k: round(v, 3) if isinstance(v, float) else v for k, v in rec.items()
                                           if k not in ('impl', 'conn', 'n')}, flush=True)
                save_results(data, NETWORK_JSON)
    session['bandwidth'] = bandwidth_in_subprocess()
    session['scatter_ns'] = scatter_in_subprocess()
    session['load_after'] = os.getloadavg()
    session['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
    save_results(data, NETWORK_JSON)
    render()


if __name__ == '__main__':
    main()
