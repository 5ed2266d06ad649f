"""A small classifier trained from a DataLoader: two interleaved spirals, an nn.Sequential MLP, SGD with
Nesterov momentum under OneCycleLR, mid-training checkpoint of model + optimizer + scheduler, evaluation.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
the data, the weights and the shuffling order (a Sampler subclass), so both frameworks print the same numbers."""
import importlib
import os
import tempfile

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional
DataLoader = torch.utils.data.DataLoader
TensorDataset = torch.utils.data.TensorDataset

rng = np.random.default_rng(0)


def spirals(n_per_class, classes=3):
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        t = np.linspace(c * 4, (c + 1) * 4, n_per_class) + rng.standard_normal(n_per_class) * 0.2
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64)


X, Y = spirals(200)
dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
train_set, val_set = torch.utils.data.Subset(dataset, list(range(0, 600, 4)) + list(range(1, 600, 4)) +
                                             list(range(2, 600, 4))), \
    torch.utils.data.Subset(dataset, list(range(3, 600, 4)))


class NumpyShuffle(torch.utils.data.Sampler):
    """Reshuffles every epoch with numpy, so both frameworks see the same order."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(rng.permutation(self.n).tolist())

    def __len__(self):
        return self.n


train_loader = DataLoader(train_set, batch_size=32, sampler=NumpyShuffle(len(train_set)), drop_last=False)
val_loader = DataLoader(val_set, batch_size=64, shuffle=False)
print("batches", len(train_loader), len(val_loader))

model = nn.Sequential(
    nn.Linear(2, 64),
    nn.ReLU(),
    nn.Dropout(p=0.0),
    nn.Linear(64, 64),
    nn.Tanh(),
    nn.Linear(64, 3),
)
with torch.no_grad():
    for name, p in model.named_parameters():
        scale = 1.0 / np.sqrt(p.shape[1]) if p.dim() == 2 else 0.01  # weights (out, in): 1/sqrt(fan_in)
        p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * scale).astype(np.float32)))

epochs = 6
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, epochs=epochs,
                                                steps_per_epoch=len(train_loader))


def evaluate():
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            logits = model(xb)
            loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(dim=1) == yb).sum().item()
            total += yb.shape[0]
    model.train()
    return loss_sum / total, correct / total


checkpoint = None
for epoch in range(epochs):
    for step, (xb, yb) in enumerate(train_loader):
        logits = model(xb)
        loss = criterion(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step % 2 == 0:
            print(f"loss {epoch} {step} {loss.item():.6f} lr {scheduler.get_last_lr()[0]:.8f}")
    val_loss, acc = evaluate()
    print(f"val {epoch} {val_loss:.6f} acc {acc:.4f}")
    if epoch == 2:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "ckpt.pt")
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
            checkpoint = torch.load(path)
        checkpoint["scheduler"] = scheduler.state_dict()
        checkpoint["rng"] = rng.bit_generator.state

# resume from the epoch-2 checkpoint in fresh objects and replay the last epochs: the same numbers again
model.load_state_dict(checkpoint["model"])
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.2, epochs=epochs,
                                                steps_per_epoch=len(train_loader))
optimizer.load_state_dict(checkpoint["optimizer"])  # after building the scheduler, which resets the lr
scheduler.load_state_dict(checkpoint["scheduler"])
rng.bit_generator.state = checkpoint["rng"]
for epoch in range(3, epochs):
    for xb, yb in train_loader:
        loss = criterion(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    val_loss, acc = evaluate()
    print(f"resumed_val {epoch} {val_loss:.6f} acc {acc:.4f}")
