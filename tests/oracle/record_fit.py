"""Record which input sizes the real frameworks accept, for the fixture models whose
input is symbolic (issue 9, "which inputs fit").

Usage (from the repo root; framework processes one at a time)::

    KERAS_BACKEND=torch /work/venv/bin/python tests/oracle/record_fit.py [--auto] [FIXTURE_ID ...]

writes ``tests/oracle/truth_symbolic/fit/<fixture id, "/" -> "__">.json``, which
``tests/oracle/test_fit_oracle.py`` reads (that test needs neither torch nor keras).

Which models
------------
With ``--auto`` (what the committed truth was recorded with): every fixture model for
which modelint derives ``input_constraints`` (its own list, read in the parent process,
which imports no framework), the grid made from the rank and names of modelint's
symbolic input and the first layer's expected channel / feature count; a required
constructor / builder argument gets a value chosen by its name (``_GUESSES``), recorded
with the points.  ``CANDIDATES`` adds hand-made grids (wider ranges, the non-square
pairs where a flatten-then-Linear product fits, chosen arguments) and wins over
``--auto`` for the models it names:
fixture models for which modelint has no input shape — classes that no
line of the file calls on an example input, uncalled builders whose parameters are the
input size — and whose first layer fixes the input's rank (a convolution), so that the
input's dimensions become symbols (``(N, C, H, W)`` for torch, ``(None, H, W, C)`` for
Keras, or the builder's own parameters).  A class that needs constructor arguments is
built with the arguments given here (the test binds the matching parameter symbols).

What is recorded
----------------
Per model a list of points, each an input shape (and, for a builder whose parameters
are the input size, the arguments): ``ok`` true when the framework builds the model
and runs one forward on ``zeros(shape)`` without raising, false otherwise (with the
first line of the error).  torch: one instance, eval,
``no_grad``, one thread; Keras: a fresh model per point (it builds its weights for the
first input it sees).  The grid per model: square sizes ``1..max``, a few non-square
pairs (some chosen where a flatten-then-Linear product fits with unequal sides), and
each symbolic non-spatial dimension (channels, batch) at a fitting and a non-fitting
value.  Each model has a time budget (``BUDGET`` s); points not reached are not
recorded (``truncated`` says so).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = REPO / "fixtures"
TRUTH_DIR = HERE / "truth_symbolic" / "fit"
BUDGET = 55.0  # seconds of framework time per model
_MARK = "@@MODELINT-FIT@@"

# Non-square (H, W) pairs worth trying everywhere: unequal sides, and the pairs where
# 64 * ((H - 4) // 2) * ((W - 4) // 2) == 9216 with H != W (MNIST's Net accepts them).
PAIRS = [(22, 36), (36, 22), (23, 37), (16, 52), (52, 16), (12, 76), (28, 29), (29, 28), (28, 30),
         (27, 28), (1, 40), (40, 1), (3, 64), (64, 3), (7, 33), (33, 8), (40, 72), (72, 40),
         (31, 64), (64, 31), (32, 63), (63, 32), (8, 96)]


def _images(channels: list[int], fit_c: int, top: int, batch_channels: bool = True,
            layout: str = "NCHW", square_step: int = 1, pairs: list | None = None) -> list[dict]:
    """Points of a 2-D image model: squares 1..top, PAIRS, and the channel / batch
    dimension varied at a few sizes."""
    def shape(n, c, h, w):
        return [n, c, h, w] if layout == "NCHW" else [n, h, w, c]

    pts = [{"input": shape(1, fit_c, s, s)} for s in range(1, top + 1, square_step)]
    pts += [{"input": shape(1, fit_c, h, w)} for h, w in (pairs if pairs is not None else PAIRS)
            if h <= max(top, 96) and w <= max(top, 96)]
    for c in channels:
        if c != fit_c:
            pts += [{"input": shape(1, c, s, s)} for s in (8, 28, 32, 64) if s <= top]
    if batch_channels:
        pts += [{"input": shape(n, fit_c, s, s)} for n in (2, 3) for s in (28, 32) if s <= top]
    return pts


def img(fit_c: int, top: int = 40, others: tuple = (), **kw) -> list[dict]:
    """torch (N, C, H, W): C = ``fit_c`` and each of ``others`` (default: fit_c + 1)."""
    return _images([fit_c, *(others or (fit_c + 1,))], fit_c, top, **kw)


def img_keras(c: int = 1, top: int = 40, others: tuple = (3,), **kw) -> list[dict]:
    """Keras (batch, H, W, C): the channel count is free (the first layer builds on it)."""
    return _images([c, *others], c, top, layout="NHWC", batch_channels=False, **kw)


def tokens(top: int = 64) -> list[dict]:
    """(N, L) integer token ids (zeros: a valid index of every embedding)."""
    pts = [{"input": [1, length]} for length in range(1, top + 1)]
    pts += [{"input": [n, length]} for n in (2, 3) for length in (5, 16)]
    return [{**p, "dtype": "int64"} for p in pts]


def feats(fit_f: int, top: int = 64, others: tuple = ()) -> list[dict]:
    """(N, L, F) feature sequences: F = ``fit_f`` and each of ``others`` (default fit_f ± 1)."""
    pts = [{"input": [1, length, fit_f]} for length in range(1, top + 1)]
    pts += [{"input": [n, length, fit_f]} for n in (2, 3) for length in (5, 16)]
    for f in others or (fit_f - 1, fit_f + 1):
        pts += [{"input": [1, length, f]} for length in (1, 8)]
    return pts


def seq_keras(c: int = 1, top: int = 64, others: tuple = (3,)) -> list[dict]:
    """Keras (batch, L, C)."""
    pts = [{"input": [1, length, c]} for length in range(1, top + 1)]
    for f in others:
        pts += [{"input": [1, length, f]} for length in (1, 3, 16)]
    return pts


def tokens_keras(top: int = 64) -> list[dict]:
    return [{"input": [1, length], "dtype": "int64"} for length in range(1, top + 1)]


def _builder_cnn(top: int, depths: list[int]) -> list[dict]:
    """Points of ``create_cnn(width, height, depth)``: the input is (1, height, width, depth)."""
    pts = []
    for s in range(1, top + 1):
        pts.append({"args": {"width": s, "height": s, "depth": 3}, "input": [1, s, s, 3]})
    for h, w in PAIRS:
        if h <= top and w <= top:
            pts.append({"args": {"width": w, "height": h, "depth": 3}, "input": [1, h, w, 3]})
    for d in depths:
        pts += [{"args": {"width": s, "height": s, "depth": d}, "input": [1, s, s, d]} for s in (3, 8, 17, 32)]
    return pts


_CIFAR_PAIRS = [(32, 40), (40, 32), (31, 64), (64, 31), (32, 63), (24, 48)]


def _deep(top: int = 80, step: int = 1) -> list[dict]:
    """A deep CIFAR network (expensive forward): squares, a few pairs, one wrong C."""
    return _images([3, 1], 3, top, square_step=step, batch_channels=False, pairs=_CIFAR_PAIRS)


# fixture id -> models.  ``kind``: "class" (built with ``args``), "builder" (called with
# ``args`` and each point's own ``args``), "instance" (the object the file binds to that
# name, as the shape oracle finds it).  A class that needs constructor arguments gets
# the values named here; the test binds the parameter symbols to them.
CANDIDATES: dict[str, list[dict]] = {
    # ------------------------------------------------------------------------ torch
    "real/torch/pytorch_examples_mnist": [
        {"model": "Net", "kind": "class", "points": img(1, 96, others=(2, 3))},
        {"model": "main.model", "kind": "instance", "points": img(1, 40)},
    ],
    "real/torch/hoangtuan_sentiment_rnn_pretrained": [
        {"model": "SentimentRNN", "kind": "class", "args": {"vocab_size": 50}, "points": tokens()},
        {"model": "pretrained_model", "kind": "instance", "points": feats(100)},
        {"model": "scratch_model", "kind": "instance", "points": tokens()},
    ],
    "real/torch/kuangliu_densenet": [
        {"model": "Bottleneck", "kind": "class", "args": {"in_planes": 16, "growth_rate": 12}, "points": img(16)},
        {"model": "Transition", "kind": "class", "args": {"in_planes": 16, "out_planes": 8}, "points": img(16)},
        {"model": "DenseNet121", "kind": "builder", "points": _deep(80)},
        {"model": "DenseNet169", "kind": "builder", "points": _deep(72, 3)},
        {"model": "DenseNet201", "kind": "builder", "points": _deep(72, 3)},
        {"model": "DenseNet161", "kind": "builder", "points": _deep(72, 4)},
    ],
    "real/torch/kuangliu_mobilenetv2": [
        {"model": "Block", "kind": "class", "args": {"in_planes": 16, "out_planes": 24, "expansion": 6, "stride": 1},
         "points": img(16)},
    ],
    "real/torch/kuangliu_resnet": [
        {"model": "BasicBlock", "kind": "class", "args": {"in_planes": 16, "planes": 32}, "points": img(16)},
        {"model": "Bottleneck", "kind": "class", "args": {"in_planes": 16, "planes": 8}, "points": img(16)},
        {"model": "ResNet34", "kind": "builder", "points": _deep(80)},
        {"model": "ResNet50", "kind": "builder", "points": _deep(72, 2)},
        {"model": "ResNet101", "kind": "builder", "points": _deep(72, 3)},
        {"model": "ResNet152", "kind": "builder", "points": _deep(72, 4)},
    ],
    "real/torch/pytorch_examples_word_language_model": [
        {"model": "TransformerModel", "kind": "class",
         "args": {"ntoken": 50, "ninp": 16, "nhead": 2, "nhid": 32, "nlayers": 1}, "points": tokens()},
    ],
    "real/torch/shaoxiongji_federated_main_nn": [
        {"model": "CNNMnist", "kind": "class", "args": {"args": {"__namespace__": {"num_channels": 1, "num_classes": 10}}},
         "points": img(1, 64)},
        {"model": "CNNCifar", "kind": "class", "args": {"args": {"__namespace__": {"num_channels": 3, "num_classes": 10}}},
         "points": img(3, 64) + [{"input": [n, 3, h, w]} for n in (2, 4, 5) for h, w in ((16, 16), (20, 20), (24, 20))]},
    ],
    "torch/bug_residual_add_mismatch": [
        {"model": "ResBlock", "kind": "class", "args": {"in_planes": 8, "planes": 8}, "points": img(8, others=(3,))},
    ],
    "torch/densenet_small": [
        {"model": "DenseLayer", "kind": "class", "args": {"in_channels": 24, "growth_rate": 12}, "points": img(24)},
        {"model": "Transition", "kind": "class", "args": {"in_channels": 24, "out_channels": 12}, "points": img(24)},
    ],
    "torch/dilated_context_net": [
        {"model": "SeparableConv2d", "kind": "class", "args": {"in_ch": 32, "out_ch": 64}, "points": img(32)},
    ],
    "torch/mobilenet_v2": [
        {"model": "ConvBNReLU", "kind": "class", "args": {"in_planes": 3, "out_planes": 32}, "points": img(3)},
    ],
    "torch/reach_builders_main": [
        {"model": "SegNet", "kind": "class", "args": {"input_dim": 3, "n_channel": 8, "n_conv": 2}, "points": img(3)},
        {"model": "main.model", "kind": "instance", "points": img(3, 32)},
    ],
    "torch/reach_framework_subclasses": [
        {"model": "Block", "kind": "class", "points": img(16, others=(3, 17))},
        {"model": "WideBlock", "kind": "class", "points": img(32, others=(16,))},
        {"model": "TransformerModel", "kind": "class", "points": tokens()},
        {"model": "StackedLSTM", "kind": "class", "points": feats(32)},
        {"model": "PretrainedText", "kind": "class", "points": tokens()},
        {"model": "wide", "kind": "instance", "points": img(32, others=(16,))},
    ],
    "torch/resnet": [
        {"model": "BasicBlock", "kind": "class", "args": {"inplanes": 16, "planes": 16}, "points": img(16)},
        {"model": "Bottleneck", "kind": "class", "args": {"inplanes": 32, "planes": 8}, "points": img(32)},
    ],
    "torch/style_transfer_padding": [
        # reflection padding kernel_size // 2 = 4 needs H, W > 4
        {"model": "ConvLayer", "kind": "class",
         "args": {"in_channels": 3, "out_channels": 8, "kernel_size": 9, "stride": 2}, "points": img(3, others=(2,))},
    ],
    "torch/sym_cfg_text_classifier": [
        {"model": "TextClassifier", "kind": "class",
         "args": {"cfg": {"__namespace__": {"vocab_size": 50, "hidden": 16, "num_classes": 3}}}, "points": tokens()},
    ],
    "torch/sym_branch_on_argument": [
        {"model": "ConvBlock", "kind": "class", "args": {"in_ch": 3, "out_ch": 8, "use_bn": True}, "points": img(3)},
        {"model": "ResidualBlock", "kind": "class", "args": {"channels": 16}, "points": img(16)},
    ],
    "torch/unet": [
        {"model": "DoubleConv", "kind": "class", "args": {"in_channels": 3, "out_channels": 8}, "points": img(3)},
        {"model": "Down", "kind": "class", "args": {"in_channels": 3, "out_channels": 5}, "points": img(3)},
        {"model": "OutConv", "kind": "class", "args": {"in_channels": 3, "out_channels": 5}, "points": img(3, 24)},
    ],
    "torch/symargs_models": [
        {"model": "SmallCNN", "kind": "class", "args": {"in_channels": 3, "num_classes": 10}, "points": img(3)},
        {"model": "AudioNet", "kind": "class", "args": {"n_mels": 40, "n_classes": 12},
         "points": [{"input": [1, 40, length]} for length in range(1, 65)]
         + [{"input": [n, 40, length]} for n in (2, 3) for length in (14, 15, 64)]
         + [{"input": [1, c, length]} for c in (39, 41) for length in (15, 64)]},
        {"model": "LeNetHead", "kind": "class", "args": {"in_channels": 1, "num_classes": 10}, "points": img(1, 40)},
    ],
    # ------------------------------------------------------------------------ Keras
    "keras/subclassed_mnist_net": [
        {"model": "MyNet", "kind": "class",
         "points": img_keras(1, 48, pairs=[(22, 36), (10, 40), (9, 40), (40, 9), (10, 10), (11, 12), (12, 11)])},
    ],
    "keras/subclassed_build_only": [
        {"model": "MyNet", "kind": "class", "points": img_keras(1, 40, pairs=[(10, 40), (9, 40), (40, 9), (11, 12)])},
    ],
    "keras/subclassed_resnet18_blocks": [
        # residual_path=False: the block adds its input to its output, so C must be `filters`
        {"model": "ResnetBlock", "kind": "class", "args": {"filters": 3},
         "points": img_keras(3, 24, others=(1, 4), square_step=1, pairs=[(7, 3), (2, 9)])},
        {"model": "ResNet18", "kind": "class", "args": {"block_list": [2, 2, 2, 2]},
         "points": img_keras(3, 40, others=(1,), square_step=3, pairs=[(7, 33), (33, 8), (1, 40)])},
    ],
    "keras/sym_sequential_no_input": [
        {"model": "cnn", "kind": "instance", "points": img_keras(1, 40, pairs=[(10, 40), (9, 40), (40, 9), (11, 12)])},
        {"model": "signal", "kind": "instance", "points": seq_keras(1, 64)},
        {"model": "text", "kind": "instance", "points": tokens_keras(48)},
    ],
    "keras/sym_subclassed_no_input": [
        {"model": "MyModel", "kind": "class", "points": img_keras(1, 40, pairs=[(4, 40), (3, 40), (40, 3)])},
    ],
    "keras/symargs_builders": [
        {"model": "build_mlp", "kind": "builder", "args": {"hidden_units": 8, "num_classes": 3},
         "points": [{"args": {"input_dim": d}, "input": [1, d]} for d in (1, 2, 3, 5, 17, 64, 784)]},
        {"model": "build_conv1d", "kind": "builder", "args": {"n_filters": 8, "n_outputs": 1},
         "points": [{"args": {"seq_len": length, "n_features": 3}, "input": [1, length, 3]} for length in range(1, 49)]
         + [{"args": {"seq_len": length, "n_features": f}, "input": [1, length, f]} for f in (1, 5) for length in (3, 4, 9)]},
        {"model": "build_text_classifier", "kind": "builder", "args": {"vocab_size": 100, "embed_dim": 8, "num_classes": 2},
         "points": [{"args": {"maxlen": length}, "input": [1, length], "dtype": "int64"} for length in range(1, 49)]},
    ],
    "keras/reach_builders": [
        {"model": "create_cnn", "kind": "builder", "points": _builder_cnn(48, [1, 3, 5])},
    ],
    "real/keras/khoalevi_create_cnn": [
        {"model": "create_cnn", "kind": "builder", "points": _builder_cnn(48, [1, 3, 5])},
    ],
}


def truth_path(fixture: str) -> Path:
    return TRUTH_DIR / (fixture.replace("/", "__") + ".json")


# --------------------------------------------------------------------------- child side
def _err(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}".rstrip()[:120]


def _args(spec: dict, pt: dict | None = None) -> dict:
    import record_formulas  # noqa: E402

    merged = {**spec.get("args", {}), **((pt or {}).get("args", {}))}
    return {k: record_formulas._materialise(v) for k, v in merged.items()}


def _run_torch(obj, spec) -> tuple[list, bool]:
    """One instance (the file's own, or built once), every point through it."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    m = obj if spec["kind"] == "instance" else obj(**_args(spec))
    m.eval()

    def one(pt):
        if pt.get("dtype") == "int64":
            m(torch.zeros(*pt["input"], dtype=torch.long))
        else:
            m(torch.zeros(*pt["input"]))

    return _sweep(spec, one, torch.no_grad)


def _run_keras(obj, spec) -> tuple[list, bool]:
    """A fresh model per point: Keras builds its weights for the first input it sees
    (an instance is re-made from its config, unbuilt)."""
    import contextlib

    import keras

    def one(pt):
        keras.backend.clear_session(free_memory=False)
        if spec["kind"] == "instance":
            m = type(obj).from_config(obj.get_config())
        else:
            m = obj(**_args(spec, pt))
        m(keras.ops.zeros(tuple(pt["input"]), dtype=pt.get("dtype", "float32")))

    return _sweep(spec, one, contextlib.nullcontext)


def _sweep(spec, run, context) -> tuple[list, bool]:
    points = []
    start = time.monotonic()
    truncated = False
    with context():
        for pt in spec["points"]:
            if time.monotonic() - start > BUDGET:
                truncated = True
                break
            try:
                run(pt)
                points.append({**pt, "ok": True})
            except Exception as exc:  # noqa: BLE001 - any failure is "does not fit"
                points.append({**pt, "ok": False, "error": _err(exc)})
    return points, truncated


def _instances(path: Path, framework: str) -> dict:
    """The objects the file binds to instance names, found as the shape oracle finds them."""
    import _discover  # noqa: E402

    if framework == "torch":
        import torch
        import torch.nn as nn

        import record_torch  # noqa: E402

        fw = record_torch._framework(torch, nn)
    else:
        import keras

        import record_keras  # noqa: E402

        fw = record_keras._framework(keras)
    found = _discover.discover(path, fw)
    return {site.name: site.obj for site in found.sites if site.kind == "instance" and site.obj is not None}


def _first_size(m, attrs: tuple[str, ...], default: int) -> int:
    """The input size the first leaf module that has one of ``attrs`` expects."""
    for _, mod in m.named_modules():
        if list(mod.children()):
            continue
        for a in attrs:
            v = getattr(mod, a, None)
            if isinstance(v, int):
                return v
            if isinstance(v, (tuple, list)) and v and isinstance(v[0], int):
                return v[-1]
    return default


# Values for a required argument chosen by its name (``--auto`` only): any value that
# builds the model will do, the framework says what then fits, and the test binds the
# parameter's symbol to the same value.
_GUESSES = (("channel", 3), ("in_ch", 3), ("in_planes", 3), ("inp", 3), ("depth", 3), ("class", 10),
            ("out", 10), ("label", 10), ("vocab", 100), ("token", 100), ("head", 2), ("layer", 2))


def _guess_args(obj) -> dict:
    import inspect

    out = {}
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return out
    for p in params:
        if p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out[p.name] = next((v for key, v in _GUESSES if key in p.name.lower()), 16)
    return out


def _auto_builder_points(names: list) -> list[dict]:
    """A Keras builder whose input dims are its own parameters: vary them together."""
    def pt(sizes):
        args = {n: v for n, v in zip(names[1:], sizes) if isinstance(n, str)}
        return {"args": args, "input": [1, *sizes]}

    if len(names) == 4:
        return ([pt([s, s, 3]) for s in range(1, 41)] + [pt([h, w, 3]) for h, w in PAIRS if h <= 40 and w <= 40]
                + [pt([s, s, 1]) for s in (3, 8, 28)])
    if len(names) == 3:
        return [pt([length, 3]) for length in range(1, 49)] + [pt([length, 1]) for length in (3, 16)]
    return [pt([d]) for d in (1, 2, 3, 5, 16, 64)]


def _auto_points(spec: dict, obj, framework: str) -> list[dict]:
    """The grid of a model found by modelint's own list (``--auto``), from the rank and
    names of its symbolic input: images, channel-first 1-D signals, token sequences or
    feature sequences; the fitting channel / feature count read off the first layer."""
    names = spec["input_shape"]
    rank = len(names)
    if spec["kind"] == "builder" and framework == "keras":
        return _auto_builder_points(names)
    if framework == "torch":
        m = obj if spec["kind"] == "instance" else obj(**_args(spec))
        first = next((mod for _, mod in m.named_modules() if not list(mod.children())), None)
        embedding = type(first).__name__ in ("Embedding", "EmbeddingBag")
        if rank == 4:
            return img(_first_size(m, ("in_channels",), 3))
        if rank == 3 and names[1] == "C":
            c = _first_size(m, ("in_channels",), 3)
            return ([{"input": [1, c, length]} for length in range(1, 65)]
                    + [{"input": [2, c, length]} for length in (16, 64)]
                    + [{"input": [1, c + 1, length]} for length in (16, 64)])
        if rank == 3:
            return feats(_first_size(m, ("input_size", "in_features", "embed_dim", "normalized_shape"), 16))
        if rank == 2 and embedding:
            return tokens()
        f = _first_size(m, ("in_features", "input_size"), 16)
        return [{"input": [n, f]} for n in (1, 2, 5)] + [{"input": [1, f + 1]}, {"input": [1, max(f - 1, 1)]}]
    # Keras: a fresh model per point, any channel count
    if rank == 4:
        return img_keras(1, 40, pairs=[(4, 40), (3, 40), (40, 3), (9, 40), (10, 12)])
    if rank == 3:
        return seq_keras(1, 64)
    return tokens_keras(48)


def _child(fixture: str, auto: list[dict] | None = None) -> dict:
    sys.path.insert(0, str(HERE))
    import record_formulas  # noqa: E402  (the same loader: the file as the oracle runs it)

    path = FIXTURES / (fixture + ".py")
    framework = "keras" if "keras" in Path(fixture).parts else "torch"
    if framework == "keras":
        import _shim  # noqa: E402

        _shim.install()
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    out = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = record_formulas._load(path, framework)
            specs = CANDIDATES.get(fixture, []) + list(auto or [])
            instances = _instances(path, framework) if any(s["kind"] == "instance" for s in specs) else {}
            for spec in specs:
                obj = instances.get(spec["model"]) if spec["kind"] == "instance" else g.get(spec["model"])
                if obj is None:
                    print(f"{fixture} {spec['model']}: the oracle cannot evaluate it; not recorded", file=sys.stderr)
                    continue
                if "points" not in spec:
                    try:
                        if spec["kind"] != "instance":
                            spec = {**spec, "args": _guess_args(obj)}
                        spec = {**spec, "points": _auto_points(spec, obj, framework)}
                    except Exception as exc:  # noqa: BLE001 - e.g. a class that needs arguments
                        print(f"{fixture} {spec['model']}: cannot make a grid: {_err(exc)}", file=sys.stderr)
                        continue
                t0 = time.monotonic()
                runner = _run_torch if framework == "torch" else _run_keras
                points, truncated = runner(obj, spec)
                out.append({"model": spec["model"], "kind": spec["kind"], "framework": framework,
                            "args": spec.get("args", {}), "points": points, "auto": "input_shape" in spec,
                            "truncated": truncated, "seconds": round(time.monotonic() - t0, 1)})
    finally:
        sys.stdout = real_stdout
    mod = sys.modules["keras" if framework == "keras" else "torch"]
    return {"fixture": fixture, "framework_version": mod.__version__.split("+")[0], "models": out}


# --------------------------------------------------------------------------- parent side
def auto_specs(fixture: str) -> list[dict]:
    """modelint's own list (parent side, no framework imported): every model of the
    fixture with ``input_constraints`` that ``CANDIDATES`` does not name, with its kind
    from the fixture's ``.oracle.json``.  Required arguments get values chosen by their
    names (``_GUESSES``); the values are recorded with the points."""
    sys.path.insert(0, str(REPO))
    from modelint.analyzer.engine import Options, analyze_path
    from modelint.analyzer.reporters.json import report

    path = FIXTURES / (fixture + ".py")
    named = {c["model"] for c in CANDIDATES.get(fixture, [])}
    oracle = path.with_name(path.stem + ".oracle.json")
    kinds = {m["name"]: (m.get("kind"), m.get("error")) for m in json.loads(oracle.read_text())["models"]} \
        if oracle.exists() else {}
    data = json.loads(json.dumps(report([analyze_path(path, Options())])))
    out = []
    for f in data["files"]:
        for m in f["models"]:
            if m.get("input_constraints") is None or m["name"] in named:
                continue
            kind, error = kinds.get(m["name"], (None, None))
            if kind not in ("class", "instance", "builder"):
                print(f"{fixture} {m['name']}: not recorded automatically ({kind}: {error}); add it to CANDIDATES",
                      file=sys.stderr)
                continue
            out.append({"model": m["name"], "kind": kind, "input_shape": m["input_shape"]})
    return out


def record(fixture: str, timeout: float = 600, auto: list[dict] | None = None) -> dict:
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", fixture],
                          input=json.dumps(auto or []), capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=REPO)
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    raise RuntimeError(f"recording {fixture} failed (rc={proc.returncode}):\n{proc.stderr[-3000:]}")


