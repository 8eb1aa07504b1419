from __future__ import annotations

import ast
from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_count
from modelint.rules._tree import python_tree

_NET = ("import torch\nimport torch.nn as nn\n\n\nclass DeepMLP(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.layers = {container}\n\n"
        "    def forward(self, x):\n        for layer in {loop}:\n            x = torch.relu(layer(x))\n        return x\n")


_OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "Adamax", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam",
                         "LBFGS", "SparseAdam", "ASGD", "Rprop"})


def _self_training_classes(tree: ast.Module) -> set[str]:
    """Classes of the file whose ``__init__`` builds an optimizer over their own
    parameters (``self.opt = Adam(self.parameters())``): modules that train themselves,
    as the Forward-Forward algorithm's layers do, and are kept out of the parent's
    ``.parameters()`` on purpose."""
    out = set()
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for fn in cls.body:
            if not (isinstance(fn, ast.FunctionDef) and fn.name == "__init__"):
                continue
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
                first = call.args[0] if call.args else None
                if (name in _OPTIMIZERS and isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute)
                        and first.func.attr == "parameters" and isinstance(first.func.value, ast.Name)
                        and first.func.value.id == "self"):
                    out.add(cls.name)
    return out


def _trains_itself(ctx, span) -> bool:
    """The container's assignment builds only modules that train themselves."""
    if span is None or "parameters()" not in ctx.source:
        return False
    tree = python_tree(ctx)
    if tree is None:
        return False
    own = _self_training_classes(tree)
    if not own:
        return False
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.Expr)) and node.lineno <= span.line <= (node.end_lineno or node.lineno):
            built = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
                     and c.func.id[:1].isupper()}
            return bool(built) and built <= own
    return False


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
    Modules kept out of `.parameters()` on purpose because each trains itself (its
    class builds `self.opt = Adam(self.parameters())`, as Forward-Forward layers do)
    are not flagged; other deliberate uses are (freeze such modules with
    `requires_grad_(False)` or add `# noqa: ML307`). `self.layers = []` filled later with `.append(...)`
    is only seen where the torch frontend records the empty container.

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
        Example("import torch\nimport torch.nn as nn\nfrom torch.optim import Adam\n\n\nclass Layer(nn.Linear):\n"
                "    def __init__(self, n_in, n_out):\n        super().__init__(n_in, n_out)\n"
                "        self.opt = Adam(self.parameters(), lr=0.03)\n\n\nclass Net(nn.Module):\n"
                "    def __init__(self):\n        super().__init__()\n"
                "        self.layers = [Layer(784, 500), Layer(500, 500)]\n\n"
                "    def forward(self, x):\n        for layer in self.layers:\n            x = layer(x)\n"
                "        return x\n"),
        Example(_NET.format(container="nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])", loop="self.layers")),
        Example(_NET.format(container="nn.ModuleDict({\"a\": nn.Linear(8, 8), \"b\": nn.Linear(8, 8)})",
                            loop="self.layers.values()")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for entry in model.extra.get("unregistered_attrs", []):
            if _trains_itself(ctx, entry["span"]):
                continue
            container = entry["container"]
            wrapper = "nn.ModuleDict" if container == "dict" else "nn.ModuleList"
            params = entry["params"]
            count = f"their {format_count(params)} parameters" if params is not None else "their parameters"
            message = (f"self.{entry['attr']} keeps {entry['modules']} module(s) in a plain {container}: "
                       f"torch's .parameters() does not see {count}, so the optimizer never trains them")
            yield self.at(ctx, entry["span"] or model.span, message, model.name,
                          Fix(f"Wrap them in {wrapper}(...)"))
