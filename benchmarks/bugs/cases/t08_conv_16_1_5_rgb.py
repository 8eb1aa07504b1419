# duoke360.com/post/34762 "weight of size [16, 1, 5, 5], expected input[100, 3, 256, 256] to have 1 channels" [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5)  # BUG
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(torch.relu(self.conv1(x)))


model = Net()
out = model(torch.randn(100, 3, 256, 256))
