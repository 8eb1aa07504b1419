from __future__ import annotations

from modelint.analyzer.diagnostics import Severity
from modelint.analyzer.rule import Rule


class InvalidModelFile(Rule):
    """## What it does
    Reports a model file that cannot be read: a truncated or corrupt ONNX
    protobuf, a graph that reads an undefined tensor, an unknown operator domain or
    opset, a file that is not UTF-8 or not a model at all.

    ## Why is this bad?
    The file cannot be analysed, and the framework that loads it would fail too.

    ## Known problems
    Only the first problem found in a file is reported.

    ## Example
    A `model.onnx` cut short by an interrupted download.

    ## Use instead
    Re-export or re-download the model.
    """

    code = "ML902"
    name = "invalid-model-file"
    severity = Severity.ERROR
    summary = "A model file is malformed or unreadable"
