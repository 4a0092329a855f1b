"""Benchmark of the Izhikevich (2003) network: izhi_dyn vs brainpy-native, the NumPy
reference, NEST and Brian2 (runtime and cpp_standalone), plus the memory-traffic
bound of the sparse step. Writes ``benchmarks/network_results.json`` (every run)
and renders ``benchmarks/RESULTS.md`` from it.

Every run is a fresh process started in an empty temporary directory: ``total`` is
the wall time of that whole process (import + build + compile + 1 s simulated) and
``peak`` its maximum RSS, children included (``os.wait4``; the Brian2 standalone
binary is a child of its worker). Repeats are interleaved over implementations and
sizes; tables show medians. Runs are appended to the JSON, so a benchmark can be
run in parts (e.g. one ``--sizes`` group per call) that merge into one table;
``--fresh`` starts a new file. Brian2 runs in its own venv
(``benchmarks/.venv-brian2``, numpy<2.4, created on demand); a peer that cannot be
imported, does not fit in memory, fails or times out is recorded with a note.

    python benchmarks/network_bench.py                      # everything, 3 repeats
    python benchmarks/network_bench.py --sizes dense:1000,sparse:10000 --repeats 1
    python benchmarks/network_bench.py --impls izhi_dyn,brainpy --sizes sparse:100000
    python benchmarks/network_bench.py --render             # rebuild RESULTS.md from the JSON
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
BRIAN_VENV = HERE / '.venv-brian2'
RESULTS_JSON = HERE / 'network_results.json'
RESULTS_MD = HERE / 'RESULTS.md'
T_MS = 1000.0
K = 100
CHUNK = 100  # steps per compiled call (izhi_dyn and brainpy alike)
SIZES = 'dense:1000,dense:4000,dense:10000,sparse:10000,sparse:100000,sparse:1000000'
IMPLS = ('izhi_dyn', 'izhi_dyn_rec', 'brainpy', 'numpy_ref', 'nest', 'brian2_runtime', 'brian2_cpp_standalone')
BRIAN = ('brian2_runtime', 'brian2_cpp_standalone')
THREADED = ('nest', 'brian2_cpp_standalone')  # --threads applies to these
# Peak resident bytes per synapse, from the smoke runs at 10^4-10^5 (NEST: 4.3 GB at 10^7
# synapses): a run whose estimate exceeds 80 % of the available memory is skipped, and a
# watchdog kills a run whose process tree outgrows --max-rss-gb.
BYTES_PER_SYNAPSE = {'izhi_dyn': 12, 'izhi_dyn_rec': 12, 'brainpy': 60, 'numpy_ref': 40, 'nest': 450,
                     'brian2_runtime': 60, 'brian2_cpp_standalone': 40}
# Least neuron-state traffic per neuron per step (float32, bool spikes), whatever the code's
# layout: V and u read + written (16), two per-neuron parameter arrays read (8), one synaptic
# input accumulator written + read (8), the thalamic current written + read (8), the spike
# written + read (2).
STATE_BYTES_PER_NEURON = 16 + 8 + 8 + 8 + 2
SYNAPSE_BYTES = 4 + 4  # float32 weight + int32 index per synapse of a spiking neuron


# ----------------------------------------------------------------------------- workers
def _compile_estimate(warmup_s, chunk_times, calls=1):
    """Trace + compile time: ``calls`` first calls of the CHUNK-step program minus as many
    steady calls (the median timed chunk). Negative when compilation is shorter than the
    chunk-to-chunk noise (the machine's load), and reported as measured."""
    import statistics
    return warmup_s - calls * statistics.median(chunk_times)


def worker_izhi_dyn(n, conn, T, record=False):
    t0 = time.perf_counter()
    import numpy as np

    import izhi_dyn.networks as nw
    t1 = time.perf_counter()
    net = nw.CorticalNetwork2003(n, connectivity=conn, k=K if conn == 'sparse' else None, seed=0)
    t2 = time.perf_counter()
    runner = nw.NetworkRunner(net, chunk=CHUNK, record=record)
    runner.compile()
    chunks = [runner.run(float(CHUNK)) for _ in range(int(T) // CHUNK)]  # one compiled call each
    chunk_times = [c.sim_wall_s for c in chunks]
    n_e, n_i = sum(int(c.counts_exc.sum()) for c in chunks), sum(int(c.counts_inh.sum()) for c in chunks)
    n_steps = sum(c.n_steps for c in chunks)
    # NetworkRunner.compile traces and compiles ahead of time without running: the first call of the
    # program (compile + first chunk) is its compile_s plus the first timed chunk.
    out = dict(import_s=t1 - t0, build_s=t2 - t1,
               compile_s=_compile_estimate(runner.compile_s + chunk_times[0], chunk_times),
               sim_s=sum(chunk_times), n_steps=n_steps, n_syn=net.num_synapses, n_spikes=n_e + n_i,
               rate_e=n_e / net.n_exc / (T / 1e3), rate_i=n_i / net.n_inh / (T / 1e3))
    if record and conn == 'sparse':
        outdeg = out_degrees(net)
        spiking = np.concatenate([c.indices for c in chunks])
        out['synapse_bytes'] = float(np.sum(outdeg[spiking].astype(np.float64))) * SYNAPSE_BYTES
        out['state_bytes'] = float(STATE_BYTES_PER_NEURON * n * n_steps)
    return out


def projections(net):
    """The recurrent projections of an izhi_dyn network, by name (any layout)."""
    if hasattr(net, 'projections'):
        return dict(net.projections)
    return {key: getattr(net, key) for key in ('E2E', 'E2I', 'I2E', 'I2I')}


def out_degrees(net):
    """Out-degree of every neuron (excitatory first), summed over the pre-major CSR projections."""
    import numpy as np
    offsets = {id(net.E): 0, id(net.I): net.n_exc}
    outdeg = np.zeros(net.n, dtype=np.int64)
    for proj in projections(net).values():
        pres = proj.pre if isinstance(proj.pre, (list, tuple)) else [proj.pre]
        lo = offsets[id(pres[0])]
        deg = np.diff(np.asarray(proj.comm.indptr))
        outdeg[lo:lo + deg.size] += deg
    return outdeg


def worker_izhi_dyn_rec(n, conn, T):
    """izhi_dyn recording every spike as (step, index) events."""
    return worker_izhi_dyn(n, conn, T, record=True)


def worker_brainpy(n, conn, T):
    """The usual brainpy way: two ``bp.dyn.Izhikevich`` populations, four ``bp.dyn.FullProjDelta``
    projections through ``bp.dnn.AllToAll`` (dense) or ``bp.dnn.EventCSRLinear`` on a fixed
    in-degree connector (sparse), run by a jitted ``bm.for_loop`` in CHUNK-step calls."""
    t0 = time.perf_counter()
    import brainpy as bp
    import brainpy.math as bm
    import jax
    import jax.numpy as jnp
    import numpy as np
    t1 = time.perf_counter()
    ne, ni = int(0.8 * n), n - int(0.8 * n)
    rng = np.random.default_rng(0)
    bm.random.seed(0)  # the thalamic noise
    re, ri = rng.random(ne), rng.random(ni)
    scale = 1000.0 / (n if conn == 'dense' else K)

    def connector(n_pre, n_post, seed):
        k_pre = int(round(K * n_pre / n))
        if n < 1_000_000:
            return bp.conn.FixedPreNum(k_pre, allow_multi_conn=True, seed=seed)(pre_size=n_pre, post_size=n_post)
        # bp.conn.FixedPreNum takes ~30 s per projection at 10^5 and scales linearly: at 10^6 the
        # same fixed in-degree rule is drawn with NumPy and handed over as bp.conn.CSRConn.
        g = np.random.default_rng(seed)
        pre = g.integers(0, n_pre, size=(n_post, k_pre), dtype=np.int32).ravel()
        post = np.repeat(np.arange(n_post, dtype=np.int32), k_pre)
        order = np.argsort(pre, kind='stable')
        indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n_pre))]).astype(np.int32)
        return bp.conn.CSRConn(post[order], indptr)(pre_size=n_pre, post_size=n_post)

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            # brainpy 2.8.2 rejects an array ``c`` (offset_scaling compares it to 0): set it afterwards
            self.E = bp.dyn.Izhikevich(ne, a=0.02, b=0.2, c=-65., d=8., V_initializer=bp.init.OneInit(-65.),
                                       method='euler')
            self.E.c, self.E.d = bm.asarray(-65 + 15 * re**2), bm.asarray(8 - 6 * re**2)
            self.I = bp.dyn.Izhikevich(ni, a=0.02, b=0.2, c=-65., d=2., V_initializer=bp.init.OneInit(-65.),
                                       method='euler')
            self.I.a, self.I.b = bm.asarray(0.02 + 0.08 * ri), bm.asarray(0.25 - 0.05 * ri)
            self.I.u.value = self.I.b * self.I.V.value
            seed = 1
            for pk, pre, npre, g in (('E', self.E, ne, 0.5), ('I', self.I, ni, -1.0)):
                for qk, post, npost in (('E', self.E, ne), ('I', self.I, ni)):
                    if conn == 'dense':
                        comm = bp.dnn.AllToAll(npre, npost, g * scale * rng.random((npre, npost)))
                    else:
                        lo, hi = sorted((0.0, g * scale))
                        comm = bp.dnn.EventCSRLinear(connector(npre, npost, seed), bp.init.Uniform(lo, hi))
                        seed += 1
                    setattr(self, pk + qk, bp.dyn.FullProjDelta(pre, 0., comm, post))

        def update(self):
            for p in ('EE', 'EI', 'IE', 'II'):
                getattr(self, p)()
            self.E(5. * bm.random.randn(ne))
            self.I(2. * bm.random.randn(ni))

    net = Net()
    t2 = time.perf_counter()

    def step(i):
        bp.share.save(i=i, t=i * 1.0, dt=1.0)
        net.update()
        return bm.sum(net.E.spike), bm.sum(net.I.spike)

    program = bm.jit(lambda start: bm.for_loop(step, start + jnp.arange(CHUNK), progress_bar=False))
    variables = net.vars().unique()
    saved = {k: v.value for k, v in variables.items()}
    with bm.environment(dt=1.0):
        # Two warm-up calls: the first step turns brainpy's weak-typed initial values strong, so
        # the second call traces and compiles again. Both count as compilation; then the state is
        # restored, and the timed calls reuse the two programs.
        tc = time.perf_counter()
        for start in (0, CHUNK):
            jax.block_until_ready(program(jnp.int32(start)))
        warmup_s = time.perf_counter() - tc
        for k, v in variables.items():
            v.value = saved[k]
        n_steps = int(T)
        ce = ci = 0
        chunk_times = []
        for start in range(0, n_steps, CHUNK):
            tic = time.perf_counter()
            e, i = program(jnp.int32(start))
            e, i = np.asarray(e), np.asarray(i)
            chunk_times.append(time.perf_counter() - tic)
            ce, ci = ce + int(e.sum()), ci + int(i.sum())
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=_compile_estimate(warmup_s, chunk_times, 2),
                sim_s=sum(chunk_times), n_steps=n_steps, n_syn=n * n if conn == 'dense' else sum(
                    int(getattr(net, p).comm.indices.size) for p in ('EE', 'EI', 'IE', 'II')),
                n_spikes=ce + ci, rate_e=ce / ne / (T / 1e3), rate_i=ci / ni / (T / 1e3))


