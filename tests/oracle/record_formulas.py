"""Record the frameworks' parameter counts for the models modelint gives up on for want
of a constructor / builder argument (issue 9, "parameter counts as formulas").

Usage (from the repo root; one framework process at a time)::

    KERAS_BACKEND=torch /work/venv/bin/python tests/oracle/record_formulas.py [--auto] [FIXTURE_ID ...]

writes ``tests/oracle/truth_symbolic/formulas.json``, which
``tests/oracle/test_formula_oracle.py`` reads (that test needs neither torch nor keras).

Which models
------------
Every model of the fixtures that modelint reported with 0 parameters because a
constructor argument (a ``nn.Module`` / ``keras.Model`` class built with its defaults,
docs/models.md item 1) or a builder parameter (an uncalled builder, item 3) has no
default — the list of ``SPECS`` below, taken from modelint's own ML403 notes ("needs
constructor arguments (…) that have no default", "its parameters (…) have no default")
and the ``.oracle.json`` files ("needs constructor arguments", "needs arguments").

Each is called with three argument sets (keyword arguments, named as the parameters,
so each value binds the symbol of the same name); a config-object parameter is passed
as a ``types.SimpleNamespace`` (its attributes are the ``cfg.x`` symbols).  Models whose
required argument is not a number at all (a block class, a list, a module, a string
key) are listed in ``SKIPPED`` with the reason and recorded as such: no formula can
stand for them.

With ``--auto`` (what the committed truth was recorded with) every other model of
every fixture that the shape oracle could not build for want of an argument (its
``.oracle.json``) is recorded too, with three argument sets chosen by the parameters'
names (``auto_arg_sets``; a set that does not build drops the model, with a note).
A Keras class is left to ``SPECS``: Keras counts it only once it has seen an input.

How a model is counted
----------------------
The file is executed as the shape oracle executes it (``tests/oracle/_discover.py``:
run name other than ``__main__``, ``parse_args()`` -> defaults, so module-level
``args`` exist), each in its own subprocess.  torch: ``sum(p.numel() for p in
m.parameters())`` (shared parameters once, buffers not counted), ``trainable`` those
with ``requires_grad``.  Keras: a builder returns a built model (it makes its own
``Input``); a subclassed model is called once on ``zeros(input_shape)`` (the
recorded ``input_shape``), then ``count_params()``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import types
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = REPO / "fixtures"
TRUTH = HERE / "truth_symbolic" / "formulas.json"
_MARK = "@@MODELINT-FORMULAS@@"


def ns(**kw) -> dict:
    """A config object argument: recorded as ``{"__namespace__": {...}}``."""
    return {"__namespace__": kw}


# fixture id (path under fixtures/, no suffix) -> model name -> three argument sets.
# Chosen so that each model builds, small / medium / odd values, different per
# parameter (so that a formula swapping two symbols cannot agree by accident).
SPECS: dict[str, dict[str, list[dict]]] = {
    # ---------------------------------------------------------------- torch fixtures
    "torch/reach_builders_main": {
        "MLP": [dict(dim_in=784, dim_hidden=200, dim_out=10), dict(dim_in=20, dim_hidden=7, dim_out=3),
                dict(dim_in=5, dim_hidden=64, dim_out=101)],
        "SegNet": [dict(input_dim=3, n_channel=32, n_conv=3), dict(input_dim=1, n_channel=8, n_conv=2),
                   dict(input_dim=4, n_channel=5, n_conv=1)],
    },
    "torch/bug_residual_add_mismatch": {
        "ResBlock": [dict(in_planes=16, planes=16), dict(in_planes=16, planes=32), dict(in_planes=3, planes=8)],
    },
    "torch/densenet_small": {
        "DenseLayer": [dict(in_channels=24, growth_rate=12), dict(in_channels=5, growth_rate=3),
                       dict(in_channels=64, growth_rate=32)],
        "DenseBlock": [dict(num_layers=4, in_channels=24, growth_rate=12), dict(num_layers=2, in_channels=5, growth_rate=3),
                       dict(num_layers=3, in_channels=16, growth_rate=8)],
        "Transition": [dict(in_channels=72, out_channels=36), dict(in_channels=5, out_channels=2),
                       dict(in_channels=9, out_channels=9)],
    },
    "torch/dilated_context_net": {
        "SeparableConv2d": [dict(in_ch=32, out_ch=64), dict(in_ch=3, out_ch=5), dict(in_ch=16, out_ch=16)],
    },
    "torch/mobilenet_v2": {
        "ConvBNReLU": [dict(in_planes=3, out_planes=32), dict(in_planes=5, out_planes=7),
                       dict(in_planes=16, out_planes=16)],
        "InvertedResidual": [dict(inp=32, oup=16, stride=1, expand_ratio=1), dict(inp=16, oup=24, stride=2, expand_ratio=6),
                             dict(inp=24, oup=24, stride=1, expand_ratio=6)],
    },
    "torch/resnet": {
        "BasicBlock": [dict(inplanes=64, planes=64), dict(inplanes=3, planes=8), dict(inplanes=16, planes=32)],
        "Bottleneck": [dict(inplanes=256, planes=64), dict(inplanes=64, planes=64), dict(inplanes=8, planes=3)],
    },
    "torch/style_transfer_padding": {
        "ConvLayer": [dict(in_channels=3, out_channels=32, kernel_size=9, stride=1),
                      dict(in_channels=32, out_channels=64, kernel_size=3, stride=2),
                      dict(in_channels=5, out_channels=7, kernel_size=4, stride=3)],
        "ResidualBlock": [dict(channels=128), dict(channels=3), dict(channels=17)],
        "UpsampleConvLayer": [dict(in_channels=128, out_channels=64, kernel_size=3, stride=1),
                              dict(in_channels=5, out_channels=7, kernel_size=2, stride=2),
                              dict(in_channels=64, out_channels=32, kernel_size=5, stride=1)],
    },
    "torch/unet": {
        "DoubleConv": [dict(in_channels=1, out_channels=16), dict(in_channels=3, out_channels=5),
                       dict(in_channels=64, out_channels=32)],
        "Down": [dict(in_channels=16, out_channels=32), dict(in_channels=3, out_channels=5),
                 dict(in_channels=7, out_channels=7)],
        "Up": [dict(in_channels=256, out_channels=128), dict(in_channels=16, out_channels=8),
               dict(in_channels=7, out_channels=3)],
        "OutConv": [dict(in_channels=16, out_channels=2), dict(in_channels=3, out_channels=5),
                    dict(in_channels=64, out_channels=1)],
    },
    "torch/symargs_models": {
        "MLP": [dict(dim_in=784, dim_hidden=128, dim_out=10), dict(dim_in=20, dim_hidden=7, dim_out=3),
                dict(dim_in=5, dim_hidden=64, dim_out=101)],
        "SmallCNN": [dict(in_channels=3, num_classes=10), dict(in_channels=1, num_classes=2),
                     dict(in_channels=7, num_classes=100)],
        "AudioNet": [dict(n_mels=40, n_classes=12), dict(n_mels=13, n_classes=2), dict(n_mels=128, n_classes=35)],
        "LeNetHead": [dict(in_channels=1, num_classes=10), dict(in_channels=3, num_classes=2),
                      dict(in_channels=5, num_classes=7)],
    },
    "torch/sym_branch_on_argument": {
        "ConvBlock": [dict(in_ch=3, out_ch=16, use_bn=True), dict(in_ch=8, out_ch=4, use_bn=False),
                      dict(in_ch=5, out_ch=7, use_bn=True)],
        "ResidualBlock": [dict(channels=64), dict(channels=32), dict(channels=12)],
    },
    "torch/sym_cfg_text_classifier": {
        "TextClassifier": [dict(cfg=ns(vocab_size=5000, hidden=128, num_classes=4)),
                           dict(cfg=ns(vocab_size=17, hidden=9, num_classes=2)),
                           dict(cfg=ns(vocab_size=300, hidden=32, num_classes=11))],
    },
    # ------------------------------------------------------------ real-world torch corpus
    "real/torch/hoangtuan_sentiment_rnn_pretrained": {
        "SentimentRNN": [dict(vocab_size=5000), dict(vocab_size=17), dict(vocab_size=300)],
    },
    "real/torch/kanezaki_unsupervised_segmentation": {
        "MyNet": [dict(input_dim=3), dict(input_dim=1), dict(input_dim=7)],
    },
    "real/torch/kuangliu_densenet": {
        "Bottleneck": [dict(in_planes=64, growth_rate=32), dict(in_planes=7, growth_rate=12),
                       dict(in_planes=24, growth_rate=5)],
        "Transition": [dict(in_planes=64, out_planes=32), dict(in_planes=9, out_planes=4),
                       dict(in_planes=100, out_planes=50)],
    },
    "real/torch/kuangliu_mobilenetv2": {
        "Block": [dict(in_planes=32, out_planes=16, expansion=1, stride=1),
                  dict(in_planes=16, out_planes=24, expansion=6, stride=2),
                  dict(in_planes=24, out_planes=24, expansion=6, stride=1)],
    },
    "real/torch/kuangliu_resnet": {
        "BasicBlock": [dict(in_planes=64, planes=64), dict(in_planes=64, planes=128), dict(in_planes=16, planes=32)],
        "Bottleneck": [dict(in_planes=64, planes=64), dict(in_planes=256, planes=64), dict(in_planes=12, planes=3)],
    },
    "real/torch/pytorch_examples_forward_forward": {
        "Layer": [dict(in_features=784, out_features=500), dict(in_features=500, out_features=500),
                  dict(in_features=3, out_features=7)],
    },
    "real/torch/pytorch_examples_gat": {
        "GraphAttentionLayer": [dict(in_features=1433, out_features=64, n_heads=8),
                                dict(in_features=10, out_features=7, n_heads=3),
                                dict(in_features=5, out_features=16, n_heads=1)],
        "GAT": [dict(in_features=1433, n_hidden=64, n_heads=8, num_classes=7),
                dict(in_features=10, n_hidden=6, n_heads=2, num_classes=3),
                dict(in_features=50, n_hidden=16, n_heads=4, num_classes=10)],
    },
    "real/torch/pytorch_examples_gcn": {
        "GraphConv": [dict(input_dim=1433, output_dim=16), dict(input_dim=10, output_dim=3),
                      dict(input_dim=7, output_dim=7)],
        "GCN": [dict(input_dim=1433, hidden_dim=16, output_dim=7), dict(input_dim=10, hidden_dim=4, output_dim=3),
                dict(input_dim=50, hidden_dim=32, output_dim=10)],
    },
    "real/torch/pytorch_examples_snli": {
        "Encoder": [dict(config=ns(d_embed=100, d_proj=300, d_hidden=300, n_layers=1, dp_ratio=0.2, birnn=True,
                                   projection=True, n_cells=2)),
                    dict(config=ns(d_embed=50, d_proj=20, d_hidden=30, n_layers=2, dp_ratio=0.1, birnn=False,
                                   projection=True, n_cells=2)),
                    dict(config=ns(d_embed=16, d_proj=8, d_hidden=12, n_layers=1, dp_ratio=0.0, birnn=True,
                                   projection=False, n_cells=2))],
        "SNLIClassifier": [
            dict(config=ns(n_embed=20000, d_embed=100, d_proj=300, d_hidden=300, n_layers=1, dp_ratio=0.2,
                           birnn=True, projection=True, n_cells=2, d_out=4, fix_emb=True)),
            dict(config=ns(n_embed=500, d_embed=50, d_proj=20, d_hidden=30, n_layers=2, dp_ratio=0.1,
                           birnn=False, projection=True, n_cells=2, d_out=3, fix_emb=True)),
            dict(config=ns(n_embed=90, d_embed=16, d_proj=8, d_hidden=12, n_layers=1, dp_ratio=0.0,
                           birnn=True, projection=False, n_cells=2, d_out=7, fix_emb=False))],
    },
    "real/torch/pytorch_examples_word_language_model": {
        "PositionalEncoding": [dict(d_model=200), dict(d_model=64), dict(d_model=10)],
        "TransformerModel": [dict(ntoken=1000, ninp=64, nhead=4, nhid=128, nlayers=2),
                             dict(ntoken=50, ninp=16, nhead=2, nhid=32, nlayers=1),
                             dict(ntoken=300, ninp=24, nhead=3, nhid=40, nlayers=3)],
    },
    "real/torch/shaoxiongji_federated_main_nn": {
        "MLP": [dict(dim_in=784, dim_hidden=64, dim_out=10), dict(dim_in=20, dim_hidden=7, dim_out=3),
                dict(dim_in=5, dim_hidden=200, dim_out=101)],
        "CNNMnist": [dict(args=ns(num_channels=1, num_classes=10)), dict(args=ns(num_channels=3, num_classes=5)),
                     dict(args=ns(num_channels=2, num_classes=100))],
        "CNNCifar": [dict(args=ns(num_channels=3, num_classes=10)), dict(args=ns(num_channels=3, num_classes=2)),
                     dict(args=ns(num_channels=3, num_classes=37))],
    },
    # ---------------------------------------------------------------- Keras builders
    "keras/reach_builders": {
        "create_cnn": [dict(width=32, height=32, depth=3), dict(width=28, height=20, depth=1),
                       dict(width=50, height=67, depth=5)],
    },
    "real/keras/khoalevi_create_cnn": {
        "create_cnn": [dict(width=64, height=64, depth=3), dict(width=32, height=40, depth=1),
                       dict(width=70, height=51, depth=4)],
    },
    "keras/symargs_builders": {
        "build_mlp": [dict(input_dim=784, hidden_units=128, num_classes=10),
                      dict(input_dim=20, hidden_units=7, num_classes=3),
                      dict(input_dim=5, hidden_units=64, num_classes=101)],
        "build_conv1d": [dict(seq_len=100, n_features=3, n_filters=32, n_outputs=1),
                         dict(seq_len=7, n_features=1, n_filters=4, n_outputs=2),
                         dict(seq_len=50, n_features=6, n_filters=16, n_outputs=5)],
        "build_text_classifier": [dict(vocab_size=20000, embed_dim=128, maxlen=200, num_classes=2),
                                  dict(vocab_size=50, embed_dim=8, maxlen=10, num_classes=3),
                                  dict(vocab_size=1000, embed_dim=16, maxlen=64, num_classes=5)],
    },
    # ----------------------------------------- Keras subclassed models with required arguments
    # (need an input too: built by one call on zeros(input_shape); the test binds the
    # model's input symbols from that shape)
    "keras/subclassed_vae_guide": {
        "VariationalAutoEncoder": [dict(original_dim=784), dict(original_dim=10), dict(original_dim=33)],
    },
    "real/keras/keras_io_recommender_net": {
        "RecommenderNet": [dict(num_users=610, num_movies=9724, embedding_size=50),
                           dict(num_users=7, num_movies=11, embedding_size=3),
                           dict(num_users=100, num_movies=40, embedding_size=16)],
    },
    "keras/subclassed_resnet18_blocks": {
        "ResnetBlock": [dict(filters=64), dict(filters=8), dict(filters=3)],
    },
    "keras/sym_transformer_text": {
        "TextClassifier": [dict(maxlen=200, vocab_size=20000), dict(maxlen=10, vocab_size=50),
                           dict(maxlen=64, vocab_size=999)],
    },
    "keras/sym_custom_layer_units": {
        "SmallCNN": [dict(num_classes=10), dict(num_classes=3), dict(num_classes=7)],
    },
}

# Input shapes for the Keras subclassed models above (batch first; one per argument set).
KERAS_INPUTS: dict[tuple[str, str], list[list[int]]] = {
    ("keras/subclassed_vae_guide", "VariationalAutoEncoder"): [[2, 784], [2, 10], [2, 33]],
    ("real/keras/keras_io_recommender_net", "RecommenderNet"): [[2, 2], [2, 2], [2, 2]],
    # residual_path=False: the block adds its input to its output, so C = filters.
    ("keras/subclassed_resnet18_blocks", "ResnetBlock"): [[1, 8, 8, 64], [1, 5, 7, 8], [1, 9, 4, 3]],
    # token ids, L = maxlen (positions are embedded up to maxlen)
    ("keras/sym_transformer_text", "TextClassifier"): [[2, 200], [2, 10], [2, 64]],
    ("keras/sym_custom_layer_units", "SmallCNN"): [[1, 32, 32, 3], [1, 16, 20, 1], [1, 9, 9, 5]],
}

# Models of the list that no formula can stand for: the required argument is not a
# number (nor a config object of numbers).
SKIPPED: dict[str, dict[str, str]] = {
    "torch/reach_vgg_cfg_builder": {
        "VGG": "`features` is an nn.Module built outside the class (its parameters are not the class's to count)"},
    "real/torch/kuangliu_densenet": {
        "DenseNet": "`block` is a class and `nblocks` a list whose items drive range(): no number to name"},
    "real/torch/kuangliu_resnet": {
        "ResNet": "`block` is a class and `num_blocks` a list whose items drive a loop: no number to name"},
    "real/torch/kuangliu_vgg": {
        "VGG": "`vgg_name` is a string key into the cfg table that chooses the layers"},
    "real/torch/pytorch_examples_forward_forward": {
        "Net": "`dims` is a list iterated by range(len(dims) - 1) (and the layers sit in a plain list: torch counts 0)"},
    "real/torch/pytorch_examples_word_language_model": {
        "RNNModel": "`rnn_type` is a string that chooses the recurrent class (getattr(nn, rnn_type))"},
    "keras/subclassed_resnet18_blocks": {
        "ResNet18": "`block_list` is a list whose items drive range()"},
    "real/keras/keras_io_knowledge_distillation": {
        "Distiller": "`student` and `teacher` are models passed in (not numbers)"},
}


# Fixtures whose classes read globals that only the ``if __name__ == "__main__":`` block
# binds (``args = parser.parse_args()``): that block is read as the shape oracle reads it.
MAIN_BLOCK_GLOBALS = {"real/torch/pytorch_examples_forward_forward"}


# --------------------------------------------------------------------------- child side
def fixture_id(path: Path) -> str:
    return path.resolve().relative_to(FIXTURES).with_suffix("").as_posix()


def _materialise(value):
    if isinstance(value, dict) and set(value) == {"__namespace__"}:
        return types.SimpleNamespace(**value["__namespace__"])
    return value


def _load(path: Path, framework: str) -> dict:
    """The module's globals, executed as the shape oracle executes it."""
    sys.path.insert(0, str(HERE))
    import _discover  # noqa: E402

    fw = _discover.Framework(is_model=lambda o: False, is_model_class=lambda c: False,
                             is_library_builder=lambda f: False)
    source = path.read_text(encoding="utf-8")
    reader = _discover._Reader(path, source, fw)
    old_argv = sys.argv
    sys.argv = [str(path)]
    sys.path.insert(0, str(path.parent))
    try:
        error = reader.run_module()
        if fixture_id(path) in MAIN_BLOCK_GLOBALS:
            reader.read_main_blocks()
    finally:
        sys.argv = old_argv
    if error:
        print(f"{path.name}: module raised {error} (what was bound before is used)", file=sys.stderr)
    return reader.g


