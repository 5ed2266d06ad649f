"""Reinforcement-learning idioms on a toy chain environment: REINFORCE with a Categorical policy (sample, log_prob,
entropy), discounted returns normalised with eps, an actor-critic PPO update with a Normal policy (clamped ratio,
smooth_l1 value loss, advantage normalisation), and a DQN step with a target network, gather on actions and
epsilon-greedy action choice."""
import copy
import json
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, Normal

torch.manual_seed(12)
random.seed(12)
eps = torch.finfo(torch.float32).eps


class Chain:
    """5 states in a row; action 1 moves right, 0 left; reward 1 at the right end."""
    def reset(self):
        self.s = 0
        return self.obs()

    def obs(self):
        return F.one_hot(torch.tensor(self.s), 5).float()

    def step(self, a):
        self.s = max(0, min(4, self.s + (1 if a == 1 else -1)))
        done = self.s == 4
        return self.obs(), float(done), done


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(5, 16)
        self.dropout = nn.Dropout(p=0.2)
        self.affine2 = nn.Linear(16, 2)
        self.saved_log_probs, self.rewards = [], []

    def forward(self, x):
        return F.softmax(self.affine2(F.relu(self.dropout(self.affine1(x)))), dim=1)


env, policy = Chain(), Policy()
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-2)
gamma, episode_lengths, entropies = 0.9, [], []
for i_episode in range(4):
    state = env.reset()
    for t in range(12):
        probs = policy(state.unsqueeze(0))
        m = Categorical(probs)
        action = m.sample()
        policy.saved_log_probs.append(m.log_prob(action))
        entropies.append(m.entropy().item())
        state, reward, done = env.step(action.item())
        policy.rewards.append(reward)
        if done:
            break
    R, returns = 0, []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    policy_loss = torch.cat([-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns)]).sum()
    optimizer.zero_grad()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    episode_lengths.append(t + 1)
result = {"reinforce": [episode_lengths, entropies[:5], policy_loss.item()]}

# PPO with a Gaussian policy on random rollouts
actor = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))
critic = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
log_std = nn.Parameter(torch.zeros(2) - 0.5)
opt = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()) + [log_std], lr=3e-3, eps=1e-5)
obs = torch.randn(32, 3)
with torch.no_grad():
    dist = Normal(actor(obs), log_std.exp())
    actions = dist.sample()
    old_logp = dist.log_prob(actions).sum(-1)
    values = critic(obs).squeeze(-1)
rewards = -(actions - obs[:, :2]).pow(2).sum(-1)
adv = rewards - values
adv = (adv - adv.mean()) / (adv.std() + 1e-8)
ppo = []
for epoch in range(3):
    for idx in torch.randperm(32).split(16):
        dist = Normal(actor(obs[idx]), log_std.exp())
        logp = dist.log_prob(actions[idx]).sum(-1)
        ratio = torch.exp(logp - old_logp[idx])
        surr1 = ratio * adv[idx]
        surr2 = torch.clamp(ratio, 0.8, 1.2) * adv[idx]
        actor_loss = -torch.min(surr1, surr2).mean()
        critic_loss = F.smooth_l1_loss(critic(obs[idx]).squeeze(-1), rewards[idx])
        entropy = dist.entropy().sum(-1).mean()
        loss = actor_loss + 0.5 * critic_loss - 0.01 * entropy
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(list(actor.parameters()) + list(critic.parameters()), 0.5)
        opt.step()
        ppo.append([actor_loss.item(), critic_loss.item(), ((ratio - 1).abs() > 0.2).float().mean().item()])
result["ppo"] = [ppo, log_std.tolist()]

# DQN
q_net = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
target_net = copy.deepcopy(q_net)
target_net.load_state_dict(q_net.state_dict())
opt = torch.optim.RMSprop(q_net.parameters(), lr=1e-3)
memory = []
state = env.reset()
for step in range(20):
    if random.random() > 0.3:
        with torch.no_grad():
            action = q_net(state.unsqueeze(0)).max(1).indices.view(1, 1)
    else:
        action = torch.tensor([[random.randrange(2)]], dtype=torch.long)
    nxt, reward, done = env.step(action.item())
    memory.append((state, action, None if done else nxt, torch.tensor([reward])))
    state = env.reset() if done else nxt
batch = random.sample(memory, 8)
states, acts, next_states, rews = zip(*batch)
non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, next_states)), dtype=torch.bool)
non_final_next_states = torch.stack([s for s in next_states if s is not None])
state_batch, action_batch, reward_batch = torch.stack(states), torch.cat(acts), torch.cat(rews)
state_action_values = q_net(state_batch).gather(1, action_batch)
next_state_values = torch.zeros(8)
with torch.no_grad():
    next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
expected = (next_state_values * 0.99) + reward_batch
loss = nn.SmoothL1Loss()(state_action_values, expected.unsqueeze(1))
opt.zero_grad()
loss.backward()
torch.nn.utils.clip_grad_value_(q_net.parameters(), 100)
opt.step()
tau = 0.005
target_sd, q_sd = target_net.state_dict(), q_net.state_dict()
for key in q_sd:
    target_sd[key] = q_sd[key] * tau + target_sd[key] * (1 - tau)
target_net.load_state_dict(target_sd)
result["dqn"] = [loss.item(), action_batch.flatten().tolist(), non_final_mask.tolist(),
                 target_net[2].bias.tolist()]
print("RESULT " + json.dumps(result))