def worker_numpy_ref(n, conn, T):
    """The paper's MATLAB loop in NumPy (float64): dense with tests/reference_network.py's
    network, sparse with the same loop on a pre-major CSR (fixed in-degree K)."""
    t0 = time.perf_counter()
    import numpy as np
    sys.path.insert(0, str(HERE.parent / 'tests'))
    import reference_network as ref
    t1 = time.perf_counter()
    if conn == 'dense':
        net = ref.build(n, seed=0)
        S = np.ascontiguousarray(net.pop('S').T)  # S[pre, post]: the row of a spiking neuron is contiguous
        n_syn = n * n

        def synaptic_input(fired):
            return S[fired].sum(axis=0)
    else:
        net, targets, weights, indptr = _sparse_reference_network(n)
        n_syn = targets.size

        def synaptic_input(fired):
            starts, lens = indptr[fired], indptr[fired + 1] - indptr[fired]
            pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
            return np.bincount(targets[pos], weights[pos], minlength=n)
    ne, ni, a, b, c, d, rng = (net[k] for k in ('ne', 'ni', 'a', 'b', 'c', 'd', 'rng'))
    t2 = time.perf_counter()
    v = -65.0 * np.ones(ne + ni)
    u = b * v
    sigma = np.concatenate([5.0 * np.ones(ne), 2.0 * np.ones(ni)])
    n_e = n_i = 0
    for _ in range(int(T)):
        I = sigma * rng.standard_normal(ne + ni)
        fired = np.flatnonzero(v >= 30)
        n_e, n_i = n_e + int(np.sum(fired < ne)), n_i + int(np.sum(fired >= ne))
        v[fired] = c[fired]
        u[fired] += d[fired]
        I += synaptic_input(fired)
        v += 0.5 * (0.04 * v**2 + 5 * v + 140 - u + I)
        v += 0.5 * (0.04 * v**2 + 5 * v + 140 - u + I)
        u += a * (b * v - u)
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=0.0, sim_s=time.perf_counter() - t2, n_steps=int(T),
                n_syn=n_syn, n_spikes=n_e + n_i, rate_e=n_e / ne / (T / 1e3), rate_i=n_i / ni / (T / 1e3))


