"""nn pieces that tutorials use: module backward hooks, torch.save of a whole model (a clear error), sparse
Embedding (dense gradients), CTC loss. Each scenario runs the same code on torch (the oracle) and teenygrad."""
import warnings
import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import rand

TOL = dict(atol=1e-5, rtol=1e-4)


def _np(v):
    if v is None:
        return None
    return v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v._data)


def _same(a, b, **tol):
    """Nested tuples/lists of tensors (or None) from torch (a) and teenygrad (b) hold the same values."""
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _same(x, y, **tol)
        return
    if a is None or b is None:
        assert a is None and b is None, (a, b)
        return
    np.testing.assert_allclose(_np(b), _np(a), **(tol or TOL))


def _conv_net(lib):
    """A small conv net with the same weights in both libraries."""
    conv, fc = lib.nn.Conv2d(3, 4, 3), lib.nn.Linear(4 * 6 * 6, 5)
    with lib.no_grad():
        for p, s in zip([conv.weight, conv.bias, fc.weight, fc.bias], range(4)):
            p.copy_(lib.tensor(rand(tuple(p.shape), seed=s, low=-0.3, high=0.3)))
    return conv, fc


# ---- 1. module backward hooks -------------------------------------------------------------------------------
def _gradcam(lib):
    conv, fc = _conv_net(lib)
    acts, got = {}, {}
    conv.register_forward_hook(lambda m, i, o: acts.update(a=o))
    conv.register_full_backward_hook(lambda m, gi, go: got.update(gi=gi, go=go, m=m is conv))
    x = lib.tensor(rand((2, 3, 8, 8), seed=9), requires_grad=True)
    fc(conv(x).relu().flatten(1))[:, 1].sum().backward()
    weights = got["go"][0].mean(dim=(2, 3), keepdim=True)  # Grad-CAM: channel weights from grad_output
    cam = (weights * acts["a"]).sum(1).relu()
    assert got["m"] and isinstance(got["gi"], tuple) and isinstance(got["go"], tuple)
    return got["gi"], got["go"], cam, x.grad, conv.weight.grad


def _modify_grad_input(lib):
    conv, fc = _conv_net(lib)
    fc.register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))
    x = lib.tensor(rand((2, 3, 8, 8), seed=9), requires_grad=True)
    fc(conv(x).flatten(1)).pow(2).sum().backward()
    return x.grad, conv.weight.grad, fc.weight.grad  # fc's own weight grad is untouched; conv's is tripled


def _pre_hook(lib):
    conv, fc = _conv_net(lib)
    seen = []
    fc.register_full_backward_pre_hook(lambda m, go: (go[0] * 0.5,))
    fc.register_full_backward_hook(lambda m, gi, go: seen.append(go))
    x = lib.tensor(rand((2, 3, 8, 8), seed=9), requires_grad=True)
    fc(conv(x).flatten(1)).pow(2).sum().backward()
    return x.grad, fc.weight.grad, seen[0]  # the full hook sees the replaced grad_output


def _multi_input(lib):
    class Mix(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.tensor(rand((3,), seed=1)))

        def forward(self, a, b, k, c):
            return a * self.w * k + b.exp(), (a * c).sum()

    m, got = Mix(), []
    m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
    a = lib.tensor(rand((2, 3), seed=2), requires_grad=True)
    b = lib.tensor(rand((2, 3), seed=3))  # no grad: its grad_input is None
    c = lib.tensor(rand((2, 3), seed=4), requires_grad=True)
    y, s = m(a, b, 2.0, c)
    (y.sum() * 2 + s * 3).backward()
    assert len(got) == 1 and len(got[0][0]) == 4 and len(got[0][1]) == 2
    return got[0], a.grad, c.grad, m.w.grad


def _unused_output(lib):
    class Two(lib.nn.Module):
        def forward(self, a):
            return a * 2, a * 3

    m, got = Two(), []
    m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
    a = lib.tensor(rand((4,), seed=5), requires_grad=True)
    m(a)[1].sum().backward()
    return got[0], a.grad


