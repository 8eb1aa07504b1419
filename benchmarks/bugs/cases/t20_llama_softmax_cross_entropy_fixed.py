# github.com/bkitano/llama-from-scratch/issues/5 "no need to softmax before cross_entropy" -- the fix asked for in the issue: cross_entropy on the raw scores
import torch
import torch.nn as nn
import torch.nn.functional as F

MASTER_CONFIG = {"vocab_size": 65, "d_model": 128, "context_window": 16}


class SimpleBrokenModel(nn.Module):
    def __init__(self, config=MASTER_CONFIG):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config['vocab_size'], config['d_model'])
        self.linear = nn.Sequential(
            nn.Linear(config['d_model'], config['d_model']),
            nn.ReLU(),
            nn.Linear(config['d_model'], config['vocab_size']),
        )

    def forward(self, idx, targets=None):
        x = self.embedding(idx)
        a = self.linear(x)
        logits = a
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, self.config['vocab_size']), targets.view(-1))
            return logits, loss
        else:
            return logits


model = SimpleBrokenModel(MASTER_CONFIG)
xs = torch.randint(0, 65, (4, 16))
logits, loss = model(xs, xs)
