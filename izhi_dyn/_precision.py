"""Precision follows JAX's ``jax_enable_x64`` flag, whoever set it and whenever.

Importing brainpy (through brainstate) turns ``jax_enable_x64`` off and sets
brainpy's default float to float32, whatever the user asked for before. The
package imports brainpy only when a name that needs it is first used, so
:func:`keep_x64_through_brainstate_import` reads the flag when brainstate's
import starts and restores it when that import ends
(:func:`x64_requested`, :func:`follow_jax_precision`); objects built later
call :func:`follow_jax_precision` once in their constructor, so a flag set
after ``import izhi_dyn`` is honoured too, and take their own float dtype from
:func:`float_dtype`, which reads JAX's flag rather than brainpy's copy of it.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys

import jax
import jax.numpy as jnp

__all__ = ['x64_requested', 'follow_jax_precision', 'float_dtype', 'keep_x64_through_brainstate_import']

_TRUE = ('1', 'true', 'yes', 'on')


def x64_requested() -> bool:
    """Whether the user asked for float64: JAX's flag now, or ``JAX_ENABLE_X64`` in the environment."""
    return bool(jax.config.read('jax_enable_x64')) or os.environ.get('JAX_ENABLE_X64', '').lower() in _TRUE


def follow_jax_precision(x64: bool | None = None) -> None:
    """Make brainpy's and brainstate's default dtypes match ``x64`` (default: JAX's flag now)."""
    import brainpy.math as bm

    x64 = bool(jax.config.read('jax_enable_x64')) if x64 is None else x64
    if (jnp.dtype(bm.float_) == jnp.float64) != x64 or bool(jax.config.read('jax_enable_x64')) != x64:
        (bm.enable_x64 if x64 else bm.disable_x64)()


def float_dtype():
    """The float dtype JAX computes in now: float64 under ``jax_enable_x64``, else float32."""
    return jnp.float64 if jax.config.read('jax_enable_x64') else jnp.float32


class _KeepX64(importlib.abc.MetaPathFinder):
    """Finds brainstate (once) with a loader that restores a float64 request after running it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'brainstate':
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            x64 = x64_requested()
            run(module)
            if x64:
                jax.config.update('jax_enable_x64', True)
                module.environ.set(precision=64)

        spec.loader.exec_module = exec_module  # this module's loader object only
        return spec


def keep_x64_through_brainstate_import() -> None:
    """Make brainstate's future import keep ``jax_enable_x64`` as it finds it (no-op once imported)."""
    if 'brainstate' not in sys.modules and not any(isinstance(f, _KeepX64) for f in sys.meta_path):
        sys.meta_path.insert(0, _KeepX64())
