"""A small noisy, refractory network used by test_checkpoint.py, runnable as a script.

    python checkpoint_model.py full OUT.npz            # 300 steps uninterrupted
    python checkpoint_model.py first OUT.npz CKPT      # 150 steps, then checkpoint
    python checkpoint_model.py resume OUT.npz CKPT     # load checkpoint, 150 more steps

Several ``MODE OUT [CKPT]`` groups separated by ``+`` run one after the other in
one process, each from ``bm.random.seed(7)`` and a new network
(``full A.npz + first B.npz CKPT``).
"""

import itertools
import sys

import brainpy as bp
import brainpy.math as bm
import numpy as np

import izhi_dyn

N, STEPS, DT = 40, 300, 0.1


class Net(bp.DynSysGroup):
    def __init__(self):
        super().__init__()
        self.pop = izhi_dyn.Izhikevich(N, method='euler', noise=3.0, tau_ref=1.0,
                                       spike_time_var=True, ref_var=True,
                                       a=bp.init.Uniform(0.02, 0.1))
        self.rec = bp.dyn.HalfProjAlignPostMg(
            comm=bp.dnn.AllToAll(N, N, bp.init.Uniform(0.0, 0.5)),
            syn=bp.dyn.Expon.desc(N, tau=5.0), out=bp.dyn.CUBA.desc(), post=self.pop)

    def update(self, x):
        self.rec(self.pop.spike.value)
        return self.pop(x)


def run(net, steps, t0):
    runner = bp.DSRunner(net, monitors={'V': net.pop.V, 'spike': net.pop.spike},
                         t0=t0, dt=DT, progress_bar=False)
    runner.run(inputs=np.full((steps, N), 6.0))
    return {k: np.asarray(runner.mon[k]) for k in ('V', 'spike')}


def main(mode, out, ckpt=None):
    bm.random.seed(7)
    net = Net()
    if mode == 'full':
        mon = run(net, STEPS, 0.0)
    elif mode == 'first':
        mon = run(net, STEPS // 2, 0.0)
        izhi_dyn.save_checkpoint(ckpt, net, t=STEPS // 2 * DT)
    else:
        bm.random.seed(12345)  # must be overridden by the checkpoint's key
        t0 = izhi_dyn.load_checkpoint(ckpt, net).t
        mon = run(net, STEPS // 2, t0)
    np.savez(out, **mon)


if __name__ == '__main__':
    for is_plus, group in itertools.groupby(sys.argv[1:], lambda arg: arg == '+'):
        if not is_plus:
            main(*group)
