"""torch.xxx(tensor, ...) module-level spellings of Tensor methods (torch.exp(x), torch.sum(x, 1), ...)."""
from .tensor import Tensor, _BOOL_SUB
from .tensor_join import atleast_1d, atleast_2d, atleast_3d  # noqa: F401  (torch.atleast_1d(x, y, ...))
from .creation import logspace as _logspace
from .out_arg import OUT_NAMES as _OUT_NAMES, accepting as _accepting, write_out as _write_out

_NAMES = ["addcmul", "addcdiv", "fmod", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid",
          "relu", "abs", "sign", "square", "reciprocal", "clamp", "clip", "maximum", "minimum", "sum", "mean",
          "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "logsumexp", "softmax",
          "log_softmax", "cumsum", "all", "any", "reshape", "permute", "transpose", "squeeze", "unsqueeze",
          "flatten", "unflatten", "flip", "roll", "tril", "triu", "split", "chunk", "unbind", "gather", "scatter",
          "scatter_add", "index_select", "masked_fill", "matmul", "mm", "bmm", "dot", "sort", "argsort", "topk",
          "isnan", "isinf", "isfinite", "logical_and", "logical_or", "logical_not", "logical_xor", "eq", "ne",
          "lt", "le", "gt", "ge", "equal", "allclose", "isclose", "neg", "t", "norm", "count_nonzero", "pow",
          "add", "sub", "mul", "div", "remainder", "broadcast_to", "numel", "silu", "gelu", "softplus", "detach",
          "clone", "expand_as", "var_mean", "std_mean", "cummax", "floor", "ceil", "round", "trunc",
          "erf", "tan", "sinh", "cosh", "logaddexp", "lerp", "frac", "outer", "ger", "narrow", "select", "movedim",
          "moveaxis", "swapdims", "swapaxes", "tile", "diagonal", "diag", "trace", "nonzero", "argwhere",
          "masked_select", "unique", "take", "take_along_dim", "index_copy", "index_put", "masked_scatter",
          "scatter_reduce", "unique_consecutive", "rot90", "fliplr", "flipud", "diag_embed", "bincount", "histc", "histogram", "aminmax", "clamp_min", "clamp_max", "floor_divide", "true_divide",
          "negative", "subtract", "multiply", "index_add", "index_fill", "repeat_interleave", "asin", "acos", "atan",
          "arcsin", "arccos", "arctan", "atan2", "arctan2", "exp2", "sgn", "positive", "nan_to_num", "hypot",
          "copysign", "fmax", "fmin", "xlogy", "logit", "heaviside", "nansum", "nanmean", "cummin", "median",
          "kthvalue", "quantile", "mode", "cumprod", "ravel", "tensor_split", "hsplit", "vsplit", "dsplit"]
_NAMES += ["as_strided", "as_strided_", "as_strided_scatter", "diagflat", "diagonal_scatter", "select_scatter", "slice_scatter", "index_reduce",
           "renorm", "isreal"]  # strided views and scatters (tensor_strided)
_NAMES += ["erfc", "erfinv", "lgamma", "digamma", "mvlgamma", "i0", "sinc", "logcumsumexp", "float_power", "ldexp",
           "frexp", "det", "logdet", "slogdet", "inverse", "cholesky", "cholesky_solve", "cholesky_inverse", "svd", "qr",
           "pinverse", "matrix_power"]  # special functions and linear algebra (tensor_special, tensor_linalg)

_NAMES += ["relu_", "sigmoid_", "tanh_", "exp_"]  # torch.relu_(x): in place
_NAMES += ["matrix_exp", "triangular_solve", "lu", "lu_solve", "orgqr"]  # linear algebra (tensor_linalg)
_NAMES += ["acosh", "asinh", "atanh", "arccosh", "arcsinh", "arctanh", "acosh_", "asinh_", "atanh_", "arccosh_",
           "arcsinh_", "arctanh_", "arccos_", "arcsin_", "arctan_", "absolute", "divide", "negative_", "greater",
           "greater_equal", "less", "less_equal", "not_equal", "gcd", "lcm", "gcd_", "lcm_", "bitwise_left_shift",
           "bitwise_right_shift", "cov", "corrcoef", "inner", "mv", "vdot", "addr", "addmv_", "msort", "nanquantile",
           "nextafter", "fix", "fix_", "put", "split_with_sizes", "resize_as_", "get_device", "is_inference",
           "deg2rad_", "rad2deg_"]  # more Tensor methods (tensor_extra_ops)
