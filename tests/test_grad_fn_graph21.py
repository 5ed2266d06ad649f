"""The autograd graph as torchviz-style drawers, lecture notebooks and debugging code read it: grad_fn.name(),
grad_fn.next_functions (its length, order, the (None, 0) entries of inputs that take no gradient, the output number
of a multi-output node's pieces, AccumulateGrad nodes and their .variable) compared with torch, as trees walked down
to the leaves, over ~100 ops and layers and over random chains of them (twenty-first landing).

What the sweep found and fixed (in autograd/torch_names.py, read only when asked): next_functions followed
teenygrad's parents, so x * 0.5 showed one input (torch: [x, None]), 2 + x and 3 * x had the number first, 1 - x and
2 ** x showed the number, where(c, x, y) showed its condition, masked_fill its mask, layer_norm / group_norm /
batch_norm without weight and bias one input (torch: three, None where not given), conv without bias two, F.linear
[x, w, b] (torch's addmm: [b, x, w.t()], now with a TBackward0 stand-in), x.square() x twice (torch's pow: x once),
stack its inputs' Unsqueezes, unbind the Split under it, prod() the flattening View, x.fmod(2) / x % 2 the number;
an in-place op on an intermediate showed a node torch has none of (_Original) between it and the value it overwrote;
every piece of split / chunk / unbind read output number 0 (torch: the piece's number); every call of next_functions
made a new AccumulateGrad for a leaf, so a drawer telling nodes apart by id() drew a leaf once per use. A Node's
register_hook saw grad_inputs in teenygrad's parents order and count, now in next_functions' (torch's) order.
grad_fn.metadata and _saved_self / _saved_other / _saved_mat2 / _saved_result (mul, div, matmul, tanh, exp, sigmoid)
did not exist. CPU dropout read NativeDropoutBackward0 [x] (torch 2.13's CPU dropout is a Mul: MulBackward0 [x,
None]). Names: sign / floor / ceil / trunc / round read PiecewiseBackward0, fmod / remainder by a tensor
FmodBackward0 (torch: Backward1), prod along a dim ProdBackward0 (torch: ProdBackward1, prod() ProdBackward0),
scatter_add ScatterBackward0.

What remains different (teenygrad's graph has other nodes than torch's; changing them means changing the ops):
F.linear's TBackward0 is a stand-in that takes no hooks (a Node hook on the Addmm gets w's gradient, torch's
w.t()'s), and 3-D linear is one node (torch: View -> Addmm -> View of the input); batched / broadcast matmul and
einsum are one node (torch: a chain of Expand / View / Bmm / UnsafeView / Permute); outer is a Mul of two Unsqueezes
(torch: View); split / chunk / unbind make a node per piece (torch: one node with an output number per piece);
composite ops show their inner nodes: add(alpha=), lerp, addcmul, frac, mish, repeat, normalize, adaptive_avg_pool,
linalg.cross, nll_loss, binary_cross_entropy(_with_logits) (their named top node sits on the graph of the formula),
cross_entropy is one fused node (torch: NllLoss -> LogSoftmax); x[:, -1, None] is one Unsqueeze (torch: Unsqueeze ->
Select); x[i] = v is SetItemBackward0 (torch: CopySlices); masked_fill with a tensor value is WhereBackward0 (torch:
MaskedFillBackward1); type(grad_fn).__name__ is teenygrad's class name (Tanh; torch: TanhBackward0: the classes' own
names are what teenygrad's errors and tables read); _saved_<name> exists only for mul, div, matmul, tanh, exp and
sigmoid; a node that saved values has no next_functions once backward freed it (torch's keeps them, freeing only the
saved values); nn.LSTM / GRU are graphs of small ops (torch: one MkldnnRnnLayer node whose outputs are numbered)."""
import random

import numpy as np
import pytest
import torch

import teenygrad as tg

ACC = "torch::autograd::AccumulateGrad"


def _tree(node, leaves, depth=0):
    """node as (name, ((child, input_nr), ...)), a leaf's AccumulateGrad as ("Acc", leaf number), down to the leaves"""
    if node is None:
        return None
    if node.name() == ACC:
        return ("Acc", next((i for i, t in enumerate(leaves) if t is node.variable), "?"))
    assert depth < 40
    return (node.name(), tuple((_tree(c, leaves, depth + 1), i) for c, i in node.next_functions))


def _leaves(L, specs, seed=0):
    """("g", shape): requires grad; ("n", shape): float without grad; ("i", shape): int64 indices in [0, 3)"""
    rng = np.random.default_rng(seed)
    out = []
    for kind, shape in specs:
        if kind == "i":
            out.append(L.tensor(rng.integers(0, 3, shape)))
        else:
            out.append(L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=kind == "g"))
    return out


