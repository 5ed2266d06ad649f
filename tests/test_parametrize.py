"""nn.utils parametrizations against torch: parametrize (register/remove/cached), parametrizations.weight_norm,
spectral_norm and orthogonal (matrix_exp, cayley, householder: trained along torch's trajectory), the hook-based
weight_norm/spectral_norm, BatchNorm fusion, skip_init, stateless/func.functional_call and func.grad/vjp. Forward
values, gradients and in-place state (power iteration vectors) are compared with torch after copying torch's tensors
into ours."""
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn
from teenygrad.autograd import gradcheck
from teenygrad.nn.utils import parametrize as P, parametrizations as PZ

TOL = dict(rtol=1e-4, atol=1e-5)  # float32 against torch


def _close(ours, theirs, **tol):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **(tol or TOL))


def _copy(ours, theirs):
    """torch's parameters and buffers (same names) into ours."""
    mine = dict(ours.named_parameters())
    mine.update(dict(ours.named_buffers()))
    for name, t in list(theirs.named_parameters()) + list(theirs.named_buffers()):
        mine[name]._data[...] = t.detach().numpy()


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _linears(i=3, o=4):
    torch.manual_seed(0)
    theirs, ours = torch.nn.Linear(i, o), nn.Linear(i, o)
    _copy(ours, theirs)
    return ours, theirs


def _backward_both(ours, theirs, x, tx, seed=1):
    y, ty = ours(x), theirs(tx)
    w = np.random.default_rng(seed).standard_normal(ty.shape).astype(np.float32)
    (y * tg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    return y, ty


def _sym(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(0, 1)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def _scale(lib, k):
    class Scale(lib.nn.Module):
        def forward(self, X):
            return X * k
    return Scale()


# ---- parametrize ----------------------------------------------------------------------------------------------
def test_register_parametrization_matches_torch():
    ours, theirs = _linears(4, 4)
    weight = ours.weight
    P.register_parametrization(ours, "weight", _sym(tg))
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", _sym(torch))
    assert ours.parametrizations.weight.original is weight  # same object: an optimizer holding it still works
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert P.type_before_parametrizations(ours) is nn.Linear and type(nn.Linear(2, 2)) is nn.Linear
    assert "weight" not in vars(nn.Linear)  # plain Linears keep their attribute lookup
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _close(ours.weight, theirs.weight)
    x, tx = _pair((2, 4))
    _backward_both(ours, theirs, x, tx)
    _close(ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)
    _close(x.grad, tx.grad)
    # chaining, assignment through the right inverse, caching
    P.register_parametrization(ours, "weight", _scale(tg, 2.0))
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", _scale(torch, 2.0))
    _close(ours.weight, theirs.weight)
    with pytest.raises(RuntimeError):
        theirs.weight = torch.eye(4)
    with pytest.raises(RuntimeError, match="Scale does not implement right_inverse"):
        ours.weight = tg.eye(4)
    with P.cached():
        assert ours.weight is ours.weight
    assert ours.weight is not ours.weight
    assert P.is_parametrized(ours) and P.is_parametrized(ours, "weight") and not P.is_parametrized(ours, "bias")


def test_parametrized_copy_pickle_and_parameter_assignment():
    import copy
    import pickle
    ours, theirs = _linears()
    PZ.weight_norm(ours)
    torch.nn.utils.parametrizations.weight_norm(theirs)
    twin = copy.deepcopy(ours)
    _close(twin.weight, ours.weight)
    assert twin.parametrizations.weight.original1 is not ours.parametrizations.weight.original1
    P.remove_parametrizations(twin, "weight")  # the copy has its own class: the original stays parametrized
    assert type(twin) is nn.Linear and P.is_parametrized(ours) and ours.weight.shape == (4, 3)
    with pytest.raises(KeyError):
        theirs.weight = torch.nn.Parameter(torch.ones(4, 3))
    with pytest.raises(KeyError, match="attribute 'weight' already exists: it is parametrized"):
        ours.weight = nn.Parameter(tg.ones(4, 3))
    with pytest.raises(RuntimeError):
        pickle.dumps(theirs)
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported through "
                                           "state_dict"):
        pickle.dumps(ours)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    ours, theirs = _linears(4, 4)
    P.register_parametrization(ours, "weight", _sym(tg))
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", _sym(torch))
    a = np.random.default_rng(3).standard_normal((4, 4)).astype(np.float32)
    ours.weight, theirs.weight = tg.tensor(a + a.T), torch.tensor(a + a.T)  # right_inverse stores triu
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    original = ours.parametrizations.weight.original
    P.remove_parametrizations(ours, "weight", leave_parametrized=leave)
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight", leave_parametrized=leave)
    assert type(ours) is nn.Linear and ours.weight is original and isinstance(ours.weight, nn.Parameter)
    _close(ours.weight, theirs.weight)
    assert not P.is_parametrized(ours) and list(ours.state_dict()) == list(theirs.state_dict())


def test_parametrize_bad_input():
    ours, theirs = _linears()
    with pytest.raises(ValueError):
        torch.nn.utils.parametrize.register_parametrization(theirs, "nope", _scale(torch, 1.0))
    with pytest.raises(ValueError, match="register_parametrization: module 'Linear' does not have .* 'nope'"):
        P.register_parametrization(ours, "nope", _scale(tg, 1.0))

    class Flat(torch.nn.Module):
        def forward(self, X):
            return X.reshape(-1)

    class OurFlat(nn.Module):
        def forward(self, X):
            return X.reshape(-1)
    with pytest.raises(ValueError):
        torch.nn.utils.parametrize.register_parametrization(theirs, "weight", Flat())
    with pytest.raises(ValueError, match=r"may not change the shape.*\(4, 3\), parametrized \(12,\)"):
        P.register_parametrization(ours, "weight", OurFlat())
    with pytest.raises(ValueError):
        torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(ours, "weight")


# ---- parametrizations -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization(dim):
    ours, theirs = _linears()
    PZ.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    g, tg_ = ours.parametrizations.weight.original0, theirs.parametrizations.weight.original0
    assert g.shape == tuple(tg_.shape)
    _close(g, tg_)
    x, tx = _pair((2, 3))
    y, ty = _backward_both(ours, theirs, x, tx)
    _close(y, ty)
    for n in ("original0", "original1"):
        _close(getattr(ours.parametrizations.weight, n).grad, getattr(theirs.parametrizations.weight, n).grad)
    P.remove_parametrizations(ours, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight")
    _close(ours.weight, theirs.weight)
    with pytest.raises(ValueError):
        torch.nn.utils.parametrize.remove_parametrizations(
            torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 2)), "weight", leave_parametrized=False)
    with pytest.raises(ValueError, match="leave_parametrized=False"):
        P.remove_parametrizations(PZ.weight_norm(nn.Linear(2, 2)), "weight", leave_parametrized=False)


