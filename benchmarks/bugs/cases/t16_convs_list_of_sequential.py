# github.com/pytorch/pytorch/issues/4412 "How to use net.cuda() when Network class has list or dict which contains nn layers?"
import torch
import torch.nn as nn


class Network(nn.Module):
    def __init__(self, in_channels=8):
        super(Network, self).__init__()
        self.in_channels = in_channels
        self.convs = [nn.Sequential(  # BUG
            nn.Conv2d(in_channels=self.in_channels, out_channels=self.in_channels, kernel_size=3, stride=1, padding=1),
            nn.Conv2d(in_channels=self.in_channels, out_channels=self.in_channels, kernel_size=3, stride=1, padding=1),
        ),
            nn.Sequential(
            nn.Conv2d(in_channels=self.in_channels, out_channels=self.in_channels, kernel_size=3, stride=1, padding=1),
            nn.Conv2d(in_channels=self.in_channels, out_channels=self.in_channels, kernel_size=3, stride=1, padding=1),
        ), ]

    def forward(self, x):
        output = self.convs[0](x)
        output = self.convs[1](x)
        return output


net = Network()
out = net(torch.randn(1, 8, 16, 16))
