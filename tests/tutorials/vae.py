"""Variational autoencoder on binary 28x28 images: reparameterization trick, BCE + KL loss, sampling, and the KL
computed again with torch.distributions."""
import json

import torch
from torch import nn, optim
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(6)
images = (torch.rand(128, 1, 28, 28) > 0.7).float()
loader = DataLoader(TensorDataset(images, torch.zeros(128)), batch_size=32, shuffle=True)


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 100)
        self.fc21 = nn.Linear(100, 10)
        self.fc22 = nn.Linear(100, 10)
        self.fc3 = nn.Linear(10, 100)
        self.fc4 = nn.Linear(100, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


model = VAE()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
epoch_losses = []
for epoch in range(3):
    model.train()
    train_loss = 0
    for data, _ in loader:
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    epoch_losses.append(train_loss / len(loader.dataset))

with torch.no_grad():
    sample = model.decode(torch.randn(8, 10)).cpu()
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    kl = torch.distributions.kl_divergence(q, p).sum(-1).mean().item()
    kl_closed_form = (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), -1)).mean().item()
print("RESULT", json.dumps({"epoch_losses": epoch_losses, "sample_shape": list(sample.view(8, 1, 28, 28).shape),
                            "sample_mean": sample.mean().item(), "kl": kl, "kl_closed_form": kl_closed_form}))
