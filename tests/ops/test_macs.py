"""MACs / FLOPs formulas against hand-derived figures (docs/flops.md states the
conventions), and the graph-level totals: every application counted, exact only
when every layer is, Keras per example, symbolic where the shapes are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from modelint.analyzer.frontends.keras_bindings import KERAS_LAYERS
from modelint.analyzer.frontends.torch_bindings import TORCH_MODULES
from modelint.analyzer.ops import get_macs, get_op, kinds
from modelint.analyzer.ops._cost import Cost, Poly
from tests.conftest import analyze_text, checked_report
from tests.ops.conftest import bound


def cost(table: Mapping[str, Any], name: str, args: Sequence[Any], kwargs: Mapping[str, Any] | None,
         inputs: Sequence[Any]) -> Cost:
    """Bind a framework call, run its op for the outputs, then its MACs formula."""
    layer = bound(table, name, args, kwargs)
    outputs = get_op(layer["kind"])(layer["attrs"], list(inputs)).outputs
    return get_macs(layer["kind"])(layer["attrs"], list(inputs), list(outputs))


def torch(name, args=(), kwargs=None, inputs=()):
    return cost(TORCH_MODULES, name, args, kwargs, inputs)


def keras(name, args=(), kwargs=None, inputs=()):
    return cost(KERAS_LAYERS, name, args, kwargs, inputs)


def test_every_op_has_a_macs_formula():
    assert [k for k in kinds() if get_macs(k) is None] == []


# --------------------------------------------------------------------------- conv


def test_conv_alexnet_first_layer():
    # 64 × 55 × 55 outputs, each 3 × 11 × 11 products.
    c = torch("Conv2d", [3, 64, 11], {"stride": 4, "padding": 2}, [(1, 3, 224, 224)])
    assert c.macs == 64 * 55 * 55 * 3 * 121 == 70_276_800
    assert c.flops == 2 * 70_276_800


def test_conv_groups_and_dilation():
    # Dilation 2 with padding 2 keeps 16 × 16; each output reads 32/4 channels × 9 taps.
    c = torch("Conv2d", [32, 64, 3], {"groups": 4, "dilation": 2, "padding": 2}, [(1, 32, 16, 16)])
    assert c.macs == 64 * 16 * 16 * 8 * 9


def test_conv_channels_last_keras_and_1d_3d():
    assert keras("Conv2D", [8, 3], {}, [(1, 10, 10, 4)]).macs == 8 * 8 * 8 * 4 * 9
    assert torch("Conv1d", [4, 6, 5], {}, [(2, 4, 20)]).macs == 2 * 6 * 16 * 4 * 5
    assert torch("Conv3d", [2, 4, 3], {}, [(1, 2, 5, 5, 5)]).macs == 4 * 27 * 2 * 27


def test_transposed_conv_counts_per_input_element():
    # Each of 16 × 8 × 8 inputs is scattered through 8 × 4 × 4 weights.
    c = torch("ConvTranspose2d", [16, 8, 4], {"stride": 2, "padding": 1}, [(1, 16, 8, 8)])
    assert c.macs == 16 * 64 * 8 * 16
    g = torch("ConvTranspose2d", [16, 8, 3], {"groups": 2}, [(1, 16, 4, 4)])
    assert g.macs == 16 * 16 * 4 * 9


def test_depthwise_and_separable():
    assert keras("DepthwiseConv2D", [3], {}, [(1, 32, 32, 16)]).macs == 30 * 30 * 16 * 9
    # 8 × 8 positions × (8 channels × 9 taps + 8 × 32 pointwise).
    assert keras("SeparableConv2D", [32, 3], {}, [(1, 10, 10, 8)]).macs == 64 * (72 + 256)


# --------------------------------------------------------------------------- linear


def test_dense_and_linear():
    assert torch("Linear", [9216, 4096], {}, [(1, 9216)]).macs == 37_748_736
    # Keras Dense on a 4-D tensor mixes the last axis at every position.
    assert keras("Dense", [4096], {}, [(1, 13, 13, 256)]).macs == 169 * 256 * 4096


def test_bilinear():
    assert torch("Bilinear", [3, 4, 5], {}, [(2, 3), (2, 4)]).macs == 2 * 5 * (3 * 4 + 3)


def test_matmul_and_sdpa_ops():
    fn = get_macs("matmul")
    assert fn({}, [(2, 3, 4), (4, 5)], [(2, 3, 5)]).macs == 2 * 3 * 5 * 4
    q = (2, 4, 65, 16)
    out = get_op("sdpa")({}, [q, q, q]).outputs
    assert out == ((2, 4, 65, 16),)
    c = get_macs("sdpa")({}, [q, q, q], out)
    assert c.macs == 2 * 4 * 65 * 65 * (16 + 16)


# --------------------------------------------------------------------------- attention


def test_torch_multihead_attention_hand_derived():
    """The issue's figures: projections 2,129,920 FLOPs, products 1,081,600 FLOPs."""
    c = torch("MultiheadAttention", [64, 4], {}, [(65, 1, 64), (65, 1, 64), (65, 1, 64)])
    projections, products = 4 * 65 * 64 * 64, 2 * 65 * 65 * 64
    assert 2 * projections == 2_129_920 and 2 * products == 1_081_600
    assert c.macs == projections + products
    assert c.flops == 2 * (projections + products) + 3 * 4 * 65 * 65


