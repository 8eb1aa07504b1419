"""The ONNX frontend on small graphs built with onnx.helper: counts, shapes, names,
subgraphs, findings, and broken files of every kind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import TensorProto as T  # noqa: E402
from onnx import helper as h  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from modelint.analyzer.engine import Options, analyze_path  # noqa: E402
from modelint.analyzer.graph import ModelGraph  # noqa: E402
from modelint.analyzer.selection import Selection  # noqa: E402
from modelint.analyzer.shapes import Shape  # noqa: E402
from tests.conftest import checked_report  # noqa: E402

OPSET = 17
MODELINT = Path(sys.executable).with_name("modelint")


# -- building models ----------------------------------------------------------------------
def weight(name: str, *dims: int, dtype=np.float32):
    return numpy_helper.from_array(np.zeros(dims, dtype=dtype), name)


def tensor(name: str, shape, elem=T.FLOAT):
    return h.make_tensor_value_info(name, elem, shape)


def make(nodes, inputs, outputs, inits=(), name="net", opset=OPSET, **kw):
    graph = h.make_graph(nodes, name, inputs, outputs, list(inits))
    return h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], **kw)


def save(model, tmp_path: Path, name: str = "model.onnx") -> Path:
    path = tmp_path / name
    path.write_bytes(model.SerializeToString())
    return path


def run(model, tmp_path: Path, options: Options | None = None):
    path = save(model, tmp_path)
    return analyze_path(path, options or Options(), path.name)


def only_model(result) -> ModelGraph:
    assert [d.code for d in result.diagnostics if d.code == "ML902"] == []
    assert len(result.models) == 1
    return result.models[0]


def rows(model: ModelGraph) -> list[tuple[str, str, str, Shape | None, int | None]]:
    return [(layer.name, layer.op, layer.kind, layer.output_shape, layer.params) for layer in model.layers()]


def conv_net():
    nodes = [
        h.make_node("Conv", ["x", "conv.w", "conv.b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["c"], ["r"]),
        h.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        h.make_node("Flatten", ["p"], ["f"]),
        h.make_node("Gemm", ["f", "fc.w", "fc.b"], ["g"], name="fc", transB=1),
        h.make_node("Softmax", ["g"], ["y"], axis=1),
    ]
    inits = [weight("conv.w", 16, 3, 3, 3), weight("conv.b", 16), weight("fc.w", 10, 16 * 16 * 16), weight("fc.b", 10)]
    return make(nodes, [tensor("x", ["N", 3, 32, 32])], [tensor("y", ["N", 10])], inits, name="convnet")


# -- counts, shapes, names ------------------------------------------------------------------
def test_conv_net_counts_shapes_and_names(tmp_path):
    result = run(conv_net(), tmp_path)
    model = only_model(result)
    assert (model.name, model.class_name, model.framework, model.line) == ("convnet", "ONNX", "onnx", 1)
    assert rows(model) == [
        ("x", "Input", "input", ("N", 3, 32, 32), 0),
        ("conv", "Conv", "conv", ("N", 16, 32, 32), 16 * 3 * 3 * 3 + 16),
        ("Relu_0", "Relu", "activation", ("N", 16, 32, 32), 0),
        ("MaxPool_0", "MaxPool", "pool", ("N", 16, 16, 16), 0),
        ("Flatten_0", "Flatten", "flatten", ("N", 4096), 0),
        ("fc", "Gemm", "dense", ("N", 10), 4096 * 10 + 10),
        ("Softmax_0", "Softmax", "softmax", ("N", 10), 0),
    ]
    assert model.totals() == (41418, 0, True)
    assert model.extra["onnx_params"] == {"float": 41418, "integer": 0}
    conv = model.layer("conv")
    assert conv.attrs["channels_last"] is False and conv.attrs["use_bias"] is True
    assert conv.attrs["filters"] == 16 and conv.attrs["kernel_size"] == (3, 3)
    assert model.layer("fc").attrs["units"] == 10
    assert list(model.graph.edges) == [("x", "conv"), ("conv", "Relu_0"), ("Relu_0", "MaxPool_0"),
                                       ("MaxPool_0", "Flatten_0"), ("Flatten_0", "fc"), ("fc", "Softmax_0")]
    assert [r.node for r in model.inputs] == ["x"] and [r.node for r in model.outputs] == ["Softmax_0"]
    assert result.diagnostics == []


def test_mlp_matmul_dense_and_shared_initializer_counted_once(tmp_path):
    nodes = [
        h.make_node("MatMul", ["x", "w1"], ["a"], name="fc1"),
        h.make_node("Add", ["a", "b1"], ["a1"], name="fc1_bias"),
        h.make_node("Relu", ["a1"], ["r"], name="relu"),
        h.make_node("MatMul", ["r", "w2"], ["b"], name="tied1"),
        h.make_node("MatMul", ["b", "w2"], ["y"], name="tied2"),  # w2 read twice: counted once
    ]
    inits = [weight("w1", 8, 32), weight("b1", 32), weight("w2", 32, 32)]
    model = only_model(run(make(nodes, [tensor("x", ["batch", 8])], [tensor("y", ["batch", 32])], inits), tmp_path))
    assert rows(model)[1:] == [
        ("fc1", "MatMul", "dense", ("batch", 32), 256),
        ("fc1_bias", "Add", "broadcast", ("batch", 32), 32),
        ("relu", "Relu", "activation", ("batch", 32), 0),
        ("tied1", "MatMul", "dense", ("batch", 32), 1024),
        ("tied2", "MatMul", "dense", ("batch", 32), 0),
    ]
    assert model.totals() == (256 + 32 + 1024, 0, True)
    assert model.layer("fc1").attrs["use_bias"] is False and model.layer("fc1").attrs["units"] == 32


def test_matmul_of_two_activations_is_not_dense(tmp_path):
    nodes = [h.make_node("MatMul", ["q", "k"], ["y"], name="scores")]
    model = only_model(run(make(nodes, [tensor("q", [2, 4, 8]), tensor("k", [2, 8, 4])], [tensor("y", [2, 4, 4])]),
                           tmp_path))
    assert rows(model)[2] == ("scores", "MatMul", "onnx.MatMul", (2, 4, 4), 0)
    assert model.input_refs("scores") == [model.inputs[0], model.inputs[1]]


def test_residual_add_edges_and_shapes(tmp_path):
    nodes = [
        h.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["c"], ["r"], name="relu"),
        h.make_node("Add", ["x", "r"], ["y"], name="residual"),
    ]
    onnx_model = make(nodes, [tensor("x", [1, 8, 10, 10])], [tensor("y", [1, 8, 10, 10])], [weight("w", 8, 8, 3, 3)])
    model = only_model(run(onnx_model, tmp_path))
    assert model.layer("residual").output_shape == (1, 8, 10, 10)
    assert [p.id for p in model.predecessors("residual")] == ["x", "relu"]
    assert model.layer("conv").attrs["use_bias"] is False
    assert model.totals() == (576, 0, True)


def test_concat_of_two_branches(tmp_path):
    nodes = [
        h.make_node("Conv", ["x", "w1"], ["a"], name="branch1"),
        h.make_node("Conv", ["x", "w2"], ["b"], name="branch2", pads=[1, 1, 1, 1]),
        h.make_node("MaxPool", ["b"], ["bp"], name="pool", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        h.make_node("Concat", ["a", "bp"], ["y"], name="cat", axis=1),
    ]
    inits = [weight("w1", 4, 3, 1, 1), weight("w2", 6, 3, 3, 3)]
    model = only_model(run(make(nodes, [tensor("x", ["N", 3, "H", "W"])], [tensor("y", ["N", 10, "H", "W"])], inits),
                           tmp_path))
    cat = model.layer("cat")
    assert (cat.kind, cat.output_shape) == ("concat", ("N", 10, "H", "W"))
    assert [p.id for p in model.predecessors("cat")] == ["branch1", "pool"]
    assert model.totals() == (12 + 162, 0, True)


def test_lstm_params_and_multiple_outputs(tmp_path):
    hidden, features = 20, 10
    nodes = [h.make_node("LSTM", ["x", "W", "R", "B"], ["Y", "Y_h", "Y_c"], name="lstm", hidden_size=hidden)]
    inits = [weight("W", 1, 4 * hidden, features), weight("R", 1, 4 * hidden, hidden), weight("B", 1, 8 * hidden)]
    onnx_model = make(nodes, [tensor("x", ["seq", "batch", features])],
                      [tensor("Y", ["seq", 1, "batch", hidden]), tensor("Y_h", [1, "batch", hidden]),
                       tensor("Y_c", [1, "batch", hidden])], inits)
    model = only_model(run(onnx_model, tmp_path))
    lstm = model.layer("lstm")
    assert (lstm.kind, lstm.attrs["cell"], lstm.attrs["hidden_size"]) == ("rnn", "lstm", hidden)
    # torch.nn.LSTM(10, 20): 4·20·10 + 4·20·20 + 2·4·20 = 2560
    assert lstm.params == 2560
    assert lstm.outputs == (("seq", 1, "batch", hidden), (1, "batch", hidden), (1, "batch", hidden))
    assert [r.port for r in model.outputs] == [0, 1, 2]


def test_if_branches_are_walked_with_hierarchical_names(tmp_path):
    then = h.make_graph([h.make_node("Relu", ["x"], ["t"]), h.make_node("Mul", ["t", "scale"], ["a"])],
                        "then", [], [tensor("a", None)], [weight("scale", 4)])
    other = h.make_graph([h.make_node("Neg", ["x"], ["b"], name="negate")], "else", [], [tensor("b", None)])
    nodes = [h.make_node("If", ["cond"], ["y"], then_branch=then, else_branch=other),
             h.make_node("Sigmoid", ["y"], ["z"], name="out")]
    onnx_model = make(nodes, [tensor("x", ["N", 4]), tensor("cond", [], T.BOOL)], [tensor("z", ["N", 4])])
    model = only_model(run(onnx_model, tmp_path))
    names = [layer.name for layer in model.layers()]
    # Bodies are walked in attribute order (onnx.helper sorts them: else_branch first).
    assert names == ["x", "cond", "If_0/else/negate", "If_0/then/Relu_0", "If_0/then/Mul_0", "If_0", "out"]
    assert model.layer("If_0/then/Relu_0").output_shape == ("N", 4)
    assert model.layer("If_0/then/Mul_0").params == 4  # the branch's own initializer
    assert model.layer("If_0").output_shape == ("N", 4)
    assert {p.id for p in model.predecessors("If_0")} == {"cond", "If_0/then/Mul_0", "If_0/else/negate"}
    assert [p.id for p in model.predecessors("If_0/then/Relu_0")] == ["x"]  # outer-scope tensor
    assert model.totals() == (4, 0, True)


def test_loop_body_binds_carried_values(tmp_path):
    body = h.make_graph(
        [h.make_node("Identity", ["cond_in"], ["cond_out"]), h.make_node("Add", ["v_in", "one"], ["v_out"], name="inc")],
        "body", [tensor("i", [], T.INT64), tensor("cond_in", [], T.BOOL), tensor("v_in", [3])],
        [tensor("cond_out", [], T.BOOL), tensor("v_out", [3])])
    nodes = [h.make_node("Loop", ["trips", "", "v0"], ["v"], name="loop", body=body)]
    onnx_model = make(nodes, [tensor("trips", [], T.INT64), tensor("v0", [3])], [tensor("v", [3])],
                      [weight("one", 3)])
    model = only_model(run(onnx_model, tmp_path))
    assert [p.id for p in model.predecessors("loop/body/inc")] == ["v0"]
    assert model.layer("loop/body/inc").params == 3  # outer initializer, first read inside the body
    assert model.layer("loop").output_shape == (3,)
    assert {p.id for p in model.predecessors("loop")} == {"trips", "v0", "loop/body/Identity_0", "loop/body/inc"}


def test_initializers_listed_as_inputs_are_weights(tmp_path):
    """Old exporters (IR < 4) list every initializer among the graph inputs."""
    nodes = [h.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc", transB=1)]
    onnx_model = make(nodes, [tensor("x", [1, 5]), tensor("w", [3, 5]), tensor("b", [3])], [tensor("y", [1, 3])],
                      [weight("w", 3, 5), weight("b", 3)], ir_version=3, opset=8)
    model = only_model(run(onnx_model, tmp_path))
    assert [layer.name for layer in model.layers()] == ["x", "fc"]
    assert [r.node for r in model.inputs] == ["x"]
    assert model.layer("fc").params == 18


def test_integer_constants_and_batchnorm_statistics(tmp_path):
    nodes = [
        h.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        h.make_node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"], name="bn"),
        h.make_node("Reshape", ["bn", "shape"], ["y"], name="reshape"),
    ]
    inits = [weight("w", 4, 2, 3, 3), *(weight(n, 4) for n in ("gamma", "beta", "mean", "var")),
             numpy_helper.from_array(np.array([0, -1], np.int64), "shape")]
    model = only_model(run(make(nodes, [tensor("x", ["N", 2, 5, 5])], [tensor("y", ["N", 36])], inits), tmp_path))
    bn, reshape = model.layer("bn"), model.layer("reshape")
    assert (bn.trainable, bn.non_trainable) == (8, 8)
    assert (reshape.trainable, reshape.non_trainable, reshape.kind) == (0, 2, "reshape")
    assert reshape.output_shape == ("N", 36)  # data propagation read the shape constant
    assert model.totals() == (72 + 8, 8 + 2, True)
    assert model.extra["onnx_params"] == {"float": 72 + 16, "integer": 2}


def test_json_params_split_float_and_integer(tmp_path, report_validator):
    from modelint.analyzer.reporters.json import report

    nodes = [h.make_node("Reshape", ["x", "shape"], ["r"]), h.make_node("MatMul", ["r", "w"], ["y"])]
    inits = [numpy_helper.from_array(np.array([1, 6], np.int64), "shape"), weight("w", 6, 2)]
    result = run(make(nodes, [tensor("x", [1, 2, 3])], [tensor("y", [1, 2])], inits), tmp_path)
    doc = report([result])
    report_validator.validate(doc)
    assert doc["files"][0]["models"][0]["params"] == {"total": 14, "trainable": 12, "non_trainable": 2,
                                                       "exact": True, "float": 12, "integer": 2}


# -- findings -----------------------------------------------------------------------------
def test_unused_node_and_initializer_are_unapplied_layers(tmp_path):
    nodes = [
        h.make_node("Relu", ["x"], ["r"], name="relu"),
        h.make_node("Sigmoid", ["x"], ["dead"], name="forgotten"),  # nobody reads "dead"
        h.make_node("Dropout", ["r"], ["y", "mask"], name="drop"),  # the mask is unused: still used
    ]
    inits = [weight("stale", 7, 3)]
    model = only_model(run(make(nodes, [tensor("x", [2, 3])], [tensor("y", [2, 3])], inits), tmp_path))
    assert model.extra["unused_nodes"] == ["forgotten"]
    assert model.extra["unused_initializers"] == ["stale"]
    assert model.layer("forgotten").applied is False
    assert model.layer("drop").applied is True
    stale = model.layer("stale")
    assert (stale.op, stale.applied, stale.params, stale.output_shape) == ("Initializer", False, 21, (7, 3))
    assert model.totals() == (21, 0, True)  # still in the file, still counted


def test_unused_findings_reach_ml301_when_the_rule_exists(tmp_path):
    from modelint.analyzer.rule import rule_by_code_or_name

    if rule_by_code_or_name("ML301") is None:
        pytest.skip("ML301 unused-module is not written yet")
    nodes = [h.make_node("Relu", ["x"], ["y"], name="relu"), h.make_node("Sigmoid", ["x"], ["dead"], name="forgotten")]
    result = run(make(nodes, [tensor("x", [2, 3])], [tensor("y", [2, 3])], [weight("stale", 7, 3)]), tmp_path)
    flagged = sorted((d.extra.get("layer"), d.message) for d in result.diagnostics if d.code == "ML301")
    assert flagged == [
        ("forgotten", "forgotten (Sigmoid) is never used: no node reads its output 'dead' and it is not a graph output"),
        ("stale", "stale (Initializer) is never used: no node reads this initializer; its 21 parameters are still "
                  "stored in the file"),
    ]


def _issues(model: ModelGraph):
    return {layer.id: [(i.kind, i.message) for i in layer.issues] for layer in model.layers() if layer.issues}


def test_add_broadcast_conflict_is_a_merge_mismatch_on_the_node(tmp_path):
    nodes = [h.make_node("Add", ["a", "b"], ["s"], name="residual"), h.make_node("Relu", ["s"], ["y"])]
    onnx_model = make(nodes, [tensor("a", ["N", 3, 4]), tensor("b", ["N", 5, 4])], [tensor("y", ["N", 3, 4])])
    model = only_model(run(onnx_model, tmp_path))
    issues = _issues(model)
    assert list(issues) == ["residual"]  # the Relu downstream is not blamed
    [(kind, message)] = issues["residual"]
    assert kind == "merge-mismatch"
    assert message == "residual (Add): Incompatible dimensions (input shapes (N, 3, 4), (N, 5, 4))"


def test_concat_conflict_is_a_merge_mismatch(tmp_path):
    nodes = [h.make_node("Concat", ["a", "b"], ["y"], axis=1)]
    onnx_model = make(nodes, [tensor("a", [1, 3, 4]), tensor("b", [1, 5, 6])], [tensor("y", [1, 8, 4])])
    [(kind, message)] = _issues(only_model(run(onnx_model, tmp_path)))["Concat_0"]
    assert kind == "merge-mismatch" and message.startswith("Concat_0 (Concat): ")
    assert "(1, 3, 4), (1, 5, 6)" in message


@pytest.mark.parametrize("node, weight_dims", [
    (h.make_node("MatMul", ["x", "w"], ["y"], name="fc"), (5, 4)),
    (h.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1), (4, 5)),
])
def test_dense_input_size_conflict_is_a_feature_mismatch(tmp_path, node, weight_dims):
    onnx_model = make([node], [tensor("x", ["N", 3])], [tensor("y", ["N", 4])], [weight("w", *weight_dims)])
    [(kind, message)] = _issues(only_model(run(onnx_model, tmp_path)))["fc"]
    assert kind == "feature-mismatch" and message.startswith(f"fc ({node.op_type}): ")
    assert f"(N, 3), {'(5, 4)' if node.op_type == 'MatMul' else '(4, 5)'}" in message


def test_conv_channel_conflict_is_a_feature_mismatch(tmp_path):
    nodes = [h.make_node("Conv", ["x", "w"], ["y"], name="conv2", group=2)]
    onnx_model = make(nodes, [tensor("x", ["N", 3, 8, 8])], [tensor("y", ["N", 8, 6, 6])], [weight("w", 8, 4, 3, 3)])
    [(kind, message)] = _issues(only_model(run(onnx_model, tmp_path)))["conv2"]
    assert kind == "feature-mismatch"
    assert message == ("conv2 (Conv) expects 4 × 2 groups = 8 input channels (weight (8, 4, 3, 3)), "
                       "but its input (N, 3, 8, 8) has 3")


def test_reshape_conflict_is_a_reshape_mismatch(tmp_path):
    nodes = [h.make_node("Reshape", ["x", "s"], ["y"], name="view")]
    inits = [numpy_helper.from_array(np.array([-1, 7], np.int64), "s")]
    onnx_model = make(nodes, [tensor("x", [2, 3, 4])], [tensor("y", [None, 7])], inits)
    [(kind, _)] = _issues(only_model(run(onnx_model, tmp_path)))["view"]
    assert kind == "reshape-mismatch"


def test_conflict_inside_a_branch_names_the_inner_node(tmp_path):
    then = h.make_graph([h.make_node("Add", ["x", "y"], ["a"], name="bad_add")], "then", [], [tensor("a", None)])
    other = h.make_graph([h.make_node("Neg", ["x"], ["b"])], "else", [], [tensor("b", None)])
    nodes = [h.make_node("If", ["c"], ["z"], name="branch", then_branch=then, else_branch=other)]
    onnx_model = make(nodes, [tensor("x", ["N", 3]), tensor("y", ["N", 4]), tensor("c", [], T.BOOL)],
                      [tensor("z", ["N", 3])])
    issues = _issues(only_model(run(onnx_model, tmp_path)))
    assert list(issues) == ["branch/then/bad_add"]
    assert issues["branch/then/bad_add"][0][0] == "merge-mismatch"


def test_conflicts_become_ml102_ml105_diagnostics_when_the_rules_exist(tmp_path):
    from modelint.analyzer.rule import rule_by_code_or_name

    if rule_by_code_or_name("ML105") is None or rule_by_code_or_name("ML102") is None:
        pytest.skip("ML102/ML105 are not written yet")
    nodes = [h.make_node("Add", ["a", "b"], ["s"], name="residual"), h.make_node("MatMul", ["s", "w"], ["y"], name="fc")]
    onnx_model = make(nodes, [tensor("a", ["N", 3]), tensor("b", ["N", 5])], [tensor("y", ["N", 2])],
                      [weight("w", 3, 2)])
    result = run(onnx_model, tmp_path)
    codes = {(d.code, d.extra.get("layer")) for d in result.diagnostics}
    assert ("ML105", "residual") in codes


# -- broken files -------------------------------------------------------------------------
def _broken_models():
    good = conv_net()
    yield "truncated", good.SerializeToString()[:300], "not a valid ONNX protobuf"
    yield "text", b"this is a README, not a model\n", "not a valid ONNX protobuf"
    yield "empty", b"", "the file is empty"
    yield "no graph", onnx.ModelProto(ir_version=8).SerializeToString(), "no IR version or no graph"
    undefined = make([h.make_node("Relu", ["nope"], ["y"], name="act")], [tensor("x", [1])], [tensor("y", [1])])
    yield "undefined tensor", undefined, "node act (Relu) reads tensor 'nope', which no node, graph input"
    unsorted = make([h.make_node("Relu", ["t"], ["y"], name="second"), h.make_node("Relu", ["x"], ["t"], name="first")],
                    [tensor("x", [1])], [tensor("y", [1])])
    yield "unsorted", unsorted, "not topologically sorted: node second (Relu) reads tensor 't'"
    unknown_op = make([h.make_node("Frobnicate", ["x"], ["y"], name="f")], [tensor("x", [1])], [tensor("y", [1])])
    yield "unknown op", unknown_op, "node f uses unknown op ai.onnx::Frobnicate"
    custom = make([h.make_node("Frobnicate", ["x"], ["y"], name="f", domain="com.acme")], [tensor("x", [1])],
                  [tensor("y", [1])])
    custom.opset_import.append(h.make_opsetid("com.acme", 1))
    yield "unknown domain", custom, "op com.acme::Frobnicate from a domain onnx"
    not_imported = make([h.make_node("Frobnicate", ["x"], ["y"], name="f", domain="com.acme")], [tensor("x", [1])],
                        [tensor("y", [1])])
    yield "domain not imported", not_imported, "uses domain 'com.acme', which the model does not import"
    yield "opset too new", make([h.make_node("Relu", ["x"], ["y"])], [tensor("x", [1])], [tensor("y", [1])],
                                opset=999), "opset 999 of domain 'ai.onnx' is newer than onnx"
    yield "ir too new", make([h.make_node("Relu", ["x"], ["y"])], [tensor("x", [1])], [tensor("y", [1])],
                             ir_version=999), "IR version 999 is newer than onnx"
    bad_attr = make([h.make_node("Relu", ["x"], ["y"], name="act", alpha=1.0)], [tensor("x", [1])], [tensor("y", [1])])
    yield "checker", bad_attr, "invalid ONNX model: Unrecognized attribute: alpha for operator Relu"


@pytest.mark.parametrize("label, content, expected", list(_broken_models()), ids=lambda v: v if isinstance(v, str) else "")
def test_broken_file_is_one_ml902(tmp_path, label, content, expected):
    data = content if isinstance(content, bytes) else content.SerializeToString()
    path = tmp_path / "broken.onnx"
    path.write_bytes(data)
    result = analyze_path(path, Options(), "broken.onnx")
    assert result.models == []
    [diag] = result.diagnostics
    assert (diag.code, diag.name, diag.path, diag.span.line) == ("ML902", "invalid-model-file", "broken.onnx", 1)
    assert expected in diag.message, diag.message


def test_ml902_follows_selection(tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"garbage")
    ignored = analyze_path(path, Options(selection=Selection(ignore=("ML902",))), "broken.onnx")
    assert ignored.diagnostics == []


def test_unreadable_path_is_ml902(tmp_path):
    result = analyze_path(tmp_path / "missing.onnx", Options(), "missing.onnx")
    [diag] = result.diagnostics
    assert diag.code == "ML902" and diag.message.startswith("cannot read file")


# -- never opening anything but the file ----------------------------------------------------
def _external(model, location: str):
    from onnx.external_data_helper import set_external_data

    for init in model.graph.initializer:
        set_external_data(init, location=location, offset=0, length=len(init.raw_data) or 4)
        init.ClearField("raw_data")
        init.data_location = T.EXTERNAL
    return model


_OPENED: list[str] | None = None
_HOOKED: list[bool] = []


def _audit(event: str, args: tuple) -> None:
    if _OPENED is not None and event in ("open", "os.open"):
        _OPENED.append(os.fspath(args[0]) if isinstance(args[0], (str, bytes, os.PathLike)) else repr(args[0]))


@pytest.mark.parametrize("location", ["../../etc/passwd", "missing_weights.bin", "/etc/shadow"])
def test_external_data_is_never_opened(tmp_path, location):
    global _OPENED
    model_dir = tmp_path / "models" / "deep"
    model_dir.mkdir(parents=True)
    path = model_dir / "model.onnx"
    path.write_bytes(_external(conv_net(), location).SerializeToString())
    analyze_path(path, Options(), "model.onnx")  # warm every import first
    if not _HOOKED:  # audit hooks cannot be removed: install one, switched by _OPENED
        sys.addaudithook(_audit)
        _HOOKED.append(True)
    _OPENED = []
    try:
        result = analyze_path(path, Options(), "model.onnx")
    finally:
        opened, _OPENED = _OPENED, None
    assert [Path(p).resolve() for p in opened if not p.endswith((".py", ".pyc"))] == [path.resolve()]
    model = only_model(result)
    assert model.totals() == (41418, 0, True)
    assert result.diagnostics == []


# -- the command line -----------------------------------------------------------------------
def test_cli_json_end_to_end(tmp_path, report_validator):
    folder = tmp_path / "models"
    folder.mkdir()
    save(conv_net(), folder, "convnet.onnx")
    (folder / "broken.onnx").write_bytes(b"\x08\x07\x12")
    (folder / "plain.py").write_text("x = 1\n")
    proc = subprocess.run([str(MODELINT), str(folder), "--output-format", "json"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    doc = checked_report(proc.stdout)
    report_validator.validate(doc)
    by_name = {Path(f["path"]).name: f for f in doc["files"]}
    assert set(by_name) == {"convnet.onnx", "broken.onnx", "plain.py"}
    [net] = by_name["convnet.onnx"]["models"]
    assert (net["name"], net["class"], net["framework"], net["line"]) == ("convnet", "ONNX", "onnx", 1)
    assert net["params"] == {"total": 41418, "trainable": 41418, "non_trainable": 0, "exact": True,
                             "float": 41418, "integer": 0}
    assert net["input_shape"] == ["N", 3, 32, 32]
    assert [layer["output_shape"] for layer in net["layers"]][-1] == ["N", 10]
    assert by_name["convnet.onnx"]["diagnostics"] == []
    assert [d["code"] for d in by_name["broken.onnx"]["diagnostics"]] == ["ML902"]
    assert by_name["plain.py"] == {"path": by_name["plain.py"]["path"], "models": [], "diagnostics": []}


def test_cli_summary_table(tmp_path):
    path = save(conv_net(), tmp_path, "convnet.onnx")
    proc = subprocess.run([str(MODELINT), str(path), "--summary"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "fc (Gemm)" in proc.stdout and "(N, 10)" in proc.stdout
    assert "Total params: 41,418" in proc.stdout


def test_python_runs_do_not_import_onnx(tmp_path):
    source = tmp_path / "net.py"
    source.write_text("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    pass\n")
    code = ("import sys; from pathlib import Path; from modelint.analyzer.engine import Options, analyze_path; "
            f"analyze_path(Path({str(source)!r}), Options()); print('onnx' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "False", proc.stderr
