"""Views taken under no_grad of tensors that require grad, then written in place, against torch (twenty-first landing):
random programs take no_grad views (view, slices, select, t(), permute, narrow, unsqueeze, diagonal, reshape, views
of views, detach()) of a graph tensor (x * 1, or F.linear's output, whose array is not its own), of graph views of it,
of the leaf, and graph views of those, and mix them with in-place ops with and without grad mode, uses in the loss,
numpy() arrays and _version; values, versions, refusals and gradients are compared with torch on the same float64
inputs.

What the sweep and the probes found, each pinned by a case below: a no_grad view of a graph tensor kept the old values
after an in-place op with grad mode on the tensor (or on another view of it, or on the tensor it is a view of): the op
rebound the tensor to a new array, while torch's view shares its memory (numpy() arrays of the view, and graph views
taken of it in grad mode, kept the old values too); using such a view in a graph after any write to its memory gave
a silent None gradient where torch refuses (grad_fn=<Invalid>: "A view was created in no_grad mode and its base or
another view of its base has been modified inplace ..."); torch refuses it after a write under no_grad too (an
optimizer-style step on the leaf), and after a write through the view itself; and zero_, fill_, copy_, setitem and
the random fills on a no_grad view with grad mode on were refused as "a leaf Variable" (torch names the no_grad view);
t_() / transpose_ / unsqueeze_ on a no_grad view of a graph tensor split its version counter from its base's.

Where teenygrad differs on purpose: torch refuses such a view as soon as it is used (v * 2, v.sum() read its
grad_fn), teenygrad where a backward (or autograd.grad) reaches it, as for the custom Function outputs of
test_custom_function21 (no check on the hot path of every op); reading v.grad_fn refuses as torch, and the sweep reads
it before each use. An in-place op with grad mode on a graph view of a no_grad view is refused with teenygrad's own
wording. Left as is: where the tensor's array is not its own (F.linear's output) and its shape, or the no_grad view's,
was changed in place under no_grad (t_(), transpose_, ...) before an in-place op with a graph on it, the view keeps
the old values (the view op cannot take it again from the new value; as before this landing); and t_() under
no_grad on a detach() alias of a graph tensor still splits its version counter from the tensor's (torch shares it)."""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg

NOGRAD_MSG = "A view was created in no_grad mode and its base or another view of its base has been modified inplace"