def _sparse_reference_network(n):
    """The paper's parameters (drawn as in tests/reference_network.py) with a fixed in-degree K:
    every neuron draws K presynaptic partners with replacement; weights 0.5 U(0, 1) from
    excitatory and -U(0, 1) from inhibitory neurons, times 1000 / K. Returns the parameter
    dict and the pre-major CSR (targets, weights, indptr)."""
    import numpy as np
    rng = np.random.default_rng(0)
    ne = int(round(0.8 * n))
    re, ri = rng.random(ne), rng.random(n - ne)
    net = dict(ne=ne, ni=n - ne, rng=rng, a=np.concatenate([0.02 * np.ones(ne), 0.02 + 0.08 * ri]),
               b=np.concatenate([0.2 * np.ones(ne), 0.25 - 0.05 * ri]),
               c=np.concatenate([-65 + 15 * re**2, -65 * np.ones(n - ne)]),
               d=np.concatenate([8 - 6 * re**2, 2 * np.ones(n - ne)]))
    pre = rng.integers(0, n, size=n * K)
    order = np.argsort(pre, kind='stable')
    targets = np.repeat(np.arange(n), K)[order]
    pre = pre[order]
    weights = np.where(pre < ne, 0.5, -1.0) * rng.random(n * K) * (1000.0 / K)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=n))])
    return net, targets, weights, indptr


