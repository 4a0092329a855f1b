"""``izhi-dyn types --model 2007`` in a subprocess: gallery written, JSON equal to izhi2007.m's samples."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import reference_2007
from izhi_dyn.book_classes import PRESETS_2007

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _cli(*args):
    cmd = [sys.executable, '-m', 'izhi_dyn.cli', *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_types_2007_json_reproduces_izhi2007m(tmp_path):
    done = _cli('types', '--model', '2007', '--out', str(tmp_path), '--json', str(tmp_path / 's.json'))
    assert done.returncode == 0, done.stderr
    png = tmp_path / 'cell_classes_2007.png'
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and png.stat().st_size > 50_000
    got = json.loads((tmp_path / 's.json').read_text())
    assert list(got) == list(PRESETS_2007)
    for key, p in PRESETS_2007.items():
        expected = reference_2007.expected_samples(p.code, p.amplitude, burst=p.hold is not None)
        if key in reference_2007.FLOAT64_DRIFT:  # same count, the first 8 samples (tests/test_izhikevich2007.py)
            assert len(got[key]) == len(expected), key
            expected, got[key] = expected[:8], got[key][:8]
        np.testing.assert_allclose(got[key], np.array(expected) * reference_2007.TAU, rtol=0, atol=1e-9,
                                   err_msg=key)


@pytest.mark.slow
def test_types_2007_state_frontend_gives_the_same_json(tmp_path):
    done = _cli('types', '--model', '2007', '--frontend', 'state', '--methods', 'x', '--out', str(tmp_path))
    assert done.returncode != 0 and '--methods' in done.stderr  # a misspelt flag is refused
    done = _cli('types', '--model', '2007', '--frontend', 'state', '--out', str(tmp_path),
                '--json', str(tmp_path / 's.json'))
    assert done.returncode == 0, done.stderr
    got = json.loads((tmp_path / 's.json').read_text())
    for key, p in PRESETS_2007.items():
        expected = reference_2007.expected_samples(p.code, p.amplitude, burst=p.hold is not None)
        samples = np.rint(np.array(got[key]) / reference_2007.TAU).astype(int).tolist()
        if key in reference_2007.FLOAT64_DRIFT:
            assert len(samples) == len(expected), key
            samples, expected = samples[:8], expected[:8]
        assert samples == expected, key
