"""get_rng_state / set_rng_state and Generator.get_state / set_state hold torch's state: a uint8 tensor of 5056 bytes,
the same bytes as torch's CPU generator after the same seed and draws, so a state carried across the two libraries
(through numpy) continues the same stream. The dict that older teenygrads returned (and that training checkpoints
store) still loads; bad input raises as torch does."""
import json
import os

import numpy as np
import pytest
import torch

import teenygrad as tg
from teenygrad import random_state
from teenygrad.train import train

# The last seed is new each run; pytest-xdist's workers must collect the same tests, so within one run they all
# draw it from the run's id.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
SEEDS = [0, 5, 2 ** 31 - 1, 2 ** 40 + 7, 2 ** 64 - 1,
         int(np.random.default_rng(int(_RUN, 16) if _RUN else None).integers(0, 2 ** 63))]


def _draws(L, case, gen=None):
    """Leave the generator somewhere interesting: part way through a block of 624 words, past a twist, with a
    cached double normal (randn of fewer than 16 values keeps the pair's second value)."""
    kw = {} if gen is None else {"generator": gen}
    if case == "fresh":
        return
    if case == "uniform":
        L.rand(7, **kw)
    elif case == "cached_normal":
        L.rand(3, **kw), L.randn(1, **kw)
    elif case == "past_twist":
        L.rand(1000, **kw), L.randn(5, dtype=L.float64, **kw)
    elif case == "exact_block":  # 624 words: the position is back at 624, but the words are twisted
        L.rand(624, **kw)
    elif case == "randperm":
        L.randperm(300, **kw), L.randint(0, 2 ** 40, (9,), **kw)


def _follow(L, gen=None):
    """Draws that read the whole state: the cached normal first, then twister words."""
    kw = {} if gen is None else {"generator": gen}
    return np.concatenate([L.randn(3, **kw).numpy(), L.rand(700, **kw).numpy(),
                           L.randn(1, dtype=L.float64, **kw).numpy().astype(np.float32)])


CASES = ["fresh", "uniform", "cached_normal", "past_twist", "exact_block", "randperm"]


def test_dtype_shape_and_clone():
    s = tg.get_rng_state()
    assert isinstance(s, tg.Tensor) and s.dtype == tg.uint8 and tuple(s.shape) == (5056,)
    c = s.clone()
    assert c.dtype == tg.uint8 and np.array_equal(c.numpy(), s.numpy())
    g = tg.Generator().get_state()
    assert g.dtype == tg.uint8 and tuple(g.shape) == tuple(torch.Generator().get_state().shape)


def test_state_is_a_fresh_copy():
    tg.manual_seed(1)
    s = tg.get_rng_state()
    before = s.numpy().copy()
    tg.rand(10)
    assert np.array_equal(s.numpy(), before) and not np.array_equal(tg.get_rng_state().numpy(), before)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_bytes_are_torchs(seed, case):
    torch.manual_seed(seed), tg.manual_seed(seed)
    _draws(torch, case), _draws(tg, case)
    assert np.array_equal(tg.get_rng_state().numpy(), torch.get_rng_state().numpy())
    gt, gg = torch.Generator().manual_seed(seed), tg.Generator().manual_seed(seed)
    _draws(torch, case, gt), _draws(tg, case, gg)
    assert np.array_equal(gg.get_state().numpy(), gt.get_state().numpy())


@pytest.mark.parametrize("case", CASES)
def test_round_trip_in_teenygrad(case):
    tg.manual_seed(SEEDS[-1])
    _draws(tg, case)
    s = tg.get_rng_state()
    a = _follow(tg)
    tg.manual_seed(3), tg.randn(1)  # another seed, and a cached normal the saved state does not have
    tg.set_rng_state(s)
    assert np.array_equal(_follow(tg), a)
    assert tg.initial_seed() == SEEDS[-1]


@pytest.mark.parametrize("case", CASES)
def test_generator_round_trip(case):
    g = tg.Generator().manual_seed(11)
    _draws(tg, case, g)
    s = g.get_state()
    a = _follow(tg, g)
    assert g.set_state(s) is g
    assert np.array_equal(_follow(tg, g), a)
    h = tg.Generator().set_state(s)  # a state moves between generators, the default one too
    assert np.array_equal(_follow(tg, h), a)
    tg.set_rng_state(s)
    assert np.array_equal(_follow(tg), a) and tg.initial_seed() == 11


@pytest.mark.parametrize("case", CASES)
def test_torch_state_into_teenygrad(case):
    torch.manual_seed(SEEDS[-1])
    _draws(torch, case)
    tg.manual_seed(0)
    tg.set_rng_state(tg.tensor(torch.get_rng_state().numpy()))
    assert tg.initial_seed() == torch.initial_seed()
    assert np.array_equal(_follow(tg), _follow(torch))


@pytest.mark.parametrize("case", CASES)
def test_teenygrad_state_into_torch(case):
    g = tg.Generator().manual_seed(SEEDS[-1])
    _draws(tg, case, g)
    t = torch.Generator()
    t.set_state(torch.from_numpy(g.get_state().numpy()))
    assert t.initial_seed() == g.initial_seed()
    assert np.array_equal(_follow(tg, g), _follow(torch, t))