def _count_torch(obj, kwargs):
    import torch

    torch.manual_seed(0)
    m = obj(**kwargs)
    ps = list(m.parameters())
    total = sum(p.numel() for p in ps)
    trainable = sum(p.numel() for p in ps if p.requires_grad)
    return total, trainable


def _count_keras(obj, kwargs, input_shape):
    import keras

    keras.backend.clear_session(free_memory=False)
    m = obj(**kwargs)
    if input_shape is not None:
        m(keras.ops.zeros(tuple(input_shape)))
    total = int(m.count_params())
    trainable = sum(int(_numel(w.shape)) for w in m.trainable_weights)
    return total, trainable


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


# ``--auto``: three argument sets for a required parameter, chosen by its name (any
# values that build the model will do: the framework counts whatever it builds).
_AUTO_BY_NAME = (("width", (32, 28, 40)), ("height", (32, 20, 36)), ("depth", (3, 1, 5)), ("len", (32, 10, 50)),
                 ("stride", (1, 2, 1)), ("kernel", (3, 5, 1)), ("head", (2, 1, 4)), ("layer", (2, 1, 3)),
                 ("block", (2, 1, 3)), ("expan", (1, 6, 4)), ("ratio", (1, 6, 4)), ("drop", (0, 0, 0)))
_AUTO_VALUES = ((16, 3, 10, 8, 32, 5, 12, 7), (5, 7, 11, 13, 17, 19, 23, 29), (12, 6, 20, 9, 14, 4, 24, 2))


