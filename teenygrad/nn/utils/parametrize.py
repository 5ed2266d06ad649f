"""torch.nn.utils.parametrize: a module attribute computed from stored tensors (weight = f(original)).
As torch, the parametrized module's class is swapped for a one-off subclass holding a property per parametrized
name, so only parametrized modules pay for the indirection: every other module's attribute access is unchanged.
The stored tensors live in module.parametrizations[name] (a ParametrizationList) as original, or original0,
original1, ... when the first parametrization's right_inverse returns several tensors."""
import contextlib
import copy
from ...tensor import Tensor
from ...autograd import no_grad
from ..parameter import Parameter
from ..modules.container import ModuleList, ModuleDict
from ..modules.module import Module

_cache_enabled = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Inside this block each parametrized tensor is computed once (on first access) and then reused."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _set_data(original, value):
    """Give `original` value's contents, keeping the object (an optimizer may hold it), as torch's set_."""
    original._data = value._data.copy()
    original._mark_written()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order to the stored original(s)."""

    def __init__(self, modules, original, unsafe=False):
        if not modules:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = original.shape, original.dtype
        with no_grad():  # the stored value is what the right inverses give back for the current one
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:  # as torch: taken as the identity at registration
                        pass
        if not isinstance(new, (Tensor, list, tuple)):
            raise ValueError(f"register_parametrization: 'right_inverse' must return a Tensor or a sequence of "
                             f"tensors, got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            # original takes new's contents in place (an optimizer may hold it): its shape may change (forward
            # maps it back, checked below), its dtype may not, even when unsafe (as torch)
            if new.dtype != dtype:
                raise ValueError(f"register_parametrization: when right_inverse returns one tensor it may not change "
                                 f"the dtype: original {dtype}, right_inverse(original) {new.dtype}")
            with no_grad():
                _set_data(original, new)
            _register(self, "original", original)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError(f"register_parametrization: 'right_inverse' must return a Tensor or a "
                                     f"sequence of tensors, got element {i} of type {type(t).__name__}")
                if isinstance(original, Parameter):
                    t = Parameter(t.detach().clone(), original.requires_grad)
                _register(self, f"original{i}", t)
        if not unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"register_parametrization: a parametrization must return a tensor, got "
                                 f"{type(Z).__name__}")
            if Z.dtype != dtype:
                raise ValueError(f"register_parametrization: a parametrization may not change the dtype of the "
                                 f"tensor unless unsafe=True: unparametrized {dtype}, parametrized {Z.dtype}")
            if Z.shape != shape:
                raise ValueError(f"register_parametrization: a parametrization may not change the shape of the "
                                 f"tensor unless unsafe=True: unparametrized {tuple(shape)}, parametrized "
                                 f"{tuple(Z.shape)}")

    def right_inverse(self, value):
        """Assigning to the parametrized attribute stores the right inverses of value (without a graph)."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                else:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse")
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor, got {type(value).__name__}")
                if value.dtype != self.original.dtype or (not self.unsafe and value.shape != self.original.shape):
                    raise ValueError(f"parametrize: right_inverse of the tensor assigned must keep original's dtype "
                                     f"{self.original.dtype} and shape {tuple(self.original.shape)}, got "
                                     f"{value.dtype} {tuple(value.shape)}")
                _set_data(self.original, value)
            else:
                if len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} tensors, got "
                                     f"{len(value)}")
                for i, t in enumerate(value):
                    _set_data(getattr(self, f"original{i}"), t)

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _register(module, name, t):
    if isinstance(t, Parameter):
        module.register_parameter(name, t)
    else:
        module.register_buffer(name, t)


def _parametrized_property(name):
    def get(self):
        if not _cache_enabled:
            return self.parametrizations[name]()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = self.parametrizations[name]()
        return _cache[key]

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)
    return property(get, set_)


