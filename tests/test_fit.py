""""Which inputs fit" (analyzer/fit.py): models built through the real ops on symbolic
input shapes, the answer in words, and — the check that matters — the derived set of
input sizes agrees with the same model built on concrete sizes over a range, where
a size fits exactly when no layer reports an issue."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from modelint.analyzer.fit import input_fit
from modelint.analyzer.frontends.bindings import bind
from modelint.analyzer.frontends.torch_bindings import TORCH_MODULES
from modelint.analyzer.graph import Layer, ModelGraph, TensorRef
from modelint.analyzer.passes.infer import annotate
from modelint.analyzer.symbolic import Expr

N, C, H, W, L = (Expr.symbol(s) for s in ("N", "C", "H", "W", "L"))

Module = tuple[str, list[Any], dict[str, Any]]


def build(shape: tuple, modules: Sequence[Module], branches: Sequence[Sequence[Module]] = ()) -> ModelGraph:
    """A torch model: an input of ``shape``, then ``modules`` in a chain, then each of
    ``branches`` as a further chain reading the input (annotated as the frontends do)."""
    model = ModelGraph("net", "Net", "torch", 1)
    source = Layer("x", "x", "input", "input", {"batch_shape": shape}, None, "x", "torch")
    model.add_layer(source)
    annotate(source, [])
    model.inputs.append(TensorRef("x"))
    count = itertools.count()
    for chain in (modules, *branches):
        prev = "x"
        for cls, args, kwargs in chain:
            binding = TORCH_MODULES[cls]
            attrs = bind(binding, list(args), dict(kwargs))
            attrs["class_name"] = cls
            i = next(count)
            layer = Layer(f"l{i}", f"layer{i}", cls, binding.kind, attrs, None, f"l{i}", "torch")
            model.add_layer(layer)
            model.connect(TensorRef(prev), layer.id, 0)
            annotate(layer, [model.shape_of(TensorRef(prev))])
            prev = layer.id
    return model


def valid(model: ModelGraph) -> bool:
    """The concrete model runs: no layer reports an issue or is left unknown."""
    return all(not layer.issues and layer.unknown is None for layer in model.layers())


MNIST = [("Conv2d", [1, 32, 3], {}), ("Conv2d", [32, 64, 3], {}), ("MaxPool2d", [2], {}),
         ("Flatten", [], {}), ("Linear", [9216, 128], {})]


def test_no_symbol_no_fit():
    assert input_fit(build((1, 1, 28, 28), MNIST)) is None


def test_mnist_square_input_is_pinned():
    fit = input_fit(build((N, 1, H, H), MNIST))
    assert fit is not None and fit.fits is True
    assert fit.ranges["H"] == (28, 29) and fit.residual == ()
    assert fit.describe() == "28 ≤ H ≤ 29"
    assert fit.symbols == ("N", "H")


def test_mnist_two_sides_coupled_with_an_example():
    fit = input_fit(build((N, 1, H, W), MNIST))
    assert fit.fits is True and fit.ranges == {"H": (6, None), "W": (6, None)}
    assert fit.example["H"] == fit.example["W"] == 28
    assert fit.describe() == "H, W ≥ 6; 64·((H - 4) // 2)·((W - 4) // 2) = 9,216 (e.g. H = W = 28)"
    (pin,) = [f for f in fit.constraints if f.relation == "=="]
    assert pin.layer == "l4" and pin.where == "layer4 (Linear)" and "in_features" in pin.constraint.why


def test_accepts_a_pinned_shape_only():
    fit = input_fit(build((N, C, 28, 28), [("Conv2d", [3, 8, 3], {})]))
    assert fit.fits is True and fit.describe() == "accepts (N, 3, 28, 28) only"
    fit = input_fit(build((N, C, H, W), [("Conv2d", [3, 8, 3], {})]))
    assert fit.describe() == "accepts (N, 3, H, W) with H, W ≥ 3"


def test_lower_bound_only():
    fit = input_fit(build((N, 3, H, W), [("Conv2d", [3, 8, 7], {}), ("MaxPool2d", [2], {})]))
    assert fit.fits is True and fit.describe() == "H, W ≥ 8" and fit.residual == ()


def test_every_size_fits():
    fit = input_fit(build((N, 3, H, W), [("Conv2d", [3, 8, 3], {"padding": 1}), ("ReLU", [], {})]))
    assert fit.fits is True and fit.describe() == "every input size fits" and fit.constraints == ()


def test_no_input_size_fits_names_the_layers():
    # Two heads on the input's last axis: one pins L = 3, the other L = 5.
    fit = input_fit(build((N, L), [("Linear", [3, 4], {})], branches=[[("Linear", [5, 4], {})]]))
    assert fit.fits is False and fit.culprit is not None and fit.culprit.layer == "l1"
    assert fit.describe() == "no input size fits: layer1 (Linear) needs L = 5, but layer0 (Linear) needs L = 3"


def test_no_integer_size_fits_a_product():
    # 32·(H - 2)·(W - 2) = 100 has no integer solution: 32 never divides 100.
    fit = input_fit(build((N, 1, H, W), [("Conv2d", [1, 32, 3], {}), ("Flatten", [], {}), ("Linear", [100, 3], {})]))
    assert fit.fits is False and fit.culprit.layer == "l2"
    assert fit.describe().startswith("no input size fits: layer2 (Linear) needs 32·H·W")


def test_a_product_already_past_its_value_at_the_least_sizes():
    # A 5x5 conv needs H, W ≥ 5; a second head flattens the input into Linear(10):
    # H·W = 10 has integer solutions, but none with H, W ≥ 5 (H·W ≥ 25 there).
    fit = input_fit(build((N, 1, H, W), [("Conv2d", [1, 8, 5], {})],
                          branches=[[("Flatten", [], {}), ("Linear", [10, 3], {})]]))
    assert fit.fits is False and fit.culprit.layer == "l2"
    assert fit.describe() == ("no input size fits: layer2 (Linear) needs H·W = 10, "
                              "which no size the other layers allow meets")


def test_the_cache_keeps_one_answer():
    model = build((N, 1, H, H), MNIST)
    assert input_fit(model) is input_fit(model)


CASES = {
    "mnist-square": ((N, 1, H, H), MNIST),
    "mnist": ((N, 1, H, W), MNIST),
    "conv-pool": ((N, 3, H, W), [("Conv2d", [3, 8, 5], {}), ("MaxPool2d", [3], {}), ("Conv2d", [8, 8, 3], {})]),
    "stride": ((N, 3, H, W), [("Conv2d", [3, 8, 3], {"stride": 2}), ("Conv2d", [8, 4, 3], {"stride": 2}),
                              ("Flatten", [], {}), ("Linear", [36, 2], {})]),
    "impossible": ((N, 1, H, W), [("Conv2d", [1, 32, 3], {}), ("Flatten", [], {}), ("Linear", [100, 3], {})]),
    "small-pin": ((N, 1, H, W), [("Conv2d", [1, 8, 5], {}), ("Flatten", [], {}), ("Linear", [8, 3], {})]),
    "channels": ((N, C, H, W), [("Conv2d", [3, 8, 3], {}), ("AvgPool2d", [2], {})]),
}
BRANCHES = {"past-value": [[("Flatten", [], {}), ("Linear", [10, 3], {})]],
            "rectangle": [[("Flatten", [], {}), ("Linear", [30, 3], {})]]}  # 5 x 6 fits, no square does
CASES["past-value"] = CASES["rectangle"] = ((N, 1, H, W), [("Conv2d", [1, 8, 5], {})])


@pytest.mark.parametrize("name", list(CASES))
def test_derived_set_agrees_with_the_concrete_model(name):
    """Over every size in 1..40 (C in 1..4): the model built on that size is valid
    exactly when the fit's constraints hold, and ``fits`` is never wrong."""
    shape, modules = CASES[name]
    branches = BRANCHES.get(name, ())
    fit = input_fit(build(shape, modules, branches))
    assert fit is not None and fit.fits is not None
    names = [d.symbols().pop() for d in shape if isinstance(d, Expr) and str(d) != "N"]
    names = list(dict.fromkeys(names))
    any_valid = False
    for combo in itertools.product(*[range(1, 5) if n == "C" else range(1, 41) for n in names]):
        values = {"N": 2, **dict(zip(names, combo))}
        concrete = tuple(d.subs(values) if isinstance(d, Expr) else d for d in shape)
        truth = valid(build(concrete, modules, branches))
        derived = fit.fits is not False and all(f.constraint.holds(values) for f in fit.constraints)
        assert truth == derived, (name, values, fit.describe())
        any_valid = any_valid or truth
    if fit.fits is False:
        assert not any_valid
    if fit.example is not None:
        assert all(f.constraint.holds(fit.example) for f in fit.constraints)


