"""nn.Module hooks and parametrizations against torch (twentieth landing). A fuzzer builds random small networks
of modules with several inputs and outputs (tuples, non-Tensor arguments, inputs that do not require grad, in-place
ops inside forward, modules called twice in one graph), hangs random forward / backward hooks on them (per module
and global, prepend, with_kwargs, hooks that replace inputs, outputs, grad_output or grad_input, hooks that remove
others), and compares the trace of what every hook saw, in which order, and the final gradients. A second sweep
trains parametrized layers (parametrizations.weight_norm / spectral_norm / orthogonal, all maps, with and without
trivialization, and the older hook-based weight_norm / spectral_norm) from torch's seed, as teenygrad reproduces
torch's CPU random stream, comparing outputs, power-iteration buffers in train and eval mode, state_dict keys and
the values left after remove_*.

What the sweeps found, each pinned by a direct case below: a call's backward ran the backward hooks registered at
backward time, not those registered when the module was called (a hook removed in between still runs in torch, one
added does not); forward hooks registered with always_call=True did not run when a forward pre hook or an earlier
forward hook raised (only when forward itself did); register_parametrization
refused a right_inverse that returns one tensor of another shape (torch allows it: forward maps it back, and only
forward's result is checked) but took one that changes the dtype under unsafe=True, turning the Parameter into
float64 (torch refuses: original is written in place); a right_inverse returning neither a tensor nor a sequence
leaked TypeError; and a parametrization stacked on a parametrized tensor had its right_inverse unchecked (torch
refuses a right_inverse that changes dtype or shape or returns no tensor).

Left as they are: assigning a tensor of another shape to a safe parametrization (torch stores it, teenygrad refuses:
the shape is the invariant unsafe=False promises); stacking orthogonal on orthogonal (torch raises TypeError from
inside the parametrization); a complex weight in orthogonal (teenygrad refuses, naming the dtype); the old
spectral_norm's state_dict metadata entry ('spectral_norm': {'weight.version': 1}); deepcopy of a module under the
old weight_norm (torch refuses, teenygrad copies)."""
import random
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg

TOL = dict(rtol=1e-4, atol=1e-5)
pytestmark = pytest.mark.filterwarnings("ignore:.*weight_norm. is deprecated:FutureWarning")  # torch's, for the old API


def _plain(x):
    """Tensors (nested in tuples, lists, dicts) as float64 arrays, for comparing both libraries' traces."""
    if isinstance(x, (tuple, list)):
        return [_plain(e) for e in x]
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if hasattr(x, "detach"):
        return np.asarray(x.detach().numpy(), dtype=np.float64)
    return x


