"""Run the 2003 network on ``argv[1]`` devices; print a digest of its spike events (helper of test_multidevice)."""

import hashlib
import sys

import numpy as np

import izhi_dyn.networks as nw

devices = int(sys.argv[1])
net = nw.CorticalNetwork2003(400, seed=3, devices=devices if devices > 1 else None)
res = nw.run_network(net, 300.0, chunk=50)
import jax  # noqa: E402

ev = np.stack([res.steps, res.indices])
print('NDEV', len(jax.devices()), 'SHARDS', len(net.E.V.value.sharding.device_set),
      'NSPK', res.steps.size, 'SHA', hashlib.sha256(ev.tobytes()).hexdigest())
