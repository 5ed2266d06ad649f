"""torch.linalg in a classic numerics notebook: least squares by lstsq, the normal equations (cholesky +
cholesky_solve) and pinv; PCA by SVD of centred data and by eigh of the covariance; ZCA whitening; QR; a
ridge regression solved with linalg.solve; matrix norms, slogdet and the condition number."""
import json

import torch

torch.manual_seed(12)
n, d = 60, 4
A = torch.randn(n, d)
w_true = torch.tensor([1.5, -2.0, 0.5, 3.0])
b = A @ w_true + 0.1 * torch.randn(n)
result = {}


def r(t, k=4):
    return [round(v, k) for v in t.flatten().tolist()]


sol = torch.linalg.lstsq(A, b.unsqueeze(1)).solution.squeeze(1)
L = torch.linalg.cholesky(A.T @ A)
w_ne = torch.cholesky_solve((A.T @ b).unsqueeze(1), L).squeeze(1)
w_pinv = torch.linalg.pinv(A) @ b
lam = 0.5
w_ridge = torch.linalg.solve(A.T @ A + lam * torch.eye(d), A.T @ b)
result["lstsq"] = [r(sol), torch.allclose(sol, w_ne, atol=1e-4), torch.allclose(sol, w_pinv, atol=1e-4),
                   r(w_ridge), (A @ sol - b).pow(2).mean().item()]

# PCA on correlated 3-d data
Z = torch.randn(200, 3) @ torch.tensor([[2.0, 0.0, 0.0], [1.2, 0.5, 0.0], [0.3, -0.4, 0.2]])
Xc = Z - Z.mean(0, keepdim=True)
U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
explained = S ** 2 / (S ** 2).sum()
cov = Xc.T @ Xc / (len(Xc) - 1)
evals, evecs = torch.linalg.eigh(cov)
proj = Xc @ Vh[:2].T
sign_fix = torch.sign(Vh[0, 0]) * torch.sign(evecs[0, -1])
result["pca"] = [r(explained), r(evals.flip(0)), r(S ** 2 / (len(Xc) - 1)),
                 torch.allclose(Vh[0] * sign_fix, evecs[:, -1], atol=1e-4), list(proj.shape),
                 r(proj.var(0))]

# ZCA whitening: the covariance of the whitened data is the identity
W_zca = evecs @ torch.diag(1.0 / torch.sqrt(evals + 1e-5)) @ evecs.T
Xw = Xc @ W_zca
cov_w = Xw.T @ Xw / (len(Xw) - 1)
result["zca"] = [torch.allclose(cov_w, torch.eye(3), atol=1e-3), r(torch.diag(cov_w), 3)]

Q, R = torch.linalg.qr(A)
sign, logabsdet = torch.linalg.slogdet(A.T @ A)
result["misc"] = [torch.allclose(Q @ R, A, atol=1e-5), torch.allclose(Q.T @ Q, torch.eye(d), atol=1e-5),
                  sign.item(), round(logabsdet.item(), 3), round(torch.linalg.cond(A).item(), 3),
                  round(torch.linalg.matrix_norm(A, ord="fro").item(), 3),
                  round(torch.linalg.matrix_norm(A, ord=2).item(), 3),
                  round(torch.linalg.vector_norm(b, ord=1).item(), 3), torch.linalg.matrix_rank(A).item(),
                  round(torch.det(cov).item(), 4)]
print("RESULT " + json.dumps(result))
