"""Focused behaviour of the PyTorch frontend: import styles, containers, shared and
unused modules, parameters, freezing, input-shape sources, unknowns, bad input."""

from __future__ import annotations

import pytest

from modelint.analyzer.engine import Options
from tests.conftest import analyze_text


def _models(source: str, **options):
    return {m.name: m for m in analyze_text(source, "net.py", Options(**options)).models}


def _params(model):
    t, n, exact = model.totals()
    return t + n, t, n, exact


_BODY = """
class Net({base}):
    def __init__(self):
        super().__init__()
        self.fc = {linear}(4, 3)

    def forward(self, x):
        return self.fc(x)
"""


@pytest.mark.parametrize("imports,base,linear", [
    ("import torch.nn as nn", "nn.Module", "nn.Linear"),
    ("from torch import nn", "nn.Module", "nn.Linear"),
    ("import torch", "torch.nn.Module", "torch.nn.Linear"),
    ("from torch.nn import Module, Linear", "Module", "Linear"),
    ("import torch.nn as tnn", "tnn.Module", "tnn.Linear"),
])
def test_import_styles_resolve_to_the_same_model(imports, base, linear):
    model = _models(imports + "\n" + _BODY.format(base=base, linear=linear))["Net"]
    assert _params(model) == (15, 15, 0, True)
    assert [l.name for l in model.layers() if l.kind == "dense"] == ["fc"]


def test_hierarchical_names_follow_named_modules():
    src = """
import torch.nn as nn
from collections import OrderedDict

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn1(self.conv1(x)) + x

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
        self.layer1 = nn.Sequential(*[Block(8) for _ in range(2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(8, 2)})
        self.extra = nn.ModuleList()
        self.extra.append(nn.Identity())
        self.body = nn.Sequential(OrderedDict([("conv", nn.Conv2d(8, 8, 1))]))

    def forward(self, x):
        x = self.layer1(self.features(x))
        x = self.extra[0](self.body(x))
        return self.heads["a"](x.mean((2, 3)))
"""
    model = _models(src)["Net"]
    names = [l.name for l in model.layers() if not l.attrs.get("functional") and l.kind != "input"]
    assert names == ["features.0", "features.1", "layer1.0.conv1", "layer1.0.bn1", "layer1.1.conv1",
                     "layer1.1.bn1", "body.conv", "extra.0", "heads.a"]
    assert _params(model)[3]


def test_shared_module_is_counted_once_and_reused_batchnorm_is_flagged():
    src = """
import torch.nn as nn

# modelint: input-shape=(2, 8)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.bn = nn.BatchNorm1d(8)

    def forward(self, x):
        x = self.bn(self.fc(x))
        return self.bn(self.fc(x))
"""
    result = analyze_text(src, "net.py")
    model = result.models[0]
    assert _params(model) == (72 + 16, 88, 0, True)
    fc = [l for l in model.layers() if l.name == "fc"]
    assert len(fc) == 2 and [l.shared for l in fc] == [False, True]
    assert [(d.code, d.span.line) for d in result.diagnostics if d.code == "ML304"] == [("ML304", 13)]


def test_unused_module_is_counted_and_flagged():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.spare = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(x)
"""
    result = analyze_text(src, "net.py")
    model = result.models[0]
    assert _params(model)[:3] == (18 + 72, 90, 0)
    spare = next(l for l in model.layers() if l.name == "spare")
    assert not spare.applied
    assert [(d.code, d.span.line) for d in result.diagnostics if d.code == "ML301"] == [("ML301", 8)]


def test_plain_list_is_not_registered_and_counted_apart():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.hidden = [nn.Linear(4, 4), nn.Linear(4, 4)]

    def forward(self, x):
        for layer in self.hidden:
            x = layer(x)
        return self.fc(x)
"""
    result = analyze_text(src, "net.py")
    model = result.models[0]
    assert _params(model)[:3] == (20, 20, 0)
    assert model.unregistered_params == 40
    ml307 = [d for d in result.diagnostics if d.code == "ML307"]
    assert len(ml307) == 1 and "40 parameters" in ml307[0].message and ml307[0].span.line == 8


