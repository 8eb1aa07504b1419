"""Run the real frontends, then make a model symbolic the way the frontends will for a
file without an input shape (SYMBOLS.md): its inputs' sizes become symbols (torch's batch
``N``, ``C``, ``H``, ``W`` / ``L``; Keras keeps its ``None`` batch), optionally its
layers' size arguments too (``units``, ``filters``...: a constructor argument without a
value), and every layer is annotated again through the real ops, in order.

So the rules can be tested on symbolic graphs built by the real ops before (and
independently of) the frontends producing them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from modelint.analyzer import engine
from modelint.analyzer.context import FileResult, Options
from modelint.analyzer.graph import ModelGraph
from modelint.analyzer.passes.infer import annotate
from modelint.analyzer.symbolic import Expr
from tests.conftest import analyze, analyze_text

# The size arguments a constructor parameter typically fills (canonical attr names).
SIZE_ATTRS = ("units", "filters", "in_features", "in_channels", "num_features", "input_size",
              "output_dim", "input_dim", "embed_dim", "key_dim", "num_channels")

_TORCH_NAMES = {2: ("N", "F"), 3: ("N", "C", "L"), 4: ("N", "C", "H", "W"), 5: ("N", "C", "D", "H", "W")}
_KERAS_NAMES = {2: (None, "F"), 3: (None, "L", "C"), 4: (None, "H", "W", "C"), 5: (None, "D", "H", "W", "C")}


def _input_names(framework: str, rank: int, index: int) -> tuple[str | None, ...]:
    table = _KERAS_NAMES if framework == "keras" else _TORCH_NAMES
    names = table.get(rank) or ((None,) if framework == "keras" else ("N",)) + tuple(f"d{i}" for i in range(1, rank))
    # A second input gets its own sizes (the batch stays shared).
    return tuple(n if n is None or index == 0 or n == "N" else f"{n}{index}" for n in names)


def symbolize(model: ModelGraph, attrs: bool = False, keep_batch: bool = False, inputs: bool = True,
              sizes: Mapping[str, Mapping[str, Any]] | None = None) -> ModelGraph:
    """Make ``model``'s inputs (and with ``attrs`` its layers' size arguments) symbolic
    and re-run every op, in place. ``keep_batch`` leaves the batch axis as it was (a
    view that hard-codes it then stays consistent); ``sizes`` sets chosen attributes
    (layer name → attr → value, e.g. ``{"fc2": {"in_features": 2 * h}}``)."""
    index = 0
    for layer in model.layers():
        if sizes and layer.name in sizes:
            layer.attrs = {**layer.attrs, **sizes[layer.name]}
        if inputs and layer.kind == "input" and not layer.attrs.get("constant"):
            shape = layer.output_shape
            if shape is not None and len(shape) >= 2 and layer.attrs.get("batch_shape") is not None:
                names = _input_names(model.framework, len(shape), index)
                dims = [d if (n is None or (keep_batch and i == 0) or not isinstance(d, int)) else Expr.symbol(n)
                        for i, (d, n) in enumerate(zip(shape, names))]
                if model.framework == "keras" or keep_batch:
                    dims[0] = shape[0]
                layer.attrs = {**layer.attrs, "batch_shape": tuple(dims)}
                index += 1
        if attrs:
            new = dict(layer.attrs)
            for key in SIZE_ATTRS:
                value = new.get(key)
                if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                    new[key] = Expr.symbol(f"{layer.name.replace('.', '_')}_{key}")
            layer.attrs = new
        inputs = [None if ref is None else model.shape_of(ref) for ref in model.input_refs(layer.id)]
        layer.cost = None
        annotate(layer, inputs)
    return model


@contextmanager
def symbolic_frontends(monkeypatch, **how) -> Iterator[None]:
    """Within the block, every model the engine gets from a frontend is symbolized
    before the rules run."""
    original: Callable = engine.analyze_python

    def patched(ctx, *args, **kwargs):
        return [symbolize(m, **how) for m in original(ctx, *args, **kwargs)]

    monkeypatch.setattr(engine, "analyze_python", patched)
    try:
        yield
    finally:
        monkeypatch.setattr(engine, "analyze_python", original)


def analyze_symbolic(monkeypatch, source: str | Path, path: str = "example.py", options: Options | None = None,
                     **how) -> FileResult:
    with symbolic_frontends(monkeypatch, **how):
        if isinstance(source, Path):
            return analyze(source, options)
        return analyze_text(source, path, options)