_NAMES += ["abs_", "acos_", "asin_", "atan_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
           "erf_", "erfc_", "exp2_", "expm1_", "fill_", "floor_", "frac_", "i0_", "ldexp_", "log10_", "log1p_", "log2_",
           "log_", "logit_", "nan_to_num_", "neg_", "reciprocal_", "round_", "rsqrt_", "sin_", "sinc_", "sinh_",
           "sqrt_", "square_", "tan_", "trunc_", "xlogy_", "zero_", "detach_", "index_put_", "conj", "conj_physical",
           "angle", "adjoint", "is_conj", "resolve_conj"]  # torch.sin_(x) is x.sin_(), torch.conj(x) is x.conj()

# torch takes a Python number as the first operand of these (torch.sub(1, x)); it promotes as in 1 - x. Not fmod,
# atan2, maximum, ...: torch refuses a number first there
_NUMBER_FIRST = {"add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
                 "remainder", "pow", "float_power", "xlogy", "bitwise_and", "bitwise_or", "bitwise_xor",
                 "bitwise_left_shift", "bitwise_right_shift"}
_NUMBER = (int, float, complex)
_BOTH_NUMBERS = {"add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide"}
_TRUE_DIVIDE = {"div", "divide", "true_divide"}


def _make(name):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            if name in _NUMBER_FIRST and args and isinstance(args[0], Tensor) and isinstance(input, _NUMBER):
                if name in ("sub", "subtract") and (args[0]._data.dtype.kind == "b" or isinstance(input, bool)):
                    raise RuntimeError(_BOOL_SUB)  # checked before promotion turns the bool into an int
                if name in _TRUE_DIVIDE and kwargs.get("rounding_mode", args[1] if len(args) > 1 else None) is None:
                    other, input = args[0]._float_pair(input, name)  # -2 / a uint8 tensor is -2 / x, not 254 / x
                else:
                    other, input = args[0]._other(input, name)  # the number as a 0-d tensor of the promoted dtype
                args = (other,) + args[1:]
            elif name in _BOTH_NUMBERS and args and isinstance(input, _NUMBER) and isinstance(args[0], _NUMBER):
                input = Tensor._from_data(input)  # torch.add(2, 3.5) is tensor(2) + 3.5
            else:
                raise TypeError(f"{name}: expected a Tensor as the first argument, got {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    if name in _OUT_NAMES:  # torch.add(a, b, out=c)
        plain = fn

        def fn(input, *args, out=None, **kwargs):
            if out is None:
                if isinstance(input, Tensor):
                    return getattr(input, name)(*args, **kwargs)
                return plain(input, *args, **kwargs)
            return _write_out(name, plain, out, (input,) + args, kwargs)
    fn.__name__ = name
    return fn


for _n in _NAMES:
    if hasattr(Tensor, _n):
        globals()[_n] = _make(_n)


logspace = _accepting("logspace", _logspace)  # torch.logspace, reached through teenygrad.__getattr__


def var_mean(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return _both_named((input.var(dim, unbiased, keepdim, correction), input.mean(dim, keepdim)), "VarMeanBackward0")


def std_mean(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return _both_named((input.std(dim, unbiased, keepdim, correction), input.mean(dim, keepdim)), "StdMeanBackward0")


def _both_named(outs, name):
    """outs, their graph nodes showing torch's one node's name (print(y) reads grad_fn=<StdMeanBackward0>)"""
    return tuple(t._named(name) for t in outs)


def split(tensor, split_size_or_sections, dim=0):  # torch.split's names, which differ from Tensor.split's
    if not isinstance(tensor, Tensor):
        raise TypeError(f"split: expected a Tensor as the first argument, got {type(tensor).__name__}")
    return tensor.split(split_size_or_sections, dim)