S = ("g", (3, 4))
N = ("n", (3, 4))
F = lambda L: L.nn.functional  # noqa: E731
CASES = {}


def _case(name, specs, f):
    CASES[name] = (specs, f)


for _u in ["tanh", "exp", "log", "sigmoid", "relu", "neg", "abs", "sqrt", "sin", "rsqrt", "reciprocal", "exp2",
           "log1p", "erf", "sign", "floor", "ceil", "trunc", "round", "square", "atan"]:
    _case(_u, [S], lambda L, x, u=_u: getattr(L, u)(L.tanh(x) * 0.5))
for _b in ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "atan2", "fmod", "remainder", "hypot"]:
    _case(_b, [S, S], lambda L, x, y, b=_b: getattr(L, b)(L.tanh(x), L.tanh(y)))
_case("add_number", [S], lambda L, x: x.tanh() + 2)
_case("radd_number", [S], lambda L, x: 2 + x.tanh())
_case("radd_int", [S], lambda L, x: 1 + x.tanh())
_case("rsub", [S], lambda L, x: 1 - x.tanh())
_case("one_minus_square", [S], lambda L, x: 1 - x.tanh() ** 2)
_case("rmul_int", [S], lambda L, x: 3 * x.tanh())
_case("rdiv", [S], lambda L, x: 3 / x.tanh())
_case("rpow", [S], lambda L, x: 2 ** x.tanh())
_case("mul_nograd", [S, N], lambda L, x, y: x * y)
_case("mul_0d", [S, ("n", ())], lambda L, x, s: x * s)
_case("add_broadcast", [S, ("g", (4,))], lambda L, x, y: x.tanh() + y)
_case("fmod_number", [S], lambda L, x: x.tanh().fmod(0.3))
_case("fmod_nograd", [S, N], lambda L, x, y: x.tanh().fmod(y))
_case("mod_number", [S], lambda L, x: x.tanh() % 0.3)
_case("mod_tensor", [S, S], lambda L, x, y: x.tanh() % y)
_case("where", [S, N], lambda L, x, c: L.where(c > 0, x.tanh(), 0.0))
_case("where_number_first", [S, N], lambda L, x, c: L.where(c > 0, 1.0, x.tanh()))
_case("where2", [S, S, N], lambda L, x, y, c: L.where(c > 0, x.tanh(), y.tanh()))
_case("masked_fill", [S, N], lambda L, x, c: x.tanh().masked_fill(c > 0, 0.0))
_case("clamp", [S], lambda L, x: x.tanh().clamp(-0.5, 0.5))
_case("clamp_tensors", [S, S, S], lambda L, x, a, b: x.tanh().clamp(a.tanh(), b.tanh()))
_case("sum", [S], lambda L, x: x.tanh().sum())
_case("mean_dim", [S], lambda L, x: x.tanh().mean(0, keepdim=True))
_case("var", [S], lambda L, x: x.tanh().var(1))
_case("prod", [S], lambda L, x: x.tanh().prod())
_case("prod_dim", [S], lambda L, x: x.tanh().prod(1))
_case("max_dim", [S], lambda L, x: x.tanh().max(1)[0] + x.tanh().min(1).values)
_case("amax", [S], lambda L, x: x.tanh().amax(1))
_case("logsumexp", [S], lambda L, x: x.tanh().logsumexp(1))
_case("softmax", [S], lambda L, x: L.softmax(x.tanh(), 1))
_case("log_softmax", [S], lambda L, x: F(L).log_softmax(x.tanh(), dim=-1))
_case("cumsum", [S], lambda L, x: x.tanh().cumsum(1))
_case("norm_dim", [S], lambda L, x: x.tanh().norm(dim=1))
_case("view", [S], lambda L, x: x.tanh().view(12))
_case("flatten", [S], lambda L, x: x.tanh().flatten())
_case("t", [S], lambda L, x: x.tanh().t())
_case("permute", [S], lambda L, x: x.tanh().permute(1, 0))
_case("unsqueeze", [S], lambda L, x: x.tanh().unsqueeze(0))
_case("squeeze", [("g", (3, 1))], lambda L, x: x.tanh().squeeze(1))
_case("expand", [("g", (3, 1))], lambda L, x: x.tanh().expand(3, 4))
_case("contiguous", [S], lambda L, x: x.tanh().t().contiguous())
_case("getitem_int", [S], lambda L, x: x.tanh()[0])
_case("getitem_col", [S], lambda L, x: x.tanh()[:, 1])
_case("getitem_array", [S, ("i", (5,))], lambda L, x, i: x.tanh()[i])
_case("gather", [S, ("i", (3, 2))], lambda L, x, i: x.tanh().gather(1, i))
_case("scatter_add", [S, ("g", (3, 2)), ("i", (3, 2))], lambda L, x, s, i: x.scatter_add(1, i, s))
_case("index_add", [("g", (5, 3)), ("g", (2, 3)), ("i", (2,))], lambda L, x, s, i: x.index_add(0, i, s))
_case("cat", [S, N, S], lambda L, x, y, z: L.cat([x.tanh(), y, z.exp()], 1))
_case("stack", [S, N], lambda L, x, y: L.stack([x.tanh(), y], 1))
_case("split", [("g", (6, 2))], lambda L, x: sum(x.tanh().split(2)))
_case("split_sizes", [("g", (6, 2))], lambda L, x: x.tanh().split([1, 2, 3])[2].sum() + x.split([1, 2, 3])[1].sum())
_case("chunk", [("g", (6, 2))], lambda L, x: x.tanh().chunk(3)[2] * x.tanh().chunk(3)[1])
_case("unbind", [("g", (2, 3))], lambda L, x: x.tanh().unbind(1)[2] - x.tanh().unbind(1)[1])
_case("sort", [S], lambda L, x: x.tanh().sort(1).values)
_case("topk", [S], lambda L, x: x.tanh().topk(2, 1).values)
_case("flip", [S], lambda L, x: x.tanh().flip(0))
_case("tril", [("g", (4, 4))], lambda L, x: x.tanh().tril())
_case("mm", [("g", (3, 4)), ("g", (4, 5))], lambda L, x, y: x.tanh() @ y.tanh())
_case("mv", [("g", (3, 4)), ("g", (4,))], lambda L, x, y: x @ y)
_case("dot", [("g", (4,)), ("g", (4,))], lambda L, x, y: x @ y)
_case("linear", [("g", (2, 4)), ("g", (3, 4)), ("g", (3,))], lambda L, x, w, b: F(L).linear(x.tanh(), w, b))
_case("linear_no_bias", [("g", (2, 4)), ("g", (3, 4))], lambda L, x, w: F(L).linear(x.tanh(), w.tanh()))
_case("nn_linear", [("g", (2, 4))], lambda L, x: (L.manual_seed(0), L.nn.Linear(4, 3))[1](x).relu())
_case("layer_norm", [("g", (2, 4))], lambda L, x: F(L).layer_norm(x.tanh(), (4,)))
_case("layer_norm_affine", [("g", (2, 4)), ("g", (4,)), ("g", (4,))],
      lambda L, x, w, b: F(L).layer_norm(x.tanh(), (4,), w, b))
