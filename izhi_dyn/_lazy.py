"""Lazy re-exports (PEP 562): a package lists where each public name lives and imports it on first use.

``import izhi_dyn`` then costs only what it runs itself; brainpy, matplotlib and
scipy are imported by the first name that needs them, so a command or a
simulation pays only for what it uses.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence


def attach(package: str, exports: Mapping[str, Sequence[str]], submodules: Sequence[str] = ()):
    """``(__getattr__, __dir__)`` for ``package``, whose public names are ``exports`` (module -> names)
    and its ``submodules``.

    Each name is imported once, then stored in the package. A name that is also
    the name of the submodule defining it (``izhi_dyn.simulate``, the function
    of ``izhi_dyn/simulate.py``) is imported now: importing that submodule later
    would otherwise bind the module over the lazy name.
    """
    where = {name: module for module, names in exports.items() for name in names}
    where.update({name: f'{package}.{name}' for name in submodules})
    namespace = vars(sys.modules[package])

    def __getattr__(name):
        module = where.get(name)
        if module is None:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        imported = importlib.import_module(module)
        namespace[name] = value = imported if name in submodules else getattr(imported, name)
        return value

    def __dir__():
        return sorted(set(namespace) | set(where))

    namespace['__getattr__'] = __getattr__
    for name, module in where.items():
        if module == f'{package}.{name}' and name not in submodules:
            __getattr__(name)
    return __getattr__, __dir__
