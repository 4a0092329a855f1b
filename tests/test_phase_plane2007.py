"""Phase plane of the 2007 form against closed forms, and the simulated f-I curve and rheobase."""

import numpy as np
import pytest

import izhi_dyn.analysis as ana
from izhi_dyn import CELL_CLASSES_2007


def test_rs_fixed_points_are_the_closed_form_roots():
    cell = CELL_CLASSES_2007['RS']
    for I in (0.0, 30.0):
        # k (V - v_r)(V - v_t) + I = b (V - v_r): k V^2 - (k (v_r + v_t) + b) V + k v_r v_t + b v_r + I = 0
        roots = np.sort(np.roots([cell.k, -(cell.k * (cell.v_r + cell.v_t) + cell.b),
                                  cell.k * cell.v_r * cell.v_t + cell.b * cell.v_r + I]).real)
        fps = ana.fixed_points(I, cell='RS')
        np.testing.assert_allclose([fp.V for fp in fps], roots, atol=1e-9)
        assert [fp.stable for fp in fps] == [True, False] and fps[1].kind == 'saddle node'


def test_saddle_node_current_is_where_the_points_merge_and_the_simulated_rheobase():
    I_sn = ana.saddle_node_current('RS')
    assert I_sn == pytest.approx(144 / 2.8)
    assert len(ana.fixed_points(I_sn - 0.5, cell='RS')) == 2 and ana.fixed_points(I_sn + 0.5, cell='RS') == []
    kw = CELL_CLASSES_2007['RS'].neuron_kwargs()
    simulated = ana.rheobase(low=0.0, high=100.0, tol=0.05, duration=1000.0, model='2007', V0=-60.0, **kw)
    assert I_sn < simulated < I_sn + 1.0  # a finite run needs slightly more than the bifurcation current
    with pytest.raises(ValueError, match='cell='):
        ana.saddle_node_current('FS')


def test_fs_cubic_nullcline_and_its_fixed_point():
    V = np.array([-70.0, -55.0, -50.0, -45.0])
    u_V, u_u = ana.nullclines(V, 0.0, cell='FS')
    np.testing.assert_allclose(u_u, [0.0, 0.0, 0.025 * 125, 0.025 * 1000])
    np.testing.assert_allclose(u_V, (V + 55) * (V + 40))
    (rest, *others) = ana.fixed_points(0.0, cell='FS')
    assert rest.V == pytest.approx(-55.0) and rest.stable
    # above v_b, U' = 3 b (V - v_b)^2 enters the Jacobian
    J = ana.jacobian(-50.0, cell='FS')
    assert J[1, 0] == pytest.approx(0.2 * 3 * 0.025 * 25, rel=1e-6)


def test_fi_curve_of_the_2007_classes_rs_adapts_fs_does_not():
    rs = ana.fi_curve([300.0, 400.0], model='2007', V0=-60.0, duration=600.0, method='izhikevich2007', dt=0.25,
                      **CELL_CLASSES_2007['RS'].neuron_kwargs())
    fs = ana.fi_curve([200.0, 300.0], model='2007', V0=-55.0, duration=600.0, method='izhikevich2007', dt=0.25,
                      **CELL_CLASSES_2007['FS'].neuron_kwargs())
    assert np.all(np.diff(rs.rates) > 0) and np.all(np.diff(fs.rates) > 0)
    assert np.all(rs.first_rates > 1.1 * rs.rates)  # adaptation: the first ISI is the shortest
    assert np.all(fs.first_rates < 1.3 * fs.rates)


def test_unknown_class_is_named():
    with pytest.raises(ValueError, match="cell='XX'"):
        ana.fixed_points(0.0, cell='XX')


def test_phase_plane_and_orbit_of_a_class_and_their_figure():
    """phase_plane/trajectory with cell=: the field is the 2007 vector field, the resets are LTS's u-dependent
    jumps (the orbit's own post-reset samples), and plot_phase_plane draws them in pA."""
    import matplotlib.pyplot as plt

    from izhi_dyn import CELL_CLASSES_2007
    from izhi_dyn.plotting import plot_phase_plane

    lts = CELL_CLASSES_2007['LTS']
    plane = ana.phase_plane(100.0, cell='LTS', resolution=5)
    V, u = plane.grid_V[2, 3], plane.grid_u[2, 3]
    np.testing.assert_allclose(plane.dV[2, 3], (lts.k * (V - lts.v_r) * (V - lts.v_t) - u + 100.0) / lts.C)
    np.testing.assert_allclose(plane.du[2, 3], lts.a * (lts.b * (V - lts.v_r) - u))
    assert [fp.V for fp in plane.fixed_points] == [fp.V for fp in ana.fixed_points(100.0, cell='LTS')]

    orbit = ana.trajectory(300.0, cell='LTS', duration=150.0, dt=0.25, V0=lts.v_r, method='izhikevich2007')
    before, after = orbit.jumps[:, 0], orbit.jumps[:, 1]
    assert len(orbit.jumps) >= 5
    np.testing.assert_allclose(before[:, 0], lts.v_peak + lts.peak_u * before[:, 1])  # the u-dependent peak
    np.testing.assert_allclose(after[:, 0], orbit.V[orbit.spikes], atol=1e-4)  # c + rho_u u, as monitored
    np.testing.assert_allclose(after[:, 1] - before[:, 1], lts.d)

    ax = plot_phase_plane(plane, orbit)
    assert ax.get_ylabel() == 'u (pA)' and ax.get_title() == 'I = 100 pA' and len(ax.lines) > 2 * len(orbit.jumps)
    plt.close(ax.figure)
