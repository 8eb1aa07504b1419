# programmerah.com/runtimeerror-expected-hidden0-size-x-x-x-gotx-x-x-39265 "Expected hidden[0] size (4, 10, 100), got [4, 4, 100]" -- fixed: the batch parameter the post found missing (batch_first=True)
import torch
import torch.nn as nn


class BiLSTM(nn.Module):
    def __init__(self, input_size=300, hidden_size=100, num_layers=2):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bilstm = nn.LSTM(
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=True,
            bias=True,
            batch_first=True,
        )

    def forward(self, input):
        batch = input.size(0)
        h0 = torch.zeros(self.num_layers * 2, batch, self.hidden_size)
        c0 = torch.zeros(self.num_layers * 2, batch, self.hidden_size)
        output, (hn, cn) = self.bilstm(input, (h0, c0))
        return output


model = BiLSTM()
out = model(torch.randn(4, 10, 300))
