"""Random programs (unary and broadcasting binary ops, reductions, views, indexing, joins, matmul, where, sort-like
multi-output ops, nn ops, in-place ops on intermediates and views of them) run through teenygrad.func's transforms
(vmap with None / negative in_dims, out_dims, dict inputs, chunk_size and nesting; grad / grad_and_value with argnums
and has_aux; vjp, jvp, jacrev, jacfwd, hessian; grad and jacrev of vmap, vmap of jacrev and hessian), forward-mode AD
(dual_level / make_dual / unpack_dual, dual values written into plain tensors) and torch.autograd.functional
(jacobian, hessian with vectorize on and off, jvp, vjp, hvp), in float64 and float32, compared with torch.func /
torch.autograd on the same inputs (twentieth landing).

torch quirks the oracle steps around: torch.func.vmap mishandles outputs that are not mapped when out_dims != 0
(wrong values or garbage shapes), and its in-place ops on an unmapped intermediate with a mapped operand refuse: vmap
is compared with a torch loop over the batch, which is what it means; torch.func.jacfwd / hessian with a negative
argnums give zeros; functorch's jvp of a 0-d float32 times a Python number is float64 (the float32 oracle for jvp,
jacfwd and hessian is the float64 run, cast). teenygrad has no forward mode (jvp is double backward), so where
torch's reverse mode refuses a program (it saved a value the program wrote in place), teenygrad's jvp refuses too.

What the sweep and the probes around it found, each pinned by a direct case below: vmap with out_dims None for a
number among the outputs (torch returns it as it is) raised; out_dims None for an output that differs between
batch elements silently gave the first element's (torch refuses a batched output with out_dim None); a data-dependent
shape (boolean-mask indexing) failed inside stack without naming vmap; in_dims / out_dims took a tuple for a list
or a namedtuple (torch's pytrees refuse); make_dual's dual and tangent did not keep the primal's strides;
logcumsumexp's double backward had no derivative in the gradient where it is 0, so jvp (taken at u = 0) read 0 for
its tangent and a hessian where the gradient reaching it is 0 was wrong (torch.func.hessian is too); the jvp of
x ** y (y a tensor) at x = 0 was NaN where torch's is a number."""
import random

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw

import teenygrad as tg
import teenygrad.autograd.forward_ad as gfw
from _func_programs20 import inputs, program


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [t for a in x for t in _flat(a)]
    if isinstance(x, dict):
        return [t for k in sorted(x) for t in _flat(x[k])]
    return [x]


def _structure(x):
    if isinstance(x, (tuple, list)):
        return type(x).__name__ + "(" + ",".join(_structure(a) for a in x) + ")"
    if isinstance(x, dict):
        return "{" + ",".join(f"{k}:{_structure(x[k])}" for k in sorted(x)) + "}"
    return "*" if isinstance(x, (torch.Tensor, tg.Tensor)) else repr(x)


def _compare(got, want, tol, where):
    assert _structure(got) == _structure(want), where
    for g, w in zip(_flat(got), _flat(want)):
        if w is None:
            assert g is None, where
            continue
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1], where
        assert tuple(g.shape) == tuple(w.shape), where
        w = w.detach().numpy()
        scale = 1 + np.abs(w[np.isfinite(w)]).max(initial=0)
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=tol[0], atol=tol[1] * scale, err_msg=where)


def _cast32(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_cast32(a) for a in x)
    return x.float() if isinstance(x, torch.Tensor) and x.dtype == torch.float64 else x


