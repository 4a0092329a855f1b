"""Across processes (jax.distributed, gloo over 127.0.0.1): ``izhi-dyn network --processes N`` writes the
spikes and statistics of a single-process run, bit for bit, and checkpoints and resumes per process.

Every test starts real processes through :func:`izhi_dyn.networks.distributed.launch`, which kills
them when it returns, after ``timeout_s`` at the latest; the coordinator listens on a free port of
127.0.0.1. A multi-process step costs ~50 ms here (a handful of gloo collectives on two loaded
cores), so the networks are small and the runs short.
"""

import json

import jax
import numpy as np
import pytest

from izhi_dyn.cli import main
from izhi_dyn.networks.distributed import launch, process_path

TIMEOUT_S = 240
#: Keys of the statistics that describe the placement or the wall time, not the run.
NOT_THE_RUN = {'devices', 'processes', 'build_s', 'compile_s', 'sim_wall_s', 'realtime_factor'}
X64 = ['--x64'] if jax.config.jax_enable_x64 else []  # the suite's precision


def _outputs(tmp_path, name):
    return ['--json', str(tmp_path / f'{name}.json'), '--spikes', str(tmp_path / f'{name}.npz')]


def _load(tmp_path, name):
    stats = json.loads((tmp_path / f'{name}.json').read_text())
    with np.load(tmp_path / f'{name}.npz') as f:
        return stats, {k: f[k] for k in f.files}


def _assert_same_run(tmp_path, name, reference, processes):
    (stats, spikes), (ref_stats, ref_spikes) = _load(tmp_path, name), _load(tmp_path, reference)
    assert ref_stats['n_spikes'] > 100  # an active network: equality is not vacuous
    assert stats['processes'] == processes and ref_stats['processes'] == 1
    assert {k: v for k, v in stats.items() if k not in NOT_THE_RUN} == \
           {k: v for k, v in ref_stats.items() if k not in NOT_THE_RUN}
    assert spikes.keys() == ref_spikes.keys()
    for key in spikes:
        np.testing.assert_array_equal(spikes[key], ref_spikes[key], err_msg=key)


@pytest.mark.slow  # ~45 s each on two cores: start-up, compilation and gloo steps of every process
@pytest.mark.parametrize('processes, connectivity', [(2, 'dense'), (2, 'sparse'), (4, 'dense'), (4, 'sparse')])
def test_processes_give_the_single_process_spikes(tmp_path, processes, connectivity):
    net = ['--n', '200', '--seed', '3', '--duration', '60', '--chunk', '30', '--connectivity', connectivity,
           '--k', '40', '--no-progress', *X64]
    main(['network', *net, *_outputs(tmp_path, 'one')])
    assert launch([*net, *_outputs(tmp_path, 'many')], processes, timeout_s=TIMEOUT_S) == 0
    _assert_same_run(tmp_path, 'many', 'one', processes)


@pytest.mark.slow
def test_checkpoint_and_resume_per_process(tmp_path):
    """A 2-process run checkpointed at 40 ms (one file per process) and resumed to 80 ms by 2 new
    processes gives the uninterrupted single-process run."""
    net = ['--n', '200', '--seed', '4', '--chunk', '20', '--no-progress', *X64]
    ckpt = tmp_path / 'state.npz'
    main(['network', *net, '--duration', '80', *_outputs(tmp_path, 'one')])
    assert launch([*net, '--duration', '40', '--checkpoint', str(ckpt), '--checkpoint-every', '20'], 2,
                  timeout_s=TIMEOUT_S) == 0
    assert not ckpt.exists() and all(process_path(ckpt, i, 2).is_file() for i in range(2))
    assert launch([*net, '--duration', '80', '--resume', str(ckpt), *_outputs(tmp_path, 'resumed')], 2,
                  timeout_s=TIMEOUT_S) == 0
    _assert_same_run(tmp_path, 'resumed', 'one', 2)


@pytest.mark.parametrize('flags, match', [
    (['--coordinator', '127.0.0.1:1'], 'give all three or none'),
    (['--processes', '2', '--coordinator', '127.0.0.1:1', '--num-processes', '2', '--process-id', '0'],
     'without --coordinator'),
    (['--processes', '2', '--devices', '2'], '--devices'),
    (['--coordinator', '127.0.0.1:1', '--num-processes', '2', '--process-id', '2'], '--process-id 2'),
])
def test_rejects_inconsistent_process_flags(flags, match):
    with pytest.raises(SystemExit, match=match):
        main(['network', '--n', '20', '--duration', '1', '--no-progress', *flags])


def test_process_path_names_one_file_per_process(tmp_path):
    assert process_path(tmp_path / 's.npz', 0, 1) == tmp_path / 's.npz'
    assert process_path(tmp_path / 's.npz', 3, 4) == tmp_path / 's.process3of4.npz'
