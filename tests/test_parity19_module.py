"""Differences from torch.nn's Module API found in the nineteenth landing by running the same module code (registration,
traversal, casts, repr, containers, state dicts and their hooks) in torch and teenygrad and comparing what comes out."""
import collections

import pytest
import torch

import teenygrad as tg


def _outcome(f):
    try:
        return f()
    except Exception as e:  # noqa: BLE001 - the refusal is the result compared
        return type(e)


def _dtypes(m):
    return [(k, str(v.dtype).split(".")[-1]) for k, v in m.state_dict().items()]


@pytest.mark.parametrize("value", ["module", "buffer"])
@pytest.mark.parametrize("held", ["parameter", "module"])
def test_setattr_over_a_parameter_or_module_takes_only_its_kind(value, held):
    """A name held by a parameter takes only a Parameter or None (a Module or Buffer was registered over it), and a
    name held by a child module only a Module or None, as torch."""
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(1, 1))
        target, name = (m[0], "weight") if held == "parameter" else (m, "0")
        if value == "module" and held == "module":
            value_ = lib.nn.ReLU()  # a module over a module is fine
        else:
            value_ = lib.nn.ReLU() if value == "module" else lib.nn.Buffer(lib.ones(1))
        setattr(target, name, value_)
        return [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()], \
            [n for n, _ in m.named_modules()]
    rt, rg = _outcome(lambda: run(torch)), _outcome(lambda: run(tg))
    assert rt == rg


def test_buffer_over_a_plain_attribute_is_refused():
    for lib in (torch, tg):
        m = lib.nn.Module()
        m.x = 3
        with pytest.raises(KeyError):
            m.x = lib.nn.Buffer(lib.ones(1))


def test_named_modules_memo_holds_modules():
    """A caller's memo is a set of modules (torch's): those are skipped."""
    def names(lib):
        shared = lib.nn.Linear(2, 2)
        s = lib.nn.Sequential(shared, lib.nn.ReLU(), lib.nn.Sequential(shared))
        return [n for n, _ in s.named_modules(memo={shared})]
    assert names(tg) == names(torch) == ["", "1", "2"]


@pytest.mark.parametrize("dst", ["float64", "float16", "int32", "torch.DoubleTensor", "torch.HalfTensor"])
@pytest.mark.parametrize("frozen", [False, True])
def test_module_type_casts_every_tensor(dst, frozen):
    """Module.type casts integer buffers too (to() and double() do not); a name like 'torch.DoubleTensor' works; a
    parameter that requires grad can't become an integer."""
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        m.register_buffer("steps", lib.arange(3))
        m.requires_grad_(not frozen)
        m.type(dst if dst.startswith("torch.") else getattr(lib, dst))
        return _dtypes(m)
    assert _outcome(lambda: run(tg)) == _outcome(lambda: run(torch))


def test_module_type_casts_gradients():
    for lib in (torch, tg):
        m = lib.nn.Linear(2, 2)
        m(lib.ones(1, 2)).sum().backward()
        m.type(lib.float64)
        assert str(m.weight.grad.dtype).split(".")[-1] == "float64"


def test_multiline_extra_repr_without_children():
    def text(lib):
        class M(lib.nn.Module):
            def extra_repr(self):
                return "a=1\nb=2"
        return repr(M())
    assert text(tg) == text(torch)


def test_share_memory_returns_the_module():
    m = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.BatchNorm1d(2))
    assert m.share_memory() is m
    assert all(t.is_shared() for t in list(m.parameters()) + list(m.buffers()))


def test_relu6_bounds():
    assert (tg.nn.ReLU6().min_val, tg.nn.ReLU6().max_val) == (torch.nn.ReLU6().min_val, torch.nn.ReLU6().max_val)


def test_parameter_list_extend_refuses_a_tensor():
    """Iterating a tensor would add one parameter per row."""
    for lib in (torch, tg):
        pl = lib.nn.ParameterList([lib.ones(1)])
        with pytest.raises(TypeError):
            pl.extend(lib.ones(3, 2))
        assert len(pl) == 1
    pl = tg.nn.ParameterList()
    pl.extend([tg.ones(3, 2)])
    assert len(pl) == 1 and isinstance(pl[0], tg.nn.Parameter)


