"""Issue 9 in the Keras frontend: what the file leaves open becomes a named symbol.

A model with no input shape whose first layer fixes the input's rank gets symbolic
input dims (Keras keeps its batch ``None``); names given with ``--input-shape`` are
symbols too; builders and classes with required arguments report formulas. Each
symbol's origin is in ``model.symbols``; symbols never add ``model.unresolved``
entries; a file without symbols never imports analyzer/symbolic."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from modelint.analyzer.engine import Options
from modelint.analyzer.shapes import format_shape
from tests.conftest import REPO, analyze, analyze_text

FIXTURES = REPO / "fixtures" / "keras"


def models(source: str, **kw) -> dict:
    result = analyze_text(textwrap.dedent(source), **kw)
    return {m.name: m for m in result.models}


def only(source: str, **kw):
    found = models(source, **kw)
    assert len(found) == 1, sorted(found)
    return next(iter(found.values()))


def rows(model) -> dict:
    """layer name -> (output shape as Keras prints it, params as text)."""
    out = {}
    for layer in model.layers():
        if layer.attrs.get("implicit"):
            continue
        params = None if layer.params is None else str(layer.params)
        out[layer.name] = (format_shape(layer.output_shape), params)
    return out


def input_shape(model) -> str:
    return format_shape(model.shape_of(model.inputs[0]))


def total(model) -> str:
    """The model's total as text: the formula when a count is symbolic, formula-exact."""
    formula = model.formula_totals()
    if formula is None:
        trainable, non_trainable, _ = model.totals()
        return str(trainable + non_trainable)
    assert formula.exact
    return str(formula.total)


def kinds(model) -> dict[str, str]:
    return {name: origin.kind for name, origin in model.symbols.items()}


# --------------------------------------------------------------------------- input dims


def test_conv2d_on_c_channels_counts_288_c_plus_32():
    model = only("""
    import keras
    from keras import layers
    model = keras.Sequential([layers.Conv2D(32, 3), layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10)])
    """)
    assert input_shape(model) == "(None, H, W, C)"
    assert rows(model) == {
        "conv2d": ("(None, H - 2, W - 2, 32)", "288*C + 32"),
        "max_pooling2d": ("(None, (H - 2) // 2, (W - 2) // 2, 32)", "0"),
        "flatten": ("(None, 32*((H - 2) // 2)*((W - 2) // 2))", "0"),
        "dense": ("(None, 10)", "320*((H - 2) // 2)*((W - 2) // 2) + 10"),
    }
    assert kinds(model) == {"H": "input", "W": "input", "C": "input"}
    assert "Conv2D" in model.symbols["C"].description and model.symbols["C"].span.line == 4
    assert model.unresolved == []


def test_sequential_without_input_starting_with_conv1d_has_shapes_over_l_and_c():
    model = only("""
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential()
    model.add(layers.Conv1D(16, 5, strides=2, activation="relu"))
    model.add(layers.MaxPooling1D(2))
    model.add(layers.GlobalAveragePooling1D())
    model.add(layers.Dense(1))
    """)
    assert input_shape(model) == "(None, L, C)"
    assert rows(model) == {
        "conv1d": ("(None, (L - 3) // 2, 16)", "80*C + 16"),  # (L - 5) // 2 + 1
        "max_pooling1d": ("(None, (L - 3) // 2 // 2, 16)", "0"),
        "global_average_pooling1d": ("(None, 16)", "0"),
        "dense": ("(None, 1)", "17"),
    }
    assert list(model.symbols) == ["L", "C"]
    assert model.unresolved == []


@pytest.mark.parametrize("first,shape", [
    ("layers.Conv2D(8, 3, data_format='channels_first')", "(None, C, H, W)"),
    ("layers.Conv3D(8, 3)", "(None, D, H, W, C)"),
    ("layers.MaxPooling2D()", "(None, H, W, C)"),
    ("layers.LSTM(8)", "(None, T, F)"),
    ("layers.Bidirectional(layers.GRU(8))", "(None, T, F)"),
    ("layers.Embedding(100, 8)", "(None, L)"),
])
def test_the_first_layer_fixes_the_input_rank(first, shape):
    model = only(f"""
    import keras
    from keras import layers
    model = keras.Sequential([{first}])
    """)
    assert input_shape(model) == shape
    assert model.unresolved == []


def test_lstm_first_counts_over_its_features():
    model = only("""
    import keras
    from keras import layers
    model = keras.Sequential([layers.LSTM(32, return_sequences=True), layers.LSTM(16), layers.Dense(1)])
    """)
    assert rows(model)["lstm"] == ("(None, T, 32)", "128*F + 4224")
    assert rows(model)["lstm_1"] == ("(None, 16)", "3136")


