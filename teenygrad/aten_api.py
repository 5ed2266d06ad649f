"""torch's remaining top-level spellings, loaded on first use (teenygrad.__getattr__ looks here last):
- aten-style functions: losses whose reduction is an int (0 none, 1 mean, 2 sum), ops that return tuples
  (native_layer_norm, native_dropout, adaptive_max_pool1d, max_pool1d_with_indices), recurrent cells, convolution;
- the *_copy family: the view op's result in fresh contiguous memory (torch.view_copy(x, s) is x.view(s).clone());
- real / imag / rsub / fill / range / trapz / unravel_index / nonzero_static / histogramdd / lu_unpack, ...;
- layouts (torch.strided), thread and warning switches, and the functions torch has removed (they raise torch's
  message). Each is a few lines over an op that is tested on its own."""
import builtins
import collections
import math
import numbers
import warnings

import numpy as np

from .aten_nn import embedding_bag, grid_sampler, grid_sampler_2d, grid_sampler_3d  # noqa: F401
from .tensor import Tensor, dt  # dt: the dtype module (the package attribute `dtype` is the dtype class)


def _F():
    from .nn import functional
    return functional


def _check(x, op, what="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    return x


# ---- layouts -----------------------------------------------------------------------------------------------------
class layout:
    """torch.layout: how a tensor's elements sit in memory. teenygrad's tensors are all `strided` (dense)."""
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (globals().__getitem__, (self.name,))


strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr, sparse_bsc, _mkldnn, jagged = (
    layout(n) for n in ("strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc", "_mkldnn",
                        "jagged"))


# ---- aten losses: reduction as an int ----------------------------------------------------------------------------
def _reduction(r, op):
    if type(r) is not int:
        raise TypeError(f"{op}(): argument 'reduction' must be int (0 none, 1 mean, 2 sum), not {type(r).__name__}")
    if r not in (0, 1, 2):  # torch reads any other int as 'none'; a typo should not pass silently
        raise ValueError(f"{op}(): reduction must be 0 (none), 1 (mean) or 2 (sum), got {r}")
    return ("none", "mean", "sum")[r]


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(
        reduction, "binary_cross_entropy_with_logits"), pos_weight=pos_weight)


def kl_div(input, target, reduction=1, *, log_target=False):
    return _F().kl_div(input, target, reduction=_reduction(reduction, "kl_div"), log_target=log_target)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction,
                                                                                          "margin_ranking_loss"))


def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction, "hinge_embedding_loss"))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction(reduction, "cosine_embedding_loss"))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction=1):
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction, "triplet_margin_loss"))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction(reduction, "poisson_nll_loss"))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1, zero_infinity=False):
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                         reduction=_reduction(reduction, "ctc_loss"), zero_infinity=zero_infinity)


# ---- aten nn ops ---------------------------------------------------------------------------------------------------
def bilinear(input1, input2, weight, bias=None):
    return _F().bilinear(input1, input2, weight, bias)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _F().conv3d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _F().conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """torch.convolution: conv{1,2,3}d or conv_transpose{1,2,3}d by the input's rank and `transposed`."""
    nd = _check(input, "convolution").ndim - 2
    if nd not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D input (batch, channels, ...), got shape "
                           f"{input.shape}")
    F = _F()
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


def constant_pad_nd(input, pad, value=0):
    return _F().pad(input, tuple(pad), "constant", value)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d(input, output_size):
    """(values, indices), as torch's top-level op (nn.functional's returns values unless return_indices)."""
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


def affine_grid_generator(theta, size, align_corners):
    return _F().affine_grid(theta, list(size), align_corners=align_corners)


def _dropout_check(p, op):
    if not 0 <= p <= 1:
        raise RuntimeError(f"{op}: probability has to be between 0 and 1, but got {p}")


def alpha_dropout(input, p, train):
    _dropout_check(p, "alpha_dropout")
    return _F().alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    _dropout_check(p, "feature_alpha_dropout")
    return _F().feature_alpha_dropout(input, p, train)


def feature_dropout(input, p, train):
    """Zeroes whole channels (dim 1) of an (N, C, ...) input with torch's draws: dropout2d / dropout3d's mask."""
    _dropout_check(p, "feature_dropout")
    if _check(input, "feature_dropout").ndim < 2:
        raise RuntimeError(f"feature_dropout: expected an input of at least 2 dims (N, C, ...), got {input.shape}")
    from .nn.functional_conv import _channel_dropout
    return _channel_dropout("feature_dropout", input.ndim - 2, input, p, train)