def test_parameter_list_extends_by_itself():
    """pl.extend(pl) appends a copy of its entries (it raised 'dictionary changed size during iteration')."""
    for lib in (torch, tg):
        pl = lib.nn.ParameterList([lib.ones(1), lib.zeros(2)])
        pl.extend(pl)
        assert [tuple(p.shape) for p in pl] == [(1,), (2,), (1,), (2,)]
        assert pl[2] is pl[0]



def _with_extra_state(lib, get=True, set_=True):
    class Counter(lib.nn.Module):
        """A module keeping a plain Python value in its state dict."""
        def __init__(self):
            super().__init__()
            self.lin = lib.nn.Linear(1, 1)
            self.steps = 0
    if get:
        Counter.get_extra_state = lambda self: {"steps": self.steps}
    if set_:
        Counter.set_extra_state = lambda self, state: setattr(self, "steps", state["steps"])
    return lib.nn.Sequential(Counter(), lib.nn.Linear(1, 1))


def test_extra_state_is_saved_and_loaded():
    """get_extra_state()'s value is saved under '_extra_state' (it was dropped) and set_extra_state() gets it back."""
    for lib in (torch, tg):
        m = _with_extra_state(lib)
        m[0].steps = 7
        sd = m.state_dict()
        assert list(sd) == ["0._extra_state", "0.lin.weight", "0.lin.bias", "1.weight", "1.bias"]  # own, then children
        m2 = _with_extra_state(lib)
        assert str(m2.load_state_dict(sd)) == "<All keys matched successfully>"
        assert m2[0].steps == 7


@pytest.mark.parametrize("get,set_,drop", [(True, True, True), (True, False, False), (False, True, True)])
def test_extra_state_missing_and_unexpected_keys(get, set_, drop):
    """A module that loads extra state misses its key when the dict lacks it; one that doesn't finds it unexpected."""
    def keys(lib):
        sd = _with_extra_state(lib).state_dict()
        sd.setdefault("0._extra_state", {"steps": 3})
        if drop:
            del sd["0._extra_state"]
        r = _with_extra_state(lib, get, set_).load_state_dict(sd, strict=False)
        strict = _outcome(lambda: _with_extra_state(lib, get, set_).load_state_dict(sd))
        return list(r.missing_keys), list(r.unexpected_keys), isinstance(strict, type)
    assert keys(tg) == keys(torch)


def test_default_extra_state_methods_raise():
    for lib in (torch, tg):
        with pytest.raises(RuntimeError):
            lib.nn.Linear(1, 1).get_extra_state()
        with pytest.raises(RuntimeError):
            lib.nn.Linear(1, 1).set_extra_state({})


def test_state_dict_hooks_run_as_torch():
    """Pre hooks before a module's entries, post hooks after its children's, with torch's arguments; a post hook
    edits the dict in place and its handle removes it; the older private form may replace the dict."""
    def run(lib):
        log = []
        inner = lib.nn.Linear(1, 1)
        m = lib.nn.Sequential(lib.nn.Sequential(inner))
        m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(("pre", prefix, keep_vars)))
        inner.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(("pre inner", prefix)))

        def post(mod, sd, prefix, local_metadata):
            log.append(("post", prefix, list(sd)))
            sd[prefix + "extra"] = lib.zeros(1)
        h = m[0].register_state_dict_post_hook(post)
        first = list(m.state_dict(prefix="p.", keep_vars=True))
        h.remove()
        second = list(m.state_dict())
        inner._register_state_dict_hook(lambda mod, sd, prefix, local: collections.OrderedDict(only=lib.ones(1)))
        third = list(m.state_dict())
        return log, first, second, third
    assert run(tg) == run(torch)


def test_state_dict_post_hook_must_return_none():
    for lib in (torch, tg):
        m = lib.nn.Linear(1, 1)
        m.register_state_dict_post_hook(lambda mod, sd, prefix, local: {})
        with pytest.raises(RuntimeError):
            m.state_dict()


def test_load_state_dict_does_not_run_state_dict_hooks():
    """Loading compares with the module's own entries: a state_dict post hook's additions are unexpected keys."""
    def run(lib):
        m = lib.nn.Linear(1, 1)
        m.register_state_dict_post_hook(lambda mod, sd, prefix, local: sd.update(extra=lib.ones(1)))
        sd = m.state_dict()
        r = m.load_state_dict(sd, strict=False)
        return list(sd), list(r.missing_keys), list(r.unexpected_keys)
    assert run(tg) == run(torch)


