"""nn.Module machinery (registration, traversal, state_dict, to/dtype, repr) and containers, against torch."""
import collections
import numpy as np
import pytest
import torch
import teenygrad as tg
import teenygrad.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
        self.norm = nn.LayerNorm(4)
        self.head = nn.Linear(4, 10, bias=False)
        self.register_buffer("steps", tg.zeros(1))
        self.register_buffer("scratch", tg.zeros(2), persistent=False)
        self.scale = 2.0

    def forward(self, ids):
        x = self.emb(ids)
        for b in self.blocks:
            x = b(x).relu()
        return self.head(self.norm(x)) * self.scale


class TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(10, 4)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(4, 4), torch.nn.Linear(4, 4)])
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 10, bias=False)
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)


def test_registration_and_traversal_match_torch():
    m, tm = Net(), TNet()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in m.named_children()] == [n for n, _ in tm.named_children()]
    assert len(list(m.parameters())) == 8 and all(isinstance(p, nn.Parameter) for p in m.parameters())
    assert all(p.requires_grad for p in m.parameters())
    assert m.head.bias is None and m.scale == 2.0 and "scale" not in m._parameters
    assert [n for n, _ in m.named_parameters(recurse=False)] == []


def test_forward_backward_with_copied_weights():
    m, tm = Net(), TNet()
    m.load_state_dict({k: tg.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    ids = np.array([[1, 2, 3], [4, 5, 9]])
    y, ty = m(tg.tensor(ids)), tm.head(tm.norm(_tforward(tm, torch.tensor(ids)))) * 2.0
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-5, rtol=1e-4)
    y.sum().backward()
    ty.sum().backward()
    for (n, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-5, rtol=1e-4, err_msg=n)
    kept = [p.grad for p in m.parameters()]
    m.zero_grad(set_to_none=False)  # zeroed in place: the same gradient tensors, all zeros
    assert all(p.grad is g and not p.grad.numpy().any() for p, g in zip(m.parameters(), kept))
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def _tforward(tm, ids):
    x = tm.emb(ids)
    for b in tm.blocks:
        x = b(x).relu()
    return x


def test_state_dict_shares_memory_and_roundtrips():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert isinstance(sd, collections.OrderedDict) and not sd["weight"].requires_grad
    sd["weight"]._data[0, 0] = 42.0
    assert m.weight.numpy()[0, 0] == 42.0  # torch's state_dict shares storage too
    m2 = nn.Linear(3, 2)
    res = m2.load_state_dict(m.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    np.testing.assert_array_equal(m2.weight.numpy(), m.weight.numpy())
    w_obj = m2.weight
    m2.load_state_dict({"weight": tg.zeros(2, 3), "bias": tg.zeros(2)})
    assert m2.weight is w_obj and (m2.weight.numpy() == 0).all()  # copied in place


def test_load_state_dict_errors():
    m = nn.Sequential(nn.Linear(3, 2), nn.LayerNorm(2))
    good = m.state_dict()
    bad = dict(good)
    del bad["1.bias"]
    bad["extra.weight"] = tg.zeros(1)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(bad)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Sequential" in msg
    assert 'Missing key(s) in state_dict: "1.bias"' in msg and 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    res = m.load_state_dict(bad, strict=False)
    assert res.missing_keys == ["1.bias"] and res.unexpected_keys == ["extra.weight"]
    wrong = dict(good)
    wrong["0.weight"] = tg.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param with shape \(3, 2\) "
                                           r"from checkpoint, the shape in current model is \(2, 3\)"):
        m.load_state_dict(wrong, strict=False)


def test_load_state_dict_from_torch_tensors_via_numpy():
    tm = torch.nn.Linear(4, 3)
    m = nn.Linear(4, 3)
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    np.testing.assert_array_equal(m.bias.numpy(), tm.bias.detach().numpy())


def test_train_eval_apply_requires_grad():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.1)))
    assert m.training and all(x.training for x in m.modules())
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Dropout", "Dropout", "Sequential", "Sequential"]  # children first, as torch
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_to_dtype_keeps_parameter_objects():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    w = m[0].weight
    m.double()
    assert m[0].weight is w and w.dtype == np.float64 and m[1].running_mean.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    y = m(tg.randn(4, 2, dtype=tg.float64))
    assert y.dtype == np.float64
    m.to(tg.float32)
    assert w.dtype == np.float32
    m.to("cpu")
    with pytest.raises(TypeError, match="only floating point"):
        m.to(tg.int64)


