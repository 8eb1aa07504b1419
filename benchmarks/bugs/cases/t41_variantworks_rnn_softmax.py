# github.com/NVIDIA/VariantWorks/pull/134 "Removed softmax from RNN forward pass" ("applied twice ... once as part of the network and another time as part of the loss function"; reconstructed)
import torch
import torch.nn as nn


class ConsensusRNN(nn.Module):
    def __init__(self, input_feature_size=10, num_output_logits=5, gru_size=128):
        super().__init__()
        self.gru = nn.GRU(input_feature_size, gru_size, num_layers=2, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * gru_size, num_output_logits)
        self.softmax = nn.Softmax(dim=2)  # BUG

    def forward(self, encoding):
        encoding, h_n = self.gru(encoding)
        encoding = self.classifier(encoding)
        encoding = self.softmax(encoding)
        return encoding


model = ConsensusRNN()
criterion = nn.CrossEntropyLoss()
out = model(torch.randn(4, 100, 10))
loss = criterion(out.permute(0, 2, 1), torch.randint(0, 5, (4, 100)))
