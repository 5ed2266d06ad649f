"""Gaps found by running typical training scripts with `import teenygrad as torch` (see tests/tutorials/): torch.jit's
decorators, torch.autograd.Variable, nn.modules.utils (_pair, consume_prefix_in_state_dict_if_present),
nn.attention.sdpa_kernel and torch.profiler must let such scripts run unchanged and behave as torch's do."""
import contextlib

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = dict(rtol=1e-6, atol=1e-6)


def _gelu_erf(lib):
    def fused_gelu(x):
        return x * 0.5 * (1.0 + lib.erf(x / 1.41421))
    return fused_gelu


def test_jit_script_function_matches_torch():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    want_x = torch.tensor(x, requires_grad=True)
    got_x = tg.tensor(x, requires_grad=True)
    want = torch.jit.script(_gelu_erf(torch))(want_x)
    got = tg.jit.script(_gelu_erf(tg))(got_x)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), **TOL)
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(got_x.grad.numpy(), want_x.grad.numpy(), **TOL)


def test_jit_trace_and_script_module_run_the_module():
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    want_m, got_m = torch.nn.Linear(3, 2), tg.nn.Linear(3, 2)
    with tg.no_grad():
        got_m.weight.copy_(tg.tensor(want_m.weight.detach().numpy()))
        got_m.bias.copy_(tg.tensor(want_m.bias.detach().numpy()))
    want = torch.jit.trace(want_m, torch.tensor(x))(torch.tensor(x))
    for wrapped in (tg.jit.trace(got_m, tg.tensor(x)), tg.jit.script(got_m)):
        np.testing.assert_allclose(wrapped(tg.tensor(x)).detach().numpy(), want.detach().numpy(), **TOL)
        assert isinstance(wrapped, tg.nn.Module)


def test_jit_helpers_follow_torch():
    class M(tg.nn.Module):
        @tg.jit.ignore
        def helper(self, x):
            return x + 1

        @tg.jit.unused
        def unused(self, x):
            return x

        @tg.jit.export
        def exported(self, x):
            return x * 2

        def forward(self, x):
            return self.helper(x)

    m = tg.jit.script(M())
    assert m(tg.ones(2)).tolist() == [2.0, 2.0] and m.exported(tg.ones(1)).tolist() == [2.0]
    assert tg.jit.is_scripting() is torch.jit.is_scripting() is False
    assert tg.jit.is_tracing() is torch.jit.is_tracing() is False
    assert tg.jit.annotate(list, [1]) == torch.jit.annotate(list, [1])
    assert tg.jit.wait(tg.jit.fork(lambda a: a + 1, 1)) == torch.jit.wait(torch.jit.fork(lambda a: a + 1, 1)) == 2
    import teenygrad.jit as jit_module     # `import torch.jit` works too
    assert jit_module is tg.jit


def test_jit_save_says_what_to_do_instead(tmp_path):
    with pytest.raises(RuntimeError, match=r"torch\.jit\.save.*state_dict"):
        tg.jit.save(tg.jit.script(tg.nn.Linear(2, 2)), str(tmp_path / "m.pt"))
    with pytest.raises(RuntimeError, match=r"torch\.jit\.load"):
        tg.jit.load(str(tmp_path / "m.pt"))


# ---- torch.autograd.Variable (pre-0.4 tutorials) ----

@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("source", ["leaf", "leaf_grad", "nonleaf"])
def test_variable_makes_a_new_leaf_sharing_data(source, requires_grad):
    x = np.random.default_rng(2).standard_normal(4).astype(np.float32)
    out = {}
    for lib in (torch, tg):
        t = lib.tensor(x, requires_grad=source != "leaf")
        t = t * 2 if source == "nonleaf" else t
        v = lib.autograd.Variable(t, requires_grad=requires_grad)
        with lib.no_grad():
            v.add_(1)                       # shares t's data
        if requires_grad:
            (v * v).sum().backward()
        out[lib] = [v is t, v.requires_grad, v.is_leaf, v.grad_fn is None, t.detach().numpy().copy(),
                    None if v.grad is None else v.grad.numpy(), isinstance(t, lib.autograd.Variable)]
    want, got = out[torch], out[tg]
    assert got[:4] == want[:4] and got[6] == want[6] is True
    np.testing.assert_allclose(got[4], want[4], **TOL)
    assert (got[5] is None) == (want[5] is None)
    if want[5] is not None:
        np.testing.assert_allclose(got[5], want[5], **TOL)
    assert not isinstance([1.0], tg.autograd.Variable)


