"""Import only what is used (issue 14, start-up): ``import izhi_dyn`` and the command line load neither
brainpy nor matplotlib nor scipy until a name that needs them is used, and every public name resolves.

The imports are checked in fresh processes (a module, once imported, stays in ``sys.modules``).
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import izhi_dyn
import izhi_dyn.networks

HEAVY = ('brainpy', 'brainstate', 'brainevent', 'matplotlib', 'scipy')

SCRIPT = textwrap.dedent('''
    import json, sys
    exec(sys.argv[1])
    print('RESULT', json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
''').format(heavy=HEAVY)


def _heavy_after(code):
    env = dict(os.environ, JAX_PLATFORMS='cpu')
    proc = subprocess.run([sys.executable, '-c', SCRIPT, code], capture_output=True, text=True, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.rsplit('RESULT ', 1)[1])


@pytest.mark.parametrize('code', [
    'import izhi_dyn',
    'import izhi_dyn.cli',
    'import izhi_dyn.networks.distributed',
    'from izhi_dyn.cli import build_parser; build_parser().parse_args(["network", "--n", "10"])',
])
def test_light_imports_load_no_heavy_dependency(code):
    assert _heavy_after(code) == []


def test_a_name_loads_what_it_needs():
    assert 'brainpy' in _heavy_after('import izhi_dyn; izhi_dyn.Izhikevich')


@pytest.mark.parametrize('module', [izhi_dyn, izhi_dyn.networks], ids=lambda m: m.__name__)
def test_every_public_name_resolves_and_is_listed(module):
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match='no attribute'):
        module.not_a_name  # noqa: B018
