"""Random programs over mixed dtypes (float16, bfloat16, float32/64, int64/32/8, uint8, bool) with Python numbers
and 0-d tensors mixed in: type promotion, in-place ops on narrower targets, reductions with and without dtype=,
division and rounding modes, bitwise ops, pow, casts. Each step runs in torch and in teenygrad on the same values
and is compared at once: the dtype, the shape, the values (exact for integers and bools, within two ulps for
float16/bfloat16) and the in-place target, or both refuse (nineteenth landing). A second sweep differentiates
float16/bfloat16 chains and compares the gradients' dtypes and values.

What the sweep found, each also pinned by a direct case below: add(bool, bool, alpha=2) gave int64 (torch keeps
bool, alpha taken as a bool), and x.add_(True, alpha=2) on a bool x was refused; x.sub_(True, alpha=2) ran (the
bool became an int before the check); x.add_(y, alpha) scaled y in y's own dtype (a float16 y into a float32 x
rounded alpha * y to float16); float16/bfloat16 lerp, addcmul, addcdiv and add/sub with alpha rounded each step
(torch computes them in float32 and rounds once); bfloat16 sign and sgn kept NaN (torch gives 0); bfloat16
isposinf/isneginf were True at NaN; bfloat16 cummax/cummin let a NaN through, nanmedian() counted NaNs, unique
left NaNs unsorted; fill_ with a 0-d tensor out of an integer dtype's range raised numpy's OverflowError (torch
wraps, as copy_); einsum over a summed dim of size 1 between operands gave int64 (torch keeps the dtype); float16
and bfloat16 round(decimals=) scaled in the narrow dtype (torch in float32); sum/nansum(dtype=bfloat16) summed in
bfloat16 and mean(dtype=float16/bfloat16) averaged the input cast first. Around the gradient sweep: float16/bfloat16
layer_norm normalised in the narrow dtype, tanh's and sigmoid's backward rounded each step; and wherever numpy summed
bfloat16 itself a running sum stalled at 256: a broadcast bias's gradient, gather's backward, scatter_add,
cross_entropy (a mean over 3000 rows read 2.0 for 1.61), group_norm, avg_pool, logcumsumexp, embedding_bag."""

import random
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

DTYPES = ["float16", "bfloat16", "float32", "int64", "int32", "uint8", "bool", "int8", "float64"]
FLOATS = ("float16", "bfloat16", "float32", "float64")
SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1)]
ULP = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 2.0**-17, "float64": 2.0**-46}  # 2 ulps (64 for 32/64)
# torch refuses where teenygrad computes by design: cumsum into bool, round(decimals=) of integers
TORCH_ONLY_REFUSALS = ('"cumsum_out_cpu" not implemented', '"round_cpu" not implemented')


def _name(dtype):
    return str(dtype).split(".")[-1]


def _make(L, a, dtype):
    if dtype == "bfloat16":
        return L.tensor(a.astype(np.float32)).to(L.bfloat16)
    return L.tensor(a).to(getattr(L, dtype))


def _numpy(t):
    return t.float().numpy() if _name(t.dtype) == "bfloat16" else t.numpy()


def _values(rng, dtype, shape):
    if dtype in FLOATS:
        return (rng.standard_normal(shape) * 3).astype(np.float32)
    if dtype == "uint8":
        return rng.integers(0, 12, shape).astype(np.uint8)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    return rng.integers(-6, 7, shape).astype(np.int64)


def _close(a, b, dtype):
    if a.shape != b.shape:
        return False
    if dtype not in ULP:
        return np.array_equal(a, b)
    a, b = a.astype(np.float64), b.astype(np.float64)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if not np.array_equal(np.isinf(a), np.isinf(b)) or not np.array_equal(a[np.isinf(a)], b[np.isinf(b)]):
        return False
    a, b = a[~np.isinf(a)], b[~np.isinf(b)]
    tiny = 2.0**-14 if dtype == "float16" else 1e-30  # float16's subnormals: absolute steps
    return bool(np.all(np.abs(a - b) <= 1.01 * ULP[dtype] * np.maximum(np.abs(a), tiny) + 1e-7 * (dtype == "float16")))


def _t(L, y):
    return y if isinstance(y, L.Tensor) else L.tensor(y)


def _number(L, y, default):
    return y if not isinstance(y, L.Tensor) else default


def _first(L, y):
    """y's first element as a 0-d tensor of y's dtype (a copy: an in-place op must not read its own target)"""
    t = _t(L, y)
    return t.reshape(-1)[:1].reshape(()).clone() if t.numel() else L.tensor(1)


def _alpha(x, y, a):
    """torch's float16 add with alpha rounds alpha * y once in its vectorized body, twice in its scalar tail (small
    tensors): only alphas whose products are exact there"""
    if any(_name(getattr(t, "dtype", "")) in ("float16", "bfloat16") for t in (x, y)):
        return 2
    return a


def _same_shape(L, x, y):
    if not isinstance(y, L.Tensor) or y.shape == x.shape:
        return x, y
    return [t.clone() for t in L.broadcast_tensors(x, y)]