def test_torch_mha_batch_first_kdim_and_bias_kv():
    c = torch("MultiheadAttention", [8, 2], {"batch_first": True, "kdim": 4, "vdim": 6, "add_bias_kv": True},
              [(3, 5, 8), (3, 7, 4), (3, 7, 6)])
    projections = 3 * 5 * 8 * 8 * 2 + 3 * 7 * (4 + 6) * 8
    products = 3 * 5 * (7 + 1) * 8 * 2
    assert c.macs == projections + products


def test_keras_multihead_attention_matches_torch_figure():
    c = keras("MultiHeadAttention", [], {"num_heads": 4, "key_dim": 16}, [(1, 65, 64), (1, 65, 64)])
    assert c.macs == 4 * 65 * 64 * 64 + 4 * 65 * 65 * (16 + 16)


def test_transformer_encoder_layer():
    c = torch("TransformerEncoderLayer", [32, 4], {"dim_feedforward": 64}, [(16, 2, 32)])
    tokens = 32
    attention = tokens * 4 * 32 * 32 + 2 * 16 * 16 * 32 * 2
    assert c.macs == attention + tokens * 2 * 32 * 64 + 2 * tokens * 32


# --------------------------------------------------------------------------- recurrent


def test_lstm_per_step_times_sequence():
    # (seq 5, batch 3): 4 gates × 20 × (10 + 20) per step and sequence.
    assert torch("LSTM", [10, 20], {}, [(5, 3, 10)]).macs == 4 * 20 * 30 * 15


def test_stacked_bidirectional_lstm():
    c = torch("LSTM", [10, 20], {"num_layers": 2, "bidirectional": True}, [(5, 3, 10)])
    assert c.macs == (2 * 4 * 20 * 30 + 2 * 4 * 20 * 60) * 15


def test_keras_gru_and_bidirectional(keras_layer):
    assert keras("GRU", [32], {}, [(1, 7, 16)]).macs == 3 * 32 * 48 * 7
    inner = keras_layer("LSTM", [8])
    assert keras("Bidirectional", [inner], {}, [(1, 4, 6)]).macs == 2 * 4 * 8 * 14 * 4


def test_rnn_cell():
    assert torch("GRUCell", [10, 20], {}, [(3, 10)]).macs == 3 * 3 * 20 * 30


def test_time_distributed(keras_layer):
    inner = keras_layer("Dense", [8])
    assert keras("TimeDistributed", [inner], {}, [(1, 5, 16)]).macs == 5 * 16 * 8


# --------------------------------------------------------------------------- the rest


def test_norms_one_mac_per_element():
    assert torch("BatchNorm2d", [16], {}, [(1, 16, 8, 8)]).macs == 1024
    assert torch("LayerNorm", [32], {}, [(4, 32)]).flops == 2 * 128
    assert torch("GroupNorm", [4, 16], {}, [(1, 16, 8, 8)]).macs == 1024


def test_pooling_flops_only():
    c = torch("MaxPool2d", [2], {}, [(1, 16, 8, 8)])
    assert c.macs == 0 and c.flops == 256 * 4
    assert keras("GlobalAveragePooling2D", [], {}, [(1, 7, 7, 32)]).flops == 7 * 7 * 32
    # AdaptiveAvgPool2d(3) on 7 × 7: windows [0,3) [2,5) [4,7): 9 reads per axis.
    assert torch("AdaptiveAvgPool2d", [3], {}, [(1, 1, 7, 7)]).flops == 81


