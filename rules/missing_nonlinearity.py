from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.graph import Layer, ModelGraph
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import LINEAR_KINDS, TRANSPARENT_KINDS, activation_name, describe, placement_span

_KERAS = ("import keras\n\nmodel = keras.Sequential([\n    keras.Input(shape=(64,)),\n{body}"
          "    keras.layers.Dense(10, activation=\"softmax\"),\n])\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self):\n"
    "        super().__init__()\n        self.net = nn.Sequential(\n{body}        )\n\n"
    "    def forward(self, x):\n        return self.net(x)\n\n\nmodel = MLP()\nout = model(torch.randn(2, 64))\n"
)


def _linear(layer: Layer) -> bool:
    return layer.kind in LINEAR_KINDS and activation_name(layer) == "linear"


def _ones(value: object) -> bool:
    values = value if isinstance(value, (tuple, list)) else (value,)
    return bool(values) and all(v == 1 for v in values)


def _plain_conv(layer: Layer) -> bool:
    """A full (not grouped, not depthwise) convolution."""
    return layer.kind in ("conv", "conv_transpose") and layer.attrs.get("groups", 1) == 1


def _collapsible(first: Layer, second: Layer) -> bool:
    """Pairs that fold into one layer without changing anything but the weights:
    dense after dense, and a 1×1 (pointwise) conv after a full conv. Stacked
    k×k convs factor a larger kernel and depthwise + pointwise is a separable
    conv: both are deliberate designs and are left alone."""
    if second.kind == "dense":
        return first.kind == "dense"
    return (second.kind == "conv" and _plain_conv(second) and _plain_conv(first)
            and _ones(second.attrs.get("kernel_size")) and _ones(second.attrs.get("strides", 1)))


def linear_source(model: ModelGraph, layer: Layer) -> Layer | None:
    """The linear layer whose output reaches ``layer`` through dropout, flatten
    or reshape only, with no other consumer on the way, and that folds into it;
    else None."""
    preds = model.predecessors(layer.id)
    for _ in range(64):
        if len(preds) != 1:
            return None
        src = preds[0]
        if len(model.successors(src.id)) != 1:
            return None  # the intermediate tensor is used elsewhere too (an output, a skip)
        if _linear(src):
            return src if _collapsible(src, layer) else None
        if src.kind not in TRANSPARENT_KINDS:
            return None
        preds = model.predecessors(src.id)
    return None


class MissingNonlinearity(Rule):
    """## What it does
    Flags a Dense/Linear/Conv layer without activation whose input is the output
    of another Dense/Linear/Conv layer without activation (possibly through
    dropout, flatten or reshape only).

    ## Why is this bad?
    Two affine maps in a row compose into one affine map: `W2 (W1 x + b1) + b2`
    is `W x + b`. The extra layer adds parameters and compute but no
    expressive power; an activation between them was almost always intended.

    ## Known problems
    A deliberate low-rank factorization (a narrow linear bottleneck) is
    flagged too; suppress it with `# noqa: ML204`. Stacked k×k convolutions
    (a larger kernel, factored) and depthwise + pointwise pairs (a separable
    convolution) are deliberate designs and are not flagged, nor is a conv
    followed by a dense layer. Batch/layer normalization,
    attention, merges and any unknown op between the two layers end the
    search, so nothing is reported across them.

    ## Opt-in
    Not in the default selection: two linear layers in a row are advice about capacity, not a defect: the model trains and predicts correctly. Enable it with
    `--extend-select ML204` (or `extend-select = ["ML204"]` in `[tool.modelint]`).

    ## Example
    ```python
    model.add(keras.layers.Dense(128))
    model.add(keras.layers.Dense(64))
    ```

    ## Use instead
    ```python
    model.add(keras.layers.Dense(128, activation="relu"))
    model.add(keras.layers.Dense(64))
    ```
    """

    default = False  # opt-in: two linear layers in a row are advice about capacity, not a defect: the model trains and predicts correctly
    code = "ML204"
    name = "missing-nonlinearity"
    severity = Severity.WARNING
    summary = "Two linear layers in a row with no activation: they collapse into one"
    INVALID = [
        Example(_KERAS.format(body="    keras.layers.Dense(128),\n    keras.layers.Dense(64),\n")),
        Example(_KERAS.format(body="    keras.layers.Dense(128),\n    keras.layers.Dropout(0.5),\n"
                                   "    keras.layers.Dense(64),\n")),
        Example(_TORCH.format(body="            nn.Linear(64, 128),\n            nn.ReLU(),\n"
                                   "            nn.Linear(128, 64),\n            nn.Linear(64, 10),\n")),
        Example(_TORCH.format(body="            nn.Linear(64, 32),\n            nn.Linear(32, 10),\n")),
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((32, 32, 3)),\n"
                "    layers.Conv2D(64, 3),\n    layers.Conv2D(16, 1),\n    layers.ReLU(),\n])\n"),
    ]
    VALID = [
        Example(_KERAS.format(body="    keras.layers.Dense(128, activation=\"relu\"),\n    keras.layers.Dense(64),\n")),
        Example(_KERAS.format(body="    keras.layers.Dense(128),\n    keras.layers.BatchNormalization(),\n"
                                   "    keras.layers.Dense(64, activation=\"relu\"),\n")),
        Example(_TORCH.format(body="            nn.Linear(64, 128),\n            nn.ReLU(),\n"
                                   "            nn.Linear(128, 10),\n")),
        Example(_TORCH.format(body="            nn.Linear(64, 128),\n            nn.Tanh(),\n"
                                   "            nn.Linear(128, 64),\n            nn.GELU(),\n"
                                   "            nn.Linear(64, 10),\n")),
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((32, 32, 3)),\n"
                "    layers.DepthwiseConv2D(3),\n    layers.Conv2D(16, 1),\n    layers.Conv2D(16, 3),\n"
                "    layers.ReLU(),\n])\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for layer in model.layers():
            if not _linear(layer):
                continue
            source = linear_source(model, layer)
            if source is None:
                continue
            message = (f"{layer.name} ({layer.op}) follows {describe(source)} with no activation in between: "
                       "two linear layers compose into one")
            hint = f"Add an activation to {source.name} (e.g. ReLU), or merge the two layers"
            yield self.at(ctx, placement_span(model, layer), message, model.name, Fix(hint), layer=layer.id)
