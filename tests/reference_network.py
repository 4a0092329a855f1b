"""Independent NumPy reference of the Izhikevich (2003) network, written from the paper.

Nothing here imports :mod:`izhi_dyn`. The loop is the published MATLAB program,
line for line (float64, 1 ms steps, two 0.5 ms half-steps for v):

    for t = 1:T
      I = [5*randn(Ne,1); 2*randn(Ni,1)];        % thalamic input
      fired = find(v >= 30);                      % indices of spikes
      firings = [firings; t+0*fired, fired];
      v(fired) = c(fired);  u(fired) = u(fired) + d(fired);
      I = I + sum(S(:,fired), 2);
      v = v + 0.5*(0.04*v.^2 + 5*v + 140 - u + I);
      v = v + 0.5*(0.04*v.^2 + 5*v + 140 - u + I);
      u = u + a.*(b.*v - u);
    end

``scale`` multiplies every weight (1 in the paper); ``S`` is stored ``S[post, pre]``.
"""

from __future__ import annotations

import numpy as np


def build(n=1000, seed=0, scale=None, exc_fraction=0.8):
    """Parameters and weights of the paper's network; returns a dict."""
    rng = np.random.default_rng(seed)
    ne = int(round(exc_fraction * n))
    ni = n - ne
    re, ri = rng.random(ne), rng.random(ni)
    a = np.concatenate([0.02 * np.ones(ne), 0.02 + 0.08 * ri])
    b = np.concatenate([0.2 * np.ones(ne), 0.25 - 0.05 * ri])
    c = np.concatenate([-65 + 15 * re**2, -65 * np.ones(ni)])
    d = np.concatenate([8 - 6 * re**2, 2 * np.ones(ni)])
    scale = 1000.0 / n if scale is None else scale
    S = np.hstack([0.5 * rng.random((n, ne)), -rng.random((n, ni))]) * scale
    return dict(ne=ne, ni=ni, a=a, b=b, c=c, d=d, S=S, rng=rng)


def simulate(n=1000, T=1000, seed=0, scale=None, exc_fraction=0.8):
    """Run the published loop for ``T`` ms; return ``(times_ms, indices)`` (times 1..T)."""
    net = build(n, seed, scale, exc_fraction)
    ne, ni, a, b, c, d, S, rng = (net[k] for k in ('ne', 'ni', 'a', 'b', 'c', 'd', 'S', 'rng'))
    v = -65.0 * np.ones(ne + ni)
    u = b * v
    sigma = np.concatenate([5.0 * np.ones(ne), 2.0 * np.ones(ni)])
    times, idx = [], []
    for t in range(1, T + 1):
        I = sigma * rng.standard_normal(ne + ni)
        fired = np.flatnonzero(v >= 30)
        times.append(np.full(fired.size, t))
        idx.append(fired)
        v[fired] = c[fired]
        u[fired] = u[fired] + d[fired]
        I = I + S[:, fired].sum(axis=1)
        v = v + 0.5 * (0.04 * v**2 + 5 * v + 140 - u + I)
        v = v + 0.5 * (0.04 * v**2 + 5 * v + 140 - u + I)
        u = u + a * (b * v - u)
    return np.concatenate(times), np.concatenate(idx)


def stats(times, idx, n=1000, T=1000, exc_fraction=0.8):
    """Mean exc./inh. rates (Hz) and the dominant frequency (Hz) of the 1 ms-binned count."""
    ne = int(round(exc_fraction * n))
    ni = n - ne
    rate_e = np.sum(idx < ne) / ne / (T / 1000.0)
    rate_i = np.sum(idx >= ne) / ni / (T / 1000.0)
    counts = np.bincount(times - 1, minlength=T)[:T].astype(float)
    spec = np.abs(np.fft.rfft(counts - counts.mean()))**2
    freqs = np.fft.rfftfreq(T, d=1e-3)
    return rate_e, rate_i, float(freqs[np.argmax(spec)])


if __name__ == '__main__':
    import time
    tic = time.perf_counter()
    tm, ix = simulate()
    print(f'{time.perf_counter() - tic:.2f} s', stats(tm, ix))
