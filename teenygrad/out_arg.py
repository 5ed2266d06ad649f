"""torch's out= keyword on the top-level functions (torch.add(a, b, out=c)): the result is computed as without out,
then written into out (resized if its shape differs, cast if torch allows), and out itself is returned. Functions
with several results (torch.max(x, 0), sort, topk, ...) take a tuple of tensors. Under grad mode torch refuses out=
when any argument requires grad: the write would not be differentiable."""
import warnings

import numpy as np

from .tensor import Tensor
from .autograd import is_grad_enabled, no_grad

# the top-level names whose torch 2.13 function takes out= (from its signatures; tests/test_out16.py re-derives it).
# Written as one string, split: a set literal of 266 names costs 0.2 ms to compile where no .pyc is kept
OUT_NAMES = set("""
    abs absolute acos acosh add addbmm addcdiv addcmul addmm addmv addr alias_copy all amax amin aminmax angle any
    arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin argsort as_strided_copy asin asinh
    atan atan2 atanh baddbmm bernoulli bitwise_and bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift
    bitwise_xor bmm bucketize cat ceil chain_matmul cholesky cholesky_inverse cholesky_solve clamp clamp_max
    clamp_min clip column_stack complex concat concatenate conj_physical copysign cos cosh cross cummax cummin
    cumprod cumsum deg2rad detach_copy diag diagonal_copy diff digamma div divide dot dstack empty eq erf erfc
    erfinv exp exp2 expand_copy expm1 eye fix float_power floor floor_divide fmax fmin fmod frac frexp
    frobenius_norm full gather gcd ge geqrf ger greater greater_equal gt hardshrink heaviside histc histogram hstack hypot
    i0 igamma igammac index_add index_copy index_reduce index_select inner inverse isin isneginf isposinf kron
    kthvalue lcm ldexp le lerp less less_equal lgamma linspace log log10 log1p log2 log_softmax logaddexp logaddexp2
    logcumsumexp logical_and logical_not logical_or logical_xor logit logspace logsumexp lstsq lt lu_solve lu_unpack
    masked_select matmul matrix_power matrix_rank max maximum mean median min minimum mm mode msort mul multinomial
    multiply mv mvlgamma nan_to_num nanmean nanmedian nanquantile nansum narrow_copy native_batch_norm ne neg
    negative nextafter nonzero nonzero_static norm normal not_equal nuclear_norm ones orgqr ormqr outer permute_copy polar
    polygamma pow prod qr quantile rad2deg rand randint randn randperm range reciprocal remainder renorm round
    row_stack rsqrt scatter scatter_add scatter_reduce searchsorted select_copy sgn sigmoid sign signbit sin sinc
    sinh slice_copy slice_scatter slogdet softmax solve sort split_copy split_with_sizes_copy sqrt square
    squeeze_copy stack std sub subtract sum svd symeig t_copy take take_along_dim tan tanh tensordot threshold topk
    transpose_copy triangular_solve tril triu true_divide trunc unbind_copy unfold_copy unsqueeze_copy var vdot
    view_as_complex_copy view_as_real_copy view_copy vstack where xlogy zeros
""".split())

