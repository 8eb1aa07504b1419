from __future__ import annotations

from modelint.analyzer.diagnostics import Severity
from modelint.analyzer.rule import Example, Rule


class SyntaxErrorRule(Rule):
    """## What it does
    Reports a Python file that cannot be parsed, at the line and column where
    parsing stopped.

    ## Why is this bad?
    Nothing in the file can be analysed until it parses; the other files of the
    run are still analysed.

    ## Known problems
    Only the first syntax error of a file is reported.

    ## Example
    ```python
    model = keras.Sequential([
        layers.Dense(10
    ```

    ## Use instead
    ```python
    model = keras.Sequential([layers.Dense(10)])
    ```
    """

    code = "ML901"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "The file cannot be parsed"
    INVALID = [
        Example("import keras\nmodel = keras.Sequential([\n    keras.layers.Dense(10\n"),
        Example("import torch.nn as nn\nclass Net(nn.Module)\n    pass\n"),
    ]
    VALID = [
        Example("import keras\nmodel = keras.Sequential([keras.layers.Dense(10)])\n"),
        Example("import torch.nn as nn\nclass Net(nn.Module):\n    pass\n"),
    ]