def auto_arg_sets(obj) -> list[dict]:
    import inspect

    required = [p.name for p in inspect.signature(obj).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    sets = []
    for k in range(3):
        args = {}
        for i, name in enumerate(required):
            by_name = next((v for key, v in _AUTO_BY_NAME if key in name.lower()), None)
            args[name] = by_name[k] if by_name else _AUTO_VALUES[k][i % len(_AUTO_VALUES[k])]
        sets.append(args)
    return sets


def _child(fixture: str, auto: list[str] | None = None) -> dict:
    path = FIXTURES / (fixture + ".py")
    framework = "keras" if "keras" in Path(fixture).parts else "torch"
    if framework == "keras":
        sys.path.insert(0, str(HERE))
        import _shim  # noqa: E402

        _shim.install()
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = _load(path, framework)
            out = []
            specs = dict(SPECS.get(fixture, {}))
            for name in auto or []:
                try:
                    specs[name] = auto_arg_sets(g[name])
                except (KeyError, TypeError, ValueError) as exc:
                    print(f"{fixture} {name}: no argument sets ({exc!r})", file=sys.stderr)
            for name, arg_sets in specs.items():
                obj = g[name]
                shapes = KERAS_INPUTS.get((fixture, name), [None] * len(arg_sets))
                runs = []
                for kwargs, shape in zip(arg_sets, shapes):
                    real = {k: _materialise(v) for k, v in kwargs.items()}
                    try:
                        if framework == "torch":
                            total, trainable = _count_torch(obj, real)
                        else:
                            total, trainable = _count_keras(obj, real, shape)
                    except Exception as exc:  # noqa: BLE001 - only an --auto guess may not build
                        if name not in (auto or []):
                            raise
                        print(f"{fixture} {name}{kwargs}: does not build ({exc!r})", file=sys.stderr)
                        break
                    run = {"args": kwargs, "total": total, "trainable": trainable}
                    if shape is not None:
                        run["input_shape"] = shape
                    runs.append(run)
                if len(runs) < len(arg_sets):
                    continue
                out.append({"fixture": fixture, "model": name, "framework": framework,
                            "kind": "builder" if isinstance(obj, types.FunctionType) else "class",
                            "runs": runs, "auto": name in (auto or [])})
    finally:
        sys.stdout = real_stdout
    mod = sys.modules["keras" if framework == "keras" else "torch"]
    return {"models": out, "version": {framework: mod.__version__.split("+")[0]}}


# --------------------------------------------------------------------------- parent side
def needs_arguments(fixture: str) -> list[dict]:
    """The fixture's models that the shape oracle could not build for want of an
    argument (its ``.oracle.json``: "needs constructor arguments" / "needs arguments")."""
    oracle = FIXTURES / (fixture + ".oracle.json")
    if not oracle.exists():
        return []
    data = json.loads(oracle.read_text())
    return [m for m in data["models"]
            if (m.get("error") or "").startswith(("needs constructor arguments", "needs arguments"))]


def auto_models(fixture: str) -> list[str]:
    """``--auto``: the models of ``needs_arguments`` that SPECS and SKIPPED do not name.
    A Keras class is left out: Keras builds it only on an input, which a person chooses."""
    known = set(SPECS.get(fixture, {})) | set(SKIPPED.get(fixture, {}))
    keras = "keras" in Path(fixture).parts
    out = []
    for m in needs_arguments(fixture):
        if m["name"] in known:
            continue
        if keras and m.get("kind") == "class":
            print(f"{fixture} {m['name']}: a Keras class needs an input to count; add it to SPECS", file=sys.stderr)
            continue
        out.append(m["name"])
    return out


def record(fixture: str, timeout: float = 300, auto: list[str] | None = None) -> dict:
    """Record one fixture's models in a fresh interpreter: ``{"models", "version"}``."""
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONHASHSEED="0")
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", fixture],
                          input=json.dumps(auto or []), capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=REPO)
    for line in proc.stderr.splitlines():
        if line.startswith(fixture + " "):  # the child's notes: an --auto guess that did not build
            print(line, file=sys.stderr)
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    raise RuntimeError(f"recording {fixture} failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}")


