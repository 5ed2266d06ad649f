"""teenygrad.func.vmap against torch.func.vmap (twenty-first landing): its randomness modes on every generator, and a
random sweep of vmap programs (nested vmaps with in_dims / out_dims trees, chunk_size, outputs that are numbers,
in-place writes into mapped arguments, functional_call of a module) compared with torch.

What the probes found, each pinned below: randomness='error' let a draw from a user's Generator through (only the
default generator was watched; torch refuses any random op), 'same' gave each element its own numbers from a user's
Generator (torch: the same numbers, drawn once), 'different' over an empty batch advanced the generator (torch
draws nothing).

Known differences left as they are (teenygrad's vmap is a loop; it cannot tell a batched value from an unbatched
one): .item(), bool(), int(), float(), tolist() and data-dependent output shapes on a batched value run per
element (torch refuses); in-place writes of a batched value into a tensor created inside func run per element
(torch refuses); 'different' draws each element's numbers in turn, where torch draws one batched tensor, so the
normal samplers' vectorised path (16 numbers or more in all) gives torch another stream."""
import numpy as np
import pytest
import torch

import teenygrad as tg

LIBS = (torch, tg)


def _rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _np(t):
    return t.detach().numpy()


# ---- randomness: every generator, not only the default one -------------------------------------------------------

DRAWS = {
    "rand": lambda L, a, g: a + L.rand(a.shape, generator=g),
    "randn": lambda L, a, g: a + L.randn(a.shape, generator=g),
    "normal_": lambda L, a, g: a.clone().normal_(generator=g),
    "bernoulli": lambda L, a, g: L.bernoulli(L.full(a.shape, 0.5), generator=g),
    "randint": lambda L, a, g: a + L.randint(0, 9, a.shape, generator=g),
    "randperm": lambda L, a, g: a[L.randperm(a.shape[0], generator=g)],
}


def _generator(L, seed=5):
    return L.Generator().manual_seed(seed)


@pytest.mark.parametrize("draw", sorted(DRAWS))
def test_error_mode_refuses_a_draw_from_a_user_generator_as_torch(draw):
    for L in LIBS:
        g = _generator(L)
        with pytest.raises(RuntimeError, match="randomness error mode"):
            L.func.vmap(lambda a: DRAWS[draw](L, a, g))(L.tensor(_rand((3, 4), 0)))


@pytest.mark.parametrize("randomness", ["same", "different"])
@pytest.mark.parametrize("draw", sorted(DRAWS))
def test_a_user_generator_gives_torchs_numbers_in_each_mode(draw, randomness):
    """'same': every element gets the numbers of one draw; 'different': fresh ones. The generator is left where
    torch leaves it (its next number matches)."""
    got = []
    for L in LIBS:
        L.manual_seed(0)
        g = _generator(L)
        out = L.func.vmap(lambda a: DRAWS[draw](L, a, g), randomness=randomness)(L.tensor(_rand((3, 4), 1)))
        got.append((_np(out), _np(L.rand(3, generator=g)), _np(L.rand(2))))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_same_mode_replays_each_generator_nested_in_different():
    """an inner 'same' inside an outer 'different': each outer element draws once, shared by its inner elements"""
    got = []
    for L in LIBS:
        g = _generator(L)
        inner = L.func.vmap(lambda a: a + L.rand((), generator=g), randomness="same")
        got.append(_np(L.func.vmap(inner, randomness="different")(L.tensor(_rand((3, 4), 2)))))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-6)


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_an_empty_batch_draws_as_torch(randomness):
    """torch draws one unbatched sample in 'same' mode and nothing (a (0, ...) draw) in 'different' mode; teenygrad
    runs func once on a zeros element to learn the output shapes, and must not leave that draw behind."""
    got = []
    for L in LIBS:
        L.manual_seed(0)
        out = L.func.vmap(lambda a: a + L.rand(2), randomness=randomness)(L.zeros(0, 2))
        got.append((tuple(out.shape), _np(L.rand(3))))
    assert got[0][0] == got[1][0]
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-6)


# ---- writes into tensors func reaches from outside ------------------------------------------------------------------

COUNTER = {}  # a module-level tensor a function below writes into


def _count_calls(a):
    COUNTER["n"].add_(1)
    return a * 2