def test_setattr_rules():
    m = nn.Module()
    m.w = nn.Parameter(tg.ones(2))
    assert "w" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = tg.ones(2)
    m.w = None
    assert m.w is None and list(m.parameters()) == []
    m.register_buffer("b", tg.ones(1))
    m.b = tg.zeros(1)
    assert m._buffers["b"].numpy()[0] == 0
    m.sub = nn.Linear(1, 1)
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="attribute 'b' already exists"):
        m.register_parameter("b", None)  # b is a buffer

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(1))
    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_parameter():
    t = tg.ones(3)
    p = nn.Parameter(t)
    assert p.requires_grad and isinstance(p, tg.Tensor) and p.is_leaf
    t._data[0] = 5
    assert p.numpy()[0] == 5  # shares memory, like torch
    assert not nn.Parameter(tg.ones(1), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    y = (p * 2).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2, 2, 2])


def test_shared_parameters_listed_once():
    a = nn.Linear(3, 3)
    b = nn.Linear(3, 3)
    b.weight = a.weight
    m = nn.Sequential(a, b)
    assert len(list(m.parameters())) == 3
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # torch keeps both keys


def test_repr_matches_torch():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.LayerNorm(3), nn.Dropout(0.2)),
                      nn.Embedding(5, 3, padding_idx=0), nn.GELU(approximate="tanh"), nn.Softmax(dim=-1),
                      nn.BatchNorm1d(3))
    tm = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(),
                             torch.nn.Sequential(torch.nn.LayerNorm(3), torch.nn.Dropout(0.2)),
                             torch.nn.Embedding(5, 3, padding_idx=0), torch.nn.GELU(approximate="tanh"),
                             torch.nn.Softmax(dim=-1), torch.nn.BatchNorm1d(3))
    assert repr(m) == repr(tm)
    for mk in (lambda n: [n.Linear(2, 2), n.Linear(2, 2), n.ReLU(), n.Linear(2, 2)],
               lambda n: [n.Sequential(n.Linear(2, 2)) for _ in range(3)], lambda n: []):
        assert repr(nn.ModuleList(mk(nn))) == repr(torch.nn.ModuleList(mk(torch.nn)))
    assert repr(nn.ModuleDict({"a": nn.ReLU()})) == repr(torch.nn.ModuleDict({"a": torch.nn.ReLU()}))


def test_containers():
    layers = [nn.Linear(2, 2) for _ in range(3)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and s[1] is layers[1] and s[-1] is layers[2]
    assert isinstance(s[1:], nn.Sequential) and len(s[1:]) == 2 and s[1:][0] is layers[1]
    s.append(nn.ReLU())
    assert len(s) == 4 and [type(x).__name__ for x in s] == ["Linear"] * 3 + ["ReLU"]
    del s[0]
    assert list(s._modules) == ["0", "1", "2"]
    with pytest.raises(IndexError, match="index 5 is out of range for length 3"):
        s[5]
    od = nn.Sequential(collections.OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in od.named_parameters()] == ["fc.weight", "fc.bias"]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 1)).extend([nn.Linear(1, 1)])
    ml.insert(0, nn.Tanh())
    assert len(ml) == 4 and isinstance(ml[0], nn.Tanh) and len(list(ml.parameters())) == 6
    with pytest.raises(TypeError, match="is not a Module subclass"):
        ml.append(3)
    md = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.ReLU()})
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    with pytest.raises(KeyError, match="no module named 'z'"):
        md["z"]
    pl = nn.ParameterList([nn.Parameter(tg.ones(2)), tg.zeros(3)])
    assert len(list(pl.parameters())) == 2 and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"x": nn.Parameter(tg.ones(1))})
    assert [n for n, _ in pd.named_parameters()] == ["x"]


def test_forward_hooks_and_missing_forward():
    m = nn.Linear(2, 2)
    calls = []
    h = m.register_forward_hook(lambda mod, inp, out: calls.append(out.shape))
    m(tg.randn(3, 2))
    h.remove()
    m(tg.randn(3, 2))
    assert calls == [(3, 2)]
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


def test_get_submodule_and_parameter():
    m = Net()
    assert m.get_submodule("blocks.1") is m.blocks[1]
    assert m.get_parameter("blocks.0.bias") is m.blocks[0].bias
    with pytest.raises(AttributeError, match="has no submodule `nope`"):
        m.get_submodule("nope")
