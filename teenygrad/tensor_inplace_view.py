"""In-place view ops: t_, transpose_ (swapdims_, swapaxes_), squeeze_, unsqueeze_, as_strided_ change only the tensor's shape and
strides, as torch's do, so the tensor becomes a view of its old self. torch counts each as a write (its version
counter moves): graphs that saved the tensor refuse their backward afterwards, as after any in-place op."""
from weakref import ref as _weakref
from .tensor import Tensor, _gstate
from .tensor_inplace import _bump, _keeps_memory, _multi_view_of, _nograd_root, _rebind

_LEAF = ("{op}: a leaf Variable that requires grad is being used in an in-place operation; wrap it in "
         "teenygrad.no_grad() or use .data")


def _inplace_view(self, view, op):
    """self <- view(self), where view is the out-of-place view op (lambda t: t.transpose(0, 1)): self keeps its
    memory and becomes a view of a stand-in `old` for its old self. old takes self's place as the tensor its views,
    aliases and base know, so that a later in-place change of the memory reaches them all as it would have."""
    graph = _gstate["enabled"] and self.requires_grad
    if graph and self._ctx is None:
        raise RuntimeError(_LEAF.format(op=op))
    if graph and _multi_view_of(self):
        raise RuntimeError(f"{op}: the tensor is a view from split/chunk/unbind (or a view of one), which torch does "
                           "not allow to be modified in place with a graph; clone() it first")
    probe = view(Tensor._wrap(self._data))._data  # checks the arguments, and tells a no-op apart
    if probe.shape == self._data.shape and probe.strides == self._data.strides:
        _bump(self)  # the write stamp alone (torch moves the version of a no-op transpose_ too)
        return self
    if graph:
        if _view_of_leaf(self):
            raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation; wrap it in teenygrad.no_grad() or use .data")
        _bump(self)  # torch counts it as a write
        old = Tensor._wrap(self._data, True)  # self's memory and node (no _pre_inplace copy: nothing is written)
        old._ctx = self._ctx
        _hand_over(self, old)
        new = view(old)  # a graph view of old (tensor._as_view), on old's list of views
        _rebind(self, new._data, new._ctx)
    elif self._ctx is not None or "_nograd_view" in self.__dict__ and "_views" not in self.__dict__:
        # a graph tensor under no_grad, or a view taken under no_grad with no views of its own: as torch, only the
        # shape changes (the view keeps sharing its base's version counter)
        if self._ctx is not None and _keeps_memory(self):  # the new shape views memory still its own: in-place
            self._keeps_memory = True                         # results with a graph still go there
        self._data = probe
        _bump(self)
        _forget_nograd_recipes(self)
        return self
    else:
        old = Tensor._wrap(self._data)
        old._written = self._written
        _hand_over(self, old)
        new = view(old)  # a plain view of old (_plain_view)
        self._data = new._data
        for k in ("_recipe", "_shares"):
            if k in new.__dict__:
                self.__dict__[k] = new.__dict__[k]
        _bump(self)
    _replace_view(old, new, self)
    return self


def _forget_nograd_recipes(t):
    """t's shape changed in place without a graph: the views taken under no_grad of it can no longer be taken again
    from it (tensor_inplace._retake_nograd_views) by the view op that made them, nor t (if it is one) from its base;
    they keep the memory they view."""
    if "_nograd_of" in t.__dict__:
        t._nograd_of = (t._nograd_of[0], None, None)
    for r in _nograd_root(t).__dict__.get("_nograd_views", ()):
        v = r()
        if v is not None and v._nograd_of[0] is t:
            v._nograd_of = (t, None, None)


def _view_of_leaf(t):
    """Whether graph tensor t is a view (or a view of a view) of a leaf."""
    while t is not None and t._ctx is not None:
        t = getattr(t._ctx, "base", None)
    return t is not None and t.requires_grad


def _hand_over(t, old):
    """old, holding t's current value, takes t's place: t's views, aliases, plain-view recipe, shared counter and
    kept memory (tensor_inplace._take) move to it, and where t is on its base's list of views, old is instead (a view taken under no_grad stays one)."""
    d, od = t.__dict__, old.__dict__
    for k in ("_views", "_aliases", "_recipe", "_shares", "_keeps_memory", "_nwrites", "_counted_by", "_custom_views",
              "_nograd_views"):
        if k in d:
            od[k] = d.pop(k)
    for r in _nograd_root(old).__dict__.get("_nograd_views", ()):  # the views taken under no_grad of t view old
        v = r()
        if v is not None and v._nograd_of[0] is t:
            v._nograd_of = (old,) + v._nograd_of[1:]
    for r in od.get("_views", ()):  # they are views of old now
        v = r()
        if v is None:
            continue
        if v._ctx is not None and getattr(v._ctx, "base", None) is t:
            v._ctx.base = old
        recipe = v.__dict__.get("_recipe")
        if recipe is not None and recipe[0] is t:
            v._recipe = (old,) + recipe[1:]
    recipe = od.get("_recipe")
    base = recipe[0] if recipe is not None else getattr(t._ctx, "base", None)
    if base is not None:
        _replace_view(base, t, old)


def _replace_view(base, a, b):
    """On base's list of views, b instead of a."""
    views = base.__dict__.get("_views", ())
    for i, r in enumerate(views):
        if r() is a:
            views[i] = _weakref(b)


def t_(self):
    if self.ndim > 2:
        raise RuntimeError(f"t_: expects a tensor with <= 2 dimensions, but got shape {self.shape}")
    return _inplace_view(self, lambda t: t.t(), "t_")


def transpose_(self, dim0, dim1):
    return _inplace_view(self, lambda t: t.transpose(dim0, dim1), "transpose_")


def squeeze_(self, dim=None):
    return _inplace_view(self, lambda t: t.squeeze(dim), "squeeze_")


def unsqueeze_(self, dim):
    return _inplace_view(self, lambda t: t.unsqueeze(dim), "unsqueeze_")


def as_strided_(self, size, stride, storage_offset=None):
    return _inplace_view(self, lambda t: t.as_strided(size, stride, storage_offset), "as_strided_")


for _name in ["t_", "transpose_", "squeeze_", "unsqueeze_", "as_strided_"]:
    setattr(Tensor, _name, globals()[_name])
Tensor.swapdims_ = Tensor.swapaxes_ = transpose_