BINARY = {
    "add": lambda L, x, y, a: x + y,
    "sub": lambda L, x, y, a: x - y,
    "mul": lambda L, x, y, a: x * y,
    "rsub": lambda L, x, y, a: y - x,
    "mul_number": lambda L, x, y, a: x * a,
    "max": lambda L, x, y, a: L.maximum(x, _t(L, y)),
    "min": lambda L, x, y, a: L.minimum(x, _t(L, y)),
    "fmax": lambda L, x, y, a: L.fmax(x, _t(L, y)),
    "add_alpha2": lambda L, x, y, a: L.add(x, y, alpha=2),
    "add_alpha": lambda L, x, y, a: L.add(*_same_shape(L, x, y), alpha=_alpha(x, y, a)),
    "sub_alpha": lambda L, x, y, a: L.sub(*_same_shape(L, x, y), alpha=_alpha(x, y, a)),
    "atan2": lambda L, x, y, a: L.atan2(x, _t(L, y)),
    "hypot": lambda L, x, y, a: L.hypot(x, _t(L, y)),
    "copysign": lambda L, x, y, a: L.copysign(x, y),
    "xlogy": lambda L, x, y, a: L.xlogy(x, y),
    "lerp": lambda L, x, y, a: L.lerp(x, y if isinstance(y, L.Tensor) else L.full_like(x, y), 0.5),
    "lerp_tensor": lambda L, x, y, a: L.lerp(
        x, y if isinstance(y, L.Tensor) else L.full_like(x, y), L.full_like(x, 0.3)
    ),
    "addcmul": lambda L, x, y, a: L.addcmul(x, _t(L, y), x, value=a),
    "addcdiv": lambda L, x, y, a: L.addcdiv(x, x, _t(L, y), value=a),
    "cat": lambda L, x, y, a: L.cat([x.reshape(-1), _t(L, y).reshape(-1)]),
    "stack": lambda L, x, y, a: L.stack([x, y if isinstance(y, L.Tensor) and y.shape == x.shape else x * 0]),
    "lt": lambda L, x, y, a: x < y,
    "le": lambda L, x, y, a: L.le(x, y),
    "eq": lambda L, x, y, a: x == y,
    "ne": lambda L, x, y, a: L.ne(x, y),
    "ge": lambda L, x, y, a: x >= y,
    "truediv": lambda L, x, y, a: x / y,
    "floordiv": lambda L, x, y, a: x // y,
    "div_trunc": lambda L, x, y, a: L.div(x, y, rounding_mode="trunc"),
    "div_floor": lambda L, x, y, a: L.div(x, y, rounding_mode="floor"),
    "remainder": lambda L, x, y, a: L.remainder(x, y),
    "fmod": lambda L, x, y, a: L.fmod(x, y),
    "rfloordiv": lambda L, x, y, a: y // x,
    "rtruediv": lambda L, x, y, a: y / x,
    "rremainder": lambda L, x, y, a: y % x,
    "and": lambda L, x, y, a: x & y,
    "or": lambda L, x, y, a: x | y,
    "xor": lambda L, x, y, a: x ^ y,
    "lshift": lambda L, x, y, a: x << y,
    "rshift": lambda L, x, y, a: x >> y,
    "logical_and": lambda L, x, y, a: L.logical_and(x, _t(L, y)),
    "logical_xor": lambda L, x, y, a: L.logical_xor(x, _t(L, y)),
    "where": lambda L, x, y, a: L.where(x > 0, x, _t(L, y)),
    "where_number": lambda L, x, y, a: L.where(x > 0, x, y),
    "where_numbers": lambda L, x, y, a: L.where(x > 0, 2, _number(L, y, 1.5)),
    "clamp": lambda L, x, y, a: x.clamp(-2, _number(L, y, 3)),
    "clamp_tensor": lambda L, x, y, a: x.clamp(min=_t(L, y)),
    "clamp_mixed": lambda L, x, y, a: L.clamp(x, min=_t(L, y), max=_t(L, y) + 2),
    "pow_number": lambda L, x, y, a: x**a,
    "rpow": lambda L, x, y, a: a**x,
    "pow_tensor": lambda L, x, y, a: L.pow(x, y),
    "float_power": lambda L, x, y, a: L.float_power(x, a),
    "int_pow_neg": lambda L, x, y, a: x**-2,
    "pow_2_x": lambda L, x, y, a: L.pow(2, x),
    "heaviside": lambda L, x, y, a: L.heaviside(x, _t(L, y)),
    "logaddexp": lambda L, x, y, a: L.logaddexp(x, _t(L, y)),
    "isin": lambda L, x, y, a: L.isin(x, _t(L, y)),
    "outer": lambda L, x, y, a: L.outer(x.reshape(-1), _t(L, y).reshape(-1)),
    "einsum": lambda L, x, y, a: L.einsum("i,i->", x.reshape(-1), x.reshape(-1)),
    "matmul": lambda L, x, y, a: x.reshape(-1)[:1].reshape(1, 1) @ _first(L, y).reshape(1, 1).to(x.dtype),
}
UNARY = {
    "abs": lambda L, x: x.abs(),
    "neg": lambda L, x: -x,
    "sign": lambda L, x: x.sign(),
    "sgn": lambda L, x: x.sgn(),
    "floor": lambda L, x: x.floor(),
    "ceil": lambda L, x: x.ceil(),
    "round": lambda L, x: x.round(),
    "round_decimals": lambda L, x: x.round(decimals=1),
    "trunc": lambda L, x: x.trunc(),
    "frac": lambda L, x: x.frac(),
    "exp": lambda L, x: x.exp(),
    "sqrt": lambda L, x: x.sqrt(),
    "sigmoid": lambda L, x: x.sigmoid(),
    "reciprocal": lambda L, x: x.reciprocal(),
    "logical_not": lambda L, x: x.logical_not(),
    "relu": lambda L, x: L.relu(x),
    "nan_to_num": lambda L, x: L.nan_to_num(x),
    "square": lambda L, x: x.square(),
    "invert": lambda L, x: ~x,
    "isposinf": lambda L, x: x.isposinf(),
    "isneginf": lambda L, x: x.isneginf(),
    "to": lambda L, x: x.to(L.float16),
    "type": lambda L, x: x.type(L.int32),
    "half": lambda L, x: x.half(),
    "bfloat16": lambda L, x: x.bfloat16(),
    "float": lambda L, x: x.float(),
    "double": lambda L, x: x.double(),
    "long": lambda L, x: x.long(),
    "bool": lambda L, x: x.bool(),
    "byte": lambda L, x: x.byte(),
    "char": lambda L, x: x.char(),
    "short": lambda L, x: x.short(),
    "sort": lambda L, x: x.reshape(-1).sort(descending=True, stable=True)[0],
    "cummax": lambda L, x: x.reshape(-1).cummax(0)[0],
    "cummin": lambda L, x: x.reshape(-1).cummin(0)[0],
    "argsort": lambda L, x: x.reshape(-1).argsort(stable=True),
    "unique": lambda L, x: L.unique(x),
    "softmax_dtype": lambda L, x: x.reshape(-1).softmax(-1, dtype=L.float32),
    "log_softmax_dtype": lambda L, x: L.log_softmax(x.reshape(-1), -1, dtype=L.float64),
    "bincount": lambda L, x: L.bincount(x.reshape(-1).long().abs()),
    "one_hot": lambda L, x: L.nn.functional.one_hot(x.reshape(-1).long().abs() % 4, 4),
    "diff": lambda L, x: L.diff(x.reshape(-1)),
    "dot": lambda L, x: L.dot(x.reshape(-1), x.reshape(-1)),
}
REDUCE = {
    "sum": lambda L, x, kw, d: x.sum(**kw),
    "sum_dtype": lambda L, x, kw, d: x.sum(dtype=d, **kw),
    "mean": lambda L, x, kw, d: x.mean(**kw),
    "mean_dtype": lambda L, x, kw, d: x.mean(dtype=d, **kw),
    "nansum": lambda L, x, kw, d: x.nansum(**kw),
    "amax": lambda L, x, kw, d: x.amax(**kw),
    "argmax": lambda L, x, kw, d: x.argmax(**kw),
    "any": lambda L, x, kw, d: x.any(**kw),
    "all": lambda L, x, kw, d: x.all(**kw),
    "std": lambda L, x, kw, d: x.std(**kw),
    "var": lambda L, x, kw, d: x.var(**kw, correction=0),
    "prod": lambda L, x, kw, d: x.prod(kw["dim"], keepdim=kw["keepdim"]) if kw else x.prod(),
    "prod_dtype": lambda L, x, kw, d: x.prod(kw["dim"], keepdim=kw["keepdim"], dtype=d) if kw else x.prod(dtype=d),
    "cumsum": lambda L, x, kw, d: x.cumsum(kw.get("dim", -1)),
    "cumsum_dtype": lambda L, x, kw, d: x.cumsum(kw.get("dim", -1), dtype=d),
    "cumprod": lambda L, x, kw, d: x.cumprod(kw.get("dim", -1)),
    "max_dim": lambda L, x, kw, d: x.max(kw.get("dim", -1), keepdim=kw.get("keepdim", False))[0],
    "count_nonzero": lambda L, x, kw, d: L.count_nonzero(x, dim=kw.get("dim")),
    "aminmax": lambda L, x, kw, d: L.aminmax(x)[0],
}


