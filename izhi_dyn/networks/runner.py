"""Run a network in fixed-size chunks through one compiled step loop; record spike events.

Each chunk of ``chunk`` steps is one call of a ``bm.jit``-compiled ``bm.for_loop``
whose only argument is the index of its first step, so the program is traced and
compiled once per (network, chunk length) and then reused for every chunk and for
later calls. Spikes leave the device bit-packed and are turned into events
chunk by chunk (:mod:`izhi_dyn.networks.events`).

:meth:`NetworkRunner.save` and :meth:`NetworkRunner.restore` checkpoint a run
(the network's state, the step reached, the events so far and the caller's
metadata) through :mod:`izhi_dyn.checkpoint`, so a killed run resumes and ends
bit for bit as the uninterrupted one.
"""

from __future__ import annotations

import json
import time
from typing import Any, Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn._host import to_host
from izhi_dyn.checkpoint import load_checkpoint, read_checkpoint_extra, save_checkpoint
from izhi_dyn.networks._args import check_runner_args
from izhi_dyn.networks._comm import EventCSR, EventDense
from izhi_dyn.networks._projection import CurrentProj
from izhi_dyn.networks.events import NetworkResult, SavedRun, unpack_events

__all__ = ['NetworkRunner', 'run_network']

# Keys of a runner checkpoint's extras: the metadata as JSON text stored as bytes (extras are
# numeric; the name predates the runner's methods, kept so older checkpoints resume), the step
# reached, and the events of the run so far.
_METADATA, _STEP = 'config_json', 'step_index'
_EVENTS = ('steps', 'indices', 'counts_exc', 'counts_inh')


