from __future__ import annotations

import re
from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from modelint.analyzer.graph import Layer
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import LINEAR_KINDS, activation_name, construction_span, describe

_KERAS = ("import keras\nfrom keras import layers\n\ninputs = keras.Input(shape=(32, 32, 3))\n"
          "x = layers.{conv}(inputs)\nx = layers.BatchNormalization({bn})(x)\nx = layers.Activation(\"relu\")(x)\n"
          "outputs = layers.GlobalAveragePooling2D()(x)\nmodel = keras.Model(inputs, outputs)\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.body = nn.Sequential(\n{body}            nn.ReLU(),\n        )\n\n"
    "    def forward(self, x):\n        return self.body(x)\n\n\nmodel = Block()\nout = model(torch.randn(2, 3, 32, 32))\n"
)


def _feature_axis(layer: Layer) -> int | None:
    """The axis a conv/dense layer's bias is added along, as a negative index
    when it can be said without the rank (channels-last, Dense), else positive."""
    if layer.kind == "dense" or layer.attrs.get("channels_last"):
        return -1
    return 1


def _same_axis(axis_a: int, axis_b: object, rank: int | None) -> bool:
    if not isinstance(axis_b, int):
        return False
    if axis_a == axis_b:
        return True
    return rank is not None and axis_a % rank == axis_b % rank


class BiasBeforeNorm(Rule):
    """## What it does
    Flags a convolution or dense layer that keeps its bias (`use_bias=True` in
    Keras, `bias=True` in PyTorch — both defaults) and whose output goes
    straight into a BatchNorm that normalizes over the same channel axis.

    ## Why is this bad?
    BatchNorm subtracts the per-channel mean of its input, and with it any
    per-channel constant: the bias is cancelled exactly. It still costs
    parameters, memory and optimizer state, and BatchNorm's own `beta` already
    provides the shift. ResNet, MobileNet and every reference implementation
    build these layers with `bias=False`.

    ## Known problems
    Only a direct edge is checked (an activation in between keeps the bias
    meaningful). A BatchNorm over another axis than the bias' does not cancel
    it and is not flagged.

    ## Opt-in
    Not in the default selection: a cancelled bias costs a few parameters and nothing else: efficiency advice, not a defect. Enable it with
    `--extend-select ML302` (or `extend-select = ["ML302"]` in `[tool.modelint]`).

    ## Example
    ```python
    x = layers.Conv2D(32, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    ```

    ## Use instead
    ```python
    x = layers.Conv2D(32, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    ```

    ## Fix safety
    The fix adds `use_bias=False` / `bias=False` to the call. The model
    computes the same function, but its parameter count and checkpoint layout
    change: weights saved before the fix no longer load without `strict=False`.
    """

    default = False  # opt-in: a cancelled bias costs a few parameters and nothing else: efficiency advice, not a defect
    code = "ML302"
    name = "bias-before-norm"
    severity = Severity.WARNING
    summary = "Conv/Linear with a bias directly followed by BatchNorm, which cancels it"
    INVALID = [
        Example(_KERAS.format(conv="Conv2D(32, 3, padding=\"same\")", bn=""),
                expected_fix=_KERAS.format(conv="Conv2D(32, 3, padding=\"same\", use_bias=False)", bn="")),
        Example(_KERAS.format(conv="Conv2D(32, 3, use_bias=True)", bn="momentum=0.9")),
        Example(_TORCH.format(body="            nn.Conv2d(3, 16, 3, padding=1),\n            nn.BatchNorm2d(16),\n"),
                expected_fix=_TORCH.format(body="            nn.Conv2d(3, 16, 3, padding=1, bias=False),\n"
                                                "            nn.BatchNorm2d(16),\n")),
        Example(_TORCH.format(body="            nn.Flatten(),\n            nn.Linear(3072, 64),\n"
                                   "            nn.BatchNorm1d(64),\n")),
    ]
    VALID = [
        Example(_KERAS.format(conv="Conv2D(32, 3, padding=\"same\", use_bias=False)", bn="")),
        Example(_KERAS.format(conv="Conv2D(32, 3, padding=\"same\")", bn="axis=1")),
        Example(_TORCH.format(body="            nn.Conv2d(3, 16, 3, padding=1, bias=False),\n"
                                   "            nn.BatchNorm2d(16),\n")),
        Example(_TORCH.format(body="            nn.Conv2d(3, 16, 3, padding=1),\n            nn.ReLU(),\n"
                                   "            nn.BatchNorm2d(16),\n")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for layer in model.layers():
            if layer.kind not in LINEAR_KINDS or layer.shared or layer.attrs.get("use_bias") is not True:
                continue
            if activation_name(layer) != "linear":
                continue
            succs = model.successors(layer.id)
            if len(succs) != 1 or succs[0].kind != "batch_norm":
                continue
            norm = succs[0]
            shape = layer.output_shape
            if not _same_axis(_feature_axis(layer), norm.attrs.get("axis", -1), len(shape) if shape else None):
                continue
            keyword = "use_bias" if layer.framework == "keras" else "bias"
            message = (f"{layer.name} ({layer.op}) adds a bias that {describe(norm)} right after subtracts "
                       "again: the bias is cancelled")
            yield self.at(ctx, construction_span(layer), message, model.name, self._fix(ctx, layer, keyword),
                          layer=layer.id)

    @staticmethod
    def _fix(ctx, layer: Layer, keyword: str) -> Fix:
        hint = f"Pass {keyword}=False to {layer.name}"
        span = construction_span(layer)
        if span is None or span.line != span.end_line or span.line > len(ctx.lines):
            return Fix(hint)
        text = ctx.lines[span.line - 1][span.column - 1: span.end_column - 1]
        if not re.fullmatch(r"[\w.]+\(.*\)", text) or "bias" in text or "**" in text:
            return Fix(hint)
        end = span.end_column - 1  # the closing parenthesis
        empty = text.endswith("()")
        edit = Edit(Span(span.line, end, span.line, end), f"{'' if empty else ', '}{keyword}=False")
        return Fix(hint, (edit,))
