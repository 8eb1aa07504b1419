"""The Keras frontend on small programs written the ways users write them."""

from __future__ import annotations

import sys
import textwrap

import pytest

from modelint.analyzer.engine import Options
from tests.conftest import analyze, analyze_text, fixture_files

DENSE_ON_64 = 64 * 10 + 10


def only_model(source: str, **kw):
    result = analyze_text(textwrap.dedent(source), **kw)
    assert len(result.models) == 1, [m.name for m in result.models]
    return result.models[0]


def total(model) -> int:
    trainable, non_trainable, exact = model.totals()
    assert exact, [u.reason for u in model.unresolved] + [l.unknown for l in model.layers() if l.unknown]
    return trainable + non_trainable


@pytest.mark.parametrize("imports,prefix", [
    ("import tensorflow as tf", "tf.keras.layers."),
    ("from tensorflow import keras", "keras.layers."),
    ("from tensorflow.keras import layers", "layers."),
    ("from tensorflow.keras.layers import Dense, Input", ""),
    ("import keras", "keras.layers."),
    ("from keras import layers", "layers."),
    ("import tensorflow.keras.layers as L", "L."),
])
def test_every_import_style_resolves(imports, prefix):
    source = f"""
    {imports}
    import keras as _k
    inputs = _k.Input(shape=(64,))
    model = _k.Model(inputs, {prefix}Dense(10)(inputs))
    """
    model = only_model(source)
    assert total(model) == DENSE_ON_64
    assert [l.op for l in model.layers()] == ["InputLayer", "Dense"]


def test_sequential_add_in_for_loop_over_module_config():
    model = only_model("""
    from keras import Sequential, layers
    UNITS = [32, 16]
    model = Sequential()
    model.add(layers.Input(shape=(8,)))
    for u in UNITS:
        model.add(layers.Dense(u, activation="relu"))
    model.add(layers.Dense(UNITS[-1] // 8))
    """)
    assert [l.name for l in model.layers() if l.op == "Dense"] == ["dense", "dense_1", "dense_2"]
    assert total(model) == (8 * 32 + 32) + (32 * 16 + 16) + (16 * 2 + 2)


def test_helper_functions_with_defaults_and_keyword_arguments_are_inlined():
    model = only_model("""
    import keras
    from keras import layers

    def conv_block(x, filters, kernel=3, *, pool=True):
        x = layers.Conv2D(filters, kernel, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        return layers.MaxPooling2D()(x) if pool else x

    inputs = keras.Input((32, 32, 3))
    x = inputs
    for i, f in enumerate([16, 32]):
        x = conv_block(x, f, pool=i == 0)
    x = layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, layers.Dense(10)(x))
    """)
    conv = [l for l in model.layers() if l.op == "Conv2D"]
    assert [l.output_shape for l in conv] == [(None, 32, 32, 16), (None, 16, 16, 32)]
    bn = [l for l in model.layers() if l.op == "BatchNormalization"]
    assert [(l.trainable, l.non_trainable) for l in bn] == [(32, 32), (64, 64)]
    assert total(model) == 3 * 3 * 3 * 16 + 64 + 3 * 3 * 16 * 32 + 128 + 32 * 10 + 10


def test_skip_connections_concatenate_and_several_outputs():
    model = only_model("""
    import keras
    from keras import layers
    a = keras.Input((16,), name="a")
    b = keras.Input((8,), name="b")
    h = layers.Dense(16)(a)
    s = layers.Add()([a, h])
    c = layers.Concatenate()([s, b])
    out1 = layers.Dense(1, name="score")(c)
    out2 = layers.Dense(3, activation="softmax", name="cls")(c)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    """)
    shapes = {l.name: l.output_shape for l in model.layers()}
    assert shapes["concatenate"] == (None, 24)
    assert shapes["score"] == (None, 1) and shapes["cls"] == (None, 3)
    assert len(model.outputs) == 2 and len(model.inputs) == 2


def test_subclassed_model_with_loop_built_layers():
    model = only_model("""
    import keras
    from keras import layers

    class MLP(keras.Model):
        def __init__(self, hidden=(32, 32), classes=4):
            super().__init__()
            self.hidden = [layers.Dense(h, activation="relu") for h in hidden]
            self.out = layers.Dense(classes)

        def call(self, x):
            for layer in self.hidden:
                x = layer(x)
            return self.out(x)

    model = MLP(hidden=[8, 8])
    model(keras.ops.zeros((2, 5)))
    """)
    assert model.class_name == "MLP"
    assert total(model) == (5 * 8 + 8) + (8 * 8 + 8) + (8 * 4 + 4)


