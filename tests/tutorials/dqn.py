"""DQN and actor-critic on a toy corridor environment written here: a deque replay buffer sampled with random,
epsilon-greedy actions from torch.rand, gather on the taken actions, smooth_l1 loss, a target network from
copy.deepcopy kept in sync by load_state_dict, and an advantage actor-critic with Categorical log_prob/entropy."""
import copy
import json
import random
from collections import deque

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical

torch.manual_seed(2)
random.seed(2)
N = 5


class Corridor:
    def reset(self):
        self.pos = 0
        return self.obs()

    def obs(self):
        return F.one_hot(torch.tensor(self.pos), N).float()

    def step(self, a):
        self.pos = max(0, min(N - 1, self.pos + (1 if a == 1 else -1)))
        done = self.pos == N - 1
        return self.obs(), (1.0 if done else -0.1), done


env = Corridor()
q = nn.Sequential(nn.Linear(N, 16), nn.ReLU(), nn.Linear(16, 2))
target = copy.deepcopy(q)
opt = torch.optim.Adam(q.parameters(), lr=1e-2)
buffer = deque(maxlen=200)
gamma, eps = 0.9, 0.5
losses, actions = [], []
s = env.reset()
for t in range(60):
    if torch.rand(1).item() < eps:
        a = torch.randint(0, 2, (1,)).item()
    else:
        with torch.no_grad():
            a = q(s.unsqueeze(0)).argmax(dim=1).item()
    actions.append(a)
    s2, r, done = env.step(a)
    buffer.append((s, a, r, s2, done))
    s = env.reset() if done else s2
    if len(buffer) >= 16:
        batch = random.sample(buffer, 8)
        st, at, rt, s2t, dt = zip(*batch)
        st, s2t = torch.stack(st), torch.stack(s2t)
        at = torch.tensor(at, dtype=torch.int64).unsqueeze(1)
        rt = torch.tensor(rt, dtype=torch.float32)
        dt = torch.tensor(dt, dtype=torch.float32)
        qsa = q(st).gather(1, at).squeeze(1)
        with torch.no_grad():
            tgt = rt + gamma * target(s2t).max(1)[0] * (1 - dt)
        loss = F.smooth_l1_loss(qsa, tgt)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(q.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    if t % 20 == 0:
        target.load_state_dict(q.state_dict())
    eps = max(0.05, eps * 0.97)


class ActorCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(N, 16), nn.Tanh())
        self.pi = nn.Linear(16, 2)
        self.v = nn.Linear(16, 1)

    def forward(self, x):
        h = self.body(x)
        return Categorical(logits=self.pi(h)), self.v(h).squeeze(-1)


ac = ActorCritic()
opt2 = torch.optim.RMSprop(ac.parameters(), lr=5e-3)
ac_losses, ents = [], []
for ep in range(3):
    s = env.reset()
    logps, vals, rews, entropies = [], [], [], []
    for t in range(8):
        dist, v = ac(s)
        a = dist.sample()
        s, r, done = env.step(a.item())
        logps.append(dist.log_prob(a))
        entropies.append(dist.entropy())
        vals.append(v)
        rews.append(r)
        if done:
            break
    R, rets = 0.0, []
    for r in reversed(rews):
        R = r + gamma * R
        rets.insert(0, R)
    rets = torch.tensor(rets)
    vals, logps, ent = torch.stack(vals), torch.stack(logps), torch.stack(entropies).mean()
    adv = rets - vals.detach()
    loss = -(logps * adv).mean() + 0.5 * F.mse_loss(vals, rets) - 0.01 * ent
    opt2.zero_grad()
    loss.backward()
    opt2.step()
    ac_losses.append(loss.item())
    ents.append(ent.item())
with torch.no_grad():
    qtab = q(torch.eye(N))
print("RESULT " + json.dumps({"losses": losses[::5], "actions": actions, "q": qtab.tolist(),
                              "ac": ac_losses, "ent": ents, "eps": eps}))