def _in_place(L, op, x, y, a):
    yt, ys = _t(L, y), _first(L, y)
    if (
        op in ("index_put_", "index_put_acc", "index_fill_", "setitem", "setitem_mask", "index_add_", "scatter_")
        and x.ndim == 0
    ):
        op = "add_"
    n = x.shape[0] if x.ndim else 1
    {
        "add_": lambda: x.add_(y),
        "add_alpha_": lambda: x.add_(y, alpha=a),
        "sub_": lambda: x.sub_(y, alpha=2),
        "mul_": lambda: x.mul_(y),
        "mul_number_": lambda: x.mul_(a),
        "div_": lambda: x.div_(y),
        "div_number_": lambda: x.div_(a),
        "addcmul_": lambda: x.addcmul_(x.clone(), yt, value=a),
        "addcdiv_": lambda: x.addcdiv_(x.clone(), yt, value=a),
        "lerp_": lambda: x.lerp_(y if isinstance(y, L.Tensor) else L.full_like(x, y), a),
        "clamp_": lambda: x.clamp_(-1, 2),
        "clamp_tensor_": lambda: x.clamp_(min=yt),
        "clamp_min_": lambda: x.clamp_min_(ys.item()),
        "masked_fill_": lambda: x.masked_fill_(x > 0, y if not isinstance(y, L.Tensor) or y.ndim == 0 else 1.5),
        "copy_": lambda: x.copy_(yt),
        "fill_": lambda: x.fill_(y if not isinstance(y, L.Tensor) or y.ndim == 0 else 3),
        "floor_divide_": lambda: x.floor_divide_(y),
        "remainder_": lambda: x.remainder_(y),
        "pow_": lambda: x.pow_(y),
        "abs_": lambda: x.abs_(),
        "neg_": lambda: x.neg_(),
        "bitwise_and_": lambda: x.bitwise_and_(y),
        "index_put_": lambda: x.index_put_((L.tensor([0, n - 1]),), ys),
        "index_put_acc": lambda: x.index_put_((L.tensor([0, 0]),), ys, accumulate=True),
        "index_fill_": lambda: x.index_fill_(0, L.tensor([n - 1]), _number(L, y, ys)),
        "setitem": lambda: x.__setitem__(0, _number(L, y, ys)),
        "setitem_mask": lambda: x.__setitem__(x != 0, _number(L, y, ys.item())),
        "index_add_": lambda: x.index_add_(0, L.tensor([0]), ys.expand((1,) + tuple(x.shape[1:])), alpha=2),
        "scatter_": lambda: x.scatter_(0, L.zeros((1,) + tuple(x.shape[1:]), dtype=L.int64), _number(L, y, ys.item())),
    }[op]()


