# github.com/NVlabs/PWC-Net/issues/110 "there is a deconv layer that has been defined but remains unused" (PyTorch/models/PWCNet.py L122; reconstructed to one pyramid level)
import torch
import torch.nn as nn


def conv(in_planes, out_planes, kernel_size=3, stride=1, padding=1):
    return nn.Sequential(nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding), nn.LeakyReLU(0.1))


def deconv(in_planes, out_planes, kernel_size=4, stride=2, padding=1):
    return nn.ConvTranspose2d(in_planes, out_planes, kernel_size, stride, padding, bias=True)


class PWCDCNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv6_0 = conv(81, 128)
        self.conv6_1 = conv(209, 128)
        self.predict_flow6 = nn.Conv2d(337, 2, 3, padding=1)
        self.deconv6 = deconv(2, 2)
        self.upfeat6 = deconv(337, 2)
        self.deconv5 = deconv(2, 2)  # BUG

    def forward(self, corr6):
        x = torch.cat((self.conv6_0(corr6), corr6), 1)
        x = torch.cat((self.conv6_1(x), x), 1)
        flow6 = self.predict_flow6(x)
        up_flow6 = self.deconv6(flow6)
        up_feat6 = self.upfeat6(x)
        return up_flow6, up_feat6


model = PWCDCNet()
out = model(torch.randn(1, 81, 8, 8))
