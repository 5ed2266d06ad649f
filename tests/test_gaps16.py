"""Small gaps against torch closed in the sixteenth landing."""
import pytest
import torch

import teenygrad as tg

_OPS = {
    "floor_divide": lambda m, a, b: m.floor_divide(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "//": lambda m, a, b: a // b,
    "%": lambda m, a, b: a % b,
}
_CASES = [   # (a, b) builders: integer division where the result is empty divides by nothing (torch: no error)
    lambda m: (m.zeros(0, dtype=m.int64), m.zeros(0, dtype=m.int64)),
    lambda m: (m.zeros(0, 3, dtype=m.int64), m.tensor([0, 1, 2])),
    lambda m: (m.zeros(0, dtype=m.int32), 0),
    lambda m: (m.zeros((2, 0), dtype=m.uint8), m.zeros((2, 1), dtype=m.uint8)),
    lambda m: (m.tensor([4]), 0),                       # not empty: both raise
    lambda m: (m.tensor([[4], [5]]), m.tensor([1, 0])),
]


@pytest.mark.parametrize("op", sorted(_OPS))
@pytest.mark.parametrize("case", range(len(_CASES)))
def test_integer_division_by_zero_raises_only_when_it_divides(op, case):
    def run(m):
        a, b = _CASES[case](m)
        try:
            r = _OPS[op](m, a, b)
        except RuntimeError:
            return "raises"
        return tuple(r.shape), str(r.dtype).split(".")[-1]
    assert run(tg) == run(torch)
