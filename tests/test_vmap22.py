"""teenygrad.func.vmap against torch.func.vmap (twenty-second landing): what func may read out of a batched tensor.

torch's vmap runs func once on tensors holding the whole batch, so it refuses to read one Python value out of a
batched tensor (.item(), float(), int(), bool() and so `if t > 0:`, `in`, tolist(), numpy(), equal(), ...), the ops
whose output shape depends on the values (nonzero, unique, masked_select, torch.where(cond), boolean-mask indexing),
the factories and ops given a batched number (torch.arange(t), torch.full(size, t), narrow(dim, t, n), one_hot
without num_classes), and, in randomness='same' mode, a draw from a batched tensor (bernoulli(p), normal(mean)); a
tensor that is not batched (closed over, in_dim None, a keyword argument, made inside func, drawn in 'same' mode)
reads as usual, and so does a batched one inside teenygrad's own ops. teenygrad's loop ran all of these per element;
each case below runs the same program through both libraries: torch refuses -> teenygrad refuses with the same
exception type (a message naming vmap), torch runs -> the same values. The refusals failed on the code before this
landing (it ran them); the cases torch runs pin that the marking of batched tensors (func_batched) refuses nothing
more.

Known differences left as they are (see func_batched): a plain tensor's method given a batched argument (c.eq(a),
c[mask], c.gather(0, idx), c.bernoulli() in 'different' mode) and functions func imported by name return unmarked
tensors, which read per element as before; inside func, type(t) of a batched tensor is func_batched.BatchedTensor,
a subclass of Tensor (torch's is torch.Tensor)."""
import numpy as np
import pytest
import torch

import teenygrad as tg

LIBS = (torch, tg)
X = [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]  # each row: 2 positives, 3 nonzeros, 3 distinct values (equal shapes)
C = [1.0, 2.0, 3.0]


def _plain(v):
    """a result as numpy / Python values, comparable between the libraries"""
    if isinstance(v, (torch.Tensor, tg.Tensor)):
        return v.detach().numpy()
    if isinstance(v, (tuple, list)):
        return [_plain(u) for u in v]
    return np.asarray(v)


def _flat(v):
    return [a for u in v for a in _flat(u)] if isinstance(v, list) else [np.asarray(v)]


def _outcome(run):
    try:
        return "ran", _plain(run())
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        return "refused", e


def _assert_as_torch(run, case):
    want, got = _outcome(lambda: run(torch)), _outcome(lambda: run(tg))
    if want[0] == "refused":
        assert got[0] == "refused", f"{case}: torch refused ({want[1]}), teenygrad ran"
        assert type(got[1]) is type(want[1]), f"{case}: {got[1]!r} for torch's {want[1]!r}"
        assert str(got[1]).startswith("vmap"), f"{case}: {got[1]}"
        return got[1]
    assert got[0] == "ran", f"{case}: teenygrad refused: {got[1]!r}"
    want, got = _flat(want[1]), _flat(got[1])
    assert len(got) == len(want), case
    for w, g in zip(want, got):
        assert g.shape == w.shape, case
        np.testing.assert_allclose(g.astype(float), w.astype(float), rtol=1e-6, err_msg=case)
    return None


def _masked_set(a):
    z = a.clone()
    z[z > 0] = 0.0
    return z


