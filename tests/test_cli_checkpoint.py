"""``izhi-dyn network --checkpoint/--resume``: a run killed with SIGKILL and resumed in a new
process gives the statistics and spikes of the uninterrupted run, bit for bit."""

import json
import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np
import pytest

from izhi_dyn.checkpoint import read_checkpoint_extra
from izhi_dyn.cli import main

# 2000 steps of 1 ms (the paper's regime), checkpoints every 200: each segment takes long
# enough (~0.05 s) for the test to kill the run between checkpoints.
NET = ['--n', '300', '--seed', '5', '--duration', '2000', '--chunk', '100', '--no-progress']
STEPS, EVERY = 2000, 200
WALL_TIME_KEYS = {'build_s', 'compile_s', 'sim_wall_s', 'realtime_factor'}


def _cli(*args):
    return [sys.executable, '-m', 'izhi_dyn.cli', 'network', *NET, *map(str, args)]


def _outputs(tmp_path, name):
    return tmp_path / f'{name}.json', tmp_path / f'{name}.npz'


def _load(json_path, spikes_path):
    stats = {k: v for k, v in json.loads(json_path.read_text()).items() if k not in WALL_TIME_KEYS}
    with np.load(spikes_path) as f:
        return stats, {k: f[k] for k in f.files}


def _kill_after_first_checkpoint(proc, ckpt):
    deadline = time.monotonic() + 300
    while not ckpt.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f'no checkpoint before the run ended (rc={proc.returncode}): {proc.stderr.read()}')
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


