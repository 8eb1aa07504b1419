# github.com/AnubhavGupta3377/Text-Classification-Models-Pytorch/issues/9 "here only softmax is provided in model.py therefore, the loss is always negative" (Transformer model trimmed to its classifier head) [reconstructed around the lines the thread quotes]
import torch
import torch.nn as nn


class Transformer(nn.Module):
    def __init__(self, vocab_size=5000, d_model=256, output_size=4):
        super(Transformer, self).__init__()
        self.src_embed = nn.Embedding(vocab_size, d_model)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model, 8, batch_first=True), 2)
        self.fc = nn.Linear(d_model, output_size)
        self.softmax = nn.Softmax(dim=1)  # BUG

    def forward(self, x):
        embedded_sents = self.src_embed(x)
        encoded_sents = self.encoder(embedded_sents)
        final_feature_map = encoded_sents[:, -1, :]
        final_out = self.fc(final_feature_map)
        return self.softmax(final_out)


model = Transformer()
loss_fn = nn.NLLLoss()
x = torch.randint(0, 5000, (8, 20))
loss = loss_fn(model(x), torch.randint(0, 4, (8,)))
