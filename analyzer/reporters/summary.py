"""Per-model tables in the shape of Keras' ``model.summary()``."""

from __future__ import annotations

from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.notebook import CellMap
from modelint.analyzer.ops._cost import Poly
from modelint.analyzer.passes.infer import PER_EXAMPLE_BATCH, activation_total
from modelint.analyzer.reporters.json import visible_layers
from modelint.analyzer.shapes import format_shape

_WIDTHS = (40, 28, 14)
_MACS_WIDTH = 16  # the MACs column (docs/flops.md): this application's multiply-accumulates


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _size(n: int) -> str:
    size = n * 4  # float32, as Keras reports it
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}" if unit != "B" else f"{size} B"
        size /= 1024
    return ""


def _work(count: Poly | None) -> str:
    return "?" if count is None else count.format()


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
    bound = "" if exact else " (lower bound: part of the model is unresolved, see ML403)"
    lines += [rule,
              f"Total params: {total:,} ({_size(total)}){bound}",
              f"Trainable params: {trainable:,} ({_size(trainable)})",
              f"Non-trainable params: {non_trainable:,} ({_size(non_trainable)})"]
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