def _no_input_grad(lib):
    conv, fc = _conv_net(lib)
    got = []
    conv.register_full_backward_hook(lambda m, gi, go: got.append((gi, go)))
    x = lib.tensor(rand((2, 3, 8, 8), seed=9))
    with pytest.warns(UserWarning, match="no inputs require gradients"):
        fc(conv(x).flatten(1)).sum().backward()
    assert got[0][0] == (None,)
    return got[0][1], conv.weight.grad


def _removed(lib):
    conv, fc = _conv_net(lib)
    got = []
    h1 = fc.register_full_backward_hook(lambda m, gi, go: got.append(1))
    h2 = fc.register_full_backward_pre_hook(lambda m, go: (go[0] * 0,))
    x = lib.tensor(rand((2, 3, 8, 8), seed=9), requires_grad=True)
    h1.remove()
    h2.remove()
    fc(conv(x).flatten(1)).sum().backward()
    assert got == []
    return x.grad, fc.weight.grad


@pytest.mark.parametrize("scenario", [_gradcam, _modify_grad_input, _pre_hook, _multi_input, _unused_output,
                                      _no_input_grad, _removed])
def test_backward_hooks_match_torch(scenario):
    _same(scenario(torch), scenario(tg))


def test_backward_hook_errors_and_deprecated_kind():
    for lib in (torch, tg):
        lin = lib.nn.Linear(3, 2)
        lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))  # one grad_input too many
        with pytest.raises(RuntimeError, match="invalid number of grad_input"):
            lin(lib.ones(1, 3, requires_grad=True)).sum().backward()
        lin = lib.nn.Linear(3, 2)
        lin.register_full_backward_hook(lambda m, gi, go: (lib.ones(1, 3),))  # no input requires grad
        with pytest.raises(RuntimeError, match="no input requires gradient"), pytest.warns(UserWarning):
            lin(lib.ones(1, 3)).sum().backward()
    lin, got = tg.nn.Linear(3, 2), []
    with pytest.warns(UserWarning, match="register_full_backward_hook"):
        lin.register_backward_hook(lambda m, gi, go: got.append(gi))
    x = tg.ones(1, 3, requires_grad=True)
    lin(x).sum().backward()
    np.testing.assert_allclose(got[0][0].numpy(), x.grad.numpy())