def _assert_same(a, b, where="trace"):
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a!r} != {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{where}: {a!r} != {b!r}"
        for k in a:
            _assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.shape == b.shape, f"{where}: {a!r} != {b!r}"
        np.testing.assert_allclose(b, a, err_msg=where, **TOL)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _outcome(L, f):
    try:
        return f(L)
    except (RuntimeError, ValueError, TypeError) as e:
        return ("raised", type(e).__name__)


# ---------------------------------------------------------------- hook programs

class HookProgram:
    """One random network and its hooks in library L; the seeded Python RNG draws the same choices in both."""

    def __init__(self, L, seed):
        self.L, self.r, self.trace = L, random.Random(seed), []
        self.handles = []
        rng = np.random.default_rng(seed)
        nn = L.nn

        class Mix(nn.Module):
            """(a, k, b) -> (a * b + k, tanh(a) - b): two Tensor inputs, a float between, a tuple out."""
            def __init__(self, inplace):
                super().__init__()
                self.inplace = inplace

            def forward(self, a, k, b):
                y = a * b
                if self.inplace:
                    y.add_(k)
                else:
                    y = y + k
                return y, a.tanh() - b

        self.lin = nn.Linear(3, 3)
        with L.no_grad():
            self.lin.weight.copy_(L.tensor(rng.standard_normal((3, 3)).astype(np.float32)))
            self.lin.bias.copy_(L.tensor(rng.standard_normal(3).astype(np.float32)))
        self.mix = Mix(self.r.random() < 0.5)
        self.act = nn.Sigmoid()
        self.modules = {"lin": self.lin, "mix": self.mix, "act": self.act}
        self.x = L.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=self.r.random() < 0.8)
        self.z = L.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=self.r.random() < 0.6)

    def add_hooks(self, n):
        L, r = self.L, self.r
        mm = L.nn.modules.module
        for i in range(n):
            name = r.choice(sorted(self.modules))
            m = self.modules[name]
            kind = r.choice("fpre fpre_kw fpost fpost_kw bpre bpost bpost_mod bpre_mod remover late global".split())
            prepend = r.random() < 0.3
            tag = f"{kind}{i}"
            if kind == "fpre":
                def hook(mod, args, tag=tag, scale=r.random() < 0.4):
                    self.trace.append((tag, type(mod).__name__, _plain(args)))
                    if scale:
                        return tuple(a * 1.5 if hasattr(a, "detach") else a for a in args)
                self.handles.append(m.register_forward_pre_hook(hook, prepend=prepend))
            elif kind == "fpre_kw":
                def hook(mod, args, kwargs, tag=tag):
                    self.trace.append((tag, sorted(kwargs)))
                self.handles.append(m.register_forward_pre_hook(hook, prepend=prepend, with_kwargs=True))
            elif kind in ("fpost", "fpost_kw"):
                def hook(mod, args, *rest, tag=tag, change=r.random() < 0.4):
                    out = rest[-1]
                    self.trace.append((tag, _plain(out)))
                    if change:
                        return tuple(o - 0.25 for o in out) if isinstance(out, tuple) else out * 0.5
                self.handles.append(m.register_forward_hook(hook, prepend=prepend, with_kwargs=kind == "fpost_kw",
                                                            always_call=r.random() < 0.3))
            elif kind in ("bpre", "bpre_mod"):
                def hook(mod, go, tag=tag, change=kind == "bpre_mod"):
                    self.trace.append((tag, type(mod).__name__, _plain(go)))
                    if change:
                        return tuple(None if g is None else g * 2 for g in go)
                self.handles.append(m.register_full_backward_pre_hook(hook, prepend=prepend))
            elif kind in ("bpost", "bpost_mod"):
                def hook(mod, gi, go, tag=tag, change=kind == "bpost_mod"):
                    self.trace.append((tag, type(mod).__name__, _plain(gi), _plain(go)))
                    if change:
                        return tuple(None if g is None else g + 1 for g in gi)
                self.handles.append(m.register_full_backward_hook(hook, prepend=prepend))
            elif kind == "late":  # registers a backward hook on another module during forward
                def hook(mod, *a, tag=tag, other=self.modules[r.choice(sorted(self.modules))]):
                    self.trace.append((tag,))
                    self.handles.append(other.register_full_backward_hook(
                        lambda m, gi, go: self.trace.append((tag + "bw", type(m).__name__, _plain(gi)))))
                self.handles.append(m.register_forward_hook(hook, prepend=prepend))
            elif kind == "remover":  # removes the latest handle from inside a hook, once
                def hook(mod, *a, tag=tag, victim=self.handles[-1] if self.handles else None):
                    self.trace.append((tag,))
                    if victim is not None:
                        victim.remove()
                self.handles.append(m.register_forward_hook(hook, prepend=prepend))
            else:
                which = r.choice("fpre fpost bpre bpost".split())

                def hook(mod, *a, tag=f"{tag}{which}"):
                    self.trace.append((tag, type(mod).__name__, _plain(a)))
                register = {"fpre": mm.register_module_forward_pre_hook, "fpost": mm.register_module_forward_hook,
                            "bpre": mm.register_module_full_backward_pre_hook,
                            "bpost": mm.register_module_full_backward_hook}[which]
                self.handles.append(register(hook))

    def run(self):
        L, r = self.L, self.r
        try:
            h = self.lin(self.x)
            if r.random() < 0.5:  # the same module twice in one graph
                h = self.lin(h.tanh())
            a, b = self.mix(h, 0.5, self.z)
            out = self.act(a) * 2 + (b * b if r.random() < 0.6 else 0)
            leaves = [t for t in (self.x, self.z, self.lin.weight, self.lin.bias) if t.requires_grad]
            if r.random() < 0.3:
                return {"trace": self.trace, "grads": L.autograd.grad(out.sum(), leaves, allow_unused=True)}
            out.sum().backward()
            return {"trace": self.trace, "grads": [t.grad for t in leaves]}
        finally:
            for handle in self.handles:
                handle.remove()


