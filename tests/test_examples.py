"""Every script in examples/ runs with its fast settings and writes its figure.

The fast arguments are ``--fast --out DIR`` unless an example is listed in
:data:`FAST_ARGS` (the same table drives the docs gallery, ``docs/conf.py``).
"""

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


#: Examples whose run here is CI's slow step, with the default test that covers the same path.
SLOW = {
    'train_spike_timing.py': 'test_training.py runs this example in-process',
    'coba_network_state.py': 'test_state_network.py and test_state_projections.py (the state network and '
                             'brainpy.state projections)',
    'yin_yang_exact.py': 'test_yin_yang.py trains the same exact-gradient network (the library path) and '
                         'checks the dataset',
}


@pytest.mark.parametrize('script', [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p
                                    for p in EXAMPLES], ids=lambda p: p.stem)
def test_example_runs_and_writes_its_figure(script, tmp_path):
    doc = script.read_text().split('"""')
    assert len(doc) >= 3 and doc[1].strip(), f'{script.name} needs a module docstring naming what it reproduces'
    result = subprocess.run([sys.executable, str(script), *fast_args(script, tmp_path)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = [p for p in tmp_path.rglob('*') if p.suffix in ('.png', '.svg', '.pdf')]
    assert figures, f'{script.name} wrote no figure under --out; stdout: {result.stdout[-500:]}'
    assert all(p.stat().st_size > 5000 for p in figures)
