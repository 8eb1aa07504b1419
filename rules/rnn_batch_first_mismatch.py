from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.rule import Example, Rule
from modelint.analyzer.shapes import format_dim, format_shape, is_size, same_dim
from modelint.rules._activations import construction_span

_NET = ("import torch\nimport torch.nn as nn\n\n\nclass Encoder(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.lstm = nn.LSTM(300, 100, num_layers=2{flag})\n\n"
        "    def forward(self, x):\n        h0 = torch.zeros(2, x.size({axis}), 100)\n"
        "        c0 = torch.zeros(2, x.size({axis}), 100)\n        out, _ = self.lstm(x, (h0, c0))\n"
        "        return out\n\n\nmodel = Encoder()\nout = model(torch.randn(4, 10, 300))\n")


def _dims(layer) -> tuple | None:
    """A rank-3 shape whose every dim is a size (an int or an expression)."""
    shape = layer.output_shape
    if shape is None or len(shape) != 3 or not all(is_size(d) for d in shape):
        return None
    return tuple(shape)


def _count(value: object, default: int) -> object:
    """An RNN attribute that is a size, or ``default`` when absent; None when it is
    not a size (unknown): then the state cannot be recognised."""
    if value is None:
        return default
    return value if is_size(value) else None


def _initial_state(model, layer, preds) -> tuple | None:
    """The shape of the initial hidden state given to ``layer``: its second input
    when the graph links it, else the one tensor the forward builds with the state's
    fixed sizes ``(num_layers x directions, batch, hidden)`` (``torch.zeros(...)``)."""
    if len(preds) > 1:
        return _dims(preds[1])
    num_layers = _count(layer.attrs.get("num_layers"), 1)
    bidirectional = layer.attrs.get("bidirectional", False)
    proj = _count(layer.attrs.get("proj_size"), 0)
    hidden = proj if proj != 0 else _count(layer.attrs.get("units"), 0)
    if num_layers is None or not isinstance(bidirectional, bool) or proj is None or hidden is None:
        return None
    layers_x_dirs = num_layers * (2 if bidirectional else 1)
    found = {dims for other in model.layers()
             if other.kind == "input" and other.attrs.get("constant") and (dims := _dims(other)) is not None
             and same_dim(dims[0], layers_x_dirs) is True and same_dim(dims[2], hidden) is True}
    return found.pop() if len(found) == 1 else None


class RnnBatchFirstMismatch(Rule):
    """## What it does
    Flags a PyTorch RNN (`nn.LSTM`, `nn.GRU`, `nn.RNN`) whose `batch_first` setting
    disagrees with how the code lays out its input: the initial hidden state is
    built for a batch the size of the input's *first* axis while the module,
    without `batch_first=True`, reads the *second* axis as the batch (or the
    reverse).

    ## Why is this bad?
    torch reads `(seq, batch, features)` unless `batch_first=True`. A batch-first
    tensor fed to a default LSTM is read as `batch` sequences of length
    `batch_size`: the model mixes samples across time steps and trains without an
    error, or, as soon as an initial state is passed, stops with
    `Expected hidden[0] size (4, 10, 100), got [4, 4, 100]`.

    ## Known problems
    Needs the input's shape (an example input in the file or `--input-shape`) and
    an initial state passed to the RNN; the layout of an RNN called without one
    cannot be told from the code.

    ## Example
    ```python
    self.lstm = nn.LSTM(300, 100, num_layers=2)
    ...
    h0 = torch.zeros(2, x.size(0), 100)      # x is (batch, seq, features)
    out, _ = self.lstm(x, (h0, c0))
    ```

    ## Use instead
    ```python
    self.lstm = nn.LSTM(300, 100, num_layers=2, batch_first=True)
    ```
    """

    code = "ML207"
    name = "rnn-batch-first-mismatch"
    severity = Severity.ERROR
    summary = "An RNN's batch_first disagrees with the layout of its input and initial state"
    INVALID = [
        Example(_NET.format(flag="", axis=0)),
        Example(_NET.format(flag=", batch_first=True", axis=1)),
    ]
    VALID = [
        Example(_NET.format(flag=", batch_first=True", axis=0)),
        Example(_NET.format(flag="", axis=1)),
    ]

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        if model.framework != "torch":
            return
        for layer in model.layers():
            if layer.kind != "rnn" or "batch_first" not in layer.attrs:
                continue
            preds = model.predecessors(layer.id)
            if not preds:
                continue
            x, h0 = _dims(preds[0]), _initial_state(model, layer, preds)
            # Sizes decide only when proven: the two leading axes differ for every value
            # of their symbols, and the state's batch is the one the RNN does not read.
            if x is None or h0 is None or same_dim(x[0], x[1]) is not False:
                continue
            batch_first = layer.attrs.get("batch_first")
            batch_first = False if batch_first is None else batch_first
            if not isinstance(batch_first, bool):
                continue
            read_batch, other = (x[0], x[1]) if batch_first else (x[1], x[0])
            if same_dim(h0[1], read_batch) is not False or same_dim(h0[1], other) is not True:
                continue
            shown, state = format_shape(x), format_shape(h0)
            x = tuple(format_dim(d) for d in x)
            if batch_first:
                how = (f"batch_first=True, so it reads the input {shown} as (batch={x[0]}, seq={x[1]}, "
                       f"features={x[2]})")
                hint = "Drop batch_first=True (the input is sequence-first), or build the state from x.size(0)"
            else:
                how = (f"batch_first=False, so it reads the input {shown} as (seq={x[0]}, batch={x[1]}, "
                       f"features={x[2]})")
                hint = "Pass batch_first=True: the input is laid out (batch, seq, features)"
            message = (f"{layer.name} ({layer.op}) has {how}, but its initial state {state} is built for a batch "
                       f"of {format_dim(h0[1])}, the input's {'second' if batch_first else 'first'} axis")
            yield self.at(ctx, construction_span(layer) or layer.span, message, model.name, Fix(hint),
                          layer=layer.id)
