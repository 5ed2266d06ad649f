"""The random programs of test_custom_function20: custom autograd.Functions of library L (torch or teenygrad),
randomly configured and composed with built-in ops and in-place writes, the same choices in both libraries (each
program draws from its own seeded RNG)."""
import random

import numpy as np


# kernels: y = f(x, w), with both derivatives written in (differentiable) ops of the library L
KERNELS = {
    "sinmul": (lambda L, x, w: x.sin() * w, lambda L, x, w, g: (g * x.cos() * w, g * x.sin())),
    "expmul": (lambda L, x, w: (x * 0.3).exp() * w, lambda L, x, w, g: (g * 0.3 * (x * 0.3).exp() * w,
                                                                        g * (x * 0.3).exp())),
    "tanhsq": (lambda L, x, w: x.tanh() + w * w, lambda L, x, w, g: (g * (1 - x.tanh() ** 2), 2 * g * w)),
    "prod": (lambda L, x, w: x * w * x, lambda L, x, w, g: (2 * g * x * w, g * x * x)),
}


def make_function(L, kernel, style, save, two, non_diff, materialize, scale_arg):
    """One custom Function of library L: forward(x, w[, k]) -> y (, z = 2 y), backward from KERNELS."""
    fwd, bwd = KERNELS[kernel]

    def compute(ctx, x, w, k):
        y = fwd(L, x, w) * k
        if save == "inputs":
            ctx.save_for_backward(x, w)
        elif save == "none_and_inputs":
            ctx.save_for_backward(None, x, None, w)
        else:  # "attrs": what backward needs kept on ctx as plain attributes (valid for inputs in torch too)
            ctx.x, ctx.w = x, w
        ctx.k = k
        if not materialize:
            ctx.set_materialize_grads(False)
        if not two:
            return y
        z = y * 2
        if non_diff:
            ctx.mark_non_differentiable(z)
        return y, z

    def saved(ctx):
        if save == "inputs":
            return ctx.saved_tensors
        if save == "none_and_inputs":
            n1, x, n2, w = ctx.saved_tensors
            assert n1 is None and n2 is None
            return x, w
        return ctx.x, ctx.w

    def backward(ctx, *gs):
        x, w = saved(ctx)
        g = gs[0]
        if two and not non_diff:
            g = gs[1] * 2 if g is None else g if gs[1] is None else g + gs[1] * 2
        k_grad = (None,) if scale_arg or style == "new" else ()  # setup_context's forward has k bound (default)
        if g is None:  # set_materialize_grads(False) and no gradient reached any output
            return (None, None) + k_grad
        gx, gw = bwd(L, x, w, g * ctx.k)
        return (gx if ctx.needs_input_grad[0] else None, gw if ctx.needs_input_grad[1] else None) + k_grad

    if style == "old":
        def forward(ctx, x, w, k=1.5):
            return compute(ctx, x, w, k)
        body = {"forward": staticmethod(forward)}
    else:
        def forward_new(x, w, k=1.5):
            y = fwd(L, x, w) * k
            return (y, y * 2) if two else y

        def setup_context(ctx, inputs, output):
            x, w, k = inputs
            if save == "inputs":
                ctx.save_for_backward(x, w)
            elif save == "none_and_inputs":
                ctx.save_for_backward(None, x, None, w)
            else:
                ctx.x, ctx.w = x, w
            ctx.k = k
            if not materialize:
                ctx.set_materialize_grads(False)
            if two and non_diff:
                ctx.mark_non_differentiable(output[1])
        body = {"forward": staticmethod(forward_new), "setup_context": staticmethod(setup_context)}
    body["backward"] = staticmethod(backward)
    return type(f"K{kernel}", (L.autograd.Function,), body)


