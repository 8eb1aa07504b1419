from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.rule import Example, Rule

_NET = ("import torch\nimport torch.nn as nn\n\n\nclass DeepMLP(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.layers = {container}\n\n"
        "    def forward(self, x):\n        for layer in {loop}:\n            x = torch.relu(layer(x))\n        return x\n")


class UnregisteredSubmodule(Rule):
    """## What it does
    Flags PyTorch modules kept in a plain Python `list`, `dict` or `tuple`
    attribute of an `nn.Module`.

    ## Why is this bad?
    torch only registers modules assigned directly or through `nn.ModuleList` /
    `nn.ModuleDict`. The others are invisible to `.parameters()` (the optimizer
    never updates them), `.to(device)` (they stay on the CPU), `state_dict()`
    (they are not saved) and train/evaluation mode switches. The model runs, and silently
    does not learn those layers. modelint counts parameters the way
    `.parameters()` would and reports the unregistered ones beside the total.

    ## Known problems
    None known: a module kept in a plain container on purpose (to hide it from the
    optimizer) is better frozen with `requires_grad_(False)`.

    ## Example
    ```python
    self.layers = [nn.Linear(32, 32) for _ in range(3)]
    ```

    ## Use instead
    ```python
    self.layers = nn.ModuleList([nn.Linear(32, 32) for _ in range(3)])
    ```
    """

    code = "ML307"
    name = "unregistered-submodule"
    severity = Severity.ERROR
    summary = "Modules kept in a plain list/dict/tuple are not registered with the model"
    INVALID = [
        Example(_NET.format(container="[nn.Linear(8, 8) for _ in range(3)]", loop="self.layers")),
        Example(_NET.format(container="{\"a\": nn.Linear(8, 8), \"b\": nn.Linear(8, 8)}", loop="self.layers.values()")),
    ]
    VALID = [
        Example(_NET.format(container="nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])", loop="self.layers")),
        Example(_NET.format(container="nn.ModuleDict({\"a\": nn.Linear(8, 8), \"b\": nn.Linear(8, 8)})",
                            loop="self.layers.values()")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for entry in model.extra.get("unregistered_attrs", []):
            container = entry["container"]
            wrapper = "nn.ModuleDict" if container == "dict" else "nn.ModuleList"
            params = entry["params"]
            count = f"{params:,}" if params is not None else "an unknown number of"
            message = (f"self.{entry['attr']} keeps {entry['modules']} module(s) in a plain {container}: "
                       f"torch's .parameters() does not see their {count} parameters, so the optimizer never "
                       f"trains them")
            yield self.at(ctx, entry["span"] or model.span, message, model.name,
                          Fix(f"Wrap them in {wrapper}(...)"))
