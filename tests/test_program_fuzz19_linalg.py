"""Random programs mixing torch.linalg (det, slogdet, inv, solve, lstsq, cholesky, qr, eigh, svd, pinv, norms,
matrix_power, matrix_exp, cross, multi_dot, lu/lu_solve, householder_product, tensorinv/tensorsolve,
solve_triangular), einsum / tensordot / kron / outer / cdist / diag / tril_indices, torch.fft (with norm= and n=/s=)
and torch.special with views and in-place ops, float64 and complex128, run in torch and teenygrad on the same inputs:
values, first-order gradients and second-order ones (autograd.grad(create_graph=True), then backward) compared. Where
torch refuses (it saved a value a later in-place op changed) and teenygrad runs, teenygrad's gradient is checked
against central differences.

What the sweep found, each also pinned by a direct case below: a reshape that had to copy (x.t().reshape(-1), inside
tensordot) still took its input's write stamps, so writing x in place afterwards refused a backward torch runs;
solve_triangular (and lu_solve, built on it) refused a backward after B was written in place (torch saves A and X
only); special.ndtr refused one after its input was written (torch's ndtr saves a scaled copy); linalg.matrix_power
(n < 0, and n = 0's backward), tensorinv, tensorsolve, householder_product and torch.triangular_solve refused complex
matrices that torch takes; the complex forms of exp, tanh, sigmoid, sqrt, sinc, ... kept both their input and output
for the version check, so writing the one torch does not save (the input of z-derivative functions such as tanh, the
output of x-derivative ones such as sin) refused the backward; complex slogdet, eigh / eigvalsh, svdvals, svd and qr
refused a double backward that torch runs, and eig (real or complex) had none.

Left out on purpose (known gaps): in-place writes through conj() / mH views (torch's lazy conjugate writes through to
the base; teenygrad's conj is a copy) and writes into views of an expand()."""

import math
import random
import warnings

import numpy as np
import pytest
import torch

import teenygrad as tg
from helpers import central_differences

N = 3


