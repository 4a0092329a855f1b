"""eventax worker of ``exact_timing.py`` (runs in ``benchmarks/.venv-eventax``, eventax 0.1.0).

    python benchmarks/worker_eventax.py PROBLEM.npz {tsit5,euler} DT_OR_TOL REPEATS OUT.npz

Loads the weights ``W`` (N + K, N), their mask ``wmask`` (same shape), the
output neurons ``outputs`` (N,) booleans and the batch of input times ``times``
(B, K, m) written by ``exact_timing.py``, builds eventax's ``EvNN`` with its
``Izhikevich`` model (same equations, initial state and weight layout as
:func:`izhi_dyn.exact_spike_times`), and takes the gradient with respect to the
weights of the loss of ``exact_timing.py`` (sum over the batch and the output
neurons of the first-spike times, silent neurons counting 0). ``tsit5``:
adaptive, with ``rtol = atol = DT_OR_TOL`` and a Newton event root find to the
same tolerance; ``euler``: fixed step ``DT_OR_TOL`` ms with eventax's default
root find. Prints one ``RESULT {json}`` line (median wall time of ``REPEATS``
calls after a compiling call) and saves the gradient ``grad`` and the first
spike times ``first`` (B, outputs) to ``OUT.npz``. Float64.
"""

import statistics
import sys
import time

from harness import emit_result


def main(argv):
    path, solver_name, value, repeats, out = argv[0], argv[1], float(argv[2]), int(argv[3]), argv[4]
    import jax
    jax.config.update('jax_enable_x64', True)
    import diffrax as dfx
    import equinox as eqx
    import jax.numpy as jnp
    import numpy as np
    import optimistix as optx
    from eventax.evnn import EvNN
    from eventax.neuron_models import Izhikevich

    data = np.load(path)
    W, times, duration = jnp.asarray(data['W']), jnp.asarray(data['times']), float(data['duration'])
    n, k = W.shape[1], W.shape[0] - W.shape[1]
    if solver_name == 'tsit5':
        solver = dict(solver=dfx.Tsit5(), stepsize_controller=dfx.PIDController(rtol=value, atol=value),
                      solver_stepsize=0.01, root_finder=optx.Newton(value, value, optx.rms_norm))
    else:
        solver = dict(solver=dfx.Euler(), solver_stepsize=value)
    model = EvNN(Izhikevich, n, duration, k, key=jax.random.PRNGKey(0), wmask=jnp.asarray(data['wmask']),
                 output_neurons=jnp.asarray(data['outputs']), init_weights=W, init_bias=0.0, max_event_steps=4000,
                 dtype=jnp.float64, **solver)

    def loss(model):
        first = jax.vmap(model.ttfs)(times)
        return jnp.sum(jnp.where(jnp.isfinite(first), first, 0.0)), first

    grad = eqx.filter_jit(eqx.filter_value_and_grad(loss, has_aux=True))
    tic = time.perf_counter()
    (value_, first), g = grad(model)
    jax.block_until_ready(g)
    first_call = time.perf_counter() - tic
    walls = []
    for _ in range(repeats):
        tic = time.perf_counter()
        jax.block_until_ready(grad(model))
        walls.append(time.perf_counter() - tic)
    np.savez(out, grad=np.asarray(g.neuron_model.weights), first=np.asarray(first))
    emit_result(dict(wall_s=statistics.median(walls) if walls else first_call, first_call_s=first_call,
                     loss=float(value_)))


if __name__ == '__main__':
    main(sys.argv[1:])
