"""Vision backbone idioms from Swin and ConvNeXt: window partition / reverse with view + permute, shifted windows
by torch.roll, the relative position bias table indexed by a meshgrid-built index buffer, an attention mask for
shifted windows by slice assignment, ConvNeXt's depthwise 7x7 conv, channels-last LayerNorm by permute,
layer-scale gamma, DropPath via x.new_empty().bernoulli_() and div, trunc_normal_ init, and MobileNet's
Hardswish / ReLU6 inverted residual with a squeeze-excitation AdaptiveAvgPool2d gate."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(41)


def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, c)


def window_reverse(windows, ws, h, w):
    b = int(windows.shape[0] / (h * w / ws / ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1)


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.heads, self.scale = ws, heads, (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) * (2 * ws - 1), heads))
        coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)], indexing="ij"))
        flat = torch.flatten(coords, 1)
        rel = (flat[:, :, None] - flat[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer("relative_position_index", rel.sum(-1))
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def forward(self, x, mask=None):
        b_, n, c = x.shape
        qkv = self.qkv(x).reshape(b_, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(n, n, -1)
        attn = attn + bias.permute(2, 0, 1).contiguous().unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(b_ // nw, nw, self.heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, n, n)
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b_, n, c))


def shift_mask(h, w, ws, shift):
    img_mask = torch.zeros((1, h, w, 1))
    cnt = 0
    for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
        for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
            img_mask[:, hs, wsl, :] = cnt
            cnt += 1
    mw = window_partition(img_mask, ws).view(-1, ws * ws)
    am = mw.unsqueeze(1) - mw.unsqueeze(2)
    return am.masked_fill(am != 0, float(-100.0)).masked_fill(am == 0, float(0.0))


def drop_path(x, p, training):
    if p == 0.0 or not training:
        return x
    keep = 1 - p
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    mask = x.new_empty(shape).bernoulli_(keep)
    return x * mask.div_(keep)


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim, dp=0.2):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(1e-1 * torch.ones(dim))
        self.dp = dp

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + drop_path(y.permute(0, 3, 1, 2), self.dp, self.training)


class InvertedResidual(nn.Module):
    def __init__(self, c, expand=3):
        super().__init__()
        h = c * expand
        self.block = nn.Sequential(nn.Conv2d(c, h, 1, bias=False), nn.BatchNorm2d(h), nn.Hardswish(),
                                   nn.Conv2d(h, h, 3, padding=1, groups=h, bias=False), nn.BatchNorm2d(h),
                                   nn.ReLU6(inplace=True))
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(h, 4, 1), nn.ReLU(), nn.Conv2d(4, h, 1),
                                nn.Hardsigmoid())
        self.proj = nn.Sequential(nn.Conv2d(h, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        h = self.block(x)
        return x + self.proj(h * self.se(h))


class Net(nn.Module):
    def __init__(self, dim=8, ws=2):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 2, 2)
        self.attn = WindowAttention(dim, ws, 2)
        self.cnx = ConvNeXtBlock(dim)
        self.mb = InvertedResidual(dim)
        self.head = nn.Linear(dim, 4)
        self.ws, self.shift = ws, ws // 2
        self.register_buffer("mask", shift_mask(4, 4, ws, ws // 2))

    def forward(self, x):
        x = self.stem(x)                                    # (b, c, 4, 4)
        b, c, h, w = x.shape
        t = x.permute(0, 2, 3, 1)
        shifted = torch.roll(t, shifts=(-self.shift, -self.shift), dims=(1, 2))
        win = window_partition(shifted, self.ws).view(-1, self.ws * self.ws, c)
        win = self.attn(win, self.mask).view(-1, self.ws, self.ws, c)
        t = t + torch.roll(window_reverse(win, self.ws, h, w), shifts=(self.shift, self.shift), dims=(1, 2))
        x = self.mb(self.cnx(t.permute(0, 3, 1, 2)))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


model = Net()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
xs = torch.randn(6, 3, 8, 8)
ys = torch.randint(0, 4, (6,))
losses = []
for step in range(4):
    loss = F.cross_entropy(model(xs), ys)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    out = model(xs)
print("RESULT " + json.dumps({"losses": losses, "out": out[0].tolist(), "mask": model.mask[1].tolist(),
                              "rpi": model.attn.relative_position_index.tolist(),
                              "bias_grad": model.attn.relative_position_bias_table.grad.abs().sum().item()}))