def test_weight_norm_gradcheck():
    m = PZ.weight_norm(nn.Linear(3, 2).double(), dim=1)
    x = tg.tensor(np.random.default_rng(4).standard_normal((2, 3)), requires_grad=True)
    plist = m.parametrizations.weight
    assert gradcheck(lambda a, g, v: m(a), [x, plist.original0, plist.original1])


@pytest.mark.parametrize("make,dim", [(lambda lib: lib.nn.Linear(3, 5), None),
                                      (lambda lib: lib.nn.Conv2d(2, 3, 2), 1),
                                      (lambda lib: lib.nn.ConvTranspose2d(2, 3, 2), None)])
def test_spectral_norm_parametrization(make, dim):
    torch.manual_seed(0)
    theirs, ours = make(torch), make(tg)
    _copy(ours, theirs)
    torch.nn.utils.parametrizations.spectral_norm(theirs, dim=dim)
    PZ.spectral_norm(ours, dim=dim)
    _copy(ours, theirs)  # torch's random start vectors u, v (and weight, again)
    shape = (2, 3) if isinstance(theirs, torch.nn.Linear) else (1, 2, 4, 4)
    for step in range(2):  # training mode: one power iteration per access
        x, tx = _pair(shape, seed=step)
        y, ty = _backward_both(ours, theirs, x, tx, seed=step)
        _close(y, ty)
        _close(x.grad, tx.grad)
        for b in ("_u", "_v"):
            _close(getattr(ours.parametrizations.weight[0], b), getattr(theirs.parametrizations.weight[0], b))
    _close(ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad, rtol=1e-4,
           atol=1e-4)
    ours.eval(), theirs.eval()
    u = ours.parametrizations.weight[0]._u.numpy().copy()
    _close(ours.weight, theirs.weight)
    np.testing.assert_array_equal(ours.parametrizations.weight[0]._u.numpy(), u)  # no iteration in eval mode


