# github.com/pytorch/pytorch/issues/131861 "Does nn.Sequential move to a device automatically?" (case 4, "List of Modules", raised "Input type (torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the same") [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class TNet(nn.Module):
    def __init__(self, k: int):
        super(TNet, self).__init__()
        self.k = k
        self.shared_mlp = [  # BUG
            nn.Conv1d(k, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
            nn.Conv1d(128, 1024, 1), nn.BatchNorm1d(1024), nn.ReLU(),
        ]

    def forward(self, x):
        for layer in self.shared_mlp:
            x = layer(x)
        return torch.max(x, 2)[0]


tnet = TNet(3)
out = tnet(torch.randn(8, 3, 100))
