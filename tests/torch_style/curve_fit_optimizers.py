"""Fitting a 1-d curve with a small tanh MLP, the way an optimizer-comparison notebook does it: L-BFGS (in
float64) with a strong-Wolfe line search and a closure first, then Adamax (StepLR), Adadelta (ReduceLROnPlateau),
Rprop and ASGD (averaged parameters swapped in for evaluation), each from the same initial weights (a state_dict
round trip through torch.save/torch.load), printing every loss trajectory and the optimizers' own state.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
the data and the weights, so both frameworks print the same numbers."""
import copy
import importlib
import os
import tempfile

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional

rng = np.random.default_rng(3)
x_np = np.linspace(-2, 2, 64, dtype=np.float32)[:, None]
y_np = (np.sin(2.5 * x_np) + 0.3 * x_np ** 2 + 0.05 * rng.standard_normal(x_np.shape)).astype(np.float32)
x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
x_val = torch.linspace(-1.9, 1.9, 9).unsqueeze(1)


class CurveNet(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)


model = CurveNet()
with torch.no_grad():
    for p in model.parameters():
        fan_in = p.shape[1] if p.dim() == 2 else 1
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)).astype(np.float32)))

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "init.pt")
    torch.save(model.state_dict(), path)
    init_state = torch.load(path)
print("init", len(init_state), list(init_state.keys())[:2], f"{F.mse_loss(model(x), y).item():.6f}")


def fresh_model():
    m = CurveNet()
    m.load_state_dict(copy.deepcopy(init_state))
    return m


def report(name, m):
    m.eval()
    with torch.no_grad():
        pred = m(x_val).squeeze(1)
        full = F.mse_loss(m(x), y).item()
    m.train()
    print(f"fit {name} mse {full:.8f} pred", " ".join(f"{v:.6f}" for v in pred.tolist()))


# L-BFGS: the closure re-evaluates the loss and its gradient as often as the line search asks. In float64, as
# curve fitting usually is: its quasi-Newton steps amplify float32 rounding from one iteration to the next
model = fresh_model().double()
x64, y64 = x.double(), y.double()
optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=10, history_size=10,
                              line_search_fn="strong_wolfe")
calls = [0]


def closure():
    optimizer.zero_grad()
    loss = F.mse_loss(model(x64), y64)
    loss.backward()
    calls[0] += 1
    return loss


for step in range(4):
    loss = optimizer.step(closure)
    state = optimizer.state_dict()["state"][0]
    print(f"loss lbfgs {step} {loss.item():.8f} evals {state['func_evals']} iters {state['n_iter']} "
          f"closure_calls {calls[0]}")
print("lbfgs_dtype", next(model.parameters()).dtype == torch.float64, loss.dtype == torch.float64)
report("lbfgs", model.float())


def train(name, make_optimizer, make_scheduler=None, epochs=12, log_every=1):
    torch.manual_seed(0)
    model = fresh_model()
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    for epoch in range(epochs):
        for i in range(0, 64, 16):  # four mini-batches of neighbouring points, in a fixed order
            idx = torch.arange(i, 64, 4)
            loss = F.mse_loss(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            full = F.mse_loss(model(x), y)
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(full)
        elif scheduler is not None:
            scheduler.step()
        if epoch % log_every == 0 or epoch == epochs - 1:
            print(f"loss {name} {epoch} {loss.item():.6f} full {full.item():.6f} "
                  f"lr {optimizer.param_groups[0]['lr']:.6f}")
    return model, optimizer


model, opt = train("adamax", lambda ps: torch.optim.Adamax(ps, lr=0.05, betas=(0.9, 0.99)),
                   lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5), log_every=2)
st = opt.state_dict()["state"][0]
print("adamax_state", sorted(st.keys()), f"{st['exp_inf'].abs().sum().item():.6f}", f"{float(st['step']):.0f}")
report("adamax", model)

model, opt = train("adadelta", lambda ps: torch.optim.Adadelta(ps, lr=1.0, rho=0.9, weight_decay=1e-4),
                   lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=1,
                                                                        threshold=0.15), log_every=2)
st = opt.state_dict()["state"][0]
print("adadelta_state", sorted(st.keys()), f"{st['acc_delta'].sum().item():.8f}")
report("adadelta", model)

# Rprop is a full-batch method: only the gradient's sign matters, so train it on all 64 points per step
model = fresh_model()
optimizer = torch.optim.Rprop(model.parameters(), lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 1.0))
for step in range(30):
    loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 3 == 0:
        print(f"loss rprop {step} {loss.item():.6f}")
st = optimizer.state_dict()["state"][0]
print("rprop_state", sorted(st.keys()), f"{st['step_size'].sum().item():.6f}")
report("rprop", model)

# ASGD: after t0 steps it keeps a running average ax of each parameter, which is what one evaluates
model, opt = train("asgd", lambda ps: torch.optim.ASGD(ps, lr=0.05, lambd=1e-4, alpha=0.75, t0=20),
                   epochs=10, log_every=3)
report("asgd_last", model)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(opt.state[p]["ax"])
st = opt.state_dict()["state"][0]
print("asgd_state", sorted(st.keys()), f"{float(st['eta']):.6f}", f"{float(st['mu']):.6f}")
report("asgd_avg", model)
