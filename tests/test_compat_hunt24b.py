"""Compatibility hunt 24, second part: the grad_fn names print(y) shows for more composite ops (cdist, take,
index_fill, rot90, logaddexp, floor division, the p=1 / inf norms, the adaptive pools, instance_norm,
embedding_bag, std_mean, aminmax, ...), torch's _get_lr_called_within_step in lr scheduler state dicts, the order
post-accumulate-grad hooks fire in (the engine's: a Linear's bias before its weight), and the exception types of
text data given to tensor() and full()."""
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _F(L):
    return L.nn.functional


# (shape of x, f(L, x)) where L is the library (torch or teenygrad) and x a float32 tensor that requires grad
NAMED = {
    "cdist": ((3, 4), lambda L, x: L.cdist(x, x * 2)),
    "cdist_p1": ((3, 4), lambda L, x: L.cdist(x, x * 2, p=1)),
    "cdist_pinf": ((3, 4), lambda L, x: L.cdist(x, x * 2, p=float("inf"))),
    "cdist_mm_rows": ((30, 4), lambda L, x: L.cdist(x, x * 2)),  # torch's GEMM form past 25 rows ends in a view
    "cdist_mm": ((3, 4), lambda L, x: L.cdist(x, x * 2, compute_mode="use_mm_for_euclid_dist")),
    "pdist": ((4, 3), lambda L, x: _F(L).pdist(x)),
    "masked_select": ((3, 4), lambda L, x: x.masked_select(x > 0)),
    "take": ((3, 4), lambda L, x: x.take(L.tensor([[0, 5], [11, -1]]))),
    "index_fill": ((3, 4), lambda L, x: x.index_fill(1, L.tensor([0, 2]), 1.5)),
    "index_fill_tensor_value": ((3, 4), lambda L, x: x.index_fill(1, L.tensor([0, 2]), L.tensor(1.5))),
    "index_fill_0d": ((), lambda L, x: x.index_fill(0, L.tensor([0]), 2.0)),
    "index_fill_": ((3, 4), lambda L, x: x.clone().index_fill_(0, L.tensor([1]), -1.0)),
    "index_copy": ((3, 4), lambda L, x: x.index_copy(0, L.tensor([0, 2]), L.ones(2, 4))),
    "index_copy_source": ((2, 4), lambda L, x: L.zeros(3, 4).index_copy(0, L.tensor([0, 2]), x)),
    "put": ((3, 4), lambda L, x: x.put(L.tensor([0, 5]), L.tensor([1.0, 2.0]))),
    "put_": ((3, 4), lambda L, x: x.clone().put_(L.tensor([0, 5]), L.tensor([1.0, 2.0]), accumulate=True)),
    "block_diag": ((2, 3), lambda L, x: L.block_diag(x, x[0], L.ones(2, 2))),
    "rot90": ((3, 4), lambda L, x: x.rot90()),
    "rot90_2": ((3, 4), lambda L, x: x.rot90(2)),
    "rot90_0": ((3, 4), lambda L, x: x.rot90(4)),
    "rot90_4d": ((2, 3, 4, 5), lambda L, x: x.rot90(-1, (1, 3))),
    "frac": ((3, 4), lambda L, x: (x * 3).frac()),
    "deg2rad": ((3, 4), lambda L, x: x.deg2rad()),
    "rad2deg": ((3, 4), lambda L, x: L.rad2deg(x)),
    "logaddexp": ((3, 4), lambda L, x: L.logaddexp(x, x * 2)),
    "logaddexp_half": ((3, 4), lambda L, x: L.logaddexp(x.half(), x.half() * 2)),
    "logaddexp2": ((3, 4), lambda L, x: L.logaddexp2(x, x * 2)),
    "floordiv": ((3, 4), lambda L, x: x // 2),
    "rfloordiv": ((3, 4), lambda L, x: 2 // (x.abs() + 1)),
    "floor_divide": ((3, 4), lambda L, x: L.floor_divide(x, x.abs() + 1)),
    "floor_divide_": ((3, 4), lambda L, x: x.clone().floor_divide_(2)),
    "div_floor": ((3, 4), lambda L, x: L.div(x, 2, rounding_mode="floor")),
    "div_trunc": ((3, 4), lambda L, x: x.div(x.abs() + 1, rounding_mode="trunc")),
    "div_floor_half": ((3, 4), lambda L, x: x.half().div(2, rounding_mode="floor")),
    "mul_half": ((3, 4), lambda L, x: x.half() * 2),
    "div_half": ((3, 4), lambda L, x: x.half() / 2),
    "add_alpha_half": ((3, 4), lambda L, x: x.half().add(x.half(), alpha=2)),
    "norm_p1": ((3, 4), lambda L, x: x.norm(p=1)),
    "norm_p1_dim": ((3, 4), lambda L, x: L.norm(x, p=1, dim=1)),
    "norm_inf": ((3, 4), lambda L, x: x.norm(p=float("inf"))),
    "norm_p0": ((3, 4), lambda L, x: x.norm(p=0)),
    "norm_half": ((3, 4), lambda L, x: x.half().norm()),
    "norm_nuc": ((3, 4), lambda L, x: x.norm(p="nuc")),
    "vector_norm_keepdim": ((3, 4), lambda L, x: L.linalg.vector_norm(x, ord=1, keepdim=True)),
    "matrix_norm": ((3, 4), lambda L, x: L.linalg.matrix_norm(x)),
    "matrix_norm_batched_keepdim": ((2, 3, 4), lambda L, x: L.linalg.matrix_norm(x, keepdim=True)),
    "matrix_norm_1_keepdim": ((3, 4), lambda L, x: L.linalg.matrix_norm(x, ord=1, keepdim=True)),
    "matrix_norm_2_keepdim": ((3, 4), lambda L, x: L.linalg.matrix_norm(x, ord=2, keepdim=True)),
    "linalg_norm_fro": ((3, 4), lambda L, x: L.linalg.norm(x, "fro")),
    "adaptive_avg_pool1d": ((1, 2, 7), lambda L, x: _F(L).adaptive_avg_pool1d(x, 3)),
    "adaptive_avg_pool2d": ((1, 2, 7, 5), lambda L, x: _F(L).adaptive_avg_pool2d(x, (3, 2))),
    "adaptive_avg_pool2d_unbatched": ((2, 6, 6), lambda L, x: L.nn.AdaptiveAvgPool2d(3)(x)),
    "adaptive_avg_pool2d_to_1": ((1, 2, 6, 6), lambda L, x: L.nn.AdaptiveAvgPool2d((1, 1))(x)),  # a mean
    "adaptive_avg_pool2d_none": ((1, 2, 6, 1), lambda L, x: _F(L).adaptive_avg_pool2d(x, (1, None))),
    "adaptive_avg_pool3d": ((1, 1, 5, 4, 3), lambda L, x: _F(L).adaptive_avg_pool3d(x, 2)),
    "adaptive_avg_pool3d_to_1": ((1, 4, 4, 4), lambda L, x: _F(L).adaptive_avg_pool3d(x, 1)),
    "adaptive_max_pool1d": ((1, 2, 7), lambda L, x: _F(L).adaptive_max_pool1d(x, 3)),
    "adaptive_max_pool2d_even": ((1, 2, 6, 6), lambda L, x: _F(L).adaptive_max_pool2d(x, 3)),
    "adaptive_max_pool2d_uneven": ((1, 2, 7, 5), lambda L, x: L.nn.AdaptiveMaxPool2d((3, 2))(x)),
    "adaptive_max_pool2d_indices": ((1, 1, 4, 4), lambda L, x: _F(L).adaptive_max_pool2d(x, 2, True)[0]),
    "adaptive_max_pool3d": ((1, 1, 5, 4, 3), lambda L, x: _F(L).adaptive_max_pool3d(x, 2)),
    "instance_norm": ((2, 3, 4), lambda L, x: _F(L).instance_norm(x)),
    "instance_norm2d_affine": ((2, 3, 4, 4), lambda L, x: L.nn.InstanceNorm2d(3, affine=True)(x)),
    "instance_norm_running": ((2, 3, 4), lambda L, x: _F(L).instance_norm(x, L.zeros(3), L.ones(3),
                                                                         use_input_stats=False)),
    "embedding_bag_mean": ((5, 3), lambda L, x: _F(L).embedding_bag(L.tensor([0, 1, 2, 3]), x, L.tensor([0, 2]))),
    "embedding_bag_sum": ((5, 3), lambda L, x: _F(L).embedding_bag(L.tensor([[0, 1], [2, 3]]), x, mode="sum")),
    "embedding_bag_max": ((5, 3), lambda L, x: _F(L).embedding_bag(L.tensor([0, 1, 2, 3]), x, L.tensor([0, 2]),
                                                                   mode="max")),
    "embedding_bag_module": ((5, 3), lambda L, x: L.nn.EmbeddingBag.from_pretrained(x, freeze=False)(
        L.tensor([[0, 1], [2, 3]]))),
    "std_mean_std": ((3, 4), lambda L, x: L.std_mean(x)[0]),
    "std_mean_mean": ((3, 4), lambda L, x: L.std_mean(x, dim=1)[1]),
    "var_mean_var": ((3, 4), lambda L, x: L.var_mean(x, 0, correction=0)[0]),
    "aminmax_min": ((3, 4), lambda L, x: L.aminmax(x)[0]),
    "aminmax_max_dim": ((3, 4), lambda L, x: x.aminmax(dim=0, keepdim=True).max),
}


@pytest.mark.parametrize("case", list(NAMED))
def test_grad_fn_name_as_torch(case):
    """torch's grad_fn name for the op's output (what print(y) shows), and the same values"""
    shape, f = NAMED[case]
    ours, theirs = _pair(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # std of too few elements, where both warn
        y, want = f(tg, ours), f(torch, theirs)
    assert y.grad_fn.name() == want.grad_fn.name()
    shown = want.grad_fn.name().rpartition("::")[2]  # torch::autograd::NotImplemented shows as NotImplemented
    assert f"grad_fn=<{shown}>" in repr(y)
    assert repr(y.grad_fn).startswith(f"<{shown} object at ")
    np.testing.assert_allclose(y.detach().float().numpy(), want.detach().float().numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("case", ["cdist", "cdist_mm_rows", "take", "index_fill", "index_copy_source", "put_",
                                  "block_diag", "rot90", "logaddexp", "norm_p1", "matrix_norm",
                                  "adaptive_avg_pool2d", "adaptive_max_pool2d_uneven", "instance_norm2d_affine",
                                  "embedding_bag_mean", "std_mean_std", "aminmax_min", "mul_half"])
def test_renamed_nodes_still_differentiate(case):
    shape, f = NAMED[case]
    ours, theirs = _pair(shape, seed=1)
    (f(tg, ours).float() * 1.5).sum().backward()
    (f(torch, theirs).float() * 1.5).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("case", list(NAMED))
def test_input_node_keeps_its_name(case):
    """naming an op's output never renames the node of its (non-leaf) input"""
    shape, f = NAMED[case]
    for L, leaf in zip((tg, torch), _pair(shape, seed=2)):
        x = leaf * 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f(L, x)
        assert x.grad_fn.name() == "MulBackward0"


# ---- lr schedulers: torch's _get_lr_called_within_step in the state dict ---------------------------------------
SCHEDULERS = {
    "StepLR": lambda L, o: L.optim.lr_scheduler.StepLR(o, 2, gamma=0.5),
    "MultiStepLR": lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, [2, 4]),
    "ExponentialLR": lambda L, o: L.optim.lr_scheduler.ExponentialLR(o, 0.9),
    "LinearLR": lambda L, o: L.optim.lr_scheduler.LinearLR(o),
    "ConstantLR": lambda L, o: L.optim.lr_scheduler.ConstantLR(o),
    "CosineAnnealingLR": lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, 10),
    "PolynomialLR": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o),
    "CosineAnnealingWarmRestarts": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 3),
    "LambdaLR": lambda L, o: L.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9 ** e),
    "OneCycleLR": lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=20),
    "CyclicLR": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=3),
    "SequentialLR": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.ConstantLR(o), L.optim.lr_scheduler.ExponentialLR(o, 0.9)], [2]),
    "SWALR": lambda L, o: L.optim.swa_utils.SWALR(o, 0.05, anneal_epochs=3),
}