def _parametrized_class(cls, namespace=None):
    """A one-off subclass of cls for one module, to hold its parametrized properties."""
    def __setattr__(self, name, value):
        if isinstance(value, (Parameter, Module)) and is_parametrized(self, name):
            raise KeyError(f"attribute '{name}' already exists: it is parametrized (assign a tensor to store it "
                           "through the right inverse, or call remove_parametrizations first)")
        cls.__setattr__(self, name, value)

    def __getstate__(self):
        raise RuntimeError("Serialization of parametrized modules is only supported through state_dict().")

    def __deepcopy__(self, memo):
        replica = object.__new__(_parametrized_class(cls, dict(type(self).__dict__)))  # its own properties
        memo[id(self)] = replica
        replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return replica
    namespace = dict(namespace or {}, __setattr__=__setattr__, __getstate__=__getstate__,
                     __deepcopy__=__deepcopy__)
    return type(f"Parametrized{cls.__name__}", (cls,), namespace)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make module.<tensor_name> = parametrization(original); a second call on the same name chains."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be an nn.Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor) or X.dtype != Y.dtype or X.shape != Y.shape:
                raise ValueError(f"register_parametrization: a parametrization may not change the dtype or shape "
                                 f"of '{tensor_name}' unless unsafe=True: {Y.dtype} {tuple(Y.shape)} became "
                                 f"{getattr(X, 'dtype', type(X).__name__)} {tuple(getattr(X, 'shape', ()))}")
            if hasattr(parametrization, "right_inverse"):  # assigning to the name will need it: check it as torch
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    Z = Y
                if not isinstance(Z, Tensor) or Z.dtype != Y.dtype or Z.shape != Y.shape:
                    raise ValueError(f"register_parametrization: right_inverse may not change the dtype or shape of "
                                     f"'{tensor_name}' unless unsafe=True: {Y.dtype} {tuple(Y.shape)} became "
                                     f"{getattr(Z, 'dtype', type(Z).__name__)} {tuple(getattr(Z, 'shape', ()))}")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"register_parametrization: module '{type(module).__name__}' does not have a parameter, "
                         f"a buffer, or a parametrized element with name '{tensor_name}'")
    original = getattr(module, tensor_name)
    if original is None:
        raise ValueError(f"register_parametrization: '{tensor_name}' of {type(module).__name__} is None")
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.parametrizations = ModuleDict()
        module.__class__ = _parametrized_class(type(module))
    module.parametrizations[tensor_name] = plist
    setattr(type(module), tensor_name, _parametrized_property(tensor_name))
    return module


def is_parametrized(module, tensor_name=None):
    """Whether module has any parametrization (or one on tensor_name)."""
    plists = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(plists, ModuleDict):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def type_before_parametrizations(module):
    """The module's class as it was before any parametrization was registered."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo register_parametrization: tensor_name becomes a parameter (or buffer) again, holding the current
    parametrized value (leave_parametrized) or the stored original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: module {type(module).__name__} does not have a "
                         f"parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
                if t.dtype != original.dtype:  # torch's set_ takes a new shape (unsafe=True), not a new dtype
                    raise RuntimeError(f"remove_parametrizations: the parametrized '{tensor_name}' "
                                       f"({t.dtype} {tuple(t.shape)}) doesn't fit the original "
                                       f"({original.dtype} {tuple(original.shape)}): its dtype differs")
                _set_data(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("remove_parametrizations: cannot leave unparametrized (`leave_parametrized=False`) a "
                             "tensor that is parametrized in terms of a sequence of tensors.")
        with no_grad():
            t = getattr(module, tensor_name)
        original = Parameter(t.detach(), plist.original0.requires_grad) \
            if isinstance(plist.original0, Parameter) else t.detach()
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def transfer_parametrizations_and_params(from_module, to_module, tensor_name=None):
    """Give to_module the parametrizations of from_module (all, or those of tensor_name), sharing the same
    parametrization modules and the same stored original tensors, as torch's."""
    if not is_parametrized(from_module, tensor_name):
        return to_module
    for name in list(from_module.parametrizations) if tensor_name is None else [tensor_name]:
        if not hasattr(to_module, name):  # the tensor to parametrize: a copy of from_module's current value
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        src = from_module.parametrizations[name]
        for parametrization in src:
            register_parametrization(to_module, name, parametrization)
        dst = to_module.parametrizations[name]
        for orig in ["original"] if hasattr(src, "original") else [f"original{i}" for i in range(src.ntensors)]:
            setattr(dst, orig, getattr(src, orig))
    return to_module