def test_a_dense_first_fixes_no_rank_and_stays_unresolved():
    model = only("""
    import keras
    from keras import layers
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    """)
    assert model.symbols == {}
    assert model.totals()[2] is False
    assert any("no input shape" in u.reason for u in model.unresolved)


def test_a_declared_input_gets_no_symbols():
    model = only("""
    import keras
    from keras import layers
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3)])
    """)
    assert model.symbols == {}
    assert rows(model)["conv2d"] == ("(None, 26, 26, 32)", "320")


def test_a_subclassed_model_takes_the_rank_of_the_layer_its_call_applies_first():
    model = only("""
    import keras
    from keras import layers

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.head = layers.Dense(10)
            self.conv = layers.Conv2D(16, 5)
            self.pool = layers.GlobalMaxPooling2D()

        def call(self, inputs, training=False):
            x = self.conv(inputs)
            return self.head(self.pool(x))
    """)
    assert input_shape(model) == "(None, H, W, C)"
    assert rows(model)["conv2d"] == ("(None, H - 4, W - 4, 16)", "400*C + 16")
    assert total(model) == "400*C + 186"
    assert model.unresolved == []


def test_a_subclassed_model_whose_input_is_first_used_otherwise_stays_unresolved():
    model = only("""
    import tensorflow as tf
    import keras
    from keras import layers

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = layers.Conv2D(16, 5)

        def call(self, inputs):
            x = tf.expand_dims(inputs, -1)
            return self.conv(x)
    """)
    assert model.symbols == {}
    assert any("never built" in u.reason for u in model.unresolved)


def test_names_given_with_input_shape_become_symbols():
    source = """
    import keras
    from keras import layers
    model = keras.Sequential([layers.Flatten(), layers.Dense(4)])
    """
    model = only(source, options=Options(input_shapes={None: ("N", "H", "W", 3)}))
    assert input_shape(model) == "(None, H, W, 3)"
    assert rows(model)["dense"] == ("(None, 4)", "12*H*W + 4")
    assert kinds(model) == {"H": "input", "W": "input"}
    assert "--input-shape" in model.symbols["H"].description


def test_names_given_in_a_comment_become_symbols():
    model = only("""
    import keras
    from keras import layers

    # modelint: input-shape=(None, T, 12)
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.rnn = layers.GRU(8)

        def call(self, x):
            return self.rnn(x)
    """)
    assert input_shape(model) == "(None, T, 12)"
    assert rows(model)["gru"] == ("(None, 8)", "528")
    assert "comment" in model.symbols["T"].description


# --------------------------------------------------------------------------- fixtures


def test_fixture_sequentials_without_input():
    found = {m.name: m for m in analyze(FIXTURES / "sym_sequential_no_input.py").models}
    assert input_shape(found["cnn"]) == "(None, H, W, C)"
    assert rows(found["cnn"])["conv2d"] == ("(None, H - 2, W - 2, 32)", "288*C + 32")
    assert input_shape(found["signal"]) == "(None, L, C)"
    assert total(found["signal"]) == "448*C + 12737"
    assert input_shape(found["text"]) == "(None, L)"
    assert rows(found["text"])["bidirectional"] == ("(None, L, 128)", "98816")
    assert found["mlp"].symbols == {} and found["mlp"].unresolved
    for name in ("cnn", "signal", "text"):
        assert found[name].unresolved == [], name


def test_fixture_subclassed_without_input():
    found = {m.name: m for m in analyze(FIXTURES / "sym_subclassed_no_input.py").models}
    assert total(found["MyModel"]) == "4096*((H - 2) // 2)*((W - 2) // 2) + 288*C + 1450"
    assert found["MyModel"].unresolved == []
    assert found["Rescaled"].symbols == {}


# --------------------------------------------------------------------------- cost


def test_a_file_without_symbols_never_imports_analyzer_symbolic(tmp_path):
    """Symbols must not slow down files that have none: the module is not even loaded."""
    src = tmp_path / "plain.py"
    src.write_text(textwrap.dedent("""
    import keras
    from keras import layers
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(2)])
    mlp = keras.Sequential([layers.Dense(4)])
    """))
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from modelint.analyzer.engine import Options, analyze_path\n"
        f"result = analyze_path(Path({str(src)!r}), Options())\n"
        "assert [m.name for m in result.models] == ['model', 'mlp'], result.models\n"
        "print('modelint.analyzer.symbolic' in sys.modules)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- arguments