def test_state_survives_save_and_load(tmp_path):
    tg.manual_seed(8), tg.randn(1)
    tg.save({"rng": tg.get_rng_state()}, str(tmp_path / "s.pt"))
    a = _follow(tg)
    tg.set_rng_state(tg.load(str(tmp_path / "s.pt"))["rng"])
    assert np.array_equal(_follow(tg), a)


def _old_dict(state):
    """The dict an older teenygrad's get_state() returned for the same generator state."""
    seed, key, pos, nxt = random_state.decode(state, "test")
    return {"bit_generator": "MT19937", "key": [int(k) for k in key], "pos": pos, "seed": seed, "next_normal": nxt}


@pytest.mark.parametrize("case", CASES)
def test_old_dict_form_is_accepted(case):
    tg.manual_seed(21)
    _draws(tg, case)
    old = json.loads(json.dumps(_old_dict(tg.get_rng_state())))  # as checkpoints stored it
    a = _follow(tg)
    tg.manual_seed(4)
    tg.set_rng_state(old)
    assert np.array_equal(_follow(tg), a) and tg.initial_seed() == 21
    g = tg.Generator().set_state({k: v for k, v in old.items() if k != "seed"})  # early dicts had no seed
    assert g.initial_seed() == 67280421310721 and np.array_equal(_follow(tg, g), a)


def test_bad_input_raises_as_torch():
    s = tg.get_rng_state()
    good = s.numpy()
    for bad, error, torch_bad in [(s.float(), TypeError, torch.get_rng_state().float()),
                                  (s[:100], RuntimeError, torch.get_rng_state()[:100]),
                                  (good, TypeError, torch.get_rng_state().numpy()),
                                  (None, TypeError, None), ("state", TypeError, "state"),
                                  (torch.get_rng_state(), TypeError, None)]:
        with pytest.raises(error, match="set_rng_state"):
            tg.set_rng_state(bad)
        with pytest.raises(error, match="set_state"):
            tg.Generator().set_state(bad)
        if torch_bad is not None:
            with pytest.raises(error):
                torch.set_rng_state(torch_bad)
    assert np.array_equal(tg.get_rng_state().numpy(), good)  # a refused state changes nothing


@pytest.mark.parametrize("field, value", [(8, 0), (8, 625), (12, 0), (16, 625), (16, 3)])
def test_invalid_twister_state_raises(field, value):
    """left (offset 8) in [1, 624], seeded (12) set, next (16) <= 624: torch's checks; next 3 with left 1 is
    what torch writes after seeding only as 0, and teenygrad refuses rather than drift."""
    tg.manual_seed(2), tg.rand(10)
    raw = tg.get_rng_state().numpy().copy()
    raw[field:field + 4] = np.frombuffer(np.int32(value).tobytes(), np.uint8)
    if (field, value) == (16, 3):
        raw[8:12] = np.frombuffer(np.int32(100).tobytes(), np.uint8)
    else:
        with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
            torch.set_rng_state(torch.from_numpy(raw.copy()))
    with pytest.raises(RuntimeError, match="set_rng_state.*mt19937"):
        tg.set_rng_state(tg.tensor(raw))


@pytest.mark.parametrize("bad", [{"bit_generator": "PCG64", "key": []},
                                 {"bit_generator": "MT19937", "key": [1, 2], "pos": 1},
                                 {"bit_generator": "MT19937", "key": [0] * 624, "pos": 999}])
def test_bad_old_dict_raises(bad):
    with pytest.raises(ValueError, match="set_state"):
        tg.Generator().set_state(bad)


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("data") / "text.txt"
    path.write_text("".join(rng.choice(list("abcdefgh \n"), 4000)))
    return path


@pytest.mark.parametrize("old_format", [False, True])
def test_training_resume_continues_the_stream(text_file, tmp_path, old_format):
    """nanoGPT sampling and dropout draw from the default generator: a resumed run (from a checkpoint with the
    uint8 state, or with the JSON dict of older checkpoints) logs the same losses as one never stopped."""
    hp = {"data": str(text_file), "n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 8, "batch_size": 4,
          "eval_iters": 2, "eval_interval": 10, "dropout": 0.1, "seed": 7, "sampling": "nanogpt"}
    quiet = lambda *a, **k: None  # noqa: E731
    whole = train("gpt", tmp_path / "whole", dict(hp, max_iters=30), log=quiet)
    train("gpt", tmp_path / "part", dict(hp, max_iters=10), log=quiet)
    if old_format:
        path = str(tmp_path / "part" / "last.ckpt")
        ckpt = tg.load(path)
        assert isinstance(ckpt["rng"]["teenygrad"], tg.Tensor)
        ckpt["rng"]["teenygrad"] = json.dumps(_old_dict(ckpt["rng"]["teenygrad"]))
        del ckpt["settings_digest"]  # checkpoints of that time had no digest of their settings
        tg.save(ckpt, path)
    tg.manual_seed(99)  # the resumed run must not depend on the state it starts in
    resumed = train("gpt", tmp_path / "part", {"max_iters": 30}, resume=True, log=quiet)
    assert len(resumed["history"]) == 30
    np.testing.assert_array_equal(np.asarray(resumed["history"]), np.asarray(whole["history"]))