class Runner:
    """One random program in library L (torch or teenygrad), its steps picked by a seeded Python RNG so both libraries
    run the same one. Operands are recycled into the shape an op needs (mat, vec) and made well conditioned (wc) or
    Hermitian positive definite (spd); with cplx, the values are complex128."""

    def __init__(self, L, seed, arrays, cplx=False):
        self.L, self.rnd, self.cplx = L, random.Random(seed), cplx
        self.leaves = [L.tensor(a.copy(), requires_grad=True) for a in arrays]
        self.vals = [(L.complex(l, l.flip(-1) * 0.5) if cplx else l * 1.0) for l in self.leaves]
        self.log = []

    def pick(self):
        return self.vals[self.rnd.randrange(len(self.vals))]

    def mat(self, x):
        """x as a (…, 3, 3) matrix: kept when it already is one, else its entries recycled into one."""
        L = self.L
        if x.ndim >= 2 and x.shape[-2:] == (N, N):
            return x
        v = x.reshape(-1)
        v = L.cat([v] * math.ceil(N * N / v.numel()))[: N * N] if v.numel() else L.ones(N * N, dtype=x.dtype)
        return v.reshape(N, N)

    def vec(self, x):
        """x as (…, 3) vectors, the same way"""
        L = self.L
        if x.ndim >= 1 and x.shape[-1] == N:
            return x
        v = x.reshape(-1)
        return L.cat([v] * math.ceil(N / v.numel()))[:N] if v.numel() else L.ones(N, dtype=x.dtype)

    def wc(self, x):
        L = self.L
        m = self.mat(x)
        # distinct diagonal shifts keep singular values apart where m is degenerate (zero_, a broadcast copy_)
        return m * 0.3 + L.diag(L.tensor([3.0, 3.7, 4.9], dtype=m.dtype))

    def spd(self, x):
        m = self.mat(x) * 0.5
        return m @ m.mH + self.L.eye(N, dtype=m.dtype) * (1 + self.L.tensor([0.0, 2.0, 5.0], dtype=m.dtype))

    def small(self, x):  # into (-1, 1), for ranges
        return x.real.tanh() if self.cplx else x.tanh()

    def step(self):
        L, r = self.L, self.rnd
        x = self.pick()
        kinds = "linalg linalg linalg linalg prod prod fft fft special special ew view view inplace inplace".split()
        kind = r.choice(kinds)
        y = None
        if kind == "linalg":
            ops = (
                "det slogdet inv solve solve_left cholesky qr eigh eighv eigvalsh svd svdvals pinv norm vnorm mnorm "
                "matrix_power matrix_exp cross multi_dot lu_solve lu householder tensorinv tensorsolve lstsq logdet "
                "solve_tri cholesky_solve inv_ex"
            ).split()
            op = r.choice(ops)
            self.log.append(op)
            o = self.pick()
            if op == "det":
                y = L.linalg.det(self.wc(x))
            elif op == "slogdet":
                s, la = L.linalg.slogdet(self.wc(x))
                y = la * 2 + (s.real if self.cplx else s)
            elif op == "logdet":
                y = L.logdet(self.spd(x))
            elif op == "inv":
                y = L.linalg.inv(self.wc(x))
            elif op == "inv_ex":
                y = L.linalg.inv_ex(self.wc(x)).inverse
            elif op == "solve":
                b = o if (o.ndim >= 1 and o.shape[-1] == N and r.random() < 0.5) else self.mat(o)
                y = L.linalg.solve(self.wc(x), b if b.ndim != 1 else b)
            elif op == "solve_left":
                y = L.linalg.solve(self.wc(x), self.mat(o), left=False)
            elif op == "cholesky":
                y = L.linalg.cholesky(self.spd(x), upper=r.random() < 0.5)
            elif op == "qr":
                q, rr = L.linalg.qr(self.wc(x))
                y = q @ L.diag_embed(rr.diagonal(dim1=-2, dim2=-1)) + rr
            elif op == "eigh":
                y = L.linalg.eigh(self.spd(x), UPLO=r.choice("LU"))[0]
            elif op == "eighv":
                w, v = L.linalg.eigh(self.spd(x))
                y = (v * w.unsqueeze(-2).sqrt()) @ v.mH
            elif op == "eigvalsh":
                y = L.linalg.eigvalsh(self.spd(x))
            elif op == "svd":
                u, s, vh = L.linalg.svd(self.wc(x), full_matrices=r.random() < 0.5)
                y = (u * s.unsqueeze(-2).sqrt()) @ vh + s.unsqueeze(-1)
            elif op == "svdvals":
                y = L.linalg.svdvals(self.wc(x))
            elif op == "pinv":
                y = L.linalg.pinv(self.wc(x), hermitian=False)
            elif op == "norm":
                ordv = r.choice([None, "fro", "nuc", 2, -2, 1, float("inf")])
                y = L.linalg.norm(self.wc(x), ord=ordv, dim=(-2, -1) if ordv is not None else None)
            elif op == "vnorm":
                ordv = r.choice([2, 3, 1.5, float("inf")])
                d = r.randrange(x.ndim) if x.ndim else None
                y = L.linalg.vector_norm(x + 0.1, ord=ordv, dim=d, keepdim=r.random() < 0.5)
            elif op == "mnorm":
                y = L.linalg.matrix_norm(self.wc(x), ord=r.choice(["fro", "nuc", 2, -2]), keepdim=True)
            elif op == "matrix_power":
                y = L.linalg.matrix_power(self.wc(x) * 0.5, r.choice([0, 1, 2, 3, -1, -2]))
            elif op == "matrix_exp":
                y = L.linalg.matrix_exp(self.mat(x) * 0.3)
            elif op == "cross":
                y = L.linalg.cross(self.vec(x), self.vec(o))
            elif op == "multi_dot":
                y = L.linalg.multi_dot([self.vec(x), self.mat(o).reshape(N, N), self.mat(x).reshape(N, N)])
            elif op == "lu_solve":
                LU, piv = L.linalg.lu_factor(self.wc(x))
                y = L.linalg.lu_solve(LU, piv, self.mat(o), adjoint=r.random() < 0.3)
            elif op == "lu":
                P, l, u = L.linalg.lu(self.wc(x))
                y = l * 2 + u
            elif op == "householder":
                m = self.mat(x).reshape(N, N)
                y = L.linalg.householder_product(m, self.vec(o).reshape(-1)[:2] * 0.5)
            elif op == "tensorinv":
                m = self.mat(x).reshape(N, N)
                big = L.kron(m * 0.1, L.ones(2, 2, dtype=m.dtype)) + 2 * L.eye(2 * N, dtype=m.dtype)
                y = L.linalg.tensorinv(big.reshape(2 * N, 2, N), ind=1)
            elif op == "tensorsolve":
                m = self.mat(x).reshape(N, N)
                big = L.kron(m * 0.1, L.ones(2, 2, dtype=m.dtype)) + 2 * L.eye(2 * N, dtype=m.dtype)
                y = L.linalg.tensorsolve(big.reshape(2, N, 2 * N), self.mat(o).reshape(-1)[:6].reshape(2, N))
            elif op == "lstsq":
                a = L.cat([self.wc(x), self.mat(o)], -2)
                b = self.mat(o)
                if a.ndim != b.ndim:
                    b = b.expand(*a.shape[:-2], N, N) if b.ndim < a.ndim else b
                    a = a.expand(*b.shape[:-2], 2 * N, N) if a.ndim < b.ndim else a
                y = L.linalg.lstsq(a, L.cat([b, b * 0.5], -2)).solution
            elif op == "solve_tri":
                y = L.linalg.solve_triangular(self.wc(x).triu(), self.mat(o), upper=True, left=r.random() < 0.5)
            elif op == "cholesky_solve":
                y = L.cholesky_solve(self.mat(o), L.linalg.cholesky(self.spd(x)))
        elif kind == "prod":
            op = r.choice("einsum einsum2 tensordot kron outer cdist trace diag diag_embed tril_idx matmul mv".split())
            self.log.append(op)
            o = self.pick()
            if op == "einsum":
                y = L.einsum("...ij,...jk->...ik", self.mat(x), self.mat(o))
            elif op == "einsum2":
                a, b = (self.mat(v).reshape(-1)[: N * N].reshape(N, N) for v in (x, o))
                y = L.einsum("ij,jk,k->i", a, b, self.vec(x).reshape(-1)[:N])
            elif op == "tensordot":
                y = L.tensordot(self.mat(x), self.mat(o).reshape(-1)[:9].reshape(N, N), dims=1)
            elif op == "kron":
                # on fresh copies: torch's kron takes _unsafe_views of its inputs, so writes to them go unseen there
                y = L.kron(self.vec(x).reshape(-1)[:3] * 1, self.vec(o).reshape(-1)[:2] * 1)
            elif op == "outer":
                y = L.outer(self.vec(x).reshape(-1)[:3], self.vec(o).reshape(-1)[:3])
            elif op == "cdist":
                a, b = (self.mat(v).real if self.cplx else self.mat(v) for v in (x, o))
                y = L.cdist(a, b + 0.05, p=r.choice([1.0, 2.0, 3.0]))
            elif op == "trace":
                y = L.trace(self.mat(x).reshape(-1)[:9].reshape(3, 3))
            elif op == "diag":
                y = L.diag(self.vec(x).reshape(-1)[:3], r.choice([0, 1, -1]))
            elif op == "diag_embed":
                y = L.diag_embed(self.vec(x), offset=r.choice([0, 1]))
            elif op == "tril_idx":
                m = self.mat(x)
                i, j = L.tril_indices(N, N, r.choice([0, -1]))
                y = m[..., i, j]
            elif op == "matmul":
                y = self.mat(x) @ self.mat(o)
            elif op == "mv":
                y = self.mat(x) @ self.vec(o).reshape(-1)[:3]
        elif kind == "fft":
            op = r.choice("fft ifft rfft irfft fft2 fftn rfftn ifftn fftshift hfft".split())
            norm = r.choice([None, "ortho", "forward", "backward"])
            self.log.append((op, norm))
            d = -1
            if op == "fft":
                z = L.fft.fft(x, n=r.choice([None, 2, 4]), dim=d, norm=norm)
            elif op == "ifft":
                z = L.fft.ifft(x, n=r.choice([None, 2, 4]), norm=norm)
            elif op == "rfft":
                z = L.fft.rfft(x.real if self.cplx else x, n=r.choice([None, 4, 5]), norm=norm)
            elif op == "irfft":
                z = L.fft.irfft(x, n=r.choice([None, 4, 5]), norm=norm)
            elif op == "hfft":
                z = L.fft.hfft(x, n=r.choice([None, 4]), norm=norm)
            elif op == "fft2":
                m = self.mat(x)
                z = L.fft.fft2(m, s=r.choice([None, (2, 4)]), norm=norm)
            elif op == "fftn":
                z = L.fft.fftn(x, norm=norm)
            elif op == "ifftn":
                z = L.fft.ifftn(self.mat(x), s=(N, 2), norm=norm)
            elif op == "rfftn":
                m = self.mat(x)
                z = L.fft.rfftn(m.real if self.cplx else m, norm=norm)
            else:
                z = L.fft.fftshift(x) if r.random() < 0.5 else L.fft.ifftshift(x, dim=-1)
            if z.is_complex() and not self.cplx:
                k = r.choice("abs real imag conj vr".split())
                z = {"abs": lambda: (z.real * z.real + z.imag * z.imag + 0.01).sqrt(),  # |z|, smooth at 0
                     "real": lambda: z.real, "imag": lambda: z.imag,
                     "conj": lambda: L.view_as_real(z.conj().resolve_conj()).sum(-1),
                     "vr": lambda: L.view_as_real(z.resolve_conj())[..., 0]}[k]()
            elif self.cplx and not z.is_complex():
                z = L.complex(z, z * 0.25)
            y = z
        elif kind == "special":
            S = L.special
            if self.cplx:
                op = r.choice("abs conj real imag vr exp mulconj times_i sgn".split())
                self.log.append(op)
                y = {
                    "abs": lambda: L.complex((x.abs() ** 2 + 0.1).sqrt(), x.real * 0.1),
                    "conj": lambda: x.conj() * (1 + 0.5j),
                    "real": lambda: L.complex(x.real, x.imag.tanh()),
                    "imag": lambda: L.complex(x.imag, x.real),
                    "vr": lambda: L.view_as_complex(L.view_as_real(x).flip(-1).contiguous()),
                    "exp": lambda: (x * 0.2).exp(),
                    "mulconj": lambda: x * x.conj() + x,
                    "times_i": lambda: L.complex(x.real, (x * 1j).imag),
                    "sgn": lambda: x * (x.abs() + 1).reciprocal(),
                }[op]()
            else:
                op = r.choice(
                    (
                        "erf erfc erfinv expit logit xlogy gammaln lgamma digamma polygamma i0 i0e i1 i1e log_ndtr "
                        "ndtr ndtri sinc entr log1p expm1 softmax log_softmax logsumexp multigammaln xlog1py"
                    ).split()
                )
                self.log.append(op)
                t = self.small(x)
                pos = x * x + 0.3
                d = r.randrange(x.ndim) if x.ndim else 0
                y = {
                    "erf": lambda: S.erf(x), "erfc": lambda: S.erfc(x), "erfinv": lambda: S.erfinv(t * 0.9),
                    "expit": lambda: S.expit(x), "logit": lambda: S.logit(t * 0.45 + 0.5, eps=r.choice([None, 0.2])),
                    "xlogy": lambda: S.xlogy(x, pos), "xlog1py": lambda: S.xlog1py(x, pos),
                    "gammaln": lambda: S.gammaln(pos), "lgamma": lambda: L.lgamma(pos),
                    "digamma": lambda: S.digamma(pos), "polygamma": lambda: S.polygamma(r.choice([1, 2]), pos),
                    "i0": lambda: S.i0(x), "i0e": lambda: S.i0e(x), "i1": lambda: S.i1(x), "i1e": lambda: S.i1e(x),
                    "log_ndtr": lambda: S.log_ndtr(x * 2), "ndtr": lambda: S.ndtr(x),
                    "ndtri": lambda: S.ndtri(t * 0.45 + 0.5),
                    "sinc": lambda: S.sinc(x + 0.01), "entr": lambda: S.entr(pos), "log1p": lambda: S.log1p(pos),
                    "expm1": lambda: S.expm1(t), "softmax": lambda: S.softmax(x, d),
                    "log_softmax": lambda: S.log_softmax(x, d),
                    "logsumexp": lambda: S.logsumexp(x, d, keepdim=r.random() < 0.5) if x.ndim else x,
                    "multigammaln": lambda: S.multigammaln(pos + 2, 2),
                }[op]()
        elif kind == "ew":
            op = r.choice("add mul tanh sub div".split())
            o = self.pick()
            self.log.append(op)
            try:
                y = {"add": lambda: x + o, "mul": lambda: x * o, "tanh": lambda: x.tanh(), "sub": lambda: x - o * 0.5,
                     "div": lambda: x / (o * o.conj() + 1)}[op]()
            except RuntimeError:
                y = x * 2
        elif kind == "view":
            op = r.choice("mT mH slice permute unsqueeze diagonal select reshape expand".split())
            self.log.append(op)
            nd = x.ndim
            if nd == 0:
                y = x.unsqueeze(0)
            elif op == "mT" and nd >= 2:
                y = x.mT
            elif op == "mH" and nd >= 2:
                y = x.mH + 0  # (writes through a conj() view do not reach the base in teenygrad: a known gap)
            elif op == "slice":
                y = x[..., 1:] if x.shape[-1] > 1 else x[..., :]
            elif op == "permute":
                p = list(range(nd)); r.shuffle(p); y = x.permute(*p)
            elif op == "unsqueeze":
                y = x.unsqueeze(0)
            elif op == "diagonal" and nd >= 2:
                y = x.diagonal(0, -2, -1)
            elif op == "select":
                y = x.select(0, x.shape[0] - 1)
            elif op == "expand":
                y = x.unsqueeze(0).expand(2, *x.shape) + 0  # (writes into views of an expand: not supported)
            else:
                y = x.reshape(-1)
        elif kind == "inplace":
            target = x
            if x.ndim >= 1 and x.shape[0] > 1 and r.random() < 0.5:
                target = x[1:] if r.random() < 0.5 else x.select(0, 0)
            op = r.choice("add_ mul_ copy_ tanh_ zero_ setitem transpose_ div_ sub_".split())
            self.log.append(op + "!")
            o = self.pick()
            ob = o.sum() if o.ndim else o
            if op == "add_":
                target.add_(ob, alpha=0.5)
            elif op == "mul_":
                target.mul_(ob.tanh() if not self.cplx else ob * 0.3)
            elif op == "copy_":
                target.copy_(ob * 0.5)
            elif op == "tanh_":
                target.tanh_() if not self.cplx else target.mul_(0.5)
            elif op == "zero_":
                target.zero_()
            elif op == "setitem":
                if target.ndim:
                    target[0] = ob * 0.3
                else:
                    target.add_(1)
            elif op == "transpose_" and x.ndim >= 2:
                x.transpose_(-2, -1)
            elif op == "div_":
                target.div_(ob * ob.conj() + 1)
            else:
                target.sub_(ob)
        if y is not None:
            self.vals.append(y)


