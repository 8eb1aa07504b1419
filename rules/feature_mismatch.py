from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.ops._base import FEATURE_MISMATCH
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import factor_string, format_dim, is_expr, is_known, is_size
from modelint.rules._graph import (
    DENSE_KINDS,
    defined_line,
    flatten_source,
    issues_of,
    producer,
    spatial_source,
    width_source,
)
from modelint.rules._symbols import refuted_constraints, sizes_differ

_TORCH_NET = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.conv1 = nn.Conv2d(1, 32, 3)\n        self.conv2 = nn.Conv2d(32, 64, 3)\n"
    "        self.fc1 = nn.Linear({fc_in}, 128)\n\n"
    "    def forward(self, x):\n        x = F.relu(self.conv1(x))\n        x = F.max_pool2d(F.relu(self.conv2(x)), 2)\n"
    "        x = torch.flatten(x, 1)\n        return self.fc1(x)\n\n\n"
    "model = Net()\nout = model(torch.randn(1, 1, 28, 28))\n"
)
_TORCH_BN = (
    "import torch.nn as nn\n\n\n# modelint: input-shape=(2, 3, 32, 32)\nclass Block(nn.Module):\n"
    "    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 64, 3, padding=1)\n"
    "        self.bn = nn.BatchNorm2d({bn})\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n"
)
_TORCH_NO_SHAPE = (
    "import torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self, dim_in, hidden, dim_out):\n"
    "        super().__init__()\n        self.fc1 = nn.Linear(dim_in, hidden)\n"
    "        self.fc2 = nn.Linear({fc2_in}, dim_out)\n\n"
    "    def forward(self, x):\n        return self.fc2(self.fc1(x).relu())\n"
)
_TORCH_FLAT = (
    "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, in_channels):\n"
    "        super().__init__()\n        self.conv = nn.Conv2d(in_channels, 128, 3, padding=1)\n"
    "        self.fc = nn.Linear({fc_in}, 10)\n\n"
    "    def forward(self, x):\n        return self.fc(torch.flatten(self.conv(x), 1))\n"
)
_TORCH_LSTM = (
    "import torch.nn as nn\n\n\n# modelint: input-shape=(2, 15)\nclass Tagger(nn.Module):\n"
    "    def __init__(self):\n        super().__init__()\n        self.embed = nn.Embedding(1000, 100)\n"
    "        self.lstm = nn.LSTM({lstm_in}, 64, batch_first=True)\n\n"
    "    def forward(self, x):\n        out, _ = self.lstm(self.embed(x))\n        return out\n"
)


