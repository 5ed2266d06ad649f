"""teenygrad.amp.autocast against torch.autocast: a context built with dtype=None takes the enclosing context's
dtype (torch reads it when the context is built), and the CPU dtype check compares dtypes, not their names."""
import importlib
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

tg_dtype = importlib.import_module("teenygrad.dtype")  # the module (tg.dtype is the dtype class)

CPU_WARNING = "In CPU autocast, but the target dtype is not supported"


def _state(lib):
    return (str(lib.get_autocast_dtype("cpu")).replace("torch.", ""), lib.is_autocast_enabled("cpu"),
            str(lib.get_autocast_dtype("cuda")).replace("torch.", ""))


def _nested(lib, outer, inner_enabled, build_inside):
    """The state inside an inner autocast('cpu', dtype=None) nested in an outer one asking for `outer`; the inner
    context is built inside the outer one or before it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outer_dtype = None if outer is None else getattr(lib, outer)
        early = lib.autocast("cpu", enabled=inner_enabled)
        with lib.autocast("cpu", dtype=outer_dtype):
            inner = lib.autocast("cpu", enabled=inner_enabled) if build_inside else early
            with inner:
                seen = [_state(lib)]
            seen.append(_state(lib))
        seen.append(_state(lib))
    return seen


@pytest.mark.parametrize("outer", [None, "float16", "bfloat16", "float32"])
@pytest.mark.parametrize("inner_enabled", [True, False])
@pytest.mark.parametrize("build_inside", [True, False])
def test_dtype_none_takes_the_enclosing_dtype(outer, inner_enabled, build_inside):
    assert _nested(tg, outer, inner_enabled, build_inside) == _nested(torch, outer, inner_enabled, build_inside)


def test_repro_disabled_inner_keeps_the_outer_dtype():
    for lib in (torch, tg):
        with lib.autocast("cpu", dtype=lib.float16):
            with lib.autocast("cpu", enabled=False):
                assert str(lib.get_autocast_dtype("cpu")).replace("torch.", "") == "float16"
                assert not lib.is_autocast_enabled("cpu")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32", "float64"])
@pytest.mark.parametrize("as_string", [False, True])
def test_cpu_dtype_check_as_torch(dtype, as_string):
    """A dtype name is not a dtype: torch warns and disables, then refuses to enter; so does teenygrad."""
    enabled, raised = {}, {}
    for lib in (torch, tg):
        arg = dtype if as_string else getattr(lib, dtype)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ctx = lib.autocast("cpu", dtype=arg)
        enabled[lib] = (ctx._enabled if lib is torch else ctx.enabled,
                        any(CPU_WARNING in str(x.message) for x in w))
        try:
            with ctx:
                pass
            raised[lib] = None
        except TypeError as e:
            raised[lib] = TypeError
            if lib is tg:
                assert "autocast: dtype must be a teenygrad dtype, not str" in str(e)
    assert enabled[tg] == enabled[torch]
    assert enabled[tg][0] == (dtype in ("bfloat16", "float16") and not as_string)
    assert raised[tg] == raised[torch]


def test_without_ml_dtypes(monkeypatch):
    """Without ml_dtypes float16 still passes the check, nothing else is bfloat16, and a dtype=None context does
    not ask for the default."""
    def missing():
        raise ImportError("teenygrad: bfloat16 needs the ml_dtypes package: pip install ml_dtypes")

    monkeypatch.setattr(tg_dtype, "bfloat16_dtype", missing)
    assert tg.amp.autocast("cpu", dtype=tg.float16).enabled
    with pytest.warns(UserWarning, match=CPU_WARNING):
        assert not tg.amp.autocast("cpu", dtype=np.dtype(np.float32)).enabled
    with tg.autocast("cpu", dtype=tg.float16):
        with tg.autocast("cpu", enabled=False):
            assert tg.get_autocast_dtype("cpu") == np.float16
    with tg.autocast("cpu"):
        assert tg.is_autocast_enabled("cpu")
        with pytest.raises(ImportError, match="ml_dtypes"):  # the default is bfloat16: only asked for here
            tg.get_autocast_dtype("cpu")
