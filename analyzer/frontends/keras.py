"""Keras frontend: folds a file's Keras code into ModelGraphs, as Keras 3 builds them.

It knows the three ways users write Keras models — ``Sequential``, the functional
API and subclassed ``keras.Model`` — and Keras' own bookkeeping that shows in a
summary: auto-names (``conv2d_1``), the implicit input of a ``Sequential`` with
``input_shape=``, weights created on first call. Layer semantics live in the
binding table and the ops registry, not here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.frontends._evaluate import (
    BoundMethod,
    Builtin,
    Evaluator,
    Function,
    Instance,
    Ref,
    SourceMetadata,
    SuperProxy,
    UserClass,
    metadata_for,
    used_symbols,
)
from modelint.analyzer.frontends._tape import Tape
from modelint.analyzer.frontends.bindings import BindError, bind
from modelint.analyzer.frontends.keras_bindings import KERAS_LAYERS
from modelint.analyzer.graph import Layer, ModelGraph, TensorRef
from modelint.analyzer.losses import LossUse
from modelint.analyzer.ops._base import Unknown, is_unknown
from modelint.analyzer.passes.infer import annotate
from modelint.analyzer.shapes import Shape, is_expr, is_size

FRAMEWORK = "keras"
_PREFIXES = ("tensorflow.python.keras.", "tensorflow.keras.", "tf.keras.", "keras.src.", "keras.api.", "keras._tf_keras.keras.", "keras.")
_MODULES = ("layers.", "models.", "engine.", "layers.experimental.preprocessing.", "layers.core.", "src.layers.")
_SEQUENTIAL = {"Sequential", "models.Sequential"}
_MODEL = {"Model", "models.Model"}
_LAYER_BASE = {"layers.Layer", "Layer"}
# Layers whose build() creates auto-named sublayers, which advance Keras' name
# counters (MultiHeadAttention builds a Softmax and a Dropout on its first call).
_BUILD_CREATES = {"MultiHeadAttention": ("Softmax", "Dropout")}
_TENSOR_FACTORIES = ("zeros", "ones", "normal", "uniform", "randn", "rand")
# keras.layers.add([a, b]) and friends: make the layer and apply it at once.
_MERGE_FUNCTIONS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "average": "Average",
                    "maximum": "Maximum", "minimum": "Minimum", "concatenate": "Concatenate", "dot": "Dot"}


def keras_symbol(qualname: str) -> str | None:
    """``tensorflow.keras.layers.Dense`` → ``layers.Dense``; None if not Keras."""
    for prefix in _PREFIXES:
        if qualname.startswith(prefix):
            return qualname[len(prefix):]
    return None


def layer_class(symbol: str) -> str | None:
    for module in _MODULES:
        if symbol.startswith(module):
            symbol = symbol[len(module):]
            break
    if "." in symbol:
        return None
    return symbol


# The axes after the batch that a model's first layer fixes when the model gives no
# input shape (issue 9): Keras' channels_last layouts by default, named by role.
_SPATIAL_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
_SPATIAL_KINDS = frozenset({"conv", "conv_transpose", "separable_conv", "depthwise_conv", "pool",
                            "global_pool", "upsample", "pad"})
_DIM_WORDS = {"H": "height", "W": "width", "D": "depth", "C": "channels", "L": "length",
              "T": "time steps", "F": "features"}


def input_dim_names(layer: Any) -> tuple[str, ...] | None:
    """The names of the input axes after the batch when ``layer`` is a model's first
    layer and fixes their number: ``("H", "W", "C")`` for a Conv2D or a pooling
    layer (``("C", "H", "W")`` with ``data_format="channels_first"``), ``("L", "C")``
    for a Conv1D, ``("T", "F")`` for an RNN, ``("L",)`` for an Embedding. None
    when the layer takes inputs of any rank (Dense, Dropout, normalizations)."""
    kind, attrs = layer.kind, layer.attrs
    if kind in _SPATIAL_KINDS and attrs.get("rank") in _SPATIAL_NAMES:
        spatial = _SPATIAL_NAMES[attrs["rank"]]
        return ("C", *spatial) if attrs.get("data_format") == "channels_first" else (*spatial, "C")
    inner = attrs.get("layer") if kind == "bidirectional" else None
    if kind in ("rnn", "rnn_layer") or (isinstance(inner, dict) and inner.get("kind") == "rnn"):
        return ("T", "F")
    if kind == "embedding":
        return ("L",)
    return None


def _first_applied(fn: cst.FunctionDef) -> str | None:
    """``conv`` when the first statement of ``call(self, x, ...)`` that mentions
    ``x`` applies ``self.conv`` to it (``x = self.conv(x)``, ``return
    self.conv(x)``; an alias ``residual = x`` before it is skipped): the layer that
    sees the model's input first. None when the input is first used any other way,
    or inside a branch or loop (the rank would then be a guess)."""
    params = fn.params.params
    if len(params) < 2 or not isinstance(fn.body, cst.IndentedBlock):
        return None
    x = params[1].name.value
    for stmt in fn.body.body:
        if not _mentions(stmt, x):
            continue
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        small = stmt.body[0]
        value = getattr(small, "value", None) if isinstance(small, (cst.Assign, cst.Return, cst.Expr)) else None
        if value is None:
            return None
        if (isinstance(small, cst.Assign) and isinstance(value, cst.Name) and value.value == x
                and all(isinstance(t.target, cst.Name) and t.target.value != x for t in small.targets)):
            continue  # `residual = x`: another name for the input, kept for later
        reads = _ShapeReads(x)
        stmt.visit(reads)
        if reads.uses == reads.shape_reads and not reads.rebinds:
            continue  # `maxlen = ops.shape(x)[-1]`: the input's size read, the input itself untouched
        finder = _FirstUse(x)
        value.visit(finder)
        for call in finder.calls:
            func = call.func
            if (call.args and call.args[0].value is finder.first and call.args[0].keyword is None
                    and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                    and func.value.value == "self"):
                return func.attr.value
        return None
    return None


class _ShapeReads(cst.CSTVisitor):
    """Counts the uses of ``name`` and those that only read its shape (``x.shape``,
    ``ops.shape(x)``, ``tf.shape(x)``); ``rebinds`` when it is assigned to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.uses = self.shape_reads = 0
        self.rebinds = False

    def _is_x(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Name) and node.value == self.name

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.AssignTarget) and self._is_x(node.target):
            self.rebinds = True
            return False
        if isinstance(node, cst.Attribute):
            if self._is_x(node.value) and node.attr.value in ("shape", "ndim"):
                self.uses += 1
                self.shape_reads += 1
            else:
                node.value.visit(self)
            return False
        if isinstance(node, cst.Call):
            func = node.func
            fname = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
            if fname in ("shape", "int_shape") and node.args and self._is_x(node.args[0].value):
                self.uses += 1
                self.shape_reads += 1
                for arg in node.args[1:]:
                    arg.value.visit(self)
                return False
            return True
        if isinstance(node, cst.Arg):
            node.value.visit(self)
            return False
        if self._is_x(node):
            self.uses += 1
        return True


def _mentions(node: cst.CSTNode, name: str) -> bool:
    finder = _FirstUse(name)
    node.visit(finder)
    return finder.first is not None


class _FirstUse(cst.CSTVisitor):
    """The first ``Name`` node spelling ``name`` (pre-order) and the calls entered before it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.first: cst.Name | None = None
        self.calls: list[cst.Call] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.first is not None:
            return False
        if isinstance(node, cst.Attribute):  # `.name` after a dot is not the variable
            node.value.visit(self)
            return False
        if isinstance(node, cst.Arg):  # nor is a keyword `name=`
            node.value.visit(self)
            return False
        if isinstance(node, cst.Name) and node.value == self.name:
            self.first = node
        elif isinstance(node, cst.Call):
            self.calls.append(node)
        return True


def to_snake_case(name: str) -> str:
    """Keras 3's ``naming.to_snake_case``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


@dataclass
class Namer:
    """Keras' per-process ``object_name_uids``: ``dense``, ``dense_1``, ..."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def auto(self, class_name: str) -> str:
        return self.unique(to_snake_case(class_name))

    def unique(self, base: str) -> str:
        n = self.counts[base]
        self.counts[base] += 1
        return base if n == 0 else f"{base}_{n}"


@dataclass(eq=False)
class KLayer:
    class_name: str
    kind: str
    attrs: dict[str, Any]
    name: str
    span: Span | None
    uid: str
    input_shape: Any = None  # input_shape= / batch_input_shape= / input_dim= on the layer


@dataclass(eq=False)
class KTensor:
    ref: TensorRef
    shape: Shape | None
    eager: bool = False  # a concrete batch (keras.ops.zeros(...)), not a symbolic keras.Input

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)


@dataclass(eq=False)
class KSequential:
    name: str
    span: Span | None
    uid: str
    layers: list[Any] = field(default_factory=list)
    build_shape: Any = None
    compile_kwargs: dict[str, Any] | None = None
    compile_span: Span | None = None
    trainable: Any = True
    input_named: bool = False  # Keras has created (and auto-named) its InputLayer
    # Where build_sequential cut it out of the tape: (tape, nodes, input, output, reason).
    cut: tuple[Any, list[str], TensorRef, TensorRef, str | None] | None = None

    @property
    def built(self) -> ModelGraph | None:
        """The built model, cut out of the tape again on every read so that
        ``trainable`` set after the build (as Keras reads it, at count time) shows."""
        if self.cut is None:
            return None
        tape, nodes, x, out, reason = self.cut
        model = tape.extract(self.name, "Sequential", self.span, nodes, [x], [out])
        if reason:
            model.unresolved.append(_unres(reason, self.span))
        return model


@dataclass(eq=False)
class KFunctional:
    name: str
    span: Span | None
    uid: str
    inputs: list[KTensor]
    outputs: list[KTensor]
    class_name: str = "Functional"
    compile_kwargs: dict[str, Any] | None = None
    compile_span: Span | None = None
    trainable: Any = True


@dataclass(eq=False)
class KSubclassed(Instance):
    name: str = ""
    span: Span | None = None
    build_shape: Any = None
    inputs: list[KTensor] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)
    built: bool = False
    built_without_weights: bool = False
    is_layer: bool = False  # a custom keras.layers.Layer, not a Model
    compile_kwargs: dict[str, Any] | None = None
    compile_span: Span | None = None
    uid: str = ""
    trainable: Any = True
    named: bool = False  # Layer.__init__ (super().__init__()) has given it its name
    # add_weight(...) calls: (shape, trainable) — shape a tuple of ints or an Unknown.
    weights: list[tuple[Any, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # what made its weights unresolvable
    calling: bool = False  # call() is being followed (a layer calling itself stays unknown)
    functional: bool = False  # super().__init__(inputs, outputs): a functional model of this class
    builtin: str | None = None  # a subclass of this Keras layer class (class MyDense(layers.Dense))
    base_call: tuple[tuple[Any, ...], dict[str, Any]] | None = None  # its super().__init__ arguments


def _arange_length(bounds: list[Any]) -> Any:
    """The length of ``arange(start, stop, step)``: an int, or over symbols
    ``stop - start`` for a unit step from an integer start (``arange(0, maxlen)`` on a
    sequence of symbolic length); raises where neither applies."""
    if all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
        return len(range(*bounds))
    start, stop, step = (bounds + [1])[:3] if len(bounds) >= 2 else (None, None, None)
    if len(bounds) in (2, 3) and step == 1 and isinstance(start, int) and is_expr(stop):
        return stop - start
    raise ValueError("non-static bounds")


def _shape_tuple(value: Any) -> Shape | None:
    """A static shape: ints, ``None`` (Keras' open axis) and sizes over named
    symbols (``Input(shape=(height, width, depth))`` in a builder whose arguments
    have no value); None when any entry is something else, or when the whole shape
    is one symbol (``Input(shape=input_shape)``: a tuple the file leaves open, rank
    unknown)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (list, tuple)) and all(v is None or is_size(v) for v in value):
        return tuple(value)
    return None


class KerasTape(Tape):
    """The tape, knowing which layer object owns each node: Keras reads
    ``trainable`` when it counts, so a model cut out of the tape first brings its
    nodes' trainable split (and nested models' totals) up to date."""

    def __init__(self, ev: "KerasEvaluator") -> None:
        super().__init__(FRAMEWORK)
        self.ev = ev
        self.first_app: dict[str, str] = {}  # owner uid -> its first node (which builds it)

    def add(self, name: str, op: str, kind: str, attrs: dict[str, Any], span: Span | None,
            owner: str, inputs: Any, applied: bool = True):
        layer = super().add(name, op, kind, attrs, span, owner, inputs, applied)
        self.first_app.setdefault(owner, layer.id)
        return layer

    def extract(self, name: str, class_name: str, span: Span | None, nodes: Any, inputs: Any, outputs: Any) -> ModelGraph:
        self.ev.refresh(nodes)
        model = super().extract(name, class_name, span, nodes, inputs, outputs)
        owner = self.ev.by_outputs.get(tuple(outputs))
        if self.ev.nesting == 0 and owner is not None:
            _own_flag(model, self.ev.trainable_state(owner))
        return model


