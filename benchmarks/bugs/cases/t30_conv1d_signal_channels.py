# whosebug.com/question/6505309 (SO "Dimensionality problem with PyTorch Conv layers"): "weight of size [100, 10, 1], expected input [1, 1, 10] to have 10 channels"
import torch
import torch.nn as nn

config = [10, 100, 100, 100, 100, 100, 100, 100]


class NeuralNet(nn.Module):
    def __init__(self, config, kernel_size=1):
        super().__init__()
        self.config = config
        self.layers = nn.ModuleList([nn.Sequential(
            nn.Conv1d(self.config[i], self.config[i + 1], kernel_size=kernel_size),  # BUG
            nn.ReLU())
            for i in range(len(self.config) - 1)])
        self.last_layer = nn.Linear(self.config[-1], 3)
        self.layers.append(nn.Flatten())
        self.layers.append(self.last_layer)

    def forward(self, x):
        for i, l in enumerate(self.layers):
            x = l(x)
        return x


model = NeuralNet(config)
out = model(torch.randn(1, 1, 10))
