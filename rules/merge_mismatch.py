from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.ops._base import MERGE_MISMATCH
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_shape
from modelint.rules._graph import report_issues
from modelint.rules._symbols import refuted_constraints

_TORCH_ADD = ("import torch.nn as nn\n\n\n# modelint: input-shape=(1, 16, 32, 32)\nclass Block(nn.Module):\n"
              "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(16, 16, 3, {args})\n\n"
              "    def forward(self, x):\n        return self.conv(x) + x\n")

_KERAS_NO_INPUT = ("import keras\nfrom keras import layers\n\n\nclass Block(keras.Model):\n    def __init__(self):\n"
                   "        super().__init__()\n        self.stem = layers.Conv2D(32, 3, padding=\"same\")\n"
                   "        self.conv = layers.Conv2D({filters}, 3, padding=\"same\")\n\n"
                   "    def call(self, x):\n        x = self.stem(x)\n        return layers.Add()([x, self.conv(x)])\n")


class MergeMismatch(Rule):
    """## What it does
    Flags tensors merged with incompatible shapes: `torch.cat` / `Concatenate`
    whose non-concatenated axes differ, `+` / `Add` / `Multiply` on shapes that do
    not broadcast.

    ## Why is this bad?
    The model fails at its first call (`Sizes of tensors must match except in
    dimension 1`, `The size of tensor a (16) must match the size of tensor b
    (32)`). In U-Nets and residual blocks it comes from a stride or padding that
    changed one branch's spatial size.

    ## Known problems
    Without an input shape the sizes are formulas over the input's symbols:
    reported when they differ for every input size (32 channels against 64;
    `H - 4` against `2·((H - 4) // 2) - 8`, never equal), not when they agree for
    some sizes (`H` against `2·(H // 2)`: even sizes fit, which the summary says).
    A broadcast (`+`) of two different symbolic sizes is not judged.

    ## Example
    ```python
    self.conv = nn.Conv2d(16, 16, 3)   # no padding: 32 × 32 → 30 × 30
    return self.conv(x) + x
    ```

    ## Use instead
    ```python
    self.conv = nn.Conv2d(16, 16, 3, padding=1)
    ```
    """

    code = "ML105"
    name = "merge-mismatch"
    severity = Severity.ERROR
    summary = "Tensors merged (add, concatenate) with incompatible shapes"
    INVALID = [
        Example(_TORCH_ADD.format(args="padding=0")),
        Example(_KERAS_NO_INPUT.format(filters=64)),
        Example("import keras\nfrom keras import layers\n\ninputs = keras.Input((32, 32, 3))\n"
                "a = layers.Conv2D(8, 3)(inputs)\nb = layers.Conv2D(8, 3, padding=\"same\")(inputs)\n"
                "model = keras.Model(inputs, layers.Concatenate()([a, b]))\n"),
    ]
    VALID = [
        Example(_TORCH_ADD.format(args="padding=1")),
        Example(_KERAS_NO_INPUT.format(filters=32)),
        Example("import keras\nfrom keras import layers\n\ninputs = keras.Input((32, 32, 3))\n"
                "a = layers.Conv2D(8, 3, padding=\"same\")(inputs)\nb = layers.Conv2D(8, 3, padding=\"same\")(inputs)\n"
                "model = keras.Model(inputs, layers.Concatenate()([a, b]))\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        yield from report_issues(self, model, ctx, MERGE_MISMATCH)
        for layer, _constraint, text in refuted_constraints(model, MERGE_MISMATCH):
            shapes = " and ".join(format_shape(model.shape_of(ref)) for ref in model.input_refs(layer.id) if ref)
            yield self.on_layer(ctx, model, layer, f"{text}: {shapes}" if shapes else text)
