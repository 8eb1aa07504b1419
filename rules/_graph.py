"""Graph questions several rules ask, answered once."""

from __future__ import annotations

from modelint.analyzer.graph import Layer, ModelGraph

# Ops whose output keeps spatial axes (a conv/pool feature map).
SPATIAL_KINDS = frozenset({
    "conv", "conv_transpose", "depthwise_conv", "separable_conv", "pool", "adaptive_pool",
    "upsample", "zero_pad", "pad", "crop", "pixel_shuffle", "resize", "interpolate",
})
# Ops that pass a tensor through without changing what its axes mean.
PASS_THROUGH_KINDS = frozenset({
    "activation", "dropout", "noise", "identity", "batch_norm", "instance_norm", "group_norm",
    "local_response_norm", "layer_norm", "softmax", "prelu", "rescaling",
})
DENSE_KINDS = frozenset({"dense"})


def spatial_source(model: ModelGraph, layer: Layer) -> Layer | None:
    """The conv/pool layer whose feature map reaches ``layer``'s first input through
    shape-preserving layers only, else None."""
    preds = model.predecessors(layer.id)
    seen = 0
    while preds and seen < 64:
        seen += 1
        src = preds[0]
        if src.kind in SPATIAL_KINDS:
            return src
        if src.kind not in PASS_THROUGH_KINDS:
            return None
        preds = model.predecessors(src.id)
    return None
