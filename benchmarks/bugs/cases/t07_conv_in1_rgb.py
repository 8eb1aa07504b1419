# taourl.com/read-2182898.html "weight of size [32, 1, 3, 3], expected input[32, 3, 224, 224] to have 1 channels, but got 3"
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=3)  # BUG

    def forward(self, x):
        return self.conv(x)


model = Net()
output = model(torch.randn(32, 3, 224, 224))
