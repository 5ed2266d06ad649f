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