def _compact(data: dict) -> str:
    """One point per line: the files stay diffable and small."""
    lines = ["{", f' "fixture": {json.dumps(data["fixture"])},',
             f' "framework_version": {json.dumps(data["framework_version"])},', ' "models": [']
    for i, m in enumerate(data["models"]):
        head = {k: v for k, v in m.items() if k != "points"}
        lines.append("  {")
        for k in sorted(head):
            lines.append(f"   {json.dumps(k)}: {json.dumps(head[k], sort_keys=True)},")
        lines.append('   "points": [')
        pts = [json.dumps(p, sort_keys=True) for p in m["points"]]
        lines += [f"    {p}," for p in pts[:-1]] + ([f"    {pts[-1]}"] if pts else [])
        lines.append("   ]")
        lines.append("  }" + ("," if i < len(data["models"]) - 1 else ""))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """``record_fit.py [FIXTURE_ID ...]``: the CANDIDATES (of those fixtures), plus, with
    ``--auto``, every other fixture model modelint gives input constraints for."""
    rc = 0
    TRUTH_DIR.mkdir(parents=True, exist_ok=True)
    auto = "--auto" in argv
    argv = [a for a in argv if a != "--auto"]
    fixtures = argv or sorted(CANDIDATES)
    if auto and not argv:
        fixtures = sorted(set(fixtures) | {p.relative_to(FIXTURES).with_suffix("").as_posix()
                                           for p in FIXTURES.rglob("*.py") if "fuzz" not in p.parts})
    for fixture in fixtures:
        specs = auto_specs(fixture) if auto else []
        if fixture not in CANDIDATES and not specs:
            continue
        try:
            data = record(fixture, auto=specs)
        except Exception as exc:  # noqa: BLE001
            print(f"FAIL {fixture}: {exc}", file=sys.stderr)
            rc = 1
            continue
        path = truth_path(fixture)
        if path.exists():  # keep the models of the file this run did not record again
            fresh = {m["model"] for m in data["models"]}
            kept = [m for m in json.loads(path.read_text())["models"] if m["model"] not in fresh]
            data["models"] = kept + data["models"]
        path.write_text(_compact(data))
        for m in data["models"]:
            ok = sum(p["ok"] for p in m["points"])
            print(f"{fixture} {m['model']}: {ok}/{len(m['points'])} fit, {m['seconds']}s"
                  + (" TRUNCATED" if m["truncated"] else ""))
    return rc


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        result = _child(sys.argv[2], json.loads(sys.stdin.read() or "[]"))
        sys.stdout.write(_MARK + json.dumps(result) + "\n")
        sys.stdout.flush()
    else:
        sys.exit(main(sys.argv[1:]))
