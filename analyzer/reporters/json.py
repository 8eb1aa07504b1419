"""The JSON report, contract version 2 (see README.md and schemas/report-v2.json), a
strict superset of version 1: every v1 field keeps its type and meaning; symbolic
models add ``symbols``, ``params.formula`` (and its trainable / non-trainable parts,
``formula_exact``), per layer ``params_formula``, and ``input_constraints`` (which
input sizes fit, analyzer/fit.py). A formula or a symbolic dimension is a string in
Python syntax that evaluates to the count with each symbol bound to an integer.

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
from modelint.analyzer.shapes import is_expr, to_json

VERSION = 2


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


def _int_or_none(count: Any) -> int | None:
    """A v1 count: the integer, or null when unknown or a formula (v2 adds the formula)."""
    return count if isinstance(count, int) else None


def formula(count: Any) -> str:
    """A count or a size as a string expression in Python syntax (``*``, ``//``)."""
    return str(count)


def _constant_for_every_value(model: ModelGraph) -> bool:
    """Every layer resolved to an integer and nothing is unresolved, yet the model has
    symbols the framework needs values for (missing arguments, an unbuilt Keras input)."""
    if model.unresolved or not (model.extra.get("missing_args") or model.symbols):
        return False
    return all(layer.shared or (isinstance(layer.trainable, int) and isinstance(layer.non_trainable, int))
               for layer in model.layers())


def layer_json(layer: Layer, cells: CellMap | None = None) -> dict[str, Any]:
    span = layer.span
    located = cells.locate(span.line) if cells is not None and span is not None else None
    params, trainable = layer.params, layer.trainable
    row: dict[str, Any] = {
        "id": layer.id,
        "name": layer.name,
        "op": layer.op,
        "line": located[1] if located else span.line if span else None,
        "column": span.column if span else None,
        "output_shape": to_json(layer.output_shape),
        "params": 0 if layer.shared and params is not None else _int_or_none(params),
        "trainable_params": 0 if layer.shared and trainable is not None else _int_or_none(trainable),
    }
    if not layer.shared and params is not None and not isinstance(params, int):
        row["params_formula"] = formula(params)
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
    totals = model.formula_totals()
    if totals is not None:
        params["formula"] = formula(totals.total)
        params["trainable_formula"] = formula(totals.trainable)
        params["non_trainable_formula"] = formula(totals.non_trainable)
        params["formula_exact"] = totals.exact
    elif not exact and _constant_for_every_value(model):
        # Built without a required argument (or a Keras model without an input shape)
        # that no count uses: the framework cannot count it as written, but the count
        # is this integer for every value of the symbols — a constant formula.
        params["formula"] = formula(trainable + non_trainable)
        params["trainable_formula"] = formula(trainable)
        params["non_trainable_formula"] = formula(non_trainable)
        params["formula_exact"] = True
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
        "symbols": symbols_json(model, cells),
        "params": params,
        "input_constraints": input_constraints_json(model),
        "layers": [layer_json(layer, cells) for layer in layers],
        "edges": edges,
    }
    if located:
        row["cell"] = located[0]
    row.update(compute_json(model))
    return row


def symbols_json(model: ModelGraph, cells: CellMap | None = None) -> list[dict[str, Any]]:
    """Each named symbol and where it comes from, in order of first appearance."""
    out = []
    for origin in model.symbols.values():
        span = origin.span
        located = cells.locate(span.line) if cells is not None and span is not None else None
        row: dict[str, Any] = {"name": origin.name, "kind": origin.kind, "description": origin.description,
                               "line": located[1] if located else span.line if span else None,
                               "column": span.column if span else None}
        if located:
            row["cell"] = located[0]
        out.append(row)
    return out


def symbolic_input(model: ModelGraph) -> bool:
    """Whether some input dimension is an expression over symbols (cheap: no import)."""
    return any(is_expr(d) for ref in model.inputs for d in (model.shape_of(ref) or ()))


def input_constraints_json(model: ModelGraph) -> dict[str, Any] | None:
    """Which input sizes fit (analyzer/fit.py); null when the input shape has no symbol."""
    if not symbolic_input(model):
        return None  # without importing analyzer/fit: a file without symbols pays nothing
    from modelint.analyzer.fit import input_fit

    fit = input_fit(model)
    if fit is None:
        return None
    return {
        "fits": fit.fits,
        "text": fit.describe(),
        "ranges": {name: [lo, hi] for name, (lo, hi) in fit.ranges.items()},
        "constraints": [{"expr": formula(f.constraint.expr), "relation": f.relation, "value": f.constraint.value,
                         "why": f.constraint.why, "layer": f.layer} for f in fit.constraints],
    }


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
