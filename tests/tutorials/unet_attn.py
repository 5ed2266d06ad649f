"""A small diffusion U-Net in the style of the annotated-diffusion code: ResNet blocks with GroupNorm + SiLU and a
time MLP giving scale/shift, a Downsample by pixel-unshuffle style rearrange + 1x1 conv, an Upsample by nearest
F.interpolate and by ConvTranspose2d, self-attention over h*w with einsum, skip connections by torch.cat(dim=1),
cosine beta schedule, v-prediction target, and a DDIM-like deterministic step."""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)


def cosine_beta_schedule(T, s=0.008):
    x = torch.linspace(0, T, T + 1, dtype=torch.float64)
    ac = torch.cos(((x / T) + s) / (1 + s) * math.pi * 0.5) ** 2
    ac = ac / ac[0]
    return torch.clip(1 - (ac[1:] / ac[:-1]), 0.0001, 0.9999).float()


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.mlp = nn.Sequential(nn.SiLU(), nn.Linear(tdim, cout * 2))
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.n1 = nn.GroupNorm(2, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.n2 = nn.GroupNorm(2, cout)
        self.res = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t):
        scale, shift = self.mlp(t)[:, :, None, None].chunk(2, dim=1)
        h = self.n1(self.c1(x)) * (scale + 1) + shift
        h = self.n2(self.c2(F.silu(h)))
        return F.silu(h) + self.res(x)


class Attention(nn.Module):
    def __init__(self, dim, heads=2, dh=4):
        super().__init__()
        self.heads, self.scale = heads, dh ** -0.5
        self.norm = nn.GroupNorm(1, dim)
        self.qkv = nn.Conv2d(dim, heads * dh * 3, 1, bias=False)
        self.out = nn.Conv2d(heads * dh, dim, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=1)
        q, k, v = (z.reshape(b, self.heads, -1, h * w) for z in (q, k, v))
        sim = torch.einsum("bhdi,bhdj->bhij", q * self.scale, k)
        sim = sim - sim.amax(dim=-1, keepdim=True).detach()
        attn = sim.softmax(dim=-1)
        out = torch.einsum("bhij,bhdj->bhid", attn, v)
        out = out.permute(0, 1, 3, 2).reshape(b, -1, h, w)
        return self.out(out) + x


class Downsample(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin * 4, cout, 1)

    def forward(self, x):
        return self.conv(F.pixel_unshuffle(x, 2))


class UNet(nn.Module):
    def __init__(self, ch=4, tdim=8):
        super().__init__()
        self.tdim = tdim
        self.tmlp = nn.Sequential(nn.Linear(tdim, tdim * 2), nn.GELU(), nn.Linear(tdim * 2, tdim))
        self.init = nn.Conv2d(1, ch, 7, padding=3)
        self.d1 = ResBlock(ch, ch, tdim)
        self.down = Downsample(ch, 2 * ch)
        self.mid = ResBlock(2 * ch, 2 * ch, tdim)
        self.attn = Attention(2 * ch)
        self.up_t = nn.ConvTranspose2d(2 * ch, ch, 2, stride=2)
        self.up_i = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2 * ch, ch, 3, padding=1))
        self.u1 = ResBlock(3 * ch, ch, tdim)
        self.final = nn.Conv2d(ch, 1, 1)

    def temb(self, t):
        half = self.tdim // 2
        f = torch.exp(torch.arange(half) * -(math.log(10000) / (half - 1)))
        a = t[:, None].float() * f[None]
        return self.tmlp(torch.cat([a.sin(), a.cos()], dim=-1))

    def forward(self, x, t):
        te = self.temb(t)
        x = self.init(x)
        h1 = self.d1(x, te)
        h = self.attn(self.mid(self.down(h1), te))
        h = torch.cat([self.up_t(h), self.up_i(h), h1], dim=1)
        return self.final(self.u1(h, te))


T = 10
betas = cosine_beta_schedule(T)
ac = torch.cumprod(1 - betas, 0)
model = UNet()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
data = torch.randn(6, 1, 8, 8).tanh()
losses = []
for step in range(4):
    t = torch.randint(0, T, (3,))
    x0 = data[torch.randperm(6)[:3]]
    eps = torch.randn_like(x0)
    a = ac[t].view(-1, 1, 1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    v_target = a.sqrt() * eps - (1 - a).sqrt() * x0
    loss = F.mse_loss(model(xt, t), v_target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    x = torch.randn(2, 1, 8, 8)
    for i in reversed(range(1, T)):
        t = torch.full((2,), i, dtype=torch.long)
        v = model(x, t)
        x0 = ac[i].sqrt() * x - (1 - ac[i]).sqrt() * v
        e = (1 - ac[i]).sqrt() * x + ac[i].sqrt() * v
        x = ac[i - 1].sqrt() * x0.clamp(-1, 1) + (1 - ac[i - 1]).sqrt() * e
print("RESULT " + json.dumps({"betas": betas[[0, 5, 9]].tolist(), "losses": losses, "x": [x.mean().item(),
                              x.std().item()], "x00": x[0, 0, 0].tolist(), "dtype": betas.dtype == torch.float32}))
