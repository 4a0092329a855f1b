"""NumPy worker of ``network_bench.py``: the paper's MATLAB loop, line for line, in float64.

    python benchmarks/worker_numpy.py N {dense,sparse} THREADS
"""

from __future__ import annotations

import time

from harness import K, worker_main


def run(n, conn, T, threads=1, variant=None):
    """The paper's MATLAB loop in NumPy (float64): dense with :func:`_dense_network`, sparse with
    the same loop on a pre-major CSR (fixed in-degree K, :func:`_sparse_network`)."""
    t0 = time.perf_counter()
    import numpy as np
    t1 = time.perf_counter()
    if conn == 'dense':
        net = _dense_network(n)
        S = np.ascontiguousarray(net.pop('S').T)  # S[pre, post]: the row of a spiking neuron is contiguous
        n_syn = n * n

        def synaptic_input(fired):
            return S[fired].sum(axis=0)
    else:
        net, targets, weights, indptr = _sparse_network(n)
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


def _dense_network(n, seed=0):
    """The paper's network, all-to-all (weights × 1000 / N): the draws of ``tests/reference_network.py``
    (same seed, same order), written out again so that the benchmarks import nothing from tests/.
    Returns the parameter dict with ``S[post, pre]``."""
    import numpy as np
    rng = np.random.default_rng(seed)
    ne = int(round(0.8 * n))
    ni = n - ne
    re, ri = rng.random(ne), rng.random(ni)
    net = dict(ne=ne, ni=ni, rng=rng, a=np.concatenate([0.02 * np.ones(ne), 0.02 + 0.08 * ri]),
               b=np.concatenate([0.2 * np.ones(ne), 0.25 - 0.05 * ri]),
               c=np.concatenate([-65 + 15 * re**2, -65 * np.ones(ni)]),
               d=np.concatenate([8 - 6 * re**2, 2 * np.ones(ni)]))
    net['S'] = np.hstack([0.5 * rng.random((n, ne)), -rng.random((n, ni))]) * (1000.0 / n)
    return net


def _sparse_network(n):
    """The paper's parameters (drawn as in :func:`_dense_network`) with a fixed in-degree K:
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


if __name__ == '__main__':
    worker_main(run)