def _in_place(fn):
    def inplace(input, p, train):
        out = fn(input, p, train)
        return input if out is input else input.copy_(out)
    inplace.__name__ = fn.__name__ + "_"
    return inplace


def _dropout(input, p, train):
    from .tensor_top_api import dropout
    return dropout(input, p, train)


_dropout.__name__ = "dropout"
dropout_ = _in_place(_dropout)
alpha_dropout_ = _in_place(alpha_dropout)
feature_alpha_dropout_ = _in_place(feature_alpha_dropout)
feature_dropout_ = _in_place(feature_dropout)


def native_dropout(input, p, train):
    """(output, mask): the kept positions as a bool mask (all True when not training)."""
    _dropout_check(p, "native_dropout")
    if not train:
        return input.clone(), Tensor._wrap(np.ones(input.shape, bool)).to(input.device)
    if p == 1:
        return input * 0, Tensor._wrap(np.zeros(input.shape, bool)).to(input.device)
    mask = Tensor._wrap(np.ones(input.shape, input._data.dtype)).to(input.device).bernoulli_(1 - p)
    return input * mask * (1 / (1 - p)), mask.bool()


def rms_norm(input, normalized_shape, weight=None, eps=None):
    return _F().rms_norm(input, normalized_shape, weight, eps)


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(output, mean, rstd), mean and rstd over the normalized dims, kept as size-1 dims."""
    k = len(tuple(normalized_shape))
    dims = tuple(builtins.range(_check(input, "native_layer_norm").ndim - k, input.ndim))
    out = _F().layer_norm(input, normalized_shape, weight, bias, eps)
    x = input.detach()
    if not dt.is_floating(x.dtype):
        raise RuntimeError(f"native_layer_norm: expected a floating point input, got {x.dtype}")
    mean = x.mean(dims, keepdim=True)
    rstd = ((x - mean).square().mean(dims, keepdim=True) + eps).rsqrt()
    return out, mean, rstd


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """(output, save_mean, save_invstd): the batch's statistics when training, empty tensors otherwise."""
    out = _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = Tensor._wrap(np.zeros(0, input._data.dtype)).to(input.device)
        return out, empty, empty.clone()
    dims = (0,) + tuple(builtins.range(2, input.ndim))
    x = input.detach()
    mean = x.mean(dims)
    invstd = (x.var(dims, unbiased=False) + eps).rsqrt()
    return out, mean, invstd


