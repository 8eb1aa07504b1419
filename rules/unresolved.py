from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Severity
from modelint.analyzer.rule import Example, Rule


class Unresolved(Rule):
    """## What it does
    Says which part of a model could not be resolved statically — a `Lambda`, a
    custom layer class, a module from another file, a value computed at run time —
    and that the model's totals are therefore lower bounds (`"exact": false`).

    ## Why is this bad?
    It is not a bug in the model: it tells you where modelint stopped, so a number
    is never a guess. Declaring an input shape or moving a helper into the same
    file often resolves it.

    ## Known problems
    One finding per unresolved construct; a chain of layers after an unknown shape
    is reported once, at its start.

    ## Opt-in
    Not in the default selection: it reports what modelint could not resolve, not a defect in the code. Enable it with
    `--extend-select ML403` (or `extend-select = ["ML403"]` in `[tool.modelint]`).

    ## Example
    ```python
    x = layers.Lambda(lambda t: t * 2)(x)
    ```

    ## Use instead
    ```python
    x = layers.Rescaling(2.0)(x)
    ```
    """

    default = False  # opt-in: it reports what modelint could not resolve, not a defect in the code
    code = "ML403"
    name = "unresolved"
    severity = Severity.INFO
    summary = "Part of a model could not be resolved statically; totals are lower bounds"
    INVALID = [
        Example("import keras\nfrom keras import layers\ninputs = keras.Input((4,))\n"
                "x = layers.Lambda(lambda t: t * 2)(inputs)\nmodel = keras.Model(inputs, layers.Dense(2)(x))\n"),
        Example("import torch.nn as nn\nfrom mylib import Block\n\n\nclass Net(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n        self.block = Block(3)\n"
                "        self.fc = nn.Linear(3, 2)\n\n    def forward(self, x):\n        return self.fc(self.block(x))\n"),
    ]
    VALID = [
        Example("import keras\nfrom keras import layers\ninputs = keras.Input((4,))\n"
                "x = layers.Rescaling(2.0)(inputs)\nmodel = keras.Model(inputs, layers.Dense(2)(x))\n"),
        Example("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                "        super().__init__()\n        self.fc = nn.Linear(3, 2)\n\n"
                "    def forward(self, x):\n        return self.fc(x)\n"),
    ]

    def check_file(self, ctx) -> Iterator[Diagnostic]:
        # A function whose evaluation hit a bound (recursion, a huge loop) before it
        # returned the model it may build: said once, at the place it stopped.
        for reason, span in ctx.extra.get("unresolved_functions", ()):
            yield self.at(ctx, span, reason)

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for reason, span in model.extra.get("assumed", ()):
            # A value the file writes down but a run may change (argparse defaults): the
            # totals stay exact for the script run without arguments; the finding says so.
            yield self.at(ctx, span or model.span, f"{model.name}: {reason}", model.name)
        for item in model.unresolved:
            yield self.at(ctx, item.span or model.span, f"{model.name}: {item.reason}; totals are lower bounds",
                          model.name)
        for layer in model.layers():
            # Report where unknown starts, not every layer downstream of it.
            inherited = layer.kind != "unknown" and any(
                p.output_shape is None for p in model.predecessors(layer.id))
            if layer.unknown and not layer.shared and not inherited and not layer.attrs.get("implicit"):
                yield self.on_layer(ctx, model, layer, f"{layer.name} ({layer.op}): {layer.unknown}")
