"""Benchmark of the Izhikevich (2003) network: izhi_dyn vs brainpy-native, the NumPy
reference, NEST and Brian2 (runtime and cpp_standalone). Writes benchmarks/RESULTS.md.

Every run is a fresh subprocess (``--worker``), so the total process wall time
(import + build + compile + 1 s simulated) and the peak RSS (``os.wait4``) are
those of that run alone. Repeats are interleaved over implementations; medians
are reported. Brian2 runs in its own venv (benchmarks/.venv-brian2, created on
demand); a peer that cannot be installed or fails is reported as skipped.

    python benchmarks/network_bench.py [--repeats 3] [--quick] [--sizes dense:1000,sparse:100000]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
BRIAN_VENV = HERE / '.venv-brian2'
T_MS = 1000.0
K = 100


# ----------------------------------------------------------------------------- workers
def worker_izhi_dyn(n, conn, T):
    t0 = time.perf_counter()
    import izhi_dyn.networks as nw
    t1 = time.perf_counter()
    net = nw.CorticalNetwork2003(n, connectivity=conn, k=K if conn == 'sparse' else None, seed=0)
    t2 = time.perf_counter()
    runner = nw.NetworkRunner(net, chunk=100, record=False)
    runner.compile()
    res = runner.run(T)
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=runner.compile_s, sim_s=res.sim_wall_s,
                n_syn=net.num_synapses, rate_e=res.counts_exc.sum() / net.n_exc / (T / 1e3),
                rate_i=res.counts_inh.sum() / net.n_inh / (T / 1e3))


def worker_brainpy(n, conn, T):
    """The usual brainpy way: bp.dyn.Izhikevich + FullProjDelta + AllToAll / EventCSRLinear + DSRunner."""
    t0 = time.perf_counter()
    import brainpy as bp
    import brainpy.math as bm
    import numpy as np
    t1 = time.perf_counter()
    ne, ni = int(0.8 * n), n - int(0.8 * n)
    rng = np.random.default_rng(0)
    re, ri = rng.random(ne), rng.random(ni)
    scale = 1000.0 / (n if conn == 'dense' else K)

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            # brainpy 2.8.2 rejects an array ``c`` (offset_scaling compares it to 0): set it afterwards
            self.E = bp.dyn.Izhikevich(ne, a=0.02, b=0.2, c=-65., d=8.,
                                       V_initializer=bp.init.OneInit(-65.), method='euler')
            self.E.c, self.E.d = bm.asarray(-65 + 15 * re**2), bm.asarray(8 - 6 * re**2)
            self.I = bp.dyn.Izhikevich(ni, a=0.02, b=0.2, c=-65., d=2.,
                                       V_initializer=bp.init.OneInit(-65.), method='euler')
            self.I.a, self.I.b = bm.asarray(0.02 + 0.08 * ri), bm.asarray(0.25 - 0.05 * ri)
            self.I.u.value = self.I.b * self.I.V.value
            for pk, pre, npre, g in (('E', self.E, ne, 0.5), ('I', self.I, ni, -1.0)):
                for qk, post, npost in (('E', self.E, ne), ('I', self.I, ni)):
                    if conn == 'dense':
                        comm = bp.dnn.AllToAll(npre, npost, g * scale * rng.random((npre, npost)))
                    else:
                        comm = bp.dnn.EventCSRLinear(bp.conn.FixedProb(K / n, pre=npre, post=npost, seed=1),
                                                     bp.init.Uniform(0, g * scale) if g > 0 else
                                                     bp.init.Uniform(g * scale, 0))
                    setattr(self, pk + qk, bp.dyn.FullProjDelta(pre, 0., comm, post))

        def update(self):
            for p in ('EE', 'EI', 'IE', 'II'):
                getattr(self, p)()
            self.E(5. * bm.random.randn(ne))
            self.I(2. * bm.random.randn(ni))

    net = Net()
    t2 = time.perf_counter()
    runner = bp.DSRunner(net, monitors={'ne': lambda: bm.sum(net.E.spike), 'ni': lambda: bm.sum(net.I.spike)},
                         progress_bar=False, dt=1.0)
    tc = time.perf_counter()
    runner.run(10.0)  # trace + compile (DSRunner retraces per call: counted once here)
    compile_s = time.perf_counter() - tc
    ts = time.perf_counter()
    runner.run(T)
    sim_s = time.perf_counter() - ts - compile_s  # minus its own retrace + compile, measured above
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=compile_s, sim_s=max(sim_s, 0.0),
                n_syn=n * n if conn == 'dense' else int(K * n),
                rate_e=float(np.sum(runner.mon['ne'])) / ne / (T / 1e3),
                rate_i=float(np.sum(runner.mon['ni'])) / ni / (T / 1e3))


def worker_numpy(n, conn, T):
    t0 = time.perf_counter()
    import numpy as np
    sys.path.insert(0, str(HERE.parent / 'tests'))
    import reference_network as ref
    t1 = time.perf_counter()
    if conn != 'dense':
        raise NotImplementedError('the NumPy reference is the paper\'s dense loop')
    ts = time.perf_counter()
    times, idx = ref.simulate(n, int(T), seed=0)
    ne = int(round(0.8 * n))
    return dict(import_s=t1 - t0, build_s=0.0, compile_s=0.0, sim_s=time.perf_counter() - ts, n_syn=n * n,
                rate_e=np.sum(idx < ne) / ne / (T / 1e3), rate_i=np.sum(idx >= ne) / (n - ne) / (T / 1e3))


def worker_nest(n, conn, T):
    t0 = time.perf_counter()
    import nest
    import numpy as np
    t1 = time.perf_counter()
    nest.set_verbosity('M_ERROR')
    nest.ResetKernel()
    nest.SetKernelStatus({'resolution': 1.0, 'local_num_threads': 1, 'rng_seed': 1})
    ne, ni = int(0.8 * n), n - int(0.8 * n)
    rng = np.random.default_rng(0)
    re, ri = rng.random(ne), rng.random(ni)
    E = nest.Create('izhikevich', ne, params={'a': 0.02, 'b': 0.2, 'c': list(-65 + 15 * re**2),
                                              'd': list(8 - 6 * re**2), 'V_m': -65., 'U_m': -13.,
                                              'consistent_integration': False})
    I = nest.Create('izhikevich', ni, params={'a': list(0.02 + 0.08 * ri), 'b': list(0.25 - 0.05 * ri),
                                              'c': -65., 'd': 2., 'V_m': -65., 'consistent_integration': False})
    I.U_m = list((0.25 - 0.05 * ri) * -65.)
    scale = 1000.0 / (n if conn == 'dense' else K)
    for pre, g in ((E, 0.5), (I, -1.0)):
        for post in (E, I):
            lo, hi = (0., g * scale) if g > 0 else (g * scale, 0.)
            rule = {'rule': 'all_to_all'} if conn == 'dense' else {'rule': 'fixed_indegree',
                                                                   'indegree': int(K * len(pre) / n)}
            nest.Connect(pre, post, rule, {'synapse_model': 'static_synapse', 'delay': 1.0,
                                           'weight': nest.random.uniform(lo, hi)})
    for pop, sd in ((E, 5.), (I, 2.)):
        ng = nest.Create('noise_generator', params={'mean': 0., 'std': sd, 'dt': 1.0})
        nest.Connect(ng, pop)
    sr = nest.Create('spike_recorder')
    nest.Connect(E + I, sr)
    t2 = time.perf_counter()
    tc = time.perf_counter()
    nest.Prepare()
    nest.Run(1.0)
    compile_s = time.perf_counter() - tc
    ts = time.perf_counter()
    nest.Run(T)
    sim_s = time.perf_counter() - ts
    nest.Cleanup()
    senders = np.asarray(sr.get('events')['senders'])
    first = E.tolist()[0]
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=compile_s, sim_s=sim_s,
                n_syn=nest.GetKernelStatus('num_connections') - 2 * n,
                rate_e=np.sum(senders < first + ne) / ne / (T / 1e3),
                rate_i=np.sum(senders >= first + ne) / ni / (T / 1e3))


WORKERS = {'izhi_dyn': worker_izhi_dyn, 'brainpy': worker_brainpy, 'numpy_ref': worker_numpy, 'nest': worker_nest}
BRIAN = ('brian2_runtime', 'brian2_cpp_standalone')


# ----------------------------------------------------------------------------- parent
def ensure_brian2():
    py = BRIAN_VENV / 'bin' / 'python'
    if not py.exists():
        subprocess.run([sys.executable, '-m', 'venv', str(BRIAN_VENV)], check=False)
        subprocess.run([str(py), '-m', 'pip', 'install', '-q', 'brian2==2.9.0', 'numpy<2.4', 'setuptools'],
                       check=False)
    ok = py.exists() and subprocess.run([str(py), '-c', 'import brian2'], capture_output=True).returncode == 0
    return str(py) if ok else None


def run_one(impl, n, conn, brian_py, timeout):
    if impl in BRIAN:
        if brian_py is None:
            return {'skipped': 'brian2 venv not installable'}
        cmd = [brian_py, str(HERE / '_brian2_worker.py'), impl.split('_', 1)[1], str(n), conn, str(T_MS), str(K)]
    else:
        cmd = [sys.executable, __file__, '--worker', impl, str(n), conn]
    tic = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {'skipped': f'timeout {timeout} s'}
    wall = time.perf_counter() - tic
    ru = getattr(proc, '_ru', None)
    line = [x for x in out.splitlines() if x.startswith('RESULT ')]
    if proc.returncode != 0 or not line:
        return {'skipped': (err.strip().splitlines() or ['failed'])[-1][:120]}
    res = json.loads(line[-1][7:])
    res['wall_s'] = wall
    res['peak_mb'] = res.get('peak_mb', float('nan'))
    return res


def worker_main(impl, n, conn):
    import resource
    res = WORKERS[impl](int(n), conn, T_MS)
    res['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print('RESULT ' + json.dumps({k: float(v) for k, v in res.items()}), flush=True)


def fmt(x, nd=2):
    return '—' if x is None or x != x else f'{x:.{nd}f}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--sizes', default='dense:1000,dense:4000,dense:10000,sparse:10000,sparse:100000,sparse:1000000')
    ap.add_argument('--impls', default='izhi_dyn,brainpy,numpy_ref,nest,brian2_runtime,brian2_cpp_standalone')
    ap.add_argument('--timeout', type=float, default=900)
    ap.add_argument('--out', default=str(HERE / 'RESULTS.md'))
    args = ap.parse_args()
    sizes = [(c, int(n)) for c, n in (s.split(':') for s in args.sizes.split(','))]
    impls = args.impls.split(',')
    brian_py = ensure_brian2() if any(i in BRIAN for i in impls) else None
    results = {}
    for rep in range(args.repeats):
        for conn, n in sizes:
            for impl in impls:
                if impl == 'numpy_ref' and (conn != 'dense'):
                    continue
                if impl != 'izhi_dyn' and n >= 1_000_000:
                    continue  # only izhi_dyn is run at 10^6 (memory/time on 2 cores)
                if impl in ('nest', 'brainpy', *BRIAN) and conn == 'dense' and n > 4000 and impl == 'nest':
                    continue  # NEST stores ~10^8 dense synapses at > 4 GB
                r = run_one(impl, n, conn, brian_py, args.timeout)
                results.setdefault((conn, n, impl), []).append(r)
                print(rep, conn, n, impl, {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()},
                      flush=True)
                write(results, args, sizes, impls)


def med(runs, key):
    vals = [r[key] for r in runs if key in r and 'skipped' not in r]
    return statistics.median(vals) if vals else None


def write(results, args, sizes, impls):
    import platform
    lines = ['# Network benchmark: Izhikevich (2003) network, 1000 ms simulated', '',
             f'Generated by `benchmarks/network_bench.py` on {platform.processor() or platform.machine()}, '
             f'{os.cpu_count()} cores (shared), {time.strftime("%Y-%m-%d %H:%M")}. '
             f'Medians of up to {args.repeats} interleaved repeats (n = runs that completed). '
             'sim = simulation wall time of 1 s simulated (compile/build excluded); compile = trace + compile '
             '(izhi_dyn, brainpy), network build + first step (NEST `Prepare`), or code generation + compilation '
             '(Brian2 standalone); total = wall time of the whole process; RTF = sim / 1 s; peak = max RSS.', '',
             '| connectivity | N | synapses | implementation | n | sim (s) | RTF | import (s) | build (s) | compile (s) | total (s) | peak (MB) | rate E (Hz) | rate I (Hz) |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for conn, n in sizes:
        for impl in impls:
            runs = results.get((conn, n, impl))
            if not runs:
                continue
            ok = [r for r in runs if 'skipped' not in r]
            if not ok:
                lines.append(f'| {conn} | {n} | | {impl} | 0 | skipped: {runs[-1]["skipped"]} | | | | | | | | |')
                continue
            sim = med(ok, 'sim_s')
            lines.append(f'| {conn} | {n} | {int(med(ok, "n_syn") or 0):.2e} | {impl} | {len(ok)} | {fmt(sim, 3)} | '
                         f'{fmt(sim / (T_MS / 1e3), 3)} | {fmt(med(ok, "import_s"))} | {fmt(med(ok, "build_s"))} | '
                         f'{fmt(med(ok, "compile_s"))} | {fmt(med(ok, "wall_s"))} | {fmt(med(ok, "peak_mb"), 0)} | '
                         f'{fmt(med(ok, "rate_e"), 1)} | {fmt(med(ok, "rate_i"), 1)} |')
    extra = pathlib.Path(args.out).with_suffix('.notes.md')
    if extra.exists():
        lines += ['', extra.read_text()]
    pathlib.Path(args.out).write_text('\n'.join(lines) + '\n')


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker':
        worker_main(*sys.argv[2:5])
    else:
        main()
