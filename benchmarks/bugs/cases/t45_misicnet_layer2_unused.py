# github.com/inria-thoth/HySUPP/issues/3 "layer2 is defined but not used in MiSiCNet forward pass" (reconstructed to the layers involved)
import torch
import torch.nn as nn


class MiSiCNet(nn.Module):
    def __init__(self, L=100, p=4):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(L, 256, 3, padding=1), nn.BatchNorm2d(256), nn.LeakyReLU(0.1))
        self.layer2 = nn.Sequential(nn.Conv2d(256, 256, 3, padding=1), nn.BatchNorm2d(256), nn.LeakyReLU(0.1))  # BUG
        self.layer3 = nn.Sequential(nn.Conv2d(256 + L, 256, 3, padding=1), nn.BatchNorm2d(256), nn.LeakyReLU(0.1))
        self.layer4 = nn.Sequential(nn.Conv2d(256, p, 3, padding=1), nn.BatchNorm2d(p), nn.Softmax(dim=1))

    def forward(self, x):
        x1 = self.layer1(x)
        x3 = self.layer3(torch.cat((x1, x), 1))
        return self.layer4(x3)


model = MiSiCNet()
out = model(torch.randn(1, 100, 16, 16))