# (L, a, c) -> a value read inside func: a is a batched tensor, c an unbatched one
READS = {
    "item": lambda L, a, c: a.sum().item(),
    "float": lambda L, a, c: float(a.sum()),
    "int": lambda L, a, c: int(a.sum()),
    "complex": lambda L, a, c: complex(a.sum()).real,
    "index": lambda L, a, c: [1, 2, 3][a.long()[0].clamp(0, 2)],
    "range": lambda L, a, c: len(range(a.long()[0].abs())),
    "format": lambda L, a, c: float(f"{a.sum():.2f}"),
    "contains": lambda L, a, c: 1.0 in a,
    "bool": lambda L, a, c: bool(a.sum() > 0),
    "if": lambda L, a, c: a if a.sum() > 0 else -a,
    "python_max": lambda L, a, c: max(a[0], a[1]),
    "any": lambda L, a, c: bool((a > 0).any()),
    "is_nonzero": lambda L, a, c: a.sum().is_nonzero(),
    "torch.is_nonzero": lambda L, a, c: L.is_nonzero(a.sum()),
    "tolist": lambda L, a, c: a.tolist(),
    "numpy": lambda L, a, c: a.numpy().copy(),
    "np.asarray": lambda L, a, c: np.asarray(a).copy(),
    "equal": lambda L, a, c: a.equal(a),
    "torch.equal": lambda L, a, c: L.equal(a, a),
    "torch.allclose": lambda L, a, c: L.allclose(a, a),
    "torch.arange": lambda L, a, c: L.arange(a.abs().sum().long() % 3 + 1),
    "torch.full": lambda L, a, c: L.full((2,), a.sum()),
    "torch.full_like": lambda L, a, c: L.full_like(a, a.sum()),
    "torch.tensor_of_elements": lambda L, a, c: L.tensor([a[0], a[1]]),
    "torch.zeros_sized": lambda L, a, c: L.zeros(a.abs().long().sum() % 3),
    "nonzero": lambda L, a, c: a.nonzero(),
    "torch.nonzero": lambda L, a, c: L.nonzero(a),
    "nonzero_as_tuple": lambda L, a, c: L.nonzero(a, as_tuple=True),
    "unique": lambda L, a, c: a.unique(),
    "torch.unique": lambda L, a, c: L.unique(a),
    "unique_consecutive": lambda L, a, c: a.unique_consecutive(),
    "torch.where_one_argument": lambda L, a, c: L.where(a > 0),
    "bool_mask_index": lambda L, a, c: a[a > 0],
    "bool_mask_setitem": lambda L, a, c: _masked_set(a),
    "masked_select": lambda L, a, c: a.masked_select(a > 0),
    "torch.masked_select": lambda L, a, c: L.masked_select(a, a > 0),
    "index_put_bool_mask": lambda L, a, c: a.index_put((a > 0,), L.tensor(0.0)),
    "narrow_from_a_tensor_start": lambda L, a, c: a.narrow(0, a.abs().long()[0] % 2, 1),
    "torch.narrow_from_a_tensor_start": lambda L, a, c: L.narrow(c, 0, a.abs().long()[0] % 2, 1),
    "one_hot_without_num_classes": lambda L, a, c: L.nn.functional.one_hot(a.abs().long() % 3),
}


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("where", ["batched", "nested", "closed_over", "in_dims_none", "keyword"])
def test_a_read_of_a_batched_tensor_is_refused_as_torch_and_of_a_plain_one_runs(read, where):
    f = READS[read]

    def run(L):
        x, c = L.tensor(X), L.tensor(C)
        vmap = L.func.vmap
        if where == "batched":  # torch refuses each read: what it would give does not matter
            return vmap(lambda a: (f(L, a, c), a)[1])(x)
        if where == "nested":
            return vmap(vmap(lambda a: (f(L, a, c), a)[1]))(x[None])
        seen = []
        if where == "closed_over":
            vmap(lambda a: (seen.append(f(L, c, c)), a * 2)[1])(x)
        elif where == "in_dims_none":
            vmap(lambda a, b: (seen.append(f(L, b, b)), a * 2)[1], in_dims=(0, None))(x, c)
        else:
            vmap(lambda a, b=None: (seen.append(f(L, b, b)), a * 2)[1])(x, b=c)
        return seen[0]
    _assert_as_torch(run, f"{read}/{where}")


# programs torch runs with batched tensors: teenygrad's ops read them inside (a 0-d bound, a fill value, targets),
# and masks or indices that are not batched
RUNS = {
    "where_three_arguments": lambda L, a, c: L.where(a > 0, a, 0.0),
    "plain_mask_index": lambda L, a, c: a[c > 1],
    "plain_mask_masked_select": lambda L, a, c: a.masked_select(c > 1),
    "batched_long_index": lambda L, a, c: c[a.abs().long().clamp(0, 2)],
    "clamp_by_a_batched_bound": lambda L, a, c: a.clamp(min=a.min()),
    "masked_fill_with_a_batched_value": lambda L, a, c: a.masked_fill(a > 0, a.sum()),
    "masked_scatter": lambda L, a, c: a.masked_scatter(a > 0, a * 2),
    "nonzero_static": lambda L, a, c: L.nonzero_static(a, size=3),
    "count_nonzero": lambda L, a, c: L.count_nonzero(a),
    "argmax_and_topk": lambda L, a, c: (a.argmax(), a.topk(2).values),
    "isclose": lambda L, a, c: L.isclose(a, a),
    "searchsorted": lambda L, a, c: L.searchsorted(c, a.contiguous()),
    "cross_entropy": lambda L, a, c: L.nn.functional.cross_entropy(a[None], L.tensor([1])),
    "embedding": lambda L, a, c: L.nn.functional.embedding(a.abs().long() % 3, L.ones(3, 2)),
    "one_hot_with_num_classes": lambda L, a, c: L.nn.functional.one_hot(a.abs().long() % 3, 3),
    "len_and_iteration": lambda L, a, c: sum(list(a)) + len(a),
    "print": lambda L, a, c: (repr(a), str(a), a)[2],
    "new_tensor_item": lambda L, a, c: a * a.new_tensor(2.0).item(),
    "made_inside_item": lambda L, a, c: a * L.zeros(()).add(3).item() + L.tensor(a.shape[0]).item(),
    "closed_over_reads": lambda L, a, c: a * c.sum().item() + float(c[0]) + bool(c[1] > 0) + c.tolist()[2],
    "inner_vmap_of_a_constant": lambda L, a, c: a * L.func.vmap(lambda r: r * 2)(c).sum().item(),
    "inner_vmap_reads_outer_constant": lambda L, a, c: L.func.vmap(lambda r: r * c.sum().item())(a),
    "grad_of_a_constant_read": lambda L, a, c: L.func.grad(lambda z: z.sum() * c.sum().item())(a),
}