# torch.linalg's and torch.special's functions that take out= (probed in torch 2.13: tests/test_out16.py); their rules
# below are keyed "linalg.<name>" / "special.<name>", apart from the top level's
LINALG_OUT = set("""
    cholesky cholesky_ex cond cross det eig eigh eigvals eigvalsh householder_product inv inv_ex lstsq lu lu_factor
    lu_factor_ex lu_solve matmul matrix_norm matrix_power matrix_rank multi_dot norm pinv qr slogdet solve solve_ex
    solve_triangular svd svdvals tensorinv tensorsolve vecdot vector_norm
""".split())
SPECIAL_OUT = set("""
    airy_ai bessel_j0 bessel_j1 bessel_y0 bessel_y1 chebyshev_polynomial_t chebyshev_polynomial_u
    chebyshev_polynomial_v chebyshev_polynomial_w digamma entr erf erfc erfcx erfinv exp2 expit expm1 gammainc
    gammaincc gammaln hermite_polynomial_h hermite_polynomial_he i0 i0e i1 i1e laguerre_polynomial_l
    legendre_polynomial_p log1p log_ndtr logit logsumexp modified_bessel_i0 modified_bessel_i1 modified_bessel_k0
    modified_bessel_k1 multigammaln ndtr ndtri polygamma psi round scaled_modified_bessel_k0 scaled_modified_bessel_k1
    shifted_chebyshev_polynomial_t shifted_chebyshev_polynomial_u shifted_chebyshev_polynomial_v
    shifted_chebyshev_polynomial_w sinc spherical_bessel_j0 xlog1py xlogy zeta
""".split())
# linalg composites that compute, then copy into out where the cast is safe (every result of a tuple)
_SAFE_CASTS = {"linalg." + n for n in ("cond", "eig", "eigvals", "householder_product", "lstsq", "matrix_rank", "pinv",
                                       "tensorinv", "tensorsolve")}

# torch's TensorIterator ops (elementwise, comparisons, most reductions, cat): the result is cast into out's dtype
# where can_cast allows. Every other op wants out in the result's dtype exactly (mm, softmax, sort, argmax, ...)
_CASTS = set("""
    acos acosh add addcdiv addcmul addr angle arccos arccosh arcsin arcsinh arctan arctan2 arctanh asin asinh atan atan2
    atanh bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor cat chain_matmul cholesky
    cholesky_inverse cholesky_solve column_stack concat concatenate copysign cos cosh cumprod cumsum deg2rad diff
    digamma div divide dstack eq erf erfc erfinv exp exp2 expm1 floor_divide fmax fmin fmod gcd ge ger greater
    greater_equal gt hstack hypot i0 igamma igammac kron lcm ldexp le less less_equal lgamma log log10 log1p log2
    lerp logaddexp logaddexp2 logical_and logical_not logical_or logical_xor logit logsumexp lt max maximum
    mean min minimum mul multiply mvlgamma nanmean nansum ne nextafter not_equal orgqr outer polygamma pow prod
    rad2deg reciprocal remainder row_stack rsqrt sigmoid sin sinc sinh sqrt square stack std sub subtract sum tan
    tanh threshold true_divide var vstack xlogy
""".split())
_JOINS = {'cat', 'concat', 'concatenate', 'stack', 'hstack', 'vstack', 'dstack', 'column_stack', 'row_stack'}
# unary ops whose out must match, with torch's other wording
_FOUND = {'abs', 'absolute', 'bitwise_not', 'ceil', 'floor', 'round', 'trunc', 'fix', 'frac', 'neg', 'negative',
          'sign', 'sgn', 'conj_physical', 'hardshrink', 'clamp', 'clamp_min', 'clamp_max', 'clip', 'special.round'}
