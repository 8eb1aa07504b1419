"""The first pass parses only the statements that can matter to a model, and the
analysis stays exactly the whole file's: same models, findings, positions, fixes and
suppressions (``# noqa``, ``disable-file`` anywhere, ML404), on every fixture and on
real library code."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from modelint.analyzer.engine import FileResult, Options, analyze_source
from modelint.analyzer.firstpass import frontends_for, select, select_parts
from modelint.analyzer.reporters import json as json_reporter
from tests.conftest import FIXTURES, REPO

SITE = Path(next(p for p in sys.path if p.endswith("site-packages"))) if any(
    p.endswith("site-packages") for p in sys.path) else None


def report(result: FileResult) -> str:
    """Everything a user can read about the file: models, layers, shapes, counts,
    findings with positions and fix edits."""
    return json_reporter.render([result])


def both(path: Path, source: str) -> tuple[str, str]:
    display = path.as_posix()
    whole = analyze_source(path, source, Options(), display, whole_file=True)
    partial = analyze_source(path, source, Options(), display)
    return report(whole), report(partial)


def fixtures() -> list[Path]:
    """Every fixture, including the ones other work adds later (collected at run time)."""
    return sorted(FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_fixture_gives_the_whole_file_analysis(path):
    whole, partial = both(path, path.read_text(encoding="utf-8"))
    assert partial == whole


def _library_files() -> list[Path]:
    if SITE is None:
        return []
    roots = [SITE / "keras" / "src", SITE / "torch" / "nn"]
    return sorted(p for root in roots if root.is_dir() for p in root.rglob("*.py"))


def _sample() -> list[Path]:
    """A fast, fixed slice of the real-code corpus: Keras' model builders (functions that
    return models), and library modules full of framework names that build nothing."""
    wanted = ("keras/src/applications/mobilenet.py", "keras/src/applications/vgg16.py",
              "keras/src/applications/resnet.py", "keras/src/layers/core/dense.py",
              "keras/src/models/sequential.py", "keras/src/losses/losses.py",
              "torch/nn/modules/container.py", "torch/nn/modules/linear.py", "torch/nn/utils/rnn.py",
              "torch/nn/modules/transformer.py")
    return [p for p in _library_files() if p.as_posix().endswith(wanted)]


@pytest.mark.parametrize("path", _sample(), ids=lambda p: "/".join(p.parts[-3:]))
def test_real_library_code_gives_the_whole_file_analysis(path):
    whole, partial = both(path, path.read_text(encoding="utf-8"))
    assert partial == whole


@pytest.mark.slow
def test_the_whole_real_code_corpus_gives_the_whole_file_analysis():
    """keras/src + torch/nn (906 files): minutes, run with `-m slow` (MODELINT_CORPUS
    may name another folder of Python files)."""
    root = os.environ.get("MODELINT_CORPUS")
    files = sorted(Path(root).rglob("*.py")) if root else _library_files()
    if not files:
        pytest.skip("no corpus")
    differ = []
    for path in files:
        whole, partial = both(path, path.read_text(encoding="utf-8", errors="replace"))
        if partial != whole:
            differ.append(str(path))
    assert differ == []


def selected(source: str) -> list[str]:
    """The first line of each selected top-level statement."""
    tree = ast.parse(source)
    lines = source.splitlines()
    return [lines[tree.body[i].lineno - 1] for i in select(tree, frontends_for(source))]


def test_a_file_without_a_framework_selects_nothing():
    assert selected("import os\nx = os.getcwd()\ndef f():\n    return x\n") == []


def test_a_framework_file_that_builds_nothing_selects_nothing():
    source = ("from keras.src import ops\nfrom keras.src.api_export import keras_export\n\n"
              "@keras_export('keras.ops.thing')\ndef thing(x):\n    return ops.relu(x)\n")
    assert selected(source) == []


def test_model_statements_their_dependencies_and_their_uses_are_selected():
    source = (
        "import os\n"
        "import torch.nn as nn\n"
        "WIDTH = 64\n"                                      # used by the model: kept
        "UNUSED = os.sep\n"                                 # dropped
        "def helper(x):\n    return x * 2\n"                # called by the model: kept
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(helper(WIDTH), 10)\n"
        "def unrelated(path):\n    return os.path.join(path, 'x')\n"   # dropped
        "def train():\n    model = Net()\n    return model\n"          # uses a selected name: kept
        "if __name__ == '__main__':\n    train()\n"                      # calls a helper: kept
    )
    assert selected(source) == ["import os", "import torch.nn as nn", "WIDTH = 64", "def helper(x):",
                                "class Net(nn.Module):", "def train():", "if __name__ == '__main__':"]


def test_a_statement_that_can_stop_the_evaluation_is_kept():
    source = ("import keras\nfor i in range(10**6):\n    pass\n"
              "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n")
    assert "for i in range(10**6):" in selected(source)


def test_rebinding_a_model_name_is_kept():
    source = ("import keras\nmodel = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
              "model = None\n")
    assert selected(source)[-1] == "model = None"


TEST_CLASS = """\
import numpy as np
import keras
from keras import layers
from keras.src import testing

