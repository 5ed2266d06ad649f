"""The transfer-learning recipe: freeze a "pretrained" backbone, swap the classifier head, kaiming init through
model.modules(), per-module learning rates, train with label smoothing, then unfreeze with a lower lr; SWA with
torch.optim.swa_utils (AveragedModel, SWALR, update_bn), knowledge distillation with KL divergence at a
temperature, and top-k accuracy with a confusion matrix from bincount."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, update_bn

torch.manual_seed(9)


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(6, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d((1, 1)))
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


model = Backbone()
for m in model.modules():
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        nn.init.constant_(m.bias, 0)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.constant_(m.weight, 1)
        nn.init.constant_(m.bias, 0)
for param in model.parameters():
    param.requires_grad = False
num_ftrs = model.fc.in_features
model.fc = nn.Linear(num_ftrs, 4)
trainable = [n for n, p in model.named_parameters() if p.requires_grad]

x = torch.randn(24, 3, 8, 8)
y = torch.randint(0, 4, (24,))
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
opt = torch.optim.SGD(model.fc.parameters(), lr=0.05, momentum=0.9)
losses = []
for epoch in range(3):
    model.train()
    for i in range(0, 24, 8):
        opt.zero_grad()
        loss = criterion(model(x[i:i + 8]), y[i:i + 8])
        loss.backward()
        opt.step()
    losses.append(loss.item())

model.requires_grad_(True)
opt = torch.optim.SGD([{"params": model.features.parameters(), "lr": 1e-3},
                       {"params": model.fc.parameters()}], lr=1e-2, momentum=0.9, nesterov=True)
swa_model = AveragedModel(model)
swa_sched = SWALR(opt, swa_lr=0.005, anneal_epochs=2, anneal_strategy="cos")
swa_lrs = []
for epoch in range(3):
    for i in range(0, 24, 8):
        opt.zero_grad()
        criterion(model(x[i:i + 8]), y[i:i + 8]).backward()
        opt.step()
    swa_model.update_parameters(model)
    swa_sched.step()
    swa_lrs.append([g["lr"] for g in opt.param_groups])
update_bn([(x[i:i + 8], y[i:i + 8]) for i in range(0, 24, 8)], swa_model)
swa_model.eval()
with torch.no_grad():
    teacher_logits = swa_model(x)

student = nn.Sequential(nn.Flatten(), nn.Linear(3 * 64, 16), nn.ReLU(), nn.Linear(16, 4))
opt = torch.optim.Adam(student.parameters(), lr=1e-2)
Tmp, alpha = 2.0, 0.7
kd = []
for step in range(4):
    s_logits = student(x)
    soft = F.kl_div(F.log_softmax(s_logits / Tmp, dim=1), F.softmax(teacher_logits / Tmp, dim=1),
                    reduction="batchmean") * Tmp * Tmp
    hard = F.cross_entropy(s_logits, y)
    loss = alpha * soft + (1 - alpha) * hard
    opt.zero_grad()
    loss.backward()
    opt.step()
    kd.append([soft.item(), hard.item()])


def accuracy(output, target, topk=(1,)):
    with torch.no_grad():
        maxk = max(topk)
        batch_size = target.size(0)
        _, pred = output.topk(maxk, 1, True, True)
        pred = pred.t()
        correct = pred.eq(target.view(1, -1).expand_as(pred))
        return [correct[:k].reshape(-1).float().sum(0, keepdim=True).mul_(100.0 / batch_size).item() for k in topk]


with torch.no_grad():
    out = student(x)
preds = out.argmax(1)
confusion = torch.bincount(y * 4 + preds, minlength=16).reshape(4, 4)
print("RESULT " + json.dumps({"trainable": trainable, "losses": losses, "swa_lrs": swa_lrs,
                              "n_averaged": swa_model.n_averaged.item(),
                              "bn": swa_model.module.features[1].running_mean.tolist(),
                              "teacher": teacher_logits[0].tolist(), "kd": kd,
                              "acc": accuracy(out, y, topk=(1, 2)), "confusion": confusion.tolist()}))
