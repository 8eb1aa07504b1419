"""The Keras frontend on small programs written the ways users write them."""

from __future__ import annotations

import sys
import textwrap

import pytest

from modelint.analyzer.engine import Options
from modelint.analyzer.selection import Selection
from tests.conftest import analyze, analyze_text, fixture_files

DENSE_ON_64 = 64 * 10 + 10
WITH_ML403 = Options(selection=Selection(("ALL",)))  # ML403 (unresolved) is opt-in


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
    # The class is a model of its own too (docs/models.md, 1.); this test is about the instance.
    model = {m.name: m for m in analyze_text(textwrap.dedent("""
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
    """)).models}["model"]
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
    """), options=WITH_ML403)
    model = result.models[0]
    ops = {l.op: l for l in model.layers()}
    assert ops["Lambda"].params is None
    assert ops["Scale"].params == 0  # call() followed: no weights, whatever its input
    assert ops["Scale"].output_shape is None  # ... but its input's shape is unknown
    assert ops["Dense"].params is None  # its input size depends on the unknown layers
    assert model.totals()[2] is False
    ml403 = [d for d in result.diagnostics if d.code == "ML403"]
    assert 10 in {d.span.line for d in ml403}  # the Lambda: Scale itself is resolved


def test_missing_input_shape_is_unknown_with_a_reason_then_resolved_by_option():
    source = "import keras\nmodel = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])\n"
    result = analyze_text(source, options=WITH_ML403)
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


# -- custom layers, subclassed models, trainable, recurrent states (issue 13) ------------------
# Every expected number below was checked against Keras 3.15 (torch backend) running the
# same snippet; the fixtures with provenance carry recorded oracles.


def _by_name(source: str, **kw) -> dict:
    result = analyze_text(textwrap.dedent(source), **kw)
    return {m.name: m for m in result.models}


def _split(model) -> tuple[int, int, int]:
    trainable, non_trainable, exact = model.totals()
    assert exact, [u.reason for u in model.unresolved] + [l.unknown for l in model.layers() if l.unknown]
    return trainable + non_trainable, trainable, non_trainable


def test_lstm_states_feed_the_decoder_through_initial_state():
    model = only_model("""
    import keras
    enc_in = keras.Input(shape=(None, 71))
    _, h, c = keras.layers.LSTM(256, return_state=True)(enc_in)
    dec_in = keras.Input(shape=(None, 93))
    dec_out, _, _ = keras.layers.LSTM(256, return_sequences=True, return_state=True)(dec_in, initial_state=[h, c])
    model = keras.Model([enc_in, dec_in], keras.layers.Dense(93, activation="softmax")(dec_out))
    """)
    # The encoder is upstream of the output only through the states: it must be counted.
    assert _split(model) == (718_173, 718_173, 0)
    assert [l.name for l in model.layers() if l.op == "LSTM"] == ["lstm", "lstm_1"]


def test_trainable_false_on_nested_models_as_keras_counts_it():
    models = _by_name("""
    import keras
    from keras import layers
    base_model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
    ], name="base")
    base_model.trainable = False
    inputs = keras.Input(shape=(32, 32, 3))
    x = base_model(inputs, training=False)
    outputs = layers.Dense(10)(layers.Dropout(0.2)(x))
    model = keras.Model(inputs, outputs)

    fin = keras.Input(shape=(8,))
    fbase = keras.Model(fin, layers.Dense(16, name="f2")(layers.Dense(16, name="f1")(fin)), name="fbase")
    fbase.trainable = False
    top_in = keras.Input(shape=(8,))
    top = keras.Model(top_in, layers.Dense(2)(fbase(top_in)))
    fbase.trainable = True  # fine-tuning, after the model was built: Keras reads it when it counts
    for layer in fbase.layers[:-1]:
        layer.trainable = False
    """)
    assert _split(models["base_model"]) == (5_152, 0, 5_152)
    assert _split(models["model"]) == (5_482, 330, 5_152)
    assert _split(models["fbase"]) == (416, 272, 144)
    assert _split(models["top"]) == (450, 306, 144)


def test_trainable_that_is_not_static_leaves_the_split_unknown():
    models = _by_name("""
    import os
    import keras
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    base.trainable = os.environ.get("FREEZE") == "1"
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(base(inputs)))
    """)
    assert models["model"].totals()[2] is False
    assert models["base"].totals()[2] is False


def test_custom_layers_with_sublayers_in_lists_dicts_helpers_and_own_weights():
    models = _by_name("""
    import keras
    from keras import layers, ops

    class Block(layers.Layer):
        def __init__(self, widths, **kwargs):
            super().__init__(**kwargs)
            self.denses = [layers.Dense(w, activation="relu") for w in widths]
            self.norms = {"pre": layers.LayerNormalization(), "post": layers.LayerNormalization()}
            self.make_proj(widths[-1])
            self.scale = self.add_weight(shape=(widths[-1],), initializer="ones", trainable=True)

        def make_proj(self, n):
            self.proj = layers.Dense(n)

        def build(self, input_shape):
            self.gate = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False)

        def call(self, x):
            h = self.norms["pre"](x)
            for d in self.denses:
                h = d(h)
            h = self.proj(h) * self.scale
            return self.norms["post"](h)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.b1 = Block([16, 16])
            self.b2 = Block([8])
            self.cls = self.add_weight(shape=(1, 8), initializer="zeros")
            self.head = layers.Dense(3)

        def call(self, x):
            x = self.b2(self.b1(x))
            x = x + self.cls
            return self.head(x)

    net = Net()
    net(ops.zeros((2, 5)))

    inp = keras.Input((5,))
    b = Block([4], name="blk")
    b.trainable = False
    out = layers.Dense(2)(Block([6])(b(inp)))
    fmodel = keras.Model(inp, out)
    """)
    net, fmodel = models["net"], models["fmodel"]
    assert _split(net) == (1_018, 997, 21)
    rows = {l.name: l for l in net.layers() if not l.attrs.get("implicit")}
    assert list(rows) == ["block", "block_1", "dense_5"]
    assert (rows["block"].op, rows["block"].params, rows["block"].non_trainable) == ("Block", 703, 5)
    assert _split(fmodel) == (187, 112, 75)
    assert [l.name for l in fmodel.layers()] == ["input_layer", "blk", "block_2", "dense_8"]


def test_a_custom_layer_that_cannot_be_followed_stays_unknown_and_the_model_is_found():
    result = analyze_text(textwrap.dedent("""
    import keras
    import tensorflow as tf
    from keras import layers, ops

    class Spectral(layers.Layer):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(4)
        def call(self, x):
            return self.d(ops.fft(x))

    class Counter(layers.Layer):
        def __init__(self):
            super().__init__()
            self.count = tf.Variable(0.0, trainable=False)
        def call(self, x):
            return x

    inp = keras.Input((5,))
    model = keras.Model(inp, Spectral()(inp))
    inp2 = keras.Input((5,))
    counted = keras.Model(inp2, layers.Dense(2)(Counter()(inp2)))
    """), options=WITH_ML403)
    models = {m.name: m for m in result.models}
    assert set(models) == {"model", "counted"}
    for model in models.values():
        assert model.totals()[2] is False
    lines = {d.span.line for d in result.diagnostics if d.code == "ML403"}
    assert {11, 16} <= lines  # ops.fft; the tf.Variable outside add_weight()


def test_subclasses_of_builtin_layers_and_functional_model_subclasses():
    models = _by_name("""
    import keras
    from keras import layers

    class MyDense(layers.Dense):
        def __init__(self, units, **kwargs):
            super().__init__(units, activation="relu", **kwargs)

    class Plain(layers.LayerNormalization):
        pass

    class Odd(layers.Dense):
        def call(self, x):
            return super().call(x) * 2

    class FuncNet(keras.Model):
        def __init__(self, width=8, **kwargs):
            inputs = keras.Input((4,))
            h = layers.Dense(width)(inputs)
            super().__init__(inputs, layers.Dense(2)(h), **kwargs)

    inp = keras.Input((5,))
    x = MyDense(7)(inp)
    x = Plain(epsilon=1e-3)(x)
    m1 = keras.Model(inp, MyDense(4, name="named")(x))
    inp2 = keras.Input((5,))
    m2 = keras.Model(inp2, Odd(3)(inp2))
    fn = FuncNet()
    inp3 = keras.Input((4,))
    m3 = keras.Model(inp3, layers.Dense(1)(fn(inp3)))
    """)
    assert _split(models["m1"]) == (88, 88, 0)
    assert [(l.name, l.op) for l in models["m1"].layers()][1:] == [
        ("my_dense", "MyDense"), ("plain", "Plain"), ("named", "MyDense")]
    assert models["m2"].totals()[2] is False  # Odd rewrites call(): not guessed
    assert _split(models["fn"]) == (58, 58, 0)
    assert _split(models["m3"]) == (61, 61, 0)
    assert [l.op for l in models["m3"].layers()] == ["InputLayer", "FuncNet", "Dense"]


def test_tensor_operations_of_a_functional_model_are_named_rows_as_in_keras_summary():
    model = only_model("""
    import keras
    from keras import layers, ops
    i = keras.Input((4, 4))
    b = layers.Dense(4)(i) + i
    c = ops.relu(b) * 2
    d = -c[:, 0]
    e = layers.Add()([d, d])
    m = keras.Model(i, layers.Dense(2)(e))
    """)
    assert [(l.name, l.op) for l in model.layers()] == [
        ("input_layer", "InputLayer"), ("dense", "Dense"), ("add", "Add"), ("relu", "Relu"),
        ("multiply", "Multiply"), ("get_item", "GetItem"), ("negative", "Negative"), ("add_1", "Add"),
        ("dense_1", "Dense")]
    assert _split(model) == (30, 30, 0)


def test_custom_layers_take_keras_names_with_counters():
    model = only_model("""
    import keras
    from keras import layers

    class TransformerBlock(layers.Layer):
        def __init__(self, dim, **kwargs):
            super().__init__(**kwargs)
            self.att = layers.MultiHeadAttention(num_heads=2, key_dim=dim)
            self.norm = layers.LayerNormalization()
        def call(self, x):
            return self.norm(x + self.att(x, x))

    inputs = keras.Input((10, 8))
    x = TransformerBlock(8)(inputs)
    x = TransformerBlock(8)(x)
    x = TransformerBlock(8, name="last")(x)
    model = keras.Model(inputs, layers.Dense(1)(layers.Softmax()(x)))
    """)
    assert [l.name for l in model.layers()] == [
        "input_layer", "transformer_block", "transformer_block_1", "last", "softmax_3", "dense"]
    block = 3 * (8 * 2 * 8 + 2 * 8) + (2 * 8 * 8 + 8) + 2 * 8  # query/key/value, output, LayerNorm: 584
    assert [l.params for l in model.layers()][1:4] == [block] * 3


def test_layers_of_a_model_frozen_through_layers_get_layer_and_model_tensors():
    models = _by_name("""
    import keras
    from keras.layers import Dense, Flatten, Conv2D, MaxPooling2D
    from keras.models import Sequential, Model

    base_model = Sequential([keras.Input((28, 28, 1)), Conv2D(8, 3, activation="relu"), MaxPooling2D(),
                             Conv2D(16, 3), Flatten()])
    for layer in base_model.layers:
        layer.trainable = False
    x = Dense(32, activation="relu")(base_model.outputs[0])
    model = Model(inputs=base_model.inputs, outputs=Dense(10, activation="softmax")(x))
    model.get_layer("conv2d_1").trainable = True
    head = Model(model.input, model.layers[-2].output)
    """)
    assert _split(models["base_model"]) == (1_248, 1_168, 80)
    assert _split(models["model"]) == (63_562, 63_482, 80)
    assert _split(models["head"]) == (63_232, 63_152, 80)


def test_trainable_set_on_an_unresolved_layer_is_not_claimed_exact():
    result = analyze_text(textwrap.dedent("""
    import keras
    base = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    base.get_layer(base.some_name).trainable = False
    """), options=WITH_ML403)
    assert result.models[0].totals()[2] is False


def test_compute_output_shape_and_build_decide_which_sublayers_keras_builds():
    # A symbolic call takes the shape from compute_output_shape(); call() still runs
    # once to build sublayers, unless the layer has a build() of its own (then only
    # what that build() builds has weights).
    model = only_model("""
    import keras
    from keras import layers

    class P(layers.Layer):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(4)
        def call(self, x):
            return self.d(x)
        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], 4)

    class Q(P):
        def build(self, input_shape):
            self.d.build(input_shape)

    class R(P):
        def build(self, input_shape):
            self.s = self.add_weight(shape=(2,), initializer="zeros")

    inp = keras.Input((3,))
    m = keras.Model(inp, R()(Q()(P()(inp))))
    """)
    assert [(l.name, l.params) for l in model.layers()] == [("input_layer", 0), ("p", 16), ("q", 20), ("r", 2)]
    assert [l.output_shape for l in model.layers()][1:] == [(None, 4)] * 3


def test_clone_model_is_a_new_model_of_the_same_architecture():
    models = _by_name("""
    import keras
    from keras import layers
    student = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(16, 3, strides=2, padding="same"),
                                layers.Flatten(), layers.Dense(10)], name="student")
    student_scratch = keras.models.clone_model(student)
    inp = keras.Input((4,))
    h = layers.Dense(8)(inp)
    f = keras.Model(inp, layers.Add()([layers.Dense(8)(h), h]))
    f.layers[1].trainable = False  # a layer's config carries its trainable flag
    f2 = keras.models.clone_model(f)
    """)
    assert _split(models["student_scratch"]) == _split(models["student"]) == (31_530, 31_530, 0)
    assert [l.name for l in models["student_scratch"].layers()][1:] == ["conv2d", "flatten", "dense"]
    assert _split(models["f2"]) == _split(models["f"]) == (112, 72, 40)


def test_isinstance_on_tensors_lists_and_layers_inside_call():
    model = only_model("""
    import keras
    from keras import layers
    class Cat(layers.Layer):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(3)
        def call(self, inputs):
            if isinstance(inputs, (list, tuple)):
                inputs = layers.Concatenate()(list(inputs))
            if isinstance(self.d, layers.Dense) and isinstance(self.d, keras.layers.Layer):
                return self.d(inputs)
            return inputs
    a, b = keras.Input((2,)), keras.Input((3,))
    m = keras.Model([a, b], Cat()([a, b]))
    """)
    assert [(l.name, l.params) for l in model.layers()] == [("input_layer", 0), ("input_layer_1", 0), ("cat", 18)]


def test_preprocessing_layers_and_patch_functions_of_mixer_style_models():
    # keras.io MLP-Mixer / gMLP idioms (the full example is fixtures/real/keras/keras_io_mlp_mixer_fnet_gmlp.py).
    models = _by_name("""
    import keras
    from keras import layers

    class Patches(layers.Layer):
        def __init__(self, patch_size, **kwargs):
            super().__init__(**kwargs)
            self.patch_size = patch_size
        def call(self, x):
            patches = keras.ops.image.extract_patches(x, self.patch_size)
            batch_size = keras.ops.shape(patches)[0]
            num_patches = keras.ops.shape(patches)[1] * keras.ops.shape(patches)[2]
            return keras.ops.reshape(patches, (batch_size, num_patches, keras.ops.shape(patches)[3]))

    class Gate(layers.Layer):
        def __init__(self):
            super().__init__()
            self.proj = layers.Dense(units=16)
        def call(self, x):
            u, v = keras.ops.split(x, indices_or_sections=2, axis=2)
            v = self.proj(keras.ops.transpose(v, axes=(0, 2, 1)))
            return u * keras.ops.transpose(v, axes=(0, 2, 1))

    augment = keras.Sequential([layers.Normalization(), layers.Resizing(32, 32), layers.RandomFlip("horizontal"),
                                layers.RandomZoom(height_factor=0.2, width_factor=0.2)], name="augment")
    inputs = layers.Input(shape=(28, 28, 3))
    x = layers.Dense(8)(Patches(8)(augment(inputs)))
    model = keras.Model(inputs, Gate()(x))
    """)
    assert _split(models["augment"]) == (7, 0, 7)  # mean, variance (3 each) and a count
    model = models["model"]
    assert [(l.name, l.output_shape) for l in model.layers()][2:] == [
        ("patches", (None, 16, 192)), ("dense", (None, 16, 8)), ("gate", (None, 16, 4))]
    assert _split(model) == (7 + 192 * 8 + 8 + 16 * 16 + 16, 192 * 8 + 8 + 16 * 16 + 16, 7)
