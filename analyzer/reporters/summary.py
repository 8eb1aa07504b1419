"""Per-model tables in the shape of Keras' ``model.summary()``.

A layer whose count is a formula over symbols shows the formula in its ``Param #``
cell (``9,216·dim_out + dim_out``); the totals then read ``Total params: <formula>``
with the part known as a number beside it, and a model whose input has symbols gets
an ``Accepts:`` line saying which input sizes fit (analyzer/fit.py)."""

from __future__ import annotations

from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.notebook import CellMap
from modelint.analyzer.ops._cost import Poly
from modelint.analyzer.passes.infer import PER_EXAMPLE_BATCH, activation_total
from modelint.analyzer.reporters.json import symbolic_input, visible_layers
from modelint.analyzer.shapes import format_count, format_shape

_WIDTHS = (40, 28, 14)
_MACS_WIDTH = 16  # the MACs column (docs/flops.md): this application's multiply-accumulates


def _count(n: object) -> str:
    return format_count(n)


def _size(n: int) -> str:
    size = n * 4  # float32, as Keras reports it
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}" if unit != "B" else f"{size} B"
        size /= 1024
    return ""


_UNRESOLVED = " (lower bound: part of the model is unresolved, see ML403)"


def _why_inexact(model: ModelGraph) -> str:
    """Why an all-integer total is not the framework's own count: an unresolved part
    (a lower bound), or a model the framework cannot count as written although every
    layer resolved (a required argument without a value; a Keras model without an
    input shape, which Keras leaves unbuilt) — then the number holds for every value."""
    resolved = not model.unresolved and all(
        layer.shared or (layer.trainable is not None and layer.non_trainable is not None) for layer in model.layers())
    if not resolved:
        return _UNRESOLVED
    if model.extra.get("missing_args"):
        return " (for every value of the arguments it is built without)"
    if any(origin.kind == "input" for origin in model.symbols.values()):
        return " (for every input size; the model has no input shape, so the framework cannot count it as written)"
    return _UNRESOLVED


def _formula_line(count: object, known: int) -> str:
    """``288·C + 32 (a formula over C; 1,290 known as numbers)``, or an int's usual
    ``1,290 (5.04 KB)``."""
    if isinstance(count, int):
        return f"{count:,} ({_size(count)})"
    names = ", ".join(sorted(count.symbols()))  # type: ignore[attr-defined]
    part = f"; {known:,} ({_size(known)}) in the layers of known size" if known else ""
    return f"{format_count(count)} (a formula over {names}{part})"


def _work(count: Poly | None) -> str:
    """A MACs / FLOPs / bytes count: ``1,204,224·N``; a negative term of a symbolic
    count reads ``- 576·C·H``, not ``+ -576·C·H``."""
    return "?" if count is None else count.format().replace("+ -", "- ")


def render_model(model: ModelGraph, path: str) -> str:
    w1, w2, w3 = _WIDTHS
    rule = "─" * (w1 + w2 + w3 + _MACS_WIDTH + 3)
    cells = model.extra.get("notebook_cells")
    located = cells.locate(model.line) if isinstance(cells, CellMap) else None
    where = f"{path}:cell {located[0]}:{located[1]}" if located else f"{path}:{model.line}"
    lines = [f'Model: "{model.name}" ({model.class_name}, {model.framework}) {where}', rule,
             f"{'Layer (type)':<{w1}} {'Output Shape':<{w2}} {'Param #':>{w3}} {'MACs':>{_MACS_WIDTH}}",
             rule.replace("─", "═")]
    model.costs()
    for layer in visible_layers(model):
        label = f"{layer.name} ({layer.op})"
        params = "(shared)" if layer.shared else _count(layer.params)
        shape = format_shape(layer.output_shape)
        if len(label) > w1:
            lines.append(label)
            label = ""
        lines.append(f"{label:<{w1}} {shape:<{w2}} {params:>{w3}} {_work(layer.macs):>{_MACS_WIDTH}}")
    trainable, non_trainable, exact = model.totals()
    total = trainable + non_trainable
    formulas = model.formula_totals()
    if formulas is None:
        bound = "" if exact else _why_inexact(model)
        lines += [rule,
                  f"Total params: {total:,} ({_size(total)}){bound}",
                  f"Trainable params: {trainable:,} ({_size(trainable)})",
                  f"Non-trainable params: {non_trainable:,} ({_size(non_trainable)})"]
    else:
        bound = "" if formulas.exact else _UNRESOLVED
        lines += [rule,
                  f"Total params: {_formula_line(formulas.total, total)}{bound}",
                  f"Trainable params: {_formula_line(formulas.trainable, trainable)}",
                  f"Non-trainable params: {_formula_line(formulas.non_trainable, non_trainable)}"]
    fit = None
    if symbolic_input(model):
        from modelint.analyzer.fit import input_fit

        fit = input_fit(model)
    if fit is not None:
        text = fit.describe()
        lines.append(f"Accepts: {text[len('accepts '):] if text.startswith('accepts ') else text}")
    macs, flops, cost_exact = model.cost_totals()
    per = " per example" if model.framework in PER_EXAMPLE_BATCH else ""
    cost_bound = "" if cost_exact else " (lower bound: some layers' MACs are unknown)"
    lines.append(f"Total MACs{per}: {_work(macs)} ({_work(flops)} FLOPs){cost_bound}")
    activations = activation_total(model)
    kept = "?" if activations is None else (
        _size(activations.constant) if activations.constant is not None else f"{_work(activations * 4)} B")
    lines.append(f"Forward activations{per}: {kept} (float32 layer outputs kept for backward)")
    if model.unregistered_params:
        lines.append(f"Unregistered params (invisible to .parameters(), see ML307): {model.unregistered_params:,}")
    return "\n".join(lines) + "\n"