def test_a_builder_with_width_height_depth_has_shapes_over_them():
    model = only("""
    from keras.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from keras.models import Model

    def create_cnn(width, height, depth, filters=(16, 32)):
        inputs = Input(shape=(height, width, depth))
        x = inputs
        for f in filters:
            x = Conv2D(f, (3, 3), padding="same", activation="relu")(x)
            x = MaxPooling2D(pool_size=(2, 2))(x)
        x = Flatten()(x)
        return Model(inputs, Dense(1)(x))
    """)
    assert model.name == "create_cnn"
    assert input_shape(model) == "(None, height, width, depth)"
    assert rows(model)["conv2d"] == ("(None, height, width, 16)", "144*depth + 16")
    assert rows(model)["max_pooling2d_1"] == ("(None, height // 2 // 2, width // 2 // 2, 32)", "0")
    assert rows(model)["dense"] == ("(None, 1)", "32*(height // 2 // 2)*(width // 2 // 2) + 1")
    assert kinds(model) == {"height": "parameter", "width": "parameter", "depth": "parameter"}
    assert model.symbols["width"].description == "argument `width` of create_cnn() (no default)"
    assert model.extra["missing_args"] == ["width", "height", "depth"]
    assert model.unresolved == []
    assert total(model) == "32*(height // 2 // 2)*(width // 2 // 2) + 144*depth + 4657"
    assert model.totals()[2] is False  # Keras cannot build it without its arguments


def test_a_custom_layer_with_a_required_units_argument():
    found = models("""
    import keras
    from keras import layers, ops

    class Block(layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    class Net(keras.Model):
        def __init__(self, units, num_classes=3):
            super().__init__()
            self.embed = layers.Embedding(1000, 16)
            self.pool = layers.GlobalAveragePooling1D()
            self.block = Block(units)
            self.out = layers.Dense(num_classes)

        def call(self, tokens):
            return self.out(self.block(self.pool(self.embed(tokens))))
    """)
    model = found["Net"]
    assert input_shape(model) == "(None, L)"
    assert rows(model)["block"] == ("(None, units)", "17*units")
    assert rows(model)["dense"] == ("(None, 3)", "3*units + 3")
    assert total(model) == "20*units + 16003"
    assert kinds(model) == {"L": "input", "units": "parameter"}
    assert model.extra["missing_args"] == ["units"]


def test_a_branch_on_a_symbol_is_not_followed_and_leaves_the_formula_inexact():
    model = only("""
    import keras
    from keras import layers

    def build(units, deep):
        inputs = keras.Input((16,))
        x = layers.Dense(units)(inputs)
        if deep:
            x = layers.Dense(units)(x)
        return keras.Model(inputs, x)
    """)
    assert rows(model)["dense"] == ("(None, units)", "17*units")
    assert any("deep" in u.reason for u in model.unresolved)
    assert model.formula_totals().exact is False


def test_a_symbol_in_a_flag_is_unknown_never_true():
    model = only("""
    import keras
    from keras import layers

    def build(units, use_bias):
        return keras.Sequential([keras.Input((4,)), layers.Dense(units, use_bias=use_bias)])
    """)
    dense = next(l for l in model.layers() if l.op == "Dense")
    assert dense.params is None and "use_bias" in dense.unknown
    assert model.totals()[2] is False


def test_an_input_dim_named_like_a_parameter_gets_a_suffix():
    model = only("""
    import keras
    from keras import layers

    def make(C):
        return keras.Sequential([layers.Conv2D(C, 3), layers.GlobalMaxPooling2D()])
    """)
    assert input_shape(model) == "(None, H, W, C_2)"
    assert rows(model)["conv2d"] == ("(None, H - 2, W - 2, C)", "9*C*C_2 + C")
    assert kinds(model) == {"H": "input", "W": "input", "C_2": "input", "C": "parameter"}


def test_config_attributes_are_symbols():
    model = only("""
    import keras
    from keras import layers

    def from_cfg(cfg):
        inputs = keras.Input((cfg.in_dim,))
        x = layers.Dense(cfg.hidden, activation="relu")(inputs)
        return keras.Model(inputs, layers.Dense(cfg.classes)(x))
    """)
    assert rows(model)["dense"] == ("(None, cfg.hidden)", "cfg.hidden*cfg.in_dim + cfg.hidden")
    assert set(kinds(model).values()) == {"config"}


def test_fixture_builder_lenet():
    model = analyze(FIXTURES / "sym_builder_lenet.py").models[0]
    assert total(model) == "25000*(height // 2 // 2)*(width // 2 // 2) + 501*classes + 500*depth + 25570"
    assert rows(model)["dense_1"] == ("(None, classes)", "501*classes")


def test_fixture_custom_layers_with_required_arguments():
    found = {m.name: m for m in analyze(FIXTURES / "sym_custom_layer_units.py").models}
    assert total(found["SmallCNN"]) == "288*C + 65*num_classes + 18816"
    assert rows(found["SmallCNN"])["classifier_1"] == ("(None, num_classes)", "65*num_classes")
    # The instance the file builds on a CIFAR-10 batch: Keras' count, exact.
    assert found["model"].totals() == (20138, 192, True)
    assert found["model"].symbols == {}


