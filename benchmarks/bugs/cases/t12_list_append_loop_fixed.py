# runebook.dev/zh/docs/pytorch/generated/torch.nn.modulelist/torch.nn.ModuleList (MyGoodModel: the nn.ModuleList fix from the same page)
import torch
import torch.nn as nn


class MyGoodModel(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers):
        super(MyGoodModel, self).__init__()
        self.layers = nn.ModuleList([nn.Linear(input_size, hidden_size)])
        for _ in range(num_layers - 1):
            self.layers.append(nn.Linear(hidden_size, hidden_size))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


good_model = MyGoodModel(10, 20, 3)
out = good_model(torch.randn(2, 10))