def worker_nest(n, conn, T, threads=1):
    t0 = time.perf_counter()
    import nest
    import numpy as np
    t1 = time.perf_counter()
    nest.set_verbosity('M_ERROR')
    nest.ResetKernel()
    nest.SetKernelStatus({'resolution': 1.0, 'local_num_threads': threads, 'rng_seed': 1})
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
            lo, hi = sorted((0.0, g * scale))
            rule = {'rule': 'all_to_all'} if conn == 'dense' else {'rule': 'fixed_indegree',
                                                                   'indegree': int(round(K * len(pre) / n))}
            nest.Connect(pre, post, rule, {'synapse_model': 'static_synapse', 'delay': 1.0,
                                           'weight': nest.random.uniform(lo, hi)})
    for pop, sd in ((E, 5.), (I, 2.)):
        ng = nest.Create('noise_generator', params={'mean': 0., 'std': sd, 'dt': 1.0})
        nest.Connect(ng, pop)
    sr = nest.Create('spike_recorder')
    nest.Connect(E + I, sr)
    t2 = time.perf_counter()
    nest.Prepare()  # builds the connection infrastructure: NEST's "compile" step
    compile_s = time.perf_counter() - t2
    ts = time.perf_counter()
    nest.Run(T)
    sim_s = time.perf_counter() - ts
    nest.Cleanup()
    senders = np.asarray(sr.get('events')['senders'])
    first = E.tolist()[0]
    n_e, n_i = int(np.sum(senders < first + ne)), int(np.sum(senders >= first + ne))
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=compile_s, sim_s=sim_s, n_steps=int(T),
                n_syn=nest.GetKernelStatus('num_connections') - 2 * n, n_spikes=n_e + n_i,  # minus noise, recorder
                rate_e=n_e / ne / (T / 1e3), rate_i=n_i / ni / (T / 1e3))


