# github.com/tianzhi0549/FCOS/issues/217 "Bug for defined but unused convolution layer" (DDP: "module has parameters that were not used in producing loss"; head reduced to one tower) [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class FCOSHead(nn.Module):
    def __init__(self, in_channels=256, num_classes=80):
        super(FCOSHead, self).__init__()
        self.cls_tower = nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, padding=1), nn.GroupNorm(32, in_channels), nn.ReLU())
        self.cls_logits = nn.Conv2d(in_channels, num_classes, 3, padding=1)
        self.bbox_pred = nn.Conv2d(in_channels, 4, 3, padding=1)
        self.extra_conv = nn.Conv2d(in_channels, in_channels, 3, padding=1)  # BUG

    def forward(self, x):
        t = self.cls_tower(x)
        return self.cls_logits(t), self.bbox_pred(t)


head = FCOSHead()
logits, boxes = head(torch.randn(1, 256, 16, 16))