class Case:
    """The transforms of one random program (seeded), each a function of the library L."""

    def __init__(self, seed, dtype):
        self.seed, self.dtype = seed, dtype
        self.arrs = inputs(seed, dtype)
        rng, r = np.random.default_rng(seed + 1000), random.Random(seed)
        outs = program(torch, seed)(*[torch.tensor(a) for a in self.arrs])
        self.cts = [rng.standard_normal(tuple(o.shape)).astype(dtype) for o in outs]
        self.tans = [rng.standard_normal(a.shape).astype(dtype) for a in self.arrs]
        self.argnums = r.choice([0, 1, (0, 1), (1,), -1])
        self.argnums_fwd = 1 if self.argnums == -1 else self.argnums  # torch's jacfwd/hessian: zeros for -1
        self.batch, self.bdims, self.barrs = 3, [], []
        for a in self.arrs:  # each input mapped over a random dim (maybe negative) or not at all
            how = r.choice(["none", "pos", "neg"])
            if how == "none":
                self.bdims.append(None), self.barrs.append(a)
                continue
            pos = r.randrange(a.ndim + 1)
            moved = [a + 0.1 * k * rng.standard_normal(a.shape) for k in range(3)]
            self.barrs.append(np.stack(moved, pos).astype(dtype))
            self.bdims.append(pos if how == "pos" else pos - a.ndim - 1)
        if self.bdims == [None, None]:
            self.barrs[0], self.bdims[0] = np.stack([self.arrs[0] * (k + 1) for k in range(3)]).astype(dtype), 0
        self.out_dims = r.choice([0, 1, -1, (0, 1), (-1, 0)])
        self.chunk = r.choice([None, 1, 2])
        self.vectorize = r.random() < 0.5

    def t(self, L, arrs):
        return [L.tensor(a.copy()) for a in arrs]

    def scalar(self, L):
        f = program(L, self.seed)

        def g(*xs):
            o = f(*xs)
            return sum(((v * (k + 1.5)).sin()).sum() for k, v in enumerate(o)), o[0]
        return g

    # ---- the transforms ----
    def vjp(self, L):
        out, fn = L.func.vjp(program(L, self.seed), *self.t(L, self.arrs))
        return out, fn(tuple(self.t(L, self.cts)))

    def jvp(self, L):
        return L.func.jvp(program(L, self.seed), tuple(self.t(L, self.arrs)), tuple(self.t(L, self.tans)))

    def grad(self, L):
        return L.func.grad(self.scalar(L), argnums=self.argnums, has_aux=True)(*self.t(L, self.arrs))

    def grad_and_value(self, L):
        return L.func.grad_and_value(lambda *xs: self.scalar(L)(*xs)[0], argnums=self.argnums)(*self.t(L, self.arrs))

    def jacrev(self, L):
        return L.func.jacrev(program(L, self.seed), argnums=self.argnums)(*self.t(L, self.arrs))

    def jacfwd(self, L, jac=None):
        jac = jac or L.func.jacfwd
        f = program(L, self.seed)
        return jac(lambda *xs: (f(*xs), xs[0] * 2), argnums=self.argnums_fwd, has_aux=True)(*self.t(L, self.arrs))

    def hessian(self, L, rev=False):
        F, f = L.func, (lambda *xs: self.scalar(L)(*xs)[0])
        h = F.jacrev(F.jacrev(f, argnums=self.argnums_fwd), argnums=self.argnums_fwd) if rev else F.hessian(
            f, argnums=self.argnums_fwd)
        return h(*self.t(L, self.arrs))

    def _per_element(self, L, name, xs):
        f = program(L, self.seed)
        if name == "vmap_grad":
            return L.func.grad(lambda *x: self.scalar(L)(*x)[0], argnums=self.argnums)(*xs)
        if name == "vmap_jvp":
            return L.func.jvp(f, tuple(xs), tuple(x.cos() for x in xs))[1]
        if name == "vmap_dict":
            return f(xs[0]["a"], xs[0]["b"])
        return f(*xs)

    def vmap(self, L, name="vmap"):
        F = L.func
        xs = self.t(L, self.barrs)
        if name == "vmap":
            return F.vmap(program(L, self.seed), in_dims=tuple(self.bdims), out_dims=self.out_dims,
                          chunk_size=self.chunk)(*xs)
        if name == "vmap_dict":
            dims = {"a": self.bdims[0], "b": self.bdims[1]}
            return F.vmap(lambda p: self._per_element(L, name, [p]), in_dims=(dims,))({"a": xs[0], "b": xs[1]})
        return F.vmap(lambda *x: self._per_element(L, name, x), in_dims=tuple(self.bdims))(*xs)

    def vmap_loop(self, name):
        """what vmap means, by torch: func per batch element, the results stacked along out_dims"""
        xs = self.t(torch, self.barrs)
        if name == "vmap_jvp" and self.dtype == np.float32:
            xs = [x.double() for x in xs]
        res = []
        for i in range(self.batch):
            x = [t if d is None else t.select(d, i) for t, d in zip(xs, self.bdims)]
            res.append(self._per_element(torch, name, [{"a": x[0], "b": x[1]}] if name == "vmap_dict" else x))
        od = self.out_dims if name == "vmap" else 0
        if isinstance(res[0], tuple):
            ods = od if isinstance(od, tuple) else (od,) * len(res[0])
            out = tuple(torch.stack([r[j] for r in res], d) for j, d in enumerate(ods))
        else:
            out = torch.stack(res, od if isinstance(od, int) else od[0])
        return _cast32(out) if name == "vmap_jvp" and self.dtype == np.float32 else out

    def nested_vmap(self, L):
        F, f = L.func, program(L, self.seed)
        d0 = self.bdims[0]
        x2 = np.stack([self.barrs[0], self.barrs[0] * 0.5]) if d0 is not None else np.stack([self.arrs[0],
                                                                                            self.arrs[0] * 2])
        inner = F.vmap(f, in_dims=(d0, self.bdims[1]))
        return F.vmap(inner, in_dims=(0, None))(L.tensor(x2), L.tensor(self.barrs[1]))

    def nested_vmap_loop(self):
        d0 = self.bdims[0]
        x2 = np.stack([self.barrs[0], self.barrs[0] * 0.5]) if d0 is not None else np.stack([self.arrs[0],
                                                                                            self.arrs[0] * 2])
        outer = []
        for j in range(2):
            xs = [torch.tensor(x2[j]), torch.tensor(self.barrs[1])]
            res = [program(torch, self.seed)(*[t if d is None else t.select(d, i) for t, d in zip(xs, self.bdims)])
                   for i in range(self.batch)]
            outer.append(tuple(torch.stack([r[k] for r in res]) for k in range(len(res[0]))))
        return tuple(torch.stack([o[k] for o in outer]) for k in range(len(outer[0])))

    def composed(self, L, name):
        """transforms of transforms: grad of a vmap, jacrev of a vmap, vmap of jacrev, vmap of hessian"""
        F, f, xs, dims = L.func, program(L, self.seed), self.t(L, self.barrs), tuple(self.bdims)
        if name == "grad_of_vmap":
            def total(*x):
                return sum((v * (k + 1.5)).sin().sum() for k, v in enumerate(F.vmap(f, in_dims=dims)(*x)))
            return F.grad(total, argnums=(0, 1))(*xs)
        if name == "jacrev_of_vmap":
            return F.jacrev(F.vmap(f, in_dims=dims), argnums=self.argnums)(*xs)
        if name == "vmap_jacrev":
            return F.vmap(F.jacrev(f, argnums=self.argnums), in_dims=dims)(*xs)
        return F.vmap(F.hessian(lambda *x: self.scalar(L)(*x)[0], argnums=self.argnums_fwd), in_dims=dims)(*xs)

    def forward_ad(self, L, into_plain=False):
        fw = tfw if L is torch else gfw
        with fw.dual_level():
            duals = [fw.make_dual(x, v) for x, v in zip(self.t(L, self.arrs), self.t(L, self.tans))]
            if into_plain:  # a plain tensor takes a dual value in place
                plain = self.t(L, self.arrs)[0] * 1
                plain[0] = duals[1].sum() if plain.ndim else plain.copy_(duals[1].sum())
                duals[0] = plain
            return [tuple(fw.unpack_dual(o)) for o in program(L, self.seed)(*duals)]

    def functional(self, L, which):
        AF, xs = L.autograd.functional, tuple(self.t(L, self.arrs))
        f, s = program(L, self.seed), (lambda *a: self.scalar(L)(*a)[0])
        return {"jacobian": lambda: AF.jacobian(f, xs, vectorize=self.vectorize),
                "hessian": lambda: AF.hessian(s, xs, vectorize=self.vectorize),
                "jvp": lambda: AF.jvp(f, xs, tuple(self.t(L, self.tans))),
                "vjp": lambda: AF.vjp(f, xs, tuple(self.t(L, self.cts))),
                "hvp": lambda: AF.hvp(s, xs, tuple(self.t(L, self.tans)))}[which]()