def _scheduled(L, case, steps):
    p = L.nn.Parameter(L.ones(2))
    opt = L.optim.SGD([p], lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's and the deprecation warnings, in both
        sched = SCHEDULERS[case](L, opt)
    for _ in range(steps):
        opt.step()
        sched.step()
    return opt, sched


def _plain(sd):
    """the state dict's keys and values, its sub-schedulers' too (SequentialLR), comparable across libraries"""
    out = {}
    for k, v in sd.items():
        if k == "_schedulers":
            v = [_plain(s) for s in v]
        elif isinstance(v, list):
            v = [None if callable(x) else float(x) if isinstance(x, (int, float)) else x for x in v]
        elif callable(v):
            v = None
        out[k] = v
    return out


@pytest.mark.parametrize("case", list(SCHEDULERS))
def test_scheduler_state_dict_as_torch(case):
    """the same keys (_get_lr_called_within_step among them, False after a step), the same values"""
    (_, ours), (_, theirs) = _scheduled(tg, case, 3), _scheduled(torch, case, 3)
    got, want = ours.state_dict(), theirs.state_dict()
    assert sorted(got) == sorted(want)
    if "_get_lr_called_within_step" in want:
        assert got["_get_lr_called_within_step"] is want["_get_lr_called_within_step"] is False
    got, want = _plain(got), _plain(want)
    for k in want:
        if k in ("_scale_fn_ref", "anneal_func", "_anneal_func_type", "lr_lambdas"):  # functions / their names
            continue
        if isinstance(want[k], float):
            assert got[k] == pytest.approx(want[k], rel=1e-12), k
        elif not isinstance(want[k], list) or k != "_schedulers":
            assert got[k] == want[k], k


@pytest.mark.parametrize("case", ["StepLR", "CosineAnnealingLR", "LinearLR", "OneCycleLR", "SequentialLR"])
def test_scheduler_state_dict_loads_both_ways(case):
    """a scheduler resumed from the other library's state dict goes on with the same learning rates"""
    for src, dst in ((torch, tg), (tg, torch)):
        saved_opt, saved = _scheduled(src, case, 4)
        opt, sched = _scheduled(dst, case, 0)
        sched.load_state_dict(saved.state_dict())
        opt.param_groups[0]["lr"] = saved_opt.param_groups[0]["lr"]  # (the recursive forms go on from it)
        ref_opt, ref = _scheduled(src, case, 4)
        for _ in range(3):
            opt.step(), sched.step(), ref_opt.step(), ref.step()
            assert sched.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-12)
        assert sched._get_lr_called_within_step is False


