"""teenygrad: a small, readable, fast deep learning framework with PyTorch's names and semantics."""
import math as _math
import warnings as _warnings
import numpy as _np

# numpy's floating-point RuntimeWarnings ("overflow encountered in cast", "invalid value encountered in multiply")
# from numpy calls made by teenygrad's own code: torch computes inf and nan without a word (x.half() of 1e6, an
# fp16 product past 65504, int() of nan). The filter matches only warnings raised in teenygrad's modules, so
# numpy used directly keeps its warnings, and it costs nothing until a warning is raised.
_warnings.filterwarnings("ignore", r"(overflow|invalid value|divide by zero|underflow) encountered in",
                         RuntimeWarning, r"teenygrad(\.|$)")
from .tensor import Tensor, device
from .tensor_convert import set_printoptions
from . import dtype as _dtypes  # bound now: the name `dtype` below is torch's dtype class, not the module
from .dtype import (float32, float, float64, double, float16, half, int8, int16, short, int32, int, int64, long,
                    uint8, bool, complex64, cfloat, complex128, cdouble)
from .autograd import (no_grad, enable_grad, inference_mode, is_grad_enabled, set_grad_enabled,
                       is_inference_mode_enabled)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator
from .creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, zeros_like, ones_like, empty_like,
                       full_like, rand_like, randn_like, randint_like, arange, linspace, eye, rand, randn, randint,
                       randperm, normal, bernoulli, tril_indices, triu_indices, scalar_tensor, memory_format,
                       contiguous_format, preserve_format, channels_last, channels_last_3d, FloatTensor, DoubleTensor,
                       HalfTensor, ByteTensor, CharTensor, ShortTensor, IntTensor, LongTensor, BoolTensor)
from .tensor_ops import cat, concat, concatenate, stack, where, einsum, multinomial, one_hot
from .tensor_join import hstack, vstack, dstack, column_stack, row_stack, meshgrid
from .tensor_sort import searchsorted, bucketize
from .tensor_misc import (result_type, promote_types, can_cast, finfo, iinfo, broadcast_shapes, broadcast_tensors,
                          diff, trapezoid, cumulative_trapezoid, cdist, cartesian_prod, combinations, block_diag,
                          isin, signbit, isposinf, isneginf, nanmedian)
from . import tensor_extra_ops  # noqa: F401,E402  (acosh, cov, ..., storage(): Tensor methods)
from .tensor_linalg_misc import (addmm, addmv, baddbmm, addbmm, tensordot, kron, cross, dist, deg2rad, rad2deg,
                                 logaddexp2, is_nonzero, is_same_size, is_complex, use_deterministic_algorithms,
                                 are_deterministic_algorithms_enabled)
from .tensor_strided import vander, chain_matmul
from .tensor_complex import view_as_complex, view_as_real, polar, complex
from .creation_buffer import frombuffer, from_file
from .tensor_top_api import (poisson, binomial, dropout, layer_norm, group_norm, batch_norm, instance_norm, embedding, pdist,
                             gradient, empty_strided, narrow_copy_fn as narrow_copy, is_anomaly_enabled,
                             set_anomaly_enabled)
from .tensor_legacy import geqrf, ormqr
from . import tensor_linalg, tensor_special  # noqa: F401,E402  (x.det(), x.lgamma(), ...: cheap; linalg loads lazily)
from .tensor_special import polygamma_fn as polygamma  # torch.polygamma(n, x): the order first
from .tensor_special import igamma_fn as igamma, igammac_fn as igammac  # torch.igamma(a, x): a may not be a number
from . import functional_api as _fapi
from . import out_arg as _out_arg

# torch.cat(ts, out=o), torch.zeros(3, out=o), ...: the imported functions that take out= in torch (normal and
# bernoulli have it)
for _n in ("addbmm", "addmm", "addmv", "arange", "baddbmm", "bucketize", "cat", "chain_matmul",
           "column_stack", "complex", "concat", "concatenate", "cross", "deg2rad", "diff", "dstack", "empty", "eye",
           "full", "geqrf", "hstack", "igamma", "igammac", "isin", "isneginf", "isposinf", "kron", "linspace", "logaddexp2",
           "multinomial", "nanmedian", "narrow_copy", "ones", "ormqr", "polar", "polygamma", "rad2deg", "rand", "randint",
           "randn", "randperm", "row_stack", "searchsorted", "signbit", "stack", "tensordot", "vstack", "where",
           "zeros"):
    globals()[_n] = (_out_arg.joining if _n in ("cat", "concat", "concatenate", "stack") else _out_arg.accepting)(
        _n, globals()[_n])
from .backend import cpu as _cpu  # tunes glibc malloc for reuse of activation buffers (~30 us)

__version__ = "0.1.0"
from .tensor import Size
dtype = _np.dtype  # every dtype (float32, int64, bool, ...) is an instance of it, as in torch
inf, nan, pi, e, newaxis = _math.inf, _math.nan, _math.pi, _math.e, None  # torch.inf, ...: Python floats

