# iiask.com/34l58747.html: conv1 = Conv2d(1, 32, 3); conv2 = Conv2d(64, 64, 3) "error: previous layer outputs 32 channels" [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(64, 64, 3)  # BUG

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        return x


model = Net()
out = model(torch.randn(16, 1, 28, 28))
