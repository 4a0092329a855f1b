"""The documentation: every public symbol is in the API pages, doctests pass, Sphinx builds with -W."""

import importlib
import pathlib
import re
import subprocess
import sys
import types

import pytest

import izhi_dyn

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / 'docs'
SUBPACKAGES = ('izhi_dyn.analysis', 'izhi_dyn.plotting', 'izhi_dyn.networks')


def _public(modname):
    module = importlib.import_module(modname)
    if hasattr(module, '__all__'):
        return set(module.__all__)
    return {n for n, v in vars(module).items() if not n.startswith('_') and not isinstance(v, types.ModuleType)}


def _documented():
    """Fully qualified names listed in autosummary blocks of docs/*.rst, under their currentmodule."""
    names = set()
    for page in DOCS.glob('*.rst'):
        current = None
        in_summary = False
        for line in page.read_text().splitlines():
            m = re.match(r'\.\. currentmodule:: (\S+)', line)
            if m:
                current = m.group(1)
            if line.startswith('.. autosummary::'):
                in_summary = True
                continue
            if in_summary:
                entry = re.match(r'   ([A-Za-z_][\w.]*)\s*$', line)
                if entry:
                    names.add(f'{current}.{entry.group(1)}' if current else entry.group(1))
                elif line.strip() and not line.startswith('   :'):
                    in_summary = False
    return names


@pytest.mark.parametrize('modname', ('izhi_dyn', *SUBPACKAGES))
def test_every_public_symbol_is_in_the_api_pages(modname):
    documented = _documented()
    module = importlib.import_module(modname)

    def listed(n):  # an object re-exported at the top level is documented once, there
        same_at_top = getattr(izhi_dyn, n, None) is getattr(module, n) and n in izhi_dyn.__all__
        return f'{modname}.{n}' in documented or (same_at_top and f'izhi_dyn.{n}' in documented)

    missing = sorted(n for n in _public(modname) if not listed(n))
    assert not missing, f'add to docs/api.rst under {modname}: {missing}'
    assert 'Izhikevich' in izhi_dyn.__all__


@pytest.mark.parametrize('modname', ('izhi_dyn.analysis', 'izhi_dyn.plotting'))
def test_docstring_examples_run(modname):
    """The package's doctests (``pytest --doctest-modules``) of the analysis and plotting modules."""
    package = importlib.import_module(modname)
    path = pathlib.Path(package.__file__).parent
    result = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--doctest-modules',
                             '-o', 'addopts=', str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_sphinx_builds_with_warnings_as_errors(tmp_path):
    pytest.importorskip('sphinx_gallery', reason='install the docs extra: pip install -e .[docs]')
    result = subprocess.run([sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-b', 'html', str(DOCS),
                             str(tmp_path / 'html')], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-5000:]