FORWARD = {"jvp", "jacfwd", "hessian", "vmap_jvp", "forward_ad", "forward_ad_into_plain", "AF.hessian", "AF.hvp",
           "AF.jvp", "vmap_hessian"}
COMPOSED = ("grad_of_vmap", "jacrev_of_vmap", "vmap_jacrev", "vmap_hessian")
TORCH_VMAP_LIMITS = ("is not possible because there exists", "doesn't match the broadcast shape")


def _run(fn):
    try:
        return "ran", fn()
    except Exception as e:  # noqa: BLE001 (compared: both refusing is fine)
        return "refused", e


def _oracle(case, name):
    """torch's answer for transform `name`: ('ran', value) or ('refused', error)"""
    if name == "vmap_jvp" and case.dtype == np.float32:  # (functorch's float32 jvp quirk, above)
        return _run(lambda: case.vmap_loop(name))
    if name in ("vmap", "vmap_grad", "vmap_jvp", "vmap_dict", "nested_vmap"):
        status, val = _run(lambda: case.vmap(torch, name) if name != "nested_vmap" else case.nested_vmap(torch))
        if status == "refused" and not any(m in str(val) for m in TORCH_VMAP_LIMITS) and "Dimension out" not in str(
                val) and "same number of dimensions" not in str(val) and "expand" not in str(val):
            return status, val
        return _run(lambda: case.vmap_loop(name) if name != "nested_vmap" else case.nested_vmap_loop())
    if case.dtype == np.float32 and name in ("jvp", "jacfwd", "hessian", "vmap_hessian"):
        status, val = _oracle(Case(case.seed, np.float64), name)
        return status, _cast32(val) if status == "ran" else val
    fn = _transforms(case, torch)[name]
    status, val = _run(fn)
    if status == "refused" and name in ("jacfwd", "hessian") and any(m in str(val) for m in TORCH_VMAP_LIMITS):
        return _run(lambda: case.jacfwd(torch, torch.func.jacrev) if name == "jacfwd" else case.hessian(torch, True))
    return status, val


