"""NEST worker of ``network_bench.py``: the 2003 network with NEST's ``izhikevich`` model.

    python benchmarks/worker_nest.py N {dense,sparse} THREADS
"""

from __future__ import annotations

import time

from harness import K, worker_main


def run(n, conn, T, threads=1, variant=None):
    """NEST's ``izhikevich`` model (``consistent_integration=False``: the published scheme)."""
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


if __name__ == '__main__':
    worker_main(run)
