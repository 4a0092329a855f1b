"""izhi_dyn worker of ``network_bench.py``: the 2003 network through the public API.

    python benchmarks/worker_izhi_dyn.py N {dense,sparse} THREADS [rec|jax|native]

``rec`` records every spike as a (step, index) event (the ``izhi_dyn_rec`` row) and,
for sparse networks, counts the bytes of the memory-traffic bound. ``jax`` and
``native`` choose the network's ``kernel`` (default ``'auto'``; ``native_step.py``).
"""

from __future__ import annotations

import time

from harness import CHUNK, K, STATE_BYTES_PER_NEURON, SYNAPSE_BYTES, compile_estimate, worker_main


def run(n, conn, T, threads=1, variant=None):
    record = variant == 'rec'
    t0 = time.perf_counter()
    import numpy as np

    import izhi_dyn.networks as nw
    t1 = time.perf_counter()
    kernel = variant if variant in ('jax', 'native') else 'auto'
    net = nw.CorticalNetwork2003(n, connectivity=conn, k=K if conn == 'sparse' else None, seed=0, kernel=kernel)
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
               compile_s=compile_estimate(runner.compile_s + chunk_times[0], chunk_times),
               sim_s=sum(chunk_times), n_steps=n_steps, n_syn=net.num_synapses, n_spikes=n_e + n_i,
               rate_e=n_e / net.n_exc / (T / 1e3), rate_i=n_i / net.n_inh / (T / 1e3))
    if record and conn == 'sparse':
        outdeg = out_degrees(net)
        spiking = np.concatenate([c.indices for c in chunks])
        out['synapse_bytes'] = float(np.sum(outdeg[spiking].astype(np.float64))) * SYNAPSE_BYTES
        out['state_bytes'] = float(STATE_BYTES_PER_NEURON * n * n_steps)
    return out


def out_degrees(net):
    """Out-degree of every neuron (excitatory first), summed over the pre-major CSR projections."""
    import numpy as np
    offsets = {id(net.E): 0, id(net.I): net.n_exc}
    outdeg = np.zeros(net.n, dtype=np.int64)
    for proj in net.projections.values():
        pres = proj.pre if isinstance(proj.pre, (list, tuple)) else [proj.pre]
        lo = offsets[id(pres[0])]
        deg = np.diff(np.asarray(proj.comm.indptr))
        outdeg[lo:lo + deg.size] += deg
    return outdeg


if __name__ == '__main__':
    worker_main(run)
