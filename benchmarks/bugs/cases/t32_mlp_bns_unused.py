# superweb999.com/article/1765881.html (PyTorch tutorial 25, Batch Normalization): bns built, "# x = bn(x)" commented out
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, neural_num, layers=100):
        super(MLP, self).__init__()
        self.linears = nn.ModuleList([nn.Linear(neural_num, neural_num, bias=False) for i in range(layers)])
        self.bns = nn.ModuleList([nn.BatchNorm1d(neural_num) for i in range(layers)])  # BUG
        self.neural_num = neural_num

    def forward(self, x):
        for (i, linear), bn in zip(enumerate(self.linears), self.bns):
            x = linear(x)
            # x = bn(x)
            x = torch.relu(x)
        return x


net = MLP(256, layers=100)
output = net(torch.randn(16, 256))
