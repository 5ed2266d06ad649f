"""Differences from torch found in the nineteenth landing by sweeping the Tensor object's Python protocol and its
construction and conversion (torch.tensor / as_tensor / from_numpy, ==, in, reversed, finfo / iinfo) against torch,
each compared with torch directly (values, dtypes, shared memory, refusals)."""
import operator

import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


def _make(lib, dtype, values):
    """The same values in both libraries (made in torch, handed over through float32 for bfloat16)."""
    t = torch.tensor(values, dtype=torch.float64)
    t = (t != 0) if dtype == "bool" else t.to(getattr(torch, dtype))
    if lib is torch:
        return t
    return tg.tensor((t.float() if dtype == "bfloat16" else t).numpy(), dtype=getattr(tg, dtype))


def _outcome(f):
    try:
        return f()
    except Exception as e:  # noqa: BLE001 - the refusal is the result compared
        return type(e)


# ---- numpy subclasses ---------------------------------------------------------------------------------------------
SUBCLASSES = {"matrix": lambda: np.asmatrix(np.array([[1.5, 2.0], [3.0, -4.0]])),
              "masked": lambda: np.ma.array([1.5, 2.0, 3.0], mask=[0, 1, 0])}


@pytest.mark.parametrize("make", ["tensor", "as_tensor", "asarray", "from_numpy"])
@pytest.mark.parametrize("kind", sorted(SUBCLASSES))
def test_ndarray_subclass_is_taken_as_its_plain_array(make, kind):
    """tensor / as_tensor / from_numpy kept an np.matrix or a masked array as the tensor's array: the tensor then said
    its device was cuda, numpy() refused, and arithmetic and printing failed (torch takes the plain array under it)"""
    res = {}
    for lib in (torch, tg):
        a = SUBCLASSES[kind]()
        t = getattr(lib, make)(a)
        assert str(t.device) == "cpu"
        assert type(t.numpy()) is np.ndarray
        res[lib] = (t.shape, (t * 2).sum().item(), t.tolist(), repr(t).replace("teenygrad.", "torch."))
    assert res[tg] == res[torch]


@pytest.mark.parametrize("make", ["as_tensor", "asarray", "from_numpy"])
@pytest.mark.parametrize("kind", sorted(SUBCLASSES))
def test_ndarray_subclass_memory_is_shared_as_torch(make, kind):
    seen = {}
    for lib in (torch, tg):
        a = SUBCLASSES[kind]()
        getattr(lib, make)(a).fill_(7.0)
        seen[lib] = np.asarray(a).tolist()
    assert seen[tg] == seen[torch]


# ---- text data ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", ["abc", "1.5", b"1", ["False"], [["1", "2"]]], ids=repr)
@pytest.mark.parametrize("dtype", [None, "bool", "float32", "int64"])
def test_text_data_is_refused(data, dtype):
    """numpy parsed strings given with a dtype: tensor(['False'], dtype=bool) was tensor([True]) and
    tensor('1.5', dtype=float32) 1.5 (torch refuses text whatever the dtype)"""
    assert isinstance(_outcome(lambda: torch.tensor(data, dtype=dtype and getattr(torch, dtype))), type)
    with pytest.raises(TypeError, match="text"):
        tg.tensor(data, dtype=dtype and getattr(tg, dtype))
    with pytest.raises(TypeError, match="text"):
        tg.as_tensor(data, dtype=dtype and getattr(tg, dtype))