IN_PLACE = (
    "add_ add_alpha_ sub_ mul_ mul_number_ div_ div_number_ addcmul_ addcdiv_ lerp_ clamp_ clamp_tensor_ "
    "clamp_min_ masked_fill_ copy_ fill_ floor_divide_ remainder_ pow_ abs_ neg_ bitwise_and_ index_put_ "
    "index_put_acc index_fill_ setitem setitem_mask index_add_ scatter_"
).split()
# (setitem_mask passes a tensor value as a number: torch refuses a 0-d tensor out of the target's range there,
#  teenygrad writes it wrapped, which this sweep leaves out)


class Program:
    """Slots of (torch value, teenygrad value), equal after each step: a step's torch result is copied into
    teenygrad's slot, so a float difference within tolerance doesn't grow through later steps."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        rng = np.random.default_rng(seed)
        self.slots = []
        for _ in range(3):
            dtype, shape = self.r.choice(DTYPES), self.r.choice(SHAPES)
            a = _values(rng, dtype, shape)
            self.slots.append((_make(torch, a, dtype), _make(tg, a, dtype)))

    def other(self):
        r = self.r
        c = r.random()
        if c < 0.35:
            return ("number", r.choice([2, -3, 0, 1, 7, 1.5, -0.25, 2.0, True, False, 3.75, 255, -1]))
        if c < 0.5:
            dtype = r.choice(DTYPES)
            v = (
                r.choice([1.5, -2.0, 0.5, 3.0])
                if dtype in FLOATS
                else (
                    r.choice([True, False])
                    if dtype == "bool"
                    else r.choice([2, 1, 3, 0, 1 if dtype == "uint8" else -1])
                )
            )
            return ("0-d", v, dtype)
        return ("slot", r.randrange(len(self.slots)))

    def operand(self, L, o):
        if o[0] == "number":
            return o[1]
        if o[0] == "0-d":
            return L.tensor(o[1], dtype=getattr(L, o[2]))
        return self.slots[o[1]][L is tg]

    def step(self):
        r = self.r
        i, o = r.randrange(len(self.slots)), self.other()
        kind = r.choice("binary binary binary unary in_place in_place reduce".split())
        a = r.choice([2, 0.3, -1.5, 1.25])
        op = r.choice(
            sorted({"binary": BINARY, "unary": UNARY, "reduce": REDUCE}[kind]) if kind != "in_place" else IN_PLACE
        )
        d, keep, rdt = r.randrange(-1, 3), r.random() < 0.5, r.choice(DTYPES)
        saved = self.slots[i][0].clone()
        what = f"{op} on {_name(saved.dtype)}{tuple(saved.shape)} with {o}"
        out = []
        for L in (torch, tg):
            x, y = self.slots[i][L is tg], self.operand(L, o)
            if (
                isinstance(y, L.Tensor)
                and y.ndim == 0
                and x.ndim
                and x.dtype != y.dtype
                and x.is_floating_point()
                and y.is_floating_point()
            ):
                y = y.to(x.dtype)  # torch reads a 0-d operand's value unrounded to the result dtype (floor: 1.998)
            try:
                if kind == "binary":
                    out.append(("ran", BINARY[op](L, x, y, a)))
                elif kind == "unary":
                    out.append(("ran", UNARY[op](L, x)))
                elif kind == "in_place":
                    out.append(("ran", _in_place(L, op, x, y, a)))
                else:
                    dim = None if d >= max(x.ndim, 1) or (x.ndim == 0 and d > 0) else d
                    kw = {} if dim is None else {"dim": dim, "keepdim": keep}
                    out.append(("ran", REDUCE[op](L, x, kw, getattr(L, rdt))))
            except Exception as e:  # noqa: BLE001 (compared below: both refuse, or it's a finding)
                out.append(("refused", e))
        (ws, want), (gs, got) = out
        if ws == "refused":
            if gs == "ran" and not any(m in str(want) for m in TORCH_ONLY_REFUSALS):
                raise AssertionError(f"{what}: torch refused ({want}), teenygrad ran")
            assert _close(_numpy(saved), _numpy(self.slots[i][1]), _name(saved.dtype)), f"{what}: refused, but wrote"
            self.slots[i] = (saved, self.slots[i][1])  # (torch may have written part of it before refusing)
            return
        if gs == "refused":
            raise AssertionError(f"{what}: teenygrad refused ({type(got).__name__}: {got}), torch ran")
        for w, g in ([(want, got)] if want is not None else []) + [self.slots[i]]:
            assert _name(w.dtype) == _name(g.dtype), f"{what}: dtype {g.dtype}, torch {w.dtype}"
            assert tuple(w.shape) == tuple(g.shape), f"{what}: shape {tuple(g.shape)}, torch {tuple(w.shape)}"
            assert _close(_numpy(w), _numpy(g), _name(w.dtype)), f"{what}: {_numpy(g)}, torch {_numpy(w)}"
        t = self.slots[i][0]
        self.slots[i] = (t.clone(), _make(tg, _numpy(t), _name(t.dtype)))
        if want is not None and want.numel() < 50:
            self.slots.append((want.clone(), _make(tg, _numpy(want), _name(want.dtype))))


@pytest.mark.parametrize("block", range(40))
def test_random_mixed_dtype_program_as_torch(block):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow and 0/0 in both libraries, on purpose
        for seed in range(25 * block, 25 * block + 25):
            p = Program(seed)
            for _ in range(12):
                p.step()


# ---- autograd through float16/bfloat16 chains ------------------------------------------------------------------
CHAIN = {
    "add": lambda L, x, y: x + y,
    "mul": lambda L, x, y: x * y,
    "sub": lambda L, x, y: x - y,
    "div": lambda L, x, y: x / (y * y + 1),
    "tanh": lambda L, x, y: x.tanh(),
    "sigmoid": lambda L, x, y: x.sigmoid(),
    "exp": lambda L, x, y: (x * 0.1).exp(),
    "sum": lambda L, x, y: x.sum(-1, keepdim=True),
    "mean": lambda L, x, y: x.mean(0),
    "softmax": lambda L, x, y: x.softmax(-1),
    "matmul": lambda L, x, y: x @ y.mT if x.ndim == 2 and y.ndim == 2 and x.shape[-1] == y.shape[-1] else x * 2,
    "where": lambda L, x, y: L.where(x > 0, x, y * 0.5),
    "clamp": lambda L, x, y: x.clamp(-1, 1),
    "square": lambda L, x, y: x**2,
    "lerp": lambda L, x, y: x.lerp(y, 0.3),
    "addcmul": lambda L, x, y: x.addcmul(y, y, value=0.3),
    "via_float32": lambda L, x, y: (x.float() * 1.5).to(x.dtype),
    "abs": lambda L, x, y: x.abs(),
    "relu": lambda L, x, y: L.relu(x),
    "add_alpha": lambda L, x, y: L.add(x, y, alpha=2),
    "numbers": lambda L, x, y: 3 * x - 1.5,
    "rsub": lambda L, x, y: 1 - x,
    "log_softmax": lambda L, x, y: L.log_softmax(x, -1),
    "amax": lambda L, x, y: x.amax(-1),
    "cumsum": lambda L, x, y: x.cumsum(-1),
    "norm": lambda L, x, y: x.norm(),
    "sqrt": lambda L, x, y: (x * x + 1).sqrt(),
    "gelu": lambda L, x, y: L.nn.functional.gelu(x),
    "sign_mul": lambda L, x, y: x * y.sign(),
    "sum_dtype": lambda L, x, y: x.sum(-1, dtype=L.float32).to(x.dtype),
}


def _chain(L, seed, arrays, dtype):
    r = random.Random(seed)
    leaves = [L.tensor(a).to(getattr(L, dtype)).requires_grad_() for a in arrays]
    vals = list(leaves)
    for _ in range(10):
        x, y = vals[r.randrange(len(vals))], vals[r.randrange(len(vals))]
        op = r.choice(sorted(CHAIN))
        try:
            vals.append(
                CHAIN[op](L, x, y)
                if x.ndim or op not in ("sum", "mean", "softmax", "log_softmax", "amax", "cumsum", "sum_dtype")
                else x * 2
            )
        except RuntimeError:  # shapes that don't broadcast: both libraries refuse
            vals.append(x * 2)
    sum((v.float() * (k + 1)).sum() for k, v in enumerate(vals[-3:])).backward()
    return leaves


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("seed", range(40))
def test_half_precision_chain_gradients_as_torch(seed, dtype):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal([(3,), (2, 3), (3, 3)][seed % 3]).astype(np.float32) for _ in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = _chain(torch, seed, arrays, dtype), _chain(tg, seed, arrays, dtype)
    for w, g in zip(want, got):
        assert (w.grad is None) == (g.grad is None)
        if w.grad is not None:
            assert _name(g.grad.dtype) == dtype
            gw, gg = _numpy(w.grad), _numpy(g.grad)
            # each op rounds to the narrow dtype; backward sums may run in another order: a few ulps, compounded
            np.testing.assert_allclose(gg, gw, rtol=3e-2, atol=3e-2 * max(1, np.abs(gw).max()))


# ---- the findings, directly --------------------------------------------------------------------------------------
def _both(fn):
    out = {}
    for L in (torch, tg):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                y = fn(L)
                out[L] = (_name(y.dtype), tuple(y.shape), _numpy(y).tolist())
            except (RuntimeError, TypeError, NotImplementedError) as e:
                out[L] = ("refused", type(e).__name__)
    return out[tg], out[torch]


ALPHA = {
    "add-bool-bool": lambda L: L.add(L.tensor([True, False]), L.tensor([False, False]), alpha=2),
    "add-bool-number": lambda L: L.add(L.tensor([True, False]), True, alpha=2),
    "add_-bool": lambda L: L.tensor([True, False]).add_(True, alpha=2),
    "add_-bool-float-alpha": lambda L: L.tensor([True, False]).add_(L.tensor([True, True]), alpha=0.3),
    "sub_-number-bool": lambda L: L.tensor([1.0, 2.0]).sub_(True, alpha=2),
    "sub_-int-bool-tensor": lambda L: L.tensor([1, 2]).sub_(L.tensor(False), alpha=2),
    "add_-float32-float16": lambda L: L.tensor([[0.1], [0.2]]).add_(L.tensor(8.67, dtype=L.float16), alpha=1.25),
    "add_-float64-float32": lambda L: L.tensor([0.1], dtype=L.float64).add_(L.tensor([0.3]), alpha=0.3),
    "sub_-float32-bfloat16": lambda L: L.tensor([9.5, 1.0]).sub_(L.tensor([7.1, 2.3]).bfloat16(), alpha=1.25),
}


@pytest.mark.parametrize("case", list(ALPHA))
def test_add_and_sub_with_alpha_as_torch(case):
    """A bool result takes alpha as a bool (it was promoted to int64, or refused in place); a bool operand of sub_
    is refused before alpha scales it; an in-place add_ scales its operand in the promoted dtype, not its own."""
    got, want = _both(ALPHA[case])
    assert got == want


HALF = {
    "lerp-number": lambda L, x, y, z: x.lerp(y, 0.5),
    "lerp-tensor": lambda L, x, y, z: x.lerp(y, z.abs() / 4),
    "lerp_": lambda L, x, y, z: x.clone().lerp_(y, 0.75),
    "addcmul": lambda L, x, y, z: x.addcmul(y, z, value=0.3),
    "addcmul_": lambda L, x, y, z: x.clone().addcmul_(y, z, value=-1.5),
    "addcdiv": lambda L, x, y, z: x.addcdiv(y, z, value=0.3),
    "addcdiv-cancels": lambda L, x, y, z: x.addcdiv(x, L.full_like(x, 1.5), value=-1.5),
    "add-alpha": lambda L, x, y, z: L.add(x, y, alpha=0.3),
    "sub-alpha": lambda L, x, y, z: L.sub(x, y, alpha=1.25),
    "add_-alpha": lambda L, x, y, z: x.clone().add_(y, alpha=-1.5),
    "round-decimals": lambda L, x, y, z: (x * 10).round(decimals=1),
    "round-decimals-2": lambda L, x, y, z: x.round(decimals=2),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", list(HALF))
def test_fused_half_precision_ops_round_once_as_torch(case, dtype):
    """torch computes these in float32 and rounds once (add/sub's alpha rounded to the dtype first); teenygrad
    rounded each step to the narrow dtype: several ulps off, and x - 1.5 * (x / 1.5) was not 0. (1024 elements:
    torch's vectorized loop, which its scalar tail of small tensors doesn't always match for add with alpha.)"""
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(1024).astype(np.float32) * 3 for _ in range(3))
    out = {}
    for L in (torch, tg):
        x, y, z = (_make(L, v, dtype) for v in (a, b, c))
        r = HALF[case](L, x, y, z)
        out[L] = _name(r.dtype), _numpy(r)
    assert out[tg][0] == out[torch][0] == dtype
    mismatched = np.count_nonzero(out[tg][1] != out[torch][1])
    assert mismatched <= 4, f"{mismatched} of 1024 differ"  # (torch's fused multiply-add: a rare last bit)


BF16_NAN = {
    "sign": lambda L, x: x.sign(),
    "sgn": lambda L, x: x.sgn(),
    "isposinf": lambda L, x: x.isposinf(),
    "isneginf": lambda L, x: x.isneginf(),
    "cummax": lambda L, x: x.cummax(1)[0],
    "cummin": lambda L, x: x.cummin(1).values,
    "cummax-indices": lambda L, x: x.cummax(1).indices,
    "nanmedian": lambda L, x: x.nanmedian(),
    "unique": lambda L, x: L.unique(x),
    "unique-inverse": lambda L, x: L.unique(x, return_inverse=True)[1],
}


@pytest.mark.parametrize("case", list(BF16_NAN))
def test_bfloat16_nan_as_torch(case):
    """bfloat16's numpy kind is 'V', not 'f': the NaN handling keyed on kind 'f' skipped it (sign kept NaN,
    isposinf / isneginf were True at NaN, cummax let a later value replace a NaN, nanmedian counted the NaNs, unique
    left them unsorted)."""
    nan, inf = float("nan"), float("inf")
    vals = [[1.0, nan, 3.0, 0.0, inf, 2.0], [nan, 2.0, -inf, nan, 5.0, -0.0]]
    got, want = _both(lambda L: BF16_NAN[case](L, L.tensor(vals).to(L.bfloat16)))
    assert got[:2] == want[:2]
    np.testing.assert_array_equal(np.array(got[2], dtype=np.float64), np.array(want[2], dtype=np.float64))


def test_bfloat16_abs_gradient_at_nan_is_zero():
    out = {}
    for L in (torch, tg):
        x = L.tensor([float("nan"), -2.0, 0.0, 3.0]).to(L.bfloat16).requires_grad_()
        x.abs().sum().backward()
        out[L] = _numpy(x.grad).tolist()
    assert out[tg] == out[torch] == [0.0, -1.0, 0.0, 1.0]


REDUCE_DTYPE = {
    "sum": lambda L, x: x.sum(dtype=L.bfloat16),
    "sum-dim": lambda L, x: x.sum(1, dtype=L.bfloat16),
    "mean-bfloat16": lambda L, x: x.mean(dtype=L.bfloat16),
    "mean-dim-bfloat16": lambda L, x: x.mean(0, dtype=L.bfloat16),
    "mean-float16": lambda L, x: x.mean(dtype=L.float16),
    "mean-float64-to-float16": lambda L, x: x.double().mean(dtype=L.float16),
    "mean-int-to-bfloat16": lambda L, x: (x * 10).long().mean(dtype=L.bfloat16),
    "nansum": lambda L, x: x.nansum(dtype=L.bfloat16),
}


@pytest.mark.parametrize("case", list(REDUCE_DTYPE))
def test_reductions_into_half_precision_dtypes_as_torch(case):
    """sum(dtype=bfloat16) and nansum summed in bfloat16 itself (numpy's loop; torch accumulates in float32); mean with
    a float16/bfloat16 dtype= is torch's float32 mean of the input, rounded once, not the mean of the input cast."""
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((50, 300)) * 3).astype(np.float32)
    got, want = _both(lambda L: REDUCE_DTYPE[case](L, L.tensor(a)))
    assert got == want


