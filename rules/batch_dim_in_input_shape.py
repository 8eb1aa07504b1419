from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from modelint.analyzer.diagnostics import Diagnostic, Edit, Fix, Severity, Span
from modelint.analyzer.graph import Layer, ModelGraph
from modelint.analyzer.ops._base import RANK_MISMATCH
from modelint.analyzer.rule import Example, Rule

if TYPE_CHECKING:  # libcst is imported where a call is re-parsed: `modelint --version` and a
    import libcst as cst  # run that reports no Keras input shape never load it for this rule
    from libcst.metadata import CodePosition

# Batch sizes people write: 1 and the powers of two from 8 up.
_BATCH_SIZES = frozenset({1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048})
# A first entry this large on a first layer that rejects the rank is the dataset's
# sample count (`input_shape=X_train.shape` written out): `(26721, 32, 32, 1)`.
_SAMPLES_AT_LEAST = 1000

_SEQ = ("from tensorflow import keras\n\n{pre}model = keras.Sequential([\n    {first},\n"
        "    keras.layers.Dense(10, activation=\"softmax\"),\n])\n")


class _CallSource(Mapping):
    """Positions in a call re-parsed from its own text (cheaper than indexing every
    node of a big file), mapped back to where the call sits in the file."""

    def __init__(self, positions: Mapping, line: int, column: int) -> None:
        self._positions, self._line, self._column = positions, line, column

    def _shift(self, pos: CodePosition) -> CodePosition:
        from libcst.metadata import CodePosition

        return CodePosition(pos.line + self._line - 1, pos.column + (self._column - 1 if pos.line == 1 else 0))

    def __getitem__(self, node):
        from libcst.metadata import CodeRange

        rng = self._positions[node]
        return CodeRange(self._shift(rng.start), self._shift(rng.end))

    def __iter__(self):
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


def _span(positions, node: cst.CSTNode) -> Span | None:
    rng = positions.get(node)
    if rng is None:
        return None
    return Span(rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)


def _call_at(ctx, span: Span | None, rank_mismatch: bool) -> tuple[cst.Call | None, Mapping]:
    """The call written at ``span`` and its positions in the file — only where the
    evidence this rule needs can be there: a name saying "batch", or a first layer
    that rejects the input's rank."""
    lines = ctx.lines
    if span is None or not (1 <= span.line <= span.end_line <= len(lines)):
        return None, {}
    text = [lines[i] for i in range(span.line - 1, span.end_line)]
    text[-1] = text[-1][: span.end_column - 1]
    text[0] = text[0][span.column - 1:]
    joined = "".join(text)
    if "shape" not in joined or not (rank_mismatch or "batch" in joined.lower()):
        return None, {}
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module("\n".join(text))
    except cst.ParserSyntaxError:
        return None, {}
    stmt = module.body[0] if module.body else None
    expr = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and stmt.body else None
    call = expr.value if isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call) else None
    if call is None:
        return None, {}
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return call, _CallSource(positions, span.line, span.column)


def _shape_arg(call: cst.Call, explicit_input: bool) -> cst.BaseExpression | None:
    """The written input shape: ``input_shape=`` of a layer, ``shape=`` (or the first
    positional) of ``keras.Input``. ``batch_input_shape`` includes the batch on purpose."""
    keyword = "shape" if explicit_input else "input_shape"
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if explicit_input and call.args and call.args[0].keyword is None and not call.args[0].star:
        return call.args[0].value
    return None


def _names_batch(node: cst.BaseExpression) -> bool:
    """``BATCH_SIZE``, ``cfg.batch_size``, ``params["batch"]``: the author said so."""
    import libcst as cst

    if isinstance(node, cst.Name):
        return "batch" in node.value.lower()
    if isinstance(node, cst.Attribute):
        return "batch" in node.attr.value.lower()
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return "batch" in index.value.value.lower()
    return False


def _rank_mismatch(model: ModelGraph, input_layer: Layer) -> bool:
    return any(getattr(issue, "kind", None) == RANK_MISMATCH
               for succ in model.successors(input_layer.id) for issue in succ.issues)


