"""Knowledge distillation: a wider teacher is trained briefly, then a small student learns from the teacher's
temperature-softened logits (KL divergence with reduction='batchmean', scaled by T^2) mixed with the hard-label
cross-entropy, the teacher frozen with requires_grad_(False) and eval()."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
X = torch.randn(64, 10)
Y = (X[:, :3].sum(1) > 0).long() + (X[:, 3] > 1).long()

teacher = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 3))
student = nn.Sequential(nn.Linear(10, 8), nn.Tanh(), nn.Linear(8, 3))
opt_t = torch.optim.Adam(teacher.parameters(), lr=1e-2)
teacher_losses = []
for epoch in range(6):
    for xb, yb in zip(X.split(16), Y.split(16)):
        loss = F.cross_entropy(teacher(xb), yb)
        opt_t.zero_grad()
        loss.backward()
        opt_t.step()
    teacher_losses.append(loss.item())

teacher.eval()
teacher.requires_grad_(False)
T, alpha = 4.0, 0.7
kl = nn.KLDivLoss(reduction="batchmean")
opt_s = torch.optim.SGD(student.parameters(), lr=0.2, momentum=0.9)
student_losses = []
for epoch in range(6):
    for xb, yb in zip(X.split(16), Y.split(16)):
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        soft = kl(F.log_softmax(s_logits / T, dim=-1), F.softmax(t_logits / T, dim=-1)) * T * T
        soft2 = F.kl_div(F.log_softmax(s_logits / T, -1), F.log_softmax(t_logits / T, -1), reduction="batchmean",
                         log_target=True) * T ** 2
        hard = F.cross_entropy(s_logits, yb)
        loss = alpha * soft + (1 - alpha) * hard
        opt_s.zero_grad()
        loss.backward()
        opt_s.step()
    student_losses.append([loss.item(), soft.item(), soft2.item()])
with torch.no_grad():
    agree = (student(X).argmax(1) == teacher(X).argmax(1)).float().mean().item()
    acc = (student(X).argmax(1) == Y).sum().item()
print("RESULT " + json.dumps({"teacher": teacher_losses, "student": student_losses, "agree": agree, "acc": acc,
                              "frozen": [p.requires_grad for p in teacher.parameters()]}))
