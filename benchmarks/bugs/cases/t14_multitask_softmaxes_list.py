# github.com/pytorch/pytorch/issues/15005 "model.cuda() doesn't automatically detect layers initialized in a list"
import torch
import torch.nn as nn

num_classes = [5, 2, 10, 3]


class test(nn.Module):
    def __init__(self, input_features):
        super(test, self).__init__()
        self.softmaxes = []  # BUG
        for i in range(4):
            self.softmaxes.append(nn.Linear(input_features, num_classes[i]))

    def forward(self, batch_in):
        classify = []
        for i in range(4):
            classify.append(self.softmaxes[i](batch_in))
        return classify


model = test(100)
out = model(torch.randn(32, 100))
