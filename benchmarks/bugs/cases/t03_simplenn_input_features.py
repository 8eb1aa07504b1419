# thedebonair.co.uk/post/wrong-shape-at-fully-connected-layer-mat1-and-mat2-shapes
import torch
import torch.nn as nn


class SimpleNN(nn.Module):
    def __init__(self):
        super(SimpleNN, self).__init__()
        self.fc1 = nn.Linear(10, 5)  # BUG

    def forward(self, x):
        return self.fc1(x)


input_tensor = torch.randn(8, 8)
model = SimpleNN()
output = model(input_tensor)
