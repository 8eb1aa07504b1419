# github.com/rish-16/tokenlearner-pytorch/issues/5 "Instead of using python list. It is better to use nn.ModuleList to avoid device mismatch error" (reconstructed around tokenlearner_pytorch.py L33)
import torch
import torch.nn as nn


class SpatialAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2, 1, kernel_size=(1, 1), stride=1), nn.BatchNorm2d(1), nn.ReLU())
        self.sgap = nn.AvgPool2d(2)

    def forward(self, x):
        mx = torch.max(x, 1)[0].unsqueeze(1)
        avg = torch.mean(x, 1).unsqueeze(1)
        combined = torch.cat([mx, avg], dim=1)
        fmap = self.conv(combined)
        weight_map = torch.sigmoid(fmap)
        out = (x * weight_map).mean(dim=(-2, -1))
        return out


class TokenLearner(nn.Module):
    def __init__(self, S):
        super().__init__()
        self.S = S
        self.tokenizers = [SpatialAttention() for _ in range(S)]  # BUG

    def forward(self, x):
        Z = torch.stack([tokenizer(x) for tokenizer in self.tokenizers], dim=1)
        return Z


tklr = TokenLearner(S=8)
out = tklr(torch.randn(2, 32, 16, 16))