FILL = {
    "int8-float": lambda L: L.zeros(3, dtype=L.int8).fill_(L.tensor(200.5)),
    "int8-int": lambda L: L.zeros(3, dtype=L.int8).fill_(L.tensor(1000)),
    "uint8-negative": lambda L: L.zeros(3, dtype=L.uint8).fill_(L.tensor(-3.5)),
    "int32-float64": lambda L: L.zeros(3, dtype=L.int32).fill_(L.tensor(3e9, dtype=L.float64)),
    "float16-overflow": lambda L: L.zeros(3, dtype=L.float16).fill_(L.tensor(1e6)),
    "graph-int8": lambda L: (L.zeros(3, dtype=L.int8) * 1).fill_(L.tensor(300)),
}


@pytest.mark.parametrize("case", list(FILL))
def test_fill_with_a_0d_tensor_casts_as_copy(case):
    """numpy's OverflowError leaked out of fill_ with a tensor value out of an integer dtype's range; torch wraps
    it as copy_ does (a Python number out of range stays refused, as torch)."""
    got, want = _both(FILL[case])
    assert got == want


EINSUM = {
    "dot-size-1": lambda L: L.einsum("i,i->", L.tensor([3], dtype=L.int8), L.tensor([5], dtype=L.int8)),
    "outer-k-1": lambda L: L.einsum("ij,jk->ik", L.ones(2, 1, dtype=L.int8), L.ones(1, 3, dtype=L.int8)),
    "mixed-k-1": lambda L: L.einsum("ij,jk->ik", L.ones(2, 1, dtype=L.int8), L.ones(1, 3, dtype=L.int32)),
    "bool-size-1": lambda L: L.einsum("i,i->", L.ones(1, dtype=L.bool), L.ones(1, dtype=L.bool)),
    "sum-out-size-1": lambda L: L.einsum("i,j->j", L.ones(1, dtype=L.uint8), L.ones(3, dtype=L.uint8)),
    "three-size-1": lambda L: L.einsum("j,j,j->", *[L.tensor([2], dtype=L.int32)] * 3),
    "sums-alone": lambda L: L.einsum("i,j->", L.ones(1, dtype=L.int8), L.ones(3, dtype=L.int8)),
    "one-operand-size-1": lambda L: L.einsum("i->", L.ones(1, dtype=L.int8)),
}