def test_shared_layer_is_counted_once():
    model = only_model("""
    import keras
    from keras import layers
    a, b = keras.Input((4,)), keras.Input((4,))
    shared = layers.Dense(3)
    model = keras.Model([a, b], layers.Add()([shared(a), shared(b)]))
    """)
    dense = [l for l in model.layers() if l.op == "Dense"]
    assert len(dense) == 2 and [l.shared for l in dense] == [False, True]
    assert total(model) == 4 * 3 + 3


def test_dict_config_and_comprehension_folding():
    model = only_model("""
    from tensorflow import keras
    CFG = {"widths": [4 * 2, 2 ** 3 + 8], "drop": 0.25, "act": "relu"}
    model = keras.Sequential(
        [keras.Input((3,))]
        + [keras.layers.Dense(w, activation=CFG["act"]) for w in CFG["widths"] if w > 1]
        + [keras.layers.Dropout(CFG["drop"]), keras.layers.Dense(1)]
    )
    """)
    assert [l.output_shape for l in model.layers() if l.op == "Dense"] == [(None, 8), (None, 16), (None, 1)]


def test_lambda_and_custom_layers_are_kept_unknown_never_guessed():
    result = analyze_text(textwrap.dedent("""
    import keras
    from keras import layers

    class Scale(layers.Layer):
        def call(self, x):
            return x * 2

    inputs = keras.Input((4,))
    x = layers.Lambda(lambda t: t + 1)(inputs)
    x = Scale()(x)
    model = keras.Model(inputs, layers.Dense(2)(x))
    """))
    model = result.models[0]
    ops = {l.op: l for l in model.layers()}
    assert ops["Lambda"].params is None and ops["Scale"].params is None
    assert ops["Dense"].params is None  # its input size depends on the unknown layers
    assert model.totals()[2] is False
    ml403 = [d for d in result.diagnostics if d.code == "ML403"]
    assert {d.span.line for d in ml403} >= {10, 11}


def test_missing_input_shape_is_unknown_with_a_reason_then_resolved_by_option():
    source = "import keras\nmodel = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])\n"
    result = analyze_text(source)
    model = result.models[0]
    assert model.totals()[2] is False
    assert any("no input shape" in d.message for d in result.diagnostics if d.code == "ML403")
    resolved = analyze_text(source, options=Options(input_shapes={None: (None, 3)})).models[0]
    assert total(resolved) == (3 * 4 + 4) + (4 * 2 + 2)


def test_unfoldable_values_stay_unknown():
    result = analyze_text(textwrap.dedent("""
    import os
    import keras
    units = int(os.environ["UNITS"])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
    """))
    model = result.models[0]
    dense = [l for l in model.layers() if l.op == "Dense"][0]
    assert dense.params is None and dense.unknown
    assert model.totals()[2] is False


def test_syntax_error_is_a_finding_and_other_files_still_run(tmp_path):
    from modelint.analyzer.cli import main

    bad = tmp_path / "bad.py"
    bad.write_text("import keras\nmodel = keras.Sequential([\n    keras.layers.Dense(10\n")
    good = tmp_path / "good.py"
    good.write_text("import keras\nmodel = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n")
    from tests.conftest import analyze as analyze_file

    bad_result = analyze_file(bad)
    assert [d.code for d in bad_result.diagnostics] == ["ML901"]
    assert bad_result.diagnostics[0].span.line >= 3
    assert main(["--output-format", "concise", str(tmp_path)]) == 1
    assert analyze_file(good).models[0].totals()[:2] == (3, 0)


def test_analysis_never_imports_a_framework():
    before = set(sys.modules)
    for path in fixture_files("keras") + fixture_files("torch"):
        analyze(path)
    loaded = set(sys.modules) - before
    assert not {m for m in loaded if m.split(".")[0] in ("tensorflow", "keras", "torch", "jax")}


def test_analysis_never_executes_the_file(tmp_path):
    marker = tmp_path / "executed.txt"
    source = tmp_path / "side_effect.py"
    source.write_text(textwrap.dedent(f"""
    import keras
    open({str(marker)!r}, "w").write("ran")
    __import__("os").system("touch {marker}")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    """))
    result = analyze(source)
    assert result.models[0].totals()[:2] == (3, 0)
    assert not marker.exists()
