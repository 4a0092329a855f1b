"""Sharded across 4 CPU devices (jax.sharding), the network emits exactly the spikes of one device."""

import pytest

from sim import multidevice_run


# dense is CI's slow step (~30 s of two new processes): the default suite keeps sparse here, and the dense
# network's 1-device subprocess against this process in test_determinism.py.
@pytest.mark.parametrize('connectivity', [pytest.param('dense', marks=pytest.mark.slow), 'sparse'])
def test_four_devices_identical_spikes(connectivity):
    ndev, shards4, nspk4, sha4, syn4 = multidevice_run(4, connectivity)
    _, shards1, nspk1, sha1, syn1 = multidevice_run(1, connectivity)
    assert ndev == 4
    assert shards4 == 4 and shards1 == 1  # the state really is split in the sharded run
    # and so are the synapses: a quarter each, plus the sparse rows' padding to the longest device share
    assert syn1 == 1 and (syn4 == 0.25 if connectivity == 'dense' else 0.25 < syn4 < 0.4)
    assert nspk1 > 100  # the network is active, so equality is not vacuous
    assert (nspk4, sha4) == (nspk1, sha1)
