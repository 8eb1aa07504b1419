# github.com/pytorch/pytorch/issues/21905 "Module to device can not move function list to device" (GRU cells kept in lists) [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class StackedGRUCell(nn.Module):
    def __init__(self, input_size, hidden_size, layn, bias=True):
        super().__init__()
        self.hidden_size = hidden_size
        self.bias = bias
        self.x2h = []  # BUG
        self.h2h = []
        for x in range(layn):
            temp1 = nn.Linear(input_size, 3 * hidden_size, bias=self.bias)
            temp2 = nn.Linear(hidden_size, 3 * hidden_size, bias=self.bias)
            self.x2h.append(temp1)
            self.h2h.append(temp2)
            input_size = hidden_size

    def forward(self, x, h):
        for x2h, h2h in zip(self.x2h, self.h2h):
            gx = x2h(x).chunk(3, 1)
            gh = h2h(h).chunk(3, 1)
            r = torch.sigmoid(gx[0] + gh[0])
            z = torch.sigmoid(gx[1] + gh[1])
            n = torch.tanh(gx[2] + r * gh[2])
            h = n + z * (h - n)
            x = h
        return h


model = StackedGRUCell(16, 32, 2)
out = model(torch.randn(4, 16), torch.zeros(4, 32))