class Program:
    """A random program in library L: each step applies a randomly configured custom Function or a built-in op to
    values picked by a seeded Python RNG, so both libraries run the same program."""

    def __init__(self, L, seed, arrays, order=1):
        self.L, self.r, self.order = L, random.Random(seed), order
        self.leaves = [L.tensor(a.copy(), requires_grad=self.r.random() < 0.85) for a in arrays]
        self.vals = [l * 1.0 for l in self.leaves]
        self.log = []  # what each step did, to read a failing seed
        self.views = set()  # ids of inputs returned as they are and of those outputs (views of them, as in torch)

    def step(self):
        L, r = self.L, self.r
        ix, iw = r.randrange(len(self.vals)), r.randrange(len(self.vals))
        x, w = self.vals[ix], self.vals[iw]
        kind = r.choice("custom custom custom custom builtin builtin inplace dirty ident".split())
        if kind == "dirty" and id(x) not in self.views:  # forward scales x in place and returns it (mark_dirty)
            once = self.order == 1 and r.random() < 0.5  # (under create_graph torch's once_differentiable differs)

            def backward(ctx, g):
                return g * 1.5
            Dirty = _fn(L, _scale_dirty, L.autograd.function.once_differentiable(backward) if once else backward)
            y = Dirty.apply(x)
            assert y is x
            self.log.append(("dirty", ix, once))
        elif kind == "ident":  # an input returned as it is, beside a product
            y, z = _ident(L).apply(x, w)
            self.log.append(("ident", ix, iw))
            self.views.update((id(x), id(y)))  # (teenygrad refuses mark_dirty on a view or a tensor with views)
            self.vals += [y, z]
        elif kind == "custom":
            two = r.random() < 0.4
            cfg = dict(kernel=r.choice(list(KERNELS)), style=r.choice(["old", "new"]),
                       save=r.choice(["inputs", "none_and_inputs", "attrs"]), two=two,
                       non_diff=two and r.random() < 0.5, materialize=r.random() < 0.7, scale_arg=r.random() < 0.5)
            fn = make_function(L, **cfg)
            self.log.append(("custom", ix, iw, cfg))
            out = fn.apply(x, w, r.choice([0.5, 2.0])) if cfg["scale_arg"] else fn.apply(x, w)
            outs = list(out) if two else [out]
            use = r.choice(range(len(outs)))
            self.vals.append(outs[use])
        elif kind == "builtin":
            op = r.choice(["add", "mul", "sum_keep", "tanh"])
            self.log.append((op, ix, iw))
            self.vals.append({"add": lambda: x + w, "mul": lambda: x * w, "tanh": lambda: x.tanh(),
                              "sum_keep": lambda: x.sum(-1, keepdim=True) * w}[op]())
        else:  # written after the Functions read it: torch refuses a backward that reads it, so must teenygrad
            it = r.randrange(len(self.vals))
            t = self.vals[it]
            if t.requires_grad and t.grad_fn is None:
                return
            self.log.append(("mul_", it))
            t.mul_(1.5)

    def loss(self):
        r = self.r
        terms = [v for v in self.vals[len(self.leaves):] if v.requires_grad]
        return sum((v * r.uniform(-1, 1)).sum() for v in terms) if terms else None


def _scale_dirty(ctx, x):
    x.mul_(1.5)
    ctx.mark_dirty(x)
    return x


def _ident(L):
    """(x, x * w): the first output is x itself (a view of it, as in torch)"""
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x, x * w

    def backward(ctx, ga, gb):
        x, w = ctx.saved_tensors
        return ga + gb * w, gb * x
    return _fn(L, forward, backward)


def _outcome(L, seed, arrays, steps, order):
    """('ok', values, gradients, second-order gradients) or ('error', exception type)."""
    try:
        P = Program(L, seed, arrays, order)
        for _ in range(steps):
            P.step()
        loss = P.loss()
        vals = [v.detach().numpy().copy() for v in P.vals]
        leaves = [l for l in P.leaves if l.requires_grad]
        if loss is None or not leaves:
            return "ok", vals, [], []
        gs = L.autograd.grad(loss, leaves, create_graph=order == 2, allow_unused=True, materialize_grads=True)
        second = []
        if order == 2:
            total = sum((g * g).sum() for g in gs if g.requires_grad)
            if not isinstance(total, int):
                second = L.autograd.grad(total, leaves, allow_unused=True, materialize_grads=True)
        return ("ok", vals, [g.detach().numpy().copy() for g in gs], [g.detach().numpy().copy() for g in second])
    except RuntimeError as e:
        return "error", type(e).__name__


def _inputs(seed):
    rng = np.random.default_rng(seed)
    shape = [(3,), (2, 3)][seed % 2]
    return [rng.uniform(-1.5, 1.5, shape) for _ in range(3)]


def _fn(L, forward, backward, **more):
    body = {"forward": staticmethod(forward), "backward": staticmethod(backward)}
    body.update({k: staticmethod(v) for k, v in more.items()})
    return type("Fn", (L.autograd.Function,), body)



def _two_argument(L, fwd):
    return lambda x, w: fwd(L, x, w)  # no defaults: setup_context style binds them as inputs


def _chain(L, seed):
    """f(x, w): two or three random KERNELS Functions (setup_context style, generate_vmap_rule, torch's jvp) chained
    with built-in ops: what torch.func's transforms accept."""
    r = random.Random(seed)
    fns = []
    for _ in range(r.choice([2, 3])):
        fwd, bwd = KERNELS[r.choice(list(KERNELS))]

        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)
            ctx.save_for_forward(*inputs)

        def backward(ctx, g, bwd=bwd):
            x, w = ctx.saved_tensors
            return bwd(L, x, w, g)

        def jvp(ctx, tx, tw, bwd=bwd):  # J [tx; tw] from the transposed formulas: each is elementwise in x and w
            x, w = ctx.saved_tensors
            one = L.ones_like(x)
            dx, dw = bwd(L, x, w, one)
            return (dx * tx if tx is not None else 0) + (dw * tw if tw is not None else 0)
        Fn = _fn(L, _two_argument(L, fwd), backward, setup_context=setup_context, jvp=jvp)
        Fn.generate_vmap_rule = True
        fns.append((Fn, r.choice(["x", "w", "both"])))

    def f(x, w):
        h = x
        for Fn, mix in fns:
            h = Fn.apply(h, w) if mix != "w" else Fn.apply(h.tanh(), w * 0.5)
            if mix == "both":
                h = h + x * 0.3
        return h.sum()
    return f