def test_variable_bad_input_and_volatile():
    for lib in (torch, tg):
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            lib.autograd.Variable([1.0, 2.0])
        with pytest.raises(RuntimeError):
            lib.autograd.Variable(lib.ones(2, dtype=lib.long), requires_grad=True)
        with pytest.warns(UserWarning, match="volatile was removed"):
            assert lib.autograd.Variable(lib.ones(2), volatile=True).requires_grad is False
        assert tuple(lib.autograd.Variable().shape) == (0,)


# ---- torch.nn.modules.utils ----

def test_nn_modules_utils_match_torch():
    import torch.nn.modules.utils as want
    import teenygrad.nn.modules.utils as got
    for name in ("_single", "_pair", "_triple", "_quadruple"):
        for arg in (3, (1, 2), [4, 5, 6], 2.5):
            assert getattr(got, name)(arg) == getattr(want, name)(arg), (name, arg)
    assert got._reverse_repeat_tuple((1, 2, 3), 2) == want._reverse_repeat_tuple((1, 2, 3), 2)
    assert got._list_with_default([None, 3], [1, 2, 7, 8]) == want._list_with_default([None, 3], [1, 2, 7, 8])
    assert got._list_with_default(5, [1, 2]) == want._list_with_default(5, [1, 2])
    with pytest.raises(ValueError):
        got._list_with_default([None, 3], [1, 2])


def test_consume_prefix_in_state_dict_matches_torch():
    import torch.nn.modules.utils as want
    import teenygrad.nn.modules.utils as got
    keys = ["module.0.weight", "module.0.bias", "head.weight", "module.1.running_mean"]
    out = []
    for lib, mod in ((torch, want), (tg, got)):
        sd = {k: lib.ones(1) for k in keys}
        mod.consume_prefix_in_state_dict_if_present(sd, "module.")
        out.append(list(sd.keys()))
    assert out[0] == out[1]
    wrapped = tg.nn.Sequential(tg.nn.Linear(2, 2))
    sd = {"module." + k: v for k, v in wrapped.state_dict().items()}
    got.consume_prefix_in_state_dict_if_present(sd, "module.")
    tg.nn.Sequential(tg.nn.Linear(2, 2)).load_state_dict(sd)


# ---- torch.nn.attention ----

def test_sdpa_kernel_leaves_attention_unchanged():
    from teenygrad.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention import SDPBackend as TorchBackend
    assert {b.name: int(b) for b in SDPBackend} == {b.name: int(getattr(TorchBackend, b.name)) for b in SDPBackend}
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((2, 2, 5, 4)).astype(np.float32) for _ in range(3))
    want = torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), is_causal=True)
    for backends in (SDPBackend.MATH, [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]):
        with sdpa_kernel(backends):
            got = tg.nn.functional.scaled_dot_product_attention(*map(tg.tensor, (q, k, v)), is_causal=True)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    assert tg.nn.attention.sdpa_kernel is sdpa_kernel
    with pytest.raises(AssertionError, match="SDPBackend"):
        with sdpa_kernel("flash"):
            pass


# ---- torch.profiler: regions, schedule, traces ----

@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=1, active=1, repeat=2),
                                dict(wait=2, warmup=0, active=3, repeat=1, skip_first=3),
                                dict(wait=3, warmup=1, active=1, skip_first=2, skip_first_wait=1)])
def test_profiler_schedule_matches_torch(kw):
    with pytest.warns(UserWarning) if kw["warmup"] == 0 else contextlib.nullcontext():
        got = tg.profiler.schedule(**kw)
    want = torch.profiler.schedule(**kw)
    assert [got(i).name for i in range(20)] == [want(i).name for i in range(20)]


def test_profiler_schedule_bad_arguments():
    for lib in (torch, tg):
        with pytest.raises(AssertionError, match="active=0"):
            lib.profiler.schedule(wait=1, warmup=1, active=0)


