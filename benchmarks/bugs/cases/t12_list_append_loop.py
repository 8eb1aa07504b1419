# runebook.dev/zh/docs/pytorch/generated/torch.nn.modulelist/torch.nn.ModuleList (MyBadModel, a plain list filled in a loop)
import torch
import torch.nn as nn


class MyBadModel(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers):
        super(MyBadModel, self).__init__()
        self.layers = [nn.Linear(input_size, hidden_size)]  # BUG
        for _ in range(num_layers - 1):
            self.layers.append(nn.Linear(hidden_size, hidden_size))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


bad_model = MyBadModel(10, 20, 3)
out = bad_model(torch.randn(2, 10))
