"""Precision is what the user asked for (issue 15): importing brainpy turns JAX's x64 flag off;
izhi_dyn honours ``jax_enable_x64`` set before or after ``import izhi_dyn`` and
``JAX_ENABLE_X64=1``, in both front-ends, and stays float32 when float64 is not asked for.

Each way runs in a fresh process, since the flag is process-global.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import json, sys
    import jax
    way = sys.argv[1]
    if way == 'before':
        jax.config.update('jax_enable_x64', True)
    import izhi_dyn
    if way == 'after':
        jax.config.update('jax_enable_x64', True)
    import brainpy as bp, brainpy.math as bm, brainstate, brainunit as u, jax.numpy as jnp, numpy as np

    out = {}
    neu = izhi_dyn.Izhikevich(2, spike_time_var=True, input_var=True)
    runner = bp.DSRunner(neu, monitors=['V', 'u'], dt=0.1, progress_bar=False)
    runner.run(inputs=np.full((20, 2), 10.0))
    for k in ('V', 'u', 't_last_spike', 'spike_time', 'input'):
        out['dyn.' + k] = str(getattr(neu, k).value.dtype)
    out['dyn.mon.V'] = str(runner.mon['V'].dtype)
    train = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1))
    out['dyn.training.spike'] = str(train.spike.value.dtype)
    layer = izhi_dyn.IzhikevichLayer(3, 2)
    out['layer.neuron.V'] = str(layer.neuron.V.value.dtype)
    out['bm.float_'] = str(jnp.dtype(bm.float_))
    out['simulate.dtype'] = izhi_dyn.simulate('tonic_spiking').dtype  # the dtype it ran in
    import izhi_dyn.state
    state = izhi_dyn.state.Izhikevich(2)
    state.init_state()
    with brainstate.environ.context(dt=0.1 * u.ms, t=0.0 * u.ms):
        state.update(10. * u.mV / u.ms)
    out['state.V'] = str(u.get_mantissa(state.V.value).dtype)
    print('RESULT', json.dumps(out))
''')


def _dtypes(way, env_x64=None):
    env = {k: v for k, v in os.environ.items() if k not in ('JAX_ENABLE_X64', 'IZHI_DYN_X64')}
    env['JAX_PLATFORMS'] = 'cpu'
    if env_x64 is not None:
        env['JAX_ENABLE_X64'] = env_x64
    proc = subprocess.run([sys.executable, '-c', SCRIPT, way], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')][-1]
    return json.loads(line[len('RESULT '):])


@pytest.mark.parametrize('way, env_x64', [('before', None), ('after', None), ('env', '1')])
def test_float64_when_asked(way, env_x64):
    dtypes = _dtypes(way, env_x64)
    assert dtypes['dyn.training.spike'] == 'float64'
    wrong = {k: v for k, v in dtypes.items() if v != 'float64' and k != 'dyn.training.spike'}
    assert not wrong, f'{way}: not float64: {wrong}'


@pytest.mark.parametrize('way, env_x64', [('none', None), ('env', '0')])
def test_float32_when_not_asked(way, env_x64):
    dtypes = _dtypes(way, env_x64)
    wrong = {k: v for k, v in dtypes.items() if v != 'float32'}
    assert not wrong, f'{way}: not float32: {wrong}'