SIZES = [2, 4]


def make(width):
    return keras.Sequential([keras.Input((3,)), layers.Dense(width)])


class DenseTest(testing.TestCase):
    \"\"\"Two of these methods build a model; the others never reach one.\"\"\"

    DTYPES = [d for d in ("float32", "float16")]

    def helper(self):
        return make(self.width())

    def width(self):
        return 3

    def test_shapes(self):
        model = self.helper()
        self.assertEqual(model.output_shape, (None, 3))

    # a comment between methods
    def test_numpy(self):
        x = np.ones((2, 3))
        self.assertAllClose(x, x)

    @staticmethod
    def test_static():
        return [1, 2, 3]

    def test_direct(self):
        model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])  # noqa: ML101
        model.summary()

    def test_loop(self):
        for size in SIZES:
            self.assertGreater(size, 0)
"""


def test_a_class_keeps_only_the_methods_that_reach_a_model():
    tree = ast.parse(TEST_CLASS)
    parts = select_parts(tree, frontends_for(TEST_CLASS))
    cls = next(i for i, stmt in enumerate(tree.body) if isinstance(stmt, ast.ClassDef))
    lines = TEST_CLASS.splitlines()
    left_out = [lines[first - 1].strip() for first, _ in parts.left_out[cls]]
    assert left_out == ["def test_numpy(self):", "@staticmethod", "def test_loop(self):"]
    whole, partial = both(Path("dense_test.py"), TEST_CLASS)
    assert partial == whole
    assert '"DenseTest.test_direct.model"' in partial


@pytest.mark.parametrize("change", [
    ("class DenseTest(testing.TestCase):", "class DenseTest(keras.Model):"),       # a model class: whole
    ("        model.summary()", "        model.summary()\n        getattr(self, 'test_numpy')()"),  # a kept method
])
def test_a_class_that_may_use_any_method_is_kept_whole(change):
    source = TEST_CLASS.replace(*change)
    tree = ast.parse(source)
    parts = select_parts(tree, frontends_for(source))
    cls = next(i for i, stmt in enumerate(tree.body) if isinstance(stmt, ast.ClassDef))
    assert cls in parts.statements and cls not in parts.left_out
    whole, partial = both(Path("dense_test.py"), source)
    assert partial == whole


@pytest.mark.parametrize("extra, kept", [
    ("SUITE = DenseTest\nSUITE().test_loop()\n", ["def test_loop(self):"]),   # named by code that runs
    ("SUITE = DenseTest\n", []),
    ("SUITE = DenseTest\ngetattr(SUITE(), 'test_' + 'loop')()\n", ["def test_numpy(self):", "@staticmethod",
                                                                    "def test_loop(self):"]),
    ("class Suite(DenseTest):\n    pass\n", []),
])
def test_a_class_other_code_names_keeps_the_methods_that_code_names(extra, kept):
    """Other statements name the class (they may instantiate it, subclass it, call its
    methods): a method stays out only while no selected statement names it."""
    source = TEST_CLASS + extra
    tree = ast.parse(source)
    parts = select_parts(tree, frontends_for(source))
    cls = next(i for i, stmt in enumerate(tree.body) if isinstance(stmt, ast.ClassDef))
    lines = source.splitlines()
    left_out = [lines[first - 1].strip() for first, _ in parts.left_out.get(cls, [])]
    assert [m for m in ["def test_numpy(self):", "@staticmethod", "def test_loop(self):"]
            if m not in left_out] == kept
    whole, partial = both(Path("dense_test.py"), source)
    assert partial == whole


def test_a_model_name_built_at_module_level_from_an_outside_class_seeds_nothing():
    """The PyTorch frontend takes an outside class for a submodule only inside code
    (``self.enc = Encoder()``), not at module level (``T = TypeVar("T")``)."""
    source = ("import torch.nn as nn\nfrom typing import TypeVar\nfrom blocks import Encoder\n"
              "T = TypeVar('T')\n\n"
              "def helper(x: T) -> T:\n    return x\n\n"
              "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.enc = Encoder()\n")
    assert selected(source)[-1] == "class Net(nn.Module):"
    assert "T = TypeVar('T')" not in selected(source)
    whole, partial = both(Path("typevar.py"), source)
    assert partial == whole


# Every way the frontends make a model from an imported name, in the import styles users
# write: (imports, an expression that makes a model).
MAKERS = [
    ("import keras", "keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])"),
    ("from keras.models import Sequential\nfrom keras import layers", "Sequential([layers.Dense(2)])"),
    ("from tensorflow.keras import Sequential, layers", "Sequential([layers.Dense(2)])"),
    ("import tensorflow as tf", "tf.keras.Sequential([tf.keras.layers.Dense(2)])"),
    ("import keras", "keras.Model(keras.Input((4,)), keras.layers.Dense(2)(keras.Input((4,))))"),
    ("import keras", "keras.applications.MobileNetV2(weights=None)"),
    ("from keras import applications", "applications.VGG16(weights=None)"),
    ("from keras.applications import ResNet50", "ResNet50(weights=None)"),
    ("from tensorflow.keras.applications.resnet50 import ResNet50", "ResNet50(weights=None)"),
    ("import tensorflow as tf", "tf.keras.applications.ResNet50(weights=None)"),
    ("import keras", "keras.models.clone_model(keras.Sequential([keras.layers.Dense(2)]))"),
    ("import torch.nn as nn", "nn.Sequential(nn.Linear(2, 3))"),
    ("from torch import nn", "nn.Linear(2, 3)"),
    ("from torch.nn import Linear", "Linear(2, 3)"),
    ("import torch", "torch.nn.modules.linear.Linear(2, 3)"),
    ("import torch\nimport torch.nn as nn", "nn.Embedding.from_pretrained(torch.zeros(10, 4))"),
    ("import torch", "torch.nn.EmbeddingBag.from_pretrained(torch.zeros(10, 4), freeze=False)"),
    ("import torchvision", "torchvision.models.resnet18()"),
    ("from torchvision.models import resnet18", "resnet18()"),
]
PLACES = [
    "model = {expr}\n",
    "def build():\n    return {expr}\n",
    "if __name__ == '__main__':\n    model = {expr}\n",
    "def main():\n    model = {expr}\n    model.summary()\n",
]


@pytest.mark.parametrize("place", PLACES, ids=["module", "builder", "main-block", "function"])
@pytest.mark.parametrize("imports, expr", MAKERS, ids=[m[1].split("(")[0] for m in MAKERS])
def test_every_way_to_make_a_model_is_selected(imports, expr, place):
    """The first pass's list of model-making names against what the frontends make: a
    name it missed would drop that model from the report."""
    source = f"{imports}\n\n{place.format(expr=expr)}"
    whole, partial = both(Path("maker.py"), source)
    assert partial == whole
    assert '"models": []' not in whole  # the frontend does make a model here: the check is not vacuous


TYPE_CHECK = """import torch.nn as nn