def test_fixture_transformer_builder_and_subclass():
    """keras.ops.shape(x)[-1] / arange(0, maxlen) over a symbolic length; the
    subclassed model's input rank from the Embedding its first custom layer applies
    (after only reading the input's shape)."""
    found = {m.name: m for m in analyze(FIXTURES / "sym_transformer_text.py").models}
    builder, subclass = found["build_classifier"], found["TextClassifier"]
    assert total(builder) == "32*maxlen + 32*vocab_size + 11358"
    assert rows(builder)["token_and_position_embedding"] == ("(None, maxlen, 32)", "32*maxlen + 32*vocab_size")
    assert input_shape(subclass) == "(None, L)"
    assert total(subclass) == "32*maxlen + 32*vocab_size + 10722"
    assert kinds(subclass) == {"L": "input", "maxlen": "parameter", "vocab_size": "parameter"}


@pytest.mark.parametrize("body", [
    "residual = x\n            y = self.conv(x)\n            return y + self.proj(residual)",
    "steps = x.shape[1]\n            return self.conv(x)",
])
def test_an_alias_or_a_shape_read_before_the_first_layer_is_skipped(body):
    model = only(f"""
    import keras
    from keras import layers

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = layers.Conv1D(4, 3, padding="same")
            self.proj = layers.Dense(4)

        def call(self, x):
            {body}
    """)
    assert input_shape(model) == "(None, L, C)"
    assert rows(model)["conv1d"] == ("(None, L, 4)", "12*C + 4")


def test_an_input_shape_argument_left_open_is_unpacked_by_the_first_layers_rank():
    model = only("""
    from keras.models import Sequential
    from keras.layers import Conv2D, Dense, Flatten, MaxPooling2D

    def build_model(input_shape, num_classes):
        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation="relu", input_shape=input_shape))
        model.add(MaxPooling2D((2, 2)))
        model.add(Flatten())
        model.add(Dense(num_classes, activation="softmax"))
        return model
    """)
    assert input_shape(model) == "(None, input_shape[0], input_shape[1], input_shape[2])"
    assert rows(model)["conv2d"] == ("(None, input_shape[0] - 2, input_shape[1] - 2, 32)", "288*input_shape[2] + 32")
    assert kinds(model) == {"input_shape[0]": "config", "input_shape[1]": "config", "input_shape[2]": "config",
                            "num_classes": "parameter"}
    assert model.symbols["input_shape[2]"].span.line == 7
    assert model.unresolved == []


def test_a_whole_shape_left_open_in_keras_input_stays_unresolved():
    model = only("""
    import keras
    from keras import layers

    def build(input_shape):
        inputs = keras.Input(shape=input_shape)
        return keras.Model(inputs, layers.Conv2D(8, 3)(inputs))
    """)
    assert any("not static" in u.reason for u in model.unresolved)
    assert model.totals()[2] is False


def test_positions_from_arange_bound_the_input_length_by_the_table():
    """keras.io's position embedding: ``Embedding(maxlen)`` looked up with
    ``arange(seq_len)`` fails for every sequence longer than its table (IndexError in
    Keras), so "which inputs fit" carries ``seq_len ≤ maxlen``."""
    from modelint.analyzer.fit import input_fit

    model = only("""
import keras
from keras import layers, ops

def build(seq_len, maxlen, vocab_size):
    inputs = layers.Input(shape=(seq_len,))
    tokens = layers.Embedding(vocab_size, 16)(inputs)
    pos = layers.Embedding(maxlen, 16)(ops.arange(0, seq_len))
    x = layers.GlobalAveragePooling1D()(tokens + pos)
    return keras.Model(inputs, layers.Dense(2)(x))
""")
    fit = input_fit(model)
    assert fit is not None
    (c,) = [c.constraint for c in fit.constraints]
    assert c.holds({"seq_len": 16, "maxlen": 16}) and not c.holds({"seq_len": 17, "maxlen": 16})


def test_a_custom_layers_inner_requirements_reach_which_inputs_fit():
    """A custom layer is one row, but what its call() applies still bounds the input:
    two 2×2 poolings inside need H, W ≥ 4; with every inner layer resolved, a size
    meeting that is proven to fit."""
    from modelint.analyzer.fit import input_fit

    model = only("""
import keras
from keras import layers

class Down(layers.Layer):
    def __init__(self, filters):
        super().__init__()
        self.conv = layers.Conv2D(filters, 3, padding="same")
        self.pool = layers.MaxPooling2D(2)

    def call(self, x):
        return self.pool(self.conv(x))

model = keras.Sequential([Down(16), Down(32), layers.GlobalAveragePooling2D(), layers.Dense(10)])
""")
    fit = input_fit(model)
    assert fit is not None and fit.fits is True
    assert fit.ranges["H"][0] == 4 and fit.ranges["W"][0] == 4
