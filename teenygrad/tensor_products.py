"""Tensor methods for products (matmul, mm, bmm, dot, einsum, outer). Each checks its arguments, naming the op and
the shapes, and applies one Function from teenygrad.ops.matmul."""
import numpy as np
from . import dtype as dt
from .ops import matmul as MM
from .tensor import Tensor, _check_same_device
from .tensor_ops import _method


# ---- products ---------------------------------------------------------------------------------------
@_method
def matmul(self, other):
    if not isinstance(other, Tensor):
        other = Tensor._from_data(other)
    a, b = self._data, other._data  # the checks read the arrays directly: Tensor properties cost a call each
    if type(a) is not type(b):
        _check_same_device(self, other, "matmul")
    an, bn = a.ndim, b.ndim
    if an == 0 or bn == 0:
        raise RuntimeError(f"matmul: both arguments need to be at least 1D, got shapes {a.shape} and {b.shape}")
    ad = a.dtype
    if ad is not b.dtype and ad != b.dtype:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, got {a.dtype} and {b.dtype}")
    k1 = a.shape[-1]
    k2 = b.shape[-2] if bn > 1 else b.shape[0]
    if k1 != k2:
        raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied ({k1} != {k2})")
    try:
        if an > 2 and bn > 2:  # otherwise one side has no batch dims: nothing to check
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise RuntimeError(f"matmul: batch dims of {a.shape} and {b.shape} can't be broadcast") from None
    if ad.itemsize < 4:  # one test on the hot path for the rare small kinds
        if ad.kind == "b":  # numpy would give the logical (or, and) product; torch refuses
            raise NotImplementedError(f"matmul: not implemented for bool tensors (shapes {a.shape} and {b.shape})")
        if ad.kind == "V" or (ad.kind == "f" and type(a) is np.ndarray):  # bfloat16; float16 on the CPU
            # numpy has no BLAS GEMM for them (float16's is ~300x slower): accumulate in float32 and round once, as
            # torch's CPU half GEMM does (the backward goes the same way). The GPU has float16 GEMMs of its own.
            return self.float().matmul(other.float())._cast(self.dtype)
    return MM.Matmul.apply(self, other)


Tensor.__matmul__ = matmul  # x @ y: one Python call fewer than Tensor.__matmul__ calling self.matmul


@_method
def mm(self, mat2):
    if self.ndim != 2 or getattr(mat2, "ndim", None) != 2:
        raise RuntimeError(f"mm: expects two 2-D tensors, got shapes {self.shape} and {getattr(mat2, 'shape', None)}")
    return self.matmul(mat2)


@_method
def bmm(self, mat2):
    if self.ndim != 3 or getattr(mat2, "ndim", None) != 3 or self.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: expects two 3-D tensors with the same batch size, got shapes {self.shape} "
                           f"and {getattr(mat2, 'shape', None)}")
    out = self.matmul(mat2)
    if out.grad_fn is not None:
        out.grad_fn.torch_name = "BmmBackward0"  # 3-D @ reads UnsafeViewBackward0, as in torch
    return out


@_method
def dot(self, tensor):
    if self.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {self.ndim}D and {tensor.ndim}D tensors")
    return self.matmul(tensor)


