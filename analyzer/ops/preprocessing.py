"""Keras preprocessing that a model holds: ``keras_normalization`` (Normalization,
whose statistics are non-trainable weights) and ``extract_patches``
(``keras.ops.image.extract_patches``, the ViT / MLP-Mixer patching)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from modelint.analyzer.ops import macs, op
from modelint.analyzer.ops._base import OpResult
from modelint.analyzer.ops._common import as_tuple, cls, first, norm_dim, unknown_result
from modelint.analyzer.ops._cost import FREE, Cost, matmul_like, numel
from modelint.analyzer.shapes import Shape, is_known


@op("keras_normalization")
def keras_normalization(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """Keras Normalization: the output has the input's shape. Without ``mean=`` /
    ``variance=`` it holds ``adapt()``'s statistics as non-trainable weights: a
    mean and a variance over the kept ``axis`` dims, and a scalar count."""
    x = first(inputs)
    if attrs.get("mean") is not None or attrs.get("variance") is not None:
        return OpResult((x,), 0, 0)
    if x is None:
        return OpResult((None,), None, None, (), f"{cls(attrs)}: its statistics follow the input, which is unknown")
    axis = attrs.get("axis", -1)
    axes = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    kept = [norm_dim(a, len(x)) if isinstance(a, int) else None for a in axes]
    if any(k is None for k in kept) or not all(is_known(x[k]) for k in kept):  # type: ignore[index]
        return OpResult((x,), None, None, (), f"{cls(attrs)}: the kept axes {axes} are not known in {x}")
    size = 1
    for k in kept:
        size *= x[k]  # type: ignore[index,operator]
    return OpResult((x,), 0, 2 * size + 1)


@op("extract_patches")
def extract_patches(attrs: Mapping[str, Any], inputs: Sequence[Shape | None]) -> OpResult:
    """``(N, H, W, C)`` → ``(N, H', W', ph·pw·C)`` (channels-last), ``strides``
    defaulting to the patch size; ``"valid"``: ``(H - ph) // sh + 1``, ``"same"``:
    ``ceil(H / sh)``."""
    x = first(inputs)
    size = as_tuple(attrs.get("size"), 2)
    strides = as_tuple(attrs.get("strides") if attrs.get("strides") is not None else attrs.get("size"), 2)
    padding = attrs.get("padding", "valid")
    if x is None or len(x) != 4 or size is None or strides is None or padding not in ("valid", "same") or not all(
            isinstance(v, int) for v in (*size, *strides)) or attrs.get("dilation_rate", 1) != 1:
        return unknown_result(f"{cls(attrs)}: these patches are not modelled")
    n, h, w, c = x
    out = []
    for dim, k, s in ((h, size[0], strides[0]), (w, size[1], strides[1])):
        if not is_known(dim):
            out.append(None)
        elif padding == "valid":
            out.append((dim - k) // s + 1)
        else:
            out.append(-(-dim // s))
    depth = size[0] * size[1] * c if is_known(c) else None
    return OpResult(((n, out[0], out[1], depth),), 0, 0)


@macs("keras_normalization")
def keras_normalization_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                             outputs: Sequence[Shape | None]) -> Cost:
    """``(x - mean) / sqrt(variance)`` folds into ``x·a + b``: one MAC per output
    element, as the other normalisations count."""
    return matmul_like(numel(first(outputs)))


@macs("extract_patches")
def extract_patches_macs(attrs: Mapping[str, Any], inputs: Sequence[Shape | None],
                         outputs: Sequence[Shape | None]) -> Cost:
    """Gathering patches moves data: no arithmetic."""
    return FREE
