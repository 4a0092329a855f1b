"""Loading of the package's optional native libraries (C++ XLA FFI kernels, built by ``setup.py``)."""

from __future__ import annotations

import ctypes
import importlib.util
from typing import Mapping, Optional

import jax


def load_ffi_library(module: str, targets: Mapping[str, str]) -> Optional[ctypes.CDLL]:
    """The extension ``module`` with each FFI target (name -> exported symbol) registered for the CPU,
    or None where it was not built (no compiler at install) or the loader refuses it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    try:
        lib = ctypes.CDLL(spec.origin)
    except OSError:  # e.g. built for another jaxlib, or no static TLS left for it
        return None
    for target, symbol in targets.items():
        jax.ffi.register_ffi_target(target, jax.ffi.pycapsule(getattr(lib, symbol)), platform='cpu')
    return lib
