"""Peak memory of long network runs with spike recording (issue 7).

A sparse 2003 network (default N = 10⁴, in-degree 100) runs for a given number of
1 ms steps (default 10⁶ = 1000 s simulated, and 10⁵ to show how the peak grows)
with every spike recorded, each run in a fresh process under ``/usr/bin/time -v``
(its "Maximum resident set size"; ``os.wait4`` if ``time`` is missing). Two ways
of recording, both through the public API:

* ``memory``: one ``NetworkRunner.run`` call; all events stay in memory.
* ``stream``: ``run`` called per segment (default 10 s); each segment's events are
  appended to a file and dropped, so memory does not grow with the run length.

Stated bound (bytes): ``ready + 1.05 * (20 * events_held + 24 * steps_held) + 64 MiB``, where
``ready`` is the process's peak RSS once the network is built and its step compiled
(Python, JAX, the program, model state and weights), ``events_held`` the events of
the whole run (memory) or of the largest segment (stream), ``steps_held`` likewise.
20 B per event: the runner keeps (step, index) as int32 chunks (8 B) and concatenates
then casts them (two more 4 B copies of one array while the other is held); 24 B per
step: two int32 counts, held the same way. 5 % covers heap fragmentation by the many
per-chunk arrays (+1.5 % measured at 10^5 steps), 64 MiB per-chunk buffers. Results go to ``benchmarks/memory_results.json`` and RESULTS.md.

    python benchmarks/memory_bench.py                              # 10^5 and 10^6 steps, both modes
    python benchmarks/memory_bench.py --steps 10000,30000 --modes memory,stream
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import sys
import time

from harness import CHUNK, MEMORY_JSON, emit_result, load_results, parse_result, run_process, save_results
from report import MEMORY_MODES, bound_mb, render


# ----------------------------------------------------------------------------- worker
def worker(mode, n, steps, segment_steps):
    import resource

    import numpy as np

    import izhi_dyn.networks as nw
    net = nw.CorticalNetwork2003(n, connectivity='sparse', k=100, seed=0)
    runner = nw.NetworkRunner(net, chunk=CHUNK, record=True)
    runner.compile()
    model_bytes = sum(int(v.value.nbytes) for v in net.vars().unique().values())
    model_bytes += sum(int(p.comm.indptr.nbytes) for p in net.projections.values())  # a constant, not a Variable
    ready_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tic = time.perf_counter()
    if mode == 'memory':
        res = runner.run(float(steps))
        n_events, max_events, file_bytes = int(res.steps.size), int(res.steps.size), 0
        held_steps = steps
    else:
        n_events = max_events = 0
        with open('events.i32', 'wb') as sink:  # (step, index) int32 pairs; the cwd is a temporary folder
            for first in range(0, steps, segment_steps):
                res = runner.run(float(min(segment_steps, steps - first)))
                np.stack([res.steps + first, res.indices], axis=1).astype(np.int32).tofile(sink)
                n_events += int(res.steps.size)
                max_events = max(max_events, int(res.steps.size))
                del res
        file_bytes = os.path.getsize('events.i32')
        held_steps = min(segment_steps, steps)
    sim_s = time.perf_counter() - tic
    emit_result(dict(model_mb=model_bytes / 2**20, ready_mb=ready_mb, n_events=n_events, max_events_held=max_events,
                     steps_held=held_steps, sim_s=sim_s, file_mb=file_bytes / 2**20))


# ----------------------------------------------------------------------------- parent
def peak_from_time_v(stderr):
    match = re.search(r'Maximum resident set size \(kbytes\): (\d+)', stderr)
    return int(match.group(1)) / 1024 if match else None


def run_case(mode, n, steps, segment_steps, timeout, max_rss_gb):
    time_bin = shutil.which('time') or ('/usr/bin/time' if os.path.exists('/usr/bin/time') else None)
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), '--worker', mode, str(n), str(steps),
           str(segment_steps)]
    rec = dict(mode=mode, n=n, steps=steps, segment_steps=segment_steps if mode == 'stream' else None,
               peak_source='/usr/bin/time -v' if time_bin else 'os.wait4 ru_maxrss (/usr/bin/time missing)')
    code, out, err, wall, wait4_mb = run_process(([time_bin, '-v'] if time_bin else []) + cmd, timeout,
                                                 max_rss_bytes=max_rss_gb * 1e9)
    res = parse_result(out)
    if code != 0 or res is None:
        own = err.split('\tCommand being timed')[0].strip().splitlines()  # drop time -v's report
        note = f'killed: {code}' if code in ('timeout', 'memory') else (own or ['failed'])[-1]
        return {**rec, 'status': 'failed', 'note': note[:160], 'wall_s': wall}
    peak = peak_from_time_v(err) if time_bin else wait4_mb
    res.update(rec, status='ok', wall_s=wall, peak_mb=peak, wait4_peak_mb=wait4_mb)
    res['bound_mb'] = bound_mb(res)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=10_000)
    ap.add_argument('--steps', default='100000,1000000', help='comma-separated numbers of 1 ms steps')
    ap.add_argument('--modes', default=','.join(MEMORY_MODES))
    ap.add_argument('--segment-steps', type=int, default=10_000, help='steps per segment in stream mode')
    ap.add_argument('--timeout', type=float, default=3600.0)
    ap.add_argument('--max-rss-gb', type=float, default=16.0, help='kill a run above this resident memory')
    ap.add_argument('--fresh', action='store_true', help='discard earlier runs in the JSON')
    args = ap.parse_args(argv)
    steps = [int(s) for s in args.steps.split(',')]
    modes = args.modes.split(',')
    if any(m not in MEMORY_MODES for m in modes):
        raise ValueError(f'--modes {args.modes!r}: expected a subset of {MEMORY_MODES}')
    if any(s < CHUNK or s % CHUNK for s in steps) or args.segment_steps < CHUNK or args.segment_steps % CHUNK:
        raise ValueError(f'--steps {args.steps} / --segment-steps {args.segment_steps}: expected multiples of {CHUNK}')
    data = {'sessions': [], 'runs': []} if args.fresh else load_results(MEMORY_JSON)
    data['sessions'].append(dict(started=time.strftime('%Y-%m-%d %H:%M:%S'), load_before=os.getloadavg(),
                                 command='python benchmarks/memory_bench.py ' + ' '.join(
                                     sys.argv[1:] if argv is None else argv)))
    for s in steps:
        for mode in modes:
            rec = run_case(mode, args.n, s, args.segment_steps, args.timeout, args.max_rss_gb)
            rec['session'] = len(data['sessions']) - 1
            data['runs'] = [r for r in data['runs'] if (r['mode'], r['n'], r['steps']) != (mode, args.n, s)] + [rec]
            print({k: round(v, 2) if isinstance(v, float) else v for k, v in rec.items()}, flush=True)
            save_results(data, MEMORY_JSON)
    render()


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--worker':
        worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
