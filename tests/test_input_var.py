"""``input_var=True``: the monitored input is the total current the step integrated."""

import brainpy as bp
import numpy as np
import pytest

import izhi_dyn


def test_input_monitor_is_the_integrated_current():
    neuron = izhi_dyn.Izhikevich(2, input_var=True, method='euler')
    stim = bp.inputs.section_input([0.0, 7.0, 3.0], [5.0, 10.0, 5.0], dt=0.1)
    runner = bp.DSRunner(neuron, monitors=['input', 'V'], dt=0.1, progress_bar=False)
    runner.run(inputs=np.stack([stim, 2.0 * stim], axis=1))
    np.testing.assert_allclose(runner.mon['input'], np.stack([stim, 2.0 * stim], axis=1), rtol=1e-6)
    # the monitored current is the one that moved V: one Euler step from rest
    V, u = -70.0, 0.2 * -70.0
    expected = V + 0.1 * (0.04 * V * V + 5 * V + 140 - u + runner.mon['input'][0, 0])
    np.testing.assert_allclose(runner.mon['V'][0, 0], expected, rtol=1e-6)


def test_no_input_variable_unless_asked():
    assert not hasattr(izhi_dyn.Izhikevich(1), 'input')
    with pytest.raises(TypeError, match='input_var'):
        izhi_dyn.Izhikevich(1, input_var='yes')
