"""Save and restore the full simulation state of a brainpy model, bit for bit.

A checkpoint holds every :class:`brainpy.math.Variable` of the model (neuron
and synapse states, delays, trainable parameters), the key of brainpy's global
random generator and the simulation time. Restoring it into a model built the
same way, in any process, and continuing gives the same result as the
uninterrupted run.

Variables are stored under their paths relative to the model (``'V'``,
``'E2I.syn.g'``), which do not depend on brainpy's automatic node numbering, so
a model rebuilt in a new process matches the file.
"""

from __future__ import annotations

import os
import pathlib
from typing import Any, NamedTuple

import brainpy.math as bm
import jax
import numpy as np

__all__ = ['Checkpoint', 'save_checkpoint', 'load_checkpoint']

_RNG = '__rng_key__'
_TIME = '__t__'
_EXTRA = '__extra__/'


class Checkpoint(NamedTuple):
    """What :func:`load_checkpoint` returns besides restoring the variables."""

    t: float
    extra: dict[str, np.ndarray]


def _variables(model) -> dict[str, bm.Variable]:
    return dict(model.vars(method='relative').unique().items())


def save_checkpoint(path, model, t: float, extra: dict[str, Any] | None = None) -> pathlib.Path:
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
    """
    path = pathlib.Path(path)
    arrays = {name: np.asarray(var.value) for name, var in _variables(model).items()}
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


def load_checkpoint(path, model) -> Checkpoint:
    """Restore into ``model`` the state saved by :func:`save_checkpoint`.

    Raises
    ------
    ValueError
        If the file's variables do not match the model's (names or shapes).
    """
    with np.load(path) as data:
        stored = {k: data[k] for k in data.files}
    variables = _variables(model)
    saved_names = {k for k in stored if k not in (_RNG, _TIME) and not k.startswith(_EXTRA)}
    if saved_names != set(variables):
        missing, unknown = set(variables) - saved_names, saved_names - set(variables)
        raise ValueError(f'path={str(path)!r}: checkpoint does not match the model '
                         f'(missing {sorted(missing)}, unexpected {sorted(unknown)})')
    for name, var in variables.items():
        if stored[name].shape != var.value.shape:
            raise ValueError(f'path={str(path)!r}: variable {name!r} has shape {stored[name].shape}, '
                             f'the model expects {var.value.shape}')
        var.value = jax.numpy.asarray(stored[name], dtype=var.value.dtype)
    bm.random.DEFAULT.value = jax.random.wrap_key_data(stored[_RNG])
    extra = {k[len(_EXTRA):]: v for k, v in stored.items() if k.startswith(_EXTRA)}
    return Checkpoint(float(stored[_TIME]), extra)
