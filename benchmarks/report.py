"""RESULTS.md: the network benchmark's tables, the issue's targets met or missed, the sessions,
and the memory benchmark's section.

Pure functions of the results JSONs written by ``network_bench.py`` and
``memory_bench.py`` (both call :func:`render` after a run); imports only the harness.

    python benchmarks/report.py        # rebuild RESULTS.md from the JSONs
"""

from __future__ import annotations

import json
import statistics

from harness import (CHUNK, IMPLS, MEMORY_JSON, NETWORK_JSON, RESULTS_MD, STATE_BYTES_PER_NEURON, SYNAPSE_BYTES,
                     T_MS, load_results)

MEMORY_MODES = ('memory', 'stream')
#: The native-step section (issue 14): tables of native_step.py and profile_network.py with their commands.
NATIVE_MD = RESULTS_MD.with_name('NATIVE.md')
GPU_MD = RESULTS_MD.with_name('GPU.md')
# The memory benchmark's stated bound (see memory_bench.py's docstring): bytes per event held,
# per step held, heap fragmentation, and a fixed slack in MiB.
EVENT_BYTES, STEP_BYTES, FRAGMENTATION, SLACK_MB = 20, 24, 1.05, 64


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(x, nd=2):
    return '—' if x is None or x != x else f'{x:.{nd}f}'


def summarize(runs):
    """Medians per (conn, n, impl) over the runs that completed and were not superseded by a
    later session (``network_bench.py --supersede``): {key: dict}."""
    groups = {}
    for r in runs:
        if 'superseded' in r:
            continue
        groups.setdefault((r['conn'], r['n'], r['impl']), []).append(r)
    out = {}
    for key, rs in groups.items():
        ok = [r for r in rs if r['status'] == 'ok']
        row = {'n_ok': len(ok), 'n_runs': len(rs), 'n_skipped': sum(r['status'] == 'skipped' for r in rs),
               'sessions': sorted({r['session'] for r in rs}),
               'notes': sorted({f"{r['status']}: {r['note']}" for r in rs if r['status'] != 'ok'})}
        for field in ('sim_s', 'import_s', 'build_s', 'compile_s', 'wall_s', 'peak_mb', 'rate_e', 'rate_i',
                      'n_syn', 'n_spikes', 'n_steps', 'synapse_bytes', 'state_bytes'):
            row[field] = _median([r.get(field) for r in ok])
        out[key] = row
    return out


def _sizes_in(summary):
    order = {'dense': 0, 'sparse': 1}
    return sorted({(c, n) for c, n, _ in summary}, key=lambda cn: (order[cn[0]], cn[1]))