# ---- 4. CTC loss ------------------------------------------------------------------------------------------
def _ctc_inputs(T, N, C, lengths, seed, in_lengths=None):
    """log_probs (T, N, C) from a log_softmax, padded targets (labels 1..C-1, some repeats), lengths."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, C)).astype(np.float32)
    S = max(max(lengths), 1)
    tgt = rng.integers(1, C, (N, S))
    tgt[:, 1::3] = tgt[:, 0::3][:, :tgt[:, 1::3].shape[1]]  # repeated neighbours need a blank between them
    il = np.array(in_lengths if in_lengths is not None else [T - i % 3 for i in range(N)])
    return x, tgt, il, np.array(lengths)


def _ctc(lib, x, tgt, il, tl, layout, reduction, zero_infinity=False, as_module=False, blank=0, tensors=True):
    if layout == "unbatched":
        x = x[:, 0]  # (T, C)
    lp = lib.tensor(x).log_softmax(-1).detach().requires_grad_()
    if layout == "concat":
        tgt = np.concatenate([tgt[i, :k] for i, k in enumerate(tl)] + [np.zeros(0, np.int64)])
    elif layout == "unbatched":
        tgt = tgt[0, :tl[0]]
    lens = (lib.tensor(il), lib.tensor(tl)) if tensors else (tuple(int(v) for v in il), tuple(int(v) for v in tl))
    if layout == "unbatched":
        lens = (lib.tensor(int(il[0])), lib.tensor(int(tl[0])))
    if as_module:
        loss = lib.nn.CTCLoss(blank=blank, reduction=reduction, zero_infinity=zero_infinity)(lp, lib.tensor(tgt),
                                                                                           *lens)
    else:
        loss = lib.nn.functional.ctc_loss(lp, lib.tensor(tgt), *lens, blank=blank, reduction=reduction,
                                          zero_infinity=zero_infinity)
    (loss * lib.tensor(np.linspace(0.5, 2, loss.numel(), dtype=np.float32)).reshape(loss.shape)).sum().backward()
    return loss, lp.grad


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("layout", ["padded", "concat", "unbatched"])
@pytest.mark.parametrize("T,N,C,lengths", [(12, 1, 5, [4]), (15, 4, 6, [5, 0, 3, 7]), (8, 3, 3, [3, 3, 1]),
                                           (30, 7, 20, [1, 9, 4, 9, 0, 2, 12])])
def test_ctc_loss_matches_torch(T, N, C, lengths, layout, reduction):
    x, tgt, il, tl = _ctc_inputs(T, N, C, lengths, seed=T + N)
    for tensors in (True, False):
        _same(_ctc(torch, x, tgt, il, tl, layout, reduction, tensors=tensors),
              _ctc(tg, x, tgt, il, tl, layout, reduction, tensors=tensors), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_loss_impossible_alignment_and_zero_infinity(reduction):
    # element 1 needs 2*3 frames for labels (2, 2, 2) but has 4; element 2 has no frames at all
    x, _, _, _ = _ctc_inputs(6, 3, 4, [2], seed=3)
    tgt, il, tl = np.array([[1, 2, 0], [2, 2, 2], [3, 1, 1]]), np.array([6, 4, 0]), np.array([2, 3, 2])
    _same(_ctc(torch, x, tgt, il, tl, "padded", reduction, zero_infinity=True, as_module=True, blank=0),
          _ctc(tg, x, tgt, il, tl, "padded", reduction, zero_infinity=True, as_module=True, blank=0))
    (a, ga), (b, gb) = [_ctc(lib, x, tgt, il, tl, "padded", reduction) for lib in (torch, tg)]
    np.testing.assert_allclose(_np(b), _np(a), **TOL)
    np.testing.assert_allclose(_np(gb), _np(ga), **TOL)  # nan where torch's is (the impossible element)
    assert np.isinf(_np(b)).all() if reduction != "none" else np.isinf(_np(b)[1:]).all()


def test_ctc_loss_other_blank_and_module():
    x, tgt, il, tl = _ctc_inputs(10, 3, 5, [3, 2, 4], seed=4)
    tgt = np.where(tgt == 4, 0, tgt)  # labels 0..3, blank 4
    _same(_ctc(torch, x, tgt, il, tl, "padded", "mean", as_module=True, blank=4),
          _ctc(tg, x, tgt, il, tl, "padded", "mean", as_module=True, blank=4))


def test_ctc_loss_gradcheck_float64():
    x, tgt, il, tl = _ctc_inputs(7, 3, 4, [2, 0, 3], seed=5)
    tgt, il, tl = tg.tensor(tgt), tg.tensor(il), tg.tensor(tl)

    def f(logits):  # through log_softmax, where torch's gradient of ctc w.r.t. log_probs is the true one
        return tg.nn.functional.ctc_loss(logits.log_softmax(-1), tgt, il, tl, reduction="sum")
    assert tg.autograd.gradcheck(f, (tg.tensor(x.astype(np.float64), requires_grad=True),))


def test_ctc_loss_errors():
    x, tgt, il, tl = _ctc_inputs(6, 2, 4, [2, 2], seed=6)
    lp = tg.tensor(x).log_softmax(-1)
    with pytest.raises(RuntimeError, match="at most 6"):
        tg.nn.functional.ctc_loss(lp, tg.tensor(tgt), tg.tensor([7, 6]), tg.tensor(tl))
    with pytest.raises(RuntimeError, match="blank"):
        tg.nn.functional.ctc_loss(lp, tg.tensor(tgt), tg.tensor(il), tg.tensor(tl), blank=4)
    with pytest.raises(ValueError, match="reduction"):
        tg.nn.functional.ctc_loss(lp, tg.tensor(tgt), tg.tensor(il), tg.tensor(tl), reduction="avg")


# ---- 2. torch.save of a whole model or optimizer: pickle-free, so a clear error saying what to save ----------
def test_save_whole_module_or_optimizer_says_what_to_do(tmp_path):
    class NeuralNetwork(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tg.nn.Linear(2, 2)

    model = NeuralNetwork()
    with pytest.raises(TypeError, match=r"whole Module \(NeuralNetwork\) pickle-free; save model.state_dict\(\) and "
                                        r"load it into a new NeuralNetwork\(\)"):
        tg.save(model, tmp_path / "m.pth")
    with pytest.raises(TypeError, match=r"whole Optimizer \(Adam\) pickle-free \(at checkpoint\['opt'\]\); save "
                                        r"optimizer.state_dict\(\)"):
        tg.save({"opt": tg.optim.Adam(model.parameters())}, tmp_path / "o.pth")
    assert not list(tmp_path.iterdir())  # nothing half-written
    tg.save(model.state_dict(), tmp_path / "m.pth")  # what the message says works
    fresh = NeuralNetwork()
    fresh.load_state_dict(tg.load(tmp_path / "m.pth"))
    np.testing.assert_array_equal(_np(fresh.fc.weight), _np(model.fc.weight))


# ---- 3. sparse=True embeddings: accepted, with dense gradients of the same values -----------------------------
def _sparse_embedding(lib, functional, padding_idx):
    w = rand((10, 4), seed=7)
    ids = lib.tensor(np.array([[1, 3, 3, 0], [9, 1, 2, 3]]))
    upstream = lib.tensor(rand((2, 4, 4), seed=8))
    if functional:
        weight = lib.tensor(w, requires_grad=True)
        (lib.nn.functional.embedding(ids, weight, padding_idx=padding_idx, sparse=True) * upstream).sum().backward()
        g = weight.grad
        return g.to_dense() if lib is torch else g
    emb = lib.nn.Embedding(10, 4, padding_idx=padding_idx, sparse=True)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(w))
    opt = lib.optim.SGD(emb.parameters(), lr=0.5, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        (emb(ids) * upstream).pow(2).sum().backward()
        opt.step()
    assert emb.weight.grad.is_sparse == (lib is torch)  # teenygrad: dense
    return emb.weight


@pytest.mark.parametrize("functional", [True, False])
@pytest.mark.parametrize("padding_idx", [None, 3])
def test_sparse_embedding_dense_grad_matches_torch(monkeypatch, functional, padding_idx):
    monkeypatch.setattr(tg.nn.functional, "_sparse_warned", [False])
    with pytest.warns(UserWarning, match="dense gradient"):
        ours = _sparse_embedding(tg, functional, padding_idx)
    _same(_sparse_embedding(torch, functional, padding_idx), ours)


def test_sparse_embedding_warns_once_and_trains_with_adam(monkeypatch):
    monkeypatch.setattr(tg.nn.functional, "_sparse_warned", [False])
    with pytest.warns(UserWarning):
        emb = tg.nn.Embedding(6, 3, sparse=True)
    assert repr(emb) == repr(torch.nn.Embedding(6, 3, sparse=True)) == "Embedding(6, 3, sparse=True)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning
        tg.nn.Embedding(6, 3, sparse=True)
        # Adam on the dense gradient is torch's Adam on a sparse=False table (SparseAdam would skip unseen rows)
        w = rand((6, 3), seed=1)
        ids = np.array([0, 2, 2, 5])
        out = []
        for lib, sparse in ((torch, False), (tg, True)):
            e = lib.nn.Embedding(6, 3, sparse=sparse)
            with lib.no_grad():
                e.weight.copy_(lib.tensor(w))
            opt = lib.optim.Adam(e.parameters(), lr=0.1)
            for _ in range(3):
                opt.zero_grad()
                e(lib.tensor(ids)).pow(2).sum().backward()
                opt.step()
            out.append(e.weight)
        _same(*out)


def test_sparse_embedding_bag_dense_grad_matches_torch(monkeypatch):
    monkeypatch.setattr(tg.nn.functional, "_sparse_warned", [False])
    grads = []
    for lib in (torch, tg):
        lib.manual_seed(0)
        bag = lib.nn.EmbeddingBag(10, 4, mode="sum", sparse=True)
        ids, offsets = lib.tensor([1, 2, 4, 5, 4, 3, 2, 9]), lib.tensor([0, 4])
        if lib is tg:
            with pytest.warns(UserWarning, match="embedding_bag: sparse=True gives a dense gradient"):
                out = bag(ids, offsets)
        else:
            out = bag(ids, offsets)
        (out * lib.arange(8.0).reshape(2, 4)).sum().backward()
        g = bag.weight.grad
        grads.append(g.to_dense().numpy() if lib is torch else g.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)
