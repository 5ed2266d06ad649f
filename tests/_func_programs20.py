"""The random programs of test_func_fuzz20: pure functions of their inputs (in-place ops only on intermediates),
the same choices in torch and teenygrad and under any transform, since each call draws from its own seeded RNG."""
import random

import numpy as np


def program(L, seed, n=8, inplace=True):
    """f(*xs) -> tuple of outputs, the same choices in any library and under any transform."""
    def f(*xs):
        r = random.Random(seed)
        vals = [x * 1.0 for x in xs]
        F = L.nn.functional
        for _ in range(n):
            x = vals[r.randrange(len(vals))]
            kind = r.choice("unary unary binary binary reduce view view index join matmul where multi inplace nn "
                            "nn".split())
            if not inplace and kind == "inplace":
                kind = "unary"
            nd = x.ndim
            d = r.randrange(nd) if nd else None
            if kind == "unary":
                op = r.choice("tanh sigmoid exp_small sin square sqrt_abs softmax log_softmax cumsum flip gelu silu "
                              "erf atan recip pow3 logsigmoid softplus cos log1p_sq".split())
                y = {
                    "tanh": lambda: x.tanh(), "sigmoid": lambda: x.sigmoid(), "exp_small": lambda: (x * 0.1).exp(),
                    "sin": lambda: x.sin(), "square": lambda: x * x, "sqrt_abs": lambda: (x * x + 1).sqrt(),
                    "softmax": lambda: x.softmax(d) if d is not None else x.sin(),
                    "log_softmax": lambda: F.log_softmax(x, d) if d is not None else x.cos(),
                    "cumsum": lambda: x.cumsum(d) if d is not None else x * 2,
                    "flip": lambda: x.flip(d) if d is not None else -x,
                    "gelu": lambda: F.gelu(x), "silu": lambda: F.silu(x), "erf": lambda: x.erf(),
                    "atan": lambda: x.atan(), "recip": lambda: 1 / (x * x + 1), "pow3": lambda: x ** 3,
                    "logsigmoid": lambda: F.logsigmoid(x), "softplus": lambda: F.softplus(x), "cos": lambda: x.cos(),
                    "log1p_sq": lambda: (x * x).log1p(),
                }[op]()
            elif kind == "binary":
                yv = vals[r.randrange(len(vals))]
                op = r.choice("add sub mul div_safe atan2 hypot_safe addcmul lerp".split())
                try:
                    y = {
                        "add": lambda: x + yv, "sub": lambda: x - 2 * yv, "mul": lambda: x * yv,
                        "div_safe": lambda: x / (yv * yv + 0.5), "atan2": lambda: L.atan2(x, yv * yv + 0.1),
                        "hypot_safe": lambda: L.hypot(x, yv * yv + 0.3),
                        "addcmul": lambda: L.addcmul(x, yv, x, value=0.5),
                        "lerp": lambda: L.lerp(x, yv, 0.3),
                    }[op]()
                except RuntimeError:
                    y = x * 2
            elif kind == "reduce":
                if nd == 0:
                    y = x + 1
                else:
                    op = r.choice("sum mean amax std logsumexp norm prod var".split())
                    k = r.random() < 0.5
                    y = {
                        "sum": lambda: x.sum(d, keepdim=k), "mean": lambda: x.mean(d, keepdim=k),
                        "amax": lambda: x.amax(d, keepdim=k),
                        "std": lambda: x.std(d, keepdim=k) if x.shape[d] > 1 else x.sum(d, keepdim=k),
                        "logsumexp": lambda: x.logsumexp(d, keepdim=k),
                        "norm": lambda: (x * x + 1).norm(dim=d, keepdim=k),
                        "prod": lambda: (x * 0.3).tanh().add(1).prod(d, keepdim=k),
                        "var": lambda: x.var(d, keepdim=k, correction=0),
                    }[op]()
            elif kind == "view":
                if nd == 0:
                    y = x.unsqueeze(0)
                else:
                    op = r.choice("t permute slice unsqueeze squeeze reshape expand narrow diagonal select movedim "
                                  "unfold unbind split chunk transpose mT flatten".split())
                    if op == "t" and nd == 2:
                        y = x.t()
                    elif op == "permute":
                        p = list(range(nd)); r.shuffle(p); y = x.permute(*p)
                    elif op == "slice":
                        m = x.shape[d]; a = r.randrange(m); b = r.randrange(a, m) + 1
                        idx = [slice(None)] * nd; idx[d] = slice(a, b, r.choice([1, 2])); y = x[tuple(idx)]
                    elif op == "unsqueeze":
                        y = x.unsqueeze(r.randrange(-nd - 1, nd + 1))
                    elif op == "squeeze":
                        y = x.squeeze()
                    elif op == "reshape":
                        y = x.reshape(-1)
                    elif op == "expand":
                        y = x.unsqueeze(0).expand(2, *x.shape)
                    elif op == "narrow":
                        m = x.shape[d]; a = r.randrange(m); y = x.narrow(d, a, m - a)
                    elif op == "diagonal" and nd >= 2:
                        y = x.diagonal(0, 0, 1)
                    elif op == "select":
                        y = x.select(d, x.shape[d] - 1)
                    elif op == "movedim":
                        y = x.movedim(0, -1)
                    elif op == "unfold":
                        y = x.unfold(d, 1, 1)
                    elif op == "unbind":
                        y = x.unbind(d)[-1]
                    elif op == "split":
                        y = x.split(1, dim=d)[0]
                    elif op == "chunk":
                        y = x.chunk(2, dim=d)[-1]
                    elif op == "mT" and nd >= 2:
                        y = x.mT
                    elif op == "flatten":
                        y = x.flatten()
                    else:
                        y = x.transpose(0, -1)
            elif kind == "index":
                if nd == 0:
                    y = x * 1
                else:
                    op = r.choice("adv gather index_select take index_add scatter_add neg_idx".split())
                    m = x.shape[d]
                    ids = [r.randrange(m) for _ in range(3)]
                    I = L.tensor(ids)
                    if op == "adv":
                        idx = [slice(None)] * nd; idx[d] = I; y = x[tuple(idx)]
                    elif op == "gather":
                        shape = list(x.shape); shape[d] = 2
                        gi = L.tensor(np.array([r.randrange(m) for _ in range(int(np.prod(shape)))]).reshape(shape))
                        y = x.gather(d, gi)
                    elif op == "index_select":
                        y = x.index_select(d, I)
                    elif op == "take":
                        y = x.take(L.tensor([r.randrange(x.numel()) for _ in range(4)]))
                    elif op == "index_add":
                        shape = list(x.shape); shape[d] = 3
                        y = x.index_add(d, I, x.sum() * L.ones(shape, dtype=x.dtype))
                    elif op == "scatter_add":
                        y = x.scatter_add(d, L.zeros_like(x, dtype=L.int64), x * 2)
                    else:
                        y = x[-1]
            elif kind == "join":
                yv = vals[r.randrange(len(vals))]
                if yv.shape == x.shape:
                    y = L.cat([x, yv], 0) if nd else L.stack([x, yv])
                    if r.random() < 0.5 and nd:
                        y = L.stack([x, yv], dim=-1)
                else:
                    y = L.stack([x.sum(), yv.sum()])
            elif kind == "matmul":
                yv = vals[r.randrange(len(vals))]
                if nd >= 1 and x.shape[-1]:
                    k = x.shape[-1]
                    w = yv.reshape(-1)[:1].expand(k, 2) * L.linspace(0.5, 1.5, 2 * k, dtype=x.dtype).reshape(k, 2)
                    y = x @ w
                    if r.random() < 0.3 and nd >= 2:
                        y = x @ x.mT
                else:
                    y = x * 1
            elif kind == "where":
                y = L.where(x > 0.1, x * 2, -x)
            elif kind == "multi":
                if nd == 0:
                    y = x.exp() * 0.1
                else:
                    op = r.choice("max min sort topk cummax median kthvalue".split())
                    y = {
                        "max": lambda: x.max(d)[0], "min": lambda: x.min(d, keepdim=True).values,
                        "sort": lambda: x.sort(d, descending=True)[0], "topk": lambda: x.topk(1, d)[0],
                        "cummax": lambda: x.cummax(d)[0], "median": lambda: x.median(d)[0],
                        "kthvalue": lambda: x.kthvalue(1, d)[0],
                    }[op]()
            elif kind == "nn":
                op = r.choice("normalize layer_norm cross_entropy conv1d einsum cumprod masked_fill clamp_t pow_t "
                              "mse huber logaddexp trace_like det matrix_norm baddbmm glu elu smoothl1 cosine "
                              "pdist_like group_norm softmin std_mean var_all renorm dist kl rrelu_eval "
                              "hardtanh mish selu celu softsign tanhshrink".split())
                yv = vals[r.randrange(len(vals))]
                x2 = x.reshape(1, -1) if nd < 2 else x.reshape(-1, x.shape[-1])
                y = {
                    "normalize": lambda: F.normalize(x2, dim=-1),
                    "layer_norm": lambda: F.layer_norm(x2, x2.shape[-1:]),
                    "cross_entropy": lambda: F.cross_entropy(x2, L.zeros(x2.shape[0], dtype=L.int64)),
                    "conv1d": lambda: F.conv1d(x2.unsqueeze(0), L.linspace(-1, 1, x2.shape[0] * 2, dtype=x.dtype)
                                               .reshape(2, x2.shape[0], 1)),
                    "einsum": lambda: L.einsum("ij,kj->ik", x2, x2),
                    "cumprod": lambda: (x2 * 0.5).cumprod(-1),
                    "masked_fill": lambda: x.masked_fill(x > 0.5, 0.25),
                    "clamp_t": lambda: x.clamp(min=yv.sum() * 0.1 - 0.5, max=x * 0 + 0.8),
                    "pow_t": lambda: (x * x + 0.5) ** (yv.sum().tanh() + 1.5),
                    "mse": lambda: F.mse_loss(x, x * 0 + yv.sum()),
                    "huber": lambda: F.huber_loss(x, x.sin(), delta=0.5),
                    "logaddexp": lambda: L.logaddexp(x2, x2.cos()),
                    "trace_like": lambda: x2.diagonal().sum(),
                    "det": lambda: (x2[:1, :1] * 1 + 0.5).det() if x2.shape[0] else x,
                    "matrix_norm": lambda: L.linalg.matrix_norm(x2 + 0.1),
                    "baddbmm": lambda: L.baddbmm(x2.unsqueeze(0), x2.unsqueeze(0), x2.mT.unsqueeze(0))
                    if x2.shape[0] == x2.shape[1] else x2 * 3,
                    "glu": lambda: F.glu(L.cat([x2, x2.sin()], -1), -1),
                    "elu": lambda: F.elu(x), "smoothl1": lambda: F.smooth_l1_loss(x, x.cos()),
                    "cosine": lambda: F.cosine_similarity(x2 + 0.1, x2.sin() + 0.2, dim=-1),
                    "pdist_like": lambda: (x2 - x2.flip(0) + 0.3).norm(dim=-1),
                    "group_norm": lambda: F.group_norm(x2.unsqueeze(-1), 1) if x2.shape[-1] > 1 else x2,
                    "softmin": lambda: F.softmin(x2, -1),
                    "std_mean": lambda: L.std_mean(x2, -1)[0] if x2.shape[-1] > 1 else x2,
                    "var_all": lambda: x.var() if x.numel() > 1 else x,
                    "renorm": lambda: x2.renorm(2, 0, 0.5),
                    "dist": lambda: L.dist(x, x.sin() + 0.1),
                    "kl": lambda: F.kl_div(F.log_softmax(x2, -1), F.softmax(x2.cos(), -1), reduction="batchmean"),
                    "rrelu_eval": lambda: F.leaky_relu(x, 0.2),
                    "hardtanh": lambda: F.hardtanh(x * 2), "mish": lambda: F.mish(x), "selu": lambda: F.selu(x),
                    "celu": lambda: F.celu(x), "softsign": lambda: F.softsign(x), "tanhshrink": lambda: F.tanhshrink(x),
                }[op]()
            else:  # inplace on an intermediate (or a view of it)
                t = x * 1
                target = t
                if nd >= 1 and t.shape[0] > 1 and r.random() < 0.5:
                    target = t[1:] if r.random() < 0.5 else t.select(0, 0)
                yv = vals[r.randrange(len(vals))]
                ob = yv.sum()
                op = r.choice("add_ mul_ tanh_ sigmoid_ copy_ div_ clamp_ addcmul_ lerp_ neg_ pow_ setitem".split())
                {
                    "add_": lambda: target.add_(ob, alpha=0.5), "mul_": lambda: target.mul_(ob.tanh()),
                    "tanh_": lambda: target.tanh_(), "sigmoid_": lambda: target.sigmoid_(),
                    "copy_": lambda: target.copy_(ob * 0.5), "div_": lambda: target.div_(ob * ob + 1),
                    "clamp_": lambda: target.clamp_(-5.0, 5.0),
                    "addcmul_": lambda: target.addcmul_(target, ob, value=0.3),
                    "lerp_": lambda: target.lerp_(ob.expand(target.shape), 0.3), "neg_": lambda: target.neg_(),
                    "pow_": lambda: target.pow_(2),
                    "setitem": lambda: target.__setitem__(..., ob * 0.25) if target.ndim == 0 else
                    target.__setitem__(0, ob * 0.25),
                }[op]()
                y = t
            vals.append(y)
        return tuple(vals[-2:])
    return f


def inputs(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    shapes = [tuple(int(s) for s in rng.integers(1, 4, rng.integers(0, 3))) for _ in range(2)]
    return [rng.standard_normal(s).astype(dtype) for s in shapes]
