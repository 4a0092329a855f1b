"""Brian2 worker of ``network_bench.py`` (runs in ``benchmarks/.venv-brian2``): the 2003 network.

    python benchmarks/worker_brian2.py N {dense,sparse} THREADS {runtime,cpp_standalone}

The standalone project is generated and compiled in a temporary directory that is
removed afterwards (never ./output).
"""

import shutil
import tempfile
import time

from harness import K, worker_main

EQUATIONS = '''dv/dt = (0.04*v**2 + 5*v + 140 - u + I)/ms : 1
du/dt = a*(b*v - u)/ms : 1
I : 1
sigma : 1 (constant)
a : 1 (constant)
b : 1 (constant)
c : 1 (constant)
d : 1 (constant)'''


def run(n, conn, T, threads=1, variant='runtime'):
    t0 = time.perf_counter()
    import brian2 as b2
    import numpy as np
    t1 = time.perf_counter()
    target = variant
    build_dir = None
    if target == 'cpp_standalone':
        build_dir = tempfile.mkdtemp(prefix='brian2_standalone_')
        b2.set_device('cpp_standalone', directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = threads
    else:
        try:
            import Cython  # noqa: F401
            b2.prefs.codegen.target = 'cython'
        except ImportError:
            b2.prefs.codegen.target = 'numpy'
    b2.seed(0)  # connectivity, weights and the thalamic noise
    b2.defaultclock.dt = 1 * b2.ms
    ne, ni = int(0.8 * n), n - int(0.8 * n)
    rng = np.random.default_rng(0)
    G = b2.NeuronGroup(n, EQUATIONS, threshold='v >= 30', reset='v = c; u += d', method='euler')
    r = rng.random(n)
    exc = np.arange(n) < ne
    G.a = np.where(exc, 0.02, 0.02 + 0.08 * r)
    G.b = np.where(exc, 0.2, 0.25 - 0.05 * r)
    G.c = np.where(exc, -65 + 15 * r**2, -65)
    G.d = np.where(exc, 8 - 6 * r**2, 2)
    G.sigma = np.where(exc, 5.0, 2.0)
    G.v = -65
    G.u = 'b * v'
    G.run_regularly('I = sigma * randn()', dt=1 * b2.ms)
    scale = 1000.0 / (n if conn == 'dense' else K)
    S = b2.Synapses(G, G, 'w : 1', on_pre='v_post += w')
    if conn == 'dense':
        S.connect(True)
    else:
        S.connect(p=K / n)
    S.w = f'rand() * (int(i < {ne}) * 0.5 * {scale} - int(i >= {ne}) * {scale})'
    M = b2.SpikeMonitor(G, record=False)
    t2 = time.perf_counter()
    if target == 'cpp_standalone':
        b2.run(T * b2.ms, report=None)
        tb = time.perf_counter()
        b2.device.build(run=True)
        sim_s = float(b2.device._last_run_time)  # the binary's own timing of network.run
        compile_s = time.perf_counter() - tb - sim_s  # code generation, compilation, binary start and I/O
        counts = np.asarray(M.count[:])
        n_syn = float(len(S))
        shutil.rmtree(build_dir, ignore_errors=True)
    else:
        b2.run(1 * b2.ms)  # generates and compiles the Cython code
        tc = time.perf_counter()
        compile_s = tc - t2
        before = np.asarray(M.count[:]).copy()
        b2.run(T * b2.ms, report=None)
        sim_s = time.perf_counter() - tc
        counts = np.asarray(M.count[:]) - before
        n_syn = float(len(S))
    return dict(import_s=t1 - t0, build_s=t2 - t1, compile_s=compile_s, sim_s=sim_s, n_steps=float(round(T)),
                n_syn=n_syn, n_spikes=float(counts.sum()), rate_e=counts[:ne].sum() / ne / (T / 1e3),
                rate_i=counts[ne:].sum() / ni / (T / 1e3))


if __name__ == '__main__':
    worker_main(run)
