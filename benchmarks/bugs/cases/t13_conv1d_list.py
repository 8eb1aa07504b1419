# github.com/pytorch/pytorch/issues/1053 "submodules defined in list are not auto-registered as parameters"
import torch
import torch.nn as nn

WORD_VEC_SIZE = 50


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1d = [  # BUG
            nn.Conv1d(WORD_VEC_SIZE, 1, 3),
            nn.Conv1d(WORD_VEC_SIZE, 1, 4),
            nn.Conv1d(WORD_VEC_SIZE, 1, 5),
        ]

    def forward(self, x):
        return torch.cat([conv(x).max(dim=2)[0] for conv in self.conv1d], dim=1)


a = Net()
out = a(torch.randn(2, WORD_VEC_SIZE, 20))