def test_spectral_norm_parametrization_bad_input():
    for kw, err in (({"n_power_iterations": 0}, ValueError), ({"dim": 2}, IndexError)):
        with pytest.raises(err):
            torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(3, 4), **kw)
        with pytest.raises(err, match="spectral_norm: .*(n_power_iterations=0|got 2)"):
            PZ.spectral_norm(nn.Linear(3, 4), **kw)
    with pytest.raises(ValueError):
        torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(3, 4), name="nope")
    with pytest.raises(ValueError, match="spectral_norm: module 'Linear' has no parameter or buffer .*'nope'"):
        PZ.spectral_norm(nn.Linear(3, 4), name="nope")


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3)])
def test_orthogonal_cayley(shape):
    ours, theirs = _linears(shape[1], shape[0])
    PZ.orthogonal(ours, orthogonal_map="cayley")
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map="cayley")
    w = ours.weight.numpy()
    small = min(shape)
    np.testing.assert_allclose(w @ w.T if shape[0] < shape[1] else w.T @ w, np.eye(small), atol=1e-5)
    _close(ours.weight, theirs.weight, atol=1e-5, rtol=1e-4)  # at the start: the orthogonalized weight itself
    if shape[0] == shape[1]:  # square: no random completion, so the bases agree; move the stored X and compare
        _copy(ours, theirs)
        X = np.random.default_rng(5).standard_normal(shape).astype(np.float32) * 0.3
        ours.parametrizations.weight.original._data[...] = X
        with torch.no_grad():
            theirs.parametrizations.weight.original.copy_(torch.tensor(X))
        x, tx = _pair((2, shape[1]))
        y, ty = _backward_both(ours, theirs, x, tx)
        _close(y, ty)
        _close(ours.parametrizations.weight.original.grad, theirs.parametrizations.weight.original.grad)
        w = ours.weight.numpy()
        np.testing.assert_allclose(w.T @ w, np.eye(shape[0]), atol=1e-5)


def _orth_pair(shape, orthogonal_map, triv, seed=7):
    """A module holding one weight of `shape` (same values) in torch and ours, made orthogonal by the same map; a
    random completion of a non-square base (torch's randn) is copied into ours."""
    w = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    mods = []
    for lib in (tg, torch):
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(w))
        mods.append(m)
    PZ.orthogonal(mods[0], orthogonal_map=orthogonal_map, use_trivialization=triv)
    torch.nn.utils.parametrizations.orthogonal(mods[1], orthogonal_map=orthogonal_map, use_trivialization=triv)
    if triv:
        _copy(*mods)
    return mods


def _orth_steps(ours, theirs, n, seed):
    """n steps of SGD with momentum on sum(W * C): the stored X moves through the map, in both."""
    c = np.random.default_rng(seed).standard_normal(tuple(theirs.weight.shape)).astype(np.float32)
    opts = [tg.optim.SGD(ours.parameters(), lr=0.2, momentum=0.9),
            torch.optim.SGD(theirs.parameters(), lr=0.2, momentum=0.9)]
    for _ in range(n):
        for m, opt, lib in ((ours, opts[0], tg), (theirs, opts[1], torch)):
            opt.zero_grad()
            (m.weight * lib.tensor(c)).sum().backward()
            opt.step()
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    _close(ours.weight, theirs.weight)


def _orthonormal(w):
    w = w.detach().numpy()
    small = min(w.shape[-2:])
    gram = w @ np.swapaxes(w, -2, -1) if w.shape[-2] < w.shape[-1] else np.swapaxes(w, -2, -1) @ w
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(small), gram.shape), atol=2e-5)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("triv", [True, False])
def test_orthogonal_training_follows_torch(shape, orthogonal_map, triv):
    ours, theirs = _orth_pair(shape, orthogonal_map, triv)
    want = orthogonal_map or ("matrix_exp" if shape[-2] == shape[-1] else "householder")  # torch's default
    assert ours.parametrizations.weight[0].orthogonal_map == theirs.parametrizations.weight[0].orthogonal_map.name \
        == want
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    _close(ours.weight, theirs.weight)
    _orthonormal(ours.weight)
    _orth_steps(ours, theirs, 4, seed=8)
    _orthonormal(ours.weight)
    # right_inverse: assign an orthogonal matrix (trivialization: it becomes the base; householder: its reflectors)
    q = np.linalg.qr(np.random.default_rng(9).standard_normal(shape[:-2] + (max(shape[-2:]),) * 2))[0]
    q = np.ascontiguousarray(q[..., :shape[-2], :shape[-1]].astype(np.float32))
    if not triv and want != "householder":
        with pytest.raises(NotImplementedError):
            theirs.weight = torch.tensor(q)
        with pytest.raises(NotImplementedError, match="orthogonal: It is not possible to assign .* matrix exp"):
            ours.weight = tg.tensor(q)
        return
    ours.weight, theirs.weight = tg.tensor(q), torch.tensor(q)
    if triv:
        _copy(ours, theirs)  # a non-square base's random completion
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    np.testing.assert_allclose(ours.weight.detach().numpy(), q, atol=2e-5)
    _close(ours.weight, theirs.weight)
    _orth_steps(ours, theirs, 3, seed=10)


