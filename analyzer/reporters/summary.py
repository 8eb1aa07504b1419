"""Per-model tables in the shape of Keras' ``model.summary()``."""

from __future__ import annotations

from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.reporters.json import visible_layers
from modelint.analyzer.shapes import format_shape

_WIDTHS = (40, 28, 14)


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _size(n: int) -> str:
    size = n * 4  # float32, as Keras reports it
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}" if unit != "B" else f"{size} B"
        size /= 1024
    return ""


def render_model(model: ModelGraph, path: str) -> str:
    w1, w2, w3 = _WIDTHS
    rule = "─" * (w1 + w2 + w3 + 2)
    lines = [f'Model: "{model.name}" ({model.class_name}, {model.framework}) {path}:{model.line}', rule,
             f"{'Layer (type)':<{w1}} {'Output Shape':<{w2}} {'Param #':>{w3}}", rule.replace("─", "═")]
    for layer in visible_layers(model):
        label = f"{layer.name} ({layer.op})"
        params = "(shared)" if layer.shared else _count(layer.params)
        shape = format_shape(layer.output_shape)
        if len(label) > w1:
            lines.append(label)
            label = ""
        lines.append(f"{label:<{w1}} {shape:<{w2}} {params:>{w3}}")
    trainable, non_trainable, exact = model.totals()
    total = trainable + non_trainable
    bound = "" if exact else " (lower bound: part of the model is unresolved, see ML403)"
    lines += [rule,
              f"Total params: {total:,} ({_size(total)}){bound}",
              f"Trainable params: {trainable:,} ({_size(trainable)})",
              f"Non-trainable params: {non_trainable:,} ({_size(non_trainable)})"]
    if model.unregistered_params:
        lines.append(f"Unregistered params (invisible to .parameters(), see ML307): {model.unregistered_params:,}")
    return "\n".join(lines) + "\n"