@pytest.mark.parametrize("case", list(EINSUM))
def test_einsum_over_size_1_dims_keeps_integer_dtypes_as_torch(case):
    """Between operands, torch squeezes a summed dim of size 1 away (no sum, no int64): teenygrad gave int64."""
    got, want = _both(EINSUM[case])
    assert got == want


HALF_GRAD = {
    "tanh": lambda L, x, w: x.tanh(),
    "sigmoid": lambda L, x, w: x.sigmoid(),
    "layer_norm": lambda L, x, w: L.nn.functional.layer_norm(x, (50,)),
    "layer_norm-affine": lambda L, x, w: L.nn.functional.layer_norm(x, (50,), w, w * 0.5),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", list(HALF_GRAD))
def test_half_precision_forward_and_backward_round_as_torch(case, dtype):
    """layer_norm normalised float16/bfloat16 in the narrow dtype (torch: float32 inside, rounded once; thousands of
    ulps off near 0); tanh's and bfloat16 sigmoid's backward rounded each step (torch: in float32), float16
    sigmoid's rounded in another order than torch's g (1 - z) z."""
    rng = np.random.default_rng(0)
    a, g = (rng.standard_normal((64, 50)) * 2).astype(np.float32), rng.standard_normal((64, 50)).astype(np.float32)
    w = np.linspace(0.5, 1.5, 50).astype(np.float32)
    out = {}
    for L in (torch, tg):
        x, wt = _make(L, a, dtype).requires_grad_(), _make(L, w, dtype).requires_grad_()
        y = HALF_GRAD[case](L, x, wt)
        y.backward(_make(L, g, dtype))
        out[L] = [_numpy(y.detach()), _numpy(x.grad)] + ([_numpy(wt.grad)] if wt.grad is not None else [])
        assert _name(x.grad.dtype) == dtype
    if "layer_norm" in case:  # (its float32 statistics, summed in another order: a last bit, rarely)
        assert _close(out[tg][0], out[torch][0], dtype)
    else:
        np.testing.assert_array_equal(out[tg][0], out[torch][0])
    for got, want in zip(out[tg][1:], out[torch][1:]):  # layer_norm's backward: float32 sums in another order
        tol = 0 if "layer_norm" not in case else (2.0**-7 if dtype == "bfloat16" else 2.0**-10) * np.abs(want).max()
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)


