"""Sharded across 4 CPU devices (jax.sharding), the network emits exactly the spikes of one device."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

HELPER = pathlib.Path(__file__).with_name('_multidevice_run.py')


def _run(devices, connectivity='dense'):
    env = dict(os.environ, XLA_FLAGS='--xla_force_host_platform_device_count=4', JAX_PLATFORMS='cpu')
    out = subprocess.run([sys.executable, str(HELPER), str(devices), connectivity], env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout
    m = re.search(r'NDEV (\d+) SHARDS (\d+) NSPK (\d+) SHA (\w+) SYN (\d+) (\d+)', out)
    assert m, out
    return int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5]) / int(m[6])


@pytest.mark.parametrize('connectivity', ['dense', 'sparse'])
def test_four_devices_identical_spikes(connectivity):
    ndev, shards4, nspk4, sha4, syn4 = _run(4, connectivity)
    _, shards1, nspk1, sha1, syn1 = _run(1, connectivity)
    assert ndev == 4
    assert shards4 == 4 and shards1 == 1  # the state really is split in the sharded run
    # and so are the synapses: a quarter each, plus the sparse rows' padding to the longest device share
    assert syn1 == 1 and (syn4 == 0.25 if connectivity == 'dense' else 0.25 < syn4 < 0.4)
    assert nspk1 > 100  # the network is active, so equality is not vacuous
    assert (nspk4, sha4) == (nspk1, sha1)
