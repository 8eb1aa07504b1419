# iiask.com/34l58947.html "Calculated padded input size per channel: (7x7). Kernel size: (8x8). Kernel size can't be greater than actual input size"
# (reconstructed from the post's description: a CIFAR-style network whose strided convs leave 7x7 before avg_pool2d(8))
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.linear = nn.Linear(32, 10)

    def forward(self, x):
        out = F.relu(self.conv1(x))
        out = F.relu(self.conv2(out))
        out = F.avg_pool2d(out, 8)  # BUG
        out = out.view(out.size(0), -1)
        return self.linear(out)


model = Net()
out = model(torch.randn(1, 3, 28, 28))
