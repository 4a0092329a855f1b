"""Every script in examples/ names what it reproduces, and runs with its fast settings and writes its figure
(the runs: CI's slow step).

The fast arguments are ``--fast --out DIR`` unless an example is listed in
:data:`FAST_ARGS` (the same table drives the docs gallery, ``docs/conf.py``).
"""

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'examples'))
from examples_args import EXAMPLES, fast_args  # noqa: E402


def test_there_are_examples():
    names = {p.name for p in EXAMPLES}
    assert {'phase_plane_rs_fs_rz.py', 'fi_curves_class1_class2.py', 'coba_network.py'} <= names


@pytest.mark.parametrize('script', EXAMPLES, ids=lambda p: p.stem)
def test_example_names_what_it_reproduces_and_parses(script):
    source = script.read_text()
    ast.parse(source, filename=str(script))
    doc = source.split('"""')
    assert len(doc) >= 3 and doc[1].strip(), f'{script.name} needs a module docstring naming what it reproduces'


# The runs are CI's slow step, once and in float32: each is a script of tens of seconds whose library
# paths the default suite covers (analysis, plotting, presets, networks, layers, training).
@pytest.mark.slow
@pytest.mark.parametrize('script', EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_and_writes_its_figure(script, tmp_path):
    result = subprocess.run([sys.executable, str(script), *fast_args(script, tmp_path)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = [p for p in tmp_path.rglob('*') if p.suffix in ('.png', '.svg', '.pdf')]
    assert figures, f'{script.name} wrote no figure under --out; stdout: {result.stdout[-500:]}'
    assert all(p.stat().st_size > 5000 for p in figures)