def _profiled_region_counts(lib):
    """Counts of named regions seen by each on_trace_ready call, then by a plain profile (nested regions)."""
    regions = ("outer", "inner")

    def work():
        with lib.profiler.record_function("outer"):
            with lib.profiler.record_function("inner"):
                lib.ones(3).sum()
            lib.profiler.record_function("inner")(lambda: None)()

    def counts(p):
        return {e.key: e.count for e in p.key_averages() if e.key in regions}

    seen = []
    sched = lib.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)
    with lib.profiler.profile(schedule=sched, on_trace_ready=lambda p: seen.append(counts(p))) as prof:
        for _ in range(9):
            work()
            prof.step()
    with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU]) as prof:
        work()
        work()
    with lib.autograd.profiler.profile() as legacy:
        with lib.autograd.profiler.record_function("inner"):
            pass
    return seen, counts(prof), counts(legacy)


def test_profiler_records_regions_like_torch():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # torch: "Profiler clears events at the end of each cycle"
        want = _profiled_region_counts(torch)
    assert _profiled_region_counts(tg) == want


def test_profiler_self_time_leaves_out_nested_regions():
    # a region's self time is its wall time less its children's (it was the whole wall time, so nested regions
    # counted twice in the table's "Self CPU" and in self_cpu_time_total)
    import time
    with tg.autograd.profiler.profile() as prof:
        with tg.profiler.record_function("outer"):
            time.sleep(0.002)
            with tg.profiler.record_function("inner"):
                time.sleep(0.02)
    rows = {e.key: e for e in prof.key_averages()}
    outer, inner = rows["outer"], rows["inner"]
    assert inner.self_cpu_time_total == pytest.approx(inner.cpu_time_total)
    assert outer.self_cpu_time_total == pytest.approx(outer.cpu_time_total - inner.cpu_time_total)
    assert outer.self_cpu_time_total < 0.5 * inner.self_cpu_time_total
    assert prof.self_cpu_time_total == pytest.approx(outer.cpu_time_total)


def test_profiler_regions_in_threads_and_left_out_of_order():
    # each thread nests its own regions (one thread's time is not another's child), and a region left out of order
    # is still closed (the open-region list grew without end)
    import threading
    import time
    from teenygrad import profiler as P

    def work():
        for _ in range(20):
            with tg.profiler.record_function("t"):
                time.sleep(0.001)
    with tg.profiler.profile() as prof:
        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        a = tg.profiler.record_function("a").__enter__()
        b = tg.profiler.record_function("b").__enter__()
        a.__exit__(None, None, None)
        b.__exit__(None, None, None)
    assert P._open_regions() == []
    row, = [e for e in prof.key_averages() if e.key == "t"]
    assert row.count == 40 and row.self_cpu_time_total == pytest.approx(row.cpu_time_total)


def test_profiler_table_and_traces(tmp_path):
    with tg.profiler.profile() as prof:
        for _ in range(3):
            with tg.profiler.record_function("step_region"):
                tg.ones(4).sum()
    row, = [e for e in prof.key_averages() if e.key == "step_region"]
    assert row.count == 3 and row.cpu_time_total > 0 and row.cpu_time == pytest.approx(row.cpu_time_total / 3)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    assert "step_region" in table and "# of Calls" in table and "Self CPU time total" in table
    prof.export_chrome_trace(str(tmp_path / "t.json"))
    import json
    events = json.load(open(tmp_path / "t.json"))["traceEvents"]
    assert [e["name"] for e in events] == ["step_region"] * 3 and all(e["ph"] == "X" and e["dur"] > 0 for e in events)
    handler = tg.profiler.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w0")
    with tg.profiler.profile(schedule=tg.profiler.schedule(wait=0, warmup=1, active=1, repeat=1),
                             on_trace_ready=handler) as prof:
        for _ in range(3):
            with tg.profiler.record_function("r"):
                pass
            prof.step()
    files = sorted(p.name for p in (tmp_path / "tb").iterdir())
    assert len(files) == 1 and files[0].startswith("w0.") and files[0].endswith(".pt.trace.json")
    import teenygrad.autograd.profiler as legacy   # `import torch.autograd.profiler` works
    assert tg.autograd.profiler is legacy
