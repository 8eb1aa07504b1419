"""Issue kinds with their concrete messages, and Unknown attributes/inputs
turning into None plus a reason (never a guess, never an exception)."""

from __future__ import annotations

import pytest

from modelint.analyzer.ops import get_op, kinds
from modelint.analyzer.ops._base import (
    FEATURE_MISMATCH,
    MERGE_MISMATCH,
    NON_POSITIVE_SIZE,
    RANK_MISMATCH,
    RESHAPE_MISMATCH,
    Unknown,
)
from modelint.analyzer.ops._common import window_out


def only_issue(result):
    assert len(result.issues) == 1, result.issues
    return result.issues[0]


def test_linear_in_features(torch):
    result = torch("Linear", [4608, 4096], {}, [(1, 9216)])
    issue = only_issue(result)
    assert issue.kind == FEATURE_MISMATCH
    assert issue.message == "Linear expects 4608 input features, but the input has 9216"
    assert issue.data["expected"] == 4608 and issue.data["actual"] == 9216
    assert result.outputs == ((1, 4096),) and result.trainable == 4608 * 4096 + 4096


def test_conv_channels_and_rank(torch):
    issue = only_issue(torch("Conv2d", [3, 6, 5], {}, [(1, 1, 32, 32)]))
    assert (issue.kind, issue.message) == (FEATURE_MISMATCH, "Conv2d expects 3 input channels, but the input has 1")
    result = torch("Conv2d", [3, 6, 5], {}, [(1, 9216)])
    issue = only_issue(result)
    assert issue.kind == RANK_MISMATCH
    assert issue.message == "Conv2d expects a 3-D or 4-D input, but got a 2-D tensor (1, 9216)"
    assert result.outputs == (None,) and result.trainable == 456


def test_keras_conv_needs_batch_rank(keras):
    issue = only_issue(keras("Conv2D", [8, 3], {}, [(None, 32, 32)]))
    assert issue.message == "Conv2D expects a 4-D input, but got a 3-D tensor (None, 32, 32)"


def test_norm_features(torch):
    issue = only_issue(torch("BatchNorm2d", [64], {}, [(1, 32, 8, 8)]))
    assert (issue.kind, issue.message) == (FEATURE_MISMATCH, "BatchNorm2d expects 64 features, but the input has 32")
    issue = only_issue(torch("LayerNorm", [512], {}, [(2, 10, 256)]))
    assert issue.message == "LayerNorm expects normalized_shape (512,), but the input ends with (256,)"


def test_lstm_input_size_and_rank(torch, keras):
    issue = only_issue(torch("LSTM", [128, 64], {}, [(5, 3, 100)]))
    assert (issue.kind, issue.message) == (FEATURE_MISMATCH, "LSTM expects input_size 128, but the input has 100")
    issue = only_issue(keras("LSTM", [32], {}, [(None, 64)]))  # LSTM after LSTM without return_sequences
    assert issue.kind == RANK_MISMATCH
    assert issue.message == "LSTM expects a 3-D input, but got a 2-D tensor (None, 64)"


def test_pool_leaves_nothing(torch):
    result = torch("MaxPool2d", [2, 2], {}, [(1, 16, 1, 1)])
    issue = only_issue(result)
    assert issue.kind == NON_POSITIVE_SIZE
    assert issue.message == "MaxPool2d leaves a spatial size of 0 (input 1 × 1, kernel 2, stride 2)"
    assert result.outputs == ((1, 16, None, None),)


def test_merge_mismatch(keras, torchf):
    issue = only_issue(keras("Add", [], {}, [(None, 32, 32, 64), (None, 16, 16, 64)]))
    assert issue.kind == MERGE_MISMATCH
    assert issue.message == "Add got incompatible shapes (None, 32, 32, 64) and (None, 16, 16, 64)"
    issue = only_issue(torchf("torch.cat", [None, 1], {}, [(2, 3, 8, 8), (2, 3, 4, 4)]))
    assert issue.message == "torch.cat along dim 1 got incompatible shapes (2, 3, 8, 8) and (2, 3, 4, 4)"


def test_reshape_mismatch(torchf, keras):
    result = torchf("Tensor.view", [(-1, 500)], {}, [(1, 1024)])
    issue = only_issue(result)
    assert (issue.kind, issue.message) == (RESHAPE_MISMATCH, "Tensor.view to (-1, 500) cannot hold 1024 elements")
    assert result.outputs == ((None, 500),)


def test_reshape_symbolic_batch_ok(torchf):
    assert torchf("Tensor.view", [(None, 400)], {}, [(None, 16, 5, 5)]).issues == ()
    result = torchf("Tensor.view", [(None, 500)], {}, [(None, 16, 5, 5)])
    assert only_issue(result).message == "Tensor.view to (None, 500) cannot hold 400 elements per sample"


def test_keras_dense_needs_input_features(keras):
    result = keras("Dense", [10], {}, [None])
    assert result.outputs == (None,) and result.trainable is None and "kernel size unknown" in result.unknown


def test_torch_linear_params_without_input(torch):
    result = torch("Linear", [20, 10], {}, [None])
    assert result.outputs == (None,) and result.trainable == 210 and result.unknown is None


def test_unknown_attribute(torch, keras):
    result = torch("Conv2d", [3, 16, Unknown("k is a parameter")], {}, [(1, 3, 32, 32)])
    assert result.outputs == (None,) and result.trainable is None
    assert "kernel_size" in result.unknown and "k is a parameter" in result.unknown
    result = keras("LSTM", [Unknown("units from config")], {"return_state": True}, [(None, 5, 3)])
    assert result.outputs == (None, None, None) and "units" in result.unknown


def test_unknown_stride_keeps_params(torch):
    result = torch("Conv2d", [3, 16, 3], {"stride": Unknown("s")}, [(1, 3, 32, 32)])
    assert result.outputs == (None,) and result.trainable == 448 and "strides" in result.unknown


@pytest.mark.parametrize("kind", kinds())
def test_every_op_survives_unknown_input(kind):
    result = get_op(kind)({"class_name": "X"}, [None, None, None])
    assert all(out is None for out in result.outputs)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation", "ceil", "expected"),
    [
        (227, 11, 4, "valid", 1, False, 55),
        (31, 3, 2, "same", 1, False, 16),
        (56, 3, 2, (0, 0), 1, True, 28),  # torch ceil_mode
        (5, 2, 2, (1, 1), 1, True, 3),  # last window would start in the right padding: dropped
        ("H", 1, 1, "valid", 1, False, "H"),
        ("H", 3, 2, "valid", 1, False, None),
    ],
)
def test_window_out(size, kernel, stride, padding, dilation, ceil, expected):
    assert window_out(size, kernel, stride, padding, dilation, ceil) == expected
