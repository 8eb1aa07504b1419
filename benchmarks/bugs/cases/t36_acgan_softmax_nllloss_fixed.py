# github.com/clvrai/ACGAN-PyTorch/pull/4 "Change Softmax to LogSoftmax to use NLLLoss" -- the pull request's fix (discriminator trimmed to its heads) [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class _netD(nn.Module):
    def __init__(self, num_classes=10):
        super(_netD, self).__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(16, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(32, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(0.2, inplace=True),
        )
        self.fc_dis = nn.Linear(8 * 8 * 64, 1)
        self.fc_aux = nn.Linear(8 * 8 * 64, num_classes)
        self.softmax = nn.LogSoftmax(dim=1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, input):
        x = self.features(input)
        flat = x.view(-1, 8 * 8 * 64)
        fc_dis = self.fc_dis(flat)
        fc_aux = self.fc_aux(flat)
        classes = self.softmax(fc_aux)
        realfake = self.sigmoid(fc_dis).view(-1, 1).squeeze(1)
        return realfake, classes


netD = _netD()
dis_criterion = nn.BCELoss()
aux_criterion = nn.NLLLoss()
realfake, classes = netD(torch.randn(4, 3, 32, 32))
aux_errD = aux_criterion(classes, torch.randint(0, 10, (4,)))
