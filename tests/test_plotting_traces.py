"""plot_voltage_over_input: the V axis holds every drawn peak (IB's reach 50 mV, above the usual 40)."""

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import izhi_dyn  # noqa: E402
from izhi_dyn.plotting.traces import plot_voltage_over_input  # noqa: E402


@pytest.mark.parametrize('key, top', [('ib_550pA', 55.0), ('rs_100pA', 40.0)])
def test_the_v_axis_holds_the_peaks(key, top):
    sim = izhi_dyn.simulate(key)
    ax = plot_voltage_over_input(sim)
    low, high = ax.get_ylim()
    assert high >= sim.V.max() and low <= sim.V.min()
    assert high == pytest.approx(top)  # 5 mV above IB's 50-mV peaks; RS's 35-mV peaks keep the book's 40
    plt.close(ax.figure)