@pytest.mark.parametrize("case", sorted(RUNS))
def test_what_torch_runs_with_batched_tensors_runs(case):
    _assert_as_torch(lambda L: L.func.vmap(lambda a: RUNS[case](L, a, L.tensor(C)))(L.tensor(X)), case)


# whole programs: nested vmaps, transforms inside vmap, out_dims None, randomness modes, an empty batch
PROGRAMS = {
    "inner_vmap_reads_an_outer_batched_value": lambda L, x, c: L.func.vmap(
        lambda a: L.func.vmap(lambda r: r * a.sum().item())(c))(x),
    "inner_vmap_result_computed_from_outer_batch": lambda L, x, c: L.func.vmap(
        lambda a: a * L.func.vmap(lambda r: r + a.sum())(c).sum().item())(x),
    "grad_of_a_batched_read": lambda L, x, c: L.func.vmap(L.func.grad(lambda a: a.sum() * a.sum().item()))(x),
    "grad_result_read": lambda L, x, c: L.func.vmap(
        lambda a: a * L.func.grad(lambda z: (z * z).sum())(a).sum().item())(x),
    "vjp_result_read": lambda L, x, c: L.func.vmap(
        lambda a: a * L.func.vjp(lambda z: z * 2, a)[1](a)[0].sum().item())(x),
    "jacrev_of_a_batched_read": lambda L, x, c: L.func.vmap(L.func.jacrev(lambda a: a * a.sum().item()))(x),
    "vmap_in_grad_reads_outer_input": lambda L, x, c: L.func.grad(
        lambda b: L.func.vmap(lambda r: r.sum() * b.sum().item())(x).sum())(c),
    "pytree_argument_read": lambda L, x, c: L.func.vmap(lambda d: d["a"] * d["b"].sum().item())({"a": x, "b": x}),
    "pytree_leaf_not_mapped_read": lambda L, x, c: L.func.vmap(
        lambda d: d["a"] * d["b"].sum().item(), in_dims=({"a": 0, "b": None},))({"a": x, "b": c}),
    "stacked_module_parameters_read": lambda L, x, c: L.func.vmap(
        lambda w, a: a * w.sum().item())(L.stack([c, c * 2]), x),
    "empty_batch_read": lambda L, x, c: L.func.vmap(lambda a: a * a.sum().item())(x[:0]),
    "one_element_read": lambda L, x, c: L.func.vmap(lambda a: a * a.item())(c),
    "out_dims_none_for_a_batched_output_of_equal_values": lambda L, x, c: L.func.vmap(
        lambda a: a * 0, out_dims=None)(x),
    "out_dims_none_for_an_outer_batched_output": lambda L, x, c: L.func.vmap(
        lambda a: L.func.vmap(lambda r: a.sum(), out_dims=None)(c) * a)(x),
    "out_dims_none_for_a_plain_output": lambda L, x, c: L.func.vmap(lambda a: (a, c * 2), out_dims=(0, None))(x),
}
for _mode in ("same", "different"):  # 'same': one draw for all (plain); 'different': a batch of draws
    PROGRAMS.update({
        f"{_mode}_rand_item": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a * L.rand(()).item(), randomness=m)(x),
        f"{_mode}_rand_control_flow": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a * 2 if L.rand(()) > 2 else a, randomness=m)(x),
        f"{_mode}_randn_like_item": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a * L.randn_like(a).sum().item(), randomness=m)(x),
        f"{_mode}_dropout_of_a_constant_item": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a * L.nn.functional.dropout(c, 0.5).sum().item(), randomness=m)(x),
        f"{_mode}_randperm_item": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a * L.randperm(3)[0].item(), randomness=m)(x),
        f"{_mode}_nonzero_of_a_draw": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a + L.rand(3).nonzero().sum(), randomness=m)(x),
        f"{_mode}_bernoulli_of_a_batched_p": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: L.bernoulli(a.sigmoid()), randomness=m)(x),
        f"{_mode}_bernoulli_method_of_a_batched_p": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a.sigmoid().bernoulli(), randomness=m)(x),
        f"{_mode}_normal_of_a_batched_mean": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: L.normal(a, 1.0), randomness=m)(x),
        f"{_mode}_poisson_of_a_batched_rate": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: L.poisson(a.abs()), randomness=m)(x),
        f"{_mode}_multinomial_of_batched_weights": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: L.multinomial(a.abs() + 0.1, 1), randomness=m)(x),
        f"{_mode}_bernoulli_of_a_plain_p": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: a * L.bernoulli(c / 4), randomness=m)(x),
        f"{_mode}_dropout_of_a_batched_input": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: L.nn.functional.dropout(a, 0.5), randomness=m)(x),
        f"{_mode}_inner_same_draw_from_an_outer_batched_p": lambda L, x, c, m=_mode: L.func.vmap(
            lambda a: L.func.vmap(lambda r: L.bernoulli(a.sigmoid()) * r, randomness="same")(c), randomness=m)(x),
    })