class FeatureMismatch(Rule):
    """## What it does
    Flags a layer whose declared input size differs from the size of the tensor it
    receives: a `Linear`'s `in_features`, a convolution's `in_channels`, a
    BatchNorm's `num_features`, an RNN's `input_size`, a LayerNorm's
    `normalized_shape`. For a `Linear` after a flatten it shows the factors of the
    incoming size and the layer they come from.

    ## Why is this bad?
    The model cannot run: torch fails on the first batch with
    `mat1 and mat2 shapes cannot be multiplied (1x9216 and 4608x128)`, usually
    after the data pipeline has been set up. The number to declare follows from
    the shapes, which modelint already knows.

    ## Known problems
    Without an input shape (`--input-shape`, a `# modelint: input-shape=(...)`
    comment, an example input in the file) and with sizes left to constructor
    arguments, the sizes are formulas over symbols (`(N, C, H, W)`, `hidden`):
    a mismatch is reported when it holds for every value of them — 32 channels
    declared as 64, `2·hidden` features after a layer that makes `hidden`,
    `128·s·s` flattened features declared as 3136 (no `s` gives that). One
    that holds only for some sizes (`Linear(9216)` after a flatten pins
    `H, W`) is not a finding: `--summary` and the JSON say which inputs fit.

    ## Example
    ```python
    self.conv2 = nn.Conv2d(32, 64, 3)
    self.fc1 = nn.Linear(4608, 128)   # the flattened input has 9216 = 64 × 12 × 12
    ```

    ## Use instead
    ```python
    self.fc1 = nn.Linear(9216, 128)   # or nn.LazyLinear(128)
    ```
    """

    code = "ML102"
    name = "feature-mismatch"
    severity = Severity.ERROR
    summary = "A layer's declared input size differs from the incoming tensor's size"
    INVALID = [
        Example(_TORCH_NET.format(fc_in=4608)),
        Example(_TORCH_BN.format(bn=32)),
        Example(_TORCH_LSTM.format(lstm_in=64)),
        # No input shape, every size a constructor argument: wrong for every value.
        Example(_TORCH_NO_SHAPE.format(fc2_in="2 * hidden")),
        Example(_TORCH_FLAT.format(fc_in="64 * 7 * 7")),  # 128·H·W is never 3136
    ]
    VALID = [
        Example(_TORCH_NET.format(fc_in=9216)),
        Example(_TORCH_BN.format(bn=64)),
        Example(_TORCH_LSTM.format(lstm_in=100)),
        Example(_TORCH_NO_SHAPE.format(fc2_in="hidden")),
        Example(_TORCH_NO_SHAPE.format(fc2_in="dim_out")),  # equal only for some values: not a finding
        Example(_TORCH_FLAT.format(fc_in="128 * 7 * 7")),  # fits 7 × 7 inputs
        Example("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((28, 28, 1)),\n"
                "    layers.Conv2D(32, 3),\n    layers.BatchNormalization(),\n    layers.Flatten(),\n"
                "    layers.Dense(10),\n])\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for layer, issue in issues_of(model, FEATURE_MISMATCH):
            if _spatial_dense(model, layer):
                continue  # ML101 says what is wrong: the missing flatten
            message = self.message(model, layer, issue)
            span = layer.attrs.get("init_span") or layer.span
            expected, actual = issue.data.get("expected"), issue.data.get("actual")
            hint = f"Declare {actual} instead of {expected}" if isinstance(actual, int) else None
            yield self.at(ctx, span or model.span, message, model.name, Fix(hint) if hint else None,
                          layer=layer.id)
        for layer, _constraint, text in refuted_constraints(model, FEATURE_MISMATCH):
            if _spatial_dense(model, layer):
                continue  # ML101's
            origin = producer(model, layer)
            if origin is not None and origin.id != layer.id:
                line = defined_line(origin)
                text += f" (input from {origin.name}" + (f" at line {line})" if line is not None else ")")
            span = layer.attrs.get("init_span") or layer.span
            yield self.at(ctx, span or model.span, text, model.name, layer=layer.id)
        yield from self._declared_widths(model, ctx)

    def _declared_widths(self, model, ctx) -> Iterator[Diagnostic]:
        """A Linear after a Linear when the shapes are unknown (a first Linear fixes no
        rank, so a model of Linears without an input shape has none): the first one's
        ``out_features`` is the width of the second one's input whatever the rank.
        Reported when the declared sizes differ for every value of their symbols."""
        for layer in model.layers():
            declared = layer.attrs.get("in_features")
            if layer.kind not in DENSE_KINDS or layer.issues or not is_size(declared):
                continue
            refs = [r for r in model.input_refs(layer.id) if r is not None]
            if len(refs) != 1 or model.shape_of(refs[0]) is not None:
                continue  # a known shape: the op compared the sizes itself
            source = width_source(model, layer)
            units = source.attrs.get("units") if source is not None else None
            if source is None or not sizes_differ(declared, units):
                continue
            line = defined_line(source)
            where = f" at line {line}" if line is not None else ""
            names = sorted(set().union(*(d.symbols() for d in (declared, units) if is_expr(d))))
            always = f", for every value of {', '.join(names)}" if names else ""
            text = (f"{layer.op} expects {_size(declared)} input features, but {source.name} "
                    f"({source.op}{where}) makes {_size(units)}{always}")
            hint = f"Declare {units} instead of {declared}" if is_known(units) else None
            span = layer.attrs.get("init_span") or layer.span
            yield self.at(ctx, span or model.span, text, model.name, Fix(hint) if hint else None, layer=layer.id)

    @staticmethod
    def message(model, layer, issue) -> str:
        expected, actual = issue.data.get("expected"), issue.data.get("actual")
        text = issue.message
        flat = flatten_source(model, layer) if layer.kind == "dense" else None
        origin = None
        if flat is not None:
            flatten, dims = flat
            if len(dims) > 1:
                text = (f"{layer.op} expects {expected} input features, but the flattened input has "
                        f"{actual} = {factor_string(dims)}")
            origin = producer(model, flatten)
        else:
            origin = producer(model, layer)
        if origin is not None:
            line = defined_line(origin)
            where = f" at line {line}" if line is not None else ""
            text += f" (from {origin.name}{where})"
        return text


def _size(dim) -> str:
    """``2·hidden`` for an expression (people's products), else the dim's text."""
    return dim.pretty() if is_expr(dim) else format_dim(dim)


def _spatial_dense(model, layer) -> bool:
    """A Dense/Linear on a feature map that still has its spatial axes (ML101's case)."""
    if layer.kind not in DENSE_KINDS:
        return False
    preds = model.predecessors(layer.id)
    shape = preds[0].output_shape if preds else None
    return shape is not None and len(shape) >= 3 and spatial_source(model, layer) is not None
