"""The API pages' contents, from the code: the public names of each documented module.

``docs/conf.py`` writes one autosummary list per module from :func:`public_names` when the
build starts (``docs/_api_lists.rst``, included by ``api.rst``), and ``tests/test_docs.py``
checks the rendered site against the same names: a public name is on the API pages because
it is in ``__all__``, not because someone listed it.
"""

from __future__ import annotations

import importlib
import pathlib
import types

#: (module, section title) of the API reference, in page order.
API_MODULES = (
    ('izhi_dyn', 'Top level: the neuron, integrators, equations, presets, checkpoints, training'),
    ('izhi_dyn.core', 'The core: the maths in pure JAX'),
    ('izhi_dyn.dyn', 'The brainpy.dyn front-end'),
    ('izhi_dyn.state', 'The brainpy.state (brainstate) front-end'),
    ('izhi_dyn.analysis', 'Analysis: spikes, patterns, populations, phase plane, f-I, sweeps'),
    ('izhi_dyn.plotting', 'Plotting (matplotlib; never simulates)'),
    ('izhi_dyn.networks', 'Networks'),
    ('izhi_dyn.cli', 'Command line'),
)


def public_names(modname: str) -> list[str]:
    """Sorted ``__all__`` of ``modname`` (its public non-module names where it has none), less the
    objects re-exported at the top level: those are documented once, under :mod:`izhi_dyn`."""
    import izhi_dyn

    module = importlib.import_module(modname)
    if hasattr(module, '__all__'):
        names = set(module.__all__)
    else:
        names = {n for n, v in vars(module).items() if not n.startswith('_') and not isinstance(v, types.ModuleType)}
    if modname != 'izhi_dyn':
        names = {n for n in names if not (n in izhi_dyn.__all__ and getattr(izhi_dyn, n, None) is getattr(module, n))}
    return sorted(names)


def documented_names() -> list[str]:
    """Fully qualified names of every API page."""
    return [f'{modname}.{name}' for modname, _ in API_MODULES for name in public_names(modname)]


def write_api_lists(path: pathlib.Path, stubs: pathlib.Path) -> None:
    """Write the API sections (title and autosummary list of each documented module) to ``path``.

    Pages in ``stubs`` (autosummary's output folder) of names no longer public are removed:
    an orphan page would fail the -W build.
    """
    names = set(documented_names())
    for stub in stubs.glob('izhi_dyn.*.rst'):
        if stub.stem not in names:
            stub.unlink()
    lines = []
    for modname, title in API_MODULES:
        lines += [title, '-' * len(title), '', f'.. currentmodule:: {modname}', '', '.. autosummary::',
                  '   :toctree: gen_modules', '']
        lines += [f'   {name}' for name in public_names(modname)] + ['']
    text = '\n'.join(lines)
    if not path.is_file() or path.read_text() != text:  # unchanged files keep the build incremental
        path.write_text(text)