VIEWS = {  # a view of a (4, 6) or smaller tensor, as both libraries spell it
    "view": lambda t: t.view(-1) if t.is_contiguous() else t.view(t.shape),
    "slice": lambda t: t[1:],
    "select": lambda t: t[0],
    "t": lambda t: t.t() if t.ndim == 2 else t,
    "permute": lambda t: t.permute(*reversed(range(t.ndim))),
    "narrow": lambda t: t.narrow(0, 0, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "diagonal": lambda t: t.diagonal() if t.ndim == 2 else t[:1],
    "reshape": lambda t: t.reshape(-1),
    "detach": lambda t: t.detach(),
}


def _outcome(f):
    try:
        return f()
    except RuntimeError as e:
        return "error: " + ("nograd view" if "created in no_grad mode" in str(e) else "other")


def _grad_or_error(L, x, loss):
    def run():
        loss().backward()
        return None if x.grad is None else x.grad.tolist()
    return _outcome(run)


# ---- direct cases of what the probes found -------------------------------------------------------------------------
@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("write", ["base", "base_twice", "graph_view", "root", "base_nograd", "view_nograd", "none"])
def test_nograd_view_of_a_graph_tensor_sees_writes_and_refuses_backward_as_torch(view, write):
    """the view kept the old values after an in-place op with grad on its base (rebound to a new array), and backward
    through it gave None where torch refuses"""
    def case(L):
        x = L.arange(1.0, 13.0, dtype=L.float64).reshape(3, 4).requires_grad_()
        r = x * 1
        b = r[:, 1:] if write == "root" else r
        with L.no_grad():
            v = VIEWS[view](b)
        if write == "base":
            b.mul_(3)
        elif write == "base_twice":
            b.mul_(3)
            b.add_(1)
            b[0].mul_(-1)
        elif write == "graph_view":
            b[1:].mul_(3)
        elif write == "root":
            r.mul_(3)
        elif write == "base_nograd":
            with L.no_grad():
                b.mul_(3)
        elif write == "view_nograd":
            with L.no_grad():
                v.mul_(3)
        return v.tolist(), b.tolist(), v._version, _grad_or_error(L, x, lambda: (v * 2).sum() + (b * b).sum())
    assert case(tg) == case(torch)


@pytest.mark.parametrize("root", ["mul", "linear", "copying_reshape"])
def test_nograd_view_follows_a_root_whose_array_is_not_its_own_as_torch(root):
    """an op's output may be a numpy view of other memory (F.linear's, a copying reshape's): its no_grad views are
    taken again from the new value instead of the write going into that memory"""
    def case(L):
        x = L.arange(1.0, 13.0, dtype=L.float64).reshape(3, 4).requires_grad_()
        w = L.ones(4, 4, dtype=L.float64, requires_grad=True)
        b = {"mul": lambda: x * 1, "linear": lambda: L.nn.functional.linear(x, w),
             "copying_reshape": lambda: x.t().reshape(12)}[root]()
        with L.no_grad():
            v = b[1:]
            vv = v[:2]
        b.mul_(2)
        with L.no_grad():
            vv.add_(1)  # a write through the view reaches the tensor's new value
        return v.tolist(), vv.tolist(), b.tolist(), x.tolist(), w.tolist(), b._version
    assert case(tg) == case(torch)


def test_numpy_arrays_and_detach_aliases_of_the_view_see_the_write_as_torch():
    def case(L):
        x = L.ones(2, 3, dtype=L.float64, requires_grad=True)
        b = x * 1
        with L.no_grad():
            v = b.t()
        a, d = v.detach().numpy(), v.detach()
        b.mul_(3)
        b.add_(x)
        return a.tolist(), d.tolist(), d._version, v._version
    assert case(tg) == case(torch)


def test_uses_before_the_write_keep_their_graph_and_later_uses_refuse_as_torch():
    for L in (torch, tg):
        x = L.ones(4, dtype=L.float64, requires_grad=True)
        y = x * 2
        with L.no_grad():
            v = y.view(2, 2)
        u = v * 5  # recorded before the write: valid, as torch (v has no graph: no gradient for x)
        y.mul_(3)
        u.sum().backward()
        assert x.grad is None
        with pytest.raises(RuntimeError, match=NOGRAD_MSG):
            v.grad_fn
        with pytest.raises(RuntimeError, match=NOGRAD_MSG):
            L.autograd.grad((v * y.view(2, 2)).sum(), x)


def test_nograd_view_of_a_leaf_refuses_after_a_nograd_write_as_torch():
    """an optimizer-style write under no_grad to a leaf: torch refuses the earlier no_grad view in a graph"""
    for L in (torch, tg):
        x = L.ones(2, 3, requires_grad=True)
        with L.no_grad():
            v = x[0]
            x.sub_(0.5)
        assert v.tolist() == [0.5] * 3
        with pytest.raises(RuntimeError, match=NOGRAD_MSG):
            (v * x).sum().backward()


def test_nograd_views_without_a_write_or_of_plain_tensors_run_as_torch():
    def case(L):
        x = L.ones(4, dtype=L.float64, requires_grad=True)
        p = L.arange(4.0, dtype=L.float64)
        b = x * 2
        with L.no_grad():
            v, pv = b.view(2, 2), p.view(2, 2)
        p.mul_(3)  # p does not require grad: its views stay usable
        loss = (v * x.view(2, 2)).sum() + (pv * x.view(2, 2)).sum()
        loss.backward()
        return x.grad.tolist(), pv.tolist(), v.grad_fn is None
    assert case(tg) == case(torch)


@pytest.mark.parametrize("root,case", [(r, c) for r in ("mul", "linear") for c in ("view_t_", "root_t_", "root_t_nograd",
                                                                               "nograd_view_t_")
                                       if not (r == "linear" and c in ("root_t_nograd", "nograd_view_t_"))])
def test_in_place_view_ops_keep_the_nograd_views_on_their_memory_as_torch(root, case):
    """t_() hands a tensor's views over to its old value: the no_grad views of it go with them; t_() under no_grad on
    a graph tensor leaves its memory its own (its in-place results still go there, for its no_grad views to see)"""
    def case_of(L):
        x = L.arange(6.0, dtype=L.float64).reshape(2, 3).requires_grad_()
        r = x * 1 if root == "mul" else L.nn.functional.linear(x, L.eye(3, dtype=L.float64, requires_grad=True))
        b = r[:, :] if case == "view_t_" else r
        with L.no_grad():
            v = b[0] if case != "nograd_view_t_" else b[:, :2]
            if case == "nograd_view_t_":
                v.t_()
            elif case == "root_t_nograd":
                b.t_()
        if case in ("view_t_", "root_t_"):
            b.t_()
        r.mul_(2)
        return v.tolist(), r.tolist(), v._version
    assert case_of(tg) == case_of(torch)


@pytest.mark.parametrize("op", ["t_", "transpose_", "unsqueeze_"])
def test_in_place_view_op_on_a_nograd_view_keeps_the_shared_version_counter_as_torch(op):
    """t_() on a view taken under no_grad of a graph tensor split its version counter from its base's: the base's
    _version missed the t_() and the view's the later writes to the base"""
    def case(L):
        p = L.arange(6.0).reshape(2, 3).requires_grad_() * 1
        with L.no_grad():
            v = p[:, :2]
            getattr(v, op)(*{"t_": (), "transpose_": (0, 1), "unsqueeze_": (0,)}[op])
        first = v._version, p._version
        p.mul_(2)
        return first, v._version, p._version, v.tolist()
    assert case(tg) == case(torch)


def test_graph_view_of_a_nograd_view_follows_and_refuses_after_a_write_as_torch():
    """w = v[1] in grad mode, of a no_grad view v: it kept the old values and gave a silent None gradient"""
    def case(L):
        x = L.ones(4, dtype=L.float64, requires_grad=True)
        w_ = L.ones(4, 4, dtype=L.float64, requires_grad=True)
        b = L.nn.functional.linear(x, w_)  # an array that is not its own: the views are taken again
        with L.no_grad():
            v = b.view(2, 2)
        w = v[1]
        b.mul_(3)
        return w.tolist(), _outcome(lambda: w.grad_fn and "no error"), _grad_or_error(L, x, lambda: (w * 2).sum())
    got, want = case(tg), case(torch)
    assert got[0] == want[0] and got[2] == want[2] == "error: nograd view"


@pytest.mark.parametrize("op", ["zero_", "fill_", "copy_", "setitem", "uniform_", "normal_", "random_", "mul_"])
def test_in_place_with_grad_on_a_nograd_view_names_it_as_torch(op):
    """zero_, fill_, copy_, setitem and the random fills refused a no_grad view as 'a leaf Variable'; torch names the
    no_grad view"""
    for L in (torch, tg):
        b = L.ones(2, 3, requires_grad=True) * 1
        with L.no_grad():
            v = b[0]
        do = {"zero_": lambda: v.zero_(), "fill_": lambda: v.fill_(2.0), "copy_": lambda: v.copy_(L.ones(3)),
              "setitem": lambda: v.__setitem__(0, 1.0), "uniform_": lambda: v.uniform_(), "normal_": lambda: v.normal_(),
              "random_": lambda: v.random_(5), "mul_": lambda: v.mul_(2)}[op]
        with pytest.raises(RuntimeError, match="created in no_grad mode and is being modified inplace"):
            do()


# ---- the random programs -------------------------------------------------------------------------------------------
ACTIONS = ["nograd_view", "nograd_view", "graph_view", "write", "write", "write_nograd", "use", "numpy", "version"]
WRITES = ["mul_", "add_", "zero_", "copy_", "setitem", "clamp_"]


def _write(L, t, how):
    if how == "mul_":
        t.mul_(1.5)
    elif how == "add_":
        t.add_(0.25)
    elif how == "zero_":
        t.zero_()
    elif how == "copy_":
        t.copy_(L.full(t.shape, 2.0, dtype=L.float64))
    elif how == "setitem" and t.ndim:
        t[0] = -1.0
    else:
        t.clamp_(-0.5, 0.5)


def _program(L, seed, arr):
    """(a log of what each step did and saw, the leaf's gradient or an error)"""
    r = random.Random(seed)
    x = L.tensor(arr, requires_grad=True)
    root = x * 1 if r.random() < 0.7 else L.nn.functional.linear(x, L.eye(4, dtype=L.float64))
    pool = [("graph", root), ("leaf", x)]
    log, kept = [], []
    for _ in range(r.randint(2, 8)):
        act, i = r.choice(ACTIONS), r.randrange(len(pool))
        kind, t = pool[i]
        how = r.choice(list(VIEWS) if act == "nograd_view" else list(VIEWS)[:-1] if act == "graph_view" else WRITES)
        try:
            if act == "nograd_view":
                with L.no_grad():
                    pool.append(("nograd", VIEWS[how](t)))
                log.append((act, i, how, tuple(pool[-1][1].shape)))
            elif act == "graph_view" and kind != "leaf":
                t.grad_fn  # torch refuses an invalid view here (as at any use, see the module's docstring)
                pool.append((kind if kind == "nograd" else "graph", VIEWS[how](t)))
                log.append((act, i, how, tuple(pool[-1][1].shape)))
            elif act == "write" and kind != "leaf":
                _write(L, t, how)
                log.append((act, i, how))
            elif act == "write_nograd":
                with L.no_grad():
                    _write(L, t, how)
                log.append((act, i, how))
            elif act == "use" and t.requires_grad:
                t.grad_fn  # torch refuses an invalid view here: both libraries read it, as `t * c` would in torch
                kept.append(t * 2.0)
                log.append((act, i))
            elif act == "numpy":
                log.append((act, i, np.array(t.detach().numpy()).tolist()))
            elif act == "version":
                log.append((act, i, t._version))
        except (RuntimeError, IndexError) as e:  # IndexError: a slice of a 0-d tensor
            log.append((act, i, how, type(e).__name__,
                        "nograd view" if "created in no_grad mode" in str(e) else "other"))
    log.append([t.tolist() for _, t in pool])

    def loss():
        out = (root * root).sum()
        for k in kept:
            out = out + k.sum()
        return out
    return log, _grad_or_error(L, x, loss)


@pytest.mark.parametrize("chunk", range(4))
def test_random_programs_of_nograd_views_and_inplace_ops_as_torch(chunk):
    for seed in range(chunk * 150, chunk * 150 + 150):
        arr = np.random.default_rng(seed).uniform(-1, 1, (3, 4))
        want, got = _program(torch, seed, arr), _program(tg, seed, arr)
        assert got[0] == want[0], seed
        if isinstance(want[1], list):
            assert isinstance(got[1], list), (seed, got[1])
            np.testing.assert_allclose(got[1], want[1], rtol=1e-12, err_msg=f"seed {seed}")
        else:
            assert got[1] == want[1], (seed, want[0])
