"""What a loss expects from the model's output, for every spelling users write.

Frontends record each loss applied to a model as a :class:`LossUse` in
``ModelGraph.extra["losses"]``; the loss/activation rules (ML201, ML202) compare
what the loss expects with the model's final activation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from modelint.analyzer.diagnostics import Span


class Expects(str, Enum):
    LOGITS = "logits"
    PROBABILITIES = "probabilities"
    LOG_PROBABILITIES = "log-probabilities"
    ANY = "any"  # regression losses: no opinion on the final activation


class Family(str, Enum):
    CATEGORICAL = "categorical"
    BINARY = "binary"
    REGRESSION = "regression"


@dataclass(frozen=True, slots=True)
class LossSpec:
    family: Family
    expects: Expects
    honours_from_logits: bool = False  # Keras: from_logits=True switches to logits


_KERAS_PROB = {
    "categorical_crossentropy": Family.CATEGORICAL, "sparse_categorical_crossentropy": Family.CATEGORICAL,
    "categorical_focal_crossentropy": Family.CATEGORICAL, "binary_crossentropy": Family.BINARY,
    "binary_focal_crossentropy": Family.BINARY,
}
_REGRESSION = ("mean_squared_error", "mse", "mean_absolute_error", "mae", "huber", "log_cosh",
               "mean_absolute_percentage_error", "mape", "mean_squared_logarithmic_error", "msle",
               "cosine_similarity", "hinge", "squared_hinge", "poisson")

# Canonical key → spec. Keys are snake_case names (Keras strings/functions) or the
# classes' own names (torch modules, Keras loss classes).
LOSSES: dict[str, LossSpec] = {
    **{k: LossSpec(f, Expects.PROBABILITIES, True) for k, f in _KERAS_PROB.items()},
    "CategoricalCrossentropy": LossSpec(Family.CATEGORICAL, Expects.PROBABILITIES, True),
    "SparseCategoricalCrossentropy": LossSpec(Family.CATEGORICAL, Expects.PROBABILITIES, True),
    "CategoricalFocalCrossentropy": LossSpec(Family.CATEGORICAL, Expects.PROBABILITIES, True),
    "BinaryCrossentropy": LossSpec(Family.BINARY, Expects.PROBABILITIES, True),
    "BinaryFocalCrossentropy": LossSpec(Family.BINARY, Expects.PROBABILITIES, True),
    "CrossEntropyLoss": LossSpec(Family.CATEGORICAL, Expects.LOGITS),
    "cross_entropy": LossSpec(Family.CATEGORICAL, Expects.LOGITS),
    "NLLLoss": LossSpec(Family.CATEGORICAL, Expects.LOG_PROBABILITIES),
    "nll_loss": LossSpec(Family.CATEGORICAL, Expects.LOG_PROBABILITIES),
    "BCEWithLogitsLoss": LossSpec(Family.BINARY, Expects.LOGITS),
    "binary_cross_entropy_with_logits": LossSpec(Family.BINARY, Expects.LOGITS),
    "BCELoss": LossSpec(Family.BINARY, Expects.PROBABILITIES),
    "binary_cross_entropy": LossSpec(Family.BINARY, Expects.PROBABILITIES),
    **{k: LossSpec(Family.REGRESSION, Expects.ANY) for k in _REGRESSION},
    **{k: LossSpec(Family.REGRESSION, Expects.ANY) for k in (
        "MeanSquaredError", "MeanAbsoluteError", "Huber", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
        "mse_loss", "l1_loss", "smooth_l1_loss")},
}


@dataclass(frozen=True, slots=True)
class LossUse:
    """One loss applied to a model's output. ``name`` is a key of :data:`LOSSES`
    (or the unknown spelling as written); ``output`` names the model output for
    multi-output Keras models (None = all outputs)."""

    name: str
    from_logits: bool | None
    span: Span | None
    output: str | None = None

    @property
    def spec(self) -> LossSpec | None:
        return LOSSES.get(self.name)

    @property
    def expects(self) -> Expects | None:
        spec = self.spec
        if spec is None:
            return None
        if spec.honours_from_logits and self.from_logits:
            return Expects.LOGITS
        return spec.expects