def total_of(R):
    L = R.L
    t = 0
    for k, v in enumerate(R.vals[-3:]):
        if v.is_complex():
            v = L.view_as_real(v.resolve_conj()) if hasattr(v, 'resolve_conj') else L.view_as_real(v)
        t = t + (v * (k + 1)).sum() + (v * v).sum() * 0.1
    return t


def outcome(L, seed, arrays, n, cplx, order):
    R = Runner(L, seed, arrays, cplx)
    try:
        for _ in range(n):
            R.step()
        total = total_of(R)
        if order == 1:
            total.backward()
            gs = [l.grad for l in R.leaves]
        else:
            g1 = L.autograd.grad(total, R.leaves, create_graph=True, allow_unused=True)
            s = sum((g * g).sum() * (k + 1) for k, g in enumerate(g1) if g is not None and g.requires_grad)
            if not (isinstance(s, (torch.Tensor, tg.Tensor))):
                return "ran", (total.detach().numpy(), None), R.log
            s.backward()
            gs = [l.grad for l in R.leaves]
    except (RuntimeError, IndexError, ValueError, NotImplementedError) as e:
        return "refused", f"{type(e).__name__}: {e}", R.log
    return "ran", (total.detach().numpy(), [None if g is None else g.numpy() for g in gs]), R.log


