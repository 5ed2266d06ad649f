"""Differences from torch found in the seventeenth landing, each compared with torch directly."""
import numpy as np
import pytest
import torch

import teenygrad as tg

SRC = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
DST = [None, "bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("src", SRC)
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_nansum_dtype_as_torch(src, dim):
    """nansum(dtype=) gave int64 for an integer input whatever dtype said (a bool dtype even cast before summing:
    2 for [1, 0, 2] where torch gives True), and a float input with an integer dtype cast its NaNs to garbage
    before summing (torch counts them 0 first)."""
    x = np.random.default_rng(0).integers(-3, 4, (3, 4)).astype(src)
    if src.startswith("float"):
        x[0, 1] = np.nan
    for d in DST:
        out = []
        for lib in (torch, tg):
            kw = {"dtype": getattr(lib, d)} if d else {}
            r = lib.nansum(lib.tensor(x), **kw) if dim is None else lib.nansum(lib.tensor(x), dim, **kw)
            out.append((str(r.dtype).replace("torch.", ""), np.asarray(r.tolist(), dtype=np.float64)))
        assert out[1][0] == out[0][0], (src, d, dim)
        np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-3, err_msg=f"{src} -> {d}, dim {dim}")
