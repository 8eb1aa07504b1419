"""The JSON report, contract version 1 (see README.md and schemas/report-v1.json)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from modelint.analyzer.engine import FileResult
from modelint.analyzer.graph import Layer, ModelGraph
from modelint.analyzer.shapes import to_json

VERSION = 1


def visible_layers(model: ModelGraph) -> list[Layer]:
    """The rows a user expects: Keras hides a Sequential's implicit input layer."""
    return [layer for layer in model.layers() if not layer.attrs.get("implicit")]


def input_shape(model: ModelGraph) -> Any:
    shapes = [to_json(model.shape_of(ref)) for ref in model.inputs]
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else shapes


def layer_json(layer: Layer) -> dict[str, Any]:
    span = layer.span
    row: dict[str, Any] = {
        "id": layer.id,
        "name": layer.name,
        "op": layer.op,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "output_shape": to_json(layer.output_shape),
        "params": 0 if layer.shared and layer.params is not None else layer.params,
        "trainable_params": 0 if layer.shared and layer.trainable is not None else layer.trainable,
    }
    if len(layer.outputs) > 1:
        row["output_shapes"] = [to_json(s) for s in layer.outputs]
    if layer.shared:
        row["shared"] = True
    return row


def model_json(model: ModelGraph) -> dict[str, Any]:
    trainable, non_trainable, exact = model.totals()
    layers = visible_layers(model)
    shown = {layer.id for layer in layers}
    edges = [[u, v] for u, v in model.edges() if u in shown and v in shown]
    params: dict[str, Any] = {
        "total": trainable + non_trainable,
        "trainable": trainable,
        "non_trainable": non_trainable,
        "exact": exact,
    }
    if model.unregistered_params:
        params["unregistered"] = model.unregistered_params
    onnx_params = model.extra.get("onnx_params")
    if onnx_params:  # ONNX: initializer elements split by element type
        params["float"] = onnx_params["float"]
        params["integer"] = onnx_params["integer"]
    return {
        "name": model.name,
        "class": model.class_name,
        "framework": model.framework,
        "line": model.line,
        "input_shape": input_shape(model),
        "params": params,
        "layers": [layer_json(layer) for layer in layers],
        "edges": edges,
    }


def report(results: Sequence[FileResult]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "files": [
            {
                "path": r.path,
                "models": [model_json(m) for m in r.models],
                "diagnostics": [d.to_json() for d in r.diagnostics],
            }
            for r in results
        ],
        "summary": {
            "files": len(results),
            "models": sum(len(r.models) for r in results),
            "diagnostics": sum(len(r.diagnostics) for r in results),
        },
    }


def render(results: Sequence[FileResult]) -> str:
    return json.dumps(report(results), indent=2) + "\n"