def inputs(seed):
    rng = np.random.default_rng(seed)
    pool = [(N, N), (2, N, N), (N,), (2, N), (N, N), (4,), (2, 1, N, N)]
    return [rng.standard_normal(pool[rng.integers(len(pool))]) for _ in range(2)]


def by_differences(seed, arrays, n, cplx, grads):
    def total(arrs):
        R = Runner(tg, seed, arrs, cplx)
        for _ in range(n):
            R.step()
        return float(total_of(R))
    for fd, got in zip(central_differences(total, arrays), grads):
        got = got if got is not None else np.zeros_like(fd)
        np.testing.assert_allclose(got, fd, rtol=1e-4, atol=1e-5 * (1 + np.abs(fd).max()))


def check(seed, n=8):
    cplx = seed % 3 == 2
    order = 2 if seed % 4 == 3 else 1
    arrays = inputs(seed)
    want = outcome(torch, seed, arrays, n, cplx, order)
    got = outcome(tg, seed, arrays, n, cplx, order)
    if want[0] == "refused":
        if got[0] == "ran" and order == 1:
            by_differences(seed, arrays, n, cplx, got[1][1])
        return want[1][:100]
    assert got[0] == "ran", f"torch ran, tg refused: {got[1][:300]} {got[2]}"
    assert got[2] == want[2]
    (tw, gw), (tt, gt) = want[1], got[1]
    np.testing.assert_allclose(tt, tw, rtol=1e-7, atol=1e-8, err_msg=str(got[2]))
    if gw is None or gt is None:
        assert gw is None and gt is None, ("second-order graph", gw is None, gt is None, got[2])
        return
    for a, b in zip(gw, gt):
        assert (a is None) == (b is None), got[2]
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7 * (1 + np.abs(a).max()), err_msg=str(got[2]))


