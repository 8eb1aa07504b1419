# github.com/pytorch/pytorch/issues/41463 "BatchNorm2d return different values with the same inputs" (A builds two convs it never uses; NetA builds two A and uses one)
import torch
import torch.nn as nn


class A(nn.Module):
    def __init__(self, num_features, eps=1e-05, momentum=0.9, affine=True):
        super(A, self).__init__()
        ks = 5
        self.a = nn.Conv1d(1, 1, kernel_size=ks, padding=(ks - 1) // 2, bias=False)  # BUG
        self.b = nn.Conv1d(1, 1, kernel_size=ks, padding=(ks - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(num_features, affine=False)

    def forward(self, x):
        out = self.bn(x)
        return out


class NetA(nn.Module):
    def __init__(self):
        super(NetA, self).__init__()
        self.a1 = A(2)
        self.a2 = A(2)
        self.conv = nn.Conv2d(2, 2, 1)

    def forward(self, x):
        return self.conv(self.a1(x))


model = NetA()
out = model(torch.randn(4, 2, 5, 5))
