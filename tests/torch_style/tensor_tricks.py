"""Tensor-manipulation tutorial code: sliding windows with as_strided (checked against unfold), the *_scatter
family (diagonal_scatter, select_scatter, slice_scatter), index_reduce for group pooling, renorm as a max-norm
constraint, diagflat and vander, each printed with its gradient; then three small models built from them and
trained: a polynomial fit on a Vandermonde matrix with a learned smoothing filter (as_strided windows), group
embeddings pooled by index_reduce under a renorm max-norm constraint, and a tridiagonal operator assembled with
diagflat and the scatters.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
every input and weight, so both frameworks print the same numbers."""
import importlib
import os

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional

rng = np.random.default_rng(42)


def randn(*shape, scale=1.0, grad=False):
    t = torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))
    return t.requires_grad_() if grad else t


def show(name, t):
    print(name, tuple(t.shape), " ".join(f"{v:.5f}" for v in t.detach().reshape(-1).tolist()))


# ---- 1. sliding windows: a view that reuses storage, each row starts one element later
x = torch.arange(10.0, requires_grad=True)
windows = x.as_strided(size=(7, 4), stride=(1, 1))
print("windows", windows.tolist()[:2], windows.is_contiguous(), torch.equal(windows, x.unfold(0, 4, 1)))
strided = torch.as_strided(x, (3, 2), (3, 1), 1)  # storage_offset 1: rows [1, 2], [4, 5], [7, 8]
print("strided", strided.tolist(), strided.stride())
moving_avg = windows.mean(dim=1)
(moving_avg * torch.arange(7.0)).sum().backward()
show("moving_avg", moving_avg)
show("x.grad", x.grad)  # each element collects from every window it sits in

# ---- 2. the scatters: out-of-place writes of src into a copy of input, differentiable in both
a = randn(4, 4, grad=True)
d = randn(3, grad=True)
row = randn(4, grad=True)
block = randn(4, 2, grad=True)
m = torch.diagonal_scatter(a, d, offset=1)
m = m.select_scatter(row, 0, 2)  # row 2 := row
m = torch.slice_scatter(m, block, dim=1, start=0, end=4, step=2)  # columns 0 and 2 := block
show("scattered", m)
(m * torch.arange(16.0).reshape(4, 4)).sum().backward()
show("a.grad", a.grad)  # zero wherever something was written over it
show("d.grad", d.grad)
show("row.grad", row.grad)
show("block.grad", block.grad)

# ---- 3. index_reduce: pool rows into groups
src = randn(6, 3)
src[1, 1] = 0.0  # a zero in a product: its gradient is the product of the others
src.requires_grad_()
group = torch.tensor([0, 2, 0, 1, 2, 0])
base = torch.full((3, 3), 0.5)
for reduce in ("amax", "mean", "prod"):
    for include_self in (True, False):
        src.grad = None
        out = base.index_reduce(0, group, src, reduce, include_self=include_self)
        (out * torch.linspace(-1, 1, 9).reshape(3, 3)).sum().backward()
        show(f"index_reduce_{reduce}_{include_self}", out)
        show(f"src.grad_{reduce}_{include_self}", src.grad)
acc = torch.zeros(3, 3)
acc.index_reduce_(0, group, src.detach(), "amin", include_self=False)
show("index_reduce_amin_inplace", acc)

# ---- 4. renorm: rescale each slice along dim whose p-norm exceeds maxnorm
w = randn(4, 3, scale=1.5, grad=True)
r = torch.renorm(w, p=2, dim=0, maxnorm=2.0)  # the first row is short enough already
show("row_norms_before", w.detach().norm(dim=1))
show("row_norms_after", r.detach().norm(dim=1))
(r * torch.arange(12.0).reshape(4, 3)).sum().backward()
show("w.grad", w.grad)
w1 = randn(3, 5, grad=True)
r1 = w1.renorm(1, 1, 0.8)  # L1 norm of every column at most 0.8
r1.pow(2).sum().backward()
show("renorm_l1", r1)
show("w1.grad", w1.grad)

