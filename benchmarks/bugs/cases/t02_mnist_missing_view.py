# blackberry.8miu.com/read-34393.html "RuntimeError: size mismatch, m1: [800 x 4], m2: [320 x 50]" (MNIST CNN)
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = F.relu(self.fc1(x))  # BUG
        x = self.fc2(x)
        return x


model = Net()
out = model(torch.randn(10, 1, 28, 28))
