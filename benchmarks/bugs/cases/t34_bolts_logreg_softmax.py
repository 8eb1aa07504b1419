# github.com/Lightning-Universe/lightning-bolts/issues/654 "Softmax applied twice when computing loss in LogisticRegression" (LightningModule trimmed to nn.Module) [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn
import torch.nn.functional as F


class LogisticRegression(nn.Module):
    def __init__(self, input_dim, num_classes, bias=True):
        super().__init__()
        self.linear = nn.Linear(in_features=input_dim, out_features=num_classes, bias=bias)

    def forward(self, x):
        x = self.linear(x)
        y_hat = F.softmax(x, dim=-1)  # BUG
        return y_hat

    def training_step(self, batch, batch_idx):
        x, y = batch
        y_hat = self(x)
        loss = F.cross_entropy(y_hat, y, reduction="sum")
        return loss


model = LogisticRegression(42, 42)
loss = model.training_step((torch.rand(8, 42), torch.randint(0, 42, (8,))), 0)
