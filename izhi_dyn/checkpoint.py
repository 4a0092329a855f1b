"""Save and restore the full simulation state of a brainpy model, bit for bit.

A checkpoint holds every :class:`brainpy.math.Variable` of the model (neuron
and synapse states, delays, trainable parameters), the key of brainpy's global
random generator and the simulation time. Restoring it into a model built the
same way, in any process, and continuing gives the same result as the
uninterrupted run.

Variables are stored under their paths relative to the model (``'V'``,
``'E2I.syn.g'``), which do not depend on brainpy's automatic node numbering, so
a model rebuilt in a new process matches the file. Variables that rebuilding
the model reproduces (e.g. fixed weight matrices) can be stored as a SHA-256
fingerprint instead of their value: the file stays small and loading checks
that the rebuilt model really has the same values.

In a run across processes (:mod:`izhi_dyn.networks.distributed`) each process
saves and restores its own block of every sharded variable, in its own file.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

import brainpy.math as bm
import jax
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn._host import from_local, local_shape, local_value

__all__ = ['Checkpoint', 'save_checkpoint', 'load_checkpoint', 'read_checkpoint_extra']

_RNG = '__rng_key__'
_TIME = '__t__'
_EXTRA = '__extra__/'
_DIGEST = '__sha256__/'


class Checkpoint(NamedTuple):
    """What :func:`load_checkpoint` returns besides restoring the variables."""

    t: float
    extra: dict[str, np.ndarray]


def _variables(model) -> dict[str, bm.Variable]:
    return dict(model.vars(method='relative').unique().items())


def _digest(value) -> str:
    array = np.ascontiguousarray(local_value(value))
    head = f'{array.dtype.str}{array.shape}'.encode()
    return hashlib.sha256(head + array.tobytes()).hexdigest()


def _check_path(path, *, saving=False) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f'path={path!r}: expected a str or path-like file name')
    if os.path.isdir(path):
        raise ValueError(f'path={path!r}: expected a file name, got a directory')
    if not saving and not os.path.isfile(path):
        raise FileNotFoundError(f'path={path!r}: no such checkpoint file')


def _check_args(path, model, *, t=0.0, extra=None, saving=False) -> None:
    """Check the arguments of ``save_checkpoint`` (``saving=True``) or ``load_checkpoint``."""
    _check_path(path, saving=saving)
    import brainpy as bp

    if not isinstance(model, bp.DynamicalSystem):
        raise TypeError(f'model={model!r}: expected a brainpy DynamicalSystem')
    check.check_real('t', t)
    if extra is None:
        return
    if not isinstance(extra, Mapping):
        raise TypeError(f'extra={extra!r}: expected None or a dict of arrays')
    for key, value in extra.items():
        if not isinstance(key, str):
            raise TypeError(f'extra: key {key!r}: expected a str')
        if np.asarray(value).dtype.kind not in 'biufc':
            raise TypeError(f'extra[{key!r}]={value!r}: expected an array of numbers or bools')


def save_checkpoint(path, model, t: float, extra: dict[str, Any] | None = None, *,
                    fingerprint: Collection[str] = ()) -> pathlib.Path:
    """Write the state of ``model`` at time ``t`` (ms) to ``path`` (``.npz``).

    Parameters
    ----------
    path : str or path-like
        Output file; written atomically (a crash never leaves a truncated file).
    model : brainpy.DynamicalSystem
        The model whose variables are saved.
    t : float
        Simulation time the state corresponds to (ms).
    extra : dict of array-like, optional
        Additional arrays to keep with the state (e.g. recorded statistics).
    fingerprint : collection of str, optional
        Names of variables (relative paths, e.g. ``'E2E.comm.weight'``) that
        rebuilding the model reproduces: only a SHA-256 digest of their value is
        stored, and :func:`load_checkpoint` checks it.
    """
    _check_args(path, model, t=t, extra=extra, saving=True)
    path = pathlib.Path(path)
    variables = _variables(model)
    unknown = sorted(set(fingerprint) - set(variables))
    if unknown:
        raise ValueError(f'fingerprint={unknown}: not variables of the model (it has {sorted(variables)})')
    arrays = {}
    for name, var in variables.items():
        if name in fingerprint:
            arrays[_DIGEST + name] = np.asarray(_digest(var.value))
        else:
            arrays[name] = local_value(var.value)
    arrays[_RNG] = np.asarray(jax.random.key_data(bm.random.DEFAULT.value))
    arrays[_TIME] = np.asarray(float(t))
    for key, value in (extra or {}).items():
        arrays[_EXTRA + key] = np.asarray(value)
    tmp = path.with_name(path.name + '.tmp')
    with open(tmp, 'wb') as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def _check(path, stored, variables) -> None:
    values = {k for k in stored if k not in (_RNG, _TIME) and not k.startswith((_EXTRA, _DIGEST))}
    digests = {k[len(_DIGEST):] for k in stored if k.startswith(_DIGEST)}
    if values | digests != set(variables):
        missing, unknown = set(variables) - values - digests, (values | digests) - set(variables)
        raise ValueError(f'path={str(path)!r}: checkpoint does not match the model '
                         f'(missing {sorted(missing)}, unexpected {sorted(unknown)})')
    for name in values:
        saved, model = stored[name], variables[name].value
        if saved.shape != local_shape(model) or saved.dtype != model.dtype:
            raise ValueError(f'path={str(path)!r}: variable {name!r} has shape {saved.shape} and dtype '
                             f'{saved.dtype} in the checkpoint, the model expects shape {local_shape(model)} '
                             f'and dtype {model.dtype}')
    for name in digests:
        if str(stored[_DIGEST + name]) != _digest(variables[name].value):
            raise ValueError(f'path={str(path)!r}: variable {name!r} of the model differs from the one the '
                             f'checkpoint was saved with (SHA-256 mismatch); rebuild the model with the same '
                             f'arguments')


def load_checkpoint(path, model) -> Checkpoint:
    """Restore into ``model`` the state saved by :func:`save_checkpoint`.

    Every variable keeps its dtype and its placement (sharding) in the model.
    Nothing is modified unless the whole file matches.

    Raises
    ------
    ValueError
        If the file's variables do not match the model's (names, shapes,
        dtypes, or the fingerprints of variables saved as a digest).
    """
    _check_args(path, model)
    with np.load(path) as data:
        stored = {k: data[k] for k in data.files}
    variables = _variables(model)
    _check(path, stored, variables)
    for name, var in variables.items():
        if name in stored:
            # Only a multi-device placement is kept: committing an unsharded value to one
            # device would clash with sharded arguments in a jitted step.
            var.value = from_local(stored[name], var.value)
    bm.random.DEFAULT.value = jax.random.wrap_key_data(stored[_RNG])
    extra = {k[len(_EXTRA):]: v for k, v in stored.items() if k.startswith(_EXTRA)}
    return Checkpoint(float(stored[_TIME]), extra)


def read_checkpoint_extra(path) -> Checkpoint:
    """The time and ``extra`` arrays of a checkpoint, without a model and without restoring anything.

    Reads only those entries of the file, e.g. to check that it belongs to the
    run about to resume before building the model.

    Raises
    ------
    ValueError
        If ``path`` is not a checkpoint written by :func:`save_checkpoint`.
    """
    _check_path(path)
    with np.load(path) as data:
        if _TIME not in data.files:
            raise ValueError(f'path={str(path)!r}: not a checkpoint (no time entry)')
        extra = {k[len(_EXTRA):]: data[k] for k in data.files if k.startswith(_EXTRA)}
        return Checkpoint(float(data[_TIME]), extra)
