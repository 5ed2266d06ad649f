"""ResNet basic blocks (Conv-BN-ReLU with identity and 1x1 projection shortcuts), kaiming init, SGD with OneCycleLR;
then fine-tuning: freeze the backbone, replace the head; then a Grad-CAM map from forward and backward hooks."""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(9)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.avgpool(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(x, 1))


net = ResNet()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=6)
x = torch.randn(16, 3, 12, 12)
y = torch.randint(0, 10, (16,))
losses, lrs = [], []
for step in range(6):
    loss = F.cross_entropy(net(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()
    losses.append(loss.item())
    lrs.append(sched.get_last_lr()[0])

for p in net.parameters():
    p.requires_grad = False
net.fc = nn.Linear(16, 3)
opt2 = torch.optim.Adam(filter(lambda p: p.requires_grad, net.parameters()), lr=1e-2)
net.eval()
for step in range(3):
    loss = F.cross_entropy(net(x), y % 3)
    opt2.zero_grad()
    loss.backward()
    opt2.step()

# Grad-CAM style: a forward hook keeps layer2's activations, a backward hook its gradient
net.requires_grad_(True)
features, gradients = {}, {}
fwd = net.layer2.register_forward_hook(lambda module, inputs, output: features.__setitem__("layer2", output.detach()))
bwd = net.layer2.register_full_backward_hook(
    lambda module, grad_input, grad_output: gradients.__setitem__("layer2", grad_output[0].detach()))
logits = net(x[:2])
logits[:, logits[0].argmax()].sum().backward()
fwd.remove()
bwd.remove()
weights = gradients["layer2"].mean(dim=(2, 3), keepdim=True)
cam = F.relu((weights * features["layer2"]).sum(1))
print("RESULT", json.dumps({
    "losses": losses, "lrs": lrs, "finetune_loss": loss.item(), "frozen_grad_is_none": net.conv1.weight.grad is None,
    "running_var": net.layer2[0].shortcut[1].running_var[:3].tolist(),
    "cam_shape": list(cam.shape), "cam": cam[0, 2].tolist(), "grad_output": gradients["layer2"][1, 0, 0].tolist(),
}))
