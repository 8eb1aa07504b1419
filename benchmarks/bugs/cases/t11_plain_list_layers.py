# engineermaxxing.com/micro/lessons/pytorch-internals.html "model.parameters() returns nothing ... Your loss is a flat line"
import torch
import torch.nn as nn


class MyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [nn.Linear(64, 32), nn.Linear(32, 10)]  # BUG

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


model = MyModel()
out = model(torch.randn(4, 64))