WORKERS = {'izhi_dyn': worker_izhi_dyn, 'izhi_dyn_rec': worker_izhi_dyn_rec, 'brainpy': worker_brainpy,
           'numpy_ref': worker_numpy_ref, 'nest': worker_nest}


def worker_main(impl, n, conn, threads):
    kwargs = {'threads': int(threads)} if impl == 'nest' else {}
    res = WORKERS[impl](int(n), conn, T_MS, **kwargs)
    print('RESULT ' + json.dumps({k: float(v) for k, v in res.items()}), flush=True)


# ----------------------------------------------------------------------------- processes
def group_rss_bytes(pgid):
    """Resident bytes of the processes of process group ``pgid`` (from /proc)."""
    total = 0
    for stat in pathlib.Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == pgid:
            total += int(fields[21]) * os.sysconf('SC_PAGE_SIZE')
    return total


def run_process(cmd, timeout, env=None, max_rss_bytes=None):
    """Run ``cmd`` in a fresh process in an empty temporary directory.

    The process group is killed after ``timeout`` s, or once its resident memory
    exceeds ``max_rss_bytes`` (polled every 0.5 s), so one run cannot exhaust a shared
    machine. Returns ``(returncode, or 'timeout' / 'memory' if killed, stdout, stderr,
    wall_s, peak_rss_mb)``;
    the peak RSS is that of the process tree (``os.wait4``). Linux starts a child's peak
    at the RSS of its parent at spawn, so this parent imports nothing large (~15 MB).
    """
    with tempfile.TemporaryDirectory(prefix='izhi_bench_') as cwd, \
            tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
        tic = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env, start_new_session=True)
        killed, done = [], threading.Event()

        def watchdog():
            while not done.wait(0.5):
                why = ('timeout' if time.perf_counter() - tic > timeout else
                       'memory' if max_rss_bytes and group_rss_bytes(proc.pid) > max_rss_bytes else None)
                if why:
                    killed.append(why)
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:  # it ended meanwhile
                        pass
                    return

        guard = threading.Thread(target=watchdog, daemon=True)
        guard.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        guard.join()
        wall = time.perf_counter() - tic
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return (killed[0] if killed else proc.returncode), out.read(), err.read(), wall, usage.ru_maxrss / 1024


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


def mem_available_bytes():
    for line in pathlib.Path('/proc/meminfo').read_text().splitlines():
        if line.startswith('MemAvailable:'):
            return int(line.split()[1]) * 1024
    return float('inf')


def run_one(impl, n, conn, brian_py, args):
    """One fresh-process run; returns its record."""
    rec = dict(impl=impl, conn=conn, n=n)
    n_syn = n * n if conn == 'dense' else n * K
    need = BYTES_PER_SYNAPSE[impl] * n_syn
    if need > 0.8 * mem_available_bytes():
        return {**rec, 'status': 'skipped', 'note': f'needs ~{need / 1e9:.1f} GB, '
                f'{mem_available_bytes() / 1e9:.1f} GB available'}
    if impl in BRIAN:
        cmd = [brian_py[0], str(HERE / '_brian2_worker.py'), impl.split('_', 1)[1], str(n), conn, str(T_MS), str(K),
               str(args.threads)]
    else:
        cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), '--worker', impl, str(n), conn,
               str(args.threads)]
    code, out, err, wall, peak = run_process(cmd, args.timeout, max_rss_bytes=args.max_rss_gb * 1e9)
    if code in ('timeout', 'memory'):
        note = f'killed after {args.timeout:.0f} s' if code == 'timeout' else f'killed above {args.max_rss_gb} GB RSS'
        return {**rec, 'status': code, 'note': note, 'wall_s': wall, 'peak_mb': peak}
    line = [x for x in out.splitlines() if x.startswith('RESULT ')]
    if code != 0 or not line:
        tail = (err.strip().splitlines() or [f'exit code {code}'])[-1][:160]
        return {**rec, 'status': 'failed', 'note': tail, 'wall_s': wall, 'peak_mb': peak}
    return {**rec, 'status': 'ok', **json.loads(line[-1][7:]), 'wall_s': wall, 'peak_mb': peak}


