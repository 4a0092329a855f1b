"""``izhi-dyn features`` / ``types`` in a subprocess: PNG written, JSON equal to the reference loop."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import reference_2004
from izhi_dyn.presets import CELL_TYPES_2003, FEATURES_2004

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _cli(*args):
    cmd = [sys.executable, '-m', 'izhi_dyn.cli', *args]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def _is_png(path):
    return path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and path.stat().st_size > 50_000


def _assert_author_spikes(got):
    """The JSON of ``features``: every feature's spike times (ms) on the author's samples."""
    assert list(got) == list(FEATURES_2004)
    for f in reference_2004.load()['features']:
        key = reference_2004.snake_case(f['name'])
        expected, _ = reference_2004.run(f)
        np.testing.assert_array_equal(np.rint(np.array(got[key]) / f['tau_ms']), expected, err_msg=key)
        np.testing.assert_allclose(got[key], np.array(expected) * f['tau_ms'], rtol=0, atol=1e-9)


# CI's slow step: the demo test below runs the same command on the brainpy.dyn front-end, and the state
# front-end's spikes on every preset are test_state_parity.py's.
@pytest.mark.slow
def test_features_json_of_the_state_frontend_reproduces_the_author_loop(tmp_path):
    _cli('features', '--frontend', 'state', '--out', str(tmp_path), '--json', str(tmp_path / 'spikes.json'))
    assert _is_png(tmp_path / 'features_2004.png')
    _assert_author_spikes(json.loads((tmp_path / 'spikes.json').read_text()))


def test_demo_writes_both_galleries_and_the_authors_spikes(tmp_path):
    """``make demo``'s command (``features`` and ``types`` with their defaults, the brainpy.dyn front-end):
    PNG and JSON each; every feature's spikes are the author's."""
    _cli('demo', '--out', str(tmp_path))
    assert _is_png(tmp_path / 'features_2004.png') and _is_png(tmp_path / 'cell_types_2003.png')
    types = json.loads((tmp_path / 'cell_types_2003_spikes.json').read_text())
    assert list(types) == list(CELL_TYPES_2003) and all(len(v) > 0 for v in types.values())
    _assert_author_spikes(json.loads((tmp_path / 'features_2004_spikes.json').read_text()))


def test_features_flags_change_the_run(tmp_path):
    _cli('features', '--out', str(tmp_path), '--png', 'g.png', '--method', 'exp_auto', '--dt', '0.1',
         '--no-x64', '--json', str(tmp_path / 's.json'))
    got = json.loads((tmp_path / 's.json').read_text())
    assert _is_png(tmp_path / 'g.png')
    # dt = 0.1: spike times on the 0.1 ms grid, and the DAP is lost without the published scheme
    tonic = np.array(got['tonic_spiking'])
    np.testing.assert_allclose(tonic * 10, np.rint(tonic * 10), atol=1e-3)
    assert len(got['depolarizing_after_potential']) > 1
