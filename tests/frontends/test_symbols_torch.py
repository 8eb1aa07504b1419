"""Issue 9, PyTorch side: a value the file leaves open but whose origin is known is a
named symbol, not a give-up. Constructor and builder arguments without a value, the
attributes of a config object, and the input dimensions a first layer fixes the rank
of become ``Expr`` symbols; the ops compute shapes and counts over them; a branch or a
loop on one is not followed and leaves the model inexact with an ML403 — never a guess."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from modelint.analyzer.engine import Options
from modelint.analyzer.selection import Selection
from modelint.analyzer.shapes import format_shape
from tests.conftest import FIXTURES, REPO, analyze, analyze_text

ALL = Options(selection=Selection(("ALL",)))


def _models(source: str, options: Options = ALL) -> dict:
    return {m.name: m for m in analyze_text(source, "net.py", options).models}


def _sym(name: str):
    from modelint.analyzer.symbolic import Expr

    return Expr.symbol(name)


def _formula(model):
    totals = model.formula_totals()
    assert totals is not None, f"{model.name}: no count is a formula"
    return totals


def _reasons(model) -> list[str]:
    return [u.reason for u in model.unresolved]


def _shape(model, layer_name: str) -> str:
    return format_shape(next(l for l in model.layers() if l.name == layer_name).output_shape)


def _input_shape(model) -> str:
    return format_shape(model.shape_of(model.inputs[0]))


# -- constructor arguments ---------------------------------------------------------------------

MLP = """
import torch.nn as nn
import torch.nn.functional as F

class MLP(nn.Module):
    def __init__(self, dim_in, dim_hidden, dim_out):
        super().__init__()
        self.fc1 = nn.Linear(dim_in, dim_hidden)
        self.fc2 = nn.Linear(dim_hidden, dim_out)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))
"""


def test_mlp_constructor_arguments_give_the_parameter_formula():
    model = _models(MLP)["MLP"]
    d_in, d_h, d_out = _sym("dim_in"), _sym("dim_hidden"), _sym("dim_out")
    totals = _formula(model)
    assert totals.total == d_in * d_h + d_h + d_h * d_out + d_out
    assert totals.trainable == totals.total and totals.non_trainable == 0
    assert totals.exact  # every layer resolved: torch's count for every value of the arguments
    assert not model.totals()[2]  # the integer total is not a count torch gives
    assert not model.unresolved  # symbols add no unresolved note by themselves
    assert list(model.symbols) == ["dim_hidden", "dim_in", "dim_out"] or set(model.symbols) == {
        "dim_in", "dim_hidden", "dim_out"}
    origin = model.symbols["dim_in"]
    assert origin.kind == "parameter"
    assert origin.description == "argument `dim_in` of MLP.__init__() (no default)"
    assert origin.span is not None and origin.span.line == 6
    # Linear alone does not fix the input's rank: it stays unknown, not a guess.
    assert _input_shape(model) == "?"


def test_an_instance_with_values_is_still_exact_and_the_class_a_formula():
    models = _models(MLP + "\nnet = MLP(784, 128, 10)\n")
    assert models["net"].totals() == (784 * 128 + 128 + 128 * 10 + 10, 0, True)
    assert models["net"].symbols == {}
    assert _formula(models["MLP"]).total.subs({"dim_in": 784, "dim_hidden": 128, "dim_out": 10}) == 101770


def test_cnn_with_symbolic_channels():
    src = """
import torch.nn as nn

class CNN(nn.Module):
    def __init__(self, in_channels, num_classes, width=16):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, 2 * width, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        x = self.bn1(self.conv1(x)).relu()
        x = self.pool(self.conv2(x))
        return self.fc(x.flatten(1))
"""
    model = _models(src)["CNN"]
    c, k = _sym("in_channels"), _sym("num_classes")
    totals = _formula(model)
    assert totals.total == (9 * c * 16 + 16) + 32 + (9 * 16 * 32 + 32) + (32 * k + k)
    assert totals.trainable == totals.total - 0 and totals.exact
    # Conv2d fixes the input's rank: (N, C, H, W), the channels pinned by a constraint.
    assert _input_shape(model) == "(N, C, H, W)"
    assert _shape(model, "conv2") == "(N, 32, H - 2, W - 2)"
    assert _shape(model, "fc") == "(N, num_classes)"
    assert {n: o.kind for n, o in model.symbols.items()} == {
        "N": "input", "C": "input", "H": "input", "W": "input", "in_channels": "parameter",
        "num_classes": "parameter"}
    conv1 = next(l for l in model.layers() if l.name == "conv1")
    assert any(str(con) == "C = in_channels" or "in_channels" in str(con) for con in conv1.constraints)


def test_config_object_attributes_are_symbols():
    src = """
