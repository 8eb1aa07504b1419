from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.losses import Expects, Family
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import FinalActivation, describe, loss_label, loss_pairs, loss_site, output_site
from modelint.rules._loss_flows import covered_lines, loss_flows

_KERAS = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((20,)),\n"
          "    layers.Dense(32, activation=\"relu\"),\n    layers.Dense({units}{act}),\n])\n"
          "model.compile(optimizer=\"adam\", loss={loss})\n")
_TORCH = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(20, 32)\n        self.fc2 = nn.Linear(32, {units})\n\n"
    "    def forward(self, x):\n        x = F.relu(self.fc1(x))\n        return {ret}\n\n\n"
    "model = Net()\ncriterion = {loss}\nx = torch.randn(8, 20)\ny = {target}\n"
    "loss = criterion(model(x), y)\n"
)
_CLASSES = "torch.randint(0, 10, (8,))"
_BINARY = "torch.randint(0, 2, (8, 1)).float()"

_WHAT = {
    "linear": "raw logits (no final activation)",
    "softmax": "softmax probabilities",
    "log_softmax": "log-softmax log-probabilities",
    "sigmoid": "sigmoid probabilities",
}


# Distance losses: with a softmax head they measure distance to a one-hot vector.
_DISTANCE_LOSSES = frozenset({
    "mean_squared_error", "mse", "mean_absolute_error", "mae", "huber", "log_cosh", "MeanSquaredError",
    "MeanAbsoluteError", "Huber", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "mse_loss", "l1_loss",
    "smooth_l1_loss",
})


def _problem(expects: Expects, family: Family, final: FinalActivation, name: str = "") -> str | None:
    """Why this loss and this final activation disagree, or None when they agree."""
    act = final.name
    if act not in _WHAT:
        return None
    if family is Family.REGRESSION:
        if act == "softmax" and final.units != 1 and name in _DISTANCE_LOSSES:
            n = f"{final.units} " if final.units is not None else ""
            return (f"a classification head (softmax over {n}classes) trained with a regression loss: the "
                    f"squared/absolute distance to a one-hot target gives vanishing gradients once a class "
                    f"wins, and the loss no longer says how likely the right class is")
        return None
    if expects is Expects.LOGITS:
        return "the loss applies sigmoid/softmax itself, so the output is squashed twice" if act == "sigmoid" else None
    if expects is Expects.LOG_PROBABILITIES:
        return None if act == "log_softmax" else "it expects log-probabilities (log_softmax)"
    if expects is not Expects.PROBABILITIES:
        return None
    if act == "linear":
        return "it expects probabilities, not logits"
    if act == "log_softmax":
        return "it expects probabilities, not log-probabilities"
    if family is Family.CATEGORICAL and act == "sigmoid":
        return "categorical crossentropy expects one softmax distribution over the classes, but sigmoid " \
               "gives independent per-unit probabilities"
    if family is Family.BINARY and act == "softmax" and final.units is not None and final.units > 2:
        return (f"binary crossentropy treats each of the {final.units} units as an independent yes/no, "
                "but softmax makes them compete (they sum to 1)")
    return None


def _hint(expects: Expects, family: Family, act: str, framework: str) -> str:
    keras = framework == "keras"
    if family is Family.REGRESSION:
        return ('Use loss="categorical_crossentropy" (one-hot targets) or "sparse_categorical_crossentropy"'
                if keras else "Return the logits and use nn.CrossEntropyLoss")
    if expects is Expects.LOGITS:
        return "Remove the final sigmoid (output logits), or use a loss that takes probabilities (nn.BCELoss)"
    if expects is Expects.LOG_PROBABILITIES:
        return "Return F.log_softmax(logits, dim=1), or use nn.CrossEntropyLoss on the logits"
    if act == "linear":
        return "Pass from_logits=True to the loss" if keras else "Use nn.BCEWithLogitsLoss on the logits"
    if act == "log_softmax":
        return "Use softmax as the final activation, or a loss for log-probabilities"
    if family is Family.CATEGORICAL:
        return ("Use softmax for single-label classes, or binary_crossentropy for multi-label outputs" if keras
                else "Use softmax for single-label classes, or a binary loss for multi-label outputs")
    return "Use sigmoid for multi-label outputs, or categorical crossentropy for single-label classes"