def _bn(L, mode):
    L.manual_seed(0)
    m = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.BatchNorm1d(3))
    return m.train(mode == "train")


WRITES = {  # each writes, once per batch element in a loop, into a tensor that vmap does not map
    "closure_batched_value": lambda L, x, z, m: L.func.vmap(lambda a: z.add_(a))(x),
    "closure_plain_value": lambda L, x, z, m: L.func.vmap(lambda a: a + z.add_(1))(x),
    "keyword_argument": lambda L, x, z, m: L.func.vmap(lambda a, acc=None: a + acc.mul_(2))(x, acc=z),
    "global_through_a_helper": lambda L, x, z, m: L.func.vmap(_count_calls)(x),
    "nested_vmap": lambda L, x, z, m: L.func.vmap(L.func.vmap(lambda a: z.add_(a.sum())))(x[:, :, None]),
    "batchnorm_module_in_training": lambda L, x, z, m: L.func.vmap(m)(x[:, None].expand(3, 4, 2) * 1),
    "functional_call_without_buffers": lambda L, x, z, m: L.func.vmap(
        lambda a: L.func.functional_call(m, dict(m.named_parameters()), (a,)))(x[:, None].expand(3, 4, 2) * 1),
}


@pytest.mark.parametrize("case", sorted(WRITES))
def test_a_write_into_a_tensor_func_reaches_from_outside_is_refused(case):
    """torch writes a plain value once (a loop would write it once per element) and refuses a batched one
    (batch_norm's running stats, for one); teenygrad refuses both, leaving a module's buffers as they were."""
    got = {}
    for L in LIBS:
        z, m = L.zeros(2), _bn(L, "train")
        COUNTER["n"] = L.zeros(())
        try:
            got[L] = ("ran", WRITES[case](L, L.tensor(_rand((3, 2), 3)), z, m))
        except RuntimeError as e:
            got[L] = ("refused", e)
        got[L] += (_np(m[1].running_mean), _np(m[1].running_var))
    assert got[tg][0] == "refused", f"{case}: teenygrad ran"
    assert "vmap: func wrote in place into a tensor that is not mapped" in str(got[tg][1])
    if got[torch][0] == "refused":
        for a, b in zip(got[tg][2:], got[torch][2:]):
            np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("mode", ["eval", "train"])
def test_module_state_that_stays_unwritten_or_mapped_runs_as_torch(mode):
    """eval BatchNorm reads its buffers; stacked buffers (ensembling) are mapped; a closure over the mapped
    argument itself writes into the batch: all as torch."""
    got = []
    for L in LIBS:
        ms = [_bn(L, mode) for _ in range(3)]
        params, buffers = L.func.stack_module_state(ms)
        x = L.tensor(_rand((3, 4, 2), 4))
        out = L.func.vmap(lambda p, b, a: L.func.functional_call(ms[0], (p, b), (a,)))(params, buffers, x)
        plain = L.func.vmap(ms[1])(x) if mode == "eval" else out
        y = x.clone()
        L.func.vmap(lambda a: a.mul_(2) + y.sum() * 0)(y)
        got.append([_np(out), _np(plain), _np(y)] + [_np(buffers[k]) for k in sorted(buffers)])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---- errors that name vmap --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("func, out_dims", [(lambda a: a.sum(), 1), (lambda a: a, 2), (lambda a: a, -3),
                                            (lambda a: (a, a.sum()), (0, -2))])
def test_an_out_dim_out_of_range_is_refused_naming_vmap(func, out_dims):
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.func.vmap(func, out_dims=out_dims)(torch.ones(3, 2))
    with pytest.raises(IndexError, match=r"vmap: out_dim -?\d is out of range for an output of shape .*expected to "
                                         r"be in range of \[-\d, \d\], but got -?\d"):
        tg.func.vmap(func, out_dims=out_dims)(tg.ones(3, 2))


def test_functional_call_strict_lists_the_keys_sorted_as_torch():
    msgs = []
    for L in LIBS:
        m = L.nn.Sequential(L.nn.Linear(2, 3), L.nn.BatchNorm1d(3))
        with pytest.raises(RuntimeError) as e:
            L.func.vmap(lambda a: L.func.functional_call(m, {"z": a, "a.b": a, "1.weight": L.ones(3)}, (a,),
                                                         strict=True))(L.ones(2, 2))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