_CLAMPS = {'clamp', 'clamp_min', 'clamp_max', 'clip'}
# torch's own exceptions to its refusals, probed in torch 2.13 (tests/test_out_fuzz16.py finds them again): with an
# input that requires grad, its non-differentiable ops and its composites (whose out then takes the graph) write out
# all the same; histc, split_copy, split_with_sizes_copy and torch.special's Bessel functions and polynomials have
# no autograd kernel: they write below it, into an out that requires grad too
_NO_INPUT_GRAD_CHECK = set("""
    all any argmax argmin eq ne lt le gt ge greater greater_equal less less_equal not_equal logical_and logical_not
    logical_or logical_xor isneginf isposinf signbit floor_divide heaviside bucketize searchsorted nonzero
    alias_copy detach_copy t_copy diagonal_copy expand_copy permute_copy select_copy slice_copy squeeze_copy
    transpose_copy unsqueeze_copy view_copy as_strided_copy unfold_copy view_as_real_copy view_as_complex_copy
    unbind_copy slice_scatter conj_physical diag inner tensordot softmax log_softmax
    quantile nanquantile nuclear_norm linalg.norm linalg.matrix_norm linalg.matrix_rank linalg.cond linalg.tensorinv
    linalg.tensorsolve linalg.eigvals special.ndtr
""".split())
_NO_AUTOGRAD = {"histc", "split_copy", "split_with_sizes_copy"} | {"special." + n for n in """
    airy_ai bessel_j0 bessel_j1 bessel_y0 bessel_y1 modified_bessel_i0 modified_bessel_i1 modified_bessel_k0
    modified_bessel_k1 scaled_modified_bessel_k0 scaled_modified_bessel_k1 spherical_bessel_j0 chebyshev_polynomial_t
    chebyshev_polynomial_u chebyshev_polynomial_v chebyshev_polynomial_w shifted_chebyshev_polynomial_t
    shifted_chebyshev_polynomial_u shifted_chebyshev_polynomial_v shifted_chebyshev_polynomial_w hermite_polynomial_h
    hermite_polynomial_he laguerre_polynomial_l legendre_polynomial_p
""".split()}
# partial overlap of out and an input: refused by torch's TensorIterator (elementwise ops, cat, cumsum) only; its
# reductions, matrix products and the composites below write regardless (the add*mm family checks self alone)
_NO_OVERLAP_CHECK = set("""
    amax amin logsumexp mean nanmean nansum norm prod std sum var special.logsumexp softmax log_softmax tril triu
    alias_copy detach_copy permute_copy slice_copy squeeze_copy transpose_copy view_copy inverse linalg.inv mm matmul
    linalg.matmul bmm mv dot vdot inner argsort bucketize threshold
    mvlgamma special.multigammaln special.ndtr linalg.cholesky linalg.tensorinv slice_scatter cholesky
    cholesky_inverse cholesky_solve orgqr linalg.householder_product
""".split())
# out= an input itself (not a view of it): fine for elementwise ops, refused by these as by a partial overlap
_ALIAS_REFUSED = _JOINS | {'cross', 'linalg.cross', 'gather', 'index_select', 'masked_select', 'take_along_dim', 'kron'}
_SELF_OVERLAP_ONLY = {'addmm', 'addmv', 'addr', 'baddbmm', 'addbmm'}
_SILENT_RESIZE = {'addbmm', 'narrow_copy'}  # resizes out without the warning
_RANGES = {'arange', 'range', 'linspace', 'logspace'}
_LIST_OUT = {'split_copy', 'split_with_sizes_copy', 'unbind_copy'}  # torch returns None for these
_COPY_OUT = {'split_copy'}  # out[i].copy_(piece): broadcast, any dtype, never resized
_IN_OUT_DTYPE = {'sum', 'prod', 'nansum', 'cumsum', 'cumprod'}  # these reduce in out's dtype
_NEEDS_DIM = {'sum', 'prod', 'median', 'nanmedian'}  # torch.sum(x, out=o) has no out= overload
_BOOL_OUT = {'signbit', 'isposinf', 'isneginf'}
# factories: the values are made in out's dtype (torch.arange(5, out=float_tensor) counts in float)
FACTORIES = {'zeros', 'ones', 'empty', 'full', 'arange', 'range', 'linspace', 'logspace', 'eye', 'rand', 'randn',
             'randint', 'randperm'}

_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
         "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
         "complex128": "ComplexDouble"}
_CTYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
          "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _t(d):  # torch's ScalarType name: Float, Long, ...
    return _TYPE.get(d.name, d.name)


def _c(d):  # its C type: float, long int, ...
    return _CTYPE.get(d.name, d.name)


def _can_cast(src, dst):
    """torch.can_cast: no complex -> real, no floating -> integral, nothing but bool -> bool."""
    s, d = src.kind, dst.kind
    return not ((s == "c" and d != "c") or (s == "f" and d in "iub") or (s != "b" and d == "b"))