class BatchDimInInputShape(Rule):
    """## What it does
    Flags a Keras `input_shape=` / `keras.Input(shape=...)` whose first entry is
    the batch size: Keras adds the batch axis itself, so it must not be written.

    ## Why is this bad?
    `Flatten(input_shape=(32, 28, 28, 1))` builds a model for inputs of shape
    `(None, 32, 28, 28, 1)`: a `Conv2D` refuses it, and after a `Flatten` the
    model silently grows a 25,088-wide input and fails only at `fit()` time with
    a confusing shape error — or trains on the wrong reshaping.

    ## Known problems
    Only strong evidence is reported, since `(16, 112, 112, 3)` may well be 16
    video frames: the first entry is spelled as a batch (`BATCH_SIZE`,
    `cfg.batch_size`), or it is a typical batch size (1, 8, 16, 32, ...) *and*
    the first layer rejects the input's rank, or it is a number of samples (1000 or
    more: the training array's full shape was copied) and the first layer rejects
    the input's rank. `batch_input_shape` /
    `batch_shape` include the batch on purpose and are never flagged.

    ## Example
    ```python
    keras.layers.Flatten(input_shape=(BATCH_SIZE, 28, 28, 1))
    ```

    ## Use instead
    ```python
    keras.layers.Flatten(input_shape=(28, 28, 1))
    ```

    ## Fix safety
    The fix deletes the first entry of the shape. The model then expects the
    shape it was meant to; code that relied on the extra axis changes.
    """

    code = "ML303"
    name = "batch-dim-in-input-shape"
    severity = Severity.WARNING
    summary = "input_shape includes the batch axis"
    INVALID = [
        Example(_SEQ.format(pre="BATCH_SIZE = 32\n\n",
                            first="keras.layers.Flatten(input_shape=(BATCH_SIZE, 28, 28, 1))"),
                expected_fix=_SEQ.format(pre="BATCH_SIZE = 32\n\n",
                                         first="keras.layers.Flatten(input_shape=(28, 28, 1))")),
        Example(_SEQ.format(pre="", first="keras.layers.Conv2D(8, 3, input_shape=(32, 28, 28, 1)),\n"
                                          "    keras.layers.Flatten()")),
        Example(_SEQ.format(pre="", first="keras.layers.Conv2D(32, 3, input_shape=(26721, 32, 32, 1)),\n"
                                          "    keras.layers.Flatten()")),
        Example("import keras\nfrom keras import layers\n\ncfg = {\"batch_size\": 16}\n"
                "inputs = keras.Input(shape=(cfg[\"batch_size\"], 64))\n"
                "outputs = layers.Dense(1)(inputs)\nmodel = keras.Model(inputs, outputs)\n"),
    ]
    VALID = [
        Example(_SEQ.format(pre="", first="keras.layers.Flatten(input_shape=(28, 28, 1))")),
        Example(_SEQ.format(pre="", first="keras.layers.Conv3D(8, 3, input_shape=(16, 112, 112, 3)),\n"
                                          "    keras.layers.Flatten()")),
        Example(_SEQ.format(pre="", first="keras.layers.Flatten(batch_input_shape=(32, 28, 28, 1))")),
        Example("import keras\nfrom keras import layers\n\nSEQ_LEN = 32\n"
                "inputs = keras.Input(shape=(SEQ_LEN, 64))\n"
                "outputs = layers.Dense(1)(inputs)\nmodel = keras.Model(inputs, outputs)\n"),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        if model.framework != "keras":
            return
        import libcst as cst

        for ref in model.inputs:
            if ref.node not in model:
                continue
            input_layer = model.layer(ref.node)
            implicit = bool(input_layer.attrs.get("implicit"))
            carriers = model.successors(input_layer.id) if implicit else [input_layer]
            for carrier in carriers:
                call, positions = _call_at(ctx, carrier.span, _rank_mismatch(model, input_layer))
                if call is None:
                    continue
                shape = _shape_arg(call, not implicit)
                if not isinstance(shape, (cst.Tuple, cst.List)) or not shape.elements:
                    continue
                diag = self._judge(ctx, model, input_layer, shape, positions)
                if diag is not None:
                    yield diag

    def _judge(self, ctx, model, input_layer, shape, positions) -> Diagnostic | None:
        import libcst as cst

        first = shape.elements[0].value
        if _names_batch(first):
            why = "is spelled as a batch size"
        elif (isinstance(first, cst.Integer) and first.evaluated_value in _BATCH_SIZES
              and _rank_mismatch(model, input_layer)):
            why = f"is a typical batch size ({first.evaluated_value}) and the first layer rejects the rank"
        elif (isinstance(first, cst.Integer) and first.evaluated_value >= _SAMPLES_AT_LEAST
              and _rank_mismatch(model, input_layer)):
            why = (f"looks like the number of samples ({first.evaluated_value}) and the first layer rejects "
                   f"the rank")
        else:
            return None
        span = _span(positions, first)
        written = ctx.lines[span.line - 1][span.column - 1: span.end_column - 1] if span else "the first entry"
        message = (f"the input shape's first entry `{written}` {why}: Keras adds the batch axis itself, "
                   f"so the model expects {len(shape.elements) + 1}-D inputs")
        return self.at(ctx, span, message, model.name, self._fix(shape, positions, written))

    @staticmethod
    def _fix(shape, positions, written: str) -> Fix:
        hint = f"Remove `{written}` from the shape (Keras adds the batch axis)"
        if len(shape.elements) < 2:
            return Fix(hint)
        start = _span(positions, shape.elements[0].value)
        after = _span(positions, shape.elements[1].value)
        if start is None or after is None or start.line != after.line:
            return Fix(hint)
        return Fix(hint, (Edit(Span(start.line, start.column, after.line, after.column), ""),))