_case("layer_norm_bias", [("g", (2, 4)), ("g", (4,))], lambda L, x, b: F(L).layer_norm(x.tanh(), (4,), None, b))
_case("group_norm", [("g", (2, 4, 3))], lambda L, x: F(L).group_norm(x.tanh(), 2))
_case("group_norm_affine", [("g", (2, 4, 3)), ("g", (4,)), ("g", (4,))],
      lambda L, x, w, b: F(L).group_norm(x.tanh(), 2, w, b))
_case("batch_norm", [("g", (5, 4))], lambda L, x: F(L).batch_norm(x.tanh(), None, None, training=True))
_case("batch_norm_affine", [("g", (5, 4)), ("g", (4,)), ("g", (4,))],
      lambda L, x, w, b: F(L).batch_norm(x.tanh(), None, None, w, b, training=True))
_case("gelu", [S], lambda L, x: F(L).gelu(x.tanh(), approximate="tanh"))
_case("silu", [S], lambda L, x: F(L).silu(x.tanh()))
_case("leaky_relu", [S], lambda L, x: F(L).leaky_relu(x.tanh(), 0.1))
_case("softplus", [S], lambda L, x: F(L).softplus(x.tanh()))
_case("dropout", [S], lambda L, x: F(L).dropout(x.tanh(), 0.5, training=True))
_case("dropout_module", [("g", (2, 3, 4))], lambda L, x: L.nn.Dropout(0.1)(x))
_case("dropout_eval", [S], lambda L, x: F(L).dropout(x.tanh(), 0.5, training=False))
_case("mse", [S, N], lambda L, x, y: F(L).mse_loss(x.tanh(), y))
_case("l1", [S, S], lambda L, x, y: F(L).l1_loss(x.tanh(), y))
_case("embedding", [("i", (5,)), ("g", (6, 3))], lambda L, i, w: F(L).embedding(i, w))
_case("conv2d", [("g", (1, 2, 5, 5)), ("g", (3, 2, 3, 3)), ("g", (3,))], lambda L, x, w, b: F(L).conv2d(x.tanh(), w, b))
_case("conv2d_no_bias", [("g", (1, 2, 5, 5)), ("g", (3, 2, 3, 3))], lambda L, x, w: F(L).conv2d(x, w))
_case("conv_transpose1d_no_bias", [("g", (1, 2, 5)), ("g", (2, 3, 3))], lambda L, x, w: F(L).conv_transpose1d(x, w))
_case("max_pool2d", [("g", (1, 2, 4, 4))], lambda L, x: F(L).max_pool2d(x.tanh(), 2))
_case("avg_pool2d", [("g", (1, 2, 4, 4))], lambda L, x: F(L).avg_pool2d(x.tanh(), 2))
_case("pad", [S], lambda L, x: F(L).pad(x.tanh(), (1, 1)))
_case("sdpa", [("g", (1, 2, 3, 4))] * 3, lambda L, q, k, v: F(L).scaled_dot_product_attention(q, k, v))
_case("to_double", [S], lambda L, x: x.tanh().double())
_case("add_", [S], lambda L, x: x.tanh().add_(1))
_case("mul_", [S, S], lambda L, x, y: x.tanh().mul_(y))
_case("relu_inplace", [S], lambda L, x: F(L).relu(x.tanh(), inplace=True))
_case("reuse", [S], lambda L, x: (lambda h: h * h + x)(x.tanh()))