def is_linear(m):
    return isinstance(m, (nn.Linear, nn.Conv2d)) or issubclass(type(m), nn.Module)


model = nn.Sequential(nn.Linear(2, 3))
"""


def test_a_type_check_builds_nothing():
    """``isinstance(m, nn.Linear)`` names a model class but makes none: no seed."""
    assert selected(TYPE_CHECK) == ["import torch.nn as nn", "model = nn.Sequential(nn.Linear(2, 3))"]
    whole, partial = both(Path("check.py"), TYPE_CHECK)
    assert partial == whole


def test_a_type_check_the_file_defines_itself_may_build_anything():
    source = TYPE_CHECK.replace("\n\n\ndef is_linear", "\n\n\ndef isinstance(m, kind):\n    return kind\n\n\n"
                                "def is_linear", 1)
    assert "def is_linear(m):" in selected(source)
    whole, partial = both(Path("check.py"), source)
    assert partial == whole


def test_what_may_only_stop_the_evaluation_does_not_pull_in_its_readers():
    source = ("import torch.nn as nn\nimport backend\n"
              "if backend.name() == 'x':\n    Base = object\nelse:\n    raise RuntimeError('no backend')\n"
              "class Layer(Base):\n    def size(self):\n        return 1\n"
              "model = nn.Linear(2, 3)\n")
    assert selected(source) == ["import torch.nn as nn", "import backend", "if backend.name() == 'x':",
                                "model = nn.Linear(2, 3)"]
    whole, partial = both(Path("cold.py"), source)
    assert partial == whole


SUPPRESSIONS = '''\
import os  # noqa: ML101
# modelint: disable-file=ML204
import keras

def unrelated():  # noqa
    return os.sep

model = keras.Sequential([
    keras.Input((8, 8, 3)),
    keras.layers.Dense(4),  # noqa: ML101
    keras.layers.Dense(4),
])
x = 1  # modelint: disable=ML301
'''


def test_suppressions_anywhere_in_the_file_read_the_same():
    whole, partial = both(Path("suppressions.py"), SUPPRESSIONS)
    assert partial == whole
    assert '"ML404"' in partial  # the unused directives are still reported, at their lines


@pytest.mark.parametrize("source", [
    "import keras\nmodel = keras.Sequential([\n",        # Python's parser refuses it: libcst reports
    "import torch\nx = *a\n",                              # ast refuses, libcst accepts
    "",
    "# torch, only a comment\n",
    "import torch\n\n\n",
    "import keras; model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]); x = 1\n",
    "x = 1\r\nimport keras\r\nmodel = keras.Sequential([keras.Input((2,)),\r\n    keras.layers.Dense(1)])\r\n",
    "def f():\n  return 1\nimport keras\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n",
])
def test_odd_sources_give_the_whole_file_analysis(source):
    whole, partial = both(Path("odd.py"), source)
    assert partial == whole


def test_the_repository_own_sources_are_not_a_special_case():
    """modelint's own engine mentions keras and torch everywhere and builds nothing."""
    path = REPO / "analyzer" / "engine.py"
    whole, partial = both(path, path.read_text(encoding="utf-8"))
    assert partial == whole


