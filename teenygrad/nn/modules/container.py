"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: modules that hold other modules."""
import collections
import operator
from .module import Module
from ..parameter import Parameter
from ...tensor import Tensor


def _check_module(m, op):
    if not isinstance(m, Module):
        raise TypeError(f"{op}: {type(m).__name__} is not a Module subclass")
    return m


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children kept in order, indexed by position (negative too)."""

    def _index(self, idx):
        n = len(self._modules)
        i = operator.index(idx)
        if not -n <= i < n:
            raise IndexError(f"{type(self).__name__}: index {idx} is out of range for length {n}")
        return list(self._modules)[i % n]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):  # torch leaves the positions ('0', '1', ...) out
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, module):
        self.add_module(str(len(self)), _check_module(module, f"{type(self).__name__}.append"))
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def _insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, _check_module(module, f"{type(self).__name__}.insert"))
        self.__dict__["_modules"] = {str(i): m for i, m in enumerate(mods)}


class Sequential(_ModuleSequence):
    """Sequential(m0, m1, ...) or Sequential(OrderedDict(name=module)): calls each in turn."""
    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, _check_module(m, "Sequential"))
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), _check_module(m, "Sequential"))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(collections.OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._index(idx)]

    def __setitem__(self, idx, module):
        setattr(self, self._index(idx), _check_module(module, "Sequential"))

    def __delitem__(self, idx):
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [self._index(idx)]
        for k in keys:
            del self._modules[k]
        # renumber so indices stay 0..n-1, as torch does
        self.__dict__["_modules"] = {str(i): m for i, m in enumerate(self._modules.values())}

    def insert(self, index, module):
        n = len(self)
        if not -n <= operator.index(index) <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for length {n}")
        self._insert(index, module)
        return self  # torch's Sequential.insert returns self; ModuleList.insert returns None

    def pop(self, index):
        m = self[index]
        del self[index]
        return m

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise TypeError(f"Sequential: can only add another Sequential, got {type(other).__name__}")
        return Sequential(*self, *other)

    def __iadd__(self, other):  # in place, as torch (the default would build a new Sequential)
        if not isinstance(other, Sequential):
            raise TypeError(f"Sequential: can only add another Sequential, got {type(other).__name__}")
        return self.extend(list(other))

    def __mul__(self, times):
        """The same modules (shared, not copied) `times` times over, as torch."""
        return Sequential(*self).__imul__(times)

    __rmul__ = __mul__

    def __imul__(self, times):
        if not isinstance(times, int):
            raise TypeError(f"Sequential: can only be multiplied by an int, got {type(times).__name__}")
        if times <= 0:
            raise ValueError(f"Sequential: non-positive multiplication factor {times}")
        return self.extend(list(self) * (times - 1))

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the parent module sees (a plain list would hide them)."""
    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[self._index(idx)]

    def __setitem__(self, idx, module):
        self.add_module(self._index(idx), _check_module(module, "ModuleList"))

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        del mods[idx]
        self.__dict__["_modules"] = {str(i): m for i, m in enumerate(mods)}

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def __iadd__(self, modules):
        return self.extend(modules)

    def insert(self, index, module):
        self._insert(index, module)

    def pop(self, index=-1):
        m = self[index]
        del self[index]
        return m

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call each module")

    def __repr__(self):
        """Like torch: runs of identical modules print once, as `(0-11): 12 x Block(...)`."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        runs = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = [(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}").replace("\n", "\n  ")
                 for a, b, r in runs]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class _RegistryDict(Module):
    """The dict methods ModuleDict and ParameterDict share, over the registry named by `_registry`
    (`_modules` or `_parameters`); setting an item is each subclass's own (it checks and registers)."""
    _registry = "_modules"

    @property
    def _store(self):
        return self.__dict__[self._registry]

    def __len__(self):
        return len(self._store)

    def __iter__(self):
        return iter(self._store)

    def __contains__(self, key):
        return key in self._store

    def keys(self):
        return self._store.keys()

    def values(self):
        return self._store.values()

    def items(self):
        return self._store.items()

    def update(self, items):
        for k, v in (items.items() if hasattr(items, "items") else items):
            self[k] = v