def _own_flag(model: ModelGraph, state: Any) -> None:
    """Keras' ``model.trainable_weights`` is empty while the model itself is
    frozen (whatever its layers say): counted as such model, every weight is then
    non-trainable; a flag that is not static leaves the split unknown."""
    if state is True:
        return
    for layer in model.layers():
        if layer.trainable is None or layer.non_trainable is None:
            continue
        if state is False:
            layer.trainable, layer.non_trainable = 0, layer.trainable + layer.non_trainable
        else:
            layer.trainable = layer.non_trainable = None
            layer.unknown = layer.unknown or f"`{model.name}.trainable` is not static"


_LAYERISH = (KLayer, KSequential, KFunctional, KSubclassed)
_NOT_TRACED: Any = object()
# keras.ops / tf functions a custom layer's call() uses: shape-preserving ones,
# elementwise ones over several operands, reductions.
_SAME_SHAPE_FNS = {"relu", "relu6", "gelu", "silu", "swish", "sigmoid", "tanh", "softmax", "log_softmax", "exp",
                   "log", "sqrt", "rsqrt", "square", "abs", "cast", "negative", "stop_gradient", "identity", "elu",
                   "selu", "softplus", "softsign", "leaky_relu", "erf", "sin", "cos", "convert_to_tensor",
                   "hard_sigmoid", "mish", "l2_normalize", "normalize", "dropout", "clip", "clip_by_value"}
_ELEMENTWISE_FNS = {"add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "power",
                    "pow", "truediv", "where", "add_n"}
_REDUCE_FNS = {"mean": "mean", "sum": "sum", "max": "max", "min": "min", "reduce_mean": "mean",
               "reduce_sum": "sum", "reduce_max": "max", "reduce_min": "min", "prod": "prod", "std": "std",
               "var": "var", "reduce_prod": "prod", "reduce_std": "std", "logsumexp": "logsumexp",
               "reduce_logsumexp": "logsumexp"}
# Model methods that change nothing the analysis counts.
_NO_OP_METHODS = frozenset({
    "summary", "fit", "fit_generator", "evaluate", "evaluate_generator", "predict", "predict_generator",
    "predict_on_batch", "train_on_batch", "test_on_batch", "save", "save_weights", "load_weights",
    "count_params", "to_json", "get_config", "get_weights", "set_weights", "reset_states", "reset_metrics",
    "export", "summary_to_file"})
_RANDOM_FNS = ("random_normal", "random_uniform", "truncated_normal")
_OPERATOR_NAMES = {cst.Add: "add", cst.Subtract: "subtract", cst.Multiply: "multiply", cst.Divide: "true_divide",
                   cst.Power: "power", cst.FloorDivide: "floor_divide", cst.Modulo: "mod",
                   cst.MatrixMultiply: "matmul"}


def _tensors_in(value: Any) -> list["KTensor"]:
    """Every KTensor inside a (nested) list / tuple / dict of call arguments."""
    if isinstance(value, KTensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors_in(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors_in(v)]
    return []


def _only_tensors(value: Any) -> bool:
    """A call() result made of tensors only (a tensor, or lists/tuples of them)."""
    if isinstance(value, KTensor):
        return True
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_only_tensors(v) for v in value)
    return False


def _replace_tensors(value: Any, mapping: dict[int, Any]) -> Any:
    if isinstance(value, KTensor):
        return mapping.get(id(value), value)
    if isinstance(value, list):
        return [_replace_tensors(v, mapping) for v in value]
    if isinstance(value, tuple):
        return tuple(_replace_tensors(v, mapping) for v in value)
    if isinstance(value, dict):
        return {k: _replace_tensors(v, mapping) for k, v in value.items()}
    return value


def _shape_arg(value: Any) -> Any:
    """What Keras passes to ``build`` / ``compute_output_shape``: the first
    argument's shape (a tuple, None for an unknown axis), or a list of them."""
    if isinstance(value, KTensor):
        return tuple(value.shape) if value.shape is not None else Unknown("input shape unknown")
    if isinstance(value, (list, tuple)):
        return [_shape_arg(v) for v in value]
    return Unknown("input of a custom layer is not a tensor")


