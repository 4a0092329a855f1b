"""Runs of a network across processes, on JAX's multi-controller runtime (:mod:`jax.distributed`).

Every process runs the same program (one JAX "controller" per process) on a
mesh of all the processes' devices. The network is the single-process one
sharded over that mesh (``CorticalNetwork2003(devices=jax.device_count())``,
see :class:`~izhi_dyn.networks.CorticalNetwork2003`): each process holds the
state of its block of neurons and the synapses onto them, and the spike
vector is all-gathered once per step, inside the compiled step. The
arithmetic is that of one device, in the same order, so the spikes are those
of a single-process run, bit for bit. On CPUs the collectives go through
gloo (TCP); on GPUs through NCCL; under SLURM ``jax.distributed.initialize()``
finds the coordinator and the process ids itself.

:func:`initialize` starts this process's part; :func:`launch` starts ``n``
local processes over loopback (``izhi-dyn network --processes N``);
:func:`process_path` names each process's checkpoint file.
"""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

from izhi_dyn import _validation as check

__all__ = ['initialize', 'launch', 'process_path', 'free_port']


def _check_coordinator(coordinator) -> str:
    host, _, port = str(coordinator).rpartition(':')
    if not isinstance(coordinator, str) or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'coordinator={coordinator!r}: expected HOST:PORT (e.g. 127.0.0.1:12345)')
    return coordinator


def initialize(coordinator: str, num_processes: int, process_id: int, *, timeout_s: int = 300) -> None:
    """Join a run of ``num_processes`` processes as process ``process_id``.

    Call it before anything else uses JAX (the first computation fixes the
    devices). Selects gloo for collectives between CPU processes.

    Parameters
    ----------
    coordinator : str
        ``HOST:PORT`` of process 0, which serves the coordination service there.
    num_processes : int
    process_id : int
        From 0 to ``num_processes - 1``.
    timeout_s : int, default 300
        How long to wait for every process to join (s).
    """
    _check_coordinator(coordinator)
    check.check_int('num_processes', num_processes, lower=1)
    if check.check_int('process_id', process_id, lower=0) >= num_processes:
        raise ValueError(f'process_id={process_id!r}: expected an int < num_processes = {num_processes}')
    import jax

    jax.config.update('jax_cpu_collectives_implementation', 'gloo')
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=int(num_processes),
                               process_id=int(process_id), initialization_timeout=int(timeout_s))


def process_path(path, process_id: int, num_processes: int) -> pathlib.Path:
    """This process's file for ``path`` in a run of ``num_processes`` (``path`` itself for one):
    ``state.npz`` -> ``state.process1of4.npz``."""
    path = pathlib.Path(path)
    if num_processes == 1:
        return path
    return path.with_name(f'{path.stem}.process{process_id}of{num_processes}{path.suffix}')


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def launch(argv: Sequence[str], processes: int, *, port: int | None = None, timeout_s: float | None = None,
           quiet_workers: bool = True) -> int:
    """Run ``izhi-dyn network *argv`` as ``processes`` local processes talking over 127.0.0.1.

    Process ``i`` gets ``--coordinator 127.0.0.1:PORT --num-processes N --process-id i``;
    process 0 writes the outputs. Returns 0 when all succeed, else the first
    failing exit status; the others are then killed. JAX runs on the CPU
    (``JAX_PLATFORMS=cpu``) unless the environment says otherwise.

    Parameters
    ----------
    argv : sequence of str
        Arguments of ``izhi-dyn network`` (without ``--processes``).
    processes : int
    port : int, optional
        Coordinator port (default: a free one).
    timeout_s : float, optional
        Kill every process after this long (s); None waits.
    quiet_workers : bool, default True
        Discard the standard output of processes other than 0.
    """
    check.check_int('processes', processes, lower=1)
    port = free_port() if port is None else check.check_int('port', port, lower=1)
    env = dict(os.environ)
    env.setdefault('JAX_PLATFORMS', 'cpu')
    coord = ['--coordinator', f'127.0.0.1:{port}', '--num-processes', str(processes)]
    procs = []
    try:
        for i in range(processes):
            out = subprocess.DEVNULL if quiet_workers and i else None
            procs.append(subprocess.Popen([sys.executable, '-m', 'izhi_dyn.cli', 'network', *argv, *coord,
                                           '--process-id', str(i)], env=env, stdout=out))
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            codes = [p.poll() for p in procs]
            failed = [c for c in codes if c not in (None, 0)]
            if failed:
                return failed[0]
            if all(c == 0 for c in codes):
                return 0
            if deadline is not None and time.monotonic() > deadline:
                return 124
            time.sleep(0.05)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
