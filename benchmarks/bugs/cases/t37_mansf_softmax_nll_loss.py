# github.com/midas-research/man-sf-emnlp/issues/2 "Why is this F.softmax? should the right thing be F.log_softmax?" (train.py L107-109; model reduced to its classifier) [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn
import torch.nn.functional as F


class MANSF(nn.Module):
    def __init__(self, nfeat=64, nhid=32, nclass=2):
        super().__init__()
        self.gru = nn.GRU(nfeat, nhid, batch_first=True)
        self.out = nn.Linear(nhid, nclass)

    def forward(self, x):
        _, h = self.gru(x)
        return self.out(h[-1])


model = MANSF()
x, labels = torch.randn(16, 5, 64), torch.randint(0, 2, (16,))
output = model(x)
loss_train = F.nll_loss(F.softmax(output, dim=1), labels)  # BUG
