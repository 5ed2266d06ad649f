"""Custom autograd.Functions whose outputs view their inputs, and custom backwards under torch.func, against torch
(twenty-first landing): random programs apply a Function returning a view of its input (view, a slice, t(), narrow,
select, or the input as it is; old style or setup_context; one output or two) to a leaf, a graph tensor or a graph
view, then write the input, a part of it or the output in place (with and without grad mode), use the output,
register hooks, and run backward (with retain_graph and a second backward): values, aliasing, gradients and refusals
are compared with torch on the same float64 inputs.

What the sweep and the probes found, each pinned by a case below: an output viewing a graph tensor kept its old
values after an in-place write to that tensor (the write rebound the tensor to new memory); backward through such an
output after a write to the memory it views computed a gradient where torch refuses (its custom backward cannot be
rebased onto the write); a refused in-place op on a view of a leaf that requires grad still counted as a write
(the leaf's _version went up, and graphs that saved the leaf refused their backward); func.hessian, jacfwd(jacrev(f)),
jacrev(jacrev(f)) and grad(grad(f)) through a custom Function whose backward computes in numpy gave a silent zero
second derivative (torch's transforms refuse numpy() there); a setup_context that saved an input forward returned as
it is ran (torch refuses it); mark_dirty on a graph view or on a tensor with graph views was refused
(NotImplementedError) where torch rebases the views and the base onto the Function's node.

Where teenygrad differs on purpose: torch refuses a stale output as soon as it is used (its grad_fn is read), teenygrad
where a backward reaches it (no check on the hot path of every op); first-order func transforms through a numpy
backward compute (torch refuses), as the twentieth landing left them; numpy() is refused in any custom backward that
a func transform differentiates, also on a tensor the backward closes over (as torch)."""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg

VIEWS = {  # forward's view of its input (3, 4), and backward's gradient for the input from the output's
    "view": (lambda x: x.view(4, 3), lambda L, g: g.reshape(3, 4)),
    "slice": (lambda x: x[1:], lambda L, g: L.cat([g[:1] * 0, g])),
    "t": (lambda x: x.t(), lambda L, g: g.t()),
    "self": (lambda x: x, lambda L, g: g),
    "narrow": (lambda x: x.narrow(1, 1, 2), lambda L, g: L.cat([g[:, :1] * 0, g, g[:, :1] * 0], 1)),
    "select": (lambda x: x[1], lambda L, g: L.stack([g * 0, g, g * 0])),
}


def _viewing(L, view, style="old", two=False, scale=3.0):
    """A Function of library L returning VIEWS[view] of its input (and 2 x, when two) with a backward scaled by
    `scale`, so that a gradient that bypassed it would show."""
    fwd_view, bwd_view = VIEWS[view]

    def fwd(x):
        y = fwd_view(x)
        return (y, x * 2) if two else y

    def backward(ctx, *gs):
        gx = None if gs[0] is None else bwd_view(L, gs[0]) * scale
        if two and gs[1] is not None:
            gx = gs[1] * 2 if gx is None else gx + gs[1] * 2
        return gx
    body = {"backward": staticmethod(backward)}
    if style == "old":
        body["forward"] = staticmethod(lambda ctx, x: fwd(x))
    else:
        body["forward"] = staticmethod(fwd)
        body["setup_context"] = staticmethod(lambda ctx, inputs, out: None)
    return type("Fn", (L.autograd.Function,), body)


# ---- the random programs -------------------------------------------------------------------------------------------
ACTIONS = ["write_base", "write_base_nograd", "write_out_nograd", "write_out", "write_part", "hook", "use", "save",
           "scale"]