@pytest.mark.parametrize("seed", range(240))
def test_random_linalg_program_as_torch(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(seed)


# ---- the findings, directly ---------------------------------------------------------------------------------
def _after_write(L, make, write):
    a = L.tensor([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7], [0.2, 0.9, 1.1]], dtype=L.float64, requires_grad=True)
    b = L.tensor([[1.0, 2.0], [-0.5, 0.4], [0.3, -1.0]], dtype=L.float64, requires_grad=True)
    x, y = a * 1, b * 1
    out = make(L, x, y)
    write(x, y)
    (out * L.arange(out.numel(), dtype=L.float64).reshape(out.shape)).sum().backward()
    return [out.detach().numpy()] + [None if t.grad is None else t.grad.numpy() for t in (a, b)]


def _tri(L, x):
    return x.triu() + 3 * L.eye(3, dtype=L.float64)


AFTER_WRITE = {
    "copying-reshape": (lambda L, x, y: x.t().reshape(-1) ** 2, lambda x, y: x.mul_(2)),
    "solve_triangular-B": (
        lambda L, x, y: L.linalg.solve_triangular(_tri(L, x), y, upper=True),
        lambda x, y: y.mul_(3),
    ),
    "solve_triangular-right": (
        lambda L, x, y: L.linalg.solve_triangular(_tri(L, x), y.mT, upper=True, left=False),
        lambda x, y: y.mul_(3),
    ),
    "lu_solve-adjoint": (
        lambda L, x, y: L.linalg.lu_solve(*L.linalg.lu_factor(x + 3 * L.eye(3, dtype=L.float64)), y, adjoint=True),
        lambda x, y: y.add_(1),
    ),
    "ndtr": (lambda L, x, y: L.special.ndtr(x), lambda x, y: x.mul_(0.5)),
}


