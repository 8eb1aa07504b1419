# e-com-net.com/article/1743708265516122112.htm "Expected 4-dimensional input for 4-dimensional weight [10, 1, 3, 3], but got 2-dimensional input of size [100, 784]"
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, 3, padding=1)
        self.conv2 = nn.Conv2d(10, 20, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(15680, 1000)
        self.fc2 = nn.Linear(1000, 10)

    def forward(self, x):
        out = self.conv1(x)
        out = self.conv2(out)
        out = self.fc1(out)  # BUG
        out = self.relu(out)
        out = self.fc2(out)
        return out


model = Net()
out = model(torch.randn(100, 1, 28, 28))
