from __future__ import annotations

import ast
from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.losses import Family
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import describe, loss_pairs
from modelint.rules._tree import python_tree

_KERAS = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((20,)),\n"
          "    layers.Dense(32, activation=\"relu\"),\n    layers.Dense({units}, activation=\"{act}\"),\n])\n"
          "model.compile(optimizer=\"adam\", loss=\"binary_crossentropy\", metrics={metrics})\n")
# What users write for "accuracy" and Keras resolves by guessing from the shapes.
_AMBIGUOUS = frozenset({"accuracy", "acc"})


def _compile_calls(ctx) -> dict[tuple[int, int], ast.Call]:
    """``something.compile(...)`` calls of the file by the position of their callee
    (1-based line, 0-based column), parsed once per file."""
    cached = ctx.extra.get("_compile_calls")
    if cached is None:
        cached = {}
        tree = python_tree(ctx)
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile":
                cached[(node.func.lineno, node.func.col_offset)] = node
        ctx.extra["_compile_calls"] = cached
    return cached


def _ambiguous_metric(call: ast.Call) -> ast.expr | None:
    """The ``"accuracy"`` entry of ``metrics=[...]``, if there is one."""
    for kw in call.keywords:
        if kw.arg != "metrics" or not isinstance(kw.value, (ast.List, ast.Tuple)):
            continue
        for item in kw.value.elts:
            if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value.lower() in _AMBIGUOUS:
                return item
    return None


class AccuracyOnMultilabel(Rule):
    """## What it does
    Flags `metrics=["accuracy"]` on a Keras model whose output is several
    independent sigmoid units trained with binary crossentropy (a multi-label
    model).

    ## Why is this bad?
    `"accuracy"` is not one metric: Keras picks one by guessing from the loss and
    the shapes. tf.keras 2 picks per-unit binary accuracy, so a model that predicts
    "no label" everywhere scores 95 % on sparse labels; Keras 3 picks categorical
    accuracy, the argmax of independent sigmoids against a multi-hot target, which
    is 0.09 on a model that is fine. Either way the number users read is not the
    fraction of samples whose labels are right, and threads about "99 % accuracy
    that does not hold up" follow.

    ## Known problems
    Only a literal `"accuracy"` / `"acc"` in the `compile()` call on the model is
    seen. A model whose final activation or width cannot be resolved is not judged.

    ## Example
    ```python
    model.add(Dense(26, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    ```

    ## Use instead
    ```python
    model.compile(loss="binary_crossentropy",
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.5), keras.metrics.AUC(multi_label=True)])
    ```
    """

    code = "ML205"
    name = "accuracy-on-multilabel"
    severity = Severity.WARNING
    summary = '`metrics=["accuracy"]` on a multi-label sigmoid output: Keras guesses which accuracy'
    INVALID = [
        Example(_KERAS.format(units=26, act="sigmoid", metrics='["accuracy"]')),
        Example(_KERAS.format(units=3, act="sigmoid", metrics='["acc", "AUC"]')),
    ]
    VALID = [
        Example(_KERAS.format(units=1, act="sigmoid", metrics='["accuracy"]')),
        Example(_KERAS.format(units=26, act="sigmoid", metrics='[keras.metrics.BinaryAccuracy()]')),
        Example(_KERAS.format(units=26, act="sigmoid", metrics='["AUC"]')),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        if model.framework != "keras":
            return
        for use, final in loss_pairs(model):
            spec = use.spec
            if spec is None or spec.family is not Family.BINARY or final.name != "sigmoid":
                continue
            if final.units is None or final.units < 2 or use.span is None:
                continue
            call = _compile_calls(ctx).get((use.span.line, use.span.column - 1))
            item = _ambiguous_metric(call) if call is not None else None
            if item is None:
                continue
            message = (f'metrics=["{item.value}"] on {final.units} independent sigmoid outputs from '
                       f"{describe(final.layer)}: Keras guesses the accuracy (tf.keras 2: per-unit binary "
                       f"accuracy; Keras 3: argmax categorical accuracy), and neither is the share of samples "
                       f"whose labels are all right")
            span = use.span.__class__(item.lineno, item.col_offset + 1, item.end_lineno or item.lineno,
                                      (item.end_col_offset or item.col_offset) + 1)
            yield self.at(ctx, span, message, model.name,
                          Fix("Name the metric: keras.metrics.BinaryAccuracy(threshold=0.5), AUC(multi_label=True) "
                              "or an F1 score"), layer=final.layer.id)
