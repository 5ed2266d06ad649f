"""Bad inputs that torch refuses and teenygrad used to accept, silently computing something (a silent-acceptance
search over ~1000 bad-input cases, eleventh landing). Each case must raise in both frameworks; teenygrad's message
names the op."""
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import refused_like_torch

CASES = {
    "bce_target_above_1": (lambda L: L.nn.functional.binary_cross_entropy(L.tensor([.2, .5, .7]), L.tensor([0., 1., 2.])),
                           "binary_cross_entropy"),
    "bce_nan_input": (lambda L: L.nn.functional.binary_cross_entropy(L.tensor([float("nan")]), L.tensor([1.])),
                      "binary_cross_entropy"),
    "bce_logits_int_target": (lambda L: L.nn.functional.binary_cross_entropy_with_logits(L.tensor([.2, .5]),
                                                                                         L.tensor([0, 1])),
                              "binary_cross_entropy_with_logits"),
    "dropout_long": (lambda L: L.nn.functional.dropout(L.ones(3, dtype=L.long), 0.5), "dropout"),
    "cross_entropy_int32_target": (lambda L: L.nn.functional.cross_entropy(L.ones(2, 3),
                                                                          L.tensor([0, 1], dtype=L.int32)),
                                   "cross_entropy"),
    "nll_loss_int16_target": (lambda L: L.nn.functional.nll_loss(L.ones(2, 3), L.tensor([0, 1], dtype=L.int16)),
                              "nll_loss"),
    "int_past_int64": (lambda L: L.tensor([2 ** 63]), "Overflow"),
    "relu_bool": (lambda L: L.tensor([True, False]).relu(), "relu"),
    "add_float_alpha_on_ints": (lambda L: L.add(L.tensor([1]), L.tensor([1]), alpha=0.5), "add"),
    "sub_float_alpha_on_ints": (lambda L: L.sub(L.tensor([1]), L.tensor([1]), alpha=0.5), "sub"),
    "fill_with_a_vector": (lambda L: L.zeros(2).fill_(L.tensor([1., 2.])), "fill_"),
    "full_with_a_vector": (lambda L: L.full((2,), L.ones(2)), "full"),
    "cat_with_a_list_inside": (lambda L: L.cat([L.ones(2), [1., 2.]]), "cat"),
    "stack_with_a_number_inside": (lambda L: L.stack([L.ones(2), 3]), "stack"),
    "cat_of_one_tensor": (lambda L: L.cat(L.ones(2, 2)), "cat"),
}


def _grad_wrong_size(L):
    x = L.ones(3, requires_grad=True)
    x.grad = L.ones(4)


def _grad_wrong_dtype(L):
    x = L.ones(3, requires_grad=True)
    x.grad = L.ones(3, dtype=L.float64)


def _grad_not_a_tensor(L):
    x = L.ones(3, requires_grad=True)
    x.grad = 5


CASES.update({"grad_wrong_size": (_grad_wrong_size, "grad"), "grad_wrong_dtype": (_grad_wrong_dtype, "grad"),
              "grad_not_a_tensor": (_grad_not_a_tensor, "grad")})


@pytest.mark.parametrize("name", list(CASES))
def test_refused_as_torch_refuses(name):
    refused_like_torch(*CASES[name])


def test_the_good_neighbours_still_work():
    F = tg.nn.functional
    assert abs(F.binary_cross_entropy(tg.tensor([.2, .7]), tg.tensor([0., 1.])).item()
               - torch.nn.functional.binary_cross_entropy(torch.tensor([.2, .7]), torch.tensor([0., 1.])).item()) < 1e-6
    assert F.cross_entropy(tg.ones(2, 3), tg.tensor([0, 1], dtype=tg.uint8)).item() == \
        pytest.approx(torch.nn.functional.cross_entropy(torch.ones(2, 3), torch.tensor([0, 1], dtype=torch.uint8)).item())
    assert tg.add(tg.tensor([1]), tg.tensor([2]), alpha=3).tolist() == [7]
    assert tg.zeros(2).fill_(tg.tensor(3.)).tolist() == [3., 3.]
    x = tg.ones(3, requires_grad=True)
    x.grad = tg.full((3,), 2.)
    x.grad = None
    assert x.grad is None
    assert tg.zeros(2, dtype="float").dtype == tg.float32 and tg.zeros(2, dtype="int").dtype == tg.int32
    np.testing.assert_array_equal(tg.tensor([2 ** 62, -1]).numpy(), np.array([2 ** 62, -1]))