@pytest.mark.parametrize("case", ["StepLR", "ExponentialLR", "CyclicLR", "SWALR"])
def test_get_lr_outside_step_warns_as_torch(case):
    """get_lr() called by a user (not by step) warns to use get_last_lr(), as torch; step itself doesn't"""
    for L in (tg, torch):
        opt, sched = _scheduled(L, case, 0)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            opt.step()
            sched.step()
            assert not [x for x in w if "get_last_lr" in str(x.message)]
            sched.get_lr()
        assert [x for x in w if "get_last_lr()" in str(x.message) and x.category is UserWarning]


# ---- the order post-accumulate-grad hooks fire in ----------------------------------------------------------------
def _residual(L):
    class Block(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.ln = L.nn.Linear(4, 4), L.nn.Linear(4, 4), L.nn.LayerNorm(4)

        def forward(self, x):
            x = x + self.a(x).relu()
            return self.ln(x + self.b(x))
    return Block(), lambda m: m(L.ones(2, 4)).sum()


def _tied(L):
    class Tied(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.h = L.nn.Embedding(10, 4), L.nn.Linear(4, 4)

        def forward(self, ids):
            return self.h(self.emb(ids)).tanh() @ self.emb.weight.T
    return Tied(), lambda m: _F(L).cross_entropy(m(L.tensor([1, 2, 3])), L.tensor([2, 3, 4]))


MODELS = {
    "linear": lambda L: (L.nn.Linear(3, 2), lambda m: m(L.ones(4, 3)).sum()),
    "linear_3d": lambda L: (L.nn.Linear(3, 2), lambda m: m(L.ones(2, 4, 3)).sum()),
    "mlp": lambda L: (L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh(), L.nn.Linear(4, 2)),
                      lambda m: _F(L).cross_entropy(m(L.ones(5, 3)), L.zeros(5, dtype=L.long))),
    "shared": lambda L: (L.nn.Linear(3, 3), lambda m: m(m(L.ones(2, 3))).sum()),
    "makemore": lambda L: (L.nn.Sequential(L.nn.Embedding(10, 3), L.nn.Flatten(), L.nn.Linear(6, 4, bias=False),
                                           L.nn.BatchNorm1d(4), L.nn.Tanh(), L.nn.Linear(4, 10)),
                           lambda m: _F(L).cross_entropy(m(L.tensor([[1, 2], [3, 4]])), L.tensor([1, 2]))),
    "conv": lambda L: (L.nn.Sequential(L.nn.Conv2d(1, 2, 3), L.nn.Flatten(), L.nn.Linear(8, 2)),
                       lambda m: m(L.ones(1, 1, 4, 4)).sum()),
    "two_branches": lambda L: (L.nn.ModuleList([L.nn.Linear(3, 2), L.nn.Linear(3, 2)]),
                               lambda m: (m[0](L.ones(1, 3)) * m[1](L.ones(1, 3))).sum()),
    "residual": _residual,
    "tied": _tied,
    "encoder_layer": lambda L: (L.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0),
                                lambda m: m(L.ones(3, 1, 4) * L.arange(4.0)).sum()),
}


