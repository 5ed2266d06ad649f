"""A tiny DDPM: a linear beta schedule with cumprod, q_sample gathering alpha-bar at random timesteps, sinusoidal
time embeddings, a small conv U-Net block (GroupNorm, SiLU, Conv2d, downsample, F.interpolate upsample, skip cat),
the noise-prediction MSE loss, an EMA copy of the weights (copy.deepcopy + lerp_), and the ancestral sampler."""
import copy
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(6)
T = 20
betas = torch.linspace(1e-4, 0.2, T)
alphas = 1.0 - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
sqrt_recip_alphas = torch.sqrt(1.0 / alphas)
posterior_variance = betas * (1.0 - alphas_cumprod_prev) / (1.0 - alphas_cumprod)


def extract(a, t, x_shape):
    batch_size = t.shape[0]
    out = a.gather(-1, t.cpu())
    return out.reshape(batch_size, *((1,) * (len(x_shape) - 1))).to(t.device)


def q_sample(x_start, t, noise):
    return (extract(alphas_cumprod.sqrt(), t, x_start.shape) * x_start
            + extract((1.0 - alphas_cumprod).sqrt(), t, x_start.shape) * noise)


class SinusoidalPositionEmbeddings(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, time):
        half_dim = self.dim // 2
        embeddings = math.log(10000) / (half_dim - 1)
        embeddings = torch.exp(torch.arange(half_dim, device=time.device) * -embeddings)
        embeddings = time[:, None] * embeddings[None, :]
        return torch.cat((embeddings.sin(), embeddings.cos()), dim=-1)


class Block(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm1 = nn.GroupNorm(4, cout)
        self.time = nn.Linear(tdim, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(4, cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = F.silu(self.norm1(self.conv1(x)))
        h = h + self.time(temb)[:, :, None, None]
        h = F.silu(self.norm2(self.conv2(h)))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    def __init__(self, ch=8, tdim=16):
        super().__init__()
        self.time_mlp = nn.Sequential(SinusoidalPositionEmbeddings(tdim), nn.Linear(tdim, tdim), nn.GELU())
        self.down = Block(1, ch, tdim)
        self.pool = nn.Conv2d(ch, ch, 4, 2, 1)
        self.mid = Block(ch, ch, tdim)
        self.up = Block(2 * ch, ch, tdim)
        self.out = nn.Conv2d(ch, 1, 1)

    def forward(self, x, t):
        temb = self.time_mlp(t)
        h1 = self.down(x, temb)
        h = self.mid(self.pool(h1), temb)
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.up(torch.cat([h, h1], dim=1), temb)
        return self.out(h)


model = TinyUNet()
ema = copy.deepcopy(model).requires_grad_(False)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
data = torch.randn(16, 1, 8, 8).clamp(-1, 1)
losses = []
for step in range(6):
    x0 = data[torch.randperm(16)[:4]]
    t = torch.randint(0, T, (4,)).long()
    noise = torch.randn_like(x0)
    x_noisy = q_sample(x0, t, noise)
    loss = F.mse_loss(noise, model(x_noisy, t))   # smooth_l1 / huber are the other usual choices
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.lerp_(pm, 0.1)
    losses.append(loss.item())


@torch.no_grad()
def p_sample_loop(net, shape):
    img = torch.randn(shape)
    for i in reversed(range(0, T)):
        t = torch.full((shape[0],), i, dtype=torch.long)
        model_mean = extract(sqrt_recip_alphas, t, shape) * (
            img - extract(betas, t, shape) * net(img, t) / extract((1 - alphas_cumprod).sqrt(), t, shape))
        if i == 0:
            img = model_mean
        else:
            img = model_mean + torch.sqrt(extract(posterior_variance, t, shape)) * torch.randn_like(img)
    return img


samples = p_sample_loop(ema, (2, 1, 8, 8))
print("RESULT " + json.dumps({"schedule": [alphas_cumprod[[0, 9, 19]].tolist(), posterior_variance[:3].tolist()],
                              "losses": losses, "ema": ema.out.bias.tolist(),
                              "ema_grad": any(p.requires_grad for p in ema.parameters()),
                              "samples": [samples.mean().item(), samples.std().item(), samples[0, 0, 0].tolist()],
                              "huber": F.huber_loss(samples, torch.zeros_like(samples), delta=0.5).item()}))