class NetworkRunner:
    """Compiled chunked runner for a network with populations ``E`` and ``I``.

    Parameters
    ----------
    net : brainpy.DynSysGroup
        A network exposing populations ``net.E`` and ``net.I`` (e.g.
        :class:`izhi_dyn.networks.CorticalNetwork2003`).
    dt : float, default 1.0
        Step (ms).
    chunk : int, default 100
        Steps per compiled call.
    record : bool, default True
        Record spike events; False keeps only per-step counts (cheapest).
    """

    def __init__(self, net, *, dt: float = 1.0, chunk: int = 100, record: bool = True):
        check_runner_args(net=net, dt=dt, chunk=chunk, record=record)
        self.net, self.dt, self.chunk, self.record = net, float(dt), int(chunk), bool(record)
        self.step_index = 0
        self._programs = {}
        self._compiled = set()
        self.compile_s = 0.0

    def _program(self, length):
        if length not in self._programs:
            _strong_types(self.net)
            net, dt, record = self.net, self.dt, self.record

            def body(i):
                bp.share.save(i=i, t=i * dt, dt=dt)
                net.update()
                se, si = bm.as_jax(net.E.spike.value), bm.as_jax(net.I.spike.value)
                counts = (jnp.sum(se, dtype=jnp.int32), jnp.sum(si, dtype=jnp.int32))
                if record:
                    return counts, jnp.packbits(jnp.concatenate([se, si]).astype(jnp.uint8))
                return counts, None

            def chunk(start):
                return bm.for_loop(body, start + jnp.arange(length, dtype=jnp.int32), progress_bar=False)

            self._programs[length] = bm.jit(chunk)
        return self._programs[length]

    def load_state(self, other) -> None:
        """Copy every variable of ``other`` (a network of the same architecture and
        sizes, e.g. built with another seed) into this runner's network and restart
        at step 0: the compiled programs are reused, nothing is retraced."""
        mine, theirs = self.net.vars().unique(), other.vars().unique()
        if len(mine) != len(theirs):
            raise ValueError('other network has a different structure')
        for (k, a), b in zip(mine.items(), theirs.values()):
            if a.shape != b.shape or a.dtype != b.dtype:
                raise ValueError(f'variable {k}: {a.shape}/{a.dtype} vs {b.shape}/{b.dtype}')
            a.value = jnp.asarray(np.asarray(b.value))
        self.step_index = 0

    def save(self, path, events: Optional[NetworkResult] = None, metadata: Optional[dict[str, Any]] = None):
        """Checkpoint the run at the current step (atomically) to ``path`` (``.npz``).

        Parameters
        ----------
        path : str or path-like
        events : NetworkResult, optional
            The events of the run from step 0 to now (e.g. :func:`concatenate_results`
            of its segments); :meth:`restore` gives them back.
        metadata : dict, optional
            JSON-serialisable values kept with the state (e.g. the arguments that
            built the network); :meth:`read_metadata` reads them without a network.

        Notes
        -----
        The connectivity (weights and indices of every projection's ``comm``),
        which rebuilding the network with the same arguments reproduces, is stored
        as a SHA-256 fingerprint, not its value (see :func:`izhi_dyn.save_checkpoint`).
        """
        if events is not None:
            check.check_type('events', events, NetworkResult, 'a NetworkResult of the run so far, or None')
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f'metadata={metadata!r}: expected a dict of JSON values, or None')
        try:
            text = json.dumps({} if metadata is None else metadata, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise TypeError(f'metadata={metadata!r}: expected JSON-serialisable values ({err})') from err
        n = 0 if events is None else events.n_steps
        if events is not None and n != self.step_index:
            raise ValueError(f'events: {n} steps, expected the {self.step_index} steps run so far')
        if events is None:
            empty = np.zeros(0, np.int32)
            arrays = dict.fromkeys(_EVENTS, empty)
        else:
            arrays = {k: np.asarray(getattr(events, k), np.int32) for k in _EVENTS}
        extra = {_METADATA: np.frombuffer(text.encode(), np.uint8), _STEP: self.step_index, **arrays}
        fingerprint = [k for k in self.net.vars(method='relative').unique()
                       if k.endswith(('.comm.weight', '.comm.indices'))]
        return save_checkpoint(path, self.net, self.step_index * self.dt, extra, fingerprint=fingerprint)

    @staticmethod
    def read_metadata(path) -> dict:
        """The ``metadata`` of a checkpoint written by :meth:`save`, read without a network.

        Raises ``ValueError`` if ``path`` is not such a checkpoint.
        """
        extra = read_checkpoint_extra(path).extra
        if _METADATA not in extra or _STEP not in extra:
            raise ValueError(f'path={str(path)!r}: not a checkpoint of a NetworkRunner')
        return json.loads(extra[_METADATA].tobytes().decode())

    def restore(self, path) -> SavedRun:
        """Restore the network's state and the step reached from a checkpoint written by :meth:`save`.

        The network must be built with the arguments of the saved one; the next
        :meth:`run` continues from the saved step. Returns the saved events and metadata.
        """
        self.read_metadata(path)  # a foreign file is refused before the network is touched
        extra = load_checkpoint(path, self.net).extra
        self.step_index = int(extra[_STEP])
        events = NetworkResult(*(np.asarray(extra[k], np.int32) for k in _EVENTS), self.dt, 0.0,
                               self.net.n_exc, self.net.n_inh, 0.0, self.compile_s)
        return SavedRun(events, json.loads(extra[_METADATA].tobytes().decode()))

    def compile(self, length: Optional[int] = None):
        """Trace and compile the program of ``length`` steps (default ``chunk``) ahead of
        time, without running it; the network's event kernels (Numba functions that
        brainevent compiles on their first call) are called once on silent input.
        The time it takes is added to :attr:`compile_s`."""
        length = self.chunk if length is None else int(length)
        program = self._program(length)
        if length in self._compiled:
            return program
        tic = time.perf_counter()
        with bm.environment(dt=self.dt):
            program.compile(jnp.int32(self.step_index))
        _warm_event_kernels(self.net)
        self.compile_s += time.perf_counter() - tic
        self._compiled.add(length)
        return program

    def run(self, duration: float, *, progress: bool = False, sink=None) -> NetworkResult:
        """Advance the network by ``duration`` ms from where it stands; return its events.

        Parameters
        ----------
        duration : float
            Simulated time (ms), a multiple of ``dt``.
        progress : bool, default False
            Show a progress bar.
        sink : callable, optional
            ``sink(steps, indices)`` receives the events of every chunk as it
            finishes (steps counted from the start of this call, as in the
            result), and the result keeps none: memory stays flat however long
            the run (e.g. append them to a file). The per-step counts are kept.
        """
        check.check_real('duration', duration, lower=0.0)
        if sink is not None and not callable(sink):
            raise TypeError(f'sink={sink!r}: expected a callable sink(steps, indices) or None')
        n_steps = int(round(duration / self.dt))
        if abs(n_steps * self.dt - duration) > 1e-6 * max(1.0, duration):
            raise ValueError(f'duration={duration} must be a multiple of dt={self.dt}')
        n_exc, n_inh = self.net.n_exc, self.net.n_inh
        t0, first = self.step_index * self.dt, self.step_index
        steps, idxs, ce, ci = [], [], [], []
        if n_steps:
            self.compile(min(self.chunk, n_steps))
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=n_steps, unit='ms' if self.dt == 1 else 'step', desc='network')
        sim, done = 0.0, 0
        with bm.environment(dt=self.dt):
            while done < n_steps:
                length = min(self.chunk, n_steps - done)
                program = self.compile(length)
                tic = time.perf_counter()
                (c_e, c_i), packed = program(jnp.int32(self.step_index))
                c_e, c_i = to_host(c_e), to_host(c_i)  # gathered from every process in a distributed run
                if packed is not None:
                    packed = to_host(packed)
                sim += time.perf_counter() - tic
                if packed is not None:
                    r, ix = unpack_events(packed, n_exc + n_inh)
                    r += self.step_index - first
                    if sink is None:
                        steps.append(r)
                        idxs.append(ix)
                    else:
                        sink(r, ix)
                ce.append(c_e)
                ci.append(c_i)
                self.step_index += length
                done += length
                if bar is not None:
                    bar.update(length)
        if bar is not None:
            bar.close()
        cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)  # noqa: E731
        return NetworkResult(cat(steps, np.int32), cat(idxs, np.int32), cat(ce, np.int32), cat(ci, np.int32),
                             self.dt, t0, n_exc, n_inh, sim, self.compile_s)


def _warm_event_kernels(net):
    # brainevent registers a kernel under a digest of its code, so this eager call and the
    # compiled program share one Numba function, compiled here for the same argument types.
    for node in net.nodes().unique().values():
        if isinstance(node, CurrentProj) and isinstance(node.comm, (EventDense, EventCSR)):
            jax.block_until_ready(node.comm(jnp.zeros(node.comm.shape[0], bool)))


def _strong_types(net):
    # A weak-typed initial value (e.g. a Constant(-1e7) initializer) turns strong
    # after the first step and would make jit trace and compile a second time.
    for var in net.vars().unique().values():
        if getattr(var.value, 'weak_type', False):
            var.value = jnp.asarray(var.value, dtype=var.value.dtype)  # on its devices (may span processes)


def run_network(net, duration: float, *, dt: float = 1.0, chunk: int = 100, record: bool = True,
                progress: bool = False, sink=None) -> NetworkResult:
    """Simulate ``net`` for ``duration`` ms in compiled chunks; see :class:`NetworkRunner`."""
    return NetworkRunner(net, dt=dt, chunk=chunk, record=record).run(duration, progress=progress, sink=sink)