# ----------------------------------------------------------------------------- bandwidth
def measure_bandwidth(mb=256, repeats=5):
    """STREAM-like copy and add (``a = b + c``) over arrays of ``mb`` MB each, float64.

    Best-of-``repeats`` GB/s (STREAM counting: copy moves 2, add 3 arrays), on one
    thread (NumPy) and on all cores (one thread per contiguous slice; NumPy releases
    the GIL in these loops).
    """
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor
    n = mb * 2**20 // 8
    a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
    cores = os.cpu_count() or 1
    slices = [slice(i * n // cores, (i + 1) * n // cores) for i in range(cores)]
    kernels = {'copy': (2, lambda s: np.copyto(a[s], b[s])), 'add': (3, lambda s: np.add(b[s], c[s], out=a[s]))}
    result = {'array_mb': mb}
    with ThreadPoolExecutor(cores) as pool:
        for name, (arrays, kernel) in kernels.items():
            for label, run in (('1thread', lambda: kernel(slice(None))),
                               (f'{cores}threads', lambda: list(pool.map(kernel, slices)))):
                best = float('inf')
                for _ in range(repeats):
                    tic = time.perf_counter()
                    run()
                    best = min(best, time.perf_counter() - tic)
                result[f'{name}_{label}_gbs'] = arrays * n * 8 / best / 1e9
    return result


def bandwidth_in_subprocess():
    """:func:`measure_bandwidth` in its own process (this one stays small, see :func:`run_process`)."""
    code = (f'import sys, json; sys.path.insert(0, {str(HERE)!r}); import network_bench as nb; '
            'print(json.dumps(nb.measure_bandwidth()))')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else None


# ----------------------------------------------------------------------------- session
def machine_info():
    from importlib import metadata
    cpu = next((line.split(':', 1)[1].strip() for line in pathlib.Path('/proc/cpuinfo').read_text().splitlines()
                if line.startswith('model name')), platform.processor() or platform.machine())
    mem = next(int(line.split()[1]) for line in pathlib.Path('/proc/meminfo').read_text().splitlines()
               if line.startswith('MemTotal:'))
    versions = {'python': platform.python_version()}
    for dist in ('numpy', 'jax', 'brainpy', 'brainevent', 'nest-simulator'):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return dict(cpu=cpu, cores=os.cpu_count(), mem_gb=round(mem / 2**20, 1), versions=versions)


def load_results(path=RESULTS_JSON):
    if path.exists():
        return json.loads(path.read_text())
    return {'sessions': [], 'runs': []}


def save_results(data, path=RESULTS_JSON):
    path.write_text(json.dumps(data, indent=1) + '\n')


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
    ap.add_argument('--render', action='store_true', help='only rebuild RESULTS.md from the JSON')
    args = ap.parse_args(argv)
    if args.render:
        render()
        return
    sizes, impls = parse_sizes(args.sizes), parse_impls(args.impls)
    if args.repeats < 1:
        raise ValueError(f'--repeats={args.repeats}: expected >= 1')
    data = {'sessions': [], 'runs': []} if args.fresh else load_results()
    brian_py = ensure_brian2() if any(i in BRIAN for i in impls) else (None, 'not requested')
    skip = {impl: peer_available(impl, brian_py) for impl in impls}
    session = dict(id=len(data['sessions']), started=time.strftime('%Y-%m-%d %H:%M:%S'),
                   command='python benchmarks/network_bench.py ' + ' '.join(sys.argv[1:] if argv is None else argv),
                   load_before=os.getloadavg(), machine=machine_info(), threads=args.threads, bandwidth=None)
    data['sessions'].append(session)
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
                save_results(data)
    session['bandwidth'] = bandwidth_in_subprocess()
    session['load_after'] = os.getloadavg()
    session['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
    save_results(data)
    render()


# ----------------------------------------------------------------------------- report
def render(md_path=RESULTS_MD):
    """Write RESULTS.md from network_results.json and, if present, memory_results.json."""
    from _network_report import render_markdown  # noqa: PLC0415 -- benchmarks/ is not a package
    memory_json = HERE / 'memory_results.json'
    memory = json.loads(memory_json.read_text()) if memory_json.exists() else None
    md_path.write_text(render_markdown(load_results(), memory))


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker':
        worker_main(*sys.argv[2:6])
    else:
        sys.path.insert(0, str(HERE))
        main()
