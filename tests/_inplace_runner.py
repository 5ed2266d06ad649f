"""The runner that test_versions, test_fuzz_inplace and test_inplace_views share: a case is a function of the library
(torch or teenygrad) that builds a graph, writes in place, runs backward and returns the tensors to compare. Both
libraries must raise the same kind of error, or compute the same values."""
import re
import numpy as np
import torch

import teenygrad as tg

VERSION = "modified by an inplace operation"   # torch's version-counter error, and ours
IN_PLACE = r"inplace|in-place|in place|memory location|no_grad mode"   # any refusal of an in-place op


def outcome(lib, case, pattern=IN_PLACE):
    """('raised', None) when case(lib) raises a RuntimeError matching pattern (any other error fails the test), else
    ('ok', [arrays]) for the tensors it returned (None stays None)."""
    try:
        out = case(lib)
    except RuntimeError as e:
        assert re.search(pattern, str(e)), e
        return "raised", None
    return "ok", [None if a is None else np.array(a.tolist()) for a in out]


def assert_matches_torch(case, pattern=IN_PLACE, rtol=1e-9, atol=1e-12):
    """case raises in teenygrad exactly where it raises in torch, else gives the same arrays."""
    theirs, ours = outcome(torch, case, pattern), outcome(tg, case, pattern)
    assert ours[0] == theirs[0], (ours, theirs)
    if theirs[0] == "ok":
        assert len(ours[1]) == len(theirs[1])
        for a, b in zip(ours[1], theirs[1]):
            assert (a is None) == (b is None), (a, b)
            if a is not None:
                assert a.shape == b.shape, (a.shape, b.shape)
                np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