@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_as_torch(name):
    specs, f = CASES[name]
    trees = []
    for L in (torch, tg):
        leaves = _leaves(L, specs)
        trees.append(_tree(f(L, *leaves).grad_fn, leaves))
    assert trees[1] == trees[0]


# random chains: each step makes a (3, 4) value from one or two earlier ones (leaves, a tensor without grad)
_STEPS = [
    lambda L, x, y, c: x.tanh(), lambda L, x, y, c: x * 0.5, lambda L, x, y, c: 2.0 * x, lambda L, x, y, c: 3 * x,
    lambda L, x, y, c: 1 - x, lambda L, x, y, c: 2 + x, lambda L, x, y, c: x - 1, lambda L, x, y, c: x ** 2,
    lambda L, x, y, c: x * y, lambda L, x, y, c: x + y, lambda L, x, y, c: x - y, lambda L, x, y, c: x / (y * y + 1),
    lambda L, x, y, c: L.where(c > 0, x, y), lambda L, x, y, c: L.where(c > 0, x, 0.0),
    lambda L, x, y, c: x.masked_fill(c > 0, 1.0), lambda L, x, y, c: x.square(), lambda L, x, y, c: x.sigmoid(),
    lambda L, x, y, c: L.stack([x, y]).sum(0), lambda L, x, y, c: L.stack([x, y], 1)[:, 1],
    lambda L, x, y, c: L.cat(x.split([1, 2])[::-1]), lambda L, x, y, c: x.unbind(1)[3].unsqueeze(1) * y,
    lambda L, x, y, c: F(L).layer_norm(x, (4,)), lambda L, x, y, c: F(L).linear(x, L.cat([y, y[:1]]).tanh()),
    lambda L, x, y, c: x.clone().mul_(y), lambda L, x, y, c: x.sign() + x.floor() + y,
    lambda L, x, y, c: x.fmod(1.5) + (y % 2.0), lambda L, x, y, c: x.prod(1, keepdim=True) * y,
    lambda L, x, y, c: x * c, lambda L, x, y, c: c + x, lambda L, x, y, c: F(L).softmax(x, -1),
]


def _chain(L, seed):
    r = random.Random(seed)
    leaves = _leaves(L, [S, S, N, ("g", (4,))], seed)
    vals, c = [leaves[0], leaves[1], leaves[3] * leaves[0]], leaves[2]
    for _ in range(r.randint(2, 6)):
        x, y = r.choice(vals), r.choice(vals)
        vals.append(r.choice(_STEPS)(L, x, y, c))
    return _tree(vals[-1].grad_fn, leaves)


@pytest.mark.parametrize("seed", range(60))
def test_random_chains_graph_as_torch(seed):
    assert _chain(tg, seed) == _chain(torch, seed)


def test_accumulate_grad_is_one_node_per_leaf():
    """each next_functions call made a new AccumulateGrad: a leaf used twice was two nodes to id()-keyed drawers"""
    for L in (torch, tg):
        a = L.randn(3, requires_grad=True)
        y = a * a + a
        (mul, _), (acc, _) = y.grad_fn.next_functions
        assert mul.next_functions[0][0] is mul.next_functions[1][0] is acc and acc.variable is a


