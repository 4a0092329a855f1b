"""RandomSynapses: the synapses onto any range of targets are those of the whole matrix, drawn from the
streams of that range's blocks only (what lets each process of a run draw just its own neurons' synapses)."""

import numpy as np
import pytest
from scipy import stats

import izhi_dyn.networks as nw
from izhi_dyn.networks import connectivity

N_PRE, N_POST = 300, 700
RULES = {'k': dict(k=30), 'p': dict(p=0.08), 'dense': {}}


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(connectivity, '_SYNAPSES_PER_BLOCK', 2000)  # many blocks: ranges straddle them


def _synapses(rule, **kw):
    gain = np.where(np.arange(N_PRE) < 240, 0.5, -1.0)
    return nw.RandomSynapses(2**100 + 7, N_PRE, N_POST, gain=gain, dtype=np.float64, **RULES[rule], **kw)


def _keep_targets(indptr, indices, weight, lo, hi):
    """The pre-major CSR of targets lo:hi cut out of a whole matrix's, row order kept."""
    keep = (indices >= lo) & (indices < hi)
    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=indptr.size - 1))])
    return ptr, indices[keep] - lo, weight[keep]


@pytest.mark.parametrize('rule', ['k', 'p'])
def test_a_range_of_targets_gets_the_whole_matrix_synapses(small_blocks, rule):
    syn = _synapses(rule)
    assert syn.block < 200  # the ranges below cut blocks
    whole = syn.csr()
    for lo, hi in ((0, 350), (350, 700), (123, 461), (699, 700)):
        got = syn.csr(lo, hi)
        for a, b in zip(got, _keep_targets(*whole, lo, hi)):
            np.testing.assert_array_equal(a, b)
    # a view of rows and targets (a population pair) cuts the same matrix
    ptr, idx, w = syn.view(rows=(240, 300), targets=(100, 500)).csr()
    ref_ptr, ref_idx, ref_w = _keep_targets(*whole, 100, 500)
    cut = slice(ref_ptr[240], ref_ptr[300])
    np.testing.assert_array_equal(idx, ref_idx[cut])
    np.testing.assert_array_equal(w, ref_w[cut])
    np.testing.assert_array_equal(ptr, ref_ptr[240:] - ref_ptr[240])


def test_dense_columns_and_padded_rows(small_blocks):
    syn = _synapses('dense')
    W = syn.dense()
    np.testing.assert_array_equal(syn.dense(123, 461), W[:, 123:461])
    np.testing.assert_array_equal(syn.view(rows=(10, 250), targets=(5, 600)).dense(), W[10:250, 5:600])
    # padded layout: each row on a wider pointer, its synapses first, then target 0 and weight 0
    sparse = _synapses('k')
    ptr, idx, w = sparse.csr(200, 500)
    wide = np.concatenate([[0], np.cumsum(np.diff(ptr) + 3)])
    _, pidx, pw = sparse.csr(200, 500, wide)
    for r in (0, 77, 299):
        n = ptr[r + 1] - ptr[r]
        np.testing.assert_array_equal(pidx[wide[r]:wide[r] + n], idx[ptr[r]:ptr[r + 1]])
        np.testing.assert_array_equal(pw[wide[r]:wide[r] + n], w[ptr[r]:ptr[r + 1]])
        assert not pidx[wide[r] + n:wide[r + 1]].any() and not pw[wide[r] + n:wide[r + 1]].any()


@pytest.mark.parametrize('rule', ['k', 'p', 'dense'])
def test_a_range_draws_only_its_blocks(small_blocks, monkeypatch, rule):
    syn = _synapses(rule)
    drawn = []
    philox = np.random.Philox
    monkeypatch.setattr(np.random, 'Philox', lambda key, counter: (drawn.append(counter[2]), philox(
        key=key, counter=counter))[1])
    lo, hi = 250, 400
    syn.dense(lo, hi) if rule == 'dense' else syn.csr(lo, hi)
    assert set(drawn) == set(range(lo // syn.block, (hi - 1) // syn.block + 1))


def test_weights_and_degrees_follow_the_rules(small_blocks):
    # weights gain * U(0, 1): Kolmogorov-Smirnov against the uniform, per sign
    ptr, idx, w = _synapses('k').csr()
    assert np.all(np.bincount(idx, minlength=N_POST) == 30)  # fixed in-degree, exactly
    rows = np.repeat(np.arange(N_PRE), np.diff(ptr))
    assert stats.kstest(w[rows < 240] / 0.5, 'uniform').pvalue > 1e-3
    assert stats.kstest(-w[rows >= 240], 'uniform').pvalue > 1e-3
    W = _synapses('dense').dense()
    assert stats.kstest(W[:240].ravel() / 0.5, 'uniform').pvalue > 1e-3
    assert stats.kstest(-W[240:].ravel(), 'uniform').pvalue > 1e-3
    # every block has its own stream: the first targets of the blocks have different partners
    syn = _synapses('k')
    src = np.repeat(np.arange(N_PRE), np.diff(ptr))[np.argsort(idx, kind='stable')].reshape(N_POST, 30)
    firsts = {tuple(src[b]) for b in range(0, N_POST, syn.block)}
    assert len(firsts) == len(range(0, N_POST, syn.block)) > 1


def test_rows_beyond_16_bits_keep_their_order():
    # presynaptic indices above 2**16: the row sort takes two 16-bit digits
    syn = nw.RandomSynapses(3, 70_000, 400, k=200, dtype=np.float32)
    ptr, idx, w = syn.csr()
    rows = np.repeat(np.arange(70_000), np.diff(ptr))
    assert np.all(np.bincount(idx, minlength=400) == 200) and rows.max() >= 2**16
    same_row = rows[1:] == rows[:-1]
    assert np.all(idx[1:][same_row] >= idx[:-1][same_row])  # target order within each row
    for a, b in zip(syn.csr(150, 260), _keep_targets(ptr, idx, w, 150, 260)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(key=-1), ValueError, 'key=-1'), (dict(key=2**128), ValueError, 'key='),
    (dict(n_pre=0), ValueError, 'n_pre=0'), (dict(n_post=1.5), TypeError, 'n_post'),
    (dict(k=0), ValueError, 'k=0'), (dict(p=1.5), ValueError, 'p=1.5'), (dict(k=2, p=0.1), ValueError, 'not both'),
    (dict(gain=np.ones(3)), ValueError, 'gain'), (dict(gain=np.nan), ValueError, 'gain'),
    (dict(dtype=np.int32), TypeError, 'dtype'), (dict(dtype='nope'), TypeError, 'dtype'),
    (dict(rows=(5, 2)), ValueError, 'rows='), (dict(targets=(0, 99)), ValueError, 'targets='),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        nw.RandomSynapses(**{'key': 1, 'n_pre': 10, 'n_post': 20, **kwargs})


def test_all_to_all_has_no_csr_and_sparse_no_dense():
    with pytest.raises(ValueError, match='use dense'):
        nw.RandomSynapses(1, 10, 20).csr()
    with pytest.raises(ValueError, match='sparse'):
        nw.RandomSynapses(1, 10, 20, k=3).dense()