def test_a_model_without_symbols_never_imports_the_symbolic_module(tmp_path):
    """Files without symbols cost nothing extra: analysing one (JSON, summary) leaves
    analyzer.symbolic and analyzer.fit unimported."""
    source = tmp_path / "m.py"
    source.write_text("import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                      "        super().__init__()\n        self.fc = nn.Linear(4, 2)\n\n"
                      "    def forward(self, x):\n        return self.fc(x)\n")
    code = ("import sys\nfrom modelint.analyzer.cli import main\n"
            f"main(['--no-cache', '--summary', '--exit-zero', {str(source)!r}])\n"
            f"main(['--no-cache', '--output-format', 'json', '--exit-zero', {str(source)!r}])\n"
            "loaded = {'modelint.analyzer.symbolic', 'modelint.analyzer.fit'} & set(sys.modules)\n"
            "sys.stdout.write(f'LOADED {loaded}' if loaded else 'CLEAN')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.endswith("CLEAN"), out[-400:]


def test_an_example_off_the_diagonal():
    fit = input_fit(build(*CASES["rectangle"], BRANCHES["rectangle"]))
    assert fit.fits is True and fit.example["H"] * fit.example["W"] == 30
    assert fit.describe() == "H, W ≥ 5; H·W = 30 (e.g. H = 5, W = 6)"


def test_an_unresolved_layer_leaves_the_answer_undecided():
    """A layer left unknown hides its own requirements and those of every layer after
    it: the constraints found are necessary, never proven enough."""
    model = build((N, 3, H, W), [("Conv2d", [3, 16, 5], {}), ("MaxPool2d", [2], {})])
    model.layer("l1").unknown = "Tensor.view: not divisible for every value of its symbols"
    fit = input_fit(model)
    assert fit.fits is None and "layer1 (MaxPool2d) is not resolved" in fit.undecided
    assert fit.describe() == ("needs H, W ≥ 6; not decided whether that is enough: "
                              "layer1 (MaxPool2d) is not resolved")


def test_two_sizes_that_must_be_equal_read_as_an_equality():
    # Conv2d(in_ch, …) with a symbolic in_ch meets the input's C.
    fit = input_fit(build((N, C, H, W), [("Conv2d", [Expr.symbol("in_ch"), 8, 5], {})]))
    assert fit.fits is True and fit.describe() == "H, W ≥ 5; C = in_ch (e.g. C = in_ch = 1)"
    assert all(f.constraint.holds(fit.example) for f in fit.constraints)


# --------------------------------------------------------------------------- real fixtures


def _fixture_fit(rel: str, name: str):
    from tests.conftest import FIXTURES, analyze

    model = next(m for m in analyze(FIXTURES / rel).models if m.name == name)
    return input_fit(model)


def test_mnist_fixture_from_the_frontend():
    fit = _fixture_fit("real/torch/pytorch_examples_mnist.py", "Net")
    assert fit.fits is True
    assert fit.describe() == ("accepts (N, 1, H, W) with H, W ≥ 6; 64·((H - 4) // 2)·((W - 4) // 2) = 9,216 "
                              "(e.g. H = W = 28)")


def test_a_concat_that_never_lines_up_is_found_class_by_class():
    """``2·((H - 4) // 2) = H + 4`` is not monotone in H; on each parity class it is a
    constant (-4 or -5 ≠ 4): no input size fits, whichever H."""
    fit = _fixture_fit("torch/noshape_cat_mismatch.py", "TinyUNet")
    assert fit.fits is False and fit.culprit is not None
    assert fit.describe().startswith("no input size fits: ") and "= H + 4" in fit.describe()
    fixed = _fixture_fit("torch/noshape_cat_mismatch_fixed.py", "TinyUNet")
    assert fixed.fits is True and fixed.example["H"] % 2 == 0 and fixed.example["W"] % 2 == 0
    assert "2·(H // 2) = H" in fixed.describe()


def test_an_op_conflict_for_every_size_means_nothing_fits():
    fit = input_fit(build((N, 3, H, W), [("Conv2d", [4, 8, 3], {})]))  # 4 channels expected, 3 given
    assert fit.fits is False and fit.culprit is None and fit.issue[0] == "l0"
    assert fit.describe().startswith("no input size fits: layer0 (Conv2d): ")


def test_formula_totals_past_the_expression_bounds_give_no_formula():
    """A sum of more distinct symbolic counts than an expression may hold: no formula
    (the integer totals stand, inexact), never a crash or a wrong one."""
    from modelint.analyzer.symbolic import MAX_TERMS

    model = ModelGraph("big", "Big", "torch", 1)
    for i in range(MAX_TERMS + 5):
        layer = Layer(f"l{i}", f"l{i}", "Linear", "dense", {}, None, f"l{i}", "torch")
        layer.trainable, layer.non_trainable = Expr.symbol(f"d{i}") * Expr.symbol(f"e{i}"), 0
        model.add_layer(layer)
    assert model.formula_totals() is None
    assert model.totals() == (0, 0, False)
    small = build((N, 3, 8, 8), [("Linear", [Expr.symbol("d"), 4], {})])
    totals = small.formula_totals()
    assert totals.exact and totals.total == 4 * Expr.symbol("d") + 4 and small.totals() == (0, 0, False)
