# engineermaxxing.com/micro/lessons/pytorch-internals.html "model.parameters() returns nothing ... Your loss is a flat line" -- the one-word fix from the same lesson
import torch
import torch.nn as nn


class MyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(64, 32), nn.Linear(32, 10)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


model = MyModel()
out = model(torch.randn(4, 64))
