from __future__ import annotations

import ast
from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity, Span
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_count
from modelint.rules._tree import python_tree

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
    A module `forward` uses only on a branch the analysed configuration does not take
    (`if self.pretrained: ... else: x = self.embedding(x)`) is not flagged: it is used
    under another configuration.

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
        Example("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, pretrained=False):\n"
                "        super().__init__()\n        self.pretrained = pretrained\n"
                "        self.embedding = nn.Embedding(100, 16)\n        self.fc = nn.Linear(16, 2)\n\n"
                "    def forward(self, x):\n        if self.pretrained:\n            e = x\n        else:\n"
                "            e = self.embedding(x)\n        return self.fc(e)\n\n\n"
                "model = Net(pretrained=True)\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        if not model.extra.get("forward_followed"):
            return
        layers = list(model.layers())
        unused = []
        for layer in layers:
            if layer.applied or layer.attrs.get("registered") is False:
                continue
            if layer.attrs.get("unused_reason"):  # worded by the frontend (ONNX: a node nobody reads)
                yield self.on_layer(ctx, model, layer, f"{layer.name} ({layer.op}) {layer.attrs['unused_reason']}",
                                    Fix(layer.attrs.get("unused_fix") or f"Remove {layer.name}"))
                continue
            unused.append(layer)
        # One finding per attribute that is unused as a whole (a ModuleList of 100
        # BatchNorms the forward never calls is one mistake, not a hundred).
        groups: dict[str, list] = {}
        for layer in unused:
            groups.setdefault(_unused_root(layer.name, layers), []).append(layer)
        conditional = _conditional_uses(ctx, getattr(model, "class_name", None)) if groups else set()
        for root, members in groups.items():
            if root.split(".")[0] in conditional:
                continue  # used on a branch this configuration does not take (`if self.pretrained:`)
            params = _params_of(members)
            if len(members) == 1 and members[0].name == root:
                what = f"{root} ({members[0].op})"
            else:
                ops = sorted({m.op for m in members})
                what = f"{root} ({len(members)} modules: {', '.join(ops)})"
            message = (f"{what} is built in __init__ but never used in forward"
                       + (f"; its {format_count(params)} parameters are still counted and trained"
                          if params is not None and params != 0 else ""))
            span = _assignment_span(ctx, model, root) or members[0].attrs.get("init_span") or members[0].span
            yield self.at(ctx, span, message, model.name, Fix(f"Apply self.{root} in forward, or remove it"),
                          layer=members[0].id)


def _params_of(members: list) -> object:
    """The members' known parameters added up: an int, or a formula over symbols
    (None when the sum has no bounded form)."""
    total: object = 0
    for m in members:
        if m.params is not None:
            try:
                total = total + m.params  # type: ignore[operator]
            except ArithmeticError:  # symbolic.NotFoldable
                return None
    return total


def _conditional_uses(ctx, class_name: str | None) -> set[str]:
    """``self.<attr>`` names the class's ``forward`` reads inside an ``if`` (or a
    conditional expression): modules used under another constructor configuration
    than the one analysed, which are not dead code."""
    if not class_name:
        return set()
    cache = ctx.extra.setdefault("_conditional_uses", {})
    if class_name in cache:
        return cache[class_name]
    found: set[str] = set()
    tree = python_tree(ctx)
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)) if tree is not None else ():
        if cls.name != class_name:
            continue
        for fn in cls.body:
            if not (isinstance(fn, ast.FunctionDef) and fn.name == "forward"):
                continue
            for branch in (n for n in ast.walk(fn) if isinstance(n, (ast.If, ast.IfExp))):
                parts = [*branch.body, *branch.orelse] if isinstance(branch, ast.If) else [branch.body, branch.orelse]
                for part in parts:
                    for node in ast.walk(part):
                        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                                and node.value.id == "self"):
                            found.add(node.attr)
    cache[class_name] = found
    return found


def _unused_root(name: str, layers) -> str:
    """The shortest dotted prefix of ``name`` under which no layer is applied: the
    attribute that is unused as a whole (``bns`` for ``bns.7``, ``layer2`` for
    ``layer2.0``), else the layer's own name."""
    parts = name.split(".")
    for i in range(1, len(parts)):
        prefix = ".".join(parts[:i])
        inside = [other for other in layers if other.name == prefix or other.name.startswith(prefix + ".")]
        if inside and not any(other.applied for other in inside):
            return prefix
    return name


def _assignment_span(ctx, model, root: str) -> Span | None:
    """Where ``self.<attr> = ...`` builds the unused attribute, inside the model's
    class: the line to delete or to use, even when a helper function built the
    module (its constructor call then sits in the helper)."""
    if "." in root:
        return None
    sites = ctx.extra.get("_self_assignments")
    if sites is None:
        sites = {}
        tree = python_tree(ctx)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                            and target.value.id == "self"):
                        sites.setdefault(target.attr, []).append(target)
        ctx.extra["_self_assignments"] = sites
    inside = sites.get(root, [])
    if len(inside) > 1:  # several classes assign it: the one of this model's class
        inside = [t for t in inside if model.span is not None and model.span.line <= t.lineno <= (model.span.end_line or t.lineno)]
    if len(inside) != 1:
        return None
    t = inside[0]
    return Span(t.lineno, t.col_offset + 1, t.end_lineno or t.lineno, (t.end_col_offset or t.col_offset) + 1)
