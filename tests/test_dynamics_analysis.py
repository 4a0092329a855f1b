"""izhi_dyn.analysis phase plane, f-I and sweeps against closed forms and direct simulation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
from izhi_dyn import analysis as ana
from tests.sim import run

# Izhikevich (2004) Fig. 1G (class 1, dV/dt = 0.04V^2 + 4.1V + 108) and Fig. 1H (class 2).
CLASS1 = dict(a=0.02, b=-0.1, c=-55.0, d=6.0, p2=4.1, p3=108.0)
CLASS2 = dict(a=0.2, b=0.26, c=-65.0, d=0.0)


def _field_jacobian(V, u, I, a, b, p1=0.04, p2=5.0, p3=140.0, recovery='standard'):
    p = izhi_dyn.Params(a, b, -65.0, 8.0, 30.0, p1, p2, p3, recovery)

    def field(x):
        return jnp.stack([izhi_dyn.voltage_derivative(x[0], x[1], I, p), izhi_dyn.recovery_derivative(x[0], x[1], p)])

    x = jnp.array([V, u], dtype=jnp.float32)
    return np.asarray(field(x)), np.asarray(jax.jacfwd(field)(x))


@pytest.mark.parametrize('a, b, I', [(0.02, 0.2, 0.0), (0.02, 0.2, 3.9), (0.1, 0.26, -2.0),
                                     (0.02, -0.1, 1.0), (0.2, 0.26, 0.3), (0.02, 0.25, -5.0)])
def test_fixed_points_are_the_roots_of_the_nullcline_equation(a, b, I):
    fps = ana.fixed_points(I, a=a, b=b)
    roots = np.sort(np.roots([0.04, 5.0 - b, 140.0 + I]).real)
    assert len(fps) == 2
    np.testing.assert_allclose([fp.V for fp in fps], roots, rtol=1e-9)
    for fp in fps:
        assert fp.u == pytest.approx(b * fp.V)
        value, J = _field_jacobian(fp.V, fp.u, I, a, b)
        np.testing.assert_allclose(value, 0.0, atol=1e-3)
        np.testing.assert_allclose(fp.jacobian, J, rtol=1e-5, atol=1e-6)
        eig = np.linalg.eigvals(J)
        assert fp.stable == bool(np.all(eig.real < 0))
        np.testing.assert_allclose(np.sort_complex(fp.eigenvalues), np.sort_complex(eig), rtol=1e-4, atol=1e-6)
    # the upper point is always a saddle: det J = a (b - (2 p1 V + p2)) < 0 there
    assert fps[1].kind == 'saddle node' and not fps[1].stable


def test_no_fixed_point_above_the_saddle_node_and_one_at_it():
    I_sn = ana.bifurcation_currents(a=0.02, b=0.2)['saddle_node']
    assert ana.fixed_points(I_sn + 1e-6) == []
    assert len(ana.fixed_points(I_sn - 1e-6)) == 2
    np.testing.assert_allclose([fp.V for fp in ana.fixed_points(I_sn - 1e-9)], -(5.0 - 0.2) / 0.08, atol=1e-2)


def test_rest_point_loses_stability_at_the_hopf_current():
    I_h = ana.bifurcation_currents(a=0.02, b=0.2)['hopf']
    below, above = ana.fixed_points(I_h - 0.01)[0], ana.fixed_points(I_h + 0.01)[0]
    assert below.stable and not above.stable
    assert np.all(np.abs(below.eigenvalues.imag) > 0)  # a focus: complex pair crossing the axis
    assert ana.bifurcation_currents(**{k: CLASS1[k] for k in 'ab'}, p2=4.1, p3=108.0)['hopf'] is None


def test_accommodation_fixed_point_and_nullcline():
    (fp,) = ana.fixed_points(2.0, a=0.02, b=1.0, recovery='accommodation')
    value, J = _field_jacobian(fp.V, fp.u, 2.0, 0.02, 1.0, recovery='accommodation')
    np.testing.assert_allclose(value, 0.0, atol=1e-3)
    np.testing.assert_allclose(fp.jacobian, J, rtol=1e-5, atol=1e-6)
    assert np.all(np.isnan(ana.nullclines([-70.0], recovery='accommodation')[1]))


def test_phase_plane_field_is_the_vector_field_and_nullclines_cross_at_fixed_points():
    pp = ana.phase_plane(I=2.0, a=0.1, b=0.26, resolution=7)
    for fp in pp.fixed_points:
        u_V, u_u = ana.nullclines([fp.V], 2.0, b=0.26)
        np.testing.assert_allclose(u_V, fp.u, atol=1e-9)
        np.testing.assert_allclose(u_u, fp.u, atol=1e-9)
    i, j = 3, 5
    value, _ = _field_jacobian(pp.grid_V[i, j], pp.grid_u[i, j], 2.0, 0.1, 0.26)
    np.testing.assert_allclose([pp.dV[i, j], pp.du[i, j]], value, rtol=1e-5, atol=1e-4)


def test_trajectory_jumps_are_the_reset_map():
    tr = ana.trajectory(I=10.0, duration=300.0, c=-55.0, d=4.0)
    mon = run(izhi_dyn.Izhikevich(1, method='riccati', c=-55.0, d=4.0), np.full((3000, 1), 10.0), 0.1)
    assert tr.jumps.shape[0] == mon['spike'].sum() > 3
    np.testing.assert_allclose(tr.jumps[:, 1, 0], -55.0)
    np.testing.assert_allclose(tr.jumps[:, 0, 0], 30.0)
    np.testing.assert_allclose(tr.jumps[:, 1, 1] - tr.jumps[:, 0, 1], 4.0, rtol=1e-5)
    np.testing.assert_allclose(tr.u, mon['u'][:, 0], rtol=1e-6)


def test_rheobase_of_rs_is_the_first_spiking_current_of_a_fine_grid():
    """Against an exhaustive search: one population holding every current of a 0.01 grid
    (and ``found``, ``found - 0.02``), simulated at once."""
    duration, dt = 500.0, 0.1
    found = ana.rheobase(low=0.0, high=20.0, tol=0.01, duration=duration)
    grid = np.arange(0.0, 20.0 + 1e-9, 0.01)
    currents = np.concatenate([grid, [found, found - 0.02]])
    steps = int(round(duration / dt))
    mon = run(izhi_dyn.Izhikevich(currents.size, method='riccati'), np.broadcast_to(currents, (steps, currents.size)),
              dt, monitors=('spike',))
    fired = mon['spike'].any(axis=0)
    assert not fired[0] and fired[grid.size - 1]
    first = grid[np.argmax(fired[:grid.size])]
    assert abs(found - first) <= 0.02
    assert fired[-2] and not fired[-1]


def test_rheobase_rejects_a_bracket_that_does_not_bracket():
    with pytest.raises(ValueError, match='high'):
        ana.rheobase(low=0.0, high=1.0, duration=200.0)
    with pytest.raises(ValueError, match='low'):
        ana.rheobase(low=10.0, high=20.0, duration=200.0)


def test_fi_class1_starts_near_zero_and_class2_jumps():
    I_sn = ana.bifurcation_currents(a=0.02, b=-0.1, p2=4.1, p3=108.0)['saddle_node']
    rest1 = ana.fixed_points(0.0, a=0.02, b=-0.1, p2=4.1, p3=108.0)[0].V
    c1 = ana.fi_curve(I_sn + np.linspace(-0.2, 1.0, 25), duration=2000.0, transient=400.0, V0=rest1, **CLASS1)
    rest2 = ana.fixed_points(0.0, a=0.2, b=0.26)[0].V
    c2 = ana.fi_curve(np.linspace(0.0, 1.0, 41), duration=1000.0, transient=200.0, V0=rest2, **CLASS2)
    for curve in (c1, c2):
        assert curve.rates[0] == 0.0 and curve.rates[-1] > 0.0
        firing = curve.rates > 0
        k = int(np.argmax(firing))
        assert firing[k:].all()  # once it fires, it keeps firing at higher current
        assert np.all(np.diff(curve.rates[k:]) > -0.5)
    low1 = c1.rates[c1.rates > 0][0]
    low2 = c2.rates[c2.rates > 0][0]
    assert low1 < 5.0, f'class 1 should start near 0 Hz, starts at {low1:.1f} Hz'
    assert low2 > 20.0, f'class 2 should jump to a non-zero rate, starts at {low2:.1f} Hz'


def test_sweep_matches_single_neuron_runs_and_separates_rs_from_ch():
    cs, ds = [-65.0, -50.0], [2.0, 8.0]
    sw = ana.parameter_sweep('c', cs, 'd', ds, I=10.0, duration=300.0, onset=20.0)
    on = np.arange(3000) * 0.1 >= 20.0
    # every (c, d) pair as its own neuron of one directly run population, in the sweep's [d, c] order
    d_of, c_of = (g.ravel() for g in np.meshgrid(ds, cs, indexing='ij'))
    inputs = np.where(on[:, None], 10.0, 0.0) * np.ones(4)
    mon = run(izhi_dyn.Izhikevich(4, method='riccati', c=c_of, d=d_of), inputs, 0.1, monitors=('spike',))
    np.testing.assert_array_equal(sw.n_spikes, mon['spike'][on].sum(axis=0).reshape(2, 2))
    rs, ch = (1, 0), (0, 1)  # [d index, c index]
    assert sw.burst_fraction[rs] == 0.0 and sw.burst_fraction[ch] > 0.5
    assert sw.adaptation[rs] > 1.0
    with pytest.raises(ValueError, match='cannot be swept'):
        ana.parameter_sweep('tau', [1.0], 'd', [2.0])
