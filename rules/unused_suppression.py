from __future__ import annotations

from modelint.analyzer.diagnostics import Severity
from modelint.analyzer.rule import Example, Rule


class UnusedSuppression(Rule):
    """## What it does
    Reports a `# noqa: ...` or `# modelint: disable=...` comment that suppresses
    nothing, as ruff's RUF100 does.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line and tells readers
    something that is no longer true.

    ## Known problems
    A suppression of a rule that is not selected in this run counts as unused.

    ## Example
    ```python
    x = layers.Dense(10)(x)  # noqa: ML101
    ```

    ## Use instead
    ```python
    x = layers.Dense(10)(x)
    ```
    """

    code = "ML404"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment that suppresses nothing"
    INVALID = [
        Example("import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])  # noqa: ML101\n"),
        Example("import torch.nn as nn\nhead = nn.Linear(4, 2)  # modelint: disable=ML102\n"),
    ]
    VALID = [
        Example("import keras\nmodel = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Conv2D(8, 3),\n"
                "    keras.layers.Dense(2)])  # noqa: ML101\n"),
        Example("import torch.nn as nn\nhead = nn.Linear(4, 2)  # noqa: E501\n"),
    ]
