from __future__ import annotations

from collections.abc import Iterator

from modelint.analyzer.diagnostics import Diagnostic, Fix, Severity
from modelint.analyzer.losses import Expects, Family
from modelint.analyzer.rule import Example, Rule
from modelint.rules._activations import describe, loss_label, loss_pairs, loss_site, output_site
from modelint.rules._loss_flows import covered_lines, loss_flows

_KERAS_HEAD = "import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((20,)),\n" \
              "    layers.Dense(32, activation=\"relu\"),\n"
_TORCH_NET = (
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1 = nn.Linear(20, 32)\n        self.fc2 = nn.Linear(32, 10)\n\n"
    "    def forward(self, x):\n        x = F.relu(self.fc1(x))\n        return {ret}\n\n\n"
    "model = Net()\ncriterion = {loss}\nx = torch.randn(8, 20)\ny = torch.randint(0, 10, (8,))\n"
    "loss = criterion(model(x), y)\n"
)


class SoftmaxIntoLogitsLoss(Rule):
    """## What it does
    Flags a model whose output already went through softmax (or log-softmax)
    trained with a loss that expects raw logits: torch's `CrossEntropyLoss` /
    `F.cross_entropy` / `BCEWithLogitsLoss`, or a Keras crossentropy with
    `from_logits=True`. The finding is reported on the line that makes the
    output probabilities (the softmax call, the `nn.Softmax` module, the Dense with
    `activation="softmax"`); the loss and its line are named in the message. The loss
    may be defined anywhere in the file: at module level, in `train()` / `main()`,
    or in a `compile(loss=...)` call.

    ## Why is this bad?
    The loss applies (log-)softmax itself, so the model's probabilities are
    squashed a second time. Training still runs, but the gradients shrink as the
    predictions become confident, learning stalls, and the reported loss is
    never close to zero. Nothing crashes, which is why this is so common.

    ## Known problems
    Only losses applied in the same file are seen: a `compile(loss=...)` call on
    the model, or a torch loss module/function applied to the model's output.
    A model whose output layer cannot be resolved is not judged. Log-softmax
    into a *categorical* logits loss is not flagged: log-softmax is idempotent
    (`log_softmax(log_softmax(x)) == log_softmax(x)`), so the result is the same.

    ## Example
    ```python
    model = keras.Sequential([..., layers.Dense(10, activation="softmax")])
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Use instead
    ```python
    model = keras.Sequential([..., layers.Dense(10)])  # logits
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```
    or keep the softmax and drop `from_logits=True`. In PyTorch, return the
    logits from `forward` and apply `softmax` only at inference.
    """

    code = "ML201"
    name = "softmax-into-logits-loss"
    severity = Severity.ERROR
    summary = "Softmax/log-softmax output fed to a loss that expects logits"
    INVALID = [
        Example(_KERAS_HEAD + "    layers.Dense(10, activation=\"softmax\"),\n])\n"
                "model.compile(optimizer=\"adam\",\n"
                "              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"),
        Example("import keras\nfrom keras import layers\n\ninputs = keras.Input((20,))\n"
                "x = layers.Dense(10)(inputs)\noutputs = layers.Softmax()(x)\n"
                "model = keras.Model(inputs, outputs)\n"
                "model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"),
        Example(_TORCH_NET.format(ret="F.softmax(self.fc2(x), dim=1)", loss="nn.CrossEntropyLoss()")),
        Example(_TORCH_NET.format(ret="torch.softmax(self.fc2(x), dim=-1)", loss="nn.CrossEntropyLoss()")),
        Example("import torch\nimport torch.nn.functional as F\n\nlogits = torch.randn(8, 10)\n"
                "y = torch.randint(0, 10, (8,))\nprobs = F.softmax(logits, dim=-1)\n"
                "loss = F.cross_entropy(probs.view(-1, 10), y)\n"),
    ]
    VALID = [
        Example(_KERAS_HEAD + "    layers.Dense(10),\n])\n"
                "model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))\n"),
        Example(_KERAS_HEAD + "    layers.Dense(10, activation=\"softmax\"),\n])\n"
                "model.compile(loss=\"sparse_categorical_crossentropy\")\n"),
        Example(_TORCH_NET.format(ret="self.fc2(x)", loss="nn.CrossEntropyLoss()")),
        Example(_TORCH_NET.format(ret="F.log_softmax(self.fc2(x), dim=1)", loss="nn.NLLLoss()")),
        Example(_TORCH_NET.format(ret="F.log_softmax(self.fc2(x), dim=1)", loss="nn.CrossEntropyLoss()")),
        Example("import torch\nimport torch.nn.functional as F\n\nlogits = torch.randn(8, 10)\n"
                "y = torch.randint(0, 10, (8,))\nprobs = F.softmax(logits, dim=-1)\n"
                "loss = F.cross_entropy(logits.view(-1, 10), y)\n"),
    ]

    def check_file(self, ctx) -> Iterator[Diagnostic]:
        """Softmax reaching a logits loss through code the graph does not link: a loss
        inside ``forward``, a softmax written in the loss call, a reshaped model output."""
        covered = covered_lines(ctx)
        for flow in loss_flows(ctx):
            if flow.spec.expects is not Expects.LOGITS or flow.activation_span.line in covered:
                continue
            if flow.activation == "log_softmax" and flow.spec.family is Family.CATEGORICAL:
                continue
            label = f"F.{flow.loss}" if flow.loss[:1].islower() else flow.loss
            message = (f"{label} (line {flow.loss_span.line}) expects logits, but it gets {flow.activation} "
                       f"probabilities from {flow.via} (line {flow.activation_span.line}); the loss applies "
                       f"softmax a second time")
            yield self.at(ctx, flow.activation_span, message, None,
                          Fix(f"Pass the logits to {label}; apply {flow.activation} only where probabilities are read"))

    def check(self, model, ctx) -> Iterator[Diagnostic]:
        for use, final in loss_pairs(model):
            if use.expects is not Expects.LOGITS or final.name not in ("softmax", "log_softmax"):
                continue
            if final.name == "log_softmax" and use.spec.family is Family.CATEGORICAL:
                continue  # log_softmax is idempotent: CrossEntropyLoss(log_softmax(x)) is exact
            what = "log-probabilities" if final.name == "log_softmax" else "probabilities"
            message = (f"{loss_label(use, model.framework)}{loss_site(use)} expects logits, but the model output is "
                       f"{final.name} {what} from {describe(final.layer)}; the loss applies softmax a second time")
            if model.framework == "keras":
                hint = f"Drop the {final.name} from {final.layer.name} (output logits), or drop from_logits=True"
            else:
                hint = f"Return the logits (remove {final.layer.op}) and apply {final.name} only at inference"
            span = output_site(final) or use.span
            yield self.at(ctx, span, message, model.name, Fix(hint), layer=final.layer.id)