BF16_SUMS = {
    "expand-backward": lambda L: _grad(L, L.ones(1).bfloat16(), lambda w: w.expand(1000).sum()),
    "bias-backward": lambda L: _grad(L, L.zeros(3).bfloat16(), lambda b: (L.ones(600, 3).bfloat16() + b).sum()),
    "broadcast-mul-backward": lambda L: _grad(
        L, L.ones(1000, 1).bfloat16(), lambda x: (x * L.ones(1000, 1000).bfloat16()).sum()
    ),
    "gather-backward": lambda L: _grad(
        L, L.ones(4, 3).bfloat16(), lambda w: w.gather(0, L.zeros(1000, 3, dtype=L.long)).sum()
    ),
    "take_along_dim-backward": lambda L: _grad(
        L, L.ones(4).bfloat16(), lambda w: w.take_along_dim(L.zeros(700, dtype=L.long)).sum()
    ),
    "scatter_add": lambda L: L.zeros(2).bfloat16().scatter_add(0, L.zeros(1000, dtype=L.long), L.ones(1000).bfloat16()),
    "scatter_add_": lambda L: L.zeros(2, 3)
    .bfloat16()
    .scatter_add_(0, L.zeros(900, 3, dtype=L.long), L.ones(900, 3).bfloat16()),
    "scatter_reduce-sum": lambda L: L.zeros(2)
    .bfloat16()
    .scatter_reduce(0, L.zeros(1000, dtype=L.long), L.ones(1000).bfloat16(), "sum"),
}


