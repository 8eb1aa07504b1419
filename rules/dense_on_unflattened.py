from __future__ import annotations

import re
from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_shape
from modelint.rules._graph import DENSE_KINDS, spatial_source

_NO_INPUT = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
             "    layers.Conv1D(64, 5, activation=\"relu\"),\n{pool}    layers.Dense(1, activation=\"sigmoid\"),\n])\n")


class DenseOnUnflattened(Rule):
    """## What it does
    Flags a `Dense` / `Linear` layer applied to a conv or pooling output that
    still has its spatial axes, with no `Flatten` or global pooling in between.

    ## Why is this bad?
    Keras' `Dense` and torch's `Linear` act on the last axis only. On a
    `(None, 13, 13, 256)` feature map the layer mixes the 256 channels of each
    pixel separately and the model silently keeps a 13 × 13 grid to the end: the
    AlexNet of the question "Where are the 60 million params?" has 25,678,184
    parameters instead of 62,378,344 for exactly this reason.

    ## Known problems
    Needs only the rank of the tensor, not its sizes: without an input shape the
    first layer fixes the rank (a `Conv1D` reads `(None, L, C)`), and the finding
    is the same for every value of the symbols. A per-pixel dense layer (a 1 × 1 convolution in disguise) is occasionally
    intended; suppress the finding with `# noqa: ML101` there.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Use instead
    ```python
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    ```

    ## Fix safety
    In a `Sequential` list with one layer per line, the fix inserts `Flatten()`
    before the layer; the parameter count of the next layer changes, as intended.
    """

    code = "ML101"
    name = "dense-on-unflattened"
    severity = Severity.ERROR
    summary = "Dense/Linear applied to a tensor that still has spatial axes"
    INVALID = [
        Example(
            "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
            "    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
            "    layers.Dense(10, activation=\"softmax\"),\n])\n",
            expected_fix=(
                "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
                "    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
                "    layers.Flatten(),\n    layers.Dense(10, activation=\"softmax\"),\n])\n"
            ),
        ),
        Example(
            "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.fc = nn.Linear(16, 10)\n\n"
            "    def forward(self, x):\n        return self.fc(torch.relu(self.conv(x)))\n\n\n"
            "model = Net()\nout = model(torch.randn(1, 3, 32, 32))\n"
        ),
        Example(_NO_INPUT.format(pool="")),  # no input shape: (None, L - 4, 64) all the same
    ]
    VALID = [
        Example(
            "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
            "    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
            "    layers.Flatten(),\n    layers.Dense(10, activation=\"softmax\"),\n])\n"
        ),
        Example(
            "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n"
            "    keras.Input((100, 64)),\n    layers.LSTM(32, return_sequences=True),\n"
            "    layers.Dense(8),\n])\n"
        ),
        Example(
            "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.fc = nn.Linear(16 * 30 * 30, 10)\n\n"
            "    def forward(self, x):\n        return self.fc(torch.flatten(self.conv(x), 1))\n\n\n"
            "model = Net()\nout = model(torch.randn(1, 3, 32, 32))\n"
        ),
        Example(_NO_INPUT.format(pool="    layers.GlobalAveragePooling1D(),\n")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for layer in model.layers():
            if layer.kind not in DENSE_KINDS:
                continue
            preds = model.predecessors(layer.id)
            shape = preds[0].outputs[0] if preds and preds[0].outputs else None
            if shape is None or len(shape) < 3:
                continue
            source = spatial_source(model, layer)
            if source is None:
                continue
            channels_last = bool(source.attrs.get("channels_last"))
            flatten = "Flatten()" if channels_last else "torch.flatten(x, 1) or nn.Flatten()"
            message = (f"{layer.op} applied to a {len(shape)}-D tensor {format_shape(shape)} from "
                       f"{source.name} ({source.op}); it only mixes the last axis. "
                       f"Did you forget {flatten}?")
            yield self.on_layer(ctx, model, layer, message, fix=self._fix(ctx, layer, channels_last, flatten))

    @staticmethod
    def _fix(ctx, layer, channels_last: bool, flatten: str) -> Fix:
        hint = f"Insert {flatten} before {layer.name}"
        span = layer.span
        if not channels_last or span is None:
            return Fix(hint)
        lines = ctx.source.splitlines(keepends=True)
        if span.line > len(lines):
            return Fix(hint)
        text = lines[span.line - 1]
        indent, rest = text[: span.column - 1], text[span.column - 1 :]
        m = re.match(r"([\w.]*?)" + re.escape(layer.op) + r"\(", rest)
        if indent.strip() or m is None or not _in_list(ctx.source, span):
            return Fix(hint)
        insert = f"{indent}{m.group(1)}Flatten(),\n"
        return Fix(hint, (Edit(Span(span.line, 1, span.line, 1), insert),))


def _in_list(source: str, span: Span) -> bool:
    """The layer call is an element of a list/tuple literal (a Sequential's layers)."""
    lines = source.splitlines()
    for idx in range(span.line - 2, -1, -1):
        stripped = lines[idx].rstrip()
        if not stripped or stripped.lstrip().startswith("#"):
            continue
        return stripped.endswith((",", "[", "("))
    return False
