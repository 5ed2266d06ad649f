"""Bad inputs that torch refuses and teenygrad used to accept (second silent-acceptance search): DataLoader options,
flags that are not bools, sizes that are not ints, detach_() on a view. Each case must raise in both frameworks
with the same exception type; teenygrad's message names the op. The good neighbours must keep working."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import refused_like_torch


def _loader(L, **kw):
    return list(L.utils.data.DataLoader(L.utils.data.TensorDataset(L.arange(10.)), **kw))


def _nograd_view_detach_(L):
    x = L.ones(3, requires_grad=True)
    with L.no_grad():
        v = x[:2]
    return v.detach_()


CASES = {
    # DataLoader options
    "loader_batch_size_bool": (lambda L: _loader(L, batch_size=True), "batch_size"),
    "loader_batch_size_numpy": (lambda L: _loader(L, batch_size=np.int64(2)), "batch_size"),
    "loader_drop_last_str": (lambda L: _loader(L, batch_size=3, drop_last="no"), "drop_last"),
    "loader_num_workers_float": (lambda L: _loader(L, num_workers=1.5), ""),
    "loader_timeout_negative": (lambda L: _loader(L, timeout=-1), "timeout"),
    "loader_prefetch_without_workers": (lambda L: _loader(L, prefetch_factor=2), "prefetch_factor"),
    "loader_persistent_without_workers": (lambda L: _loader(L, persistent_workers=True), "persistent_workers"),
    # flags that are not bools
    "dropout_training_str": (lambda L: L.nn.functional.dropout(L.ones(3), training="no"), "dropout"),
    "dropout_training_int": (lambda L: L.nn.functional.dropout(L.ones(3), training=0), "dropout"),
    "dropout_training_none": (lambda L: L.nn.functional.dropout(L.ones(3), training=None), "dropout"),
    "zeros_requires_grad_str": (lambda L: L.zeros(3, requires_grad="yes"), "zeros"),
    "ones_requires_grad_int": (lambda L: L.ones(3, requires_grad=1), "ones"),
    "empty_requires_grad_str": (lambda L: L.empty(3, requires_grad="yes"), "empty"),
    "full_requires_grad_str": (lambda L: L.full((3,), 1., requires_grad="yes"), "full"),
    "tensor_requires_grad_str": (lambda L: L.tensor([1.], requires_grad="yes"), "tensor"),
    "rand_requires_grad_str": (lambda L: L.rand(3, requires_grad="yes"), "rand"),
    "randn_requires_grad_numpy": (lambda L: L.randn(3, requires_grad=np.bool_(True)), "randn"),
    "arange_requires_grad_str": (lambda L: L.arange(3., requires_grad="yes"), "arange"),
    "zeros_like_requires_grad_str": (lambda L: L.zeros_like(L.ones(2, 3).t(), requires_grad="yes"), "zeros_like"),
    # sizes that are not ints
    "randperm_float": (lambda L: L.randperm(5.5), "randperm"),
    "randperm_whole_float": (lambda L: L.randperm(5.0), "randperm"),
    "randperm_bool": (lambda L: L.randperm(True), "randperm"),
    "tril_indices_float": (lambda L: L.tril_indices(3.0, 3), "tril_indices"),
    "triu_indices_float": (lambda L: L.triu_indices(3, 3.0), "triu_indices"),
    "zeros_bool": (lambda L: L.zeros(True), "zeros"),
    "full_bool_first": (lambda L: L.full((True, 2), 1.), "full"),
    "randint_size_bool": (lambda L: L.randint(0, 5, (True,)), "randint"),
    "new_zeros_bool": (lambda L: L.ones(3).new_zeros((True,)), "zeros"),
    "reshape_bool": (lambda L: L.ones(1).reshape(True), "reshape"),
    "reshape_tuple_bool_first": (lambda L: L.ones(6).reshape((True, 6)), "reshape"),
    "view_bool_first": (lambda L: L.ones(6).view(True, 6), "view"),
    "expand_bool_first": (lambda L: L.ones(1, 6).expand((True, 6)), "expand"),
    "repeat_bool": (lambda L: L.ones(3).repeat(True), "repeat"),
    "tile_bool_first": (lambda L: L.ones(3).tile((True,)), "tile"),
    # detach_ on a view: torch shares the base's graph and version counter with it
    "detach__slice_of_leaf": (lambda L: L.ones(3, requires_grad=True)[:2].detach_(), "detach_"),
    "detach__slice_of_node": (lambda L: (L.ones(3, requires_grad=True) * 2)[:2].detach_(), "detach_"),
    "detach__transpose": (lambda L: L.ones(2, 3, requires_grad=True).t().detach_(), "detach_"),
    "detach__unbind": (lambda L: L.ones(2, 3, requires_grad=True).unbind()[0].detach_(), "detach_"),
    "detach__split": (lambda L: L.ones(4, requires_grad=True).split(2)[0].detach_(), "detach_"),
    "detach__plain_slice": (lambda L: L.ones(3)[:2].detach_(), "detach_"),
    "detach__slice_of_detached": (lambda L: L.ones(3, requires_grad=True).detach()[:2].detach_(), "detach_"),
    "detach__slice_of_data": (lambda L: L.ones(3, requires_grad=True).data[:2].detach_(), "detach_"),
    "detach__view_under_no_grad": (_nograd_view_detach_, "detach_"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_refused_as_torch_refuses(name):
    refused_like_torch(*CASES[name])


def _grad_detach_(L):
    x = L.ones(3, requires_grad=True)
    (x * 2).sum().backward()
    return x.grad.detach_()


GOOD = {
    "loader_batch_none_drop_last_0": lambda L: _loader(L, batch_size=None, drop_last=0),
    "loader_drop_last_true": lambda L: _loader(L, batch_size=3, drop_last=True),
    "dropout_eval": lambda L: L.nn.functional.dropout(L.ones(3), training=False),
    "zeros_requires_grad_true": lambda L: L.zeros(3, requires_grad=True),
    "zeros_bool_later": lambda L: L.zeros(2, True),
    "zeros_tuple_bool_later": lambda L: L.zeros((2, True)),
    "zeros_numpy_int": lambda L: L.zeros((np.int64(2), 3)),
    "reshape_bool_later": lambda L: L.ones(6).reshape(6, True),
    "repeat_bool_later": lambda L: L.ones(2, 3).repeat(2, True),
    "randperm_numpy_int": lambda L: L.randperm(np.int64(4)).sort()[0],
    "randperm_0d_tensor": lambda L: L.randperm(L.tensor(4)).sort()[0],
    "tril_indices": lambda L: L.tril_indices(3, 4, -1),
    "detach__detached": lambda L: L.ones(3, requires_grad=True).detach().detach_(),
    "detach__clone_of_slice": lambda L: L.ones(3, requires_grad=True)[:2].clone().detach_(),
    "detach__fancy_index": lambda L: L.ones(3, requires_grad=True)[[0, 1]].detach_(),
    "detach__contiguous_copy": lambda L: L.ones(2, 3, requires_grad=True).t().contiguous().detach_(),
    "detach__copying_reshape": lambda L: L.ones(2, 3, requires_grad=True).t().reshape(6).detach_(),
    "detach__grad": _grad_detach_,
}


def _values(r):
    if isinstance(r, (list, tuple)):
        return [_values(x) for x in r]
    return np.asarray(r.detach().numpy() if hasattr(r, "detach") else r)


@pytest.mark.parametrize("name", list(GOOD))
def test_the_good_neighbours_still_work(name):
    want, got = _values(GOOD[name](torch)), _values(GOOD[name](tg))
    np.testing.assert_equal(got, want)


def test_detach__still_detaches():
    y = tg.ones(3, requires_grad=True) * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None


def test_dropout_takes_a_0d_tensor_p():  # as torch: p = 0.5 keeps each value doubled or zeroes it
    got = tg.nn.functional.dropout(tg.ones(1000), p=tg.tensor(0.5)).numpy()
    assert set(np.unique(got)) <= {0., 2.} and 300 < (got == 0).sum() < 700