def test_elementwise_and_softmax():
    assert torch("ReLU", [], {}, [(2, 10)]) == Cost(Poly.of(0), Poly.of(20))
    assert torch("Softmax", [], {"dim": 1}, [(2, 10)]).flops == 60
    assert torch("Dropout", [], {}, [(2, 10)]).flops == 0
    assert keras("Add", [], {}, [(1, 4), (1, 4)]).flops == 4
    assert torch("Flatten", [], {}, [(1, 2, 3)]).macs == 0


def test_interpolation():
    assert torch("Upsample", [], {"scale_factor": 2}, [(1, 3, 4, 4)]).macs == 0
    assert torch("Upsample", [], {"scale_factor": 2, "mode": "bilinear"}, [(1, 3, 4, 4)]).macs == 3 * 64 * 4


# --------------------------------------------------------------------------- unknown and symbolic


def test_unknown_shape_is_unknown_not_a_guess():
    c = torch("Linear", [10, 5], {}, [(None, 10)])
    assert c.macs is None and c.flops is None
    assert torch("Conv2d", [3, 8, 3], {}, [None]).macs is None


def test_symbolic_batch_stays_symbolic():
    c = torch("Linear", [10, 5], {}, [("N", 10)])
    assert c.macs.to_json() == "50*N"
    assert c.macs.format() == "50·N"
    assert (c.macs + 7).to_json() == "50*N + 7"


# --------------------------------------------------------------------------- graph totals

_SIAMESE = """
import torch
import torch.nn as nn


class Twin(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(10, 4)

    def forward(self, a):
        return self.enc(a) + self.enc(a)


model = Twin()
out = model(torch.randn(2, 10))
"""


def _model(source: str, name: str):
    return next(m for m in analyze_text(source).models if m.name == name)


def test_shared_module_costs_per_application():
    model = _model(_SIAMESE, "model")
    macs, flops, exact = model.cost_totals()
    assert exact
    assert macs == 2 * (2 * 10 * 4)  # two applications; params counted once
    assert flops == 2 * macs + 2 * 4  # + the addition


def test_keras_counts_per_example_and_totals_equal_rows():
    src = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((784,)),\n"
           "    layers.Dense(128, activation='relu'),\n    layers.Dense(10),\n])\n")
    model = _model(src, "model")
    macs, _flops, exact = model.cost_totals()
    assert exact and macs == 784 * 128 + 128 * 10
    assert sum(l.macs.constant for l in model.costs()) == macs.constant


def test_unknown_layer_makes_totals_inexact():
    src = ("import keras\nfrom keras import layers\n\nmodel = keras.Sequential([\n    keras.Input((8,)),\n"
           "    layers.Lambda(lambda t: t * 2),\n    layers.Dense(4),\n])\n")
    macs, _flops, exact = _model(src, "model").cost_totals()
    assert not exact


def test_json_report_has_macs_flops_memory(tmp_path, capsys):
    from modelint.analyzer.cli import main

    path = tmp_path / "net.py"
    path.write_text(_SIAMESE)
    main(["--output-format", "json", "--exit-zero", str(path)])
    report = checked_report(capsys.readouterr().out)
    model = next(m for m in report["files"][0]["models"] if m["name"] == "model")
    assert model["macs"] == {"total": 160, "exact": True}
    assert model["memory"]["param_bytes"] == {"float32": 44 * 4}
    # Two Linear outputs and the sum, 2 × 4 floats each; the input is not counted.
    assert model["memory"]["activation_bytes"] == 3 * 8 * 4
    assert [row["macs"] for row in model["layers"] if row["op"] == "Linear"] == [80, 80]


def test_summary_has_a_macs_column(tmp_path, capsys):
    from modelint.analyzer.cli import main

    path = tmp_path / "net.py"
    path.write_text(_SIAMESE)
    main(["--summary", "--exit-zero", str(path)])
    out = capsys.readouterr().out
    assert "MACs" in out.splitlines()[2]
    assert "Total MACs: 160 (328 FLOPs)" in out


@pytest.mark.parametrize("value", ["1,204,224·N"])
def test_poly_format(value):
    assert (Poly.of("N") * 1_204_224).format() == value


# --------------------------------------------------------------------------- ONNX


