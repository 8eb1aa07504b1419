"""Oracle: torch fixtures exported with ``torch.onnx.export`` (weights written as
external data, then deleted) must count exactly what torch counts.

For each fixture: the static total equals the elements of every initializer,
summed independently from the full protobuf before its weights left the file, and
the trainable count equals ``sum(p.numel() for p in model.parameters())`` (nets
without BatchNorm: torch's eval-mode export folds BatchNorm into the convolutions).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from modelint.analyzer.engine import Options, analyze_path

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402

pytestmark = pytest.mark.oracle

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "torch"

# (fixture, class, input shape, integer input)
CASES = [
    ("mnist_net.py", "Net", (1, 1, 28, 28), False),
    ("lenet5.py", "LeNet", (1, 1, 32, 32), False),
    ("selu_tabular_mlp.py", "SNN", (8, 20), False),
    ("lstm_text_classifier.py", "LSTMClassifier", (2, 20), True),
    ("gru_sequence_classifier.py", "GRUClassifier", (1, 50, 16), False),
]


def _export(fixture: str, cls: str, shape: tuple[int, ...], integer: bool, out: Path) -> int:
    namespace = runpy.run_path(str(FIXTURES / fixture), run_name="__modelint_fixture__")
    module = namespace[cls]().eval()
    example = torch.randint(0, 10, shape) if integer else torch.randn(*shape)
    torch.onnx.export(module, (example,), str(out), dynamo=False, input_names=["x"],
                      dynamic_axes={"x": {0: "batch"}})
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("fixture, cls, shape, integer", CASES, ids=[c[0] for c in CASES])
def test_exported_fixture_counts_match_torch(tmp_path, fixture, cls, shape, integer):
    exported = tmp_path / "exported.onnx"
    torch_params = _export(fixture, cls, shape, integer, exported)
    full = onnx.load(str(exported))
    independent = sum(numpy_helper.to_array(init).size for init in full.graph.initializer)

    # Move every weight out of the file, then delete it: counts must not need it.
    target = tmp_path / "model.onnx"
    onnx.save_model(full, str(target), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.weights", size_threshold=0)
    weights = tmp_path / "model.weights"
    assert weights.stat().st_size > 0
    weights.unlink()
    assert any(init.data_location == onnx.TensorProto.EXTERNAL
               for init in onnx.load(str(target), load_external_data=False).graph.initializer)

    result = analyze_path(target, Options(), "model.onnx")
    assert [d.code for d in result.diagnostics if d.code == "ML902"] == []
    [model] = result.models
    trainable, non_trainable, exact = model.totals()
    assert exact
    assert trainable + non_trainable == independent
    assert trainable == torch_params
    assert model.extra["onnx_params"]["float"] + model.extra["onnx_params"]["integer"] == independent
    assert all(layer.output_shape is not None for layer in model.layers() if layer.applied)