def test_global_module_hooks():
    """torch.nn.modules.module.register_module_forward_pre_hook / forward_hook / full_backward(_pre)_hook: run for
    every module's call, before the module's own hooks, and stop once removed."""
    def run(lib):
        mm = lib.nn.modules.module
        log = []
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU())
        m[0].register_forward_pre_hook(lambda mod, args: log.append(("own pre", type(mod).__name__)))
        m[0].register_forward_hook(lambda mod, args, out: log.append(("own post", type(mod).__name__)))
        handles = [
            mm.register_module_forward_pre_hook(lambda mod, args: log.append(("pre", type(mod).__name__))),
            mm.register_module_forward_hook(lambda mod, args, kwargs, out: log.append(("post", sorted(kwargs))),
                                            with_kwargs=True),
            mm.register_module_full_backward_pre_hook(lambda mod, go: log.append(("bw pre", type(mod).__name__))),
            mm.register_module_full_backward_hook(lambda mod, gi, go: log.append(("bw", type(mod).__name__))),
        ]
        try:
            x = lib.ones(1, 2, requires_grad=True)
            m(x).sum().backward()
        finally:
            for h in handles:
                h.remove()
        m(lib.ones(1, 2))
        return log
    assert run(tg) == run(torch)


def test_global_forward_hook_replaces_output_and_always_runs():
    def run(lib):
        mm = lib.nn.modules.module
        log = []

        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        hs = [mm.register_module_forward_hook(lambda mod, args, out: out * 2 if out is not None else None),
              mm.register_module_forward_hook(lambda mod, args, out: log.append(out is None), always_call=True)]
        try:
            y = lib.nn.Identity()(lib.ones(2)).tolist()
            with pytest.raises(ValueError):
                Boom()(lib.ones(1))
        finally:
            for h in hs:
                h.remove()
        return y, log
    assert run(tg) == run(torch)


def test_state_dict_metadata_versions():
    """state_dict() carries torch's _metadata (each module's path and format version: 2 for the batch norms), so a
    version-2 dict without num_batches_tracked is refused as torch refuses it; a dict without metadata still loads."""
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(1, 2), lib.nn.Sequential(lib.nn.BatchNorm1d(2)))
        meta = {k: dict(v) for k, v in m.state_dict(prefix="p.")._metadata.items()}
        sd = m.state_dict()
        del sd["1.0.num_batches_tracked"]
        refused = isinstance(_outcome(lambda: m.load_state_dict(sd)), type)
        return meta, refused, str(m.load_state_dict(dict(sd)))
    assert run(tg) == run(torch)


def _tree(lib):
    m = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.BatchNorm1d(3)))
    m.register_buffer("steps", lib.arange(3))
    return m


@pytest.mark.parametrize("recurse", [True, False])
def test_private_apply(recurse):
    """Module._apply(fn) (called by third-party code): every parameter keeps its object and takes fn's result, every
    buffer is replaced by it, gradients are converted too."""
    def run(lib):
        m = _tree(lib)
        m(lib.ones(2, 2)).sum().backward()
        w, mean = m[0].weight, m[1][0].running_mean
        r = m._apply(lambda t: t.double() if t.is_floating_point() else t, recurse=recurse)
        return r is m, m[0].weight is w, m[1][0].running_mean is mean, _dtypes(m), \
            str(m[0].weight.grad.dtype).split(".")[-1], m[0].weight.requires_grad
    assert run(tg) == run(torch)


def test_to_empty_keeps_shapes_dtypes_and_parameters():
    def run(lib):
        m = _tree(lib)
        w = m[0].weight
        m.to_empty(device="cpu")
        return m[0].weight is w, m[0].weight.requires_grad, [(k, tuple(v.shape)) for k, v in m.state_dict().items()], \
            _dtypes(m)
    assert run(tg) == run(torch)


@pytest.mark.parametrize("target,strict", [("1.0", False), ("1.new", False), ("1.new", True), ("0.weight", False),
                                           ("", False), ("5.x", False), ("0", True)])
def test_set_submodule(target, strict):
    def run(lib):
        m = _tree(lib)
        m.set_submodule(target, lib.nn.ReLU(), strict=strict)
        return [(n, type(c).__name__) for n, c in m.named_modules()]
    rt, rg = _outcome(lambda: run(torch)), _outcome(lambda: run(tg))
    assert rt == rg or (isinstance(rt, type) and isinstance(rg, type) and issubclass(rg, rt)), (rt, rg)