def _program(L, seed, arr):
    """(what each step did: 'ok' or 'error', the values of the output, its input and the leaf, the leaf's gradient
    or 'error' / 'no' / None)"""
    r = random.Random(seed)
    view, style, two, scale = r.choice(list(VIEWS)), r.choice(["old", "new"]), r.random() < 0.3, r.choice([1.0, 3.0])
    base_kind = r.choice(["leaf", "graph", "graph_view", "plain"])
    x = L.tensor(arr, requires_grad=base_kind != "plain")
    h = x * 1 if base_kind == "graph_view" else None
    base = x if base_kind in ("leaf", "plain") else x * 1 if base_kind == "graph" else h[:, :]
    out = _viewing(L, view, style, two, scale).apply(base)
    y = out[0] if two else out
    log, kept = [(view, style, two, base_kind)], []  # kept: results of ops on the output, in the loss
    for _ in range(r.randint(0, 3)):
        act = r.choice(ACTIONS)
        try:
            if act == "write_base":
                base.mul_(1.5)
            elif act == "write_base_nograd":
                with L.no_grad():
                    base.add_(0.25)
            elif act == "write_out_nograd":
                with L.no_grad():
                    y.mul_(2)
            elif act == "write_out":
                y.add_(1)
            elif act == "write_part":
                (base if h is None else h)[0].mul_(-1)
            elif act == "hook":
                y.register_hook(lambda g: g * 2)
            elif act == "save":
                kept.append(y * y)  # saves the output for its backward
            elif act == "scale":
                kept.append(y * 0.5)  # saves nothing
            else:
                y = y * 1.5
            log.append((act, "ok"))
        except RuntimeError:
            log.append((act, "error"))
    values = [np.array(t.detach().numpy()) for t in (y, base, x)]
    grads = "no"
    if y.requires_grad:
        try:
            loss = (y * y).sum() + (out[1].sum() if two else 0) + sum(k.sum() for k in kept)
            retain = r.random() < 0.5
            loss.backward(retain_graph=retain)
            if retain:
                loss.backward()
            grads = None if x.grad is None else np.array(x.grad.numpy())
        except RuntimeError:
            grads = "error"
    return log, values, grads


@pytest.mark.parametrize("chunk", range(6))
def test_random_programs_of_functions_returning_views_as_torch(chunk):
    for seed in range(chunk * 60, chunk * 60 + 60):
        arr = np.random.default_rng(seed).uniform(-1, 1, (3, 4))
        want, got = _program(torch, seed, arr), _program(tg, seed, arr)
        deferred = [act for (act, a), (_, b) in zip(want[0][1:], got[0][1:]) if a == "error" and b == "ok"]
        if deferred:  # torch refuses a stale output where it is used, teenygrad where backward reaches it
            assert deferred[0] in ("use", "hook", "save", "scale") and got[2] == "error", (seed, want[0], got)
            continue
        assert got[0] == want[0], seed
        for a, b in zip(got[1], want[1]):
            np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=f"seed {seed}")
        if isinstance(want[2], np.ndarray):
            assert isinstance(got[2], np.ndarray), (seed, want[0], got[2])
            np.testing.assert_allclose(got[2], want[2], rtol=1e-12, err_msg=f"seed {seed}")
        else:
            assert isinstance(got[2], type(want[2])) and (got[2] is None or got[2] == want[2]), (seed, got[2], want[2])