def _cell_gates(input, hx, w_ih, w_hh, b_ih, b_hh):
    gi = input.matmul(w_ih.t()) + (b_ih if b_ih is not None else 0)
    gh = hx.matmul(w_hh.t()) + (b_hh if b_hh is not None else 0)
    return gi, gh


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    gi, gh = _cell_gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    gi, gh = _cell_gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h', c') from hx = (h, c); gates in torch's order i, f, g, o."""
    if len(hx) != 2:
        raise RuntimeError(f"lstm_cell: expected hx to hold two tensors (h, c), got {len(hx)}")
    h, c = hx
    gi, gh = _cell_gates(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = (gi + gh).chunk(4, -1)
    c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c2.tanh(), c2


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = (1 - z) n + z h, gates in torch's order r, z, n; the reset gate scales hx's part of n."""
    gi, gh = _cell_gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    ir, iz, i_n = gi.chunk(3, -1)
    hr, hz, h_n = gh.chunk(3, -1)
    r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (hx - n)


# ---- norms kept for old code --------------------------------------------------------------------------------------
def frobenius_norm(input, dim=(), keepdim=False):
    warnings.warn("frobenius_norm is deprecated: use linalg.vector_norm(A, 2., dim, keepdim)", UserWarning,
                  stacklevel=3)  # 3: teenygrad.X is out_arg's wrapper of this
    from . import linalg
    dim = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)  # torch.frobenius_norm(a, 0)
    return linalg.vector_norm(input, 2.0, dim or None, keepdim)


def nuclear_norm(input, dim=None, keepdim=False):
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    warnings.warn("nuclear_norm is deprecated: use linalg.matrix_norm(A, 'nuc', dim, keepdim)", UserWarning,
                  stacklevel=3)  # 3: teenygrad.X is out_arg's wrapper of this
    from . import linalg
    return linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def norm_except_dim(v, pow=2, dim=0):
    """The pow-norm over every dim but `dim` (weight_norm's g), kept as size-1 dims; dim -1: the whole norm."""
    if dim == -1:
        return _check(v, "norm_except_dim").norm(pow)
    d = dim % v.ndim
    return v.norm(pow, tuple(i for i in builtins.range(v.ndim) if i != d), keepdim=True)


# ---- tensor functions ----------------------------------------------------------------------------------------------
def real(input):
    return _check(input, "real").real


def imag(input):
    return _check(input, "imag").imag


def conj_physical_(input):
    return _check(input, "conj_physical_").conj_physical_()


def is_neg(input):
    return _check(input, "is_neg").is_neg()


def resolve_neg(input):
    return _check(input, "resolve_neg").resolve_neg()


def is_signed(input):
    return _check(input, "is_signed").is_signed()


def is_storage(obj):
    from .tensor_storage import TypedStorage, UntypedStorage
    return isinstance(obj, (TypedStorage, UntypedStorage))


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    _check(input, "rsub")
    return input.__rsub__(other) if alpha == 1 else (input * alpha).__rsub__(other)


def fill(input, value):
    """A new tensor of input's shape and dtype, every element `value` (a number or a 0-d tensor)."""
    _check(input, "fill")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions")
    return input.clone().fill_(value)  # in a graph: a zero gradient for input, as torch's FillBackward


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, layout=None):
    """[start, end] with both ends included (deprecated in torch: use arange); float by default."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=3)  # 3: teenygrad.X is out_arg's wrapper of this
    if end is None:
        start, end = 0, start
    if step == 0 or (end - start) * step < 0:
        raise RuntimeError(f"range: upper bound and larger bound inconsistent with step sign (start {start}, "
                           f"end {end}, step {step})")
    from .creation import tensor
    n = int(math.floor((end - start) / step)) + 1
    d = dt._default_float if dtype is None else dt.to_dtype(dtype)
    vals = start + np.arange(n, dtype=np.float64) * step
    t = tensor(vals.astype(d), device=device)
    return t.requires_grad_() if requires_grad else t


def trapz(y, x=None, *, dx=None, dim=-1):
    from .tensor_misc import trapezoid
    return trapezoid(y, x, dx=dx, dim=dim) if x is not None or dx is None else trapezoid(y, dx=dx, dim=dim)


def unravel_index(indices, shape):
    """The coordinates of flat `indices` in an array of `shape`, one int64 tensor per dim."""
    _check(indices, "unravel_index", "indices")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got {shape}")
    n = math.prod(shape)
    a = indices.detach().cpu().numpy()
    if a.size and (a.min() < -n or a.max() >= n):
        raise ValueError(f"unravel_index: index out of bounds for shape {shape}: "
                         f"{int(a.min() if a.min() < -n else a.max())}")
    a = np.where(a < 0, a + n, a).astype(np.int64)
    out = []
    for s in reversed(shape):
        out.append(a % s if s else a)
        a = a // s if s else a
    return tuple(Tensor._wrap(np.array(c, np.int64)).to(indices.device) for c in reversed(out))


def typename(obj):
    """'torch.FloatTensor' for a float32 tensor (torch's legacy type names), else the object's qualified name."""
    if isinstance(obj, Tensor):
        return obj.type()
    t = type(obj)
    mod = t.__module__
    if mod.startswith("teenygrad"):
        mod = "torch" + mod[len("teenygrad"):]
    return t.__qualname__ if mod in ("builtins", "__main__") else f"{mod}.{t.__qualname__}"


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero() padded with fill_value (or cut) to exactly `size` rows."""
    nz = _check(input, "nonzero_static").nonzero()
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, got {size}")
    if nz.shape[0] >= size:
        return nz[:size].clone()
    pad = Tensor._wrap(np.full((size - nz.shape[0], nz.shape[1]), fill_value, np.int64)).to(input.device)
    return _cat([nz, pad])


def _cat(ts):
    from .tensor_join import cat
    return cat(ts)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialised tensor of `size` whose memory runs in physical_layout's order (outermost first)."""
    size, order = tuple(size), tuple(physical_layout)
    if sorted(order) != list(builtins.range(len(size))):
        raise RuntimeError(f"empty_permuted: physical_layout {order} is not a permutation of the {len(size)} dims")
    from .creation import empty
    phys = empty(tuple(size[i] for i in order), dtype=dtype, device=device)
    inverse = [order.index(i) for i in builtins.range(len(size))]
    t = phys.permute(inverse).detach()
    return t.requires_grad_() if requires_grad else t



_histogramdd_t = collections.namedtuple("histogramdd", ["hist", "bin_edges"])


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges) of the rows of input (..., D) over D dims, as numpy.histogramdd, in input's dtype."""
    x = _check(input, "histogramdd").detach().cpu().numpy()
    if not dt.is_floating(x.dtype):
        raise RuntimeError(f"histogramdd: expected a floating point input, got {x.dtype}")
    pts = x.reshape(-1, x.shape[-1])
    if isinstance(bins, Tensor):
        bins = [bins]
    if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor):
        bins = [b.detach().cpu().numpy() for b in bins]
    elif isinstance(bins, numbers.Integral):
        bins = [int(bins)] * pts.shape[1]
    rng = None if range is None else [tuple(range[2 * i:2 * i + 2]) for i in builtins.range(pts.shape[1])]
    w = None if weight is None else weight.detach().cpu().numpy().reshape(-1)
    hist, edges = np.histogramdd(pts, bins=bins, range=rng, weights=w, density=density)
    return _histogramdd_t(Tensor._wrap(hist.astype(x.dtype)).to(input.device),
               tuple(Tensor._wrap(e.astype(x.dtype)).to(input.device) for e in edges))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """(P, L, U) with A = P L U from lu_factor's LU (..., m, n) and 1-based pivots (..., min(m, n))."""
    _check(LU_data, "lu_unpack", "LU_data")
    _check(LU_pivots, "lu_unpack", "LU_pivots")
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    if LU_pivots.shape != LU_data.shape[:-2] + (k,):
        raise RuntimeError(f"lu_unpack: LU_pivots of shape {LU_pivots.shape} don't match LU_data of shape "
                           f"{LU_data.shape} (expected {LU_data.shape[:-2] + (k,)})")
    empty = Tensor._wrap(np.zeros(0, LU_data._data.dtype)).to(LU_data.device)
    L = U = P = empty
    if unpack_data:
        eye = Tensor._wrap(np.eye(m, k, dtype=LU_data._data.dtype)).to(LU_data.device)
        L = LU_data[..., :, :k].tril(-1) + eye
        U = LU_data[..., :k, :].triu()
    if unpack_pivots:
        piv = LU_pivots.detach().cpu().numpy().reshape(-1, k).astype(np.int64) - 1
        if piv.size and (piv.min() < 0 or piv.max() >= m):
            raise RuntimeError(f"lu_unpack: pivots must lie in [1, {m}], got {int(piv.min()) + 1}..{int(piv.max()) + 1}")
        perms = np.tile(np.arange(m), (piv.shape[0], 1))
        for b in builtins.range(piv.shape[0]):
            for i in builtins.range(k):
                j = piv[b, i]
                perms[b, i], perms[b, j] = perms[b, j], perms[b, i]
        eye = np.eye(m, dtype=LU_data._data.dtype)
        Ps = np.stack([eye[:, p] for p in perms]) if perms.size else np.zeros((piv.shape[0], m, m), eye.dtype)
        P = Tensor._wrap(Ps.reshape(LU_data.shape[:-2] + (m, m))).to(LU_data.device)
    return P, L, U


