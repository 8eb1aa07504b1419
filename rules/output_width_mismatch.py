from __future__ import annotations

import ast
from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity, Span
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import describe, loss_pairs, output_site
from modelint.rules._tree import python_tree

_ONE_HOT_LOSSES = frozenset({"categorical_crossentropy", "CategoricalCrossentropy", "categorical_focal_crossentropy",
                             "CategoricalFocalCrossentropy"})
_KERAS = ("import numpy as np\nimport keras\nfrom keras import layers\nfrom keras.utils import to_categorical\n\n"
          "{labels}\n\nmodel = keras.Sequential([\n    keras.Input((20,)),\n"
          "    layers.Dense(32, activation=\"relu\"),\n    layers.Dense({units}, activation=\"softmax\"),\n])\n"
          "model.compile(optimizer=\"adam\", loss=\"{loss}\")\n")


def _int_constants(tree: ast.Module) -> dict[str, int]:
    """Module-level ``NAME = <int>`` bindings (assigned once)."""
    seen: dict[str, list] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            seen.setdefault(node.targets[0].id, []).append(node.value)
    return {name: v[0].value for name, v in seen.items()
            if len(v) == 1 and isinstance(v[0], ast.Constant) and type(v[0].value) is int}


def _literal_max(value: ast.expr) -> int | None:
    """The largest label of ``np.array([1, 2, 3])`` / ``[1, 2, 3]`` (non-negative int literals)."""
    if isinstance(value, ast.Call) and value.args and isinstance(value.func, ast.Attribute) \
            and value.func.attr in ("array", "asarray"):
        value = value.args[0]
    if isinstance(value, (ast.List, ast.Tuple)) and value.elts and all(
            isinstance(e, ast.Constant) and type(e.value) is int and e.value >= 0 for e in value.elts):
        return max(e.value for e in value.elts)
    return None


def _int_arrays(tree: ast.Module) -> dict[str, int]:
    """Module-level names bound once to literal label arrays: the largest label, per name."""
    seen: dict[str, list] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            seen.setdefault(node.targets[0].id, []).append(node.value)
    out = {}
    for name, values in seen.items():
        top = _literal_max(values[0])
        if top is not None and all(_literal_max(v) == top or _is_one_hot_of(v, name) for v in values):
            out[name] = top
    return out


def _is_one_hot_of(value: ast.expr, name: str) -> bool:
    """``y = to_categorical(y)``: the rebinding that one-hot encodes the labels."""
    return (isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name)
            and value.args[0].id == name)


def one_hot_widths(ctx) -> list[tuple[int, str, Span]]:
    """(width, how it was stated, where) for every ``to_categorical`` call of the file
    whose column count the file states: an explicit ``num_classes`` (a literal or a
    module constant), or the labels' literal array (``max + 1`` columns)."""
    cached = ctx.extra.get("_one_hot_widths")
    if cached is not None:
        return cached
    out: list[tuple[int, str, Span]] = []
    tree = python_tree(ctx) if "to_categorical" in ctx.source else None
    if tree is not None:
        consts, arrays = _int_constants(tree), _int_arrays(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name != "to_categorical" or not node.args:
                continue
            count = node.args[1] if len(node.args) > 1 else next(
                (kw.value for kw in node.keywords if kw.arg in ("num_classes", "nb_classes")), None)
            span = Span(node.lineno, node.col_offset + 1, node.end_lineno or node.lineno,
                        (node.end_col_offset or node.col_offset) + 1)
            if isinstance(count, ast.Constant) and type(count.value) is int:
                out.append((count.value, f"to_categorical(..., {count.value})", span))
            elif isinstance(count, ast.Name) and count.id in consts:
                out.append((consts[count.id], f"to_categorical(..., {count.id}={consts[count.id]})", span))
            elif count is None and isinstance(node.args[0], ast.Name) and node.args[0].id in arrays:
                top = arrays[node.args[0].id]
                out.append((top + 1, f"to_categorical({node.args[0].id}) on labels up to {top}", span))
            elif count is None and (top := _literal_max(node.args[0])) is not None:
                out.append((top + 1, f"to_categorical(...) on labels up to {top}", span))
    ctx.extra["_one_hot_widths"] = out
    return out


class OutputWidthMismatch(Rule):
    """## What it does
    Compares the width of a Keras model's output layer with the number of
    classes the same file one-hot encodes its labels into (`to_categorical(y, N)`,
    or `to_categorical(y)` on labels written out in the file), for a model trained
    with categorical crossentropy.

    ## Why is this bad?
    `to_categorical` makes `max(label) + 1` columns unless told otherwise, so labels
    numbered from 1 make one column more than there are classes, and a head built
    for another class count cannot be trained: Keras stops at `fit()` with
    `expected dense_1 to have shape (3,) but got array with shape (4,)`, or, when the
    widths happen to broadcast, trains against the wrong columns.

    ## Known problems
    Only class counts the file states are used: a literal or module constant given
    to `to_categorical`, or labels written as a literal list. When the file one-hot
    encodes several label arrays to different widths, nothing is reported.

    ## Example
    ```python
    y_train = to_categorical(np.array([1, 2, 3, 1]))   # 4 columns: 0..3
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    y_train = to_categorical(np.array([1, 2, 3, 1]) - 1, num_classes=3)
    ```
    """

    code = "ML206"
    name = "output-width-mismatch"
    severity = Severity.ERROR
    summary = "The output layer's width differs from the class count the labels are one-hot encoded to"
    INVALID = [
        Example(_KERAS.format(labels="y = to_categorical(np.array([1, 2, 3, 1, 2, 3]))", units=3,
                              loss="categorical_crossentropy")),
        Example(_KERAS.format(labels="NUM_CLASSES = 22\ny = to_categorical(np.zeros(8), NUM_CLASSES)", units=20,
                              loss="categorical_crossentropy")),
    ]
    VALID = [
        Example(_KERAS.format(labels="y = to_categorical(np.array([0, 1, 2, 0, 1, 2]))", units=3,
                              loss="categorical_crossentropy")),
        Example(_KERAS.format(labels="y = to_categorical(np.zeros(8), 22)", units=22, loss="categorical_crossentropy")),
        Example(_KERAS.format(labels="y = to_categorical(np.zeros(8), 22)", units=20,
                              loss="sparse_categorical_crossentropy")),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        if model.framework != "keras":
            return
        pairs = [(use, final) for use, final in loss_pairs(model)
                 if use.name in _ONE_HOT_LOSSES and final.units is not None]
        if not pairs:
            return  # checked first: the file is parsed only for a model this rule can judge
        widths = one_hot_widths(ctx)
        if len({w for w, _, _ in widths}) != 1:
            return
        width, how, where = widths[0]
        for use, final in pairs:
            if final.units == width:
                continue
            message = (f"{describe(final.layer)} outputs {final.units} classes, but {how} at line {where.line} "
                       f"makes {width}-column targets for {use.name}")
            yield self.at(ctx, output_site(final), message, model.name,
                          Fix(f"Make the output layer {width} wide, or one-hot encode to {final.units} classes "
                              f"(labels from 0, num_classes={final.units})"), layer=final.layer.id)