def test_orthogonal_householder_right_inverse_of_any_matrix_and_gradcheck():
    """Without trivialization, householder stores Q's reflectors (geqrf's, R's diagonal signs on X's diagonal): a
    non-orthogonal matrix gives the Q of its QR with R's diagonal positive, as torch."""
    ours, theirs = _orth_pair((5, 3), "householder", False)
    a = np.random.default_rng(11).standard_normal((5, 3)).astype(np.float32)
    ours.weight, theirs.weight = tg.tensor(a), torch.tensor(a)
    _close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(ours.weight.detach().numpy(), q * np.sign(np.diag(r)), atol=2e-5)
    m = PZ.orthogonal(nn.Linear(3, 5).double(), use_trivialization=False)  # default for (5, 3): householder
    X = m.parametrizations.weight.original
    assert m.parametrizations.weight[0].orthogonal_map == "householder"
    signs = (X - X.tril(-1)).detach()  # the +-1 diagonal: a step, so it is held, as forward holds it (.int())
    X._data[...] += np.tril(np.random.default_rng(12).standard_normal((5, 3)) * 0.5, -1)
    assert gradcheck(lambda L: m.parametrizations.weight[0](L.tril(-1) + signs), [X])


def test_orthogonal_gradcheck_and_bad_input():
    m = PZ.orthogonal(nn.Linear(3, 3).double())
    m.parametrizations.weight.original._data[...] = np.random.default_rng(6).standard_normal((3, 3)) * 0.3
    assert gradcheck(lambda X: m.parametrizations.weight[0](X), [m.parametrizations.weight.original])
    with pytest.raises(ValueError):
        torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError, match="orthogonal: Expected a matrix .* 1 dimensions"):
        PZ.orthogonal(nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError):
        torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), orthogonal_map="nope")
    with pytest.raises(ValueError, match="orthogonal: orthogonal_map has to be one of .* Got: nope"):
        PZ.orthogonal(nn.Linear(3, 3), orthogonal_map="nope")


