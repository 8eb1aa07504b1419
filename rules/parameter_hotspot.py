from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import is_known
from modelint.rules._symbols import param_total

# A model this large, and one layer holding this share of it.
MIN_TOTAL = 1_000_000
MIN_SHARE = 0.5

_KERAS = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((64, 64, 3)),\n"
          "    layers.Conv2D(32, 3, activation=\"relu\"),\n    layers.MaxPooling2D(2),\n{mid}"
          "    layers.Dense(10, activation=\"softmax\"),\n])\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.features = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(),\n"
    "                                      nn.AdaptiveAvgPool2d({pool}))\n"
    "        self.fc = nn.Linear(64 * {pool} * {pool}, {hidden})\n        self.out = nn.Linear({hidden}, 10)\n\n"
    "    def forward(self, x):\n        x = torch.flatten(self.features(x), 1)\n"
    "        return self.out(torch.relu(self.fc(x)))\n\n\nmodel = Net()\nout = model(torch.randn(1, 3, 32, 32))\n"
)


class ParameterHotspot(Rule):
    """## What it does
    Reports the layer that holds most of a model's parameters: at least half of
    a model with at least a million, with its share.

    ## Why is this bad?
    It is information, not a bug: where the parameters are is where memory,
    checkpoint size and overfitting come from. In AlexNet the first `Dense`
    after `Flatten` holds 37,752,832 of 62,378,344 parameters (60.5 %); a
    global pooling or a smaller flattened map before it is the usual remedy.
    A surprising hotspot also reveals a wrong flatten size.

    ## Known problems
    Models whose totals are not exact (some part unresolved) or are a formula
    over symbols (a constructor argument without a value) are skipped: the share
    would be a guess.

    ## Opt-in
    Not in the default selection: where the parameters sit is information, not a defect. Enable it with
    `--extend-select ML401` (or `extend-select = ["ML401"]` in `[tool.modelint]`).

    ## Example
    ```python
    layers.Flatten(),
    layers.Dense(4096, activation="relu"),  # 37,752,832 parameters
    ```

    ## Use instead
    ```python
    layers.GlobalAveragePooling2D(),
    layers.Dense(4096, activation="relu"),
    ```
    """

    default = False  # opt-in: where the parameters sit is information, not a defect
    code = "ML401"
    name = "parameter-hotspot"
    severity = Severity.INFO
    summary = "One layer holds most of the model's parameters"
    INVALID = [
        Example(_KERAS.format(mid="    layers.Flatten(),\n    layers.Dense(256, activation=\"relu\"),\n")),
        Example(_TORCH.format(pool=8, hidden=512)),
    ]
    VALID = [
        Example(_KERAS.format(mid="    layers.GlobalAveragePooling2D(),\n    layers.Dense(256, activation=\"relu\"),\n")),
        Example(_KERAS.format(mid="    layers.Flatten(),\n    layers.Dense(8, activation=\"relu\"),\n")),
        Example(_TORCH.format(pool=1, hidden=512)),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        total, exact = param_total(model)
        # A symbolic total (a formula over constructor arguments) has no one share.
        if not exact or not is_known(total) or total < MIN_TOTAL:
            return
        owned = [layer for layer in model.layers() if not layer.shared and is_known(layer.params) and layer.params]
        if not owned:
            return
        top = max(owned, key=lambda layer: layer.params or 0)
        share = (top.params or 0) / total
        if share < MIN_SHARE:
            return
        message = (f"{top.name} ({top.op}) holds {top.params:,} of {total:,} parameters ({share:.1%})")
        yield self.on_layer(ctx, model, top, message, share=round(share, 4), params=top.params, total=total)