def _main_table(summary):
    lines = ['| connectivity | N | synapses | implementation | runs ok | sim (s) | RTF | import (s) | build (s) '
             '| compile (s) | total (s) | peak (MB) | rate E (Hz) | rate I (Hz) | notes |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for conn, n in _sizes_in(summary):
        for impl in sorted((i for c, m, i in summary if (c, m) == (conn, n)),
                           key=lambda i: (IMPLS.index(i.split('@')[0]), i)):
            row = summary[conn, n, impl]
            syn = f"{row['n_syn']:.2e}" if row['n_syn'] else ''
            sim = row['sim_s']
            lines.append(f"| {conn} | {n} | {syn} | {impl} | {row['n_ok']}/{row['n_runs']} | {_fmt(sim, 3)} | "
                         f"{_fmt(None if sim is None else sim / (T_MS / 1e3), 3)} | {_fmt(row['import_s'])} | "
                         f"{_fmt(row['build_s'])} | {_fmt(row['compile_s'])} | {_fmt(row['wall_s'])} | "
                         f"{_fmt(row['peak_mb'], 0)} | {_fmt(row['rate_e'], 1)} | {_fmt(row['rate_i'], 1)} | "
                         f"{'; '.join(row['notes'])} |")
    return lines


def _ratio_table(summary):
    lines = ['| connectivity | N | izhi_dyn sim (s) | brainpy sim (s) | izhi_dyn / brainpy | fastest peer | '
             'its sim (s) | izhi_dyn / fastest peer | izhi_dyn total / brainpy total | sessions |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for conn, n in _sizes_in(summary):
        mine = summary.get((conn, n, 'izhi_dyn'))
        if mine is None or mine['sim_s'] is None:
            continue
        peers = {impl: row for (c, m, impl), row in summary.items()
                 if (c, m) == (conn, n) and not impl.startswith('izhi_dyn') and row['sim_s'] is not None}
        bp_row = peers.get('brainpy')
        fastest = min(peers, key=lambda i: peers[i]['sim_s']) if peers else None
        ratio = lambda a, b: None if a is None or b is None or b == 0 else a / b  # noqa: E731
        sessions = sorted(set(mine['sessions']).union(*(r['sessions'] for r in peers.values())))
        lines.append(f"| {conn} | {n} | {_fmt(mine['sim_s'], 3)} | {_fmt(bp_row and bp_row['sim_s'], 3)} | "
                     f"{_fmt(ratio(mine['sim_s'], bp_row and bp_row['sim_s']))} | {fastest or '—'} | "
                     f"{_fmt(fastest and peers[fastest]['sim_s'], 3)} | "
                     f"{_fmt(ratio(mine['sim_s'], fastest and peers[fastest]['sim_s']))} | "
                     f"{_fmt(ratio(mine['wall_s'], bp_row and bp_row['wall_s']))} | {sessions} |")
    return lines


def best_bandwidth(sessions):
    """Highest measured bandwidth (GB/s) over the sessions' STREAM-like kernels, and its kernel."""
    best = (None, None)
    for s in sessions:
        for key, value in (s.get('bandwidth') or {}).items():
            if key.endswith('_gbs') and (best[0] is None or value > best[0]):
                best = (value, key[:-4])
    return best


def best_scatter(sessions, n):
    """Lowest measured cost of a random scattered addition into ``n`` targets (ns), over the
    sessions' scatter probes (``harness.measure_scatter``), or None."""
    values = [s['scatter_ns'][str(n)] for s in sessions if str(n) in (s.get('scatter_ns') or {})]
    return min(values) if values else None


def _traffic_bound_s(rec, bw):
    """Memory-traffic bound of a sparse run (s): its synapse and state bytes at ``bw`` GB/s."""
    return (rec['synapse_bytes'] + rec['state_bytes']) / (bw * 1e9)


def _latency_bound_s(rec, n, sessions, bw):
    """Issue 14's bound of a sparse step (s per run): the memory traffic at the best bandwidth
    plus every synapse of a spiking neuron at the measured random-scatter cost, or None."""
    scatter = best_scatter(sessions, n)
    if scatter is None:
        return None
    return _traffic_bound_s(rec, bw) + rec['synapse_bytes'] / SYNAPSE_BYTES * scatter * 1e-9


def _bound_table(summary, sessions):
    bw, kernel = best_bandwidth(sessions)
    if bw is None:
        return ['No bandwidth measured yet.']
    lines = [f'Bandwidth: {bw:.1f} GB/s (best STREAM-like kernel over the sessions: `{kernel}`). '
             f'Bytes per step = Σ over the spikes of the step of out-degree × {SYNAPSE_BYTES} B (weight + index) '
             f'+ {STATE_BYTES_PER_NEURON} B × N of neuron state, the least any layout moves (V, u read+written; 2 '
             'parameter arrays read; one synaptic and the thalamic current written+read; spike written+read). Spikes counted exactly from the '
             '`izhi_dyn_rec` run (same seed, same spikes as `izhi_dyn`: checked by the spike counts). '
             'Issue 14 adds the latency of random scatter to this traffic bound: **bound + scatter** = the '
             'traffic time + (synapses of the spiking neurons) × the cost of one random addition into N '
             'targets, measured per N by a plain C loop (`np.bincount`, one thread, best of 5; '
             '`harness.measure_scatter`, run at the end of each session; lowest over the sessions).', '',
             '| N | synapses | spikes / step | synapse MB / step | state MB / step | bound (ms / step) | '
             'izhi_dyn (ms / step) | achieved / bound | izhi_dyn_rec (ms / step) | rec / bound | same spikes '
             '| scatter (ns / synapse) | bound + scatter (ms / step) | izhi_dyn / (bound + scatter) |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for conn, n in _sizes_in(summary):
        rec, plain = summary.get((conn, n, 'izhi_dyn_rec')), summary.get((conn, n, 'izhi_dyn'))
        if conn != 'sparse' or rec is None or rec['synapse_bytes'] is None:
            continue
        steps = rec['n_steps']
        syn_b, state_b = rec['synapse_bytes'] / steps, rec['state_bytes'] / steps
        bound_ms = _traffic_bound_s(rec, bw) / steps * 1e3
        plain_ms = plain['sim_s'] / plain['n_steps'] * 1e3 if plain and plain['sim_s'] is not None else None
        rec_ms = rec['sim_s'] / steps * 1e3
        same = '—' if plain_ms is None else ('yes' if plain['n_spikes'] == rec['n_spikes'] else
                                            f"no ({plain['n_spikes']:.0f} vs {rec['n_spikes']:.0f})")
        lines.append(f"| {n} | {rec['n_syn']:.2e} | {rec['n_spikes'] / steps:.0f} | {syn_b / 1e6:.2f} | "
                     f"{state_b / 1e6:.2f} | {bound_ms:.3f} | {_fmt(plain_ms, 3)} | "
                     f"{_fmt(plain_ms and plain_ms / bound_ms, 1)} | {rec_ms:.3f} | {rec_ms / bound_ms:.1f} | {same} "
                     f"| {_scatter_cells(rec, n, sessions, bw, plain_ms)} |")
    return lines


def _scatter_cells(rec, n, sessions, bw, plain_ms):
    """The three cells of the latency-aware bound of one row ('—' where unmeasured)."""
    full = _latency_bound_s(rec, n, sessions, bw)
    if full is None:
        return '— | — | —'
    full_ms = full / rec['n_steps'] * 1e3
    return (f"{best_scatter(sessions, n):.2f} | {full_ms:.3f} | "
            f"{_fmt(plain_ms and plain_ms / full_ms, 1)}")


def _verdict(value, limit, unit=''):
    if value is None:
        return 'not measured'
    return f"{'met' if value <= limit else 'missed'} ({value:.2f}{unit} vs ≤ {limit:g}{unit})"


def _targets(summary, sessions):
    """Issue 4's targets, each met or missed by how much, from the same medians as the tables."""
    get = lambda conn, n, impl, field: (summary.get((conn, n, impl)) or {}).get(field)  # noqa: E731
    lines = ['| target | size | result |', '|---|---|---|']
    for conn, n in _sizes_in(summary):
        mine = get(conn, n, 'izhi_dyn', 'sim_s')
        peers = {impl: row['sim_s'] for (c, m, impl), row in summary.items()
                 if (c, m) == (conn, n) and not impl.startswith('izhi_dyn') and row['sim_s'] is not None}
        if mine is None:
            continue
        if 'brainpy' in peers:
            lines.append(f"| sim ≤ brainpy-native | {conn} {n} | {_verdict(mine / peers['brainpy'], 1, '×')} |")
        if peers:
            fastest = min(peers, key=peers.get)
            lines.append(f'| sim ≤ fastest peer ({fastest}) | {conn} {n} | '
                         f'{_verdict(mine / peers[fastest], 1, "×")} |')
    mine, theirs = get('dense', 1000, 'izhi_dyn', 'wall_s'), get('dense', 1000, 'brainpy', 'wall_s')
    if mine is not None and theirs is not None:
        lines.append(f'| whole-process wall ≤ brainpy-native | dense 1000 | {_verdict(mine / theirs, 1, "×")} '
                     f'({mine:.2f} s vs {theirs:.2f} s) |')
    lines.append(f"| compile ≤ 2 s | dense 1000 | {_verdict(get('dense', 1000, 'izhi_dyn', 'compile_s'), 2, ' s')} |")
    for impl in ('izhi_dyn', 'izhi_dyn_rec'):
        peak = get('sparse', 1000000, impl, 'peak_mb')
        lines.append(f"| 10⁶ neurons × 10⁸ synapses, 1 s, peak ≤ 4 GB ({impl}) | sparse 1000000 | "
                     f"{_verdict(None if peak is None else peak / 1024, 4, ' GB')} |")
    bw, _ = best_bandwidth(sessions)
    for conn, n in _sizes_in(summary):
        rec, plain = summary.get((conn, n, 'izhi_dyn_rec')), summary.get((conn, n, 'izhi_dyn'))
        if conn != 'sparse' or bw is None or not rec or rec['synapse_bytes'] is None or not plain \
                or plain['sim_s'] is None:
            continue
        bound_s = _traffic_bound_s(rec, bw)
        lines.append(f"| sparse step ≤ 3 × memory-traffic bound | sparse {n} | "
                     f"{_verdict(plain['sim_s'] / bound_s, 3, '×')} |")
        full = _latency_bound_s(rec, n, sessions, bw)
        if full is not None:
            lines.append(f"| sparse step ≤ 3 × (traffic + scatter) bound (issue 14) | sparse {n} | "
                         f"{_verdict(plain['sim_s'] / full, 3, '×')} |")
    lines += ['', 'Reading (profile: `python benchmarks/profile_network.py --n N`, per-part costs in '
              '`docs/networks.rst`). The rows of dense 10³-4·10³ and sparse 10⁴-10⁶ run the fused native step '
              '(`kernel=\'auto\'`, sessions 6-9; the peers of sparse 10⁵-10⁶ and the dense 10⁴ rows are older '
              'sessions, on the brainevent path, which was already ahead there). The traffic-only bound is '
              'missed because the step\'s additions land at random postsynaptic indices: they are bound by '
              'memory latency, not bandwidth, and even a plain C scatter (`np.bincount`) costs 1.7-2.8 ns per '
              'synapse here, 7-12× the 0.24 ns (8 B at 33.7 GB/s) of the traffic bound; with that measured latency added (issue '
              '14\'s definition) the native step is within 2.1-2.6× of the bound at 10⁴-10⁶. Still missed: '
              'the fixed cost of a step at small N (~20 µs of wall per step at dense 10³, of which the kernel is '
              'a few µs and the rest the XLA loop and custom-call dispatch around it; issue 14 asks ≤ 10 µs; '
              'next lever: a chunk of steps inside one FFI call), and the whole-process wall at dense 10³ '
              '(4.6 s against NEST\'s 1.3 s, goal ≤ 2×): `build` includes importing brainpy (~2.9 s of '
              '`python -X importtime`: brainstate, braintools, brainunit, matplotlib), which the network\'s '
              'nodes need; the next lever is a brainpy-free path for the native step (its state in plain '
              'arrays, the loop in `jax.lax.scan`), so a command imports only JAX.']
    return lines


def _session_lines(sessions):
    lines = []
    for s in sessions:
        m = s['machine']
        bw = s.get('bandwidth') or {}
        bw_text = ', '.join(f'{k[:-4]} {v:.1f}' for k, v in bw.items() if k.endswith('_gbs'))
        lines.append(f"- session {s['id']} ({s['started']} → {s.get('finished', 'unfinished')}): "
                     f"`{s['command']}`; {m['cpu']}, {m['cores']} cores, {m['mem_gb']} GB; "
                     f"load average before {tuple(round(x, 2) for x in s['load_before'])}, after "
                     f"{tuple(round(x, 2) for x in s.get('load_after', ()))}; NEST/Brian2-standalone threads "
                     f"{s['threads']}; bandwidth GB/s: {bw_text or 'not measured'}; versions {m['versions']}")
    return lines


def render_markdown(data, memory=None):
    """RESULTS.md text from the network results and (optional) memory-benchmark results."""
    summary = summarize(data['runs'])
    lines = ['# Benchmarks', '',
             '## Network benchmark: Izhikevich (2003) network, 1000 ms simulated (issue 4)', '',
             'Generated by `benchmarks/network_bench.py` from `benchmarks/network_results.json`. Each run is a fresh '
             'process; medians over the runs that completed (`runs ok` = completed / attempted, repeats interleaved). '
             '**sim** = wall time of the 1000 simulated steps (1 ms), compilation excluded; **compile** = first call '
             f'of the {CHUNK}-step compiled loop minus the median timed call (izhi_dyn: `NetworkRunner.compile` ahead of '
             'time + the first timed call, which also counts in sim; brainpy: two first calls, its second step '
             'retraces; negative when compilation is below the load\'s noise), `nest.Prepare()` '
             '(NEST), code generation + C++ compilation + binary start (Brian2 standalone), first 1 ms run '
             '(Brian2 runtime, Cython cache warm); **build** = constructing the network; **total** = wall time of '
             'the whole process (import + build + compile + 1 s simulated + exit); **RTF** = sim / 1 s; '
             '**peak** = max RSS of the process tree. izhi_dyn uses the published `izhikevich2003` scheme, brainpy '
             'and Brian2 forward Euler (1 ms), NEST its `izhikevich` model (`consistent_integration=False`, the '
             'published scheme), the NumPy loop the paper\'s MATLAB program: rates are listed so runs can be '
             'compared. izhi_dyn and brainpy count spikes per step; `izhi_dyn_rec` also records every spike as a '
             '(step, index) event; NEST records events (spike_recorder), Brian2 counts (SpikeMonitor, '
             'record=False). Sparse = fixed in-degree 100 (Brian2: connection probability 100 / N), weights × '
             '1000 / in-degree. JAX (izhi_dyn, brainpy) uses all cores; NEST and Brian2 standalone one '
             'thread unless the name says `@Nt` (OpenMP threads spin-wait: on a loaded machine they collapse); '
             'the NumPy loop and Brian2 runtime one thread. brainpy: weights are constants '
             'of its compiled program (`bp.dnn` layers hold plain arrays); sparse connectivity by '
             '`bp.conn.FixedPreNum` below N = 10⁶, a NumPy draw of the same rule via `bp.conn.CSRConn` at 10⁶.', '']
    # a run skipped before it starts (not enough memory here) is final, not a missing repeat
    few = sorted({f'{c}:{n}' for (c, n, _), row in summary.items()
                  if row['n_ok'] < 3 and row['n_skipped'] < row['n_runs']})
    if few:
        lines += [f"**Preliminary**: sizes with a row of fewer than 3 completed runs ({', '.join(few)}); "
                  'check the load averages under Sessions before quoting a number.', '']
    lines += _main_table(summary)
    lines += ['', '### Ratios (same medians)', '']
    lines += _ratio_table(summary)
    lines += ['', '### Targets of issue 4 (same medians)', '']
    lines += _targets(summary, data['sessions'])
    lines += ['', '### Sparse step vs the memory-traffic bound', '']
    lines += _bound_table(summary, data['sessions'])
    lines += ['', '### Sessions (machine, command, load)', '']
    lines += _session_lines(data['sessions'])
    if memory is not None:
        lines += [''] + memory_section(memory)
    if NATIVE_MD.exists():  # the native step's measurements (issue 14), written by hand from their commands
        lines += ['', NATIVE_MD.read_text().rstrip()]
    if GPU_MD.exists():  # the GPU rows (issue 14), from gpu_bench.py --report and their commands
        lines += ['', GPU_MD.read_text().rstrip()]
    return '\n'.join(lines) + '\n'


# ----------------------------------------------------------------------------- memory benchmark
def bound_mb(result):
    """The stated peak-RSS bound (MB) of one memory-benchmark run."""
    held = EVENT_BYTES * result['max_events_held'] + STEP_BYTES * result['steps_held']
    return result['ready_mb'] + FRAGMENTATION * held / 2**20 + SLACK_MB


def memory_section(data):
    """RESULTS.md lines of the memory benchmark."""
    lines = ['## Bounded memory on long runs (issue 7)', '',
             'Generated by `benchmarks/memory_bench.py` from `benchmarks/memory_results.json`: sparse 2003 network '
             '(in-degree 100), every spike recorded, 1 ms steps, fresh process per run; peak = "Maximum resident set '
             'size" of `/usr/bin/time -v`. Bound = ready + 1.05 × (20 B × events held + 24 B × steps held) + 64 MiB, with '
             '*ready* the peak RSS after building and compiling (see the script\'s docstring); `memory` holds all '
             'events of the run, `stream` runs segments and appends each one\'s events to a file.', '',
             '| mode | N | steps | simulated (s) | events | events held | peak RSS (MB) | ready (MB) | model state + '
             'weights (MB) | bound (MB) | peak ≤ bound | run wall (s) | events file (MB) |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in data['runs']:
        if r['status'] == 'ok':
            r = {**r, 'bound_mb': bound_mb(r)}
        if r['status'] != 'ok':
            lines.append(f"| {r['mode']} | {r['n']} | {r['steps']} | | failed: {r['note']} | | | | | | | | |")
            continue
        lines.append(f"| {r['mode']} | {r['n']} | {r['steps']} | {r['steps'] / 1e3:.0f} | {r['n_events']:.3g} | "
                     f"{r['max_events_held']:.3g} | {r['peak_mb']:.0f} | {r['ready_mb']:.0f} | {r['model_mb']:.1f} | "
                     f"{r['bound_mb']:.0f} | {'yes' if r['peak_mb'] <= r['bound_mb'] else 'NO'} | {r['wall_s']:.0f} | "
                     f"{r['file_mb']:.0f} |")
    for mode in MEMORY_MODES:
        ok = sorted((r for r in data['runs'] if r['status'] == 'ok' and r['mode'] == mode), key=lambda r: r['steps'])
        if len(ok) >= 2:
            a, b = ok[0], ok[-1]
            lines.append('')
            lines.append(f"- `{mode}`: {a['steps']} → {b['steps']} steps: peak RSS {a['peak_mb']:.0f} → "
                         f"{b['peak_mb']:.0f} MB (+{b['peak_mb'] - a['peak_mb']:.0f} MB) for "
                         f"+{b['max_events_held'] - a['max_events_held']:.3g} events held "
                         f"({EVENT_BYTES} B each: +{EVENT_BYTES * (b['max_events_held'] - a['max_events_held']) / 2**20:.0f} MB).")
    lines += ['', 'Commands: ' + '; '.join(f"`{s['command']}` ({s['started']})" for s in data['sessions'])]
    return lines


def render(md_path=RESULTS_MD):
    """Write RESULTS.md from network_results.json and, if present, memory_results.json."""
    memory = json.loads(MEMORY_JSON.read_text()) if MEMORY_JSON.exists() else None
    md_path.write_text(render_markdown(load_results(NETWORK_JSON), memory))


if __name__ == '__main__':
    render()