def test_node_hook_sees_grad_inputs_in_torch_order():
    """a Node's register_hook got grad_inputs in teenygrad's parents order (linear: x, w, b; where: cond, x, y) and
    count; torch's follow next_functions (addmm: bias, x, w.t(); where: x, y)"""
    seen = []
    for L in (torch, tg):
        x = L.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
        w = L.tensor([[0.5, 1.0], [2.0, -1.0], [1.0, 1.0]], requires_grad=True)
        b = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y, z = F(L).linear(x, w, b), L.where(x > 0, x, 0.0)
        shapes = []
        y.grad_fn.register_hook(lambda gi, go: shapes.append([None if g is None else tuple(g.shape) for g in gi])
                                or (gi[0] * 2,) + gi[1:])
        z.grad_fn.register_hook(lambda gi, go: shapes.append([None if g is None else tuple(g.shape) for g in gi])
                                or (gi[0] * 3, gi[1]))
        (y.sum() + z.sum()).backward()
        seen.append((sorted(shapes, key=len), b.grad.numpy(), x.grad.numpy()))
    (ts, tb, tx), (gs, gb, gx) = seen
    ts[1][2] = ts[1][2][::-1]  # torch's third input is w.t()'s gradient: (in, out); teenygrad's has w's shape
    assert gs == ts
    np.testing.assert_allclose(gb, tb)
    np.testing.assert_allclose(gx, tx)


@pytest.mark.parametrize("op", ["sign", "floor", "ceil", "trunc", "round", "round_decimals", "fmod_t", "remainder_t",
                                "prod_dim", "prod_all", "scatter_add"])
def test_names_as_torch(op):
    names = []
    for L in (torch, tg):
        x = L.tensor([[1.5, -2.5], [0.5, 3.0]], requires_grad=True)
        y = L.tensor([[1.0, 2.0], [0.7, -1.0]])
        out = {"fmod_t": lambda: x.fmod(y), "remainder_t": lambda: L.remainder(x, y), "prod_dim": lambda: x.prod(0),
               "prod_all": lambda: x.prod(), "round_decimals": lambda: x.round(decimals=1),
               "scatter_add": lambda: x.scatter_add(1, L.tensor([[1], [0]]), x[:, :1]),
               }.get(op, lambda: getattr(x, op)())()
        names.append(out.grad_fn.name())
    assert names[1] == names[0]


def test_saved_values_and_metadata_as_torch():
    """grad_fn._saved_self / _saved_other / _saved_mat2 / _saved_result and grad_fn.metadata did not exist"""
    got = []
    for L in (torch, tg):
        x = L.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        a, b = x.tanh(), x.exp()
        m, d, mm, y = a * b, a / b, a @ b, x.sigmoid()
        saved = [m.grad_fn._saved_self, m.grad_fn._saved_other, d.grad_fn._saved_other, mm.grad_fn._saved_mat2,
                 y.grad_fn._saved_result]
        y.grad_fn.metadata["note"] = 1
        got.append(([t.grad_fn.name() for t in saved], [t.detach().numpy() for t in saved],
                    (x * x).grad_fn._saved_self is x, m.grad_fn._saved_self.grad_fn is a.grad_fn,
                    y.grad_fn.metadata, hasattr(a.grad_fn, "_saved_self"),
                    x.view_as(x).grad_fn.next_functions[0][0].metadata))
        n = x * x
        n.sum().backward()
        with pytest.raises(RuntimeError, match="freed"):
            n.grad_fn._saved_self
    (tn, tv, *trest), (gn, gv, *grest) = got
    assert gn == tn and grest == trest
    for g, t in zip(gv, tv):
        np.testing.assert_allclose(g, t, rtol=1e-6)


def test_inplace_graph_after_backward_as_torch():
    """an in-place op on a value whose node saves nothing: a second backward raised (the overwritten value's hidden
    pass-through node was freed; torch's graph has no such node), and next_functions read it then raised TypeError"""
    got = []
    for L in (torch, tg):
        x = L.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = -x
        h.add_(1)
        h.sum().backward()
        (2 * h).sum().backward()
        u = (-x).unsqueeze(1).expand(3, 2).unbind(1)[1]  # nodes that save nothing stay after backward
        u.sum().backward()
        got.append((x.grad.numpy(), _tree(h.grad_fn, [x]), _tree(u.grad_fn, [x])))
    np.testing.assert_allclose(got[1][0], got[0][0])
    assert got[1][1:] == got[0][1:]