def _transforms(case, L):
    t = {name: (lambda name=name: getattr(case, name)(L)) for name in
         ("vjp", "jvp", "grad", "grad_and_value", "jacrev", "jacfwd", "hessian", "forward_ad", "nested_vmap")}
    for name in ("vmap", "vmap_grad", "vmap_jvp", "vmap_dict"):
        t[name] = lambda name=name: case.vmap(L, name)
    t["forward_ad_into_plain"] = lambda: case.forward_ad(L, into_plain=True)
    for name in COMPOSED:
        t[name] = lambda name=name: case.composed(L, name)
    for which in ("jacobian", "hessian", "jvp", "vjp", "hvp"):
        t["AF." + which] = lambda which=which: case.functional(L, which)
    return t


def _reverse_mode_refuses(case):
    """whether torch's reverse mode refuses the program (it saved a value that the program wrote in place)"""
    for fn in (lambda: case.vjp(torch), lambda: case.hessian(torch, rev=True)):
        status, e = _run(fn)
        if status == "refused" and "modified by an inplace operation" in str(e):
            return True
    return False


TRANSFORMS = sorted(_transforms(Case(0, np.float64), tg))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.filterwarnings("ignore:There is a performance drop")
@pytest.mark.parametrize("seed", range(14))
def test_random_program_through_transforms_as_torch(seed, dtype):
    case = Case(seed, dtype)
    tol = (1e-7, 1e-9) if dtype == np.float64 else (3e-3, 5e-4)
    mine = _transforms(case, tg)
    for name in TRANSFORMS:
        want, got = _oracle(case, name), _run(mine[name])
        where = f"seed {seed} {np.dtype(dtype).name} {name}"
        if want[0] == "refused":
            if name in COMPOSED and any(m in str(want[1]) for m in TORCH_VMAP_LIMITS):
                continue  # torch's vmap cannot batch an in-place op here; a loop (teenygrad's) can
            assert got[0] == "refused", f"{where}: torch refused ({str(want[1])[:200]}), teenygrad ran"
            continue
        if got[0] == "refused" and name in FORWARD and "modified by an inplace operation" in str(got[1]):
            assert _reverse_mode_refuses(case), f"{where}: {got[1]}"  # teenygrad's forward mode is reverse mode
            continue
        assert got[0] == "ran", f"{where}: torch ran, teenygrad refused: {got[1]!r}"
        _compare(got[1], want[1], tol, where)


# ---- the findings, directly ---------------------------------------------------------------------------------
X = np.random.default_rng(0).standard_normal((3, 4))