import torch.nn as nn

class Head(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.proj = nn.Linear(cfg.hidden, cfg.hidden * 4)
        self.out = nn.Linear(self.cfg.hidden * 4, cfg["num_classes"])

    def forward(self, x):
        return self.out(self.proj(x))
"""
    model = _models(src)["Head"]
    h, k = _sym("cfg.hidden"), _sym("cfg['num_classes']")
    assert _formula(model).total == (h * 4 * h + 4 * h) + (4 * h * k + k)
    assert model.symbols["cfg.hidden"].kind == "config"
    assert model.symbols["cfg.hidden"].description.startswith("`cfg.hidden`, read from argument `cfg` of Head.__init__()")
    assert "cfg" not in model.symbols  # the object itself is no size of the model


def test_fixture_cfg_text_classifier_embedding_fixes_the_input_as_tokens():
    model = {m.name: m for m in analyze(FIXTURES / "torch" / "sym_cfg_text_classifier.py").models}["TextClassifier"]
    h, v, k = _sym("cfg.hidden"), _sym("cfg.vocab_size"), _sym("cfg.num_classes")
    lstm = 4 * (h * h + h * h + 2 * h)
    assert _formula(model).total == v * h + lstm + (h * (h // 2) + h // 2) + ((h // 2) * k + k)
    assert _formula(model).exact
    assert _input_shape(model) == "(N, L)"
    assert _shape(model, "out") == "(N, cfg.num_classes)"


# -- builders and instance sites ---------------------------------------------------------------

def test_builder_never_called_reports_a_formula_with_its_missing_arguments():
    result = analyze(FIXTURES / "torch" / "sym_builder_cnn.py", ALL)
    model = {m.name: m for m in result.models}["build_cnn"]
    totals = _formula(model)
    assert totals.total == 288 * _sym("in_channels") + 65 * _sym("num_classes") + 18592 and totals.exact
    # build_cnn(3, 10) by hand: 896 + 64 + 18,496 + 650
    assert totals.total.subs({"in_channels": 3, "num_classes": 10}) == 20106
    assert model.extra["missing_args"] == ["in_channels", "num_classes"]
    assert not any("no default" in r for r in _reasons(model))
    assert model.symbols["in_channels"].description == "argument `in_channels` of build_cnn() (no default)"
    assert _shape(model, "3") == "(N, 32, H // 2, W // 2)"


def test_instance_site_parameters_are_symbols_of_that_site():
    src = """
import torch.nn as nn

def train(args, epochs=10):
    model = nn.Sequential(nn.Linear(args.features, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 2))
    for epoch in range(epochs):
        pass
    return None

train(None)
"""
    model = _models(src)["train.model"]
    f, h = _sym("args.features"), _sym("args.hidden")
    assert _formula(model).total == f * h + h + 2 * h + 2
    assert model.symbols["args.hidden"].description.startswith(
        "`args.hidden`, read from parameter `args` of train() (not known at this site)")


def test_required_argument_unused_by_the_counts_keeps_the_total_inexact():
    """torch cannot build the class without it (the oracle's truth is null): an integer
    total is not claimed exact even though no count depends on the argument."""
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, device):
        super().__init__()
        self.device = device
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)
"""
    model = _models(src)["Net"]
    assert model.totals() == (10, 0, False)
    assert model.formula_totals() is None
    assert model.extra["missing_args"] == ["device"]
    # Not unresolved: the count is 10 for every value of `device`, a constant formula.
    assert not _reasons(model)
    from modelint.analyzer.reporters.json import model_json

    params = model_json(model)["params"]
    assert (params["exact"], params["formula"], params["formula_exact"]) == (False, "10", True)


# -- input dimensions -------------------------------------------------------------------------

MNIST = (FIXTURES / "torch" / "sym_mnist_no_input_shape.py")


def test_mnist_without_input_shape_gets_symbolic_dims():
    model = analyze(MNIST).models[0]
    assert _input_shape(model) == "(N, C, H, W)"
    assert _shape(model, "max_pool2d") == "(N, 64, (H - 4) // 2, (W - 4) // 2)"
    assert _shape(model, "fc2") == "(N, 10)"
    assert model.totals() == (1199882, 0, True)  # the counts do not depend on the input
    assert [n for n, o in model.symbols.items() if o.kind == "input"] == ["N", "C", "H", "W"]
    assert model.symbols["H"].description.startswith("height of the input `x` (no input shape given")
    fc1 = next(l for l in model.layers() if l.name == "fc1")
    assert [c.value for c in fc1.constraints if c.kind == "equals"] == [9216]  # Linear(9216) pins the flatten


@pytest.mark.parametrize("first,expected", [
    ("nn.Conv1d(8, 16, 3)", "(N, C, L)"),
    ("nn.Conv3d(1, 4, 3)", "(N, C, D, H, W)"),
    ("nn.Embedding(100, 8)", "(N, L)"),
    ("nn.LSTM(8, 16, batch_first=True)", "(N, L, F)"),
    ("nn.GRU(8, 16)", "(L, N, F)"),
    ("nn.Linear(8, 4)", "?"),  # any rank ≥ 1: not fixed
    ("nn.BatchNorm1d(8)", "?"),  # 2-D or 3-D
])
def test_the_first_layer_fixes_the_input_layout(first, expected):
    src = f"""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = {first}

    def forward(self, x):
        return self.first(x)
"""
    assert _input_shape(_models(src)["Net"]) == expected


def test_input_read_before_the_first_layer_stays_unknown():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        n = x.size(0)
        return self.conv(x).view(n, -1)
"""
    assert _input_shape(_models(src)["Net"]) == "?"


def test_names_given_with_input_shape_are_symbols():
    src = MNIST.read_text()
    options = Options(selection=Selection(("ALL",)), input_shapes={None: (1, 1, "H", "W")})
    model = _models(src, options)["Net"]
    assert _input_shape(model) == "(1, 1, H, W)"
    assert model.symbols["H"].kind == "input" and "given input shape" in model.symbols["H"].description
    assert _shape(model, "max_pool2d") == "(1, 64, (H - 4) // 2, (W - 4) // 2)"


def test_a_parameter_named_like_an_input_dim_gets_a_suffix():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.conv = nn.Conv2d(C, 8, 3)

    def forward(self, x):
        return self.conv(x)
"""
    model = _models(src)["Net"]
    assert _input_shape(model) == "(N, C_2, H, W)"
    assert model.symbols["C"].kind == "parameter" and model.symbols["C_2"].kind == "input"


# -- never a guess --------------------------------------------------------------------------------

def test_branch_on_a_symbol_is_inexact_with_an_ml403():
    result = analyze(FIXTURES / "torch" / "sym_branch_on_argument.py", ALL)
    models = {m.name: m for m in result.models}
    block = models["ConvBlock"]
    assert not block.totals()[2]
    assert block.formula_totals() is None or not block.formula_totals().exact
    assert any("condition `use_bn` is not static" in r for r in _reasons(block))
    assert any(d.code == "ML403" and "use_bn" in d.message for d in result.diagnostics)
    # the block next to it has only sizes as arguments: a formula torch gives for every value
    res = models["ResidualBlock"]
    c = _sym("channels")
    hidden = c // 4
    assert _formula(res).total == c * hidden + 2 * hidden + 9 * hidden * hidden + 2 * hidden + hidden * c + 2 * c
    assert _formula(res).exact


def test_a_loop_over_a_symbol_leaves_the_layer_list_unknown_not_short():
    """`for i in range(n_blocks)` is not followed: the list it fills is unknown after it,
    so the Sequential is not taken for complete (no shape finding from a missing part)."""
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, n_blocks, num_classes):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, padding=1)]
        for i in range(n_blocks):
            layers += [nn.Conv2d(16, 32, 3, padding=1), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.features(x).mean((2, 3))
        return self.head(x)
"""
    result = analyze_text(src, "net.py", ALL)
    model = result.models[0]
    assert not model.totals()[2] and not (model.formula_totals() and model.formula_totals().exact)
    assert any("range(n_blocks)" in r for r in _reasons(model))
    assert not [d for d in result.diagnostics if d.code in ("ML101", "ML102")]


def test_symbols_in_flags_and_strides_are_unknown_not_true():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, use_bias, p, stride):
        super().__init__()
        self.fc = nn.Linear(4, 4, bias=use_bias)
        self.drop = nn.Dropout(p)
        self.conv = nn.Conv1d(4, 4, 3, stride=stride)

    def forward(self, x):
        return self.conv(self.drop(self.fc(x)))
"""
    model = _models(src)["Net"]
    fc = next(l for l in model.layers() if l.name == "fc")
    assert fc.trainable is None and "use_bias" in fc.unknown  # not 20 (bias=True guessed)
    assert not model.totals()[2]


def test_calling_or_iterating_an_argument_says_so():
    src = """
import torch.nn as nn

class Wrapper(nn.Module):
    def __init__(self, backbone, heads):
        super().__init__()
        self.backbone = backbone
        self.heads = nn.ModuleList(heads)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.backbone(x))
"""
    model = _models(src)["Wrapper"]
    reasons = _reasons(model)
    assert any("an entry of nn.ModuleList" in r for r in reasons)  # not silently empty
    assert any("`self.backbone` is called" in r for r in reasons)  # its parameters are not counted
    assert not model.totals()[2]


@pytest.mark.parametrize("expr,reason", [
    ("dim / 2", "true division"),
    ("2 ** dim", "symbolic exponent"),
    ("dim ** dim", "symbolic exponent"),
    ("64 // dim", "not divisible"),
    ("[4] * dim", "repeated a symbolic number of times"),
    ("dim if dim > 2 else 4", "not static"),
    ("int(dim * 0.5)", "not an integer"),
])
def test_arithmetic_without_an_integer_form_is_unknown_with_a_reason(expr, reason):
    src = f"""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(8, {expr})

    def forward(self, x):
        return self.fc(x)
"""
    model = _models(src)["Net"]
    fc = next(l for l in model.layers() if l.name == "fc")
    assert fc.trainable is None and fc.unknown is not None
    assert reason in fc.unknown or any(reason in r for r in _reasons(model)), (fc.unknown, _reasons(model))
    assert not model.totals()[2]


def test_integer_arithmetic_on_symbols_folds():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, dim, ratio=4):
        super().__init__()
        hidden = int(dim * ratio)
        self.up = nn.Linear(dim, hidden)
        self.down = nn.Linear(hidden, dim // 2 - 1 + -(-dim % 1))

    def forward(self, x):
        return self.down(self.up(x))
"""
    model = _models(src)["Net"]
    d = _sym("dim")
    assert _formula(model).total == (4 * d * d + 4 * d) + (4 * d * (d // 2 - 1) + (d // 2 - 1))


# -- bounded on bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    # 10,000 reshapes of a symbolic tensor
    "        for _ in range(5000):\n            x = x.view(x.size(0), -1).view(x.size(0), 4, -1)\n        return x",
    # a symbol raised to a symbolic power, and a tensor times it
    "        n = x.size(2)\n        k = n ** n\n        return x * k",
    # a division by a symbol that may be 0
    "        n = x.size(2) - x.size(3)\n        return x.view(x.size(0), 64 // n, -1)",
    # products that grow past the expression bounds
    "        n = x.size(2)\n        for _ in range(200):\n            n = n * n + 1\n        return x.view(n, -1)",
])
def test_expressions_that_blow_up_stay_bounded(body):
    src = f"""
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3)

    def forward(self, x):
        x = self.conv(x)
{body}
"""
    start = time.process_time()  # CPU time: the machine's other jobs do not count
    result = analyze_text(src, "net.py", ALL)
    assert time.process_time() - start < 5
    assert not [d for d in result.diagnostics if d.code == "ML000"]  # no internal error
    model = result.models[0]
    assert model.totals()[0] == 4 * 8 * 9 + 8


def test_a_file_without_symbols_never_imports_symbolic():
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from modelint.analyzer.engine import Options, analyze_path\n"
        f"r = analyze_path(Path({str(FIXTURES / 'torch' / 'mnist_net.py')!r}), Options())\n"
        "assert r.models and all(m.totals()[2] for m in r.models), [m.totals() for m in r.models]\n"
        "assert all(not m.symbols for m in r.models)\n"
        "print('modelint.analyzer.symbolic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_parameters_and_framework_bases_with_symbolic_sizes():
    src = """
import torch
import torch.nn as nn

class GraphConv(nn.Module):
    def __init__(self, input_dim, output_dim):
        super().__init__()
        self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
        self.bias = nn.Parameter(torch.zeros(output_dim))

    def forward(self, x):
        return torch.mm(x, self.kernel) + self.bias

class Linear(nn.Linear):
    pass

class Norm(nn.Module):
    def __init__(self, groups, channels):
        super().__init__()
        self.gn = nn.GroupNorm(groups, channels)

    def forward(self, x):
        return self.gn(x)
"""
    models = _models(src)
    i, o = _sym("input_dim"), _sym("output_dim")
    assert _formula(models["GraphConv"]).total == i * o + o
    assert _formula(models["Linear"]).total == _sym("in_features") * _sym("out_features") + _sym("out_features")
    assert models["Linear"].symbols["in_features"].description == \
        "argument `in_features` of Linear() (nn.Linear's, no default)"
    assert _formula(models["Norm"]).total == 2 * _sym("channels")  # the group count does not change it
