from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.ops._base import NON_POSITIVE_SIZE
from modelint.analyzer.rule import Example, Rule
from modelint.rules._graph import report_issues
from modelint.rules._symbols import no_fit, refuted_constraints

_TORCH = ("import torch.nn as nn\n\n\n# modelint: input-shape=(1, 3, 32, 32)\nclass Net(nn.Module):\n"
          "    def __init__(self):\n        super().__init__()\n        self.pool = nn.MaxPool2d(2)\n"
          "        self.conv = nn.Conv2d(3, 8, 3, padding=1)\n\n    def forward(self, x):\n"
          "        for _ in range({n}):\n            x = self.pool(self.conv(x) if x.shape[1] == 3 else x)\n"
          "        return x\n")

_NO_SHAPE = ("import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, in_channels):\n"
             "        super().__init__()\n        self.features = nn.Sequential(nn.Conv2d(in_channels, 8, 3), {pool})\n\n"
             "    def forward(self, x):\n        return torch.flatten(self.features(x), 1)\n")
_BRANCHES = ("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
             "        self.short = nn.Conv1d(4, 8, 3)\n        self.head = nn.Linear(8, 8)\n"
             "        self.long = nn.Conv1d(4, 8, {kernel})\n\n    def forward(self, x):\n"
             "        return self.head(self.short(x)).sum() + self.long(x).sum()\n")


class NonPositiveSize(Rule):
    """## What it does
    Flags a convolution or pooling layer that leaves a spatial size of zero or
    less: its kernel is larger than its (padded) input.

    ## Why is this bad?
    torch stops with `Given input size: (128x1x1). Calculated output size:
    (128x0x0). Output size is too small`; Keras with a negative dimension. It
    typically happens when one pooling too many is stacked for small images.

    ## Known problems
    Without an input shape the sizes are formulas over the input's symbols
    (`(H - 4) // 2`): reported when a size is below 1 for every input size (a
    pooling after a global pooling), or when no input size satisfies every
    layer together and the size that breaks is a spatial one (a head pins a
    small input, a deeper branch needs a larger one). A size that only some
    inputs make too small is a constraint: `--summary` and the JSON say which
    inputs fit ("H, W ≥ 63").

    ## Example
    ```python
    # 32 × 32 input, five 2 × 2 poolings: 1 × 1, then one more
    x = self.extra_pool(x)
    ```

    ## Use instead
    ```python
    # drop the extra pooling, or use nn.AdaptiveAvgPool2d(1)
    ```
    """

    code = "ML104"
    name = "non-positive-size"
    severity = Severity.ERROR
    summary = "A convolution or pooling leaves a spatial size of zero or less"
    INVALID = [
        Example(_TORCH.format(n=6)),
        Example(_NO_SHAPE.format(pool="nn.AdaptiveAvgPool2d(1), nn.MaxPool2d(2)")),
        Example(_BRANCHES.format(kernel=15)),  # the head pins L = 10, the long branch needs L ≥ 15
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((4, 4, 3)),\n"
                "    layers.Conv2D(8, 5),\n])\n"),
    ]
    VALID = [
        Example(_TORCH.format(n=5)),
        Example(_NO_SHAPE.format(pool="nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1)")),
        Example(_BRANCHES.format(kernel=9)),  # L = 10 fits both
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((4, 4, 3)),\n"
                "    layers.Conv2D(8, 5, padding=\"same\"),\n])\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        yield from report_issues(self, model, ctx, NON_POSITIVE_SIZE)
        for layer, _constraint, text in refuted_constraints(model, NON_POSITIVE_SIZE):
            yield self.on_layer(ctx, model, layer, text)
        for layer, text in no_fit(model, NON_POSITIVE_SIZE):
            yield self.on_layer(ctx, model, layer, text)