_LAZY_MODULES = {"nn", "optim", "utils", "data", "models", "backend", "kernels", "autograd", "serialization", "cuda",
                 "backends", "amp", "linalg", "special", "distributions", "func", "testing", "distributed", "jit",
                 "profiler", "fft", "accelerator", "compiler", "version"}

# torch.selu(x), torch.conv2d(x, w), ...: torch's top-level spellings of nn.functional ops whose arguments are
# nn.functional's (the losses are not here: torch's top-level ones take reduction as an int)
_FROM_NN_FUNCTIONAL = {"selu", "selu_", "celu", "celu_", "prelu", "rrelu", "rrelu_", "threshold", "threshold_",
                       "hardshrink", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pixel_shuffle",
                       "pixel_unshuffle", "channel_shuffle", "cosine_similarity", "pairwise_distance", "max_pool1d",
                       "max_pool2d", "avg_pool1d", "adaptive_avg_pool1d"}


def __getattr__(name):
    # submodules and optional pieces load on first use, so `import teenygrad` stays fast
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        return getattr(importlib.import_module(".serialization", __name__), name)
    if name == "autocast":
        return importlib.import_module(".amp", __name__).autocast
    if name.startswith(("is_autocast", "get_autocast", "set_autocast", "clear_autocast", "autocast_")):
        amp = importlib.import_module(".amp", __name__)  # torch's names at the top level
        if name in amp.AUTOCAST_NAMES:
            return getattr(amp, name)
    if name == "cpu":  # torch.cpu.amp.autocast, torch.cpu.is_available, ...
        return importlib.import_module(".amp", __name__).cpu
    if name == "vmap":  # torch.vmap is torch.func.vmap
        return importlib.import_module(".func", __name__).vmap
    if name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
        return getattr(importlib.import_module(".windows", __name__), name)
    if name in ("stft", "istft"):
        return getattr(importlib.import_module(".tensor_fft", __name__), name)
    if name.startswith("_foreach_"):  # torch._foreach_add_, ...: list ops for EMA and optimizers (foreach.py)
        fe = importlib.import_module(".foreach", __name__)
        if name in fe.NAMES:
            fn = globals()[name] = getattr(fe, name)
            return fn
    if name in ("svd_lowrank", "pca_lowrank"):
        return getattr(importlib.import_module(".lowrank", __name__), name)
    if name in ("from_dlpack", "to_dlpack"):
        return getattr(importlib.import_module(".utils.dlpack", __name__), name)
    if name == "bfloat16":
        from .dtype import bfloat16_dtype
        return bfloat16_dtype()
    if hasattr(_fapi, name):
        fn = globals()[name] = getattr(_fapi, name)  # cached: later reads (torch.tanh in a loop) skip this hook
        return fn
    if name in _FROM_NN_FUNCTIONAL:
        fn = getattr(importlib.import_module(".nn.functional", __name__), name)
        fn = globals()[name] = _out_arg.accepting(name, fn) if name in _out_arg.OUT_NAMES else fn
        return fn
    aten = importlib.import_module(".aten_api", __name__)  # the rest of torch's top level (aten_api.py)
    if name in aten.NAMES:
        fn = getattr(aten, name)
        fn = globals()[name] = _out_arg.accepting(name, fn) if name in _out_arg.OUT_NAMES else fn
        return fn
    raise AttributeError(f"module 'teenygrad' has no attribute {name!r}")


def is_tensor(x):
    return isinstance(x, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def set_default_dtype(d):
    d = _dtypes.to_dtype(d)
    if not _dtypes.is_floating(d):
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, got {d}")
    _dtypes._default_float = d


def get_default_dtype():
    return _dtypes._default_float


def set_default_device(device):
    """Only the CPU (where factories already put tensors) or None: teenygrad can't make 'cuda' the default."""
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"set_default_device: teenygrad's factories always make CPU tensors; got {device!r} "
                           "(pass device= to each factory, or .to(device), instead)")


def get_default_device():
    return device("cpu")


def set_num_threads(n):
    """Threads for CPU compute (BLAS, or teenygrad's pool with TEENYGRAD_POOL=1), as torch.set_num_threads."""
    _cpu.set_num_threads(n)


def get_num_threads():
    return _cpu.get_num_threads()


def compile(model=None, **kwargs):
    """torch.compile (compiler.py): a module comes back wrapped as torch's OptimizedModule, a function unchanged."""
    from .compiler import compile
    return compile(model, **kwargs)


_matmul_precision = "highest"


def set_float32_matmul_precision(precision):
    """'high' or 'medium' let float32 matmuls on the GPU use tf32 (torch.backends.cuda.matmul.allow_tf32)."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got {precision!r}")
    _matmul_precision = precision
    from .backend import cuda
    cuda.set_allow_tf32(precision != "highest")


def get_float32_matmul_precision():
    return _matmul_precision