def test_get_submodule_refuses_a_none_child():
    for lib in (torch, tg):
        m = lib.nn.Module()
        m.add_module("x", None)
        with pytest.raises(AttributeError):
            m.get_submodule("x")


def test_save_to_state_dict_override():
    """A subclass's _save_to_state_dict (its own entries, torch's protocol) is what state_dict() saves."""
    def run(lib):
        class Scaled(lib.nn.Linear):
            def _save_to_state_dict(self, destination, prefix, keep_vars):
                super()._save_to_state_dict(destination, prefix, keep_vars)
                destination[prefix + "scale"] = lib.full((1,), 2.0)
        sd = lib.nn.Sequential(Scaled(1, 1)).state_dict()
        return list(sd), sd["0.scale"].tolist()
    assert run(tg) == run(torch)


def _frozen_bn(lib):
    class FrozenBatchNorm(lib.nn.Module):
        """torchvision's FrozenBatchNorm2d: batch norm statistics as plain buffers; drops num_batches_tracked."""
        def __init__(self, n):
            super().__init__()
            for name, fill in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
                self.register_buffer(name, lib.full((n,), fill))

        def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                  error_msgs):
            state_dict.pop(prefix + "num_batches_tracked", None)
            super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                          error_msgs)
    return FrozenBatchNorm


def _renaming_linear(lib):
    class Renaming(lib.nn.Linear):
        """Loads an old checkpoint's 'w' / 'b' names, and halves the loaded weight afterwards."""
        def _load_from_state_dict(self, state_dict, prefix, *args):
            for old, new in (("w", "weight"), ("b", "bias")):
                if prefix + old in state_dict:
                    state_dict[prefix + new] = state_dict.pop(prefix + old)
            super()._load_from_state_dict(state_dict, prefix, *args)
            with lib.no_grad():
                self.weight.mul_(0.5)
    return Renaming


@pytest.mark.parametrize("case", ["frozen_bn", "rename", "missing", "unexpected", "shape", "not_strict", "assign"])
def test_load_from_state_dict_override(case):
    """A subclass's _load_from_state_dict (torch's protocol: rename or drop keys, call super, post-process) is what
    loads its entries (it was ignored); the others load as before."""
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 3), _frozen_bn(lib)(3), _renaming_linear(lib)(3, 1))
        with lib.no_grad():
            for p in m.parameters():
                p.zero_()  # what a key left out keeps
        src = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3), lib.nn.Linear(3, 1))
        with lib.no_grad():
            for i, p in enumerate(list(src.parameters()) + list(src.buffers())):
                p.copy_(lib.arange(p.numel()).reshape(p.shape).to(p.dtype) + i)
        sd = src.state_dict()
        if case != "frozen_bn":
            sd["2.w"], sd["2.b"] = sd.pop("2.weight"), sd.pop("2.bias")
        if case == "missing":
            del sd["1.running_var"]
        if case == "unexpected":
            sd["1.extra"] = lib.ones(1)
        if case == "shape":
            sd["1.bias"] = lib.ones(4)
        kwargs = {"strict": False} if case in ("not_strict", "missing", "unexpected") else \
            {"assign": True} if case == "assign" else {}
        if case == "not_strict":
            del sd["0.bias"]
        r = m.load_state_dict(sd, **kwargs)
        return list(r.missing_keys), list(r.unexpected_keys), \
            [(k, v.tolist()) for k, v in m.state_dict().items()], sorted(sd)
    rt, rg = _outcome(lambda: run(torch)), _outcome(lambda: run(tg))
    assert rt == rg


def test_load_from_state_dict_override_renames_a_childs_keys():
    """A parent's loader runs before its children load, so it may rename their keys (old checkpoints)."""
    def run(lib):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.norm = lib.nn.LayerNorm(2)

            def _load_from_state_dict(self, state_dict, prefix, *args):
                for old, new in (("gamma", "weight"), ("beta", "bias")):
                    if prefix + "norm." + old in state_dict:
                        state_dict[prefix + "norm." + new] = state_dict.pop(prefix + "norm." + old)
                super()._load_from_state_dict(state_dict, prefix, *args)
        m = lib.nn.Sequential(Block())
        r = m.load_state_dict({"0.norm.gamma": lib.full((2,), 3.0), "0.norm.beta": lib.full((2,), 4.0)})
        return str(r), [(k, v.tolist()) for k, v in m.state_dict().items()]
    assert run(tg) == run(torch)
