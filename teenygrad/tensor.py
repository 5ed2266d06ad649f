"""Tensor: the user-facing object. Thin: each method checks its arguments and applies a Function.
Here: the class with its properties, autograd entry points and arithmetic operators (torch.device and moving
arrays between devices are in tensor_device, the view and alias bookkeeping in tensor_views). The rest is attached
by the modules imported at the end: tensor_convert (data in and out, repr, to and the casts), tensor_compare
(comparisons and logic), tensor_inplace, and tensor_ops (the math, which imports the other tensor_* modules)."""
import builtins
import math
import operator
import numpy as np
from . import dtype as dt
from .autograd import function as _function
from .autograd import grad_mode
from .autograd.function import run_backward
from .autograd.engine import root_grad
from .ops import elementwise as E
from ._arrays import xp_of, layout_copy
from .tensor_device import device, _CPU, _CUDA, _device_name, _move, _ToDevice, _check_same_device  # noqa: F401
from .tensor_views import _as_view, _add_alias, _weak_append, _is_view_of  # noqa: F401

_gstate = grad_mode._state
_FLOOR_DIVIDE = "torch::autograd::NotImplemented"  # torch's floor_divide has no derivative (teenygrad's is 0)


def _norm_dim(d, ndim, op):
    n = ndim if ndim > 0 else 1
    if type(d) is int and -n <= d < n:  # the hot path: a plain in-range int
        return d if d >= 0 else d + n
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
        raise TypeError(f"{op}: dim must be an int, got {d!r}")
    if not -n <= d < n:
        raise IndexError(f"{op}: dim out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _norm_dims(dim, ndim, op):
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(_norm_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
        return dims if ndim else ()
    d = _norm_dim(dim, ndim, op)  # a 0-d tensor takes dim 0 or -1 (and reduces over nothing)
    return (d,) if ndim else ()


_INT64 = np.dtype(np.int64)
_INT_FAST = 1 << 62  # int64 + a Python int below this in size: numpy's result is torch's (no promotion, no wrap)


class Size(tuple):
    """torch.Size: the tuple that .shape and .size() return, with numel(). It prints as the plain tuple, which
    is what every error message that names a shape shows."""
    __slots__ = ()

    def numel(self):
        return math.prod(self)


def _shape_arg(sizes, op=None, name="size"):
    """Sizes given as varargs or one sequence, each an int, a numpy int or a 0-d int tensor (never a truncated
    float). A bool first size is refused, as torch's parser then reads no tuple of ints (x.view(True, 6)), while a
    later bool passes as 0 or 1."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    what = f"{op}(): argument '{name}'" if op else name
    try:
        shape = tuple(map(operator.index, sizes))
    except TypeError:
        raise TypeError(f"{what} must be a tuple of ints, got {tuple(sizes)!r}") from None
    if shape and shape[0] <= 1 and type(sizes[0]) is bool:  # <= 1 first: the common size skips the type() call
        raise TypeError(f"{what} must be a tuple of ints, but found a bool first: {tuple(sizes)!r}")
    return shape


def _bool_arg(value, op, name):
    """torch's argument parser takes only a Python bool for a flag: 'yes', 1 and np.bool_(True) are refused."""
    if type(value) is not bool:
        raise TypeError(f"{op}(): argument '{name}' must be bool, not {type(value).__name__} ({value!r})")


def _int_arg(value, op, name):
    """An int argument as torch's parser takes one: an int, numpy int or 0-d int tensor; never a float or a bool."""
    if type(value) is int:
        return value
    if not isinstance(value, bool) and not (isinstance(value, Tensor) and value.dtype.kind == "b"):  # as torch
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__} ({value!r})")


def _legacy_array(data, dtype):
    if all(type(n) is int for n in data):  # Tensor(2, 3), and Tensor(): an empty one
        return np.zeros(data or (0,), dtype)
    if len(data) == 1:
        return _as_array(data[0], dtype)
    raise TypeError(f"Tensor: expected one sequence of data or int sizes, got {tuple(type(d).__name__ for d in data)}")


def _can_require_grad(d):
    """Floating point or complex: the dtypes a tensor that requires grad may have (torch's rule)"""
    return dt.is_floating(d) or d.kind == "c"


class Tensor:
    __slots__ = ("_data", "_requires_grad", "_grad", "_ctx", "_retains_grad", "__weakref__", "__dict__")
    __array_priority__ = 1000  # numpy scalars/arrays on the left defer to our reflected operators

    def __init__(self, *data, dtype=None, requires_grad=False, device=None):
        """torch.Tensor(data) or torch.Tensor(*sizes), the legacy constructor: a Python list or tuple, and a numpy
        array of any dtype, becomes the default float type (torch.Tensor(np.arange(3)) is float32, as torch's; a
        float32 array is shared, not copied), int sizes give a zero-filled tensor; tensors and numbers keep their
        dtype. dtype= (which torch's refuses) sets the dtype. Inside teenygrad, arrays become tensors through
        Tensor._from_data / _wrap, which keep their dtype."""
        if len(data) == 1 and type(data[0]) is Size:  # sizes, as torch's (Size([]): a 0-d tensor), not data
            a = np.zeros(data[0], dt.to_dtype(dtype) or dt._default_float)
        elif len(data) == 1 and type(data[0]) not in (list, tuple, int):
            d = data[0]
            if dtype is None and _function._is_array(d):  # a numpy or cupy array
                dtype = dt._default_float
            a = _as_array(d, dt.to_dtype(dtype))
        else:
            a = _legacy_array(data, dt.to_dtype(dtype) or dt._default_float)
        if device is not None:
            a = _move(a, device)
        self._data = a
        self._grad = None
        self._ctx = None
        self._retains_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _from_data(data, dtype=None, device=None):
        """A tensor of data with torch.tensor's dtype inference (ints stay int64), sharing arrays and tensors."""
        a = _as_array(data, dt.to_dtype(dtype))
        return Tensor._wrap(a if device is None else _move(a, device))

    @staticmethod  # static, not a classmethod: no bound method to build per call (it is called for every result)
    def _wrap(a, requires_grad=False):
        if type(a) is not np.ndarray and isinstance(a, np.generic):  # numpy ops on 0-d arrays give scalars
            a = np.asarray(a)
        t = Tensor.__new__(Tensor)
        t._data = a  # one store each: a 5-tuple unpack builds the tuple first
        t._grad = None
        t._ctx = None
        t._retains_grad = False
        t._requires_grad = requires_grad
        return t

    # ---- properties -------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        return Size(self._data.shape) if dim is None else self._data.shape[_norm_dim(dim, self.ndim, "size")]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return _CPU if type(self._data) is np.ndarray else _CUDA

    @property
    def is_cuda(self):
        return self.device == "cuda"

    def is_floating_point(self):
        return dt.is_floating(self._data.dtype)

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    def is_signed(self):
        return self._data.dtype.kind in "ifc" or dt.is_floating(self._data.dtype)

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        a = self._data
        if a.size == 0 and not any(a.strides):  # numpy makes a new empty array with strides 0: torch's C order
            st, n = [], 1                       # (a size-0 axis counts as 1)
            for s in reversed(a.shape):
                st.append(n)
                n *= max(s, 1)
            st = tuple(reversed(st))
        else:
            st = tuple(s // a.itemsize for s in a.strides)
        return st if dim is None else st[_norm_dim(dim, self.ndim, "stride")]

    @property
    def grad(self):
        g = self._grad
        if g is None and self._ctx is not None and not self._retains_grad:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                          UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, g):
        if g is not None:  # torch's checks (zero_grad's None skips them)
            if not isinstance(g, Tensor):
                raise TypeError(f"grad: assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(g).__name__}")
            if g._data.shape != self._data.shape:
                raise RuntimeError(f"grad: assigned grad has data of a different size: {g.shape} for a tensor "
                                   f"of shape {self.shape}")
            if g._data.dtype != self._data.dtype:
                raise RuntimeError(f"grad: assigned grad has data of a different type: {g.dtype} for a "
                                   f"{self.dtype} tensor")
            if type(g._data) is not type(self._data):
                raise RuntimeError(f"grad: assigned grad is on {g.device}, the tensor on {self.device}")
        self._grad = g

    @property
    def is_sparse(self):
        """Always False: teenygrad's tensors are dense (sparse=True layers give dense gradients)."""
        return False

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        ctx = self._ctx
        if ctx is not None and ctx.invalid:  # a no_grad view whose memory was written: torch refuses to read it
            ctx.backward(None)
        return ctx.parents[0] if ctx is not None and ctx.is_output_slot else ctx  # one node for all the outputs

    def _named(self, name):
        """self, its graph node (if any) showing torch's name `name`: for the ops where one teenygrad node stands for
        several of torch's (a Reshape for view, squeeze and unsqueeze; a Gather for topk and sort)."""
        if self._ctx is not None:
            self._ctx.torch_name = name
        return self

    @property
    def data(self):
        t = Tensor.__new__(Tensor)  # Tensor._wrap(self._data) spelled out: read in every SGD update
        t._data = self._data
        t._grad = None
        t._ctx = None
        t._retains_grad = False
        t._requires_grad = False
        if self._ctx is not None or not self._requires_grad:  # a graph node (or a plain tensor, which may join a
            _add_alias(self, t)  # graph) may be rebound by an in-place op: the alias must follow it
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):  # torch's message; an array or list would have been taken silently
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and not _can_require_grad(value._data.dtype):
            raise RuntimeError(f"data set to a tensor that requires gradients must be floating point or complex "
                               f"dtype, got {value.dtype}")
        self._data = value._data

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        if self.ndim == 0:  # torch: deprecated on 0-d, the tensor itself
            return self
        if self.ndim < 2:
            raise RuntimeError(f"mT: tensor of shape {self.shape} has fewer than 2 dims")
        return self.transpose(-2, -1)

    # ---- autograd ---------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        if requires_grad is not True and requires_grad is not False:  # torch: 1, numpy.bool_, None raise too
            _bool_arg(requires_grad, "requires_grad_", "requires_grad")
        if requires_grad and not _can_require_grad(self._data.dtype):
            raise RuntimeError(f"requires_grad_: only floating point and complex tensors can require gradients, "
                               f"got dtype {self.dtype}")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad flags of leaf variables")
        self._requires_grad = requires_grad
        return self

    def _set_requires_grad(self, value):
        """`t.requires_grad = v`, checked as torch checks it: a bool, a leaf (any value: use detach() for a non-leaf
        that should not require grad), a floating point or complex dtype to require it."""
        if value is not True and value is not False:
            raise RuntimeError(f"requires_grad must be a bool, got {type(value).__name__}")
        if self._ctx is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables." + (
                "" if value else " If you want to use a computed variable in a subgraph that doesn't require "
                                 "differentiation use var_no_grad = var.detach()."))
        if value and not _can_require_grad(self._data.dtype):
            raise RuntimeError(f"only Tensors of floating point and complex dtype can require gradients, got "
                               f"{self.dtype}")
        self._requires_grad = value

    # a property over the slot, for the check on assignment; teenygrad's hot paths read the slot itself
    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad)

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a Tensor that has requires_grad=False")
        if self._ctx is not None:
            self._retains_grad = True
            self._ctx.retained_by = self  # backward stores the node's gradient here
        return self

    @property
    def retains_grad(self):
        return self._retains_grad

    def detach(self):
        t = Tensor._wrap(self._data)
        if self._ctx is not None or not self._requires_grad:  # see .data
            _add_alias(self, t)
        tensor_inplace._share_counter(t, self)  # unlike .data, it shares the version counter too (as torch's)
        return t

    @property
    def _version(self):
        """torch's count of in-place writes to this tensor's memory: shared by its views and detach() aliases, not by
        .data (tensor_inplace._count_write counts each write where it is stamped)."""
        return tensor_inplace._counter_owner(self).__dict__.get("_nwrites", 0)

    def detach_(self):
        d = self.__dict__  # a view, plain (tensor_inplace._plain_view) or in the graph: torch refuses, as its base's
        if d.get("_recipe") is not None or "_nograd_view" in d or (  # graph and version counter are shared with it
                self._ctx is not None and tensor_inplace._view_base(self) is not None):
            raise RuntimeError(f"detach_: can't detach views in-place (this tensor of shape {self.shape} is a view "
                               f"of another); use detach() instead")
        self._ctx, self._requires_grad = None, False
        return self

    def register_hook(self, hook):
        """hook(grad) -> None or a gradient to use instead, run when backward reaches this tensor (autograd/hooks)."""
        from .autograd.hooks import register_hook
        return register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) -> None, run once backward has accumulated this leaf's .grad (autograd/hooks)."""
        from .autograd.hooks import register_post_accumulate_grad_hook
        return register_post_accumulate_grad_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if create_graph:  # the backward pass recorded as a graph (double backward); keeps the graph, as torch
            from .autograd.engine import backward_graph
            return backward_graph(self, gradient, inputs)
        g = root_grad("backward", self, gradient)
        if inputs is not None:  # accumulate into these tensors' .grad only
            from .autograd.engine import backward_into
            return backward_into(self, g, bool(retain_graph), inputs)
        run_backward(self, g, bool(retain_graph))

    # ---- Python protocols (numpy, item, repr, to() and the dtype casts are in tensor_convert) -----
    def _scalar(self, op):
        """The one element as a Python number for float() / int() / complex(), torch's errors otherwise."""
        if self._data.size != 1:
            raise ValueError(f"{op}: only one element tensors can be converted to Python scalars (got shape "
                             f"{tuple(self._data.shape)})")
        v = self.item()
        if op != "complex" and isinstance(v, builtins.complex):
            if v.imag:
                raise RuntimeError(f"{op}: value {v} cannot be converted to type double without overflow")
            v = v.real
        return v

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return builtins.complex(self._scalar("complex"))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is ambiguous")
        return bool(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __hash__(self):
        return id(self)

    def clone(self, memory_format=None):
        """A copy with torch's strides (tensor_convert._clone_order): self's axis order by default, so a transpose
        stays a transpose; C order for contiguous_format."""
        a = self._data
        if a.flags.c_contiguous and memory_format is None:
            return E.Cast.apply(self, dtype=a.dtype)._named("CloneBackward0") if self._requires_grad else \
                Tensor._wrap(a.copy())
        order = _clone_order(a, memory_format)
        if self._requires_grad:
            return E.Cast.apply(self, dtype=a.dtype, order=order)._named("CloneBackward0")
        return Tensor._wrap(layout_copy(a, a.dtype, order))

    def realize(self):
        return self  # eager: always realized (tinygrad name)

    # ---- operator plumbing ------------------------------------------------------------------------
    def _other(self, other, op):
        """Bring a binary op's operands to torch's promoted dtype; scalars become 0-d constants."""
        a = self
        if isinstance(other, Tensor):
            if other._data.dtype is a._data.dtype or other._data.dtype == a._data.dtype:
                if type(other._data) is not type(a._data):
                    _check_same_device(a, other, op)
                return a, other
            _check_same_device(a, other, op)
            rt = dt.result_type(a.dtype, a.ndim, other.dtype, other.ndim)
            return a._cast(rt), other._cast(rt)
        if type(other) is builtins.float and a._data.dtype.kind == "f" and type(a._data) is np.ndarray:
            return a, Tensor._wrap(np.asarray(other, dtype=a._data.dtype))  # hot path: float tensor (op) float
        if isinstance(other, (builtins.float, builtins.int, builtins.bool, np.number, np.bool_, builtins.complex)):
            rt = dt.result_type(a.dtype, a.ndim, dt.scalar_dtype(other), -1)
            if rt != a.dtype:
                a = a._cast(rt)
            try:
                arr = np.asarray(other, dtype=rt)
            except OverflowError:  # torch wraps out-of-range Python ints (uint8 + 300); numpy 2 refuses
                arr = np.asarray(other).astype(rt)
            if type(a._data) is not np.ndarray:
                arr = xp_of(a._data).asarray(arr)
            return a, Tensor._wrap(arr)
        if isinstance(other, (list, tuple, np.ndarray)):
            return self._other(Tensor._from_data(other), op)
        raise TypeError(f"{op}: unsupported operand type {type(other).__name__}")

    def _float_pair(self, other, op):
        """The operands of an op with a floating result (true division, atan2, ...). Where the promoted type is an
        integer one, each operand goes straight to the default float, as in torch (promoting to the integer type
        first would wrap: a uint8 tensor / an int8 0-d tensor -3 would divide by 253)."""
        a, b = self._other(other, op)
        if dt.is_floating(a._data.dtype) or a._data.dtype.kind == "c":  # complex: a float result already
            return a, b
        f = dt._default_float
        return self._cast(f)._other(other._cast(f) if isinstance(other, Tensor) else other, op)

    def _float_operand(self):
        d = self._data.dtype
        if d.kind == "f" or dt.is_floating(d):  # kind: the common case
            return self
        if d.kind == "c":  # casting would drop the imaginary part: a silent wrong answer
            raise NotImplementedError(f"not implemented for complex tensors (got {self.dtype}): this op is real-only "
                                      f"in teenygrad")
        return self._cast(dt._default_float)

    def _half_number(self, o):
        """x * number or x / number with x float16/bfloat16: torch multiplies in float32 by the number as it is and
        rounds once, where numpy would first round the number to x's dtype (x * 1e-8 -> 0, x * 70000 -> inf); torch's
        add and sub do round the number first, as numpy does. The caller redoes the op in float32."""
        return (self._data.itemsize == 2 and self._data.dtype.kind in "fV"
                and isinstance(o, (builtins.float, builtins.int)) and not isinstance(o, builtins.bool))

    def _in_float32(self, op, o, name):
        """self.op(o) in float32, rounded once; its node shows torch's one node's name (MulBackward0), as print(y)"""
        return getattr(self._cast(dt.float32), op)(o)._cast(self.dtype)._named(name)

    def _alpha_in_float32(self, op, b, alpha):
        """float16/bfloat16 a + alpha b (or a - alpha b) as torch's kernel: alpha rounded to the dtype, the rest in
        float32, rounded once."""
        alpha = builtins.float(np.asarray(alpha, dtype=self._data.dtype))
        out = getattr(self._cast(dt.float32), op)(b._cast(dt.float32), alpha)._cast(self.dtype)
        return out._named("AddBackward0" if op == "add" else "SubBackward0")

    def add(self, other, alpha=1):
        a, b = self._other(other, "add")
        if alpha != 1:
            if a._data.itemsize == 2 and a._data.dtype.kind in "fV":
                return a._alpha_in_float32("add", b, alpha)
            b = b * _check_alpha(a, alpha, "add")
        return E.Add.apply(a, b)

    def sub(self, other, alpha=1):
        if self._data.dtype.kind == "b" or _is_bool(other):
            raise RuntimeError(_BOOL_SUB)
        a, b = self._other(other, "sub")
        if alpha != 1:
            if a._data.itemsize == 2 and a._data.dtype.kind in "fV":
                return a._alpha_in_float32("sub", b, alpha)
            b = b * _check_alpha(a, alpha, "sub")
        return E.Sub.apply(a, b)

    def mul(self, other):
        if self._data.itemsize == 2 and self._half_number(other):
            return self._in_float32("mul", other, "MulBackward0")
        if type(other) is builtins.float and self._data.dtype.kind == "f" and type(self._data) is np.ndarray:
            return self._mul_float(other)
        a, b = self._other(other, "mul")
        return E.Mul.apply(a, b)

    def _mul_float(self, s):
        """x * s, s a Python float, x a float host tensor: the hot path (x * 0.5, -lr * grad)."""
        if self._requires_grad and _gstate["enabled"]:
            return E.MulScalar.apply(self, s=s)  # no 0-d constant tensor to build
        return Tensor._wrap(self._data * s)  # no graph to record (an SGD update): skip Function.apply

    def div(self, other, rounding_mode=None):
        if rounding_mode is None and self._data.dtype.kind in "biu" and not isinstance(other, Tensor):
            return self._cast(dt._default_float).div(other)  # int / number: in float, the number unwrapped
        if self._data.itemsize == 2 and self._half_number(other):
            if rounding_mode is None:
                return self._in_float32("div", other, "DivBackward0")
            return self._cast(dt.float32).div(other, rounding_mode)._cast(self.dtype)._named("DivBackward2")
        a, b = self._other(other, "div")
        if rounding_mode is not None:
            if rounding_mode not in ("floor", "trunc"):
                raise RuntimeError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
            if a.dtype.kind in "bc":
                raise NotImplementedError(f"div: rounding_mode={rounding_mode!r} is not implemented for {a.dtype} "
                                          f"tensors")
            if a.dtype.kind in "iub" and np.any(b._data == 0) and _nonempty_result(a, b):
                raise RuntimeError(f"div: ZeroDivisionError: integer division by zero ({a.dtype} tensors of shapes "
                                        f"{a.shape} and {b.shape})")
            with np.errstate(divide="ignore", invalid="ignore"):
                return E.Piecewise.apply(a, b, fn=np.floor_divide if rounding_mode == "floor"
                                         else E.trunc_divide)._named("DivBackward2")
        if a.dtype.kind not in "fc" and not dt.is_floating(a.dtype):  # true division of integers: the default float
            a, b = self._float_pair(other, "div")
        return E.Div.apply(a, b)

    def pow(self, exponent):
        if isinstance(exponent, (builtins.int, builtins.float)) and not isinstance(exponent, builtins.bool):
            a, _ = self._other(exponent, "pow")
            if a.dtype.kind in "iu" and exponent < 0:
                raise RuntimeError("pow: integers to negative integer powers are not allowed")
            # a Python number, never numpy's float64 (a float subclass): x ** np.float64(2.5) stays float32
            return E.PowScalar.apply(a, p=a.dtype.type(exponent) if a.dtype.kind in "iu" else builtins.float(exponent))
        a, b = self._other(exponent, "pow")
        if a.dtype.kind == "b":  # torch: bool ** bool tensor is refused, bool ** Python bool stays bool
            if isinstance(exponent, Tensor):
                raise NotImplementedError("pow: not implemented for bool tensors")
            return Tensor._wrap(a._data | (not exponent))  # x ** True = x, x ** False = True
        return E.Pow.apply(a, b)

    # x (op) y for two tensors of one dtype on one device, the hot case: straight to the Function, skipping
    # add/sub/mul/div and _other (no promotion, device or bool checks can fail there); anything else goes the long way
    def __add__(self, o):
        if isinstance(o, Tensor):
            a, b = self._data, o._data
            if a.dtype is b.dtype and type(a) is type(b):
                return E.Add.apply(self, o)
        elif type(o) is builtins.int and self._data.dtype is _INT64 and type(self._data) is np.ndarray \
                and -_INT_FAST < o < _INT_FAST:  # i + block_size on an index (nanoGPT's get_batch): no graph
            return Tensor._wrap(np.asarray(self._data + o))
        return self.add(o)

    def __radd__(self, o):
        a, b = self._other(o, "add")
        return E.Add.apply(a, b)  # x + number, as torch: the number is the node's second input (addition commutes)

    def __sub__(self, o):
        if isinstance(o, Tensor):
            a, b = self._data, o._data
            if a.dtype is b.dtype and type(a) is type(b) and a.dtype.kind != "b":
                return E.Sub.apply(self, o)
        return self.sub(o)

    def __rsub__(self, o):
        if self._data.dtype.kind == "b" or _is_bool(o):
            raise RuntimeError(_BOOL_SUB)
        b, a = self._other(o, "sub")
        out = E.Sub.apply(a, b)
        if out.grad_fn is not None:
            out.grad_fn.torch_name = "RsubBackward1"  # torch's name for number - x; Sub alone reads SubBackward0
        return out

    def __mul__(self, o):
        if isinstance(o, Tensor):
            a, b = self._data, o._data
            if a.dtype is b.dtype and type(a) is type(b):
                return E.Mul.apply(self, o)
        elif type(o) is builtins.float:
            a = self._data
            if a.dtype.kind == "f" and type(a) is np.ndarray and a.itemsize != 2:  # mul's hot path, _mul_float inlined
                if self._requires_grad and _gstate["enabled"]:
                    return E.MulScalar.apply(self, s=o)
                return Tensor._wrap(a * o)
        return self.mul(o)

    def __rmul__(self, o):
        a = self._data
        if type(o) is builtins.float and a.dtype.kind == "f" and type(a) is np.ndarray and a.itemsize != 2:
            # hot path, as in mul (-lr * grad): float * float tensor commutes exactly; _mul_float inlined
            if self._requires_grad and _gstate["enabled"]:
                return E.MulScalar.apply(self, s=o)
            return Tensor._wrap(a * o)
        if a.itemsize == 2 and self._half_number(o):
            return self._in_float32("__rmul__", o, "MulBackward0")
        a, b = self._other(o, "mul")
        return E.Mul.apply(a, b)  # x * number, as torch (multiplication commutes)

    def __truediv__(self, o):
        if isinstance(o, Tensor):
            a, b = self._data, o._data
            if a.dtype is b.dtype and type(a) is type(b) and a.dtype.kind == "f":
                return E.Div.apply(self, o)
        return self.div(o)

    def __rtruediv__(self, o):
        if self._data.dtype.kind in "biu" and not isinstance(o, Tensor):
            return self._cast(dt._default_float).__rtruediv__(o)
        d = self._data.dtype
        if (d.kind == "f" or dt.is_floating(d)) and not isinstance(o, Tensor):  # kind: the common case
            # torch computes number / x as (1 / x) * number (rounded twice), not as one division
            return self.reciprocal().mul(o)
        b, a = self._other(o, "div")
        return a.div(b)

    def __floordiv__(self, o):
        return self.div(o, rounding_mode="floor")._named(_FLOOR_DIVIDE)

    def __rfloordiv__(self, o):
        b, a = self._other(o, "floordiv")
        return a.div(b, rounding_mode="floor")._named(_FLOOR_DIVIDE)

    def __mod__(self, o):
        a, b = self._other(o, "remainder")
        return _remainder(a, b, isinstance(o, Tensor))

    remainder = __mod__

    def __rmod__(self, o):
        b, a = self._other(o, "remainder")
        return _remainder(a, b, True)

    def __pow__(self, o):
        return self.pow(o)

    def __rpow__(self, o):
        b, a = self._other(o, "pow")
        if a.dtype.kind == "b":
            raise NotImplementedError("pow: not implemented for bool tensors")
        return E.Pow.apply(a, b)._named("PowBackward2")  # torch's name for number ** x

    def __neg__(self):
        if self.dtype == dt.bool:
            raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; use ~ or logical_not")
        return E.Neg.apply(self)

    neg = __neg__

    def __pos__(self):
        return self

    def __matmul__(self, o):
        return self.matmul(o)

    def __rmatmul__(self, o):
        return Tensor(o).matmul(self) if not isinstance(o, Tensor) else o.matmul(self)

    def __abs__(self):
        return self.abs()


def _check_modulo(a, b, op):
    """remainder and fmod of operands promoted to one dtype: torch refuses bool, and integer modulo by zero."""
    kind = a._data.dtype.kind
    if kind in "bc":  # complex numbers have no ordering, so no floor either
        raise NotImplementedError(f"{op}: not implemented for {a.dtype} tensors")
    if kind in "iu" and not np.all(b._data) and _nonempty_result(a, b):
        raise RuntimeError(f"{op}: ZeroDivisionError: integer modulo by zero (shapes {a.shape}, {b.shape})")


def _nonempty_result(a, b):
    """Whether a op b has any element: torch's integer division checks its divisors only where it divides, so an
    empty result (a zero-size operand, broadcast) divides by nothing and never raises."""
    return math.prod(np.broadcast_shapes(a.shape, b.shape)) > 0


def _remainder(a, b, by_tensor):
    """a % b for operands already promoted to one dtype (Python's sign rule, as torch); by_tensor: b was a tensor
    (torch's node is then RemainderBackward1, with b among its inputs)."""
    _check_modulo(a, b, "remainder")
    out = E.Remainder.apply(a, b)
    return out._named("RemainderBackward1") if by_tensor else out


def _check_alpha(a, alpha, op):
    """alpha as torch applies it to a result of a's dtype: a floating alpha is refused for integral tensors (numpy
    would upcast the result), a bool one for all but bool results, and a bool result takes alpha as a bool (scaling
    by alpha must not promote the result to int64)."""
    kind = a._data.dtype.kind
    if isinstance(alpha, (builtins.float, np.floating)) and kind in "iub":
        raise RuntimeError(f"{op}: for integral input tensors, argument alpha must not be a floating point number "
                           f"(got {alpha})")
    if kind == "b":
        return builtins.bool(alpha)
    if isinstance(alpha, (builtins.bool, np.bool_)):
        raise RuntimeError(f"{op}: boolean alpha only supported for boolean results (got {a.dtype})")
    return alpha


def _shared_memory_error(op, t):
    """numpy refused a write into t's array: it views memory it shares between elements (an expand), or the array
    that owns it is read-only (from_numpy / as_tensor of a read-only numpy array)."""
    root, b = t._data, t._data.base
    while b is not None:  # up through views and as_strided's interface holders to the array that owns the memory
        if isinstance(b, np.ndarray):
            root = b
        elif not hasattr(b, "__array_interface__"):
            break
        b = getattr(b, "base", None)
    if type(root) is np.ndarray and not root.flags.writeable:
        return ValueError(f"{op}: the tensor's memory (shape {tuple(root.shape)}) is a read-only array; clone() it "
                          f"first")
    return RuntimeError(f"{op}: unsupported operation: more than one element of the written-to tensor (shape "
                        f"{t.shape}, an expand/broadcast view) refers to a single memory location; clone() it first")


_BOOL_SUB = ("sub: subtraction, the `-` operator, with a bool tensor is not supported; use `^` or logical_xor, "
             "or ~ / logical_not to invert a mask")


def _is_bool(o):
    return isinstance(o, (builtins.bool, np.bool_)) or (isinstance(o, Tensor) and o._data.dtype.kind == "b")


def zero_grads(params, set_to_none=True):
    """Module.zero_grad and Optimizer.zero_grad: drop each gradient (torch's default) or zero it in place."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        elif p.grad.requires_grad:  # a gradient with a graph (backward(create_graph=True)): detached, as torch does,
            from .autograd.grad_mode import no_grad
            with no_grad():  # then zeroed as an in-place write, which a graph that saved it will notice
                p.grad.zero_().detach_()
        else:
            p.grad._data[...] = 0
            rows = p.grad.__dict__.get("_sparse_rows")
            if rows is not None:  # a zeroed sparse gradient holds no rows (torch's nnz 0): optim.SparseAdam reads it
                rows[:] = False


def _needs_grad(o):
    return isinstance(o, Tensor) and o.requires_grad


def _arr(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


_function.Tensor = Tensor
from .tensor_convert import _as_array, _clone_order  # noqa: E402  (adds numpy, item, repr, to, the casts)
from . import tensor_compare  # noqa: E402,F401  (adds the comparison, bitwise and logical methods)
from . import tensor_inplace  # noqa: E402,F401  (adds the in-place methods)
from . import tensor_ops  # noqa: E402,F401  (adds the math, reduction, movement and indexing methods)