def test_parameters_and_freezing():
    src = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        self.embed = nn.Embedding(10, 4)
        self.head = nn.Linear(4, 2)
        self.token = nn.Parameter(torch.zeros(1, 1, 4))
        self.fixed = nn.Parameter(torch.ones(3), requires_grad=False)
        for p in self.backbone.parameters():
            p.requires_grad = False
        self.embed.requires_grad_(False)
        self.head.weight.requires_grad = False

    def forward(self, x):
        return self.head(self.backbone(x))
"""
    model = _models(src)["Net"]
    # backbone 20 + embed 40 + head.weight 8 + fixed 3 frozen; head.bias 2 + token 4 trainable
    assert _params(model) == (77, 6, 71, True)


def test_input_shape_sources_in_order():
    src = """
import torch
import torch.nn as nn
from torchinfo import summary

# modelint: input-shape=(1, 4)
class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

class B(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)

b = B()
x = torch.randn(7, 4)
y = b(x)
c = B()
summary(c, input_size=(3, 4))
"""
    models = _models(src)
    out = {name: next(l for l in m.layers() if l.name == "fc").output_shape for name, m in models.items()}
    assert out == {"A": (1, 2), "B": (7, 2), "b": (7, 2), "c": (3, 2)}
    given = _models(src, input_shapes={"A": (5, 4)})
    assert next(l for l in given["A"].layers() if l.name == "fc").output_shape == (5, 2)


def test_counts_need_no_input_shape_and_lazy_stays_unknown():
    src = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = nn.LazyLinear(10)

    def forward(self, x):
        return self.head(self.conv(x).flatten(1))
"""
    model = _models(src)["Net"]
    conv = next(l for l in model.layers() if l.name == "conv")
    assert conv.params == 224
    total, _, _, exact = _params(model)
    assert total == 224 and not exact


def test_required_constructor_argument_is_a_symbol_in_a_formula():
    src = """
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3)

    def forward(self, x):
        return self.conv(x)

net = Block(4)
"""
    from modelint.analyzer.selection import Selection

    result = analyze_text(src, "net.py", Options(selection=Selection(("ALL",))))  # ML403 is opt-in
    models = {m.name: m for m in result.models}
    assert not models["Block"].totals()[2]
    # issue 9: `channels` is a symbol; the count is torch's for every value of it.
    formula = models["Block"].formula_totals()
    assert formula.exact and str(formula.total) == "9*channels*channels + channels"
    assert models["Block"].symbols["channels"].kind == "parameter"
    assert _params(models["net"]) == (148, 148, 0, True)
    assert not any(d.code == "ML403" and "constructor arguments" in d.message for d in result.diagnostics)


def test_lstm_tuple_outputs_and_indexing():
    src = """
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 3)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.fc(out[:, -1, :])

model = Net()
y = model(torch.randn(4, 10, 8))
"""
    model = _models(src)["model"]
    lstm = next(l for l in model.layers() if l.name == "lstm")
    assert lstm.outputs == ((4, 10, 32), (4, 4, 16), (4, 4, 16))
    assert next(l for l in model.layers() if l.name == "fc").output_shape == (4, 3)


def test_module_level_sequential_is_a_model_and_a_loss_is_not():
    """docs/models.md: loss modules and optimizers are not models; the loss stays
    linked to the model it trains (ML201/ML202 need it)."""
    src = """
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
loss = criterion(net(torch.randn(2, 3)), torch.randn(2, 1))
"""
    models = _models(src)
    assert set(models) == {"net"}
    assert models["net"].class_name == "Sequential" and _params(models["net"])[:3] == (21, 21, 0)
    assert [use.name for use in models["net"].extra["losses"]] == ["MSELoss"]


def test_ml102_message_names_the_flattened_factors():
    src = """
import torch
import torch.nn as nn

# modelint: input-shape=(1, 1, 28, 28)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(100, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))
"""
    diags = [d for d in analyze_text(src, "net.py").diagnostics if d.code == "ML102"]
    assert len(diags) == 1 and diags[0].span.line == 10
    assert diags[0].message == ("Linear expects 100 input features, but the flattened input has "
                                "5408 = 8 × 26 × 26 (from conv at line 9)")