@pytest.mark.parametrize("call", [
    lambda L, x: L.func.vmap(lambda a: (a * 2, 3), out_dims=(0, None))(x),
    lambda L, x: L.func.vmap(lambda a: (a.sum(), "tag"), out_dims=(0, None))(x),
    lambda L, x: L.func.vmap(lambda a: {"v": a.exp(), "n": 2.5}, out_dims={"v": 1, "n": None})(x),
    lambda L, x: L.func.vmap(lambda a: [a, [L.ones(2, dtype=L.float64), 7]], out_dims=[0, [None, None]])(x),
], ids=["tuple-int", "tuple-str", "dict-float", "nested-list"])
def test_vmap_returns_numbers_with_out_dims_none_as_torch(call):
    """torch returns a non-tensor output with out_dim None as it is; teenygrad raised ('expected only Tensors')"""
    want, got = call(torch, torch.tensor(X)), call(tg, tg.tensor(X))
    tensors = lambda out, T: [t for t in _flat(out) if isinstance(t, T)]
    _compare(tensors(got, tg.Tensor), tensors(want, torch.Tensor), (1e-12, 1e-12), "")
    assert [t for t in _flat(got) if not isinstance(t, tg.Tensor)] == [t for t in _flat(want)
                                                                        if not isinstance(t, torch.Tensor)]


@pytest.mark.parametrize("out", [lambda a: a, lambda a: (a * 2).sum(), lambda a: a[0] + 1])
def test_vmap_refuses_a_batched_output_with_out_dims_none(out):
    """an output that depends on the batch, with out_dim None: torch refuses; teenygrad gave the first element's"""
    for L in (torch, tg):
        with pytest.raises(ValueError, match="out_dim"):
            L.func.vmap(out, out_dims=None)(L.tensor(X))
    # one that does not depend on it is returned once, as torch's
    for L in (torch, tg):
        assert L.func.vmap(lambda a, c: c * 2, in_dims=(0, None), out_dims=None)(L.tensor(X), L.ones(2)).tolist() \
            == [2.0, 2.0]


@pytest.mark.parametrize("fn", [lambda a: a[a > 0], lambda a: a.nonzero(), lambda a: a.masked_select(a > 0.5),
                                lambda a: a.unique()], ids=["bool-mask", "nonzero", "masked_select", "unique"])
def test_vmap_refuses_data_dependent_shapes_naming_vmap(fn):
    x = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.7, 0.0]])
    with pytest.raises(RuntimeError, match="vmap"):
        torch.func.vmap(fn)(torch.tensor(x))
    with pytest.raises(RuntimeError, match="vmap: .*: its output's shape would depend on each batch element's values"):
        tg.func.vmap(fn)(tg.tensor(x))


@pytest.mark.parametrize("call", [
    lambda L, x: L.func.vmap(lambda p: p[0] + p[1], in_dims=((0, 0),))([x, x]),
    lambda L, x: L.func.vmap(lambda p: p[0] + p[1], in_dims=([0, 0],))((x, x)),
    lambda L, x: L.func.vmap(lambda a: [a, a], out_dims=(0, 1))(x),
    lambda L, x: L.func.vmap(lambda a: (a, a), out_dims=[0, 1])(x),
    lambda L, x: L.func.vmap(lambda a: a.max(0), out_dims=(0, 0))(x),
], ids=["tuple-in-dims-for-list", "list-in-dims-for-tuple", "tuple-out-dims-for-list", "list-out-dims-for-tuple",
        "tuple-out-dims-for-namedtuple"])
def test_vmap_dims_must_match_the_pytree_type_as_torch(call):
    for L in (torch, tg):
        with pytest.raises(ValueError, match="not compatible with the structure"):
            call(L, L.tensor(X))
    for L in (torch, tg):  # the matching spelling works
        assert [tuple(t.shape) for t in L.func.vmap(lambda a: [a, a], out_dims=[0, 1])(L.tensor(X))] == [(3, 4), (4, 3)]
        assert tuple(L.func.vmap(lambda p: p[0] + p[1], in_dims=([0, 1],))([L.tensor(X), L.tensor(X.T.copy())]).shape) \
            == (3, 4)


