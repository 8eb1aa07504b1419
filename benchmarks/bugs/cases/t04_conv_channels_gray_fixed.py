# errorcanon.top/errors/pytorch/conv2d-channels-mismatch: "weight of size [16, 3, 3, 3], expected input[1, 1, 32, 32] to have 3 channels" -- workaround 2 of the same page [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(in_channels=1, out_channels=16, kernel_size=3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = self.pool(x).flatten(1)
        return self.fc(x)


model = Net()
out = model(torch.randn(1, 1, 32, 32))
