"""Spike events of a network run: the result record, its concatenation, and bit-unpacking.

Spikes leave the device bit-packed (``N / 8`` bytes per step, ``np.packbits``
order) and become ``(step, index)`` events on the host, so memory holds the
events, never a dense steps x N array.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['NetworkResult', 'SavedRun', 'concatenate_results', 'unpack_events']


class NetworkResult(NamedTuple):
    """Spike events of a network run.

    Attributes
    ----------
    steps : int array (n_spikes,)
        Step index of each spike (time = ``t0 + steps * dt``, ms; the spike time
        is the start of the step whose update crossed threshold).
    indices : int array (n_spikes,)
        Neuron index, excitatory neurons first (``< n_exc``).
    counts_exc, counts_inh : int array (n_steps,)
        Spikes per step of each population.
    dt, t0 : float (ms)
    n_exc, n_inh : int
    sim_wall_s : float
        Wall time of the simulation loop, compilation excluded (see
        :meth:`NetworkRunner.compile`), host-side event extraction included.
    compile_s : float
        Trace + compile time of the runner's programs so far.
    """

    steps: np.ndarray
    indices: np.ndarray
    counts_exc: np.ndarray
    counts_inh: np.ndarray
    dt: float
    t0: float
    n_exc: int
    n_inh: int
    sim_wall_s: float
    compile_s: float

    @property
    def n_steps(self) -> int:
        return int(self.counts_exc.shape[0])

    @property
    def times(self) -> np.ndarray:
        """Spike times (ms)."""
        return self.t0 + self.steps * self.dt

    @property
    def duration(self) -> float:
        return self.n_steps * self.dt


class SavedRun(NamedTuple):
    """What :meth:`NetworkRunner.restore` returns besides restoring the network.

    Attributes
    ----------
    events : NetworkResult
        The events of the run from step 0 to the checkpoint (``t0 = 0``).
    metadata : dict
        The ``metadata`` given to :meth:`NetworkRunner.save`.
    """

    events: NetworkResult
    metadata: dict


def concatenate_results(results: Sequence[NetworkResult]) -> NetworkResult:
    """One :class:`NetworkResult` of consecutive runs of one network (each starting where the last ended).

    Steps count from the start of the first; wall times add up; ``compile_s`` is the last one's.
    """
    if not isinstance(results, (list, tuple)) or not all(isinstance(r, NetworkResult) for r in results):
        raise TypeError(f'results={results!r}: expected a list of NetworkResult')
    if not results:
        raise ValueError('results=[]: expected at least one NetworkResult')
    first = results[0]
    offsets = [int(round((r.t0 - first.t0) / first.dt)) for r in results]
    cat = lambda xs: np.concatenate(xs).astype(np.int32)  # noqa: E731
    return first._replace(steps=cat([r.steps + k for r, k in zip(results, offsets)]),
                          indices=cat([r.indices for r in results]),
                          counts_exc=cat([r.counts_exc for r in results]),
                          counts_inh=cat([r.counts_inh for r in results]),
                          sim_wall_s=float(sum(r.sim_wall_s for r in results)), compile_s=results[-1].compile_s)


def unpack_events(packed: np.ndarray, n: int):
    """``(row, index)`` of the set bits of a ``(rows, ceil(n / 8))`` ``np.packbits`` array.

    Only the nonzero bytes are unpacked, so the cost follows the number of spikes.
    """
    n = check.check_int('n', n, lower=0)
    shape = np.shape(packed)
    if getattr(packed, 'dtype', None) != np.uint8 or len(shape) != 2 or shape[1] != -(-n // 8):
        raise ValueError(f'packed: expected a uint8 array of shape (rows, {-(-n // 8)}) from np.packbits, '
                         f'got {getattr(packed, "dtype", type(packed).__name__)} of shape {shape}')
    packed = np.asarray(packed)
    rows, cols = np.nonzero(packed)
    if rows.size == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    bits = np.unpackbits(packed[rows, cols][:, None], axis=1)  # MSB first
    r, b = np.nonzero(bits)
    idx = (cols[r].astype(np.int64) * 8 + b).astype(np.int32)
    keep = idx < n
    return rows[r][keep].astype(np.int32), idx[keep]
