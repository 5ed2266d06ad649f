"""PyTorch quickstart: an MLP classifier trained with DataLoader, tested, saved and reloaded via state_dict."""
import json
import os
import tempfile

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(256, 28, 28)
Y = torch.randint(0, 10, (256,))
train_dl = DataLoader(TensorDataset(X[:192], Y[:192]), batch_size=32, shuffle=True)
test_dl = DataLoader(TensorDataset(X[192:], Y[192:]), batch_size=32)
device = "cuda" if torch.cuda.is_available() else "cpu"


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def train_loop(dataloader, model, loss_fn, optimizer):
    model.train()
    losses = []
    for X, y in dataloader:
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def test_loop(dataloader, model, loss_fn):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / len(dataloader), correct / len(dataloader.dataset)


model = NeuralNetwork().to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
train_losses = []
for epoch in range(2):
    train_losses += train_loop(train_dl, model, loss_fn, optimizer)
test_loss, accuracy = test_loop(test_dl, model, loss_fn)

path = os.path.join(tempfile.mkdtemp(), "model.pth")
torch.save(model.state_dict(), path)
model2 = NeuralNetwork().to(device)
model2.load_state_dict(torch.load(path, weights_only=True))
model2.eval()
with torch.no_grad():
    pred = model2(X[:4])
    same = torch.allclose(pred, model(X[:4]))

print("RESULT", json.dumps({
    "train_losses": train_losses[::3], "test_loss": test_loss, "accuracy": accuracy,
    "predicted": pred.argmax(1).tolist(), "reloaded_matches": same,
    "state_dict": {k: list(v.shape) for k, v in model2.state_dict().items()},
}))