class KerasEvaluator(Evaluator):
    def __init__(self, module: cst.Module, path: str, metadata: SourceMetadata | None = None) -> None:
        super().__init__(module, path, metadata)
        self.tape = KerasTape(self)
        self.namer = Namer()
        self.uid = 0
        self.built_layers: set[str] = set()
        self.objects: dict[str, Any] = {}  # owner uid -> the layer / model object
        self.tracing = 0  # > 0 while a custom layer's build()/call() is followed
        self.weight_nodes: dict[str, tuple[bool, int]] = {}  # add_weight node -> (created trainable, size)
        self.nesting = 0  # > 0 while a model is cut out to be one row of another
        self.by_outputs: dict[tuple[TensorRef, ...], Any] = {}  # a model object by its output tensors
        self._refreshing: set[str] = set()

    def next_uid(self, prefix: str) -> str:
        self.uid += 1
        return f"{prefix}#{self.uid}"

    # -- constructing --------------------------------------------------------------
    def own(self, obj: Any) -> Any:
        """Register a layer or model object under its uid (the tape's owner key)."""
        self.objects[obj.uid] = obj
        return obj

    def hook_call_ref(self, ref: Ref, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        symbol = keras_symbol(ref.qualname)
        last = ref.qualname.rsplit(".", 1)[-1]
        if last in _TENSOR_FACTORIES and not _tensors_in(args):
            return self.make_tensor(ref, args, kwargs, node)
        if last == "Variable" and (symbol is not None or ref.qualname.startswith(("tensorflow.", "tf."))):
            return self.note_unresolved(f"`{ref.qualname}(...)` creates a weight outside add_weight(); "
                                        "it is not counted", node)
        if _tensors_in(args) or _tensors_in(kwargs) or last in ("shape", "arange", "range") + _RANDOM_FNS:
            if ref.qualname.startswith(("tensorflow.", "tf.", "keras.ops.", "keras.src.ops.", "keras.backend.",
                                        "keras.activations.", "tensorflow.keras.activations.",
                                        "tensorflow.keras.backend.", "numpy.")) and (
                    symbol is None or layer_class(symbol) is None):
                return self.tensor_function(last, args, kwargs, node)
        if symbol is None:
            return Unknown(f"call to `{ref.qualname}` is not modelled")
        if symbol in _SEQUENTIAL:
            items = args[0] if args else kwargs.get("layers", [])
            layers = list(items) if isinstance(items, (list, tuple)) else []
            name = kwargs.get("name")
            seq = self.own(KSequential(name if isinstance(name, str) else self.namer.auto("Sequential"),
                                       self.span(node), self.next_uid("seq"), []))
            for layer in layers:
                self.sequential_add(seq, layer, rebuild=False)
            self.maybe_build_sequential(seq)
            return seq
        if symbol in _MODEL:
            return self.make_functional(args, kwargs, node)
        if symbol.startswith("applications.") and last in ("preprocess_input", "decode_predictions"):
            # Scales pixel values (a few tensor operations, no weights): the same shape.
            x = args[0] if args else kwargs.get("x")
            return x if isinstance(x, KTensor) and last == "preprocess_input" else Unknown(f"`{symbol}`")
        if symbol.startswith("applications.") and symbol.rsplit(".", 1)[-1][:1].isupper():
            return self.application_model(symbol.rsplit(".", 1)[-1], kwargs, node)
        if symbol in ("models.clone_model", "clone_model"):
            return self.clone_model(args[0] if args else kwargs.get("model"), node)
        if symbol.startswith("losses."):
            return _loss(symbol.split(".")[-1], kwargs.get("from_logits", False), self.span(node))
        cls = layer_class(symbol)
        if cls in _MERGE_FUNCTIONS:
            inputs = args[0] if args else kwargs.pop("inputs", None)
            layer = self.make_layer(_MERGE_FUNCTIONS[cls], args[1:], kwargs, node)
            return self.apply_layer(layer, [inputs], {}, node)
        if cls in ("Input",):
            return self.make_input(kwargs.get("shape", args[0] if args else None),
                                   kwargs.get("batch_size"), kwargs.get("batch_shape"),
                                   kwargs.get("name"), node)
        if cls is None:
            return Unknown(f"`{ref.qualname}` is not modelled")
        return self.make_layer(cls, args, kwargs, node)

    def make_layer(self, cls: str, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> KLayer:
        binding = KERAS_LAYERS.get(cls)
        kwargs = dict(kwargs)
        input_shape = None
        for key in ("input_shape", "batch_input_shape", "batch_shape", "shape"):
            if key in kwargs and not (cls == "Reshape" and key == "shape"):
                if cls in ("InputLayer",) or key in ("input_shape", "batch_input_shape"):
                    input_shape = (key, kwargs.pop(key))
                    break
        name = kwargs.pop("name", None)
        if not isinstance(name, str):
            name = self.namer.auto(cls)
        if binding is None:
            reason = f"{cls} is a custom or unsupported layer; its shape and parameters are not modelled"
            if cls == "Lambda":
                reason = "Lambda layer: its function is not evaluated statically"
            return KLayer(cls, "unknown", {"class_name": cls, "reason": reason}, name,
                          self.span(node), self.next_uid(name), input_shape)
        kwargs.pop("dtype", None)
        try:
            attrs = bind(binding, args, kwargs)
        except BindError as exc:
            return KLayer(cls, "unknown", {"class_name": cls, "reason": f"{cls}: {exc}"}, name,
                          self.span(node), self.next_uid(name), input_shape)
        _keep_symbols_in_sizes(binding.kind, attrs)
        attrs["class_name"] = cls
        for key in ("layer", "backward_layer"):
            inner = attrs.get(key)
            if isinstance(inner, KLayer):
                attrs[key] = {"class_name": inner.class_name, "kind": inner.kind, "attrs": inner.attrs,
                              "name": inner.name}
        if isinstance(attrs.get("activation"), Ref):
            attrs["activation"] = attrs["activation"].qualname.rsplit(".", 1)[-1]
        elif isinstance(attrs.get("activation"), (Instance, Function, UserClass)):
            # The file's own activation: its name (an evaluator object holds libcst nodes,
            # which neither a report nor the cache should carry).
            found = attrs["activation"]
            attrs["activation"] = found.cls.name if isinstance(found, Instance) else found.name
        if cls == "InputLayer":
            shape = _input_shape_from(input_shape, kwargs)
            return self.own(KLayer(cls, "input", {"class_name": cls, "batch_shape": shape}, name, self.span(node),
                                   self.next_uid(name), input_shape))
        return self.own(KLayer(cls, binding.kind, attrs, name, self.span(node), self.next_uid(name), input_shape))

    def make_input(self, shape: Any, batch_size: Any, batch_shape: Any, name: Any, node: cst.Call) -> Any:
        full: Any
        if batch_shape is not None:
            full = _shape_tuple(batch_shape)
        else:
            dims = _shape_tuple(shape)
            full = None if dims is None else (batch_size if isinstance(batch_size, int) else None, *dims)
        layer_name = name if isinstance(name, str) else self.namer.unique("input_layer")
        if full is None:
            self.note_unresolved("keras.Input shape is not static", node)
        uid = self.next_uid(layer_name)
        lay = self.tape.add(layer_name, "InputLayer", "input", {"class_name": "InputLayer", "batch_shape": full},
                            self.span(node), uid, [])
        self.own(KLayer("InputLayer", "input", {"class_name": "InputLayer", "batch_shape": full}, layer_name,
                        self.span(node), uid))
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def make_tensor(self, ref: Ref, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        """``keras.ops.zeros((1, 28, 28, 1))``, ``np.random.rand(...)``: a concrete
        batch, used to call (and so build) a subclassed model."""
        shape = kwargs.get("shape", args[0] if args else None)
        if ref.qualname.endswith(("random.rand", "random.randn")):
            shape = tuple(args)
        dims = _shape_tuple(shape)
        if dims is None:
            return Unknown(f"shape of `{self.code(node.func)}(...)` is not static")
        lay = self.tape.add("example_input", "InputLayer", "input",
                            {"class_name": "InputLayer", "batch_shape": dims, "implicit": True},
                            self.span(node), self.next_uid("example"), [])
        return KTensor(TensorRef(lay.id), lay.output_shape, eager=True)

    def make_functional(self, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        inputs = kwargs.get("inputs", args[0] if args else None)
        outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        ins = _tensors(inputs)
        outs = _tensors(outputs)
        name = kwargs.get("name")
        if ins is None or outs is None:
            return Unknown("Model(inputs, outputs) with non-static tensors")
        model = self.own(KFunctional(name if isinstance(name, str) else self.namer.auto("Functional"),
                                     self.span(node), self.next_uid("model"), ins, outs))
        self.by_outputs.setdefault(tuple(t.ref for t in outs), model)
        return model

    # -- applying ----------------------------------------------------------------------
    def hook_call_object(self, obj: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if isinstance(obj, KLayer):
            return self.apply_layer(obj, args, kwargs, node)
        if isinstance(obj, (KSequential, KFunctional)):
            x = args[0] if args else kwargs.get("inputs")
            return self.apply_nested(obj, x, node)
        if isinstance(obj, KSubclassed):
            return self.call_subclassed(obj, args, kwargs, node)
        if isinstance(obj, Builtin):
            return self.call(obj, args, kwargs, node)
        return Unknown(f"call of `{self.code(node.func)[:40]}` is not modelled")

    def apply_layer(self, layer: KLayer, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        inputs: list[Any] = []
        if args:
            first = args[0]
            inputs = list(first) if isinstance(first, (list, tuple)) else list(args)
        for key in ("inputs", "query", "value", "key"):
            if key in kwargs:
                v = kwargs[key]
                inputs.extend(v if isinstance(v, (list, tuple)) else [v])
        refs: list[TensorRef | None] = []
        for t in inputs:
            refs.append(t.ref if isinstance(t, KTensor) else None)
        if not refs or all(r is None for r in refs):
            return Unknown(f"{layer.name} applied to a value that is not a tensor")
        attrs = dict(layer.attrs)
        if layer.kind == "keras_mha":
            refs += [None] * (3 - len(refs))  # (query, value, key): a mask never takes the key's slot
            if "return_attention_scores" in kwargs:
                attrs["return_attention_scores"] = kwargs["return_attention_scores"]
        # Tensors passed by keyword (an LSTM's initial_state=, a mask=) are inputs of
        # the layer in Keras' graph: what computes them belongs to the model.
        extra = [t for key, v in kwargs.items() if key not in ("inputs", "query", "value", "key")
                 for t in _tensors_in(v)]
        refs += [t.ref for t in extra]
        eager = all(t.eager for t in inputs if isinstance(t, KTensor)) and not extra
        wrapped = attrs.get("layer")
        if isinstance(wrapped, (KSequential, KFunctional)) and isinstance(inputs[0], KTensor):
            # TimeDistributed(Sequential([...])): the nested model sees one time step.
            x = inputs[0].shape
            step = None if x is None or len(x) < 2 else (x[0], *x[2:])
            attrs["layer"] = {"class_name": attrs["layer"].name, "kind": "composite",
                              "attrs": self.nested_attrs(wrapped, step)}
        if layer.uid not in self.built_layers:
            self.built_layers.add(layer.uid)
            for inner in _BUILD_CREATES.get(layer.class_name, ()):
                self.namer.auto(inner)
        lay = self.tape.add(layer.name, layer.class_name, layer.kind, attrs, layer.span, layer.uid, refs)
        if lay.outputs and len(lay.outputs) > 1:
            return [KTensor(TensorRef(lay.id, i), s, eager) for i, s in enumerate(lay.outputs)]
        return KTensor(TensorRef(lay.id), lay.output_shape, eager)

    def apply_nested(self, obj: Any, x: Any, node: cst.Call) -> Any:
        """A model used as a layer is one row, as in Keras' summary; its count
        comes from its own graph, built with the same ops."""
        if not isinstance(x, KTensor):
            return Unknown(f"nested model `{obj.name}` applied to a value that is not a tensor")
        attrs = self.nested_attrs(obj, x.shape)
        op_name = ("Sequential" if isinstance(obj, KSequential)
                   else obj.cls.name if isinstance(obj, KSubclassed) else "Functional")
        span = self.span(node) if node is not None else obj.span
        lay = self.tape.add(obj.name, op_name, "composite", attrs, span, obj.uid, [x.ref])
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def nested_attrs(self, obj: Any, shape: Shape | None) -> dict[str, Any]:
        self.nesting += 1
        try:
            return self._nested_attrs(obj, shape)
        finally:
            self.nesting -= 1

    def _nested_attrs(self, obj: Any, shape: Shape | None) -> dict[str, Any]:
        if isinstance(obj, KSequential):
            inner = obj.built or self.build_sequential(obj, shape)
        else:
            nodes = self.tape.ancestors([t.ref for t in obj.outputs])
            inner = self.tape.extract(obj.name, "Functional", obj.span, nodes,
                                      [t.ref for t in obj.inputs], [t.ref for t in obj.outputs])
        trainable, non_trainable, exact = _model_counts(inner)
        in_shapes = [inner.shape_of(r) for r in inner.inputs]
        reason = None if exact else f"nested model `{obj.name}` is partly unresolved"
        if len(in_shapes) != 1 or in_shapes[0] != shape:
            reason = reason or f"nested model `{obj.name}` was built for input {in_shapes}, called on {shape}"
        outputs = tuple(inner.shape_of(r) for r in inner.outputs) or (None,)
        return {"class_name": "Sequential" if isinstance(obj, KSequential) else "Functional",
                "outputs": outputs if reason is None else (None,),
                "trainable": trainable if exact else None, "non_trainable": non_trainable if exact else None,
                "reason": reason}

    # -- subclassed models ---------------------------------------------------------------
    def is_keras_subclass(self, cls: UserClass) -> str | None:
        for base in cls.external_bases():
            symbol = keras_symbol(base.qualname)
            if symbol in _MODEL or symbol in _SEQUENTIAL:
                return "model"
            if symbol in _LAYER_BASE:
                return "layer"
            if symbol is not None and layer_class(symbol) in KERAS_LAYERS:
                return "builtin"
        return None

    def builtin_base(self, cls: UserClass) -> str | None:
        for base in cls.external_bases():
            symbol = keras_symbol(base.qualname)
            name = layer_class(symbol) if symbol is not None else None
            if name in KERAS_LAYERS:
                return name
        return None

    def make_builtin_subclass(self, obj: KSubclassed, node: cst.Call) -> Any:
        """``class MyDense(layers.Dense)``: the built-in layer built with the
        arguments its ``super().__init__`` got, shown under the subclass's name (as
        Keras does). A subclass that rewrites ``call``/``build`` computes something
        the analysis does not know: its weights stay unknown."""
        base = obj.builtin or ""
        args, kwargs = obj.base_call or ((), {})
        layer = self.make_layer(base, list(args), {**kwargs, "name": obj.name}, node)
        layer.class_name = obj.cls.name
        layer.attrs = {**layer.attrs, "class_name": obj.cls.name}
        overrides = [m for m in ("call", "build", "compute_output_shape")
                     if any(m in c.namespace for c in obj.cls.mro())]
        if overrides or obj.reasons:
            reason = obj.reasons[0] if obj.reasons else (
                f"{obj.cls.name} subclasses {base} and rewrites {', '.join(overrides)}(): not modelled")
            layer.kind = "unknown"
            layer.attrs = {"class_name": obj.cls.name, "reason": reason}
        if obj.trainable is not True:
            layer.attrs["trainable"] = obj.trainable
        return layer

    def hook_instantiate(self, cls: UserClass, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        what = self.is_keras_subclass(cls)
        if what is None:
            return super().hook_instantiate(cls, args, kwargs, node)
        obj = KSubclassed(cls, span=self.span(node), is_layer=(what != "model"))
        obj.uid = self.next_uid(cls.name)
        if what == "builtin":
            obj.builtin = self.builtin_base(cls)
        else:
            self.own(obj)
        found, init = cls.lookup("__init__")
        before = len(self.unresolved)
        if found and isinstance(init, Function):
            self.inline(init, obj, args, kwargs, node, cls=self.owner_class(init, obj))
        else:
            self.keras_layer_init(obj, kwargs, tuple(args))
        if not obj.named:  # no super().__init__() reached: Keras would have named it there
            self.keras_layer_init(obj, kwargs if not (found and isinstance(init, Function)) else {})
        obj.reasons.extend(r for r, _ in self.unresolved[before:])
        if obj.builtin is not None:
            if obj.base_call is None and not (found and isinstance(init, Function)):
                obj.base_call = (tuple(args), dict(kwargs))
            return self.make_builtin_subclass(obj, node)
        return obj

    def keras_layer_init(self, obj: KSubclassed, kwargs: dict[str, Any], args: tuple[Any, ...] = ()) -> None:
        """``Layer.__init__(name=..., trainable=...)``: Keras names a layer here
        (snake_case of its class, with the per-name counter), so sublayers
        created before ``super().__init__()`` take their names first. A model
        subclass may pass ``inputs, outputs`` instead: it is then a functional
        model of that class, built at once."""
        if obj.named:
            return
        obj.named = True
        name = kwargs.get("name")
        obj.name = name if isinstance(name, str) else self.namer.auto(obj.cls.name)
        if "trainable" in kwargs:
            obj.trainable = kwargs["trainable"]
        if obj.builtin is not None:
            obj.base_call = (tuple(args), {k: v for k, v in kwargs.items() if k not in ("name", "trainable")})
        if not obj.is_layer:
            ins = _tensors(kwargs.get("inputs", args[0] if args else None))
            outs = _tensors(kwargs.get("outputs", args[1] if len(args) > 1 else None))
            if ins and outs:
                obj.inputs, obj.outputs, obj.built, obj.functional = ins, outs, True, True
                self.by_outputs.setdefault(tuple(t.ref for t in outs), obj)

    def hook_super_attr(self, proxy: SuperProxy, name: str, node: cst.CSTNode) -> Any:
        obj = proxy.instance
        if isinstance(obj, KSubclassed) and name == "__init__":
            return Builtin("keras.super_init", lambda *a, **k: self.keras_layer_init(obj, k, a))
        return super().hook_super_attr(proxy, name, node)

    def call_subclassed(self, obj: KSubclassed, args: list[Any], kwargs: dict[str, Any], node: cst.CSTNode) -> Any:
        """Call a custom layer or subclassed model as Keras does: on the first call,
        its ``build(input_shape)`` (if written), then ``call()`` followed as dataflow —
        on placeholders of the inputs' shapes, so that what it applies inside stays
        inside: the caller's graph gets one row for it (as Keras' summary shows),
        counting its ``add_weight`` weights and every sublayer it built. A symbolic
        call of a layer with its own ``compute_output_shape`` takes its output shape
        from it; ``call()`` then runs only to build sublayers when the layer has no
        ``build()`` of its own (so with one, sublayers it does not build stay unbuilt)."""
        found, call = obj.cls.lookup("call")
        if obj.functional and not (found and isinstance(call, Function)):
            first = args[0] if args else kwargs.get("inputs")
            return self.apply_nested(obj, first, node)
        if not found or not isinstance(call, Function):
            return self.note_unresolved(f"{obj.cls.name} has no call() to follow", node)
        if obj.calling:
            return self.note_unresolved(f"{obj.cls.name}.call() calls itself", node)
        first = args[0] if args else kwargs.get("inputs")
        actual = _tensors_in(args) + _tensors_in(kwargs)
        if not _tensors_in(first):
            return Unknown(f"{obj.name} applied to a value that is not a tensor")
        eager = all(t.eager for t in actual)
        mapping: dict[int, Any] = {}
        placeholders: list[KTensor] = []
        for t in actual:
            if id(t) in mapping:
                continue
            lay = self.tape.add(f"{obj.name}/input", "InputLayer", "input",
                                {"class_name": "InputLayer", "batch_shape": t.shape, "implicit": True},
                                self.span(node) if node is not None else obj.span, self.next_uid("input"), [])
            mapping[id(t)] = KTensor(TensorRef(lay.id), lay.output_shape, t.eager)
            placeholders.append(mapping[id(t)])
        inner_args = _replace_tensors(list(args), mapping)
        inner_kwargs = _replace_tensors(dict(kwargs), mapping)
        first_call = not obj.built
        before = len(self.unresolved)
        start = self.tape.size
        obj.calling = True
        self.tracing += 1
        try:
            found_cos, cos = obj.cls.lookup("compute_output_shape")
            by_shape = obj.is_layer and not eager and found_cos and isinstance(cos, Function)
            traced: Any = _NOT_TRACED
            if first_call:
                obj.built = True
                found_build, build = obj.cls.lookup("build")
                if obj.is_layer and found_build and isinstance(build, Function):
                    self.inline(build, obj, [_shape_arg(first)], {}, node, cls=self.owner_class(build, obj))
                elif by_shape and self.sublayers(obj):
                    # No build() of its own: Keras traces call() once to build the sublayers.
                    traced = self.inline(call, obj, inner_args, inner_kwargs, node, cls=self.owner_class(call, obj))
            if by_shape:
                shape = self.inline(cos, obj, [_shape_arg(first)], {}, node, cls=self.owner_class(cos, obj))
                result = self.shape_outputs(obj, shape, placeholders, node)
            elif traced is not _NOT_TRACED:
                result = traced
            else:
                result = self.inline(call, obj, inner_args, inner_kwargs, node, cls=self.owner_class(call, obj))
        finally:
            obj.calling = False
            self.tracing -= 1
        outs = _tensors_in(result)
        reason = None
        if self.unresolved[before:]:
            reason = f"{obj.cls.name}: {self.unresolved[before][0]}"
        elif is_unknown(result):
            reason = f"{obj.cls.name}.call(): {result.reason}"
        elif not outs or not _only_tensors(result):
            reason = f"{obj.cls.name}.call() does not return tensors the analysis can follow"
        if first_call:
            obj.inputs = placeholders
            obj.outputs = outs
            if outs:
                self.by_outputs.setdefault(tuple(t.ref for t in outs), obj)
            if reason:
                obj.reasons.append(reason)
            elif not obj.is_layer:
                self.check_model_weights(obj, outs)
        attrs = {"class_name": obj.cls.name, "outputs": tuple(t.shape for t in outs) or (None,),
                 "reason": reason, **self.subclassed_counts(obj)}
        if not by_shape:
            attrs.update(_inner_requirements(self.tape.since(start)))
        if reason is not None:
            attrs["trainable"] = attrs["non_trainable"] = None
            attrs["reason"] = reason
        # A layer whose weights cannot be counted is an unmodelled layer (as a Lambda
        # is): its row stays, unknown, with the reason.
        kind = "composite" if attrs["reason"] is None else "unknown"
        span = self.span(node) if node is not None else None
        lay = self.tape.add(obj.name, obj.cls.name, kind, attrs, span or obj.span, obj.uid,
                            [t.ref for t in actual])
        ports = {id(t): KTensor(TensorRef(lay.id, i), lay.outputs[i] if i < len(lay.outputs) else None, eager)
                 for i, t in enumerate(outs)}
        if not outs:  # call() not followed to its end: one row, unknown, so the model is still found
            return KTensor(TensorRef(lay.id, 0), None)
        return _replace_tensors(result, ports)

    def check_model_weights(self, obj: KSubclassed, outs: list[KTensor]) -> None:
        """A subclassed model is reported as what its call() computes; Keras counts
        every weight it tracks. Where the two differ (a sublayer or an own weight
        that the outputs do not depend on) the model's total is not claimed exact."""
        counts = self.subclassed_counts(obj)
        if counts["trainable"] is None:
            return
        nodes = self.tape.ancestors([t.ref for t in outs])
        traced = self.tape.extract(obj.name, obj.cls.name, obj.span, nodes, [], [t.ref for t in outs])
        trainable, non_trainable, exact = _model_counts(traced)
        if exact and trainable + non_trainable != counts["trainable"] + counts["non_trainable"]:
            reason = (f"{obj.cls.name} tracks weights that its call() outputs do not use "
                      f"({_count_text(counts['trainable'] + counts['non_trainable'])} in all, "
                      f"{_count_text(trainable + non_trainable)} on the path)")
            obj.reasons.append(reason)
            self.unresolved.append((reason, obj.span))

    def shape_outputs(self, obj: KSubclassed, shape: Any, placeholders: list[KTensor], node: cst.CSTNode) -> Any:
        """Tensors of the shape(s) a user's ``compute_output_shape`` returned."""
        def one(s: Any) -> Any:
            dims = _shape_tuple(s)
            if dims is None:
                return Unknown(f"{obj.cls.name}.compute_output_shape() is not static")
            lay = self.tape.add(f"{obj.name}/output", "InputLayer", "input",
                                {"class_name": "InputLayer", "batch_shape": dims, "implicit": True},
                                obj.span, self.next_uid("output"), [p.ref for p in placeholders])
            return KTensor(TensorRef(lay.id), lay.output_shape)
        if isinstance(shape, list) and shape and all(isinstance(s, (tuple, list)) for s in shape):
            return [one(s) for s in shape]
        return one(shape)

    def sublayers(self, obj: KSubclassed) -> list[Any]:
        """The layers and models a custom layer tracks: its attributes, also inside
        lists, tuples and dicts (Keras' auto-tracking), each once."""
        out: list[Any] = []
        seen: set[int] = {id(obj)}

        def walk(value: Any, depth: int) -> None:
            if depth > 4:
                return
            if isinstance(value, _LAYERISH):
                if id(value) not in seen:
                    seen.add(id(value))
                    out.append(value)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    walk(v, depth + 1)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v, depth + 1)

        for value in obj.attrs.values():
            walk(value, 0)
        return out

    def subclassed_counts(self, obj: KSubclassed) -> dict[str, Any]:
        """``{"trainable", "non_trainable", "reason"}`` of a custom layer: its own
        ``add_weight`` weights plus every tracked sublayer's weights — a sublayer
        that was never built (never called, never ``build()``-t) has none, as in
        Keras. ``trainable = False`` on it (or on the layer) makes them non-trainable."""
        if obj.uid in self._refreshing:
            return {"trainable": None, "non_trainable": None, "reason": f"{obj.cls.name} contains itself"}
        if obj.functional:
            nodes = self.tape.ancestors([t.ref for t in obj.outputs])
            self.nesting += 1
            try:
                inner = self.tape.extract(obj.name, obj.cls.name, obj.span, nodes,
                                          [t.ref for t in obj.inputs], [t.ref for t in obj.outputs])
            finally:
                self.nesting -= 1
            t, nt, exact = _model_counts(inner)
            if not exact:
                return {"trainable": None, "non_trainable": None, "reason": f"`{obj.name}` is partly unresolved"}
            return {"trainable": t, "non_trainable": nt, "reason": None}
        self._refreshing.add(obj.uid)
        try:
            trainable = non_trainable = 0
            reason = obj.reasons[0] if obj.reasons else None
            state = obj.trainable
            for shape, flag in obj.weights:
                dims = _shape_tuple(shape)
                if dims is None or any(d is None for d in dims) or not isinstance(flag, bool):
                    reason = reason or f"{obj.cls.name}: add_weight(shape={shape!r}) is not static"
                    continue
                n = 1
                for d in dims:
                    n *= d
                if flag and state is True:  # Keras: a weight is trainable while its layer is
                    trainable += n
                else:
                    non_trainable += n
            for sub in self.sublayers(obj):
                counts = self.owned_counts(sub)
                if counts is None:
                    reason = reason or f"{obj.cls.name}: the weights of `{getattr(sub, 'name', '?')}` are unknown"
                    continue
                trainable += counts[0]
                non_trainable += counts[1]
            if reason is not None or isinstance(state, Unknown):
                return {"trainable": None, "non_trainable": None,
                        "reason": reason or f"{obj.cls.name}: `trainable` is not static"}
            # Sublayers keep their own flags (the setter passed this layer's value on
            # when it ran): as in Keras, a weight's flag is what counts.
            return {"trainable": trainable, "non_trainable": non_trainable, "reason": None}
        finally:
            self._refreshing.discard(obj.uid)

    def owned_counts(self, sub: Any) -> tuple[int, int] | None:
        """(trainable, non_trainable) of one sublayer as its first application built
        it; (0, 0) when it was never built."""
        if isinstance(sub, KSubclassed):
            counts = self.subclassed_counts(sub)
            if counts["trainable"] is None:
                return None
            return counts["trainable"], counts["non_trainable"]
        node = self.tape.first_app.get(sub.uid)
        if node is None:
            if isinstance(sub, KFunctional):
                inner = self.nested_attrs(sub, None)
                t, nt = inner.get("trainable"), inner.get("non_trainable")
                return None if t is None or nt is None else (t, nt)
            return (0, 0)
        self.refresh([node])
        layer = self.tape.graph.layer(node)
        if layer.trainable is None or layer.non_trainable is None:
            return None
        return layer.trainable, layer.non_trainable

    # -- trainable, as Keras reads it when it counts -------------------------------------
    def trainable_state(self, obj: Any) -> Any:
        if isinstance(obj, KLayer):
            return obj.attrs.get("trainable", True)
        return getattr(obj, "trainable", True)

    def set_trainable(self, obj: Any, value: Any, seen: set[int] | None = None) -> None:
        """Keras' ``trainable`` setter: it sets the flag on the layer and on every
        layer it contains, at that moment (a nested model passes it on)."""
        seen = set() if seen is None else seen
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, KLayer):
            obj.attrs["trainable"] = value
            return
        obj.trainable = value
        for sub in self.contained(obj):
            self.set_trainable(sub, value, seen)

    def contained(self, obj: Any) -> list[Any]:
        if isinstance(obj, KSequential):
            return [l for l in obj.layers if isinstance(l, _LAYERISH)]
        if isinstance(obj, KFunctional) or (isinstance(obj, KSubclassed) and obj.functional):
            owners = self.functional_order(obj)
            return [self.objects[o] for o in owners if o in self.objects and self.objects[o] is not obj]
        if isinstance(obj, KSubclassed):
            return self.sublayers(obj)
        return []

    def functional_order(self, obj: Any) -> list[str]:
        """The owners of a functional model's nodes in the order of Keras'
        ``model.layers``: by depth from the outputs, deepest (the inputs) first, ties
        in the order a depth-first walk from the outputs first meets them."""
        graph = self.tape.graph
        index: dict[str, int] = {}
        post: list[str] = []
        finished: set[str] = set()
        stack: list[tuple[str, bool]] = [(t.ref.node, False) for t in reversed(obj.outputs)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                if node not in finished:
                    finished.add(node)
                    post.append(node)
                continue
            if node in finished:
                continue
            index.setdefault(graph.layer(node).owner, len(index))
            stack.append((node, True))
            for ref in reversed(graph.input_refs(node)):
                if ref is not None and ref.node not in finished:
                    stack.append((ref.node, False))
        in_graph = set(post)
        node_depth: dict[str, int] = {}
        owner_depth: dict[str, int] = {}
        for node in reversed(post):
            owner = graph.layer(node).owner
            depth = max(node_depth.setdefault(node, 0), owner_depth.get(owner, 0))
            owner_depth[owner] = node_depth[node] = depth
            for ref in graph.input_refs(node):
                if ref is not None and ref.node in in_graph:
                    node_depth[ref.node] = max(depth + 1, node_depth.get(ref.node, 0))
        for t in obj.inputs:  # an input no output depends on still is a layer of the model
            owner = graph.layer(t.ref.node).owner
            if owner not in owner_depth:
                owner_depth[owner], index[owner] = 0, -1
        return sorted(owner_depth, key=lambda o: (-owner_depth[o], index[o]))

    def refresh(self, nodes: Any) -> None:
        """Bring nodes up to date with their owners' current ``trainable`` (and a
        nested model's or custom layer's totals) before a model is cut out."""
        graph = self.tape.graph
        for node in nodes:
            layer = graph.layer(node)
            obj = self.objects.get(layer.owner)
            if obj is None or layer.owner in self._refreshing:
                continue
            attrs = layer.attrs
            if layer.kind == "composite" and (isinstance(obj, (KSequential, KFunctional))
                                              or (isinstance(obj, KSubclassed) and obj.functional)):
                refs = graph.input_refs(node)
                shape = graph.shape_of(refs[0]) if refs and refs[0] is not None else None
                self._refreshing.add(layer.owner)
                try:
                    attrs = {**attrs, **self.nested_attrs(obj, shape)}
                finally:
                    self._refreshing.discard(layer.owner)
            elif layer.kind == "composite" and isinstance(obj, KSubclassed) and layer.op == "Variable":
                created, n = self.weight_nodes[node]
                if isinstance(obj.trainable, Unknown):
                    attrs = {**attrs, "trainable": None, "non_trainable": None, "reason": "`trainable` is not static"}
                else:
                    on = created and obj.trainable is True
                    attrs = {**attrs, "trainable": n if on else 0, "non_trainable": 0 if on else n}
            elif layer.kind == "composite" and isinstance(obj, KSubclassed) and attrs.get("reason") is None:
                attrs = {**attrs, **self.subclassed_counts(obj)}
                if attrs["reason"] is not None:
                    attrs["trainable"] = attrs["non_trainable"] = None
            elif layer.kind != "composite":
                state = self.trainable_state(obj)
                if attrs.get("trainable", True) is not state:
                    attrs = {**attrs, "trainable": state}
            if attrs is layer.attrs:
                continue
            layer.attrs = attrs
            annotate(layer, [graph.shape_of(r) if r is not None else None for r in graph.input_refs(node)])

    def hook_call_method(self, method: BoundMethod, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        obj = method.obj
        if isinstance(obj, KSubclassed) and method.function.name == "build":
            # A user-written build() creates the sublayers' weights for that shape,
            # which is what tracing call() on it gives.
            return self.build_subclassed(obj, args[0] if args else kwargs.get("input_shape"), node, trace=True)
        return super().hook_call_method(method, args, kwargs, node)

    def hook_getattr(self, obj: Any, name: str, node: cst.CSTNode) -> Any:
        if isinstance(obj, KTensor):
            if name == "shape":
                return Unknown("shape of a tensor whose rank is unknown") if obj.shape is None else tuple(obj.shape)
            if name == "ndim":
                return obj.rank if obj.rank is not None else Unknown("rank unknown")
        if isinstance(obj, _LAYERISH):
            if name == "trainable":
                return self.trainable_state(obj)
            if name == "name":
                return obj.name
        if isinstance(obj, (KSequential, KFunctional)) and name in ("input", "inputs", "output", "outputs"):
            return self.model_tensors(obj, name)
        if isinstance(obj, KLayer) and name == "output":
            return self.layer_output(obj)
        if isinstance(obj, (KSequential, KFunctional, KSubclassed)) and name == "get_layer":
            return Builtin("keras.get_layer", lambda name=None, index=None: self.get_layer(obj, name, index))
        if isinstance(obj, KSequential):
            return self.sequential_method(obj, name, node)
        if isinstance(obj, KFunctional) and name == "compile":
            return Builtin("compile", lambda *a, **k: _store_compile(obj, k, self.span(node)))
        if isinstance(obj, KFunctional) and name == "layers":
            return self.contained(obj)
        if isinstance(obj, KSubclassed):
            if name == "build":
                return Builtin("build", lambda shape=None, *a, **k: self.build_subclassed(obj, shape, node))
            if name == "layers":
                return self.contained(obj)
            if name in ("weights", "trainable_weights"):
                return Unknown(f"{name} of a subclassed model")
            if name == "compile":
                return Builtin("compile", lambda *a, **k: _store_compile(obj, k, self.span(node)))
            if name == "add_weight" or name == "add_variable":
                return Builtin("keras.add_weight", lambda *a, **k: self.add_weight(obj, a, k, node))
            if name in ("summary", "fit", "evaluate", "predict", "save", "count_params"):
                return Builtin(name, lambda *a, **k: None)
            if name in ("built", "supports_masking", "dtype", "compute_dtype", "input_spec"):
                return Unknown(f"`{name}` of a layer")
        if isinstance(obj, KLayer) and name == "build":
            return Builtin("keras.build_layer", lambda shape=None, *a, **k: self.build_layer(obj, shape, node))
        if isinstance(obj, (KFunctional, KLayer)) and name in ("summary", "fit", "evaluate", "predict", "save"):
            return Builtin(name, lambda *a, **k: None)
        return super().hook_getattr(obj, name, node)

    def set_attr(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if name == "trainable" and not isinstance(obj, _LAYERISH) and not isinstance(obj, Instance):
            # `something.trainable = False` on what the analysis did not resolve: a
            # trainable split it cannot move must not stay claimed exact.
            self.note_unresolved("`trainable` set on a layer the analysis does not resolve", node)
            return
        if isinstance(obj, _LAYERISH) and name == "trainable":
            if not isinstance(value, bool):
                value = value if isinstance(value, Unknown) else Unknown(f"trainable = {value!r}")
            self.set_trainable(obj, value)
            return
        super().set_attr(obj, name, value, node)

    def add_weight(self, obj: KSubclassed, args: tuple[Any, ...], kwargs: dict[str, Any], node: cst.CSTNode) -> Any:
        """``self.add_weight(shape=..., trainable=...)`` (Keras 3's positional order
        is ``shape, initializer, dtype, trainable``): one weight of the layer. Its
        value is a stand-in tensor of that shape (with a batch-free rank) so that
        ``call()`` can multiply by it."""
        if args and isinstance(args[0], str):
            obj.weights.append((Unknown("Keras 2 signature"), True))
            return self.note_unresolved("add_weight(name, ...) is Keras 2's signature: Keras 3 takes the first "
                                        "argument as the shape", node)
        shape = kwargs.get("shape", args[0] if args else None)
        trainable = kwargs.get("trainable", args[3] if len(args) > 3 else True)
        if shape is None:
            shape = ()
        dims = _shape_tuple(shape)
        obj.weights.append((dims if dims is not None else Unknown(f"shape {shape!r}"),
                            trainable if isinstance(trainable, bool) else Unknown(f"trainable={trainable!r}")))
        if dims is None or any(d is None for d in dims) or not isinstance(trainable, bool):
            return Unknown(f"add_weight(shape={shape!r}) is not static")
        n = 1
        for d in dims:
            n *= d
        # The weight as a hidden node that owns its parameters: a subclassed model's
        # own weights (a class token, a scale) count where call() uses them.
        on = trainable and obj.trainable is True
        owner = self.next_uid(f"{obj.uid}/weight")
        self.objects[owner] = obj  # its flag follows the layer's
        lay = self.tape.add(f"{obj.name}/weight", "Variable", "composite",
                            {"class_name": "Variable", "outputs": (dims,), "trainable": n if on else 0,
                             "non_trainable": 0 if on else n, "reason": None, "implicit": True},
                            self.span(node), owner, [])
        self.weight_nodes[lay.id] = (trainable, n)
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def build_layer(self, layer: KLayer, shape: Any, node: cst.CSTNode) -> None:
        """``sublayer.build(shape)`` in a custom layer's ``build``: the layer gets its
        weights for that input shape, as an application on a stand-in input would."""
        dims = _shape_tuple(shape)
        if dims is None:
            self.note_unresolved(f"{layer.name}.build({shape!r}) with a non-static shape", node)
            return None
        if layer.uid in self.tape.first_app:
            return None
        x = self.tape.add(f"{layer.name}/input", "InputLayer", "input",
                          {"class_name": "InputLayer", "batch_shape": dims, "implicit": True},
                          self.span(node), self.next_uid("input"), [])
        self.apply_layer(layer, [KTensor(TensorRef(x.id), x.output_shape)], {}, node)
        return None

    # -- tensor arithmetic inside call() -------------------------------------------------
    def tensor_node(self, name: str, kind: str, attrs: dict[str, Any], inputs: list[Any], node: cst.CSTNode) -> Any:
        """A tensor function (``keras.ops.matmul``, ``x + y``) as a node without
        weights. On symbolic tensors outside any call() Keras makes it an operation
        of the functional graph: auto-named (``add``, ``true_divide``, ``get_item``,
        sharing the layers' name counters) and a row of its summary. Inside a
        custom layer's call(), or on a concrete batch, it is hidden."""
        refs: list[TensorRef | None] = []
        for t in inputs:
            refs.append(t.ref if isinstance(t, KTensor) else None)
        eager = all(t.eager for t in inputs if isinstance(t, KTensor))
        op_class = "".join(part.capitalize() for part in name.split("_"))
        if self.tracing == 0 and not eager:
            display, extra = self.namer.unique(name), {}
        else:
            display, extra = name, {"implicit": True}
        lay = self.tape.add(display, op_class, kind, {"class_name": op_class, **extra, **attrs},
                            self.span(node), self.next_uid(name), refs)
        if lay.unknown or lay.output_shape is None:
            return self.note_unresolved(f"`{name}` on these tensors is not resolved: {lay.unknown or 'shape unknown'}",
                                        node)
        return KTensor(TensorRef(lay.id), lay.output_shape, eager)

    def visible_op(self, tensors: list[KTensor]) -> bool:
        """Whether a tensor function here is an operation of a functional graph."""
        return self.tracing == 0 and not all(t.eager for t in tensors)

    def scalar_or_tensor(self, value: Any) -> bool:
        return isinstance(value, KTensor) or (isinstance(value, (int, float)) and not isinstance(value, bool))

    def tensor_function(self, fn: str, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        """The ``keras.ops`` / ``tf`` functions custom layers use, by their shapes."""
        x = args[0] if args else next(iter(kwargs.values()), None)
        if fn in ("shape", "int_shape"):
            if isinstance(x, KTensor) and x.shape is not None:
                return tuple(x.shape)  # None for a dynamic axis, as keras.ops.shape gives it
            return Unknown("shape of a tensor that is not resolved")
        if fn in _RANDOM_FNS:
            dims = _shape_tuple(kwargs.get("shape", args[0] if args else None))
            if dims is None:
                return self.note_unresolved(f"`{fn}` with a non-static shape", node)
            lay = self.tape.add(fn, "InputLayer", "input", {"class_name": fn, "batch_shape": dims, "implicit": True},
                                self.span(node), self.next_uid(fn), [])
            return KTensor(TensorRef(lay.id), lay.output_shape)
        if fn in ("zeros_like", "ones_like", "random_normal_like"):
            return x if isinstance(x, KTensor) else self.note_unresolved(f"`{fn}` of an unresolved value", node)
        if fn in ("arange", "range"):
            bounds = list(args) + [kwargs[k] for k in ("start", "stop", "limit", "step", "delta") if k in kwargs]
            if "start" not in kwargs and len(args) == 1 and not kwargs:
                bounds = [0, args[0]]
            try:
                n = _arange_length(bounds)
            except Exception:  # noqa: BLE001 — not three ints
                return self.note_unresolved(f"`{fn}` with non-static bounds", node)
            attrs = {"class_name": fn, "batch_shape": (n,), "implicit": True}
            if bounds[0] == 0 and (len(bounds) < 3 or bounds[2] == 1):
                attrs["values_below"] = n  # 0, 1, …, n - 1: as indices they need a table of n rows
            lay = self.tape.add(fn, "InputLayer", "input", attrs, self.span(node), self.next_uid(fn), [])
            return KTensor(TensorRef(lay.id), lay.output_shape)
        if fn in _SAME_SHAPE_FNS:
            if not isinstance(x, KTensor):
                return self.note_unresolved(f"`{fn}` of a value that is not a resolved tensor", node)
            return self.tensor_node(fn, "identity", {}, [x], node) if self.visible_op([x]) else x
        if fn in _ELEMENTWISE_FNS:
            operands = list(args[0]) if fn == "add_n" and args and isinstance(args[0], (list, tuple)) else list(args)
            if fn == "where":
                operands = operands[1:]
            if not all(self.scalar_or_tensor(v) for v in operands):
                return self.note_unresolved(f"`{fn}` of values that are not resolved tensors", node)
            return self.elementwise(fn, operands, node)
        if fn == "matmul":
            a, b = (args + [kwargs.get("b")])[:2] if len(args) < 2 else args[:2]
            return self.tensor_node("matmul", "matmul", {}, [a, b], node)
        if fn in _REDUCE_FNS:
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            keep = kwargs.get("keepdims", args[2] if len(args) > 2 else False)
            return self.tensor_node(fn, "reduce", {"dim": tuple(axis) if isinstance(axis, list) else axis,
                                                   "keepdim": keep}, [x], node)
        if fn == "reshape":
            target = kwargs.get("newshape", kwargs.get("shape", args[1] if len(args) > 1 else None))
            return self.tensor_node(fn, "reshape", {"shape": target, "batch_dims": 0}, [x], node)
        if fn == "transpose":
            axes = kwargs.get("axes", kwargs.get("perm", args[1] if len(args) > 1 else None))
            if axes is None and isinstance(x, KTensor) and x.shape is not None:
                axes = tuple(reversed(range(len(x.shape))))
            return self.tensor_node(fn, "permute", {"dims": axes, "batch_dims": 0}, [x], node)
        if fn in ("fft", "fft2", "ifft", "ifft2"):
            # keras.ops.fft*((real, imag)) → (real, imag), each of the input's shape.
            if isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(t, KTensor) for t in x):
                return tuple(self.tensor_node(fn, "identity", {}, [t], node) if self.visible_op([t]) else t
                             for t in x)
            return self.note_unresolved(f"`{fn}` of a value that is not a (real, imaginary) pair of tensors", node)
        if fn == "split":
            return self.split_tensor(x, kwargs.get("indices_or_sections", args[1] if len(args) > 1 else None),
                                     kwargs.get("axis", args[2] if len(args) > 2 else 0), node)
        if fn == "extract_patches":
            size = kwargs.get("size", args[1] if len(args) > 1 else None)
            strides = kwargs.get("strides", args[2] if len(args) > 2 else None)
            padding = kwargs.get("padding", args[4] if len(args) > 4 else "valid")
            return self.tensor_node(fn, "extract_patches", {"size": size, "strides": strides, "padding": padding,
                                                            "dilation_rate": kwargs.get("dilation_rate", 1)}, [x], node)
        if fn in ("concatenate", "concat", "stack"):
            values = args[0] if args else kwargs.get("values", kwargs.get("xs"))
            axis = kwargs.get("axis", args[1] if len(args) > 1 else (0 if fn != "concatenate" else 0))
            if not isinstance(values, (list, tuple)) or not all(isinstance(v, KTensor) for v in values):
                return self.note_unresolved(f"`{fn}` of values that are not resolved tensors", node)
            return self.tensor_node(fn, "stack" if fn == "stack" else "concat", {"axis": axis}, list(values), node)
        if fn == "expand_dims":
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            return self.tensor_node(fn, "unsqueeze", {"dim": axis}, [x], node)
        if fn == "squeeze":
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            return self.tensor_node(fn, "squeeze", {"dim": axis}, [x], node)
        return self.note_unresolved(f"tensor function `{fn}` is not modelled", node)

    def split_tensor(self, x: Any, sections: Any, axis: Any, node: cst.CSTNode) -> Any:
        """``keras.ops.split(x, n, axis)`` into ``n`` equal parts (or at the given
        indices): one slice of ``x`` each."""
        if not isinstance(x, KTensor) or x.shape is None or not isinstance(axis, int):
            return self.note_unresolved("`split` of a tensor whose shape is not resolved", node)
        rank = len(x.shape)
        ax = axis + rank if axis < 0 else axis
        size = x.shape[ax] if 0 <= ax < rank else None
        if isinstance(sections, int) and not isinstance(sections, bool) and isinstance(size, int) and sections > 0 \
                and size % sections == 0:
            step = size // sections
            bounds = [(i * step, (i + 1) * step) for i in range(sections)]
        elif isinstance(sections, (list, tuple)) and all(isinstance(i, int) for i in sections) and isinstance(size, int):
            cuts = [0, *sections, size]
            bounds = list(zip(cuts[:-1], cuts[1:]))
        else:
            return self.note_unresolved("`split` with sections that are not static", node)
        parts = []
        for start, stop in bounds:
            index = tuple([slice(None)] * ax + [slice(start, stop)])
            parts.append(self.tensor_node("split", "getitem", {"index": index}, [x], node))
        return parts

    def elementwise(self, fn: str, operands: list[Any], node: cst.CSTNode) -> Any:
        tensors = [v for v in operands if isinstance(v, KTensor)]
        if len(tensors) == 1 and not self.visible_op(tensors):
            return tensors[0]  # a tensor with scalars keeps its shape
        return self.tensor_node(fn, "broadcast", {}, tensors, node)

    def hook_binop(self, op_type: type | None, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if isinstance(left, KTensor) or isinstance(right, KTensor):
            name = _OPERATOR_NAMES.get(op_type) if op_type is not None else None
            if name is None or not (self.scalar_or_tensor(left) and self.scalar_or_tensor(right)):
                return self.note_unresolved("arithmetic on a tensor and a value that is not resolved", node)
            if name == "matmul":
                return self.tensor_node("matmul", "matmul", {}, [left, right], node)
            return self.elementwise(name, [left, right], node)
        return super().hook_binop(op_type, left, right, node)

    def hook_unary(self, op: str, value: Any, node: cst.CSTNode) -> Any:
        if isinstance(value, KTensor):
            if op == "neg" and self.visible_op([value]):
                return self.tensor_node("negative", "identity", {}, [value], node)
            return value
        return super().hook_unary(op, value, node)

    def hook_getitem(self, obj: Any, key: Any, node: cst.Subscript) -> Any:
        if isinstance(obj, KTensor):
            items = key if isinstance(key, tuple) else (key,)
            if not all(i is None or i is Ellipsis or (isinstance(i, int) and not isinstance(i, bool))
                       or (isinstance(i, slice) and all(p is None or (isinstance(p, int) and not isinstance(p, bool))
                                                        for p in (i.start, i.stop, i.step))) for i in items):
                return self.note_unresolved("indexing a tensor with a non-constant index", node)
            return self.tensor_node("get_item", "getitem", {"index": key}, [obj], node)
        return super().hook_getitem(obj, key, node)

    def build_subclassed(self, obj: KSubclassed, shape: Any, node: cst.CSTNode, trace: bool = False) -> None:
        """``model.build(shape)``. Keras 3's default ``build`` of a subclassed
        model only marks it built: no sublayer gets weights until the model is
        called. A user-written ``build`` (``trace=True``) does build them."""
        dims = _shape_tuple(shape)
        if dims is None or obj.built:
            return None
        if not trace:
            obj.built_without_weights = True
            return None
        x = self.make_input(None, None, dims, f"{obj.name}/input", node)
        x_layer = self.tape.graph.layer(x.ref.node)
        x_layer.attrs["implicit"] = True
        self.call_subclassed(obj, [x], {}, node)
        return None

    def sequential_add(self, seq: KSequential, layer: Any, rebuild: bool = True) -> None:
        """``Sequential.add``: a first layer given ``input_shape=`` makes Keras
        create (and auto-name) the model's InputLayer right away."""
        if not seq.layers and not seq.input_named:
            if isinstance(layer, KTensor) or (isinstance(layer, KLayer) and layer.kind == "input"):
                seq.input_named = True
            elif isinstance(layer, KLayer) and layer.input_shape is not None:
                self.namer.unique("input_layer")
                seq.input_named = True
        seq.layers.append(layer)
        if rebuild:
            self.maybe_build_sequential(seq, layer)

    def sequential_pop(self, seq: KSequential) -> Any:
        """``Sequential.pop()``: the last layer leaves; the model is rebuilt."""
        if not seq.layers:
            return None
        layer = seq.layers.pop()
        seq.cut = None
        self.maybe_build_sequential(seq)
        return layer

    def sequential_method(self, seq: KSequential, name: str, node: cst.CSTNode) -> Any:
        if name == "add":
            return Builtin("add", lambda layer, *a, **k: self.sequential_add(seq, layer))
        if name == "pop":
            return Builtin("pop", lambda *a, **k: self.sequential_pop(seq))
        if name == "build":
            return Builtin("build", lambda shape=None, *a, **k: setattr(seq, "build_shape", shape))
        if name == "compile":
            return Builtin("compile", lambda *a, **k: _store_compile(seq, k, self.span(node)))
        if name == "layers":
            return [l for l in seq.layers if not isinstance(l, KTensor) and not (isinstance(l, KLayer) and l.kind == "input")]
        if name in _NO_OP_METHODS:
            return Builtin(name, lambda *a, **k: None)
        return Unknown(f"`{seq.name}.{name}` is not known statically")

    def fold_isinstance(self, value: Any, kind: Any) -> Any:
        """``isinstance(inputs, (list, tuple))`` in a custom layer's call(): a list of
        tensors is a list (the base folds only lists of constants)."""
        kinds = list(kind) if isinstance(kind, tuple) else [kind]
        if isinstance(value, (list, tuple, dict)) and all(isinstance(k, Builtin) and isinstance(k.fn, type)
                                                         for k in kinds):
            return isinstance(value, tuple(k.fn for k in kinds))
        return super().fold_isinstance(value, kind)

    def hook_isinstance(self, value: Any, kind: Any) -> Any:
        """``isinstance`` against Keras / TensorFlow classes: a tensor is a Tensor /
        KerasTensor, a layer object is an instance of its class and of Layer; a
        model of Model."""
        kinds = list(kind) if isinstance(kind, tuple) else [kind]
        answers: list[bool] = []
        for k in kinds:
            if isinstance(k, Builtin) and isinstance(k.fn, type):
                answers.append(isinstance(value, k.fn) if not isinstance(value, (KTensor, *_LAYERISH)) else False)
                continue
            if not isinstance(k, Ref):
                return Unknown("isinstance with a class that is not resolved")
            last = k.qualname.rsplit(".", 1)[-1]
            symbol = keras_symbol(k.qualname)
            if isinstance(value, KTensor):
                answers.append(last in ("Tensor", "KerasTensor", "EagerTensor"))
            elif isinstance(value, _LAYERISH) and symbol is not None:
                model = isinstance(value, (KSequential, KFunctional)) or (
                    isinstance(value, KSubclassed) and not value.is_layer)
                if symbol in _LAYER_BASE:
                    answers.append(True)
                elif symbol in _MODEL:
                    answers.append(model)
                elif symbol in _SEQUENTIAL:
                    answers.append(isinstance(value, KSequential))
                else:
                    cls = layer_class(symbol)
                    answers.append(isinstance(value, KLayer) and cls is not None and value.class_name == cls)
            else:
                return Unknown(f"isinstance(..., {k.qualname}) is not folded")
        return any(answers)

    def application_model(self, name: str, kwargs: dict[str, Any], node: cst.Call) -> Any:
        """``keras.applications.MobileNetV2(...)``: a model whose architecture modelint
        does not carry. It is still a model — found, frozen, nested in the model built
        on it — with one unknown row, so nothing built on it is claimed exact."""
        reason = f"keras.applications.{name} is not modelled (its architecture is not part of modelint)"
        tensor = kwargs.get("input_tensor")
        if isinstance(tensor, KTensor):
            x = tensor
        else:
            shape = kwargs.get("input_shape")
            dims = _shape_tuple(shape) if shape is not None else None
            x = self.make_input(None, None, (None, *dims) if dims is not None else None, None, node)
        layer = self.own(KLayer(name, "unknown", {"class_name": name, "reason": reason}, name.lower(),
                                self.span(node), self.next_uid(name)))
        lay = self.tape.add(layer.name, name, "unknown", dict(layer.attrs), layer.span, layer.uid, [x.ref])
        out = KTensor(TensorRef(lay.id), lay.output_shape)
        model = self.own(KFunctional(name.lower(), self.span(node), self.next_uid("model"), [x], [out]))
        self.by_outputs.setdefault((out.ref,), model)
        return model

    def clone_layer(self, layer: KLayer) -> KLayer:
        """A fresh layer from another's config: same class, arguments and name (Keras'
        ``from_config``), its own weights."""
        clone = KLayer(layer.class_name, layer.kind, dict(layer.attrs), layer.name, layer.span,
                       self.next_uid(layer.name), layer.input_shape)
        return self.own(clone)

    def clone_model(self, model: Any, node: cst.Call) -> Any:
        """``keras.models.clone_model(model)``: the same architecture with new weights
        (layers keep their names). Models holding custom layers or nested models are
        not cloned here: unknown, said so."""
        if isinstance(model, KSequential) and all(isinstance(l, (KLayer, KTensor)) for l in model.layers):
            seq = self.own(KSequential(model.name, self.span(node), self.next_uid("seq"), []))
            seq.input_named = True  # the clone's InputLayer keeps the original's name
            for item in model.layers:
                if isinstance(item, KTensor):
                    item = self.make_input(None, None, item.shape, f"{model.name}/input", node)
                else:
                    item = self.clone_layer(item)
                self.sequential_add(seq, item, rebuild=False)
            seq.build_shape = model.build_shape
            self.maybe_build_sequential(seq)
            return seq
        if isinstance(model, KFunctional):
            graph = self.tape.graph
            nodes = self.tape.ancestors([t.ref for t in model.outputs])
            owners = {graph.layer(n).owner for n in nodes}
            if not all(isinstance(self.objects.get(o), KLayer) for o in owners):
                return self.note_unresolved(f"clone_model of `{model.name}`: its custom layers or nested models "
                                            "are not cloned statically", node)
            clones: dict[str, KLayer] = {}
            refs: dict[str, str] = {}
            for n in nodes:
                src = graph.layer(n)
                if src.kind == "input":
                    x = self.make_input(None, None, src.attrs.get("batch_shape"), src.name, node)
                    refs[n] = x.ref.node
                    continue
                layer = clones.get(src.owner) or clones.setdefault(src.owner, self.clone_layer(self.objects[src.owner]))
                inputs = [TensorRef(refs[r.node], r.port) if r is not None and r.node in refs else None
                          for r in graph.input_refs(n)]
                lay = self.tape.add(layer.name, layer.class_name, layer.kind, dict(src.attrs), layer.span,
                                    layer.uid, inputs)
                refs[n] = lay.id
            ins = [KTensor(TensorRef(refs[t.ref.node], t.ref.port), t.shape) for t in model.inputs]
            outs = [KTensor(TensorRef(refs[t.ref.node], t.ref.port), t.shape) for t in model.outputs]
            clone = self.own(KFunctional(model.name, self.span(node), self.next_uid("model"), ins, outs))
            self.by_outputs.setdefault(tuple(t.ref for t in outs), clone)
            return clone
        return self.note_unresolved("clone_model of a model the analysis does not resolve", node)

    def model_tensors(self, obj: Any, name: str) -> Any:
        """``model.input`` / ``.output`` (one tensor, or a list when there are
        several) and ``.inputs`` / ``.outputs`` (lists): building a new model on
        top of them reuses the same layers."""
        if isinstance(obj, KSequential):
            if obj.cut is None:
                model = self.build_sequential(obj, None)
                if model is None or model.unresolved:
                    return Unknown(f"`{obj.name}.{name}`: the Sequential has no input shape")
            _, _, x, out, _ = obj.cut
            tensors = [KTensor(x, self.tape.graph.shape_of(x))] if name.startswith("input") else [
                KTensor(out, self.tape.graph.shape_of(out))]
        else:
            tensors = list(obj.inputs if name.startswith("input") else obj.outputs)
        if name in ("inputs", "outputs"):
            return tensors
        return tensors[0] if len(tensors) == 1 else tensors

    def layer_output(self, layer: KLayer) -> Any:
        """``layer.output``: the output of the layer's one application."""
        apps = [n for n in self.tape.graph.node_ids() if self.tape.graph.layer(n).owner == layer.uid]
        if len(apps) != 1:
            return Unknown(f"`{layer.name}.output` of a layer applied {len(apps)} times")
        lay = self.tape.graph.layer(apps[0])
        if len(lay.outputs) > 1:
            return [KTensor(TensorRef(lay.id, i), s) for i, s in enumerate(lay.outputs)]
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def get_layer(self, obj: Any, name: Any = None, index: Any = None) -> Any:
        """``model.get_layer(name=..., index=...)`` over ``model.layers``."""
        layers = (self.sequential_method(obj, "layers", self.module) if isinstance(obj, KSequential)
                  else self.contained(obj))
        if isinstance(name, str):
            found = [l for l in layers if getattr(l, "name", None) == name]
            if found:
                return found[0]
        elif isinstance(index, int) and not isinstance(index, bool) and -len(layers) <= index < len(layers):
            return layers[index]
        # Whatever the file does with that layer (freeze it...) is lost: the model
        # it belongs to is not claimed exact.
        reason = f"`{obj.name}.get_layer(...)` names a layer the analysis does not resolve"
        self.unresolved.append((reason, obj.span))
        return Unknown(reason)

    def hook_builtin(self, func: Builtin, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if func.name in ("add", "pop", "build", "compile") or func.name in (
            "summary", "fit", "evaluate", "predict", "save", "count_params", "add_weight"
        ):
            try:
                return func.fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                return Unknown(f"{func.name}() failed: {type(exc).__name__}")
        return super().hook_builtin(func, args, kwargs, node)

    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if isinstance(func, Builtin) and func.name.startswith("keras."):
            # Keras' own methods take any argument (an initializer we do not fold).
            return func.fn(*args, **kwargs)
        if isinstance(func, Builtin) and func.name in ("add", "pop", "build", "compile", "summary", "fit",
                                                       "evaluate", "predict", "save", "count_params"):
            return self.hook_builtin(func, args, kwargs, node)
        return super().call(func, args, kwargs, node)

    # -- symbolic inputs (issue 9) ----------------------------------------------------------
    def first_layer(self, item: Any, depth: int = 0) -> KLayer | None:
        """The built-in layer that first sees a model's input: a Sequential's first
        entry, or what a subclassed model's ``call()`` first applies to its input
        (read from the source by :func:`_first_applied`), through nested models."""
        if depth > 4:
            return None
        if isinstance(item, KLayer):
            return None if item.kind in ("input", "unknown") else item
        if isinstance(item, KSequential):
            first = item.layers[0] if item.layers else None
            if isinstance(first, KTensor) or (isinstance(first, KLayer) and (
                    first.kind == "input" or first.input_shape is not None)):
                return None  # its input is declared: not a model without input shape
            return self.first_layer(first, depth + 1)
        if isinstance(item, KSubclassed) and not item.functional and item.builtin is None:
            found, call = item.cls.lookup("call")
            attr = _first_applied(call.node) if found and isinstance(call, Function) else None
            return None if attr is None else self.first_layer(item.attrs.get(attr), depth + 1)
        return None

    def unpacked_shape(self, value: Any, layer: KLayer) -> Shape | None:
        """``Conv2D(..., input_shape=input_shape)`` where ``input_shape`` is a
        parameter the file leaves open (a tuple): the layer fixes its length, so the
        input is ``(None, input_shape[0], input_shape[1], input_shape[2])`` over
        symbols of kind ``config``. None when the value is not such a symbol or the
        layer takes any rank."""
        names = input_dim_names(layer)
        if names is None or self.holder(value) is None:
            return None
        dims = tuple(self.symbol_member(value, i, False, None) for i in range(len(names)))
        if any(is_unknown(d) for d in dims):
            return None
        from dataclasses import replace

        for d in dims:  # where they are read: the layer given `input_shape=`
            for name in d.symbols():
                origin = self.origins.get(name)
                if origin is not None and origin.span is None:
                    self.origins[name] = replace(origin, span=layer.span)
        return (None, *dims)

    def symbolic_input(self, model_name: str, item: Any) -> Shape | None:
        """A model with no input shape whose first layer fixes the input's rank: the
        input as named symbols, ``(None, H, W, C)`` for a Conv2D (Keras keeps its
        batch ``None``), each symbol's origin recorded in ``self.origins`` (a name a
        parameter already took gets a suffix, ``C_2``). None when the first layer
        takes any rank (a Dense): the model stays unresolved, as before."""
        first = self.first_layer(item)
        names = input_dim_names(first) if first is not None else None
        if names is None:
            return None
        layout = f"(None, {', '.join(names)})"
        return (None, *(self.make_symbol(n, "input", f"input {_DIM_WORDS[n]} of `{model_name}`: it has no input "
                                                     f"shape and its first layer, {first.class_name}, takes {layout}",
                                         span=first.span) for n in names))

    # -- collecting models ------------------------------------------------------------------
    def build_sequential(self, seq: KSequential, default_shape: Shape | None,
                         symbolic: str | None = None) -> ModelGraph:
        """Cut ``seq`` out of the tape, built for its declared input (or
        ``default_shape``). ``symbolic`` (the model's reported name) lets a model
        with no input shape at all take a symbolic one when its first layer fixes
        the rank (:meth:`symbolic_input`)."""
        start = len(self.tape.graph)
        layers = [l for l in seq.layers]
        shape: Any = None
        first_layer_input = next((l for l in layers if isinstance(l, KLayer)), None)
        if first_layer_input is not None and first_layer_input.input_shape is not None:
            shape = _input_shape_from(first_layer_input.input_shape, {})
            if shape is None and first_layer_input.input_shape[0] == "input_shape":
                shape = self.unpacked_shape(first_layer_input.input_shape[1], first_layer_input)
        if first_layer_input is not None and first_layer_input.kind == "input":
            shape = first_layer_input.attrs.get("batch_shape")
        if layers and isinstance(layers[0], KTensor):
            shape = layers[0].shape
        if shape is None and seq.build_shape is not None:
            shape = _shape_tuple(seq.build_shape)
        if shape is None and default_shape is not None:
            shape = default_shape
        unresolved_reason = None
        if shape is None and symbolic is not None:
            found = self.symbolic_input(symbolic, seq)
            if found is not None:
                # Keras itself never builds such a model (no InputLayer is named):
                # its shapes and counts are formulas over the input's dims.
                shape = found
                seq.input_named = True
        if shape is None:
            unresolved_reason = (f"Sequential `{seq.name}` has no input shape (add input_shape= to its first "
                                 "layer, keras.Input, model.build(...), or --input-shape)")
        elif not seq.input_named:
            self.namer.unique("input_layer")  # Keras builds it with an auto-named InputLayer
            seq.input_named = True
        x = self.tape.add(f"{seq.name}/input", "InputLayer", "input",
                          {"class_name": "InputLayer", "batch_shape": shape, "implicit": True},
                          seq.span, self.next_uid("input"), [])
        ref = TensorRef(x.id)
        for item in layers:
            ref, reason = self.sequential_step(seq, item, ref)
            unresolved_reason = unresolved_reason or reason
        upstream = set(self.tape.ancestors([ref]))
        nodes = [n for n in self.tape.graph.node_ids()[start:] if n in upstream]
        seq.cut = (self.tape, nodes, TensorRef(x.id), ref, unresolved_reason)
        self.by_outputs.setdefault((ref,), seq)
        return seq.built

    def sequential_step(self, seq: KSequential, item: Any, ref: TensorRef) -> tuple[TensorRef, str | None]:
        """Apply one entry of a Sequential to its running output."""
        if (isinstance(item, KLayer) and item.kind == "input") or isinstance(item, KTensor):
            return ref, None
        if isinstance(item, (KSubclassed, KSequential, KFunctional)):
            x_in = KTensor(ref, self.tape.graph.shape_of(ref))
            out = (self.call_subclassed(item, [x_in], {}, None) if isinstance(item, KSubclassed)
                   else self.apply_nested(item, x_in, None))
            if isinstance(out, KTensor):
                return out.ref, None
            return ref, f"`{item.name}` in Sequential `{seq.name}` is not resolved"
        if not isinstance(item, KLayer):
            return ref, "a Sequential entry is not a static layer"
        if item.uid not in self.built_layers:
            self.built_layers.add(item.uid)
            for inner in _BUILD_CREATES.get(item.class_name, ()):
                self.namer.auto(inner)
        lay = self.tape.add(item.name, item.class_name, item.kind, dict(item.attrs), item.span, item.uid, [ref])
        return TensorRef(lay.id), None

    def declared_input(self, seq: KSequential) -> bool:
        """A Sequential that starts with an Input (or a layer given ``input_shape=``):
        Keras builds it as soon as it has layers, and again after every ``add``."""
        first = seq.layers[0] if seq.layers else None
        return isinstance(first, KTensor) or (isinstance(first, KLayer) and (
            first.kind == "input" or first.input_shape is not None))

    def maybe_build_sequential(self, seq: KSequential, added: Any = None) -> None:
        """Build when Keras does (so that what building creates — an inner model's
        InputLayer, a MultiHeadAttention's softmax — takes its name in Keras' order):
        extend a built Sequential by the layer just added, or build it once its
        input is declared."""
        if not self.declared_input(seq) or len(seq.layers) < 2:
            return
        if seq.cut is not None and added is not None:
            tape, nodes, x, out, reason = seq.cut
            start = len(self.tape.graph)
            ref, step_reason = self.sequential_step(seq, added, out)
            upstream = set(self.tape.ancestors([ref]))
            new = [n for n in self.tape.graph.node_ids()[start:] if n in upstream]
            seq.cut = (tape, nodes + new, x, ref, reason or step_reason)
            self.by_outputs.setdefault((ref,), seq)
        elif seq.cut is None:
            self.build_sequential(seq, None)


def _count_text(value: Any) -> str:
    """``1,234``, or a formula as people write it (``288·C + 32``)."""
    return f"{value:,}" if isinstance(value, int) else value.pretty()


# Layer arguments that are sizes: an ``Expr`` (a builder's ``units``, a class's
# ``filters``) stays there and the ops compute with it. Anywhere else (a flag, an
# axis, a rate, an activation) a symbol is a value not known here: ``bool(Expr)`` is
# True whatever the value, so it must never pass for one.
_SIZE_ATTRS = frozenset({
    "units", "filters", "kernel_size", "strides", "dilation", "groups", "depth_multiplier", "output_padding",
    "pool_size", "input_dim", "output_dim", "num_heads", "key_dim", "value_dim", "output_shape", "n", "shape",
    "scale_factor", "height", "width"})


def _keep_symbols_in_sizes(kind: str, attrs: dict[str, Any]) -> None:
    """Turn a symbol in a non-size argument into an ``Unknown`` saying so."""
    for key, value in attrs.items():
        if key in _SIZE_ATTRS or (key == "padding" and kind == "pad"):
            continue
        expr = _expr_inside(value)
        if expr is not None:
            attrs[key] = Unknown(f"`{key}` is `{expr}`, a value the file leaves open (not a size)")


def _expr_inside(value: Any, depth: int = 0) -> Any:
    if is_expr(value):
        return value
    if isinstance(value, (tuple, list)) and depth < 3:
        for item in value:
            found = _expr_inside(item, depth + 1)
            if found is not None:
                return found
    return None


def _model_counts(model: ModelGraph) -> tuple[Any, Any, bool]:
    """(trainable, non_trainable, resolved) of a model counted as one row of another
    (a nested model, a functional model's own weights): ints, or formulas over the
    symbols (issue 9); ``resolved`` when every layer was counted and nothing is
    unresolved — whatever the counts depend on."""
    formula = model.formula_totals()
    if formula is not None:
        return formula.trainable, formula.non_trainable, formula.exact
    trainable, non_trainable, _ = model.totals()
    resolved = not model.unresolved and all(
        layer.trainable is not None and layer.non_trainable is not None for layer in model.layers() if not layer.shared)
    return trainable, non_trainable, resolved


def _store_compile(model: Any, kwargs: dict[str, Any], span: Span | None) -> None:
    model.compile_kwargs = dict(kwargs)
    model.compile_span = span
    return None


def _loss(name: str, from_logits: Any, span: Span | None) -> LossUse:
    """``"categorical_crossentropy"``, ``keras.losses.CategoricalCrossentropy(from_logits=True)``,
    ``keras.losses.categorical_crossentropy`` → one LossUse."""
    aliases = {"crossentropy": "categorical_crossentropy", "bce": "binary_crossentropy"}
    name = aliases.get(name, name)
    return LossUse(name, from_logits if isinstance(from_logits, bool) else None, span)


def losses_of(compile_kwargs: dict[str, Any] | None, span: Span | None) -> list[LossUse]:
    """The losses a ``compile(loss=...)`` call gives, per output where a dict or list names them."""
    if not compile_kwargs or "loss" not in compile_kwargs:
        return []
    loss = compile_kwargs["loss"]
    items: list[tuple[str | None, Any]]
    if isinstance(loss, dict):
        items = [(str(k), v) for k, v in loss.items()]
    elif isinstance(loss, (list, tuple)):
        items = [(str(i), v) for i, v in enumerate(loss)]
    else:
        items = [(None, loss)]
    out: list[LossUse] = []
    for output, value in items:
        if isinstance(value, str):
            use = _loss(value, False, span)
        elif isinstance(value, Ref):
            use = _loss(value.qualname.rsplit(".", 1)[-1], False, span)
        elif isinstance(value, LossUse):
            use = value
        else:
            continue
        out.append(LossUse(use.name, use.from_logits, use.span or span, output))
    return out


def _unres(reason: str, span: Span | None):
    from modelint.analyzer.graph import Unresolved

    return Unresolved(reason, span)


def _tensors(value: Any) -> list[KTensor] | None:
    if isinstance(value, KTensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)) and all(isinstance(v, KTensor) for v in value):
        return list(value)
    return None


def _input_shape_from(input_shape: Any, kwargs: dict[str, Any]) -> Shape | None:
    if input_shape is None:
        return None
    key, value = input_shape
    if key in ("batch_input_shape", "batch_shape"):
        return _shape_tuple(value)
    if key == "input_dim":
        return (None, value) if is_size(value) else None
    dims = _shape_tuple(value)
    return None if dims is None else (None, *dims)


# -- the frontend's entry point ---------------------------------------------------------------


class _DiscoveringEvaluator(KerasEvaluator):
    """What model discovery (analyzer/frontends/_discovery.py) asks of the Keras side."""

    SYMBOLS = True  # missing constructor/builder arguments and input dims are named symbols (issue 9)

    def is_model(self, value: Any) -> bool:
        return isinstance(value, (KSequential, KFunctional)) or (
            isinstance(value, KSubclassed) and not value.is_layer)

    def is_model_class(self, cls: UserClass) -> bool:
        return self.is_keras_subclass(cls) is not None

    def hook_root_start(self, fn: Any) -> None:
        # Every function analysed on its own starts from fresh auto-names, as the oracle
        # records it (keras.backend.clear_session before each body).
        self.namer = Namer()

    def hook_call_ref(self, ref: Ref, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        """keras.applications-style builders: the input-shape helper and the data format
        they branch on (Keras' default configuration, said in an info finding)."""
        from modelint.analyzer.frontends._evaluate import Assumed

        q = ref.qualname
        if keras_symbol(q) is not None and q.endswith("backend.image_data_format") and not args:
            self.unresolved.append((Assumed("assumed keras.backend.image_data_format() == 'channels_last' "
                                            "(Keras' default configuration)"), self.span(node)))
            return "channels_last"
        if keras_symbol(q) is not None and q.endswith("obtain_input_shape"):
            return _obtain_input_shape(args, kwargs)
        return super().hook_call_ref(ref, args, kwargs, node)


def _obtain_input_shape(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``keras.applications``' ``obtain_input_shape`` for channels_last, folded; anything
    it would reject (or a shape it cannot check) stays unknown."""
    names = ("input_shape", "default_size", "min_size", "data_format", "require_flatten", "weights")
    values = {**dict(zip(names, args)), **kwargs}
    shape, size = values.get("input_shape"), values.get("default_size")
    if values.get("data_format") != "channels_last" or not isinstance(size, int):
        return Unknown("obtain_input_shape: only channels_last with a static default size is folded")
    default = (size, size, shape[-1] if isinstance(shape, tuple) and len(shape) == 3 else 3)
    if values.get("weights") == "imagenet" and values.get("require_flatten"):
        if shape is not None and tuple(shape) != default:
            return Unknown("obtain_input_shape: an ImageNet model with a top needs the default input shape")
        return default
    if shape is not None:
        return tuple(shape) if isinstance(shape, (tuple, list)) else Unknown("obtain_input_shape: input_shape")
    if values.get("require_flatten"):
        return default
    return (None, None, 3)


def models_in(module: cst.Module, ctx) -> list[ModelGraph]:
    """Every Keras model of the file (docs/models.md): models bound to variables at
    module level and inside functions (``main.model``), builders never called (under
    their own name), and subclassed ``keras.Model`` classes no module-level variable
    instantiates."""
    from modelint.analyzer.frontends._discovery import discover_roots, mark_missing
    from modelint.analyzer.frontends._evaluate import EvalLimit, split_notes

    ev = _DiscoveringEvaluator(module, ctx.display_path, metadata_for(ctx, module))
    notes: list[tuple[str, Span | None]] = []
    try:
        scope = ev.run_module()
    except EvalLimit as exc:
        scope = ev.module_scope
        notes.append((f"evaluation stopped: {exc}", None))
    module_sites = {(site.var, id(site.value)): site for site in scope.sites}
    models: list[ModelGraph] = []
    seen: set[int] = set()
    for var, value in list(scope.vars.items()):
        if id(value) in seen or not ev.is_model(value):
            continue
        seen.add(id(value))
        ev.use_origins(value)
        model = _keras_model(ev, ctx, var, value)
        site = module_sites.get((var, id(value)))
        _add_notes(model, site.notes if site else [])
        models.append(model)
    for value in list(scope.vars.values()):
        # Every subclassed Model class is a model of its own (docs/models.md, 1.), built
        # with its constructor defaults, also when the file instantiates it.
        if isinstance(value, UserClass) and ev.is_keras_subclass(value) == "model":
            # A constructor argument without a default is a symbol named after it
            # (issue 9): the counts are formulas, Keras' for every value.
            found, init = value.lookup("__init__")
            init = init if found and isinstance(init, Function) else None
            ev.start_symbols(init)
            before = len(ev.unresolved)
            obj = ev.hook_instantiate(value, [], {}, value.node)
            if isinstance(obj, KSubclassed):
                obj.span = ev.span(value.node.name)
                model = _subclassed_model(ev, ctx, obj, value.name)
                # What building it left unresolved (a branch or loop on a symbol in
                # __init__ or call()) is this model's, wherever in the class it stands.
                _add_notes(model, ev.unresolved[before:])
                mark_missing(model, _required(init))
                models.append(model)
    roots = discover_roots(ev, module, scope, ctx.source, ctx.tree, ctx.calls)
    ctx.extra.setdefault("unresolved_functions", []).extend(ev.stopped)
    for name, value, span, site_notes in roots:
        if id(value) in seen:
            continue
        seen.add(id(value))
        ev.use_origins(value)
        model = _keras_model(ev, ctx, name, value)
        missing = ev.missing_args.get(id(value))  # a builder never called, built without its arguments
        if missing is not None and missing[0] is value:
            mark_missing(model, missing[1])
        if span is not None and model.span is None:
            model.span = span
        _add_notes(model, site_notes)
        models.append(model)
    for model in models:
        model.unresolved.extend(_unres(r, s) for r, s in notes)
        _add_notes(model, [(r, s) for r, s in split_notes(ev.unresolved)[0] if _inside(s, model)])
    return models


def _keras_model(ev: KerasEvaluator, ctx, name: str, value: Any) -> ModelGraph:
    """The ModelGraph of one Keras model object bound to ``name``."""
    if isinstance(value, KSequential):
        model = value.built
        if model is None:
            model = ev.build_sequential(value, _given_shape(ev, ctx, name, "Sequential"), symbolic=name)
        model.extra["keras_name"] = value.name
        model.extra["losses"] = losses_of(value.compile_kwargs, value.compile_span)
    elif isinstance(value, KFunctional):
        nodes = ev.tape.ancestors([t.ref for t in value.outputs])
        model = ev.tape.extract(name, "Functional", value.span, nodes,
                                [t.ref for t in value.inputs], [t.ref for t in value.outputs])
        model.extra["keras_name"] = value.name
        model.extra["losses"] = losses_of(value.compile_kwargs, value.compile_span)
    else:
        model = _subclassed_model(ev, ctx, value, name)
    model.name = name
    model.symbols = used_symbols(model, ev.origins)
    return model


def _required(init: Function | None) -> list[str]:
    """The parameters of a constructor without a default (``self`` aside)."""
    if init is None:
        return []
    params = init.node.params
    positional = [*params.posonly_params, *params.params][1:]
    return [p.name.value for p in [*positional, *params.kwonly_params] if p.default is None]


def _given_shape(ev: KerasEvaluator, ctx, name: str, class_name: str, class_line: int | None = None) -> Shape | None:
    """The input shape given for a model (``--input-shape``, ``[tool.modelint]``, a
    ``# modelint: input-shape=`` comment), its named entries (``H``) as symbols
    (kind ``input``) with their origins in ``ev.origins``. Keras keeps the batch
    ``None`` whatever it is called."""
    from modelint.analyzer.frontends._shapes_config import comment_shape, shape_for

    shape = shape_for(ctx, name, class_name, class_line)
    if not shape or not any(isinstance(d, str) for d in shape):
        return shape
    options = ctx.options.input_shapes
    by_comment = (name not in options and class_name not in options and class_line is not None
                  and comment_shape(ctx.lines, class_line) is not None)
    how = "given in a `# modelint: input-shape=` comment" if by_comment else "given with --input-shape"
    batch = None if isinstance(shape[0], str) else shape[0]
    return (batch, *(ev.make_symbol(d, "input", f"input dimension `{d}` of `{name}`, {how}")
                     if isinstance(d, str) else d for d in shape[1:]))


def _add_notes(model: ModelGraph, notes: list[tuple[str, Span | None]]) -> None:
    """Unresolved notes make the totals inexact; assumptions only inform."""
    from modelint.analyzer.frontends._evaluate import split_notes

    unresolved, assumed = split_notes(notes)
    known = {(u.reason, u.span) for u in model.unresolved}
    model.unresolved.extend(_unres(r, s) for r, s in unresolved if (r, s) not in known)
    if assumed:
        seen = model.extra.setdefault("assumed", [])
        seen.extend(a for a in assumed if a not in seen)


def _inside(span: Span | None, model: ModelGraph) -> bool:
    return span is not None and model.span is not None and model.span.line <= span.line <= model.span.end_line


def _subclassed_model(ev: KerasEvaluator, ctx, obj: KSubclassed, name: str) -> ModelGraph:
    if not obj.built and not obj.built_without_weights:
        name_span = ev.span(obj.cls.node.name)
        shape = _given_shape(ev, ctx, name, obj.cls.name, name_span.line if name_span else None)
        if shape is None:
            shape = ev.symbolic_input(name, obj)
        if shape is not None:
            ev.build_subclassed(obj, shape, obj.cls.node, trace=True)
    outs = [t.ref for t in obj.outputs if isinstance(t, KTensor)]
    nodes = ev.tape.ancestors(outs) if outs else []
    model = ev.tape.extract(name, obj.cls.name, obj.span, nodes, [t.ref for t in obj.inputs], outs)
    model.symbols = used_symbols(model, ev.origins)
    model.extra["keras_name"] = obj.name
    model.extra["losses"] = losses_of(obj.compile_kwargs, obj.compile_span)
    if obj.built_without_weights and not obj.built:
        model.extra["built_without_weights"] = True
    elif not obj.built:
        model.unresolved.append(_unres(
            f"{obj.cls.name} is never built with an input shape (call model.build((None, ...)), "
            "add `# modelint: input-shape=(...)` above the class, or pass --input-shape)", obj.span))
    return model


def _inner_requirements(inner: list[Layer]) -> dict[str, Any]:
    """What the layers a custom layer's ``call()`` applied require of the input's
    symbols (a lookup table's length, a spatial size ≥ 1), for its one row:
    ``constraints``, and ``inner_checked`` when every one of them resolved — only then
    can "which inputs fit" say that a size meeting them fits (analyzer/fit.py)."""
    constraints: dict[Any, None] = {}
    checked = True
    for layer in inner:
        constraints.update(dict.fromkeys(layer.constraints))
        if not layer.applied:
            continue
        shape = layer.output_shape
        if layer.kind == "unknown" or layer.unknown is not None or shape is None \
                or any(d is None for d in shape[1:]) \
                or (layer.kind == "composite" and layer.op != "Variable" and not layer.attrs.get("inner_checked")):
            checked = False
    return {"constraints": tuple(constraints), "inner_checked": checked}
