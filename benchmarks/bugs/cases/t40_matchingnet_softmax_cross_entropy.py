# github.com/gitabcworld/MatchingNetworks/issues/5 "Double softmax" (AttentionalClassify applies softmax, MatchingNetwork then F.cross_entropy; reconstructed to a small model)
import torch
import torch.nn as nn
import torch.nn.functional as F


class MatchingNetwork(nn.Module):
    def __init__(self, n_way=5, dim=64):
        super().__init__()
        self.g = nn.Sequential(nn.Linear(784, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.classify = nn.Linear(dim, n_way)

    def forward(self, x):
        similarities = self.classify(self.g(x))
        softmax_similarities = F.softmax(similarities, dim=1)  # BUG
        return softmax_similarities


model = MatchingNetwork()
preds = model(torch.randn(10, 784))
crossentropy_loss = F.cross_entropy(preds, torch.randint(0, 5, (10,)))
