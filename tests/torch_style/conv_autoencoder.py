"""A tiny convolutional autoencoder on synthetic 16x16 shapes, as in the image-reconstruction tutorials: a strided
Conv2d + InstanceNorm2d encoder down to 4x4, and a decoder that goes up with ConvTranspose2d and then splits
into a sub-pixel branch (Conv2d + PixelShuffle) and a bilinear nn.Upsample branch, concatenated before the output
conv. Adam under CosineAnnealingLR on an MSE loss, a state_dict round trip through a temp file, and evaluation
in eval mode under no_grad, with F.interpolate thumbnails of the reconstructions.

Written purely against PyTorch's API; FRAMEWORK=teenygrad runs the same file on teenygrad. Seeded numpy makes
the images and the weights, so both frameworks print the same numbers."""
import importlib
import os
import tempfile

import numpy as np

torch = importlib.import_module(os.environ.get("FRAMEWORK", "torch"))
nn = torch.nn
F = torch.nn.functional

rng = np.random.default_rng(2024)


def make_images(n, size=16):
    """Squares, discs and bars at random places, with a little noise: (n, 1, size, size) in [0, 1]."""
    yy, xx = np.mgrid[0:size, 0:size]
    imgs = np.zeros((n, 1, size, size), np.float32)
    for i in range(n):
        cy, cx = rng.integers(4, size - 4, 2)
        r = rng.integers(2, 5)
        kind = i % 3
        if kind == 0:
            mask = (abs(yy - cy) <= r) & (abs(xx - cx) <= r)
        elif kind == 1:
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        else:
            mask = abs(xx - cx) <= 1
        imgs[i, 0] = mask * rng.uniform(0.6, 1.0) + rng.uniform(0, 0.1, (size, size))
    return imgs


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1, bias=False),  # (b, 8, 8, 8); the norm would cancel a bias
            nn.InstanceNorm2d(8, affine=True),
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False),  # (b, 16, 4, 4)
            nn.InstanceNorm2d(16),
            nn.LeakyReLU(0.1),
        )
        self.deconv = nn.ConvTranspose2d(16, 8, kernel_size=4, stride=2, padding=1)  # (b, 8, 8, 8)
        self.subpixel = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.PixelShuffle(2))  # (b, 4, 16, 16)
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)  # (b, 8, 16, 16)
        self.out = nn.Conv2d(12, 1, 3, padding=1)

    def forward(self, x):
        u = F.relu(self.deconv(self.encoder(x)))
        return torch.sigmoid(self.out(torch.cat([self.subpixel(u), self.upsample(u)], dim=1)))


def init_weights(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 4:
                fan_in = p.shape[1] * p.shape[2] * p.shape[3]
                p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)).astype(np.float32)))
            elif name.startswith("encoder.1"):  # InstanceNorm's affine weight and bias
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            else:
                p.copy_(torch.from_numpy((rng.standard_normal(tuple(p.shape)) * 0.05).astype(np.float32)))


train_x = torch.from_numpy(make_images(12))
test_x = torch.from_numpy(make_images(6))
print("images", tuple(train_x.shape), f"{train_x.mean().item():.6f}", f"{test_x.sum().item():.4f}")

model = AutoEncoder()
init_weights(model)
print("params", sum(p.numel() for p in model.parameters()), [n for n, _ in model.named_parameters()][-4:])
with torch.no_grad():
    probe = model.encoder(train_x[:2])
    print("code", tuple(probe.shape), f"{probe.mean().item():.6f}", f"{probe.std().item():.6f}")

epochs = 18
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=1e-3)
criterion = nn.MSELoss()


def evaluate(model, tag):
    model.eval()
    with torch.no_grad():
        recon = model(test_x)
        per_image = ((recon - test_x) ** 2).mean(dim=(1, 2, 3))
        thumb = F.interpolate(recon, size=(4, 4), mode="bilinear", align_corners=True)
        nearest = F.interpolate(recon, scale_factor=0.5, mode="nearest")
    print(f"eval {tag} {per_image.mean().item():.6f}", " ".join(f"{v:.6f}" for v in per_image.tolist()))
    print(f"thumb {tag}", tuple(thumb.shape), " ".join(f"{v:.6f}" for v in thumb[0, 0].reshape(-1).tolist()[:8]),
          tuple(nearest.shape), f"{nearest.sum().item():.5f}", "training", model.training)
    model.train()


evaluate(model, "init")
for epoch in range(epochs):
    for i in range(0, 12, 6):  # two mini-batches of six images
        xb = train_x[i:i + 6]
        loss = criterion(model(xb), xb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
    print(f"loss {epoch} {loss.item():.6f} lr {scheduler.get_last_lr()[0]:.6f} "
          f"deconv_grad {model.deconv.weight.grad.abs().sum().item():.6f} "
          f"norm_w {model.encoder[1].weight.sum().item():.6f}")
    if epoch % 6 == 5:
        evaluate(model, f"epoch{epoch}")

with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "autoencoder.pt")
    torch.save(model.state_dict(), path)
    state = torch.load(path)
print("state_dict", len(state), tuple(state["deconv.weight"].shape), tuple(state["subpixel.0.weight"].shape),
      "encoder.4.weight" in state)
restored = AutoEncoder()
restored.load_state_dict(state)
evaluate(restored, "restored")