def _tensors(args, kwargs):
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (t for t in a if isinstance(t, Tensor))


def _check_grad(name, out, args, kwargs):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    checked = () if name in _NO_INPUT_GRAD_CHECK or _copies(name, args, kwargs) else _tensors(args, kwargs)
    if is_grad_enabled() and name not in _NO_AUTOGRAD and any(t.requires_grad for t in (*checked, *_tensors(outs, {}))):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def _check_out(name, out, args, kwargs):
    _check_grad(name, out, args, kwargs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if name in _NO_OVERLAP_CHECK or name in ("matrix_power", "linalg.matrix_power", "chain_matmul") and not (
            len(args) == 1 if name == "chain_matmul" else _power(args, kwargs) == 1):
        return  # those multiply into out unchecked; matrix_power(x, 1) is x copied, which checks
    from .tensor_inplace import _overlaps, _same_data
    inputs = list(_tensors(args[:1] if name in _SELF_OVERLAP_ONLY else args, kwargs))
    for o in _tensors(outs, {}):
        for t in inputs:  # torch.add(x, 1, out=x) is fine, out=x.t() is not; cat refuses out=x too (empty or not,
            # but for a 1-d empty input, which cat skips)
            if t is o and (name in _JOINS and t.shape != (0,) or name in _ALIAS_REFUSED and t.numel()) or \
                    o.numel() and t.numel() and _overlaps(o, t) and (name in _ALIAS_REFUSED or
                                                                     not _same_data(o._data, t._data)):
                raise RuntimeError(f"{name}(): unsupported operation: some elements of the input tensor and the "
                                   "written-to tensor refer to a single memory location. Please clone() the tensor "
                                   "before performing the operation.")


def _copies(name, args, kwargs):
    """matrix_power with n = 0 or 1 and chain_matmul of one matrix: torch copies into out (it multiplies into out
    otherwise), with a cast and without autograd's refusal."""
    if name in ("matrix_power", "linalg.matrix_power"):
        return _power(args, kwargs) in (0, 1)
    return name == "chain_matmul" and len(args) == 1


def _power(args, kwargs):
    return args[1] if len(args) > 1 else kwargs.get("n")


def _casts(name, r, args, kwargs):
    """Whether the result may be cast into out: TensorIterator's single results (clamp only with tensor bounds),
    torch.special's elementwise functions, the linalg composites of _SAFE_CASTS; matrix_power only for n = 0 or 1
    and chain_matmul only for one matrix (torch copies there, and multiplies into out otherwise)."""
    if name in _CLAMPS:
        return any(isinstance(a, Tensor) for a in (*args[1:], *kwargs.values()))
    if name in ("matrix_power", "linalg.matrix_power", "chain_matmul"):
        return _copies(name, args, kwargs)
    if name in _SAFE_CASTS or name.startswith("special."):
        return name != "special.round"
    return name in _CASTS and isinstance(r, Tensor)


def _abs_of_complex_casts(name, cd, od):
    """torch.abs(z) computes |z| as a real tensor, then copies it into out: cast where can_cast allows, or into
    out of z's own complex dtype; another complex dtype is refused."""
    if od.kind == "c" and od != cd:
        raise RuntimeError(f"{name}: Found dtype {_t(od)} but expected {_t(cd)}")
    return True


def _check_dtype(name, rd, od, cast):
    if rd == od:
        return
    if cast:
        if _can_cast(rd, od):
            return
        if name in _SAFE_CASTS:
            raise RuntimeError(f"{name}: Expected result to be safely castable from {_t(rd)} dtype, but got result "
                               f"with dtype {_t(od)}")
        if name in _JOINS:
            raise TypeError(f"torch.{name}(): input types can't be cast to the desired output type {_t(od)}")
        raise RuntimeError(f"result type {_t(rd)} can't be cast to the desired output type {_t(od)}")
    if name in _FOUND:
        raise RuntimeError(f"{name}: Found dtype {_t(od)} but expected {_t(rd)}")
    if name in _BOOL_OUT:
        raise RuntimeError(f"{name} does not support non-boolean outputs.")
    if name in ("all", "any"):
        if od.kind == "u" and od.itemsize == 1:
            return
        raise RuntimeError(f"{name} only supports bool tensor for result, got: {_t(od)}")
    raise RuntimeError(f"{name}: Expected out tensor to have dtype {_c(rd)}, but got {_c(od)} instead")


def _write(name, r, o, cast, warn=True):
    _check_dtype(name, r._data.dtype, o._data.dtype, cast)
    if name in _RANGES and o.numel() == r.numel():
        r = r.reshape(o.shape)  # torch.arange(3, out=zeros(3, 1)) fills out in its own shape
    if o.shape != r.shape:
        if name == "arange" and o.numel() not in (0, r.numel()):
            warnings.warn(f"The number of elements in the out tensor of shape {list(o.shape)} is {o.numel()} which "
                          f"does not match the computed number of elements {r.numel()}. Note that this may occur as a "
                          f"result of rounding error. The out tensor will be resized to a tensor of shape "
                          f"{tuple(r.shape)}.", UserWarning, stacklevel=4)
        elif warn and o.numel() and name not in FACTORIES and name not in _SILENT_RESIZE:
            warnings.warn(f"{name}: An output with one or more elements was resized since it had shape "
                          f"{list(o.shape)}, which does not match the required output shape {list(r.shape)}. This "
                          "behavior is deprecated, and in a future PyTorch release outputs will not be resized unless "
                          "they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, "
                          "to zero elements with t.resize_(0).", UserWarning, stacklevel=4)
        o.resize_(r.shape)
    elif type(r._data) is np.ndarray and np.may_share_memory(r._data, o._data):
        r = r.clone()  # a result that is a view of out: copied before out is written
    if name in _NO_AUTOGRAD:  # torch writes these below autograd: into a leaf that requires grad too
        with no_grad():
            return o.copy_(r)
    return o.copy_(r)  # copy_: views of out see the write and its version counter counts it


def write_out(name, fn, out, args, kwargs):
    """fn(*args, **kwargs) written into out (a tensor, or a tuple of them for a tuple result); returns out."""
    if name in _NEEDS_DIM and len(args) < 2 and "dim" not in kwargs:
        raise TypeError(f"{name}(): out= is taken only with a dim, as torch's: {name}(input, dim, out=...)")
    if not isinstance(out, (Tensor, tuple, list)):  # torch's argument parser answers before autograd's check
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if name in _IN_OUT_DTYPE and isinstance(out, Tensor) and kwargs.get("dtype") is None:
        kwargs = {**kwargs, "dtype": out._data.dtype}  # torch.sum(x, 0, out=long_t) sums x.long()
    try:
        r = fn(*args, **kwargs)  # first: whether out must be a tensor or a tuple is known from the result
    except Exception:
        _check_grad(name, out, args, kwargs)  # torch's autograd refuses before its kernel runs
        raise
    if isinstance(r, Tensor):
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        _check_out(name, out, args, kwargs)
        cast = _casts(name, r, args, kwargs)
        if name in ("matrix_power", "linalg.matrix_power") and _power(args, kwargs) == 0:
            r = r.detach()  # torch writes the identity into out: no graph
        if name in ("abs", "absolute") and isinstance(args[0], Tensor) and args[0]._data.dtype.kind == "c":
            cast = _abs_of_complex_casts(name, args[0]._data.dtype, out._data.dtype)
        return _write(name, r, out, cast)
    if not isinstance(out, (tuple, list)):
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    if len(out) != len(r):
        if name in _LIST_OUT:
            raise RuntimeError(f"{name}: expected an out= argument of size {len(r)}, got size {len(out)}")
        raise TypeError(f"{name}(): expected tuple of {len(r)} elements but got {len(out)}")
    for i, o in enumerate(out):
        if not isinstance(o, Tensor):
            raise TypeError(f"{name}(): expected Tensor as element {i} in argument 'out', but got {type(o).__name__}")
    _check_out(name, out, args, kwargs)
    if name in _COPY_OUT:
        with no_grad():
            for ri, oi in zip(r, out):
                oi.copy_(ri)
        return None
    outs, cast = [], name in _SAFE_CASTS
    kept = _kthvalue_kept_shape(r[0].shape, args, kwargs) if name == "kthvalue" else None
    for ri, oi in zip(r, out):  # several results: each in its dtype exactly (a loop: the warning's stacklevel)
        outs.append(_write(name, ri, oi, cast, warn=oi.shape != kept))
    if name in _LIST_OUT:
        return None
    return type(r)(*outs) if hasattr(r, "_fields") else tuple(outs)  # namedtuple results stay namedtuples


def _kthvalue_kept_shape(shape, args, kwargs):
    """torch's kthvalue first resizes out to the keepdim shape, then squeezes it: an out already in that shape is
    resized without the warning. That shape, or None where keepdim=True."""
    x = args[0]
    dim = args[2] if len(args) > 2 else kwargs.get("dim", -1)
    if (args[3] if len(args) > 3 else kwargs.get("keepdim", False)) or x.ndim == 0:
        return None
    dim = dim % x.ndim
    return tuple(shape[:dim]) + (1,) + tuple(shape[dim:])


_FILLED = {"rand", "randn", "randint"}  # random factories that take out= themselves (creation._resized)


def write_factory(name, fn, out, args, kwargs):
    """A factory (zeros, arange, ...) with out=: its values made in out's dtype, then written into out."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    d = kwargs.get("dtype")
    if d is not None:
        from .dtype import to_dtype
        d = to_dtype(d)
        if d != out._data.dtype:
            raise RuntimeError(f"{name}: dtype {_t(d)} does not match dtype of out parameter "
                               f"({_t(out._data.dtype)})")
    if out.requires_grad and name in ("empty", "randn"):  # these resize out whatever its shape
        raise RuntimeError("cannot resize variables that require grad")
    if is_grad_enabled() and (out.requires_grad or kwargs.get("requires_grad")):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if name in _FILLED:  # torch resizes out and fills it in place: in out's memory order
        fn(*args, **{**kwargs, "dtype": out._data.dtype, "out": out})
    else:
        _write(name, fn(*args, **{**kwargs, "dtype": out._data.dtype}), out, False)
    if out._ctx is None:  # torch's factories set out's flag from their requires_grad= (False by default)
        out.requires_grad = bool(kwargs.get("requires_grad"))
    return out


def accepting(name, fn, module="teenygrad"):
    """fn with torch's out= keyword: nothing but an `is None` test when out is absent. name keys the rules above
    ("linalg.inv" for teenygrad.linalg.inv); module is where pickle finds the wrapper."""
    write = write_factory if name in FACTORIES else write_out

    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        return write(name, fn, out, args, kwargs)
    return _dressed(wrapper, name, fn, module)


def joining(name, fn):
    """accepting() for cat / stack (called in training loops), without repacking the arguments."""
    def wrapper(tensors, dim=0, *, out=None, axis=None):
        if out is None:
            return fn(tensors, dim) if axis is None else fn(tensors, axis=axis)
        return write_out(name, fn, out, (tensors, dim if axis is None else axis), {})
    return _dressed(wrapper, name, fn, "teenygrad")


def _dressed(wrapper, name, fn, module):
    """wrapper named and documented as fn: inspect.signature shows fn's keywords (follow_wrapped=False: the out=
    wrapper's), and pickle finds it as <module>.<name>."""
    wrapper.__name__ = wrapper.__qualname__ = name.rsplit(".", 1)[-1]
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn
    wrapper.__module__ = module
    return wrapper
