"""Continuous-control RL idioms: a SAC actor with Normal.rsample, tanh squashing and the log-prob correction
log(1 - tanh^2 + eps), twin Q critics with torch.min, a learnable temperature log_alpha, Polyak target updates with
p_targ.data.mul_(polyak).add_((1 - polyak) * p.data), and PPO's GAE loop, clipped ratio objective, value clipping
and minibatches from BatchSampler(SubsetRandomSampler)."""
import copy
import json
import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Independent, Normal, kl_divergence
from torch.utils.data.sampler import BatchSampler, SubsetRandomSampler

torch.manual_seed(43)
OBS, ACT = 3, 2


def mlp(i, o):
    return nn.Sequential(nn.Linear(i, 16), nn.ReLU(), nn.Linear(16, o))


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = mlp(OBS, 2 * ACT)

    def forward(self, obs, deterministic=False):
        mu, log_std = self.net(obs).chunk(2, dim=-1)
        std = torch.clamp(log_std, -20, 2).exp()
        dist = Normal(mu, std)
        u = mu if deterministic else dist.rsample()
        logp = dist.log_prob(u).sum(-1) - (2 * (torch.log(torch.tensor(2.0)) - u - F.softplus(-2 * u))).sum(-1)
        return torch.tanh(u), logp


actor = Actor()
q1, q2 = mlp(OBS + ACT, 1), mlp(OBS + ACT, 1)
q_targ = copy.deepcopy(nn.ModuleList([q1, q2]))
for p in q_targ.parameters():
    p.requires_grad = False
log_alpha = torch.zeros(1, requires_grad=True)
q_params = itertools.chain(q1.parameters(), q2.parameters())
opt_q = torch.optim.Adam(q_params, lr=1e-3)
opt_pi = torch.optim.Adam(actor.parameters(), lr=1e-3)
opt_a = torch.optim.Adam([log_alpha], lr=1e-3)
o, a, r, o2, d = torch.randn(16, OBS), torch.rand(16, ACT) * 2 - 1, torch.randn(16), torch.randn(16, OBS), \
    (torch.rand(16) < 0.1).float()
sac = []
for it in range(3):
    with torch.no_grad():
        a2, logp2 = actor(o2)
        x2 = torch.cat([o2, a2], -1)
        qt = torch.min(q_targ[0](x2), q_targ[1](x2)).squeeze(-1)
        backup = r + 0.99 * (1 - d) * (qt - log_alpha.exp() * logp2)
    x = torch.cat([o, a], -1)
    loss_q = F.mse_loss(q1(x).squeeze(-1), backup) + F.mse_loss(q2(x).squeeze(-1), backup)
    opt_q.zero_grad()
    loss_q.backward()
    opt_q.step()
    pi, logp = actor(o)
    xp = torch.cat([o, pi], -1)
    loss_pi = (log_alpha.exp().detach() * logp - torch.min(q1(xp), q2(xp)).squeeze(-1)).mean()
    opt_pi.zero_grad()
    loss_pi.backward()
    opt_pi.step()
    loss_a = -(log_alpha * (logp.detach() - ACT)).mean()
    opt_a.zero_grad()
    loss_a.backward()
    opt_a.step()
    with torch.no_grad():
        for p, p_t in zip(itertools.chain(q1.parameters(), q2.parameters()), q_targ.parameters()):
            p_t.data.mul_(0.995)
            p_t.data.add_((1 - 0.995) * p.data)
    sac.append([loss_q.item(), loss_pi.item(), log_alpha.item()])

# PPO with a diagonal Gaussian policy
policy = mlp(OBS, ACT)
log_std = nn.Parameter(-0.5 * torch.ones(ACT))
value = mlp(OBS, 1)
opt = torch.optim.Adam(list(policy.parameters()) + [log_std] + list(value.parameters()), lr=3e-4, eps=1e-5)
T = 12
obs = torch.randn(T, OBS)
with torch.no_grad():
    dist = Independent(Normal(policy(obs), log_std.exp()), 1)
    acts = dist.sample()
    old_logp = dist.log_prob(acts)
    vals = value(obs).squeeze(-1)
rews = torch.randn(T)
dones = torch.zeros(T)
dones[5] = 1
adv = torch.zeros(T)
last = 0.0
for t in reversed(range(T)):
    next_v = vals[t + 1] if t + 1 < T else 0.0
    nonterminal = 1.0 - dones[t]
    delta = rews[t] + 0.99 * next_v * nonterminal - vals[t]
    last = delta + 0.99 * 0.95 * nonterminal * last
    adv[t] = last
ret = adv + vals
adv = (adv - adv.mean()) / (adv.std() + 1e-8)
ppo = []
for epoch in range(2):
    for idx in BatchSampler(SubsetRandomSampler(range(T)), 4, drop_last=False):
        idx = torch.tensor(idx)
        new = Independent(Normal(policy(obs[idx]), log_std.exp()), 1)
        ratio = (new.log_prob(acts[idx]) - old_logp[idx]).exp()
        pg = -torch.min(ratio * adv[idx], torch.clamp(ratio, 0.8, 1.2) * adv[idx]).mean()
        v = value(obs[idx]).squeeze(-1)
        v_clip = vals[idx] + (v - vals[idx]).clamp(-0.2, 0.2)
        vf = 0.5 * torch.max((v - ret[idx]) ** 2, (v_clip - ret[idx]) ** 2).mean()
        loss = pg + 0.5 * vf - 0.01 * new.entropy().mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(opt.param_groups[0]["params"], 0.5)
        opt.step()
        ppo.append([loss.item(), ratio.mean().item()])
kl = kl_divergence(Normal(torch.zeros(2), torch.ones(2)), Normal(torch.ones(2), 2 * torch.ones(2)))
print("RESULT " + json.dumps({"sac": sac, "ppo": ppo, "adv": adv.tolist(), "kl": kl.tolist(),
                              "det": actor(o[:2], deterministic=True)[0].tolist()}))