@pytest.mark.parametrize("source", [
    "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc = nn.Linear(\n",
    "import torch.nn as nn\nclass Net(nn.Module):\n    def forward(self, x):\n        return x.view(\n",
    "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(x, y)\n"
    "    def forward(self, x):\n        while True:\n            x = self.fc(x)\n        return x[x > 0]\n",
    "import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self, n=3):\n        super().__init__()\n"
    "        self.n = Net(n - 1) if n else None\n    def forward(self, x):\n        return self.n(x)\n",
])
def test_half_typed_code_never_crashes(source):
    result = analyze_text(source, "net.py")
    assert all(d.code for d in result.diagnostics)


def test_matrix_products_and_attention_in_forward_have_shapes_and_macs():
    """`@`, torch.matmul / mm / bmm and F.scaled_dot_product_attention are layers with
    shapes (torch 2.13 gives out (14, 4) and 3,488 parameters for this model) and the
    MACs of analyzer/ops/tensor.py and attention.py."""
    source = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Attn(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.w = nn.Parameter(torch.randn(d, 10))

    def forward(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        s = q @ k.transpose(1, 2)
        a = torch.matmul(s.softmax(dim=-1), v)
        o = F.scaled_dot_product_attention(q, k, v)
        y = torch.bmm(a + o, self.w.expand(2, 32, 10))
        return torch.mm(y.reshape(-1, 10), torch.randn(10, 4))


model = Attn()
out = model(torch.randn(2, 7, 32))
'''
    model = next(m for m in analyze_text(source).models if m.name == "model")
    trainable, non_trainable, exact = model.totals()
    assert (trainable, non_trainable, exact) == (3488, 0, True)
    rows = {(l.name, l.op): l for l in model.layers()}
    shapes = {op: rows[(name, op)].output_shape for name, op in rows}
    assert shapes["@"] == (2, 7, 7)
    assert shapes["torch.matmul"] == (2, 7, 32)
    assert shapes["F.scaled_dot_product_attention"] == (2, 7, 32)
    assert shapes["torch.bmm"] == (2, 7, 10)
    assert shapes["torch.mm"] == (14, 4)
    macs = {l.op: l.macs for l in model.costs()}
    assert macs["@"] == 2 * 7 * 7 * 32
    assert macs["torch.bmm"] == 2 * 7 * 32 * 10
    assert macs["torch.mm"] == 14 * 10 * 4
    assert macs["F.scaled_dot_product_attention"] == 2 * (2 * 7 * 7 * 32)


_NTUPLE = """
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.utils import _pair


class DeformConv(nn.Module):
    def __init__(self, cin=3, cout=8, kernel_size={k}):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.weight = nn.Parameter(torch.empty(cout, cin, *self.kernel_size))

    def forward(self, x):
        return F.conv2d(x, self.weight, padding=1)
"""


@pytest.mark.parametrize("k, total", [("3", 8 * 3 * 3 * 3), ("(3, 5)", 8 * 3 * 3 * 5)])
def test_torch_tuple_helpers_fold_and_are_no_submodules(k, total):
    """``torch.nn.modules.utils._pair`` is a function, not a module: it used to become an
    unknown submodule (with an ML301 "never used") and left the weight unknown. Totals
    as torch counts them: 8·3·3·3 and 8·3·3·5."""
    result = analyze_text(_NTUPLE.format(k=k), "net.py", Options())
    model = {m.name: m for m in result.models}["DeformConv"]
    assert _params(model) == (total, total, 0, True)
    assert [layer.name for layer in model.layers() if layer.kind != "input"] == ["weight", "conv2d"]
    assert not [d for d in result.diagnostics if d.code == "ML301"]


def test_a_torch_tuple_helper_of_an_unknown_value_is_not_guessed():
    """``_pair(k)`` with ``k`` a symbol may be a tuple already: the weight stays unknown
    rather than taken for ``(k, k)``."""
    source = _NTUPLE.format(k="3").replace("cin=3, cout=8, kernel_size=3", "kernel_size, cin=3, cout=8")
    model = {m.name: m for m in analyze_text(source, "net.py", Options()).models}["DeformConv"]
    assert _params(model)[3] is False
