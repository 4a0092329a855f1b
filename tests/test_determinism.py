"""The determinism matrix: the same seed gives the same spikes (and state), in float32 and float64,

(a) in separate processes, (b) with jit on or off, (c) chunked or single-shot, (d) on 1 or 4
(forced host) devices. docs/reproducibility.rst states the result; 4 vs 1 devices in float32 is
tests/test_multidevice.py, whose helper script this file reuses.
"""

import hashlib

import brainpy as bp
import brainpy.math as bm
import jax
import numpy as np
import pytest

import izhi_dyn
import izhi_dyn.networks as nw
from sim import multidevice_run


@pytest.fixture(params=['float32', pytest.param('float64', marks=pytest.mark.slow)])
def dtype(request):
    """Run the test in this precision, whatever the suite's (IZHI_DYN_X64), then restore it
    (float64: CI's slow step; the default suite runs the matrix in float32)."""
    was = jax.config.jax_enable_x64
    (bm.enable_x64 if request.param == 'float64' else bm.disable_x64)()
    assert np.dtype(bm.float_).name == request.param
    yield request.param
    (bm.enable_x64 if was else bm.disable_x64)()


def _digest(res):
    return hashlib.sha256(np.stack([res.steps, res.indices]).tobytes()).hexdigest()


def _state(net):
    return {k: np.asarray(v.value) for k, v in net.vars(method='relative').unique().items()}


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


@pytest.mark.parametrize('dtype, devices', [
    ('float32', 1),  # float32 on 4 devices vs 1 is tests/test_multidevice.py
    pytest.param('float64', 1, marks=pytest.mark.slow),
    pytest.param('float64', 4, marks=pytest.mark.slow),
], indirect=['dtype'])
def test_separate_processes_and_devices(dtype, devices):
    """(a) a new process, (d) sharded over 4 devices: the spikes of this process's run."""
    here = nw.run_network(nw.CorticalNetwork2003(400, seed=3), 300.0, chunk=50)
    _, shards, n_spikes, sha, _ = multidevice_run(devices, x64=dtype == 'float64')
    assert shards == devices
    assert here.steps.size > 100
    assert (n_spikes, sha) == (here.steps.size, _digest(here))


def test_network_jit_on_and_off(dtype):
    """(b) the compiled chunk loop vs a Python loop of eager (un-jitted) steps: not bit-identical
    (the compiled step fuses multiply-adds), within 2 ulp after one step, same spikes over 60."""
    steps, dt = 60, 1.0
    compiled = nw.CorticalNetwork2003(200, seed=4)
    runner = nw.NetworkRunner(compiled, dt=dt, chunk=1)
    first = runner.run(dt)
    after_one = _state(compiled)
    rest = runner.run((steps - 1) * dt)
    eager = nw.CorticalNetwork2003(200, seed=4)
    spikes = []
    with jax.disable_jit(), bm.environment(dt=dt):
        for i in range(steps):
            bp.share.save(i=i, t=i * dt, dt=dt)
            eager.update()
            spikes.append(np.asarray(eager.spikes()))
            if i == 0:
                eager_after_one = _state(eager)
    for key, value in after_one.items():
        if value.dtype.kind == 'f':
            np.testing.assert_array_max_ulp(eager_after_one[key], value, maxulp=2)
        else:
            np.testing.assert_array_equal(eager_after_one[key], value, err_msg=key)
    step, index = np.nonzero(np.stack(spikes))
    assert step.size > 50
    np.testing.assert_array_equal(step, np.concatenate([first.steps, rest.steps + 1]))
    np.testing.assert_array_equal(index, np.concatenate([first.indices, rest.indices]))


#: Largest |V| difference (mV) allowed between jit on and off over the 100 steps below; measured
#: 0.0055 (float32) and 1.1e-11 (float64) -- rounding differences amplified near threshold.
JIT_V_TOLERANCE = {'float32': 0.05, 'float64': 1e-8}


def test_neuron_jit_on_and_off(dtype):
    """(b) a noisy population under DSRunner with and without jit, global RNG included:
    the same spikes, V within JIT_V_TOLERANCE (not bit-identical: fused multiply-adds)."""
    def run(jit):
        bm.random.seed(11)
        pop = izhi_dyn.Izhikevich(50, method='euler', noise=2.0, a=bp.init.Uniform(0.02, 0.1))
        runner = bp.DSRunner(pop, monitors=['V', 'spike'], dt=0.5, jit=jit, progress_bar=False)
        runner.run(inputs=np.full(100, 10.0))
        return np.asarray(runner.mon['V']), np.asarray(runner.mon['spike'])

    (v_jit, s_jit), (v_eager, s_eager) = run(True), run(False)
    assert s_jit.sum() > 100
    np.testing.assert_array_equal(s_eager, s_jit)
    np.testing.assert_allclose(v_eager, v_jit, rtol=0, atol=JIT_V_TOLERANCE[dtype])


def test_chunked_and_single_shot(dtype):
    """(c) chunks of 7 steps (not dividing the run) vs one call of all 400 steps."""
    nets = [nw.CorticalNetwork2003(300, seed=6) for _ in range(2)]
    chunked = nw.NetworkRunner(nets[0], chunk=7).run(400.0)
    single = nw.NetworkRunner(nets[1], chunk=400).run(400.0)
    assert single.steps.size > 1000
    for key in ('steps', 'indices', 'counts_exc', 'counts_inh'):
        np.testing.assert_array_equal(getattr(chunked, key), getattr(single, key), err_msg=key)
    _assert_same_state(_state(nets[0]), _state(nets[1]))
