"""Random connectivity drawn by blocks of postsynaptic neurons, each from its own counter-based stream.

The synapses onto postsynaptic neurons ``j`` of block ``b = j // T`` (``T``
targets per block, about ``2**18`` synapses) come from Philox-4x64 (Salmon et
al. 2011) keyed by the seed, with the counter starting at ``(0, 0, b, 0)``. A
process, or a device, draws only the blocks of its own neurons and gets the
synapses a single process would: the network depends on the seed only, not on
how it is split. The pre-major CSR of any range of targets is assembled block
by block (a counting sort: the output plus per-block temporaries).
"""

from __future__ import annotations

import numpy as np

from izhi_dyn.networks._args import check_csr_args, check_span, check_synapse_args

__all__ = ['RandomSynapses', 'fixed_in_degree_csr', 'probability_csr']

_SYNAPSES_PER_BLOCK = 2**18  # expected synapses per block of targets (one stream each)


class RandomSynapses:
    r"""Random synapses from ``n_pre`` to ``n_post`` neurons, drawn for any range of targets on demand.

    Each postsynaptic neuron ``j`` receives, from presynaptic neurons ``i``:

    * ``k`` given: ``k`` partners uniform among ``n_pre``, with replacement
      (NEST's ``fixed_indegree`` default);
    * ``p`` given: each ``i`` independently with probability ``p``;
    * neither: every ``i`` (all-to-all).

    A synapse's weight is ``gain[i] * U(0, 1)`` in ``dtype``. Blocks of targets
    are drawn from independent streams keyed by ``key`` and the block's index,
    so :meth:`csr` and :meth:`dense` of a range of targets give the rows of the
    whole matrix's, whichever ranges are asked for. ``shape`` is
    ``(n_pre, n_post)`` of the kept rows and targets.

    Parameters
    ----------
    key : int
        Philox key, in ``[0, 2**128)``.
    n_pre, n_post : int
    k : int, optional
    p : float, optional
    gain : float or array of shape (n_pre,), default 1.0
    dtype : numpy float dtype, default float32
    rows : (int, int), optional
        Keep only the presynaptic neurons ``rows[0]:rows[1]`` (renumbered from 0).
    targets : (int, int), optional
        Keep only the postsynaptic neurons ``targets[0]:targets[1]`` (renumbered from 0).

    Notes
    -----
    Fixed in-degree: the ``T k`` sources of a block, target after target, are one
    draw of integers. Probability: the gaps between the connected cells of the
    block's target-major ``T x n_pre`` grid are i.i.d. Geometric(``p``), so a block
    costs O(its synapses). Then the weights' uniforms, in the same order.
    """

    def __init__(self, key, n_pre, n_post, *, k=None, p=None, gain=1.0, dtype=np.float32, rows=None,
                 targets=None):
        check_synapse_args(key=key, n_pre=n_pre, n_post=n_post, k=k, p=p, gain=gain, dtype=dtype, rows=rows,
                           targets=targets)
        self._setup(key, n_pre, n_post, k, p, gain, dtype, rows, targets)

    def _setup(self, key, n_pre, n_post, k, p, gain, dtype, rows, targets):
        self.key, self.k, self.p, self.dtype = int(key), k, p, np.dtype(dtype)
        self.n_pre_all, self.n_post_all = int(n_pre), int(n_post)
        self.rows = (0, self.n_pre_all) if rows is None else tuple(int(r) for r in rows)
        self.targets = (0, self.n_post_all) if targets is None else tuple(int(t) for t in targets)
        self.shape = (self.rows[1] - self.rows[0], self.targets[1] - self.targets[0])  # (n_pre, n_post) kept
        self.gain = np.broadcast_to(np.asarray(gain, dtype=self.dtype), (self.n_pre_all,))
        in_degree = self.n_pre_all if k is None and p is None else (k if p is None else p * self.n_pre_all)
        self.block = max(1, int(_SYNAPSES_PER_BLOCK / max(in_degree, 1.0)))

    def view(self, rows=None, targets=None) -> 'RandomSynapses':
        """The same synapses restricted to ``rows`` and ``targets`` (ranges of this view's numbering)."""
        check_span('rows', rows, self.shape[0])
        check_span('targets', targets, self.shape[1])
        r0, t0 = self.rows[0], self.targets[0]
        rows = self.rows if rows is None else (r0 + rows[0], r0 + rows[1])
        targets = self.targets if targets is None else (t0 + targets[0], t0 + targets[1])
        out = _unchecked(self.key, self.n_pre_all, self.n_post_all, k=self.k, p=self.p, gain=self.gain,
                         dtype=self.dtype, rows=rows, targets=targets)
        out.block = self.block
        return out

    def _blocks(self, lo, hi, weights):
        """``(first target, starts, sources, uniforms)`` of the blocks covering targets ``lo:hi`` (this view's
        numbering), cut to that range; ``starts[t]`` is where target ``first + t``'s synapses begin."""
        t0, n_pre = self.targets[0], self.n_pre_all
        lo, hi = lo + t0, hi + t0
        for b in range(lo // self.block, -(-hi // self.block)):
            b_lo, b_hi = b * self.block, min((b + 1) * self.block, self.n_post_all)
            rng = np.random.Generator(np.random.Philox(key=self.key, counter=[0, 0, b, 0]))
            n = b_hi - b_lo
            if self.k is not None:
                src, starts = rng.integers(0, n_pre, size=n * self.k, dtype=np.int32), np.arange(n + 1) * self.k
            elif self.p is not None:
                cells = _bernoulli_successes(rng, n * n_pre, self.p)
                src, starts = (cells % n_pre).astype(np.int32), np.searchsorted(cells, np.arange(n + 1) * n_pre)
            else:
                src, starts = None, np.arange(n + 1) * n_pre
            u = rng.random(int(starts[-1]), dtype=self.dtype) if weights else None
            a, z = max(lo, b_lo) - b_lo, min(hi, b_hi) - b_lo
            s0, s1 = starts[a], starts[z]
            yield (b_lo + a - t0, starts[a:z + 1] - s0, None if src is None else src[s0:s1],
                   None if u is None else u[s0:s1])

    def _pieces(self, lo, hi, weights):
        """``(local targets, sources, weights)`` of targets ``lo:hi`` whose sources are in ``rows``."""
        r0, r1 = self.rows
        for first, starts, src, u in self._blocks(lo, hi, weights):
            tgt = np.repeat(np.arange(first - lo, first - lo + starts.size - 1, dtype=np.int32), np.diff(starts))
            if (r0, r1) != (0, self.n_pre_all):
                keep = (src >= r0) & (src < r1)
                tgt, src, u = tgt[keep], src[keep] - r0, None if u is None else u[keep]
            yield tgt, src, None if u is None else u * self.gain[r0:r1][src]

    def row_counts(self, lo, hi) -> np.ndarray:
        """Number of synapses of each presynaptic neuron onto targets ``lo:hi`` (int64; sparse only)."""
        counts = np.zeros(self.shape[0], dtype=np.int64)
        for _, src, _ in self._pieces(lo, hi, weights=False):
            counts += np.bincount(src, minlength=self.shape[0])
        return counts

    def csr(self, lo=0, hi=None, ptr=None, *, weights=True):
        """Pre-major CSR ``(indptr, indices, weight)`` of the synapses onto targets ``lo:hi``.

        ``indices`` are local (``j - lo``); within a row the synapses are in
        increasing target order. With ``ptr`` (row pointer whose rows are at
        least the row counts), row ``i`` fills slots ``ptr[i]:`` and the rest of
        the row is padding (target 0, weight 0). ``weight`` is None when
        ``weights=False``.
        """
        if self.k is None and self.p is None:
            raise ValueError('csr(): the synapses are all-to-all (neither k nor p given), use dense()')
        hi = self.shape[1] if hi is None else hi
        if ptr is None:
            ptr = np.zeros(self.shape[0] + 1, dtype=np.int64)
            np.cumsum(self.row_counts(lo, hi), out=ptr[1:])
        if ptr[-1] > np.iinfo(np.int32).max:
            raise ValueError(f'{ptr[-1]} synapses exceed the int32 index range of one CSR matrix')
        indices = np.zeros(int(ptr[-1]), dtype=np.int32)
        weight = np.zeros(int(ptr[-1]), dtype=self.dtype) if weights else None
        fill = np.array(ptr[:-1], dtype=np.int64)  # next free slot of each row
        for tgt, src, w in self._pieces(lo, hi, weights):
            order = _stable_order(src, self.shape[0])  # by row; target order kept within a row
            key = src[order]
            first = np.flatnonzero(np.diff(key, prepend=-1))
            rows, count = key[first], np.diff(first, append=key.size)
            slot = np.repeat(fill[rows] - first, count) + np.arange(key.size)
            indices[slot] = tgt[order]
            if weights:
                weight[slot] = w[order]
            fill[rows] += count
        return np.asarray(ptr, dtype=np.int32), indices, weight

    def dense(self, lo=0, hi=None) -> np.ndarray:
        """The ``(n_pre, hi - lo)`` weight matrix of targets ``lo:hi`` (all-to-all only)."""
        if self.k is not None or self.p is not None:
            raise ValueError('dense(): the synapses are sparse (k or p given)')
        hi = self.shape[1] if hi is None else hi
        r0, r1 = self.rows
        W = np.empty((r1 - r0, hi - lo), dtype=self.dtype)
        for first, starts, _, u in self._blocks(lo, hi, weights=True):
            block = u.reshape(starts.size - 1, self.n_pre_all)[:, r0:r1]
            W[:, first - lo:first - lo + block.shape[0]] = (block * self.gain[r0:r1]).T
        return W


def _unchecked(key, n_pre, n_post, *, k=None, p=None, gain=1.0, dtype=np.float32, rows=None, targets=None):
    """A :class:`RandomSynapses` built from arguments already checked (a view, the CSR builders below)."""
    synapses = RandomSynapses.__new__(RandomSynapses)
    synapses._setup(key, n_pre, n_post, k, p, gain, dtype, rows, targets)
    return synapses


def _stable_order(src, n_pre):
    """``np.argsort(src, kind='stable')`` of int32 ``src`` in ``[0, n_pre)``, as a radix sort of 16-bit digits
    (NumPy's stable sort of 16-bit integers; twice as fast as its merge sort of int32 here)."""
    order = np.argsort(src.astype(np.uint16), kind='stable')
    if n_pre > 2**16:
        order = order[np.argsort((src[order] >> 16).astype(np.uint16), kind='stable')]
    return order


def _rng_key(rng):
    return int.from_bytes(rng.bytes(16), 'little')


def fixed_in_degree_csr(rng, n_pre, n_post, k, splits=None):
    """Pre-major CSR matrices for a fixed in-degree ``k``.

    Each of the ``n_post`` postsynaptic neurons draws ``k`` presynaptic partners
    uniformly among ``n_pre`` neurons (with replacement, as NEST's
    ``fixed_indegree`` default; :class:`RandomSynapses` keyed by 16 bytes of
    ``rng``). ``splits`` (boundaries such as ``[0, ne, n]``) cuts the
    presynaptic range into populations; one ``(indptr, indices)`` pair (targets
    of each presynaptic neuron, local indices) is returned per population, or a
    single pair when ``splits`` is None. Targets within a row are increasing.
    """
    check_csr_args(rng=rng, n_pre=n_pre, n_post=n_post, k=k, splits=splits)
    if int(n_post) * int(k) > np.iinfo(np.int32).max:
        raise ValueError(f'n_post * k = {int(n_post) * int(k)} synapses exceed the int32 index range of one '
                         f'CSR matrix')
    indptr, indices, _ = _unchecked(_rng_key(rng), n_pre, n_post, k=int(k)).csr(weights=False)
    if splits is None:
        return indptr, indices
    out = []
    for lo, hi in zip(splits[:-1], splits[1:]):
        ptr = indptr[int(lo):int(hi) + 1]
        out.append((ptr - ptr[0], indices[ptr[0]:ptr[-1]]))
    return out


def probability_csr(rng, n_pre, n_post, p):
    """Pre-major CSR where each pair is connected independently with probability ``p``.

    Returns ``(indptr, indices)`` (int32), targets sorted within each row
    (:class:`RandomSynapses` keyed by 16 bytes of ``rng``).
    """
    check_csr_args(rng=rng, n_pre=n_pre, n_post=n_post, p=p)
    return _unchecked(_rng_key(rng), n_pre, n_post, p=float(p)).csr(weights=False)[:2]


def _bernoulli_successes(rng, n_trials, p):
    """Sorted positions of the successes among ``n_trials`` i.i.d. Bernoulli(``p``) trials."""
    if p <= 0:
        return np.empty(0, dtype=np.int64)
    mean = n_trials * p
    size = int(mean + 6 * np.sqrt(mean) + 16)
    positions = np.cumsum(rng.geometric(p, size=size)) - 1
    while positions[-1] < n_trials:  # more successes than gaps drawn (probability < 1e-9)
        positions = np.concatenate([positions, positions[-1] + np.cumsum(rng.geometric(p, size=size))])
    return positions[:np.searchsorted(positions, n_trials)]