def _hook_order(L, case, create_graph=False):
    L.manual_seed(0)
    model, loss = MODELS[case](L)
    fired = []
    for name, p in model.named_parameters():
        p.register_post_accumulate_grad_hook(lambda t, name=name: fired.append((name, t.grad is not None)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warning on create_graph=True with .grad
        loss(model).backward(create_graph=create_graph)
    return fired


@pytest.mark.parametrize("case", list(MODELS))
def test_post_accumulate_grad_hooks_fire_in_torchs_order(case):
    """torch's engine runs the newest node first and a leaf's hook once its last user has run: a Linear's bias
    before its weight (reached through a transpose node), the layers from the loss back"""
    assert _hook_order(tg, case) == _hook_order(torch, case)


@pytest.mark.parametrize("case", ["mlp", "two_branches"])
def test_post_accumulate_grad_hooks_order_with_create_graph(case):
    assert _hook_order(tg, case, create_graph=True) == _hook_order(torch, case, create_graph=True)


def test_tensor_hooks_on_leaves_follow_the_same_order():
    for L in (tg, torch):
        lin = L.nn.Linear(3, 2)
        fired = []
        for name, p in lin.named_parameters():
            p.register_hook(lambda g, name=name: fired.append(name))
        lin(L.ones(1, 3)).sum().backward()
        assert fired == ["bias", "weight"]


# ---- exception types a user's except sees ----------------------------------------------------------------------
TEXT = {  # torch's shape walk takes a str met first for one more dimension (ValueError); text elsewhere: TypeError
    "list_of_str": lambda L: L.tensor(["a"]),
    "nested_str": lambda L: L.tensor([["a", "b"]]),
    "number_like_str": lambda L: L.tensor(["1.5"]),
    "as_tensor": lambda L: L.as_tensor(["a"]),
    "Tensor": lambda L: L.Tensor(["a"]),
    "str": lambda L: L.tensor("a"),
    "str_after_number": lambda L: L.tensor([1, "a"]),
    "bytes_in_list": lambda L: L.tensor([b"a"]),
    "full_str": lambda L: L.full((2,), "a"),
    "full_bytes": lambda L: L.full((2,), b"1"),
}


@pytest.mark.parametrize("case", list(TEXT))
def test_text_data_raises_torchs_exception_type(case):
    with pytest.raises((TypeError, ValueError)) as want:
        TEXT[case](torch)
    with pytest.raises((TypeError, ValueError)) as got:
        TEXT[case](tg)
    assert type(got.value) is want.type


@pytest.mark.parametrize("call", [
    lambda L: _F(L).conv2d(L.ones(1, 1, 5, 5, dtype=L.float64), L.ones(1, 1, 3, 3)),
    lambda L: _F(L).conv2d(L.ones(1, 1, 5, 5), L.ones(1, 1, 3, 3), L.ones(1, dtype=L.float64)),
    lambda L: _F(L).conv1d(L.ones(1, 1, 5), L.ones(1, 1, 3, dtype=L.float64)),
    lambda L: L.nn.ConvTranspose2d(1, 1, 2)(L.ones(1, 1, 3, 3, dtype=L.float64)),
    lambda L: _F(L).linear(L.ones(2, 3), L.ones(4, 3, dtype=L.float64)),
])
def test_functional_dtype_mismatch_is_a_runtime_error(call):
    """conv / linear called functionally with mixed dtypes: torch's RuntimeError (teenygrad's DtypeError is one)"""
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError):
        call(tg)