# ---- the hook-based forms -------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*torch.nn.utils.weight_norm.* is deprecated")
@pytest.mark.parametrize("dim", [0, 1, -2, None])
def test_weight_norm_hooks(dim):
    ours, theirs = _linears()
    nn.utils.weight_norm(ours, dim=dim)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(theirs, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g", "weight_v"]
    _close(ours.weight_g, theirs.weight_g)
    x, tx = _pair((2, 3))
    y, ty = _backward_both(ours, theirs, x, tx)
    _close(y, ty)
    for n in ("weight_g", "weight_v", "bias"):
        _close(getattr(ours, n).grad, getattr(theirs, n).grad)
    _close(x.grad, tx.grad)
    with pytest.raises(RuntimeError):
        torch.nn.utils.weight_norm(theirs, dim=dim)
    with pytest.raises(RuntimeError, match="weight_norm: Cannot register two weight_norm hooks .* weight"):
        nn.utils.weight_norm(ours, dim=dim)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    _close(ours.weight, theirs.weight)
    assert isinstance(ours.weight, nn.Parameter) and list(ours.state_dict()) == list(theirs.state_dict())
    with pytest.raises(ValueError):
        torch.nn.utils.remove_weight_norm(theirs)
    with pytest.raises(ValueError, match="remove_weight_norm: weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(ours)


def test_weight_norm_hooks_gradcheck():
    m = nn.utils.weight_norm(nn.Linear(3, 2).double())
    x = tg.tensor(np.random.default_rng(7).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda a, g, v: m(a), [x, m.weight_g, m.weight_v])


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(3, 5), lambda lib: lib.nn.ConvTranspose1d(2, 3, 2)])
@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_hooks(make, n_iter):
    torch.manual_seed(0)
    theirs, ours = make(torch), make(tg)
    _copy(ours, theirs)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=n_iter)
    nn.utils.spectral_norm(ours, n_power_iterations=n_iter)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy(ours, theirs)
    shape = (2, 3) if isinstance(theirs, torch.nn.Linear) else (1, 2, 4)
    for step in range(2):
        x, tx = _pair(shape, seed=step)
        y, ty = _backward_both(ours, theirs, x, tx, seed=step)
        _close(y, ty)
        _close(ours.weight_u, theirs.weight_u)
        _close(ours.weight_v, theirs.weight_v)
    _close(ours.weight_orig.grad, theirs.weight_orig.grad, rtol=1e-4, atol=1e-4)
    ours.eval(), theirs.eval()
    u = ours.weight_u.numpy().copy()
    x, tx = _pair(shape, seed=9)
    _close(ours(x), theirs(tx))
    np.testing.assert_array_equal(ours.weight_u.numpy(), u)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    _close(ours.weight, theirs.weight)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_spectral_norm_hooks_bad_input():
    with pytest.raises(ValueError):
        torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4), n_power_iterations=0)
    with pytest.raises(ValueError, match="spectral_norm: Expected n_power_iterations to be positive, but got "
                                         "n_power_iterations=0"):
        nn.utils.spectral_norm(nn.Linear(3, 4), n_power_iterations=0)
    with pytest.raises(RuntimeError):
        torch.nn.utils.spectral_norm(torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4)))
    with pytest.raises(RuntimeError, match="spectral_norm: Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(3, 4)))
    with pytest.raises(ValueError):
        torch.nn.utils.remove_spectral_norm(torch.nn.Linear(3, 4))
    with pytest.raises(ValueError, match="remove_spectral_norm: spectral_norm of 'weight' not found in Linear"):
        nn.utils.remove_spectral_norm(nn.Linear(3, 4))


# ---- fusion, skip_init ----------------------------------------------------------------------------------------
def _bn_pair(lib, n, seed):
    bn = getattr(lib.nn, "BatchNorm1d" if n[1] == 1 else "BatchNorm2d")(n[0])
    rng = np.random.default_rng(seed)
    return bn, {k: rng.uniform(0.5, 1.5, n[0]).astype(np.float32) for k in ("weight", "bias", "running_mean",
                                                                            "running_var")}


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(transpose):
    torch.manual_seed(0)
    cls = "ConvTranspose2d" if transpose else "Conv2d"
    tconv, conv = getattr(torch.nn, cls)(2, 3, 3), getattr(nn, cls)(2, 3, 3)
    _copy(conv, tconv)
    tbn, vals = _bn_pair(torch, (3, 2), 1)
    bn, _ = _bn_pair(tg, (3, 2), 1)
    for k, v in vals.items():
        getattr(bn, k)._data[...] = v
        getattr(tbn, k).data[...] = torch.tensor(v)
    for m in (tconv, conv, tbn, bn):
        m.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    tfused = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    x, tx = _pair((1, 2, 5, 5))
    _close(fused(x), tfused(tx))
    _close(fused(x), bn(conv(x)))
    assert isinstance(fused.weight, nn.Parameter) and fused.weight is not conv.weight
    tconv.train()
    conv.train()
    with pytest.raises(AssertionError):
        torch.nn.utils.fuse_conv_bn_eval(tconv, tbn)
    with pytest.raises(AssertionError, match="fuse_conv_bn_eval: Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(conv, bn)


def test_fuse_linear_bn_eval():
    lin, tlin = _linears(3, 4)
    tbn, vals = _bn_pair(torch, (4, 1), 2)
    bn, _ = _bn_pair(tg, (4, 1), 2)
    for k, v in vals.items():
        getattr(bn, k)._data[...] = v
        getattr(tbn, k).data[...] = torch.tensor(v)
    for m in (lin, tlin, bn, tbn):
        m.eval()
    x, tx = _pair((2, 3))
    _close(nn.utils.fuse_linear_bn_eval(lin, bn)(x), torch.nn.utils.fuse_linear_bn_eval(tlin, tbn)(tx))
    with pytest.raises(AssertionError):
        torch.nn.utils.fuse_linear_bn_eval(torch.nn.Linear(3, 5).eval(), tbn)
    with pytest.raises(AssertionError, match=r"fuse_linear_bn_eval: .*\(got 5 and 4\)"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(3, 5).eval(), bn)


def test_skip_init():
    m = nn.utils.skip_init(nn.Linear, 3, 4, bias=False)
    assert type(m) is nn.Linear and m.weight.shape == (4, 3) and m.bias is None

    class NoDevice(nn.Module):
        pass

    class TorchNoDevice(torch.nn.Module):
        pass
    with pytest.raises(RuntimeError):
        torch.nn.utils.skip_init(TorchNoDevice)
    with pytest.raises(RuntimeError, match="skip_init: Module must support a 'device' arg .*NoDevice"):
        nn.utils.skip_init(NoDevice)


# ---- functional_call, func.grad / vjp -------------------------------------------------------------------------
def _mlps():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    _copy(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("call", ["stateless", "func"])
def test_functional_call(call):
    ours, theirs = _mlps()
    fc = nn.utils.stateless.functional_call if call == "stateless" else tg.func.functional_call
    w, tw = _pair((2, 4), seed=2)
    b, tb = _pair((2,), seed=3)
    x, tx = _pair((5, 3))
    y = fc(ours, ({"2.weight": w}, {"2.bias": b}), (x,))
    ty = torch.func.functional_call(theirs, ({"2.weight": tw}, {"2.bias": tb}), (tx,))
    _close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    _close(w.grad, tw.grad)
    _close(b.grad, tb.grad)
    _close(ours[0].weight.grad, theirs[0].weight.grad)
    assert ours[2].weight.grad is None and isinstance(ours[2].weight, nn.Parameter)
    _close(ours(x), theirs(tx))  # the module's own tensors are back
    with pytest.raises(RuntimeError):
        torch.func.functional_call(theirs, {"2.weight": tw}, (tx,), strict=True)
    # torch lists the missing keys sorted
    with pytest.raises(RuntimeError, match="(?s)reparametrizing for Sequential:.*Missing key\\(s\\): '0.bias', '0.weight', "
                                           "'2.bias'"):
        fc(ours, {"2.weight": w}, (x,), strict=True)
    with pytest.raises(ValueError):
        torch.func.functional_call(theirs, ({"2.bias": tb}, {"2.bias": tb}), (tx,))
    with pytest.raises(ValueError, match=r"\['2.bias'\] appeared in multiple dictionaries"):
        fc(ours, ({"2.bias": b}, {"2.bias": b}), (x,))


def test_functional_call_tied_weights():
    lin, tlin = _linears(3, 3)
    ours, theirs = nn.Sequential(lin, lin), torch.nn.Sequential(tlin, tlin)
    w, tw = _pair((3, 3), seed=4)
    x, tx = _pair((2, 3))
    _close(tg.func.functional_call(ours, {"0.weight": w}, x), torch.func.functional_call(theirs, {"0.weight": tw}, tx))
    _close(tg.func.functional_call(ours, {"0.weight": w}, x, tie_weights=False),
           torch.func.functional_call(theirs, {"0.weight": tw}, tx, tie_weights=False))


def test_func_grad_and_vjp():
    f = (lambda lib: lambda x, y: ((x.sin() * y).sum(), x.sum()))
    x, tx = _pair((3,))
    y, ty = _pair((3,), seed=1)
    (gx, gy), aux = tg.func.grad(f(tg), argnums=(0, 1), has_aux=True)(x, y)
    (tgx, tgy), taux = torch.func.grad(f(torch), argnums=(0, 1), has_aux=True)(tx, ty)
    _close(gx, tgx)
    _close(gy, tgy)
    _close(aux, taux)
    assert x.grad is None
    g = (lambda lib: lambda a, b: a.exp() * b)
    out, fn = tg.func.vjp(g(tg), x, y)
    tout, tfn = torch.func.vjp(g(torch), tx, ty)
    _close(out, tout)
    c, tc = _pair((3,), seed=2)
    for _ in range(2):  # vjp_fn may be called again
        for a, b in zip(fn(c), tfn(tc)):
            _close(a, b)
    with pytest.raises(RuntimeError):
        torch.func.grad(lambda a: a * 2)(tx)
    with pytest.raises(RuntimeError, match=r"grad: Expected f\(\*args\) to return a scalar Tensor, got a tensor "
                                           r"of shape \(3,\)"):
        tg.func.grad(lambda a: a * 2)(x)