def _grad(L, leaf, fn):
    leaf.requires_grad_()
    fn(leaf).backward()
    return leaf.grad


@pytest.mark.parametrize("case", list(BF16_SUMS))
def test_bfloat16_sums_in_gradients_and_scatters_accumulate_in_float32(case):
    """numpy sums bfloat16 in bfloat16 (ml_dtypes' loop), where a running sum of ones stalls at 256: a bfloat16 bias
    broadcast over 600 rows got the gradient 256 for 600, silently; gather's backward and scatter_add the same.
    torch accumulates these in float32."""
    got, want = _both(BF16_SUMS[case])
    assert got == want


BF16_LOSSES = {
    "cross_entropy-mean": lambda L, z, t: L.nn.functional.cross_entropy(z, t),
    "cross_entropy-sum": lambda L, z, t: L.nn.functional.cross_entropy(z, t, reduction="sum"),
    "cross_entropy-probabilities": lambda L, z, t: L.nn.functional.cross_entropy(z, (z.detach() * 0).softmax(1)),
    "cross_entropy-weight-smoothing": lambda L, z, t: L.nn.functional.cross_entropy(
        z, t, weight=L.ones(5).bfloat16(), label_smoothing=0.1
    ),
    "group_norm": lambda L, z, t: (
        L.nn.functional.group_norm(z.reshape(1, 3, 1000) * 100, 1)
        * L.linspace(-1, 1, 3000).bfloat16().reshape(1, 3, 1000)
    ).sum(),
}


@pytest.mark.parametrize("case", list(BF16_LOSSES))
def test_bfloat16_cross_entropy_and_group_norm_as_torch(case):
    """A bfloat16 cross_entropy over 3000 rows summed its losses in bfloat16 (numpy's loop): mean 2.0 for 1.61, sum
    512 for 4832; group_norm's statistics the same. torch computes them in float32."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3000, 5)).astype(np.float32)
    out = {}
    for L in (torch, tg):
        z = L.tensor(a[:, :5] if "group" not in case else a[:600]).bfloat16().requires_grad_()
        y = BF16_LOSSES[case](L, z, L.zeros(len(z), dtype=L.long))
        y.backward()
        out[L] = _name(y.dtype), float(y.detach()), _numpy(z.grad), _name(z.grad.dtype)
    assert out[tg][0] == out[torch][0] == "bfloat16" and out[tg][3] == "bfloat16"
    assert out[tg][1] == pytest.approx(out[torch][1], rel=2**-7)  # torch rounds the log-softmax first: an ulp
    np.testing.assert_allclose(out[tg][2], out[torch][2], rtol=2**-6, atol=2**-7 * np.abs(out[torch][2]).max())


BF16_WINDOWS = {
    "avg_pool1d": lambda L, x: L.nn.functional.avg_pool1d(x, 1000),
    "avg_pool2d": lambda L, x: L.nn.functional.avg_pool2d(x.reshape(1, 2, 3, 1000), (3, 100)),
    "logcumsumexp": lambda L, x: x.logcumsumexp(2),
    "embedding_bag-sum": lambda L, x: L.nn.functional.embedding_bag(
        L.zeros(1000, dtype=L.long), x.reshape(-1, 2)[:2], L.tensor([0]), mode="sum"
    ),
    "embedding_bag-mean": lambda L, x: L.nn.functional.embedding_bag(
        L.arange(900).reshape(3, 300) % 2, x.reshape(-1, 2)[:2], mode="mean"
    ),
}


@pytest.mark.parametrize("case", list(BF16_WINDOWS))
def test_bfloat16_windows_and_bags_sum_in_float32(case):
    """avg_pool over 1000 bfloat16 values, logcumsumexp and embedding_bag's sums ran in bfloat16 (numpy's loop),
    where a running sum stalls: avg_pool1d of ones read 0.256, an embedding_bag of 1000 ones 256. torch: float32."""
    a = np.random.default_rng(0).standard_normal((2, 3, 1000)).astype(np.float32) + 1
    got, want = _both(lambda L: BF16_WINDOWS[case](L, L.tensor(a).bfloat16()))
    assert got[:2] == want[:2]
    assert _close(np.array(got[2]), np.array(want[2]), "bfloat16")


@pytest.mark.parametrize("shape", [(600, 3), (8, 3, 50), (4, 3, 10, 10)])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_batch_norm_training_in_float32_as_torch(dtype, shape):
    """bfloat16 batch norm in training summed its statistics in bfloat16 (numpy's loop: a sum of ones stalls at 256),
    2-12% off torch in its output, gradients and running variance; now float32 throughout, rounded once."""
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal(shape) * 2 + 1.5).astype(np.float32)
    g0 = rng.standard_normal(shape).astype(np.float32)
    res = {}
    for L in (torch, tg):
        m = (L.nn.BatchNorm2d if len(shape) == 4 else L.nn.BatchNorm1d)(3).to(getattr(L, dtype))
        with L.no_grad():
            m.weight.copy_(L.tensor([1.0, 2.0, 0.5]))
            m.bias.copy_(L.tensor([0.1, -0.2, 0.3]))
        x = L.tensor(x0).to(getattr(L, dtype)).requires_grad_(True)
        y = m(x)
        (y.float() * L.tensor(g0)).sum().backward()
        res[L] = [t.detach().float().numpy() for t in (y, x.grad, m.weight.grad, m.bias.grad, m.running_mean,
                                                         m.running_var)]
        assert y.dtype == getattr(L, dtype) and m.running_var.dtype == getattr(L, dtype)
    ulp = 2.0 ** -7 if dtype == "bfloat16" else 2.0 ** -10
    for got, want in zip(res[tg], res[torch]):
        assert np.abs(got - want).max() <= ulp * (1 + np.abs(want).max())
