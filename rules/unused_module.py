from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.rule import Example, Rule

_NET = ("import torch.nn as nn\nimport torch.nn.functional as F\n\n\nclass MLP(nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n        self.fc1 = nn.Linear(32, 64)\n"
        "        self.{extra} = nn.{cls}\n        self.fc2 = nn.Linear(64, 5)\n\n"
        "    def forward(self, x):\n        x = F.relu(self.fc1(x))\n{use}        return self.fc2(x)\n")


class UnusedModule(Rule):
    """## What it does
    Flags a module built in `__init__` (registered on the model) that `forward`
    never calls.

    ## Why is this bad?
    Its parameters are still counted, saved in `state_dict` and handed to the
    optimizer, and with `DistributedDataParallel` an unused parameter is an error
    (`Expected to have finished reduction in the prior iteration`). Mostly it
    means a layer that was meant to be used was forgotten: a dropout that never
    regularises, a projection that is never applied.

    ## Known problems
    A module used only on a path modelint cannot follow (a branch on a value known
    at run time only) is not flagged when the path was reported as unresolved.
    Modules used outside `forward` (by a custom `generate()` method) are flagged;
    suppress with `# noqa: ML301`.

    ## Example
    ```python
    self.dropout = nn.Dropout(0.5)   # never used in forward
    ```

    ## Use instead
    ```python
    x = self.dropout(F.relu(self.fc1(x)))
    ```
    """

    code = "ML301"
    name = "unused-module"
    severity = Severity.WARNING
    summary = "A module built in __init__ is never used in forward"
    INVALID = [
        Example(_NET.format(extra="dropout", cls="Dropout(0.5)", use="")),
        Example(_NET.format(extra="proj", cls="Linear(64, 64)", use="")),
    ]
    VALID = [
        Example(_NET.format(extra="dropout", cls="Dropout(0.5)", use="        x = self.dropout(x)\n")),
        Example(_NET.format(extra="proj", cls="Linear(64, 64)", use="        x = self.proj(x)\n")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        if not model.extra.get("forward_followed"):
            return
        for layer in model.layers():
            if layer.applied or layer.attrs.get("registered") is False:
                continue
            if layer.attrs.get("unused_reason"):  # worded by the frontend (ONNX: a node nobody reads)
                yield self.on_layer(ctx, model, layer, f"{layer.name} ({layer.op}) {layer.attrs['unused_reason']}",
                                    Fix(layer.attrs.get("unused_fix") or f"Remove {layer.name}"))
                continue
            params = f" its {layer.params:,} parameters are still counted and trained" if layer.params else ""
            message = (f"{layer.name} ({layer.op}) is built in __init__ but never used in forward"
                       + (f";{params}" if params else ""))
            yield self.on_layer(ctx, model, layer, message,
                                Fix(f"Apply self.{layer.name} in forward, or remove it"))
