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