class ActivationLossMismatch(Rule):
    """## What it does
    Flags a model whose final activation disagrees with the loss it is trained
    with: sigmoid + categorical crossentropy, a softmax classification head
    trained with a regression loss (MSE, MAE, Huber), softmax over several units +
    binary crossentropy, a sigmoid output fed to `BCEWithLogitsLoss`, `NLLLoss`
    on outputs that are not log-softmax, raw logits fed to a loss that expects
    probabilities (Keras without `from_logits=True`, torch `BCELoss`). The
    finding is reported on the line that gives the output its activation (the
    fix usually goes there); the loss and its line are named in the message.

    ## Why is this bad?
    Each loss assumes a specific kind of input. Given another, it computes
    something else than intended: a sigmoid squashed twice, probabilities that
    are treated as log-probabilities, classes that compete when they should
    not. Training runs and the numbers look plausible, but the model learns the
    wrong thing or learns slowly.

    ## Known problems
    Only losses applied in the same file are seen. Two-unit softmax with binary
    crossentropy on one-hot labels is equivalent to categorical crossentropy and
    is not flagged. Softmax into a logits loss is ML201's finding, not this one's.

    ## Example
    ```python
    model = keras.Sequential([..., layers.Dense(5, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")
    ```

    ## Use instead
    ```python
    model = keras.Sequential([..., layers.Dense(5, activation="sigmoid")])
    model.compile(loss="binary_crossentropy")  # multi-label
    ```
    """

    code = "ML202"
    name = "activation-loss-mismatch"
    severity = Severity.ERROR
    summary = "The final activation and the loss disagree"
    INVALID = [
        Example(_KERAS.format(units=5, act=', activation="sigmoid"', loss='"categorical_crossentropy"')),
        Example(_KERAS.format(units=5, act=', activation="softmax"', loss='"binary_crossentropy"')),
        Example(_KERAS.format(units=10, act="", loss="keras.losses.SparseCategoricalCrossentropy()")),
        Example(_TORCH.format(units=10, ret="self.fc2(x)", loss="nn.NLLLoss()", target=_CLASSES)),
        Example(_TORCH.format(units=1, ret="torch.sigmoid(self.fc2(x))", loss="nn.BCEWithLogitsLoss()",
                              target=_BINARY)),
        Example(_KERAS.format(units=10, act=', activation="softmax"', loss='"mean_squared_error"')),
        Example("import torch\nimport torch.nn.functional as F\n\nout = torch.randn(8, 2)\n"
                "labels = torch.randint(0, 2, (8,))\nloss = F.nll_loss(F.softmax(out, dim=1), labels)\n"),
        Example("import torch\nimport torch.nn as nn\n\n\nclass D(nn.Module):\n    def __init__(self):\n"
                "        super().__init__()\n        self.fc_dis = nn.Linear(16, 1)\n"
                "        self.fc_aux = nn.Linear(16, 10)\n        self.softmax = nn.Softmax(dim=1)\n\n"
                "    def forward(self, x):\n        return torch.sigmoid(self.fc_dis(x)), self.softmax(self.fc_aux(x))\n"
                "\n\nnetD = D()\naux_criterion = nn.NLLLoss()\nrealfake, classes = netD(torch.randn(4, 16))\n"
                "loss = aux_criterion(classes, torch.randint(0, 10, (4,)))\n"),
    ]
    VALID = [
        Example(_KERAS.format(units=5, act=', activation="sigmoid"', loss='"binary_crossentropy"')),
        Example(_KERAS.format(units=5, act=', activation="softmax"', loss='"categorical_crossentropy"')),
        Example(_KERAS.format(units=2, act=', activation="softmax"', loss='"binary_crossentropy"')),
        Example(_KERAS.format(units=10, act="",
                              loss="keras.losses.SparseCategoricalCrossentropy(from_logits=True)")),
        Example(_KERAS.format(units=1, act="", loss='"mse"')),
        Example(_KERAS.format(units=10, act=', activation="sigmoid"', loss='"mse"')),
        Example(_TORCH.format(units=10, ret="F.log_softmax(self.fc2(x), dim=1)", loss="nn.NLLLoss()",
                              target=_CLASSES)),
        Example(_TORCH.format(units=1, ret="self.fc2(x)", loss="nn.BCEWithLogitsLoss()", target=_BINARY)),
        Example("import torch\nimport torch.nn.functional as F\n\nout = torch.randn(8, 2)\n"
                "labels = torch.randint(0, 2, (8,))\nloss = F.nll_loss(F.log_softmax(out, dim=1), labels)\n"),
    ]

    def check_file(self, ctx) -> Iterator[Diagnostic]:
        """Softmax probabilities reaching `NLLLoss` / `F.nll_loss` through code the graph
        does not link (``F.nll_loss(F.softmax(out, dim=1), y)``)."""
        covered = covered_lines(ctx)
        for flow in loss_flows(ctx):
            if (flow.spec.expects is not Expects.LOG_PROBABILITIES or flow.activation != "softmax"
                    or flow.activation_span.line in covered):
                continue
            label = f"F.{flow.loss}" if flow.loss[:1].islower() else flow.loss
            message = (f"{label} (line {flow.loss_span.line}) on softmax probabilities from {flow.via} "
                       f"(line {flow.activation_span.line}): it expects log-probabilities (log_softmax); on "
                       f"probabilities the loss is negative and its gradients are wrong")
            yield self.at(ctx, flow.activation_span, message, None,
                          Fix("Use F.log_softmax, or pass the logits to F.cross_entropy"))

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for use, final in loss_pairs(model):
            spec = use.spec
            problem = _problem(use.expects, spec.family, final, use.name)
            if problem is None:
                continue
            message = (f"{loss_label(use, model.framework)}{loss_site(use)} on {_WHAT[final.name]} from "
                       f"{describe(final.layer)}: {problem}")
            hint = _hint(use.expects, spec.family, final.name, model.framework)
            yield self.at(ctx, output_site(final) or use.span, message, model.name, Fix(hint), layer=final.layer.id)
