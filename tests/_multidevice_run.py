"""Run the 2003 network (``argv[2]``: dense or sparse) on ``argv[1]`` devices; print a digest of its spike events (helper of test_multidevice)."""

import hashlib
import os
import sys

import brainpy.math as bm
import numpy as np

import izhi_dyn.networks as nw

if os.environ.get('IZHI_DYN_X64') == '1':  # float64, as tests/conftest.py
    bm.enable_x64()

devices = int(sys.argv[1])
connectivity = sys.argv[2] if len(sys.argv) > 2 else 'dense'
sparse = dict(k=50) if connectivity == 'sparse' else {}
net = nw.CorticalNetwork2003(400, seed=3, connectivity=connectivity, devices=devices if devices > 1 else None,
                             **sparse)
res = nw.run_network(net, 300.0, chunk=50)
import jax  # noqa: E402

ev = np.stack([res.steps, res.indices])
weights = net.recurrent.comm.weight.value
per_device = max(shard.data.size for shard in weights.addressable_shards)  # synapse slots held by one device
print('NDEV', len(jax.devices()), 'SHARDS', len(net.E.V.value.sharding.device_set),
      'NSPK', res.steps.size, 'SHA', hashlib.sha256(ev.tobytes()).hexdigest(),
      'SYN', per_device, net.num_synapses)
