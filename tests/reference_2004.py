"""The author's Fig. 1 algorithm, re-implemented as a plain Python loop from the JSON.

Independent of izhi_dyn: parameters, initial state, time step and input are
read from ``shared/reference/izhikevich_protocols.json`` (input as the
published Python expression of t), and the loop is the one described in its
``numerics_2004_figure1``.
"""

from __future__ import annotations

import json
import pathlib
import re

import numpy as np

JSON_PATH = pathlib.Path(__file__).resolve().parents[2] / 'shared' / 'reference' / 'izhikevich_protocols.json'


def load():
    return json.loads(JSON_PATH.read_text())


def snake_case(name):
    """'DAP (depolarizing after-potential)' -> 'depolarizing_after_potential'."""
    inner = re.search(r'\((.*)\)', name)
    name = inner.group(1) if inner else name
    return re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')


def input_function(feature):
    scope = dict(feature['input_constants'], abs=abs)
    return eval('lambda t: ' + feature['input_of_t'], scope)  # noqa: S307 - trusted repository data


def run(feature, dtype=np.float64):
    """Spike sample indices k (spike stamped at t_k = k tau), and whether any update hit exactly 30."""
    f = np.dtype(dtype).type
    I_of_t = input_function(feature)
    tau, T = feature['tau_ms'], feature['t_end_ms']
    class_1 = '4.1V+108' in feature['model_variant'].replace(' ', '')
    accommodation = 'no -u' in feature['model_variant']
    p2, p3 = (f(4.1), f(108)) if class_1 else (f(5), f(140))
    a, b, c, d = (f(feature[k]) for k in 'abcd')
    V, u, tau_f = f(feature['V0']), f(feature['u0']), f(tau)
    spikes, tie = [], False
    for k in range(int(round(T / tau)) + 1):
        I = f(I_of_t(k * tau))
        V = V + tau_f * (f(0.04) * V * V + p2 * V + p3 - u + I)
        u = u + tau_f * a * (b * (V + f(65))) if accommodation else u + tau_f * a * (b * V - u)
        tie |= bool(V == 30)
        if V > 30:
            spikes.append(k)
            V, u = c, u + d
    return spikes, tie
