"""Softmax outputs that reach a torch loss through plain Python code the model graph
does not cover: a loss applied inside ``forward`` (``F.cross_entropy(probs.view(-1, V), y)``),
a softmax written inside the loss call (``F.nll_loss(F.softmax(out, 1), y)``), or a model's
output reshaped before the criterion (``criterion(out.permute(0, 2, 1), y)``).

The frontends link a loss to a model when the loss takes the model's output directly;
this pass follows one step further, inside each function body (and the module body), by
the names the file binds: an import table resolves ``F`` / ``nn`` / ``torch`` whatever the
alias, a name assigned from a softmax call (or from a model whose graph ends in softmax)
carries it through shape-only methods (``view``, ``reshape``, ``permute``, ...), and a
call to a loss function or to a name bound to a loss module consumes it. Nothing is
evaluated; anything else (an arithmetic step, a call into another function) ends the flow.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.losses import LOSSES, LossSpec
from modelint.rules._tree import python_tree

_SOFTMAX = {"softmax": "softmax", "log_softmax": "log_softmax"}
_SOFTMAX_FUNCS = {"torch.softmax", "torch.nn.functional.softmax", "torch.log_softmax",
                  "torch.nn.functional.log_softmax", "torch.special.softmax", "torch.special.log_softmax"}
# Tensor methods that move or reshape values without changing what they mean.
# Substrings every spelling of the losses followed here contains (a cheap pre-check).
_LOSS_SPELLINGS = ("cross_entropy", "CrossEntropyLoss", "nll_loss", "NLLLoss", "BCEWithLogitsLoss")
_SHAPE_ONLY = frozenset({"view", "reshape", "permute", "transpose", "contiguous", "squeeze", "unsqueeze",
                         "flatten", "float", "to", "cpu", "cuda", "view_as", "reshape_as", "t"})


@dataclass(frozen=True, slots=True)
class LossFlow:
    """A softmax (or log-softmax) output consumed by a torch loss."""

    loss: str               # the LOSSES key: "cross_entropy", "CrossEntropyLoss", "nll_loss", ...
    spec: LossSpec
    activation: str         # "softmax" | "log_softmax"
    activation_span: Span   # the softmax call, or the model application carrying it
    loss_span: Span
    via: str                # how the value got there, for messages: "F.softmax" or "model `model`"


def _span(node: ast.AST) -> Span:
    return Span(node.lineno, node.col_offset + 1, node.end_lineno or node.lineno,
                (node.end_col_offset or node.col_offset) + 1)


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified module/object name, for the module's imports."""
    table: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table[alias.asname] = alias.name
                else:
                    table[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                table[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return table


def _qualname(node: ast.AST, imports: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imports:
        return None
    return ".".join([imports[node.id], *reversed(parts)])


def _loss_key(qual: str | None) -> str | None:
    """``torch.nn.functional.cross_entropy`` -> ``cross_entropy``; ``torch.nn.CrossEntropyLoss``
    -> ``CrossEntropyLoss``; anything that is not a torch loss -> None."""
    if not qual or not qual.startswith("torch.nn"):
        return None
    key = qual.rsplit(".", 1)[-1]
    return key if key in LOSSES else None


class _Scope:
    """Names bound in one function (or the module) body, in source order."""

    def __init__(self, imports: dict[str, str], models: dict[str, dict[int, tuple[str, Span]]],
                 losses: dict[str, str]) -> None:
        self.imports = imports
        self.models = models            # variable -> {output index: (activation, span of its softmax)}
        self.losses = dict(losses)      # variable -> loss key (loss modules bound to names)
        self.carriers: dict[str, tuple[str, Span, str]] = {}  # name -> (activation, span, via)
        self.flows: list[LossFlow] = []

    def softmax_of(self, node: ast.AST) -> tuple[str, Span, str] | None:
        """What softmax ``node`` evaluates to, if it is one (through shape-only methods)."""
        while (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr in _SHAPE_ONLY):
            node = node.func.value
        if isinstance(node, ast.Name):
            return self.carriers.get(node.id)
        if not isinstance(node, ast.Call):
            return None
        qual = _qualname(node.func, self.imports)
        if qual in _SOFTMAX_FUNCS:
            name = qual.rsplit(".", 1)[-1]
            return name, _span(node), ("F." if ".functional." in qual else "torch.") + name
        if isinstance(node.func, ast.Attribute) and node.func.attr in _SOFTMAX and qual is None:
            return node.func.attr, _span(node), f".{node.func.attr}()"  # x.softmax(dim=1)
        outputs = self.models.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if outputs and -1 not in outputs and 0 in outputs:  # a single-output model
            act, span = outputs[0]
            return act, span, f"model `{node.func.id}`"
        return None

    def loss_of(self, call: ast.Call) -> str | None:
        if isinstance(call.func, ast.Name) and call.func.id in self.losses:
            return self.losses[call.func.id]
        if isinstance(call.func, ast.Call):  # nn.CrossEntropyLoss()(probs, y)
            return _loss_key(_qualname(call.func.func, self.imports))
        return _loss_key(_qualname(call.func, self.imports))

    def visit(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue  # their bodies are scopes of their own
            for call in (n for n in ast.walk(stmt) if isinstance(n, ast.Call)):
                key = self.loss_of(call)
                if key is None or not call.args:
                    continue
                found = self.softmax_of(call.args[0])
                if found is not None:
                    act, span, via = found
                    self.flows.append(LossFlow(key, LOSSES[key], act, span, _span(call), via))
            if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Tuple)
                    and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Name)):
                outputs = self.models.get(stmt.value.func.id) or {}
                for i, elt in enumerate(stmt.targets[0].elts):  # realfake, classes = netD(x)
                    if isinstance(elt, ast.Name):
                        if i in outputs and -1 in outputs:
                            act, span = outputs[i]
                            self.carriers[elt.id] = (act, span, f"output {i} of model `{stmt.value.func.id}`")
                        else:
                            self.carriers.pop(elt.id, None)
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
                found = self.softmax_of(stmt.value)
                if found is not None:
                    self.carriers[name] = found
                else:
                    self.carriers.pop(name, None)
                    if isinstance(stmt.value, ast.Call):
                        key = _loss_key(_qualname(stmt.value.func, self.imports))
                        if key is not None and key[:1].isupper():
                            self.losses[name] = key
            elif isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
                for body in ("body", "orelse", "finalbody"):
                    self.visit(getattr(stmt, body, []) or [])


def softmax_models(ctx) -> dict[str, dict[int, tuple[str, Span]]]:
    """Models of the file (by the variable or class name they are known by) with the
    outputs (by position) that end in softmax / log-softmax, and where that activation
    is made."""
    from modelint.rules._activations import final_activation, output_site

    out: dict[str, dict[int, tuple[str, Span]]] = {}
    for model in ctx.models:
        if model.framework != "torch":
            continue
        for i, ref in enumerate(model.outputs):
            final = final_activation(model, ref)
            site = output_site(final) if final is not None else None
            if final is not None and final.name in _SOFTMAX and site is not None:
                out.setdefault(model.name, {})[i] = (final.name, site)
        if model.name in out and len(model.outputs) > 1:
            out[model.name][-1] = ("tuple", model.span)  # marks a multi-output model
    return out


def covered_lines(ctx) -> set[int]:
    """Lines of the output activations the frontends already linked to a loss: the
    graph-based checks report those, the flows here must not repeat them."""
    from modelint.rules._activations import loss_pairs, output_site

    lines = set()
    for model in ctx.models:
        for _, final in loss_pairs(model):
            site = output_site(final)
            if site is not None:
                lines.add(site.line)
    return lines


def loss_flows(ctx) -> list[LossFlow]:
    """Every softmax -> torch loss flow of the file (parsed once per file)."""
    key = "_loss_flows"
    if key in ctx.extra:
        return ctx.extra[key]
    src = ctx.source
    if "oftmax" not in src or not any(name in src for name in _LOSS_SPELLINGS):
        ctx.extra[key] = []  # no softmax or no logits/NLL loss written anywhere: no parse
        return []
    models = softmax_models(ctx)
    flows: list[LossFlow] = []
    tree = python_tree(ctx)
    if tree is not None:
        classes = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        models = {name: v for name, v in models.items() if name not in classes}  # instances, not classes
        imports = _imports(tree)
        if any(q.startswith("torch") for q in imports.values()):
            top = _Scope(imports, models, {})
            top.visit(tree.body)
            flows.extend(top.flows)
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    # A model bound in a function is named ``FUNC.VAR`` (docs/models.md); in
                    # that function's body it is ``VAR``.
                    prefix = node.name + "."
                    local = {name[len(prefix):]: v for name, v in models.items() if name.startswith(prefix)}
                    scope = _Scope(imports, {**models, **local} if local else models, top.losses)
                    scope.visit(node.body)
                    flows.extend(scope.flows)
    unique = {(f.loss_span, f.activation_span): f for f in flows}
    ctx.extra[key] = list(unique.values())
    return ctx.extra[key]
