# taourl.com/read-2182907.html "Given input size: (64x1x1). Calculated output size: (64x0x0). Output size is too small"
import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_layer = nn.Conv2d(64, 128, kernel_size=3, stride=1, padding=0)  # BUG

    def forward(self, x):
        return self.conv_layer(x)


model = Head()
output = model(torch.randn(1, 64, 1, 1))