def main(argv: list[str]) -> int:
    """``record_formulas.py [--auto] [FIXTURE_ID ...]``: SPECS (of those fixtures), plus,
    with ``--auto``, every other model the shape oracle could not build for want of an
    argument, with argument sets chosen by the parameters' names."""
    auto = "--auto" in argv
    argv = [a for a in argv if a != "--auto"]
    fixtures = argv or sorted(SPECS)
    if auto and not argv:
        fixtures = sorted(set(fixtures) | {p.relative_to(FIXTURES).as_posix()[: -len(".oracle.json")]
                                           for p in FIXTURES.rglob("*.oracle.json") if "fuzz" not in p.parts})
    old = json.loads(TRUTH.read_text()) if TRUTH.exists() else {"models": [], "skipped": []}
    versions: dict[str, str] = {}
    models = list(old["models"])
    rc = 0
    for fixture in fixtures:
        names = auto_models(fixture) if auto else []
        if fixture not in SPECS and not names:
            continue
        try:
            result = record(fixture, auto=names)
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            print(f"FAIL {fixture}: {exc}", file=sys.stderr)
            rc = 1
            continue
        got = result["models"]
        fresh = {m["model"] for m in got}
        models = [m for m in models if m["fixture"] != fixture or m["model"] not in fresh] + got
        versions.update(result["version"])
        for m in got:
            print(f"{fixture} {m['model']}: " + ", ".join(str(r["total"]) for r in m["runs"]))
    models.sort(key=lambda m: (m["fixture"], m["model"]))
    skipped = [{"fixture": f, "model": m, "reason": r} for f, d in sorted(SKIPPED.items()) for m, r in sorted(d.items())]
    data = {"versions": {**old.get("versions", {}), **versions}, "models": models, "skipped": skipped}
    TRUTH.parent.mkdir(parents=True, exist_ok=True)
    TRUTH.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n")
    return rc


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        result = _child(sys.argv[2], json.loads(sys.stdin.read() or "[]"))
        sys.stdout.write(_MARK + json.dumps(result) + "\n")
        sys.stdout.flush()
    else:
        sys.exit(main(sys.argv[1:]))