def _walked_calls(tree: ast.Module) -> dict[str, set[str]]:
    """The call table as model discovery computed it before the first pass made it."""
    calls: dict[str, set[str]] = {}
    for top in tree.body:
        where = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)) else ""
        for node in ast.walk(top):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                calls.setdefault(node.func.id, set()).add(where)
    return calls


@pytest.mark.parametrize("path", fixtures()[::7] + _sample(), ids=lambda p: "/".join(p.parts[-2:]))
def test_the_call_table_of_the_first_pass_is_every_call_by_name(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    selection = select_parts(tree, frontends_for(source))
    if selection.statements:
        assert selection.calls == _walked_calls(tree)


def test_the_call_table_sees_calls_in_every_corner():
    source = (
        "import torch\n"
        "@deco(make())\n"
        "def f(a: ann(), b=default()) -> ret():\n"
        "    g = lambda x: inner(x)\n"
        "    return [comp(i) for i in items()] + a(b)\n"
        "class C(base()):\n"
        "    x: hint() = value()\n"
        "    def m(self):\n"
        "        return f(k=kw())(chained())\n"
        "model = torch.nn.Linear(2, 2)\n"
    )
    tree = ast.parse(source)
    selection = select_parts(tree, frontends_for(source))
    assert selection.statements and selection.calls == _walked_calls(tree)
    assert selection.calls["a"] == {"f"} and selection.calls["f"] == {""}


def test_a_file_that_only_mentions_a_framework_is_not_folded_by_it():
    """Keras' backend-agnostic code says "torch" in strings; the PyTorch frontend used to
    take the outside classes it instantiates for submodules (keras/src/export/onnx_test.py
    reported seven ``InferenceSession`` "models")."""
    source = (
        "import onnxruntime\n"
        "from keras.src import backend\n\n\n"
        "class ExportTest:\n"
        "    def test_export(self):\n"
        "        if backend.backend() == \"torch\":\n"
        "            return\n"
        "        ort_session = onnxruntime.InferenceSession(\"model.onnx\")\n"
        "        return ort_session.run(None, {})\n"
    )
    assert frontends_for(source) == ["keras"]
    assert analyze_source(Path("onnx_test.py"), source, Options(), "onnx_test.py").models == []
    torch_source = source.replace("from keras.src import backend", "import numpy, torch")
    assert frontends_for(torch_source) == ["torch"]
    assert analyze_source(Path("onnx_test.py"), torch_source, Options(), "onnx_test.py").models == []
    # An outside class of the user's own package, built in code, is still taken for a submodule.
    own = torch_source.replace("import onnxruntime", "from . import runtime").replace("onnxruntime.", "runtime.")
    models = analyze_source(Path("onnx_test.py"), own, Options(), "onnx_test.py").models
    assert [m.class_name for m in models] == ["InferenceSession"]
    whole, partial = both(Path("onnx_test.py"), own)
    assert partial == whole


@pytest.mark.parametrize("line", [
    "rng = np.random.RandomState(0)", "root = pathlib.Path('data')", "lock = threading.Lock()",
    "fn = types.FunctionType(code, {})",
])
def test_a_class_of_the_standard_library_or_numpy_is_no_submodule(line):
    """In a torch file, an outside class called in code is taken for a submodule of the
    user's own package — never a class of Python's standard library or of numpy."""
    source = (f"import pathlib, threading, types\nimport numpy as np\nimport torch\n\n\n"
              f"def setup(code):\n    {line}\n    return torch.zeros(2)\n")
    assert analyze_source(Path("setup.py"), source, Options(), "setup.py").models == []
    assert selected(source) == []
    as_module = source.replace("np.random.RandomState", "blocks.Block").replace("pathlib.Path", "blocks.Block") \
        .replace("threading.Lock", "blocks.Block").replace("types.FunctionType", "blocks.Block") \
        .replace("import pathlib, threading, types", "import blocks")
    assert [m.class_name for m in analyze_source(Path("setup.py"), as_module, Options(), "setup.py").models] == ["Block"]


@pytest.mark.parametrize("line", ["import torch", "import os, torch.nn as nn", "from torch import nn",
                                  "    from torchvision.models import resnet18", "import tensorflow as tf"])
def test_an_import_at_any_indentation_selects_its_frontend(line):
    assert frontends_for(line + "\n")


@pytest.mark.parametrize("text", ["# torch here\n", "x = 'keras'\n", "import numpy as np  # torch later\n",
                                  "from torch_geometric.nn import GCNConv\n"])
def test_a_mention_selects_no_frontend(text):
    assert frontends_for(text) == []