@pytest.mark.parametrize("layouts", [("T", "C"), ("C", "T"), ("T", "T")])
def test_make_dual_keeps_the_primal_layout_as_torch(layouts):
    """torch's dual is a view of the primal (its strides), and a tangent of another layout is copied into the
    primal's; teenygrad's dual was a C-contiguous copy and the tangent kept its own strides. (A primal with gaps,
    x[:, ::2], still gives a dense dual: teenygrad's dual is a copy, see teenygrad.autograd.forward_ad.)"""
    def arr(how, seed):
        a = np.random.default_rng(seed).standard_normal((4, 6))
        return {"C": lambda L: L.tensor(a.T.copy()), "T": lambda L: L.tensor(a).t()}[how]
    got = {}
    for L, fw in ((torch, tfw), (tg, gfw)):
        x, v = arr(layouts[0], 1)(L), arr(layouts[1], 2)(L)
        with fw.dual_level():
            d = fw.make_dual(x, v)
            p, t = fw.unpack_dual(d)
            y = fw.unpack_dual((d * 2).sin())
        got[L] = [d.stride(), p.stride(), t.stride()], (p, t) + tuple(y)
    assert got[tg][0] == got[torch][0]
    _compare(got[tg][1], got[torch][1], (1e-12, 1e-12), str(layouts))