# ---- 5. diagflat and vander
v = randn(3, grad=True)
df = torch.diagflat(v, offset=-1)
df2 = torch.diagflat(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
print("diagflat", tuple(df.shape), df.tolist()[1], tuple(df2.shape), df2.diagonal().tolist())
(df * torch.arange(16.0).reshape(4, 4)).sum().backward()
show("v.grad", v.grad)
t = torch.tensor([0.5, -1.0, 2.0])
V = torch.vander(t, N=4)  # torch.vander builds its columns with in-place cumprod: no backward through it
Vi = torch.vander(t, N=3, increasing=True)
show("vander", V)
show("vander_increasing", Vi)
print("vander_default", tuple(torch.vander(t).shape), torch.equal(Vi.flip(1), torch.vander(t, 3)))
print("vander_int", torch.vander(torch.tensor([1, 2, 3])).tolist(), torch.vander(torch.tensor([1, 2, 3])).dtype ==
      torch.int64)

# ---- 6. a polynomial fit on a Vandermonde matrix, through a learned 5-tap smoothing filter
xs = torch.linspace(-1, 1, 40)
ys = torch.from_numpy((np.sin(3 * np.linspace(-1, 1, 40)) + 0.1 * rng.standard_normal(40)).astype(np.float32))
X = torch.vander(xs, N=6, increasing=True)  # (40, 6): 1, x, ..., x^5
coef = nn.Parameter(torch.zeros(6))
kernel = nn.Parameter(torch.full((5,), 0.2))
opt = torch.optim.Adam([coef, kernel], lr=0.1)
for step in range(12):
    curve = X @ coef  # (40,)
    wins = curve.as_strided((36, 5), (1, 1))  # every run of 5 neighbours
    smooth = wins @ kernel  # (36,): the filtered curve, 2 points shorter at each end
    loss = F.mse_loss(smooth, ys[2:-2])
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"loss poly {step} {loss.item():.6f} kernel_sum {kernel.sum().item():.6f}")
show("coef", coef)

# ---- 7. item embeddings pooled per basket with index_reduce, under a max-norm constraint (renorm)
n_items, n_baskets = 12, 5
emb = nn.Parameter(randn(n_items, 4, scale=0.8))
head = nn.Parameter(randn(4, scale=0.5))
basket = torch.from_numpy(rng.integers(0, n_baskets, 20))
items = torch.from_numpy(rng.integers(0, n_items, 20))
basket_target = torch.from_numpy(rng.standard_normal(n_baskets).astype(np.float32))
opt = torch.optim.SGD([emb, head], lr=0.5, momentum=0.9)
for step in range(10):
    pooled = torch.zeros(n_baskets, 4).index_reduce(0, basket, emb[items], "mean", include_self=False)
    peak = torch.zeros(n_baskets, 4).index_reduce(0, basket, emb[items], "amax", include_self=False)
    pred = (pooled + 0.5 * peak) @ head  # (n_baskets,)
    loss = F.mse_loss(pred, basket_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        emb.copy_(torch.renorm(emb, p=2, dim=0, maxnorm=1.0))
    print(f"loss baskets {step} {loss.item():.6f} max_row_norm {emb.norm(dim=1).max().item():.6f}")

# ---- 8. a tridiagonal operator: diagflat for the bands, scatters for positivity and the boundary rows
n = 6
main = nn.Parameter(torch.zeros(n))
off = nn.Parameter(torch.zeros(n - 1))
u = torch.from_numpy(rng.standard_normal((n, 3)).astype(np.float32))
target = torch.from_numpy(rng.standard_normal((n, 3)).astype(np.float32))
opt = torch.optim.Adam([main, off], lr=0.05)
for step in range(10):
    A = torch.diagflat(off, 1) + torch.diagflat(off, -1)
    A = A.diagonal_scatter(F.softplus(main))  # a positive diagonal
    A = A.select_scatter(torch.eye(n)[0], 0, 0)  # Dirichlet boundary: first row is e_0
    A = A.slice_scatter(torch.eye(n)[n - 1:], dim=0, start=n - 1)  # and the last is e_{n-1}
    loss = F.mse_loss(A @ u, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"loss tridiag {step} {loss.item():.6f} trace {A.trace().item():.6f}")
show("main.grad", main.grad)
show("off.grad", off.grad)