def _sublist_equation(args):
    """torch.einsum(op0, sublist0, op1, sublist1, ..., [sublist_out]): integer subscripts (0-51, or Ellipsis) as
    the equation string and operands of the usual form."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # torch's order: the implicit output sorts by it

    def sub(lst, where):
        if not isinstance(lst, (list, tuple)):
            raise TypeError(f"einsum: expected a list of subscripts after {where}, got {type(lst).__name__}")
        out = []
        for i in lst:
            if i is Ellipsis:
                out.append("...")
            elif hasattr(i, "__index__") and not isinstance(i, (bool, np.bool_)) and 0 <= int(i) < len(letters):
                out.append(letters[int(i)])
            else:
                raise ValueError(f"einsum: subscript in subscript list is not within the valid range [0, 52), "
                                 f"got {i!r}")
        return "".join(out)
    pairs, rest = len(args) // 2, len(args) % 2
    operands = args[0:2 * pairs:2]
    eq = ",".join(sub(args[2 * i + 1], f"operand {i}") for i in range(pairs))
    if rest:
        eq += "->" + sub(args[-1], "the operands (the output's)")
    return eq, operands


def einsum(equation, *operands):
    if not isinstance(equation, str):  # the sublist form: einsum(a, [0, 1], b, [1, 2], [0, 2])
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    ins = ins.split(",")
    if len(ins) != len(operands):
        raise RuntimeError(f"einsum: equation {equation!r} names {len(ins)} operands, got {len(operands)}")
    for k, c in enumerate(eq):
        if not (c.isascii() and c.isalpha()) and c not in ",.->":
            raise RuntimeError(f"einsum: invalid subscript {c!r} at index {k} of the equation {equation!r}, subscripts "
                               f"must be in [a-zA-Z]")
    ins, ell = _expand_ellipsis(ins, operands, equation)
    for sub, t in zip(ins, operands):
        if len(sub) != t.ndim or not (sub.isalpha() or sub == ""):  # "" is a 0-d operand's
            raise RuntimeError(f"einsum: subscript {sub!r} doesn't match the operand of shape {t.shape} "
                             f"(equation {equation!r})")
    _check_sizes(ins, operands, ell, equation)
    if not arrow:
        letters = [c for c in "".join(ins) if c not in ell]  # ellipses of any length: the broadcast dims go first
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    out = out.replace("...", ell)
    rt = operands[0].dtype
    for t in operands[1:]:
        if t.dtype != operands[0].dtype and _contracts_across(ins, operands, out):
            # torch multiplies when nothing is summed (promoting), but sums products with bmm, which won't mix
            raise RuntimeError(f"einsum: expected operands of one dtype for the contraction {equation!r}, got "
                               f"{operands[0].dtype} and {t.dtype}")
        rt = dt.result_type(rt, 1, t.dtype, 1)
    if rt.kind in "biu" and _sums(ins, operands, out):
        if not _contracts_across(ins, operands, out):  # torch sums with sum alone: bool and integers -> int64
            rt = dt.int64
        elif rt.kind == "b" and all(t.numel() for t in operands):  # numpy would use (or, and); torch refuses
            # (but for an empty operand, which gives torch's zeros: False)
            raise NotImplementedError(f"einsum: contractions of bool tensors are not implemented ({equation!r})")
    if rt.kind == "V" or (rt == dt.float16 and type(operands[0]._data) is np.ndarray):
        # bfloat16 has no numpy einsum loop, and numpy's float16 no BLAS: torch accumulates these in float32 anyway
        return MM.Einsum.apply(*[t._cast(dt.float32) for t in operands], ins=tuple(ins), out=out)._cast(rt)
    return MM.Einsum.apply(*[t._cast(rt) for t in operands], ins=tuple(ins), out=out)


@_method
def outer(self, vec2):
    if self.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expects 1-D tensors, got shapes {self.shape} and {vec2.shape}")
    return self.unsqueeze(1) * vec2.unsqueeze(0)


Tensor.ger = Tensor.outer


def _check_sizes(ins, operands, ell, equation):
    """A letter has one size across the operands, or 1 where it broadcasts (torch checks this before dtypes)."""
    seen = {}
    for k, (sub, t) in enumerate(zip(ins, operands)):
        mine = {}
        for c, n in zip(sub, t.shape):
            name = "an ellipsis dim" if c in ell else f"subscript {c}"
            if mine.setdefault(c, n) != n:
                raise RuntimeError(f"einsum: {name} is repeated for operand {k} but the sizes don't match, "
                                   f"{mine[c]} != {n} (equation {equation!r})")
            m = seen.setdefault(c, n)
            if m == 1:
                seen[c] = n
            elif n not in (1, m):
                raise RuntimeError(f"einsum: {name} has size {n} for operand {k} which does not broadcast with "
                                   f"previously seen size {m} (equation {equation!r})")


def _sums(ins, operands, out):
    """Whether something is summed over. (Between several operands torch squeezes a summed dim of size 1 away: only
    the larger ones are sums, which turn bool and integers into int64 or go to bmm.)"""
    if len(operands) == 1:
        return bool(set(ins[0]) - set(out))
    return any(n != 1 and c not in out for sub, t in zip(ins, operands) for c, n in zip(sub, t.shape))


def _contracts_across(ins, operands, out):
    """Whether a letter left out of the output spans more than one operand (at a size other than 1): a sum of
    products, not a product of sums."""
    seen = {}
    for sub, t in zip(ins, operands):
        for c in set(c for c, n in zip(sub, t.shape) if n != 1 and c not in out):
            seen[c] = seen.get(c, 0) + 1
    return any(k > 1 for k in seen.values())


def _expand_ellipsis(ins, operands, equation):
    """'...' -> explicit capital letters for the broadcast dims (aligned from the right, as numpy does)."""
    if not any("..." in sub for sub in ins):
        return ins, ""
    counts = [t.ndim - (len(sub) - 3) if "..." in sub else 0 for sub, t in zip(ins, operands)]
    if min(counts) < 0:
        raise RuntimeError(f"einsum: an operand has fewer dims than the subscripts of {equation!r} name")
    spare = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation)[:max(counts)]
    return [sub.replace("...", spare[len(spare) - k:]) for sub, k in zip(ins, counts)], spare