def test_onnx_models_use_the_same_formulas(tmp_path):
    """An ONNX graph's shapes come from onnx.shape_inference; its MACs from the
    same registry: a grouped Conv, MaxPool, Gemm, and a MatMul of two activations."""
    np = pytest.importorskip("numpy")
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto as T
    from onnx import helper as h
    from onnx import numpy_helper

    from tests.conftest import analyze

    def w(name, *dims):
        return numpy_helper.from_array(np.zeros(dims, dtype=np.float32), name)

    nodes = [
        h.make_node("Conv", ["x", "wc", "bc"], ["c"], group=2, pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["c"], ["r"]),
        h.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        h.make_node("Flatten", ["p"], ["f"]),
        h.make_node("Gemm", ["f", "wg", "bg"], ["g"], transB=1),
        h.make_node("MatMul", ["a", "b"], ["m"]),
    ]
    graph = h.make_graph(
        nodes, "net",
        [h.make_tensor_value_info("x", T.FLOAT, [1, 4, 8, 8]), h.make_tensor_value_info("a", T.FLOAT, [2, 3, 4]),
         h.make_tensor_value_info("b", T.FLOAT, [2, 4, 5])],
        [h.make_tensor_value_info("g", T.FLOAT, [1, 10]), h.make_tensor_value_info("m", T.FLOAT, [2, 3, 5])],
        [w("wc", 8, 2, 3, 3), w("bc", 8), w("wg", 10, 128), w("bg", 10)],
    )
    path = tmp_path / "net.onnx"
    path.write_bytes(h.make_model(graph, opset_imports=[h.make_opsetid("", 17)]).SerializeToString())
    model = analyze(path).models[0]
    by_op = {layer.op: layer for layer in model.costs()}
    assert by_op["Conv"].macs == 8 * 8 * 8 * (4 // 2) * 9
    assert by_op["MaxPool"].flops == 8 * 4 * 4 * 4 and by_op["MaxPool"].macs == 0
    assert by_op["Gemm"].macs == 128 * 10
    assert by_op["MatMul"].macs == 2 * 3 * 5 * 4
    macs, _flops, exact = model.cost_totals()
    assert exact and macs == 9216 + 1280 + 120
    assert onnx is not None


def test_onnx_symbolic_batch_gives_symbolic_counts(tmp_path, capsys):
    np = pytest.importorskip("numpy")
    pytest.importorskip("onnx")
    from onnx import TensorProto as T
    from onnx import helper as h
    from onnx import numpy_helper

    from modelint.analyzer.cli import main

    nodes = [h.make_node("Gemm", ["x", "w", "b"], ["g"], transB=1), h.make_node("Relu", ["g"], ["r"])]
    graph = h.make_graph(nodes, "net", [h.make_tensor_value_info("x", T.FLOAT, ["batch", 128])],
                         [h.make_tensor_value_info("r", T.FLOAT, ["batch", 10])],
                         [numpy_helper.from_array(np.zeros((10, 128), np.float32), "w"),
                          numpy_helper.from_array(np.zeros(10, np.float32), "b")])
    path = tmp_path / "net.onnx"
    path.write_bytes(h.make_model(graph, opset_imports=[h.make_opsetid("", 17)]).SerializeToString())
    main(["--output-format", "json", "--exit-zero", str(path)])
    model = checked_report(capsys.readouterr().out)["files"][0]["models"][0]
    assert model["macs"] == {"total": "1280*batch", "exact": True}
    assert model["flops"]["total"] == "2570*batch"  # + one FLOP per ReLU output
    assert model["memory"]["activation_bytes"] == "80*batch"


def test_compute_budget_from_pyproject(tmp_path, capsys):
    """`max-macs` / `expect-macs` in [tool.modelint], end to end (ML405)."""
    from modelint.analyzer.cli import main

    (tmp_path / "net.py").write_text(_SIAMESE)
    (tmp_path / "pyproject.toml").write_text("[tool.modelint.max-macs]\nmodel = 100\n")
    assert main([str(tmp_path / "net.py")]) == 1
    out = capsys.readouterr().out
    assert "ML405" in out and "model costs 160 MACs, over its max-macs budget of 100" in out
    (tmp_path / "pyproject.toml").write_text("[tool.modelint.expect-macs]\nmodel = 160\nTwin = 160\n")
    assert main([str(tmp_path / "net.py")]) == 0
    (tmp_path / "pyproject.toml").write_text('[tool.modelint]\nmax-macs = "a lot"\n')
    assert main([str(tmp_path / "net.py")]) == 2
    assert "`max-macs` must be a table" in capsys.readouterr().err
