"""Random connectivity drawn straight into pre-major CSR: fixed in-degree, or a connection probability."""

from __future__ import annotations

import numpy as np

from izhi_dyn.networks._args import check_csr_args

__all__ = ['fixed_in_degree_csr', 'probability_csr']


def fixed_in_degree_csr(rng, n_pre, n_post, k, splits=None):
    """Pre-major CSR matrices for a fixed in-degree ``k``.

    Each of the ``n_post`` postsynaptic neurons draws ``k`` presynaptic partners
    uniformly among ``n_pre`` neurons (with replacement, as NEST's
    ``fixed_indegree`` default). ``splits`` (boundaries such as ``[0, ne, n]``)
    cuts the presynaptic range into populations; one ``(indptr, indices)`` pair
    (targets of each presynaptic neuron, local indices) is returned per
    population, or a single pair when ``splits`` is None.

    Notes
    -----
    Built pre-major directly, without sorting: the out-degrees are one
    multinomial draw (``n_post * k`` synapses over ``n_pre`` neurons, uniform),
    and the targets are the ``n_post * k`` postsynaptic slots (each neuron ``k``
    times) in a uniformly random order, cut into rows of those lengths. This is
    the distribution of ``k`` independent uniform partners per neuron. Memory:
    the int32 ``indices`` (shuffled in place) and ``n_pre + 1`` row pointers.
    Targets within a row are in random order.
    """
    check_csr_args(rng=rng, n_pre=n_pre, n_post=n_post, k=k, splits=splits)
    n_pre, n_post, k = int(n_pre), int(n_post), int(k)
    nnz = n_post * k
    if nnz > np.iinfo(np.int32).max:
        raise ValueError(f'n_post * k = {nnz} synapses exceed the int32 index range of one CSR matrix')
    counts = rng.multinomial(nnz, np.full(n_pre, 1.0 / n_pre))
    indptr = np.zeros(n_pre + 1, dtype=np.int32)
    np.cumsum(counts, out=indptr[1:])
    indices = np.repeat(np.arange(n_post, dtype=np.int32), k)
    rng.shuffle(indices)
    if splits is None:
        return indptr, indices
    out = []
    for lo, hi in zip(splits[:-1], splits[1:]):
        ptr = indptr[lo:hi + 1]
        out.append((ptr - ptr[0], indices[ptr[0]:ptr[-1]]))
    return out


_SYNAPSES_PER_BLOCK = 2**22  # expected synapses per block of rows drawn at once by probability_csr


def probability_csr(rng, n_pre, n_post, p):
    """Pre-major CSR where each pair is connected independently with probability ``p``.

    Returns ``(indptr, indices)`` (int32), targets sorted within each row.

    Notes
    -----
    The gaps between successive connected cells of the row-major
    ``n_pre x n_post`` grid, a sequence of Bernoulli(``p``) trials, are i.i.d.
    Geometric(``p``): drawing the gaps visits the synapses only, in
    O(``p n_pre n_post``) time, a block of rows at a time (the int64 positions
    of about 4 million synapses held at once).
    """
    check_csr_args(rng=rng, n_pre=n_pre, n_post=n_post, p=p)
    n_pre, n_post, p = int(n_pre), int(n_post), float(p)
    counts = np.zeros(n_pre, dtype=np.int64)
    blocks = [np.empty(0, dtype=np.int32)]
    rows_per_block = max(1, int(_SYNAPSES_PER_BLOCK / max(p * n_post, 1.0)))
    for lo in range(0, n_pre if p > 0 else 0, rows_per_block):
        hi = min(n_pre, lo + rows_per_block)
        cells = _bernoulli_successes(rng, (hi - lo) * n_post, p)
        counts[lo:hi] = np.bincount(cells // n_post, minlength=hi - lo)
        blocks.append((cells % n_post).astype(np.int32))
    if counts.sum() > np.iinfo(np.int32).max:
        raise ValueError(f'p={p} gives {counts.sum()} synapses, beyond the int32 index range of one CSR matrix')
    indptr = np.zeros(n_pre + 1, dtype=np.int32)
    np.cumsum(counts, out=indptr[1:])
    return indptr, np.concatenate(blocks)


def _bernoulli_successes(rng, n_trials, p):
    """Sorted positions of the successes among ``n_trials`` i.i.d. Bernoulli(``p``) trials."""
    mean = n_trials * p
    size = int(mean + 6 * np.sqrt(mean) + 16)
    positions = np.cumsum(rng.geometric(p, size=size)) - 1
    while positions[-1] < n_trials:  # more successes than gaps drawn (probability < 1e-9)
        positions = np.concatenate([positions, positions[-1] + np.cumsum(rng.geometric(p, size=size))])
    return positions[:np.searchsorted(positions, n_trials)]