@pytest.mark.parametrize("name", list(AFTER_WRITE))
def test_backward_after_writing_what_torch_does_not_save(name):
    make, write = AFTER_WRITE[name]
    want, got = _after_write(torch, make, write), _after_write(tg, make, write)
    for g, w in zip(got, want):
        assert (g is None) == (w is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_ndtr_second_order_after_its_input_is_written():
    out = {}
    for L in (torch, tg):
        a = L.tensor([0.3, -1.1, 2.0], dtype=L.float64, requires_grad=True)
        x = a * 1
        z = L.special.ndtr(x)
        x.mul_(2)
        (g,) = L.autograd.grad(z.sum(), a, create_graph=True)
        (g * g).sum().backward()
        out[L] = g.detach().numpy(), a.grad.numpy()
    for g, w in zip(out[tg], out[torch]):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_tensordot_input_written_after_it():
    """tensordot permutes each input and flattens it to a matrix: a copy where the permute is not contiguous, as in
    torch, so writing the input afterwards does not touch what the matmul saved."""
    rng = np.random.default_rng(3)
    xa, ya = rng.standard_normal((3, 2, 4)), rng.standard_normal((2, 5, 3))
    out = {}
    for L in (torch, tg):
        a, b = L.tensor(xa, requires_grad=True), L.tensor(ya, requires_grad=True)
        x, y = a * 1, b * 1
        z = L.tensordot(x, y, dims=([1, 0], [0, 2]))
        x.mul_(2)
        y.add_(1)
        (z * z).sum().backward()
        out[L] = z.detach().numpy(), a.grad.numpy(), b.grad.numpy()
    for g, w in zip(out[tg], out[torch]):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def _c(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


COMPLEX = {
    "matrix_power-2": (lambda L, a: L.linalg.matrix_power(a, -2), [(2, 3, 3)]),
    "matrix_power0": (lambda L, a: L.linalg.matrix_power(a, 0), [(3, 3)]),
    "matrix_power3": (lambda L, a: L.linalg.matrix_power(a, 3), [(3, 3)]),
    "tensorinv": (lambda L, a: L.linalg.tensorinv(a.reshape(6, 2, 3), ind=1), [(6, 6)]),
    "tensorsolve": (lambda L, a, b: L.linalg.tensorsolve(a.reshape(2, 3, 6), b), [(6, 6), (2, 3)]),
    "householder_product": (lambda L, a, t: L.linalg.householder_product(a, t), [(2, 4, 3), (2, 2)]),
    "triangular_solve": (lambda L, a, b: L.triangular_solve(b, a, upper=False, transpose=True)[0], [(2, 3, 3), (3, 2)]),
}


@pytest.mark.parametrize("name", list(COMPLEX))
@pytest.mark.filterwarnings("ignore:.*triangular_solve")
def test_complex_matrices_where_torch_takes_them(name):
    f, shapes = COMPLEX[name]
    rng = np.random.default_rng(7)
    arrays = [_c(rng, s) for s in shapes]
    if shapes[0][-1] == shapes[0][-2]:
        arrays[0] = arrays[0] + shapes[0][-1] * np.eye(shapes[0][-1])  # well conditioned
    out = {}
    for L in (torch, tg):
        xs = [L.tensor(a, requires_grad=True) for a in arrays]
        y = f(L, *xs)
        w = L.tensor(np.linspace(0.5, 1.5, 2 * y.numel()).reshape(*y.shape, 2))
        (L.view_as_real(y.resolve_conj()) * w).sum().backward()
        out[L] = [str(y.dtype).split(".")[-1], y.detach().numpy()] + [x.grad.numpy() for x in xs]
    assert out[tg][0] == out[torch][0] == "complex128"
    for g, w in zip(out[tg][1:], out[torch][1:]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


COMPLEX_UNARY = (
    "exp exp2 expm1 log log2 log10 log1p sqrt rsqrt reciprocal sin cos tan sinh cosh tanh sigmoid asin acos atan asinh "
    "acosh atanh sinc"
).split()


@pytest.mark.parametrize("written", ["input", "output"])
@pytest.mark.parametrize("name", COMPLEX_UNARY)
def test_complex_unary_backward_after_a_write_as_torch(name, written):
    out = {}
    for L in (torch, tg):
        a = L.tensor([0.3 + 0.2j, -0.4 + 0.1j, 0.2 - 0.3j], dtype=L.complex128, requires_grad=True)
        x = a * 1
        y = getattr(x, name)()
        (x if written == "input" else y).mul_(1.5)
        try:
            L.view_as_real(y).sum().backward()
            out[L] = a.grad.numpy()
        except RuntimeError:
            out[L] = "refused"
    if isinstance(out[torch], str):
        assert out[tg] == "refused"
    else:
        np.testing.assert_allclose(out[tg], out[torch], rtol=1e-12)


def _hermitian_pd(L, a):
    return a @ a.mH + L.diag(L.tensor([0.0, 3.0, 7.0], dtype=L.complex128))


COMPLEX_SECOND_ORDER = {
    "slogdet-logabsdet": lambda L, a: L.linalg.slogdet(a)[1].sum(),
    "slogdet-sign": lambda L, a: (L.view_as_real(L.linalg.slogdet(a)[0]) * L.tensor([0.7, -1.3])).sum(),
    "slogdet-both": lambda L, a: (lambda s, la: (L.view_as_real(s) * L.tensor([0.7, -1.3])).sum() + (la * la).sum())(
        *L.linalg.slogdet(a)
    ),
    "eigh-values": lambda L, a: (L.linalg.eigh(_hermitian_pd(L, a))[0] ** 2).sum(),
    "eigh-vectors": lambda L, a: (lambda w, v: ((v * w.unsqueeze(-2)) @ v.mH).abs().sum() + (v.abs() ** 3).sum())(
        *L.linalg.eigh(_hermitian_pd(L, a))
    ),
    "eigvalsh": lambda L, a: (L.linalg.eigvalsh(_hermitian_pd(L, a)) * L.tensor([1.0, 2.0, 3.0])).sum(),
    "svdvals": lambda L, a: (L.linalg.svdvals(a) ** 3).sum(),
    "svd": lambda L, a: (lambda u, s, vh: ((u * s.unsqueeze(-2).sqrt()) @ vh).abs().sum() + (s**3).sum())(
        *L.linalg.svd(a, full_matrices=False)
    ),
    "svd-vectors": lambda L, a: (L.linalg.svd(a)[0].abs() ** 3).sum() + (L.linalg.svd(a)[2].abs() ** 3).sum(),
    "qr": lambda L, a: (lambda q, r: (q.abs() ** 3).sum() + (r * r.conj()).real.sum() + (q @ r).abs().sum())(
        *L.linalg.qr(a)
    ),
    "qr-wide": lambda L, a: (lambda q, r: (q.abs() ** 3).sum() + (r.abs() ** 2).sum())(*L.linalg.qr(a[..., :2, :])),
    "eig": lambda L, a: (lambda w, v: (L.view_as_real((v * w.unsqueeze(-2)) @ v.mH) ** 2).sum() + (v.abs() ** 3).sum())(
        *L.linalg.eig(a)
    ),
}


@pytest.mark.parametrize("name", list(COMPLEX_SECOND_ORDER))
def test_complex_decompositions_double_backward_as_torch(name):
    rng = np.random.default_rng(11)
    a0 = _c(rng, (2, 3, 3)) + 3 * np.eye(3)
    w = np.linspace(0.2, 1.0, 36).reshape(2, 3, 3, 2)
    out = {}
    for L in (torch, tg):
        a = L.tensor(a0, requires_grad=True)
        (g,) = L.autograd.grad(COMPLEX_SECOND_ORDER[name](L, a), a, create_graph=True)
        (L.view_as_real(g) ** 2 * L.tensor(w)).sum().backward()
        out[L] = g.detach().numpy(), a.grad.numpy()
    for got, want in zip(out[tg], out[torch]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("out", ["values", "vectors"])
def test_real_eig_double_backward_as_torch(out):
    a0 = np.random.default_rng(5).standard_normal((2, 3, 3)) + np.diag([0.0, 2.0, 5.0])
    res = {}
    for L in (torch, tg):
        a = L.tensor(a0, requires_grad=True)
        w, v = L.linalg.eig(a)
        y = (L.view_as_real(w) ** 2).sum() if out == "values" else (v.abs() ** 3).sum()
        (g,) = L.autograd.grad(y, a, create_graph=True)
        (g**2).sum().backward()
        res[L] = g.detach().numpy(), a.grad.numpy()
    for got, want in zip(res[tg], res[torch]):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