class ModuleDict(_RegistryDict):
    """A dict of modules (insertion-ordered), registered as children under their keys."""
    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r} (keys: {list(self._modules)})")
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, _check_module(module, "ModuleDict"))

    def __delitem__(self, key):
        del self._modules[key]

    def pop(self, key):
        m = self[key]
        del self[key]
        return m

    def clear(self):
        self._modules.clear()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); index it and call a module")


def _as_parameter(p):
    """What a parameter container stores: a Parameter as it is, a tensor wrapped into one (None stays None)."""
    return p if p is None or isinstance(p, Parameter) else Parameter(p)


def _describe(p, kind):
    """torch's line for one entry of a ParameterList / ParameterDict: `Parameter containing: [torch.float32 of
    size 2x3]` (ParameterDict names the type, torch.FloatTensor, instead of the dtype)."""
    if p is None:
        return "Object of type: NoneType"
    size = "x".join(str(n) for n in p.shape)
    where = f" ({p.device})" if p.device.type != "cpu" else ""
    return f"Parameter containing: [{p.type() if kind == 'dict' else 'torch.' + str(p.dtype)} of size {size}{where}]"


class _ParameterContainer(Module):
    """torch's repr for ParameterList / ParameterDict: one line per entry (Module's repr would show none)."""
    _kind = "list"

    def extra_repr(self):
        return "\n".join(f"  ({k}): {_describe(p, self._kind)}" for k, p in self._parameters.items())

    def __repr__(self):
        body = self.extra_repr()
        if "\n" not in body:
            return f"{type(self).__name__}({body})"
        return f"{type(self).__name__}(\n  " + body.replace("\n", "\n  ") + "\n)"

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} should not be called.")


class ParameterList(_ParameterContainer):
    def __init__(self, values=None):
        super().__init__()
        for v in values or []:
            self.append(v)

    def _key(self, idx):
        n = len(self._parameters)
        i = operator.index(idx)
        if not -n <= i < n:
            raise IndexError(f"ParameterList: index {idx} is out of range for length {n}")
        return str(i % n)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self)[idx])
        return self._parameters[self._key(idx)]

    def __setitem__(self, idx, p):
        self._parameters[self._key(idx)] = _as_parameter(p)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __dir__(self):  # torch leaves the positions ('0', '1', ...) out
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, p):
        self.register_parameter(str(len(self)), _as_parameter(p))
        return self

    def extend(self, ps):
        if isinstance(ps, Tensor):  # iterating would append its rows, one parameter each
            raise TypeError("ParameterList.extend should be called with an iterable of parameters, but got Tensor")
        for p in list(ps):  # a copy: ps may be this list
            self.append(p)
        return self

    __iadd__ = extend


class ParameterDict(_RegistryDict, _ParameterContainer):
    """A dict of parameters (insertion-ordered; a plain dict given to the constructor or update() is taken in
    sorted key order, as torch), with dict's methods."""
    _registry, _kind = "_parameters", "dict"

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key not in self._parameters:
            raise KeyError(f"ParameterDict: no parameter named {key!r} (keys: {list(self._parameters)})")
        return self._parameters[key]

    def __setitem__(self, key, p):
        self.register_parameter(key, _as_parameter(p))

    def __delitem__(self, key):
        self[key]  # noqa: B018  the KeyError that names the keys
        del self._parameters[key]

    def __reversed__(self):
        return reversed(list(self._parameters))

    def update(self, parameters):
        if isinstance(parameters, dict) and not isinstance(parameters, collections.OrderedDict):
            parameters = sorted(parameters.items())  # torch sorts a plain mapping's keys
        super().update(parameters)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key):
        p = self[key]
        del self[key]
        return p

    def popitem(self):
        if not self._parameters:
            raise KeyError("ParameterDict.popitem: the dictionary is empty")
        key = next(reversed(self._parameters))
        return key, self.pop(key)

    def clear(self):
        self._parameters.clear()

    def copy(self):
        return ParameterDict(collections.OrderedDict(self._parameters))

    def fromkeys(self, keys, default=None):
        return ParameterDict(collections.OrderedDict((k, default) for k in keys))

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other):
        self.update(other)
        return self