def test_make_dual_tangent_copied_into_the_primal_layout_stays_differentiable():
    got = {}
    for L, fw in ((torch, tfw), (tg, gfw)):
        v = L.tensor(np.random.default_rng(3).standard_normal((4, 3)), requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(L.tensor(X), (v * 2).t())
            t = fw.unpack_dual(d.exp() * d).tangent
        assert t.requires_grad
        (t * t).sum().backward()
        got[L] = v.grad
    _compare(got[tg], got[torch], (1e-12, 1e-12), "")


@pytest.mark.parametrize("transform", ["jvp", "forward_ad"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_jvp_of_logcumsumexp_as_torch(transform, dim):
    """teenygrad's jvp is the derivative of J^T u in u, taken at u = 0, where logcumsumexp's double backward (log-space
    halves of log(max(+-u, 0))) had no derivative: the tangent read 0"""
    rng = np.random.default_rng(dim + 5)
    x, v = rng.uniform(-3, 3, (3, 4)), rng.standard_normal((3, 4))
    got = {}
    for L, fw in ((torch, tfw), (tg, gfw)):
        f = lambda a: (a.logcumsumexp(dim) * 1.5).sin()
        if transform == "jvp":
            got[L] = L.func.jvp(f, (L.tensor(x),), (L.tensor(v),))
        else:
            with fw.dual_level():
                got[L] = tuple(fw.unpack_dual(f(fw.make_dual(L.tensor(x), L.tensor(v)))))
    _compare(got[tg], got[torch], (1e-10, 1e-12), transform)


def test_hessian_through_logcumsumexp_where_the_gradient_reaching_it_is_zero():
    """f = sum(logcumsumexp(x) * x) at a zero in x: the gradient reaching logcumsumexp is 0 there, and its double
    backward dropped the derivative in it (H[0, 0] 1.108 for 2.108). torch.func.hessian has the same gap (its forward
    mode over reverse), so the oracle is central differences of torch's gradient."""
    x = np.array([0.0, 1.0, -0.5, 0.0])
    f = lambda L: (lambda a: (a.logcumsumexp(0) * a).sum())
    grad = lambda a: torch.func.grad(f(torch))(torch.tensor(a)).numpy()
    want = np.stack([(grad(x + 1e-6 * e) - grad(x - 1e-6 * e)) / 2e-6 for e in np.eye(4)])
    for got in (tg.func.hessian(f(tg))(tg.tensor(x)), tg.autograd.functional.hessian(f(tg), tg.tensor(x))):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


def test_jvp_of_pow_with_tensor_exponent_at_a_zero_base_as_torch():
    """x ** y at x = 0 (and y = 0): torch's gradient is 0 where its formula would read 0 * inf; teenygrad's double
    backward kept the unused inf (x^-1, log 0) in the branch it replaced by 0, so a jvp (its derivative in the
    gradient) read 0 * inf = NaN there"""
    pairs = [(a, b) for a in (0.0, 0.5, 2.0, -1.5) for b in (0.0, 1.0, 2.0, -1.0, 0.5, 3.0)]
    x, y = (np.array(c) for c in zip(*pairs))
    vx, vy = np.random.default_rng(0).standard_normal(x.shape), np.random.default_rng(1).standard_normal(x.shape)
    got = {}
    for L in (torch, tg):
        got[L] = (L.func.jvp(L.pow, (L.tensor(x), L.tensor(y)), (L.tensor(vx), L.tensor(vy))),
                  L.func.jvp(lambda a: L.pow(a * a, a), (L.tensor(x),), (L.tensor(vx),)))
    _compare(got[tg], got[torch], (1e-12, 1e-12), "pow")


def test_jvp_of_a_program_whose_backward_torch_refuses_says_why():
    """t.mul_(t) overwrites a value t * t's backward needs: torch's reverse mode refuses, its forward mode runs;
    teenygrad's jvp is double backward, so it refuses too, and says that this is why (it named only backward)"""
    def f(x):
        t = x * 1
        t.mul_(t)
        return t
    x, v = np.array([0.5, 1.5]), np.array([1.0, -2.0])
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        torch.func.vjp(f, torch.tensor(x))[1](torch.tensor(v))
    torch.func.jvp(f, (torch.tensor(x),), (torch.tensor(v),))  # runs
    with pytest.raises(RuntimeError, match="jvp: teenygrad computes a jvp by double backward.*modified by an inplace"):
        tg.func.jvp(f, (tg.tensor(x),), (tg.tensor(v),))
    with gfw.dual_level(), pytest.raises(RuntimeError, match="unpack_dual: .*double backward.*modified by an inplace"):
        gfw.unpack_dual(f(gfw.make_dual(tg.tensor(x), tg.tensor(v))))


@pytest.mark.parametrize("transform", ["grad", "vmap_grad", "jacrev", "jvp", "hessian", "ensemble"])
def test_functional_call_of_a_module_through_transforms_as_torch(transform):
    """a small module called with parameters given as a dict (torch.func.functional_call) under each transform"""
    rng = np.random.default_rng(9)
    shapes = {"0.weight": (5, 4), "0.bias": (5,), "2.weight": (2, 5), "2.bias": (2,)}
    params = {k: rng.standard_normal(s) * 0.5 for k, s in shapes.items()}
    x = rng.standard_normal((3, 4))
    got = {}
    for L in (torch, tg):
        F, m = L.func, L.nn.Sequential(L.nn.Linear(4, 5), L.nn.Tanh(), L.nn.Linear(5, 2)).double()
        p = {k: L.tensor(v) for k, v in params.items()}
        loss = lambda q, a: (F.functional_call(m, q, (a,)) ** 2).sum()
        got[L] = {"grad": lambda: F.grad(loss)(p, L.tensor(x)),
                  "vmap_grad": lambda: F.vmap(F.grad(loss), in_dims=(None, 0))(p, L.tensor(x)),
                  "jacrev": lambda: F.jacrev(lambda q: F.functional_call(m, q, (L.tensor(x),)))(p),
                  "jvp": lambda: F.jvp(lambda q: F.functional_call(m, q, (L.tensor(x),)), (p,),
                                       ({k: v.cos() for k, v in p.items()},)),
                  "hessian": lambda: F.hessian(lambda w: loss({**p, "2.weight": w}, L.tensor(x)))(p["2.weight"]),
                  "ensemble": lambda: F.vmap(lambda q: F.functional_call(m, q, (L.tensor(x),)))(
                      {k: L.stack([v, v * 0.5, -v]) for k, v in p.items()})}[transform]()
    _compare(got[tg], got[torch], (1e-10, 1e-12), transform)


@pytest.mark.parametrize("transform", ["jvp", "hvp", "hessian"])
def test_angle_has_a_double_backward_as_torch(transform):
    """angle had no double backward, so jvp, hvp and hessian through it were refused where torch computes them"""
    rng = np.random.default_rng(4)
    re, im, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    re[0, 0] = im[0, 0] = 0.0  # angle's gradient is 0 at z = 0, as torch's
    got = {}
    for L in (torch, tg):
        f = lambda a, b: (L.complex(a, b).angle() * 1.3).sin().sum()
        args = (L.tensor(re), L.tensor(im))
        got[L] = {"jvp": lambda: L.func.jvp(lambda z: z.angle().exp(), (L.complex(*args),),
                                            (L.complex(*args).conj(),)),
                  "hvp": lambda: L.autograd.functional.hvp(f, args, (L.tensor(v), L.tensor(v * 0.5))),
                  "hessian": lambda: L.func.hessian(f, argnums=(0, 1))(*args)}[transform]()
    _compare(got[tg], got[torch], (1e-10, 1e-12), transform)
