"""einsum-heavy code: multi-head attention written only with einsum (b h i d, b h j d -> b h i j), bilinear
forms, batched outer/trace/diagonal, ellipsis broadcasting, a three-operand contraction, a tensor-train style
chain, and gradients through each one, compared to the matmul spelling."""
import json

import torch


def r(t):
    return [round(x, 5) for x in t.flatten().tolist()]


torch.manual_seed(4)
out = {}
b, h, t, d = 2, 3, 4, 5
x = torch.randn(b, t, h * d, requires_grad=True)
Wq, Wk, Wv = (torch.randn(h * d, h, d, requires_grad=True) for _ in range(3))
q = torch.einsum("btc,chd->bhtd", x, Wq)
k = torch.einsum("btc,chd->bhtd", x, Wk)
v = torch.einsum("btc,chd->bhtd", x, Wv)
att = torch.einsum("bhid,bhjd->bhij", q, k) / d ** 0.5
att = att.masked_fill(torch.ones(t, t).tril() == 0, float("-inf")).softmax(dim=-1)
y = torch.einsum("bhij,bhjd->bihd", att, v).reshape(b, t, h * d)
ref = (att @ v).transpose(1, 2).reshape(b, t, h * d)
out["attn"] = [list(y.shape), torch.allclose(y, ref, atol=1e-5), r(y[0, -1, :4])]
y.pow(2).mean().backward()
out["attn_grads"] = [x.grad.abs().sum().item(), Wq.grad.abs().sum().item(), Wv.grad.sum().item()]

A = torch.randn(3, 4, 4, requires_grad=True)
u, w = torch.randn(3, 4), torch.randn(3, 4)
M = torch.randn(6, 4, 4)
out["trace"] = r(torch.einsum("bii->b", A))
out["diag"] = r(torch.einsum("bii->bi", A))
out["outer"] = list(torch.einsum("bi,bj->bij", u, w).shape)
out["bilinear"] = r(torch.einsum("bi,bij,bj->b", u, A, w))
out["bilinear_ref"] = r((u.unsqueeze(1) @ A @ w.unsqueeze(2)).flatten())
out["ellipsis"] = list(torch.einsum("...ij,...jk->...ik", A, A).shape)
out["transpose"] = torch.equal(torch.einsum("ij->ji", M[0]), M[0].T)
out["sum_all"] = round(torch.einsum("bij->", A).item(), 4)
out["bilinear_module"] = r(torch.einsum("bi,oij,bj->bo", u, M, w))
torch.einsum("bi,bij,bj->b", u, A, w).sum().backward()
out["A_grad"] = r(A.grad[0])

# tensor-train / MPS contraction of 4 cores
cores = [torch.randn(1, 2, 3), torch.randn(3, 2, 3), torch.randn(3, 2, 3), torch.randn(3, 2, 1)]
full = torch.einsum("aib,bjc,ckd,dle->ijkl", *cores)
out["tt"] = [list(full.shape), round(full.norm().item(), 4)]
# list-of-operands spelling and sublist format
out["list_form"] = torch.allclose(torch.einsum("ij,jk->ik", [M[0], M[1]]), M[0] @ M[1])
out["sublist"] = torch.allclose(torch.einsum(M[0], [0, 1], M[1], [1, 2], [0, 2]), M[0] @ M[1])
out["bmm"] = torch.allclose(torch.einsum("nij,njk->nik", M, M), torch.bmm(M, M), atol=1e-5)
print("RESULT " + json.dumps(out))