# ---- the *_copy family: the view, copied ---------------------------------------------------------------------------
def _copied(name, method=None):
    method = method or name

    def fn(input, *args, **kwargs):
        out = getattr(_check(input, f"{name}_copy"), method)(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            return tuple(o.contiguous().clone() for o in out)
        return out.contiguous().clone()
    fn.__name__ = f"{name}_copy"
    return fn


for _name in ("as_strided", "diagonal", "expand", "permute", "select", "split", "split_with_sizes", "squeeze", "t",
              "transpose", "unbind", "unfold", "unsqueeze", "view"):
    globals()[f"{_name}_copy"] = _copied(_name)
detach_copy = _copied("detach")


def alias_copy(input):
    return _check(input, "alias_copy").contiguous().clone()


def slice_copy(input, dim=0, start=None, end=None, step=1):
    idx = [slice(None)] * _check(input, "slice_copy").ndim
    idx[dim] = slice(start, end, step)
    return input[tuple(idx)].contiguous().clone()


def view_as_real_copy(input):
    from .tensor_complex import view_as_real
    return view_as_real(input).contiguous().clone()


def view_as_complex_copy(input):
    from .tensor_complex import view_as_complex
    return view_as_complex(input).contiguous().clone()


def unsafe_chunk(input, chunks, dim=0):
    return _check(input, "unsafe_chunk").chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):
    return _check(input, "unsafe_split").split(split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return _check(input, "unsafe_split_with_sizes").split_with_sizes(split_sizes, dim)


# ---- switches ------------------------------------------------------------------------------------------------------
_interop_threads = [1]
_warn_always = [False]
_debug_mode = [0]


def get_num_interop_threads():
    return _interop_threads[0]


def set_num_interop_threads(n):
    """Recorded only: teenygrad runs no inter-op thread pool (ops run one after another)."""
    if type(n) is not int or n < 1:
        raise RuntimeError(f"set_num_interop_threads: expected a positive number of threads, got {n!r}")
    _interop_threads[0] = n


def init_num_threads():
    """Nothing to do: teenygrad's thread count is set by set_num_threads."""


def set_flush_denormal(mode):
    """False: numpy gives no switch for the CPU's flush-to-zero mode, so denormals are always kept."""
    return False


def set_warn_always(b):
    _warn_always[0] = bool(b)


def is_warn_always_enabled():
    return _warn_always[0]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    """Recorded (and 'error' / 2 turns use_deterministic_algorithms on): teenygrad's CPU ops are deterministic."""
    m = _DEBUG_MODES.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if m not in (0, 1, 2):
        raise RuntimeError(f"set_deterministic_debug_mode: invalid mode {debug_mode!r} (expected 'default', 'warn' "
                           f"or 'error', or 0, 1, 2)")
    _debug_mode[0] = m
    from .tensor_linalg_misc import use_deterministic_algorithms
    use_deterministic_algorithms(m > 0, warn_only=m == 1)


def get_deterministic_debug_mode():
    return _debug_mode[0]


def is_deterministic_algorithms_warn_only_enabled():
    from .tensor_linalg_misc import _deterministic
    return _deterministic["on"] and _deterministic["warn_only"]


def set_default_tensor_type(t):
    """torch.FloatTensor / DoubleTensor (or their names) set the default float dtype, as torch's deprecated call."""
    from . import set_default_dtype
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    table = {"FloatTensor": dt.float32, "DoubleTensor": dt.float64, "HalfTensor": dt.float16}
    key = name.rsplit(".", 1)[-1]
    if key not in table:
        raise TypeError(f"set_default_tensor_type: only floating-point CPU types are supported as the default "
                        f"type, got {name!r}")
    set_default_dtype(table[key])


def is_anomaly_check_nan_enabled():
    from .tensor_top_api import is_anomaly_check_nan_enabled
    return is_anomaly_check_nan_enabled()


def get_device_module(device=None):
    """torch.cpu for the CPU (and None), teenygrad.cuda for 'cuda'."""
    import importlib
    kind = "cpu" if device is None else str(device).split(":")[0]
    if kind == "cpu":
        return importlib.import_module("teenygrad").cpu
    if kind == "cuda":
        return importlib.import_module("teenygrad.cuda")
    raise RuntimeError(f"get_device_module: unknown device type {device!r}")


has_lapack, has_mkl, has_openmp, has_spectral, has_mps = True, False, False, True, False


def is_vulkan_available():
    return False


def compiled_with_cxx11_abi():
    return True


def cond(pred, true_fn, false_fn, operands=()):
    """true_fn(*operands) if pred else false_fn(*operands): eager, as torch.cond outside compiled code."""
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"cond: expected pred to be a bool or a one-element tensor, got shape {pred.shape}")
        pred = bool(pred.item())
    return (true_fn if pred else false_fn)(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """Runs body_fn while cond_fn holds, eagerly: the carried values are a tuple."""
    carried = tuple(carried_inputs)
    while bool(cond_fn(*carried)):
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    return carried


# ---- removed from torch: its message ----------------------------------------------------------------------------
def _removed(name, advice):
    def fn(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. {advice}")
    fn.__name__ = name
    return fn


matrix_rank = _removed("matrix_rank", "Please use the `torch.linalg.matrix_rank` function instead.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.")
solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve`.")
symeig = _removed("symeig", "Use `torch.linalg.eigh` (or `torch.linalg.eigvalsh`) instead.")
eig = _removed("eig", "Use `torch.linalg.eig` (or `torch.linalg.eigvals`) instead.")

NAMES = frozenset(n for n, v in list(globals().items()) if not n.startswith("_") and n not in (
    "builtins", "collections", "math", "numbers", "warnings", "np", "dt", "Tensor", "NAMES"))