def _hook_outcome(L, seed):
    p = HookProgram(L, seed)
    p.add_hooks(p.r.randrange(2, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _plain(p.run())
        except (RuntimeError, ValueError, TypeError) as e:
            return _plain({"raised": type(e).__name__, "trace": p.trace})


@pytest.mark.parametrize("seed", range(60))
def test_random_hook_program_as_torch(seed):
    _assert_same(_hook_outcome(torch, seed), _hook_outcome(tg, seed))


def _hooks_changed_after_the_call(L):
    trace, m = [], L.nn.Tanh()
    m.register_full_backward_pre_hook(lambda mod, go: trace.append("kept pre"))
    removed = m.register_full_backward_hook(lambda mod, gi, go: trace.append("removed"))
    x = L.tensor([0.5, -1.0], requires_grad=True)
    y = m(x)
    removed.remove()
    m.register_full_backward_hook(lambda mod, gi, go: trace.append("added"))
    y.sum().backward()
    m(x).sum().backward()
    return trace


def test_backward_hooks_are_those_of_the_call():
    """torch's backward runs the hooks registered when the module was called, not those at backward time."""
    assert _hooks_changed_after_the_call(tg) == _hooks_changed_after_the_call(torch)


# ---------------------------------------------------------------- always_call

def _always_call_when_raising(L, where):
    trace, m = [], L.nn.Identity()

    def bad(*a):
        trace.append("bad")
        raise ValueError("bad hook")
    if where == "pre":
        m.register_forward_pre_hook(bad)
    m.register_forward_hook(lambda mod, args, out: trace.append(("first", _plain(out))), always_call=True)
    if where == "post":
        m.register_forward_hook(bad)
    m.register_forward_hook(lambda mod, args, kw, out: trace.append(("later", _plain(out))), always_call=True,
                            with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: trace.append("plain"))
    with pytest.raises(ValueError, match="bad hook"):
        m(L.tensor([1.0, 2.0]))
    return trace


@pytest.mark.parametrize("where", ["pre", "post"])
def test_always_call_hooks_run_when_a_hook_raises(where):
    """torch runs the always_call forward hooks not yet run whenever the call raises, with the output so far."""
    _assert_same(_plain(_always_call_when_raising(torch, where)), _plain(_always_call_when_raising(tg, where)))


# ---------------------------------------------------------------- parametrize

def _linear(L):
    m = L.nn.Linear(3, 4)
    w = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    with L.no_grad():
        m.weight.copy_(L.tensor(w))
        m.bias.zero_()
    return m


def _flat(L):
    class Flat(L.nn.Module):
        def forward(self, X):
            return X.reshape(4, 3)

        def right_inverse(self, X):
            return X.reshape(-1)
    return Flat()


def _reshaped_original(L):
    m = _linear(L)
    L.nn.utils.parametrize.register_parametrization(m, "weight", _flat(L))
    x = L.tensor(np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32))
    m(x).pow(2).sum().backward()
    orig = m.parametrizations.weight.original
    out = [_plain(m.weight), list(orig.shape), _plain(orig.grad)]
    m.weight = L.ones(4, 3)
    out.append(_plain(orig))
    return out


def test_right_inverse_may_change_the_shape():
    _assert_same(_reshaped_original(torch), _reshaped_original(tg))


def _inverse(L, inverse, unsafe=False, stacked=False):
    class T(L.nn.Module):
        def forward(self, X):
            return X * 2

        def right_inverse(self, X):
            return inverse(X)
    m = _linear(L)
    P = L.nn.utils.parametrize
    if stacked:
        P.register_parametrization(m, "weight", L.nn.Identity())
    P.register_parametrization(m, "weight", T(), unsafe=unsafe)
    return [str(m.weight.dtype).split(".")[-1], list(m.weight.shape)]


@pytest.mark.parametrize("case", ["float64_unsafe", "float64_stacked", "flat_stacked", "tuple_stacked", "int",
                                  "half"])
def test_right_inverse_refusals(case):
    """A single original is written in place: its dtype can't change (even unsafe); a stacked parametrization's
    right_inverse must keep dtype and shape; a right_inverse must give tensors."""
    inverse, kw = {
        "float64_unsafe": (lambda X: X.double(), dict(unsafe=True)),
        "float64_stacked": (lambda X: X.double(), dict(stacked=True)),
        "flat_stacked": (lambda X: X.reshape(-1), dict(stacked=True)),
        "tuple_stacked": (lambda X: (X, X), dict(stacked=True)),
        "int": (lambda X: 3, {}),
        "half": (lambda X: X / 2, dict(stacked=True)),  # accepted: the control
    }[case]
    theirs = _outcome(torch, lambda L: _inverse(L, inverse, **kw))
    ours = _outcome(tg, lambda L: _inverse(L, inverse, **kw))
    assert ours == theirs
    if theirs[0] == "raised":
        with pytest.raises(ValueError, match="right_inverse"):
            _inverse(tg, inverse, **kw)


# ---------------------------------------------------------------- parametrized training

XL = np.random.default_rng(3).standard_normal((2, 3)).astype(np.float32)
XI = np.random.default_rng(3).standard_normal((2, 2, 5, 5)).astype(np.float32)


def _layer(L, kind):
    L.manual_seed(0)
    return {"lin": lambda: L.nn.Linear(3, 4), "conv": lambda: L.nn.Conv2d(2, 3, 3),
            "convT": lambda: L.nn.ConvTranspose2d(2, 3, 3)}[kind]()


def _train(L, m, x, n=3):
    opt = L.optim.Adam(m.parameters(), lr=0.05)
    outs = []
    for _ in range(n):
        opt.zero_grad()
        y = m(x)
        (y ** 2).mean().backward()
        opt.step()
        outs.append(_plain(y))
    return outs


def _normed(L, kind, how, dim, n_iter):
    m, x = _layer(L, kind), L.tensor(XL if kind == "lin" else XI)
    U = L.nn.utils
    if how == "wn":
        m = U.parametrizations.weight_norm(m, dim=dim)
    elif how == "wn_old":
        m = U.weight_norm(m, dim=dim)
    elif how == "sn":
        m = U.parametrizations.spectral_norm(m, n_power_iterations=n_iter, dim=dim)
    else:
        m = U.spectral_norm(m, n_power_iterations=n_iter, dim=dim)
    out = {"train": _train(L, m, x), "keys": sorted(m.state_dict().keys())}
    m.eval()
    out["eval"] = [_plain(m(x)), _plain(m(x))]
    if how.startswith("sn"):
        out["uv"] = {n: _plain(b) for n, b in m.named_buffers()}  # the power iteration's u and v: untouched in eval
    m.train()
    out["again"] = _plain(m(x))
    if how in ("wn", "sn"):
        L.nn.utils.parametrize.remove_parametrizations(m, "weight")
    else:
        getattr(L.nn.utils, "remove_weight_norm" if how == "wn_old" else "remove_spectral_norm")(m)
    out["removed"] = [_plain(m.weight), sorted(m.state_dict().keys()), _plain(m(x))]
    return out


NORM_CASES = [(kind, how, dim, n) for kind in ("lin", "conv", "convT") for how in ("wn", "wn_old")
              for dim in (0, 1, None) for n in (1,)] + \
             [(kind, how, dim, n) for kind in ("lin", "conv", "convT") for how in ("sn", "sn_old")
              for dim in (None, 1) for n in (1, 3)]


@pytest.mark.parametrize("kind,how,dim,n_iter", NORM_CASES)
def test_norm_reparametrizations_train_as_torch(kind, how, dim, n_iter):
    _assert_same(_normed(torch, kind, how, dim, n_iter), _normed(tg, kind, how, dim, n_iter))


def _orthogonal(L, shape, orthogonal_map, triv):
    L.manual_seed(0)
    m = L.nn.Module()
    m.w = L.nn.Parameter(L.randn(*shape))
    L.nn.utils.parametrizations.orthogonal(m, "w", orthogonal_map=orthogonal_map, use_trivialization=triv)
    weights = L.tensor(np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 10)
    opt = L.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        (m.w * weights).sum().backward()
        opt.step()
    return [_plain(m.w), sorted(m.state_dict().keys())]


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal_trains_as_torch(shape, orthogonal_map, triv):
    _assert_same(_orthogonal(torch, shape, orthogonal_map, triv), _orthogonal(tg, shape, orthogonal_map, triv))