@pytest.mark.parametrize('precision', [[], pytest.param(['--x64'], marks=pytest.mark.slow)], ids=['f32', 'f64'])
def test_killed_and_resumed_run_equals_uninterrupted_run(tmp_path, precision):
    ckpt = tmp_path / 'state.npz'
    full, resumed = _outputs(tmp_path, 'full'), _outputs(tmp_path, 'resumed')
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reference = subprocess.Popen(_cli(*precision, '--json', full[0], '--spikes', full[1]), **quiet)
    killed = subprocess.Popen(_cli(*precision, '--checkpoint', ckpt, '--checkpoint-every', EVERY),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert _kill_after_first_checkpoint(killed, ckpt) == -signal.SIGKILL  # killed, not finished
    killed.stderr.close()
    killed_at = int(round(read_checkpoint_extra(ckpt).t))  # 1 ms steps
    assert 0 < killed_at < STEPS and killed_at % EVERY == 0  # a mid-run checkpoint boundary
    done = subprocess.run(_cli(*precision, '--resume', ckpt, '--json', resumed[0], '--spikes', resumed[1]),
                          timeout=300, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 0, done.stderr
    assert reference.wait(timeout=300) == 0

    (stats_full, spikes_full), (stats_res, spikes_res) = _load(*full), _load(*resumed)
    assert stats_full['n_spikes'] > 3000  # an active network: equality is not vacuous
    assert stats_res == stats_full
    assert set(spikes_res) == set(spikes_full) >= {'times', 'indices', 'steps'}
    for key in spikes_full:
        np.testing.assert_array_equal(spikes_res[key], spikes_full[key], err_msg=key)


def test_checkpoints_do_not_change_the_run_and_extend_it(tmp_path):
    """Checkpointing every 7 steps (not a multiple of the chunk) leaves the result unchanged,
    and the final checkpoint continues to a longer duration like one long run."""
    import izhi_dyn.networks as nw

    ckpt, out = tmp_path / 's.npz', tmp_path / 'a.npz'
    base = ['network', '--n', '100', '--seed', '2', '--chunk', '10', '--no-progress',
            *(['--x64'] if jax.config.jax_enable_x64 else [])]  # the suite's precision, as the reference
    main([*base, '--duration', '35', '--checkpoint', str(ckpt), '--checkpoint-every', '7'])
    main([*base, '--duration', '60', '--resume', str(ckpt), '--spikes', str(out)])
    ref = nw.run_network(nw.CorticalNetwork2003(100, seed=2), 60.0, chunk=60)
    with np.load(out) as f:
        assert f['steps'].size > 50
        np.testing.assert_array_equal(f['steps'], ref.steps)
        np.testing.assert_array_equal(f['indices'], ref.indices)


@pytest.mark.slow
def test_resume_on_four_devices_equals_one_device_run(tmp_path):
    """A checkpoint of a 1-device run resumed sharded over 4 (forced host) devices."""
    env = dict(os.environ, XLA_FLAGS='--xla_force_host_platform_device_count=4', JAX_PLATFORMS='cpu')
    base = [sys.executable, '-m', 'izhi_dyn.cli', 'network', '--n', '400', '--seed', '3', '--no-progress']
    ckpt, full, resumed = tmp_path / 's.npz', tmp_path / 'full.npz', tmp_path / 'resumed.npz'
    for args in (['--duration', '300', '--spikes', full],
                 ['--duration', '100', '--checkpoint', ckpt, '--checkpoint-every', '50'],
                 ['--duration', '300', '--devices', '4', '--resume', ckpt, '--spikes', resumed]):
        subprocess.run([*base, *map(str, args)], env=env, check=True, timeout=300, stdout=subprocess.DEVNULL)
    with np.load(full) as a, np.load(resumed) as b:
        assert a['steps'].size > 500
        np.testing.assert_array_equal(b['steps'], a['steps'])
        np.testing.assert_array_equal(b['indices'], a['indices'])


@pytest.fixture(scope='module')
def small_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'small.npz'
    main(['network', '--n', '50', '--seed', '1', '--duration', '4', '--no-progress',
          '--checkpoint', str(path), '--checkpoint-every', '2'])
    return path


SMALL = ['network', '--n', '50', '--seed', '1', '--no-progress', '--duration', '6']


@pytest.mark.parametrize('change, flag', [
    (['--seed', '2'], '--seed'),
    (['--n', '60'], '--n'),
    (['--connectivity', 'sparse', '--k', '10'], '--connectivity'),
    (['--method', 'euler'], '--method'),
    (['--dt', '0.5'], '--dt'),
    (['--x64'], '--x64'),
])
def test_resume_rejects_other_arguments(small_checkpoint, change, flag):
    args = [*SMALL, *change, '--resume', str(small_checkpoint)]
    with pytest.raises(SystemExit, match=f'other arguments.*{flag}: checkpoint'):
        main(args)


def test_sparse_checkpoint_resumes_on_as_many_devices_only(tmp_path):
    # sparse synapses are split over the devices (EventCSR sharding): another device count is another layout
    path = tmp_path / 'sparse.npz'
    sparse = ['network', '--n', '50', '--seed', '1', '--no-progress', '--connectivity', 'sparse', '--k', '10']
    main([*sparse, '--duration', '4', '--checkpoint', str(path), '--checkpoint-every', '2'])
    with pytest.raises(SystemExit, match=r'other arguments.*--devices \(sparse synapses split over them\): '
                                         r'checkpoint 1, this run 2'):
        main([*sparse, '--duration', '6', '--devices', '2', '--resume', str(path)])


@pytest.mark.parametrize('every', ['0', '-2', 'nan', 'inf'])
def test_rejects_a_checkpoint_interval_out_of_range(tmp_path, monkeypatch, capsys, every):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main([*SMALL, '--checkpoint', 'x.npz', '--checkpoint-every', every])
    assert exit_info.value.code == 2  # argparse's usage error
    assert '--checkpoint-every' in capsys.readouterr().err
    assert not (tmp_path / 'x.npz').exists()


@pytest.mark.parametrize('extra, match', [
    (['--checkpoint', 'x.npz', '--checkpoint-every', '0.25', '--dt', '0.1'],
     r'--checkpoint-every 0.25: expected a positive multiple of --dt 0.1'),
    (['--checkpoint', 'x.npz'], 'give both or neither'),
    (['--checkpoint-every', '2'], 'give both or neither'),
    (['--resume', 'does-not-exist.npz'], 'no such checkpoint file'),
    (['--duration', '5.5'], r'--duration 5.5: expected a non-negative multiple of --dt 1.0'),
])
def test_rejects_inconsistent_flags(tmp_path, monkeypatch, extra, match):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=match):
        main([*SMALL, *extra])
    assert not (tmp_path / 'x.npz').exists()


def test_resume_rejects_a_duration_before_the_checkpoint(small_checkpoint):
    with pytest.raises(SystemExit, match=r'--duration 2.0: the checkpoint .* is at 4.0 ms'):
        main([*SMALL, '--duration', '2', '--resume', str(small_checkpoint)])


def test_resume_rejects_a_foreign_file(tmp_path):
    import izhi_dyn

    path = izhi_dyn.save_checkpoint(tmp_path / 'neuron.npz', izhi_dyn.Izhikevich(3), t=0.0)
    with pytest.raises(SystemExit, match='not a checkpoint of izhi-dyn network'):
        main([*SMALL, '--resume', str(path)])
