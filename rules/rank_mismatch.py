from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.ops._base import RANK_MISMATCH
from modelint.analyzer.rule import Example, Rule
from modelint.rules._graph import report_issues

_NO_INPUT = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    {first},\n"
             "    layers.LSTM(16),\n    layers.Dense(1),\n])\n")


class RankMismatch(Rule):
    """## What it does
    Flags a layer that receives a tensor of the wrong rank: a `Conv2d` after a
    flatten, an `LSTM` fed by an `LSTM` without `return_sequences=True`, an index
    or `dim` beyond the tensor's axes.

    ## Why is this bad?
    The model fails at its first call (`Expected 3D (unbatched) or 4D (batched)
    input to conv2d`, `Input 0 of layer "lstm_1" is incompatible`), or, worse for
    torch's unbatched inputs, silently treats the batch as channels.

    ## Known problems
    Needs the rank of the input. Without an input shape the first layer fixes
    it (a `Conv2d` reads `(N, C, H, W)`, a Keras `LSTM` `(None, L, C)`) and the
    sizes are symbols, which a rank error does not depend on. A model whose
    first layer accepts any rank (`Linear`, `Dense`) has no shapes until a
    layer fixes them (a `Reshape` to known sizes); layers after an unknown
    shape are not checked.

    ## Example
    ```python
    x = torch.flatten(x, 1)
    x = self.conv2(x)          # Conv2d on a 2-D tensor
    ```

    ## Use instead
    ```python
    x = self.conv2(x)
    x = torch.flatten(x, 1)
    ```
    """

    code = "ML103"
    name = "rank-mismatch"
    severity = Severity.ERROR
    summary = "A layer receives a tensor of the wrong rank"
    INVALID = [
        Example("import torch\nimport torch.nn as nn\n\n\n# modelint: input-shape=(1, 1, 28, 28)\n"
                "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.conv1 = nn.Conv2d(1, 8, 3)\n        self.conv2 = nn.Conv2d(8, 8, 3)\n\n"
                "    def forward(self, x):\n        x = torch.flatten(self.conv1(x), 1)\n        return self.conv2(x)\n"),
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((20, 8)),\n"
                "    layers.LSTM(16),\n    layers.LSTM(16),\n])\n"),
        # No input shape: the sequence length and features are symbols, the rank is not.
        Example(_NO_INPUT.format(first="layers.LSTM(64)")),
        Example(_NO_INPUT.format(first="layers.Reshape((28, 28)),\n    layers.Conv2D(8, 3)")),
    ]
    VALID = [
        Example("import torch\nimport torch.nn as nn\n\n\n# modelint: input-shape=(1, 1, 28, 28)\n"
                "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.conv1 = nn.Conv2d(1, 8, 3)\n        self.conv2 = nn.Conv2d(8, 8, 3)\n\n"
                "    def forward(self, x):\n        return torch.flatten(self.conv2(self.conv1(x)), 1)\n"),
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((20, 8)),\n"
                "    layers.LSTM(16, return_sequences=True),\n    layers.LSTM(16),\n])\n"),
        Example(_NO_INPUT.format(first="layers.LSTM(64, return_sequences=True)")),
        Example(_NO_INPUT.format(first="layers.Reshape((28, 28, 1)),\n    layers.Conv2D(8, 3),\n    layers.Reshape((-1, 8))")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        yield from report_issues(self, model, ctx, RANK_MISMATCH)
