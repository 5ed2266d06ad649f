"""CIFAR-style CNN: Conv2d + BatchNorm + MaxPool + Dropout, label smoothing, nesterov SGD with weight decay, StepLR."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(4)
X = torch.rand(96, 3, 16, 16) * 2 - 1
Y = torch.randint(0, 10, (96,))
trainloader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True, num_workers=0, drop_last=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2, 2)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


net = Net()
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
epoch_losses, lrs = [], []
for epoch in range(3):
    running_loss = 0.0
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    scheduler.step()
    epoch_losses.append(running_loss / len(trainloader))
    lrs.append(scheduler.get_last_lr()[0])

net.eval()
with torch.no_grad():
    _, predicted = torch.max(net(X[:32]).data, 1)
print("RESULT", json.dumps({
    "epoch_losses": epoch_losses, "lrs": lrs, "predicted": predicted.tolist(),
    "running_mean": net.bn1.running_mean[:4].tolist(), "num_batches_tracked": net.bn1.num_batches_tracked.item(),
    "n_params": sum(p.numel() for p in net.parameters() if p.requires_grad),
}))
