"""The fused native step (``kernel='native'``) against the brainpy/brainevent path (issue 14).

Each run is a fresh process of ``worker_izhi_dyn.py`` (the 2003 network, 1000 steps of
1 ms, spike counts only, as ``network_bench.py``'s ``izhi_dyn`` row), interleaved over
forms and sizes:

* ``native``: ``CorticalNetwork2003(kernel='native')``, one C++ XLA FFI call per step;
* ``jax``: ``kernel='jax'``, the brainpy nodes: brainevent's Numba event kernel, XLA's
  neuron update and the JAX counter-based noise (the reference, bit-identical spikes);
* ``brainpy``: ``worker_brainpy.py``, brainpy's own network (forward Euler).

Prints a markdown table of medians (sim = the 1000 steps, compile excluded; total = the
whole process) and the ratios native / jax and native / brainpy of those medians; appends
every run to ``benchmarks/native_results.json``.

    python benchmarks/native_step.py --sizes dense:1000,dense:4000,sparse:10000,sparse:100000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

from harness import load_results, machine_info, parse_result, run_process, save_results

HERE = pathlib.Path(__file__).resolve().parent
JSON = HERE / 'native_results.json'
FORMS = {'native': ('worker_izhi_dyn.py', 'native'), 'jax': ('worker_izhi_dyn.py', 'jax'),
         'brainpy': ('worker_brainpy.py', None)}


def run_one(form, conn, n, timeout):
    script, variant = FORMS[form]
    cmd = [sys.executable, str(HERE / script), str(n), conn, '1'] + ([variant] if variant else [])
    code, out, err, wall, peak = run_process(cmd, timeout)
    result = parse_result(out) if code == 0 else None
    if result is None:
        return {'form': form, 'conn': conn, 'n': n, 'status': 'failed',
                'note': (err.strip().splitlines() or [str(code)])[-1][:160]}
    return {'form': form, 'conn': conn, 'n': n, 'status': 'ok', **result, 'wall_s': wall, 'peak_mb': peak}


def table(runs, sizes, forms):
    med = {}
    for conn, n in sizes:
        for form in forms:
            ok = [r for r in runs if (r['form'], r['conn'], r['n'], r['status']) == (form, conn, n, 'ok')]
            if ok:
                med[conn, n, form] = {k: statistics.median(r[k] for r in ok) for k in ('sim_s', 'wall_s', 'compile_s')}
                med[conn, n, form]['runs'] = len(ok)
                med[conn, n, form]['rate'] = statistics.median(r['rate_e'] for r in ok)
    lines = ['| connectivity | N | form | runs | sim (s) = ms / step | compile (s) | total (s) | rate E (Hz) '
             '| sim native / form |', '|---|---|---|---|---|---|---|---|---|']
    for conn, n in sizes:
        for form in forms:
            m = med.get((conn, n, form))
            if m is None:
                continue
            nat = med.get((conn, n, 'native'))
            ratio = f'{nat["sim_s"] / m["sim_s"]:.2f}' if nat else ''
            lines.append(f'| {conn} | {n} | {form} | {m["runs"]} | {m["sim_s"]:.3f} '
                         f'| {m["compile_s"]:.2f} | {m["wall_s"]:.2f} | {m["rate"]:.1f} | {ratio} |')
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--sizes', default='dense:1000,dense:4000,sparse:10000,sparse:100000')
    ap.add_argument('--forms', default=','.join(FORMS))
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--timeout', type=float, default=600.0)
    args = ap.parse_args(argv)
    sizes = [(c, int(n)) for c, _, n in (s.partition(':') for s in args.sizes.split(','))]
    forms = args.forms.split(',')
    data = load_results(JSON)
    session = {'id': len(data['sessions']), 'command': ' '.join(['python', 'benchmarks/native_step.py'] + sys.argv[1:]),
               'started': time.strftime('%Y-%m-%d %H:%M:%S'), 'load_before': os.getloadavg(), **machine_info()}
    data['sessions'].append(session)
    runs = []
    for rep in range(args.repeats):
        for conn, n in sizes:
            for form in forms:
                rec = {**run_one(form, conn, n, args.timeout), 'session': session['id'], 'repeat': rep}
                runs.append(rec)
                data['runs'].append(rec)
                print(rep, conn, n, form, rec.get('sim_s', rec.get('note')), flush=True)
                save_results(data, JSON)
    session['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
    session['load_after'] = os.getloadavg()
    save_results(data, JSON)
    print(table(runs, sizes, forms))


if __name__ == '__main__':
    main()
