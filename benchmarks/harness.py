"""The benchmarks' harness: fresh processes, timing, memory, results I/O, the shared protocol.

Standard library only (NumPy is imported inside :func:`measure_bandwidth`): the
parent of a benchmark imports nothing large, so a child's peak RSS is its own
(see :func:`run_process`), and the Brian2 worker, which runs in its own venv,
can import it too. Every benchmark script (``network_bench.py``,
``memory_bench.py``, ``kernel_bench.py``, ``native_step.py``, ``gpu_bench.py``),
every worker (``worker_*.py``) and
the report (``report.py``) import this module; it imports none of them.

A worker is a script run in a fresh process as ``python worker_X.py N CONN
THREADS [VARIANT]`` (:func:`worker_main`); it prints one ``RESULT {json}`` line
(:func:`emit_result`) that the parent reads back (:func:`parse_result`).
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
NETWORK_JSON = HERE / 'network_results.json'  # every run of network_bench.py
MEMORY_JSON = HERE / 'memory_results.json'  # every run of memory_bench.py
RESULTS_MD = HERE / 'RESULTS.md'  # rendered from both by report.py

# ----------------------------------------------------------------------------- network protocol
# The 2003 network as every implementation runs it, and the byte counts of the memory-traffic bound.
T_MS = 1000.0  # simulated time per run (1 ms steps)
K = 100  # fixed in-degree of the sparse networks
CHUNK = 100  # steps per compiled call (izhi_dyn and brainpy alike)
IMPLS = ('izhi_dyn', 'izhi_dyn_rec', 'brainpy', 'numpy_ref', 'nest', 'brian2_runtime', 'brian2_cpp_standalone')
# Least neuron-state traffic per neuron per step (float32, bool spikes), whatever the code's
# layout: V and u read + written (16), two per-neuron parameter arrays read (8), one synaptic
# input accumulator written + read (8), the thalamic current written + read (8), the spike
# written + read (2).
STATE_BYTES_PER_NEURON = 16 + 8 + 8 + 8 + 2
SYNAPSE_BYTES = 4 + 4  # float32 weight + int32 index per synapse of a spiking neuron


# ----------------------------------------------------------------------------- workers
def compile_estimate(warmup_s, chunk_times, calls=1):
    """Trace + compile time: ``calls`` first calls of the CHUNK-step program minus as many
    steady calls (the median timed chunk). Negative when compilation is shorter than the
    chunk-to-chunk noise (the machine's load), and reported as measured."""
    return warmup_s - calls * statistics.median(chunk_times)


def emit_result(result):
    """Print a worker's result (numbers, NumPy scalars included) as the one ``RESULT {json}`` line its
    parent reads."""
    print('RESULT ' + json.dumps({k: v.item() if hasattr(v, 'item') else v for k, v in result.items()}), flush=True)


def parse_result(stdout):
    """The dict of the last ``RESULT`` line of a worker's output, or None."""
    lines = [x for x in stdout.splitlines() if x.startswith('RESULT ')]
    return json.loads(lines[-1][7:]) if lines else None


def worker_main(run, argv=None):
    """Entry point of a network worker: ``N CONN THREADS [VARIANT]`` → ``run(n, conn, T_MS, threads,
    variant)`` → :func:`emit_result`, with the accelerator's peak memory where there is one
    (:func:`device_memory`). ``BRAINEVENT_GPU_BACKEND``, if set, is brainevent's default GPU backend
    for the run (``gpu_bench.py``)."""
    argv = sys.argv[1:] if argv is None else argv
    n, conn, threads = int(argv[0]), argv[1], int(argv[2])
    if os.environ.get('BRAINEVENT_GPU_BACKEND'):
        import brainevent
        brainevent.config.set_backend('gpu', os.environ['BRAINEVENT_GPU_BACKEND'])
    result = run(n, conn, T_MS, threads, argv[3] if len(argv) > 3 else None)
    emit_result({**{k: float(v) for k, v in result.items()}, **device_memory()})


def device_memory():
    """``{'device_peak_mb', 'device_limit_mb'}`` of JAX's first device, or ``{}`` on the CPU (whose
    allocator keeps no count) and in a worker that never imported JAX (Brian2, NEST, NumPy): the
    peak is what XLA's allocator held at once during the process."""
    if 'jax' not in sys.modules:
        return {}
    jax = sys.modules['jax']
    stats = jax.devices()[0].memory_stats() or {}
    if 'peak_bytes_in_use' not in stats:
        return {}
    return {'device_peak_mb': stats['peak_bytes_in_use'] / 2**20, 'device_limit_mb': stats.get('bytes_limit', 0) / 2**20}


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


def mem_available_bytes():
    """MemAvailable of /proc/meminfo in bytes (inf where there is none)."""
    for line in pathlib.Path('/proc/meminfo').read_text().splitlines():
        if line.startswith('MemAvailable:'):
            return int(line.split()[1]) * 1024
    return float('inf')


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


SCATTER_SIZES = (10_000, 100_000, 1_000_000)  # target-array lengths of the scatter probe


def measure_scatter(sizes=SCATTER_SIZES, updates=2_000_000, repeats=5):
    """Latency cost of random scatter: ns per addition of ``np.bincount`` (a plain C loop,
    one thread) adding ``updates`` weights at uniformly random indices into ``n`` bins, for
    each ``n`` of ``sizes``; best of ``repeats``. The sparse step's additions land at random
    targets like these, so this is the least a serial scatter costs per synapse here."""
    import numpy as np
    rng = np.random.default_rng(0)
    weights = rng.random(updates)
    result = {}
    for n in sizes:
        index = rng.integers(0, n, size=updates).astype(np.intp)
        best = float('inf')
        for _ in range(repeats):
            tic = time.perf_counter()
            np.bincount(index, weights, minlength=n)
            best = min(best, time.perf_counter() - tic)
        result[str(n)] = best / updates * 1e9
    return result


def scatter_in_subprocess():
    """:func:`measure_scatter` in its own process (see :func:`bandwidth_in_subprocess`)."""
    code = (f'import sys, json; sys.path.insert(0, {str(HERE)!r}); import harness; '
            'print(json.dumps(harness.measure_scatter()))')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else None


def bandwidth_in_subprocess():
    """:func:`measure_bandwidth` in its own process (the caller stays small, see :func:`run_process`)."""
    code = (f'import sys, json; sys.path.insert(0, {str(HERE)!r}); import harness; '
            'print(json.dumps(harness.measure_bandwidth()))')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else None


# ----------------------------------------------------------------------------- session and results I/O
def machine_info():
    """CPU, cores, memory (GB) and the versions of the simulators installed here."""
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


def load_results(path):
    """The ``{'sessions': [...], 'runs': [...]}`` record of a benchmark (empty if ``path`` is missing)."""
    path = pathlib.Path(path)
    if path.exists():
        return json.loads(path.read_text())
    return {'sessions': [], 'runs': []}


def save_results(data, path):
    pathlib.Path(path).write_text(json.dumps(data, indent=1) + '\n')
