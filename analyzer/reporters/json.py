"""The JSON report, contract version 1 (see README.md and schemas/report-v1.json).

In a notebook every ``line`` is the line within a cell, and the object (finding,
fix edit, model, layer) gains ``cell``: the 1-based index of the cell among all
the notebook's cells."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from modelint.analyzer.context import FileResult
from modelint.analyzer.graph import Layer, ModelGraph
from modelint.analyzer.notebook import CellMap, cell_of
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


def _cells(model: ModelGraph) -> CellMap | None:
    cells = model.extra.get("notebook_cells")
    return cells if isinstance(cells, CellMap) else None


def layer_json(layer: Layer, cells: CellMap | None = None) -> dict[str, Any]:
    span = layer.span
    located = cells.locate(span.line) if cells is not None and span is not None else None
    row: dict[str, Any] = {
        "id": layer.id,
        "name": layer.name,
        "op": layer.op,
        "line": located[1] if located else span.line if span else None,
        "column": span.column if span else None,
        "output_shape": to_json(layer.output_shape),
        "params": 0 if layer.shared and layer.params is not None else layer.params,
        "trainable_params": 0 if layer.shared and layer.trainable is not None else layer.trainable,
    }
    if len(layer.outputs) > 1:
        row["output_shapes"] = [to_json(s) for s in layer.outputs]
    if layer.shared:
        row["shared"] = True
    row.update(layer_cost_json(layer))
    if located:
        row["cell"] = located[0]
    return row


def model_json(model: ModelGraph) -> dict[str, Any]:
    trainable, non_trainable, exact = model.totals()
    model.costs()  # fills every layer's MACs before the rows read them
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
    cells = _cells(model)
    located = cells.locate(model.line) if cells is not None else None
    row = {
        "name": model.name,
        "class": model.class_name,
        "framework": model.framework,
        "line": located[1] if located else model.line,
        "input_shape": input_shape(model),
        "params": params,
        "layers": [layer_json(layer, cells) for layer in layers],
        "edges": edges,
    }
    if located:
        row["cell"] = located[0]
    row.update(compute_json(model))
    return row


def _count_json(count: Any) -> int | str | None:
    """A ``Poly`` as JSON: an int, or a string expression over the shape symbols."""
    return None if count is None else count.to_json()


def layer_cost_json(layer: Layer) -> dict[str, Any]:
    """Per layer: ``macs``, ``flops`` (this application; a shared module applied
    twice costs twice) and ``activation_bytes`` (its outputs, float32)."""
    from modelint.analyzer.passes.infer import BYTES_PER_ELEMENT, activation_elements

    elements = activation_elements(layer)
    return {"macs": _count_json(layer.macs), "flops": _count_json(layer.flops),
            "activation_bytes": None if elements is None else _count_json(elements * BYTES_PER_ELEMENT)}


def compute_json(model: ModelGraph) -> dict[str, Any]:
    """Per model: ``macs`` / ``flops`` totals (exact only when every layer's are)
    and ``memory``: parameter bytes by dtype and the forward activations kept for
    backward, under the assumptions the report states."""
    from modelint.analyzer.passes.infer import BYTES_PER_ELEMENT, PER_EXAMPLE_BATCH, activation_total

    macs, flops, exact = model.cost_totals()
    trainable, non_trainable, params_exact = model.totals()
    activations = activation_total(model)
    batch = ("per example (the batch axis, None in the model, counts as 1)"
             if model.framework in PER_EXAMPLE_BATCH else "the batch of the input shape")
    memory = {
        "param_bytes": {"float32": (trainable + non_trainable) * BYTES_PER_ELEMENT},
        "activation_bytes": None if activations is None else _count_json(activations * BYTES_PER_ELEMENT),
        "exact": params_exact and activations is not None and not model.unresolved,
        "assumptions": f"float32 parameters and activations; activations: every layer output kept for the "
                       f"backward pass (views, inputs and constants excluded), {batch}",
    }
    return {"macs": {"total": _count_json(macs), "exact": exact},
            "flops": {"total": _count_json(flops), "exact": exact},
            "memory": memory}


def diagnostic_json(d) -> dict[str, Any]:
    row = d.to_json()
    cell = cell_of(d)
    if cell is not None:
        row["cell"] = cell
        if row["fix"] is not None:
            for edit, edit_cell in zip(row["fix"]["edits"], d.extra.get("edit_cells") or ()):
                edit["cell"] = edit_cell
    return row


def report(results: Sequence[FileResult]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "files": [
            {
                "path": r.path,
                "models": [model_json(m) for m in r.models],
                "diagnostics": [diagnostic_json(d) for d in r.diagnostics],
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