@pytest.mark.parametrize("case", sorted(PROGRAMS))
def test_programs_read_batched_values_as_torch(case):
    """values (for the random ones, the numbers too: one draw in each, as torch's) or the same refusal"""
    def run(L):
        L.manual_seed(0)
        return PROGRAMS[case](L, L.tensor(X), L.tensor(C))
    _assert_as_torch(run, case)


def test_a_refusal_leaves_teenygrad_as_it_was():
    """the functions vmap swaps while it runs are back after func raised, a batched tensor that escaped reads as
    a plain one, and what vmap returns is a plain Tensor, as torch's"""
    originals = (tg.sin, tg.nonzero, tg.nn.functional.linear, tg.autograd.grad, tg.Tensor.item)
    leaked = []
    with pytest.raises(RuntimeError, match=r"vmap: \.item\(\) on a batched tensor"):
        tg.func.vmap(lambda a: leaked.append(a) or tg.func.vmap(lambda r: r * a.sum().item())(a))(tg.tensor(X))
    assert (tg.sin, tg.nonzero, tg.nn.functional.linear, tg.autograd.grad, tg.Tensor.item) == originals
    assert leaked[0].sum().item() == pytest.approx(sum(X[0]))
    for L in LIBS:
        out = L.func.vmap(lambda a: (a * 2, a.sum()))(L.tensor(X))
        assert all(type(o) is L.Tensor for o in out)
        nested = L.func.vmap(L.func.vmap(lambda a: a + 1))(L.tensor([X]))
        assert type(nested) is L.Tensor and nested.sum().item() == pytest.approx(sum(map(sum, X)) + 6)


def test_the_messages_name_the_call():
    cases = {"item": r"vmap: \.item\(\) on a batched tensor", "bool": r"vmap: bool\(\) of a batched tensor is "
             r"data-dependent control flow", "tolist": r"vmap: tolist\(\) of a batched tensor: .*no memory",
             "nonzero": r"vmap: nonzero\(\) of a batched tensor: its output's shape would depend",
             "bool_mask_index": r"vmap: indexing with a batched boolean mask",
             "torch.full": r"vmap: torch\.full\(\) reading a number from a batched tensor",
             "torch.equal": r"vmap: torch\.equal\(\) with a batched tensor: it answers with one Python bool"}
    for read, pattern in cases.items():
        with pytest.raises(RuntimeError, match=pattern):
            tg.func.vmap(lambda a: READS[read](tg, a, tg.tensor(C)) and a)(tg.tensor(X))
    with pytest.raises(RuntimeError, match=r"vmap: torch\.bernoulli\(\) of a batched tensor in randomness='same'"):
        tg.func.vmap(lambda a: tg.bernoulli(a.sigmoid()), randomness="same")(tg.tensor(X))