# ---- direct cases of what the sweep and the probes found ----------------------------------------------------------
@pytest.mark.parametrize("base_kind", ["leaf", "graph", "graph_view"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_output_viewing_its_input_shows_later_writes_as_torch(view, base_kind):
    """the output kept its old values after an in-place write to a graph tensor it views (the tensor was rebound to
    new memory): torch's output aliases its input"""
    def case(L):
        x = L.arange(12.0).reshape(3, 4).requires_grad_()
        base = x if base_kind == "leaf" else x * 1 if base_kind == "graph" else (x * 1)[:, :]
        y = _viewing(L, view).apply(base)
        if base_kind == "leaf":
            with L.no_grad():
                base.mul_(10)
        else:
            base.mul_(10)
        with L.no_grad():
            y.add_(0.5)  # and a write through the output reaches the input
        return y.tolist(), base.tolist(), y.data_ptr() - base.data_ptr()
    assert case(tg) == case(torch)


@pytest.mark.parametrize("write", ["base", "base_nograd", "part", "out_nograd"])
def test_backward_through_an_output_viewing_a_written_input_refused_as_torch(write):
    """backward through the output after a write to the memory it views ran the custom backward; torch refuses (it
    cannot rebase the custom backward onto the write)"""
    for L in (torch, tg):
        x = L.arange(12.0).reshape(3, 4).requires_grad_()
        h = x * 1
        y = _viewing(L, "slice").apply(h)
        if write == "base":
            h.mul_(2)
        elif write == "part":
            h[0].add_(1)
        else:
            with L.no_grad():
                (h if write == "base_nograd" else y).mul_(2)
        with pytest.raises(RuntimeError, match="Output 0 of Fn is a view and its base or another view of its base "
                                               "has been modified inplace"):
            (y * 2).sum().backward()


@pytest.mark.parametrize("two", [False, True])
def test_uses_of_the_output_before_the_write_keep_the_function_as_torch(two):
    """a use recorded before the write reaches the Function's own node (only later uses are refused); one that saved
    the output refuses, as any saved tensor written in place (the output shows the write: its gradient would be
    silently wrong)"""
    for L in (torch, tg):
        x = L.arange(12.0).reshape(3, 4).requires_grad_()
        h = x * 1
        out = _viewing(L, "t", two=two).apply(h)
        y = out[0] if two else out
        u, v = y * 3, y * y
        h.mul_(2)
        (u.sum() + (out[1].sum() if two else 0)).backward(retain_graph=True)
        assert x.grad.tolist() == [[11.0 if two else 9.0] * 4] * 3
        with pytest.raises(RuntimeError, match="modified inplace" if L is torch else "modified by an inplace"):
            v.sum().backward()


@pytest.mark.parametrize("how", ["x[0]", "x[1:][0]", "x.t()[0]"])
def test_refused_in_place_on_a_view_of_a_leaf_is_no_write_as_torch(how):
    """the refused write still counted: the leaf's _version went up and a graph that saved the leaf refused its
    backward"""
    for L in (torch, tg):
        x = L.ones(3, 4, requires_grad=True)
        y = (x * x).sum()  # saves x
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            eval(how, {"x": x}).mul_(-1)
        assert x._version == 0
        y.backward()
        assert x.grad.tolist() == [[2.0] * 4] * 3


def _sin_numpy_backward(L):
    """sin as torch.func wants a Function (setup_context, generate_vmap_rule), its backward computed in numpy"""
    class NumpySin(L.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(x):
            return x.sin()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return L.tensor(g.detach().numpy() * np.cos(x.detach().numpy()))
    return NumpySin


@pytest.mark.parametrize("transform", ["hessian", "jacfwd_jacrev", "jacrev_jacrev", "grad_grad", "jacrev_grad"])
def test_second_derivative_through_a_numpy_backward_refused_not_zero_as_torch(transform):
    """the second derivative read zero (the numpy result is a constant in the graph); torch refuses"""
    for L in (torch, tg):
        f = lambda x: _sin_numpy_backward(L).apply(x).sum()  # noqa: E731
        F = L.func
        run = {"hessian": F.hessian(f), "jacfwd_jacrev": F.jacfwd(F.jacrev(f)), "jacrev_jacrev": F.jacrev(F.jacrev(f)),
               "grad_grad": F.grad(lambda x: F.grad(f)(x).sum()), "jacrev_grad": F.jacrev(F.grad(f))}[transform]
        with pytest.raises((RuntimeError, NotImplementedError),
                           match=None if L is torch else "NumpySinBackward's backward reads a tensor through numpy"):
            run(L.tensor([0.3, -1.2, 2.0]))


def test_numpy_backward_outside_func_transforms_runs_as_torch():
    """numpy in a custom backward stays allowed outside torch.func: first order, create_graph (whose second
    derivative torch reads as zero too: the result is outside the graph) and autograd.functional.hessian"""
    def case(L):
        F = _sin_numpy_backward(L)
        x = L.tensor([0.3, -1.2, 2.0], requires_grad=True)
        g, = L.autograd.grad(F.apply(x).sum(), x, create_graph=True)
        h = L.autograd.functional.hessian(lambda x: F.apply(x).sum(), x.detach())
        return np.round(g.detach().numpy(), 12).tolist(), g.requires_grad, h.tolist()
    assert case(tg) == case(torch)


@pytest.mark.parametrize("grad", ["requires_grad", "plain", "no_grad", "no_grad_leaf"])
@pytest.mark.parametrize("style", ["old", "new"])
@pytest.mark.parametrize("save", ["input", "output", "nothing"])
def test_saving_an_input_returned_as_it_is_refused_with_setup_context_as_torch(save, style, grad):
    """setup_context saving an input that forward returned as it is ran (the saved tensor is then neither the input
    nor the output, a view of it made afterwards); torch refuses it in grad mode, and takes it in an old-style
    forward"""
    got = []
    for L in (torch, tg):
        def saving(ctx, inputs, out):
            if save != "nothing":
                ctx.save_for_backward(inputs[0] if save == "input" else out)

        def forward(ctx, x):
            saving(ctx, (x,), x)
            return x
        body = {"backward": staticmethod(lambda ctx, g: g * 2)}
        if style == "old":
            body["forward"] = staticmethod(forward)
        else:
            body["forward"], body["setup_context"] = staticmethod(lambda x: x), staticmethod(saving)
        Fn = type("Fn", (L.autograd.Function,), body)
        x = L.ones(3, requires_grad=grad in ("requires_grad", "no_grad_leaf"))
        try:
            with L.no_grad() if grad.startswith("no_grad") else L.enable_grad():
                y = Fn.apply(x if grad == "no_grad_leaf" else x * 1)
            got.append(y.tolist())
        except RuntimeError as e:
            assert "returned as-is as output is being saved for backward" in str(e)
            got.append("refused")
    assert got[1] == got[0]


# ---- mark_dirty on a view or a tensor with views --------------------------------------------------------------------
DIRTY_VIEWS = {"slice": lambda t: t[1:], "t": lambda t: t.t(), "select": lambda t: t[:, 1], "view": lambda t: t.view(12),
               "narrow": lambda t: t.narrow(0, 0, 2)}


def _dirty_program(L, seed):
    """A Function that multiplies its input in place (mark_dirty) applied to a graph tensor with views, a view of it,
    a view of that view or a view of a leaf; one output or two (torch refuses two for a view); the loss reads the
    base, the view and the output: ('ok', values, gradient) or ('error',)"""
    r = random.Random(seed)
    first, second = r.choice(list(DIRTY_VIEWS)), r.choice(["slice", "narrow", "t"])
    target, two = r.choice(["view", "base", "view_of_view", "leaf_view"]), r.random() < 0.3

    class Dirty(L.autograd.Function):
        @staticmethod
        def forward(ctx, a, w):
            ctx.save_for_backward(w)
            a.mul_(w)
            ctx.mark_dirty(a)
            return (a, a.sum() * 1) if two else a

        @staticmethod
        def backward(ctx, g, *more):
            w, = ctx.saved_tensors
            return (g if not two or more[0] is None else g + more[0]) * w, None
    x = L.tensor(np.arange(12.0).reshape(3, 4) / 5 - 1, requires_grad=True)
    h = x if target == "leaf_view" else x * 1
    v = DIRTY_VIEWS[first](h)
    a = {"base": h, "view_of_view": DIRTY_VIEWS[second](v) if v.ndim == 2 else v}.get(target, v)
    try:
        out = Dirty.apply(a, L.full(a.shape, 1.5))
        y = out[0] if two else out
        ((h * h).sum() + (v * 1.5).sum() + (y ** 3).sum() + (out[1] * 2 if two else 0)).backward()
    except RuntimeError:
        return ("error",)
    return "ok", [np.array(t.detach().numpy()) for t in (h, v, y, x.grad)]


def test_random_mark_dirty_on_views_as_torch():
    """mark_dirty on a graph view or a tensor with graph views was refused (NotImplementedError): torch rebases the
    views (and the base) onto the Function's node"""
    for seed in range(150):
        want, got = _dirty_program(torch, seed), _dirty_program(tg, seed)
        assert got[0] == want[0], seed
        for a, b in zip(got[1:], want[1:]):
            for u, v in zip(a, b):
                np.testing.assert_allclose(u, v, rtol=1e-12, err_msg=f"seed {seed}")


def test_a_tensor_a_function_viewed_still_pickles_and_copies():
    """the list of outputs viewing a tensor's memory (weak references) must stay behind in pickle and copies"""
    import copy
    import io
    import pickle
    x = tg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)  # owns its memory (no view of a temporary)
    y = _viewing(tg, "slice").apply(x)
    back = pickle.loads(pickle.dumps(x))
    assert back.tolist() == x.tolist() and "_custom_views" not in back.__dict__
    buf = io.BytesIO()
    tg.save({"x": x, "y": y.detach()}, buf)
    buf.seek(0)
    assert tg.load(buf)["y"].tolist() == y.tolist()
    assert copy.copy(x).tolist() == x.tolist()
