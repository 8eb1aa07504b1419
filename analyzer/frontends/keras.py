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
    Instance,
    Ref,
    SourceMetadata,
    UserClass,
    metadata_for,
)
from modelint.analyzer.frontends._tape import Tape
from modelint.analyzer.frontends.bindings import BindError, bind
from modelint.analyzer.frontends.keras_bindings import KERAS_LAYERS
from modelint.analyzer.graph import ModelGraph, TensorRef
from modelint.analyzer.losses import LossUse
from modelint.analyzer.ops._base import Unknown
from modelint.analyzer.shapes import Shape

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
    built: ModelGraph | None = None
    compile_kwargs: dict[str, Any] | None = None
    compile_span: Span | None = None


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


def _shape_tuple(value: Any) -> Shape | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    ):
        return tuple(value)
    return None


class KerasEvaluator(Evaluator):
    def __init__(self, module: cst.Module, path: str, metadata: SourceMetadata | None = None) -> None:
        super().__init__(module, path, metadata)
        self.tape = Tape(FRAMEWORK)
        self.namer = Namer()
        self.uid = 0
        self.built_layers: set[str] = set()

    def next_uid(self, prefix: str) -> str:
        self.uid += 1
        return f"{prefix}#{self.uid}"

    # -- constructing --------------------------------------------------------------
    def hook_call_ref(self, ref: Ref, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        symbol = keras_symbol(ref.qualname)
        if ref.qualname.rsplit(".", 1)[-1] in _TENSOR_FACTORIES:
            return self.make_tensor(ref, args, kwargs, node)
        if symbol is None:
            return Unknown(f"call to `{ref.qualname}` is not modelled")
        if symbol in _SEQUENTIAL:
            items = args[0] if args else kwargs.get("layers", [])
            layers = list(items) if isinstance(items, (list, tuple)) else []
            name = kwargs.get("name")
            return KSequential(name if isinstance(name, str) else self.namer.auto("Sequential"),
                               self.span(node), self.next_uid("seq"), layers)
        if symbol in _MODEL:
            return self.make_functional(args, kwargs, node)
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
        attrs["class_name"] = cls
        for key in ("layer", "backward_layer"):
            inner = attrs.get(key)
            if isinstance(inner, KLayer):
                attrs[key] = {"class_name": inner.class_name, "kind": inner.kind, "attrs": inner.attrs,
                              "name": inner.name}
        if isinstance(attrs.get("activation"), Ref):
            attrs["activation"] = attrs["activation"].qualname.rsplit(".", 1)[-1]
        if cls == "InputLayer":
            shape = _input_shape_from(input_shape, kwargs)
            return KLayer(cls, "input", {"class_name": cls, "batch_shape": shape}, name, self.span(node),
                          self.next_uid(name), input_shape)
        return KLayer(cls, binding.kind, attrs, name, self.span(node), self.next_uid(name), input_shape)

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
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def make_functional(self, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        inputs = kwargs.get("inputs", args[0] if args else None)
        outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        ins = _tensors(inputs)
        outs = _tensors(outputs)
        name = kwargs.get("name")
        if ins is None or outs is None:
            return Unknown("Model(inputs, outputs) with non-static tensors")
        return KFunctional(name if isinstance(name, str) else self.namer.auto("Functional"),
                           self.span(node), self.next_uid("model"), ins, outs)

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
            return [KTensor(TensorRef(lay.id, i), s) for i, s in enumerate(lay.outputs)]
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def apply_nested(self, obj: Any, x: Any, node: cst.Call) -> Any:
        """A model used as a layer is one row, as in Keras' summary; its count
        comes from its own graph, built with the same ops."""
        if not isinstance(x, KTensor):
            return Unknown(f"nested model `{obj.name}` applied to a value that is not a tensor")
        attrs = self.nested_attrs(obj, x.shape)
        op_name = "Sequential" if isinstance(obj, KSequential) else "Functional"
        lay = self.tape.add(obj.name, op_name, "composite", attrs, self.span(node), obj.uid, [x.ref])
        return KTensor(TensorRef(lay.id), lay.output_shape)

    def nested_attrs(self, obj: Any, shape: Shape | None) -> dict[str, Any]:
        if isinstance(obj, KSequential):
            inner = obj.built or self.build_sequential(obj, shape)
        else:
            nodes = self.tape.ancestors([t.ref for t in obj.outputs])
            inner = self.tape.extract(obj.name, "Functional", obj.span, nodes,
                                      [t.ref for t in obj.inputs], [t.ref for t in obj.outputs])
        trainable, non_trainable, exact = inner.totals()
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
        return None

    def hook_instantiate(self, cls: UserClass, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        what = self.is_keras_subclass(cls)
        if what is None:
            return super().hook_instantiate(cls, args, kwargs, node)
        name = kwargs.get("name")
        obj = KSubclassed(cls, name=name if isinstance(name, str) else self.namer.auto(cls.name),
                          span=self.span(node), is_layer=(what == "layer"))
        found, init = cls.lookup("__init__")
        if found and hasattr(init, "node"):
            self.inline(init, obj, args, kwargs, node, cls=self.owner_class(init, obj))
        if obj.is_layer:
            reason = f"custom layer {cls.name}: its weights and call() are not modelled"
            return KLayer(cls.name, "unknown", {"class_name": cls.name, "reason": reason}, obj.name,
                          self.span(node), self.next_uid(obj.name))
        return obj

    def call_subclassed(self, obj: KSubclassed, args: list[Any], kwargs: dict[str, Any], node: cst.CSTNode) -> Any:
        found, call = obj.cls.lookup("call")
        if not found or not hasattr(call, "node"):
            return self.note_unresolved(f"{obj.cls.name} has no call() to follow", node)
        result = self.inline(call, obj, args, kwargs, node, cls=self.owner_class(call, obj))
        if not obj.built:
            obj.built = True
            obj.inputs = [a for a in (args[0] if args and isinstance(args[0], (list, tuple)) else args[:1])
                          if isinstance(a, KTensor)]
            obj.outputs = list(result) if isinstance(result, (list, tuple)) else [result]
        return result

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
        if isinstance(obj, KSequential):
            return self.sequential_method(obj, name, node)
        if isinstance(obj, KFunctional) and name == "compile":
            return Builtin("compile", lambda *a, **k: _store_compile(obj, k, self.span(node)))
        if isinstance(obj, KSubclassed):
            if name == "build":
                return Builtin("build", lambda shape=None, *a, **k: self.build_subclassed(obj, shape, node))
            if name in ("weights", "trainable_weights", "layers"):
                return Unknown(f"{name} of a subclassed model")
            if name == "compile":
                return Builtin("compile", lambda *a, **k: _store_compile(obj, k, self.span(node)))
            if name in ("summary", "fit", "evaluate", "predict", "save", "count_params", "add_weight"):
                return Builtin(name, lambda *a, **k: None)
        if isinstance(obj, KLayer) and name in ("trainable",):
            return obj.attrs.get("trainable", True)
        if isinstance(obj, (KFunctional, KLayer)) and name in ("summary", "fit", "evaluate", "predict", "save"):
            return Builtin(name, lambda *a, **k: None)
        return super().hook_getattr(obj, name, node)

    def set_attr(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if isinstance(obj, KLayer) and name == "trainable":
            obj.attrs["trainable"] = value
            return
        super().set_attr(obj, name, value, node)

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

    def sequential_method(self, seq: KSequential, name: str, node: cst.CSTNode) -> Any:
        if name == "add":
            return Builtin("add", lambda layer, *a, **k: seq.layers.append(layer))
        if name == "pop":
            return Builtin("pop", lambda *a, **k: seq.layers.pop() if seq.layers else None)
        if name == "build":
            return Builtin("build", lambda shape=None, *a, **k: setattr(seq, "build_shape", shape))
        if name == "compile":
            return Builtin("compile", lambda *a, **k: _store_compile(seq, k, self.span(node)))
        if name == "layers":
            return list(seq.layers)
        return Builtin(name, lambda *a, **k: None)

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
        if isinstance(func, Builtin) and func.name in ("add", "pop", "build", "compile", "summary", "fit",
                                                       "evaluate", "predict", "save", "count_params"):
            return self.hook_builtin(func, args, kwargs, node)
        return super().call(func, args, kwargs, node)

    # -- collecting models ------------------------------------------------------------------
    def build_sequential(self, seq: KSequential, default_shape: Shape | None) -> ModelGraph:
        start = len(self.tape.graph)
        layers = [l for l in seq.layers]
        shape: Any = None
        first_layer_input = next((l for l in layers if isinstance(l, KLayer)), None)
        if first_layer_input is not None and first_layer_input.input_shape is not None:
            shape = _input_shape_from(first_layer_input.input_shape, {})
        if first_layer_input is not None and first_layer_input.kind == "input":
            shape = first_layer_input.attrs.get("batch_shape")
        if layers and isinstance(layers[0], KTensor):
            shape = layers[0].shape
        if shape is None and seq.build_shape is not None:
            shape = _shape_tuple(seq.build_shape)
        if shape is None and default_shape is not None:
            shape = default_shape
        unresolved_reason = None
        if shape is None:
            unresolved_reason = (f"Sequential `{seq.name}` has no input shape (add input_shape= to its first "
                                 "layer, keras.Input, model.build(...), or --input-shape)")
        x = self.tape.add(f"{seq.name}/input", "InputLayer", "input",
                          {"class_name": "InputLayer", "batch_shape": shape, "implicit": True},
                          seq.span, self.next_uid("input"), [])
        ref = TensorRef(x.id)
        for item in layers:
            if (isinstance(item, KLayer) and item.kind == "input") or isinstance(item, KTensor):
                continue
            if isinstance(item, KSubclassed):
                out = self.call_subclassed(item, [KTensor(ref, self.tape.graph.shape_of(ref))], {}, None)
                ref = out.ref if isinstance(out, KTensor) else ref
                continue
            if not isinstance(item, KLayer):
                unresolved_reason = unresolved_reason or "a Sequential entry is not a static layer"
                continue
            lay = self.tape.add(item.name, item.class_name, item.kind, dict(item.attrs), item.span, item.uid, [ref])
            ref = TensorRef(lay.id)
        nodes = self.tape.graph.node_ids()[start:]
        model = self.tape.extract(seq.name, "Sequential", seq.span, nodes, [TensorRef(x.id)], [ref])
        if unresolved_reason:
            model.unresolved.append(_unres(unresolved_reason, seq.span))
        seq.built = model
        return model


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
        return (None, value) if isinstance(value, int) else None
    dims = _shape_tuple(value)
    return None if dims is None else (None, *dims)


# -- the frontend's entry point ---------------------------------------------------------------


def models_in(module: cst.Module, ctx) -> list[ModelGraph]:
    """Every Keras model of the file: models bound to module-level variables, and
    subclassed ``keras.Model`` classes that no module-level variable instantiates."""
    from modelint.analyzer.frontends._evaluate import EvalLimit
    from modelint.analyzer.frontends._shapes_config import shape_for

    ev = KerasEvaluator(module, ctx.display_path, metadata_for(ctx, module))
    notes: list[tuple[str, Span | None]] = []
    try:
        scope = ev.run_module()
    except EvalLimit as exc:
        scope = ev.module_scope
        notes.append((f"evaluation stopped: {exc}", None))
    models: list[ModelGraph] = []
    seen: set[int] = set()
    instantiated: set[str] = set()
    for var, value in list(scope.vars.items()):
        if id(value) in seen:
            continue
        model = None
        if isinstance(value, KSequential):
            seen.add(id(value))
            model = value.built or ev.build_sequential(value, shape_for(ctx, var, "Sequential"))
            model.extra["keras_name"] = value.name
            model.extra["losses"] = losses_of(value.compile_kwargs, value.compile_span)
        elif isinstance(value, KFunctional):
            seen.add(id(value))
            nodes = ev.tape.ancestors([t.ref for t in value.outputs])
            model = ev.tape.extract(var, "Functional", value.span, nodes,
                                    [t.ref for t in value.inputs], [t.ref for t in value.outputs])
            model.extra["keras_name"] = value.name
            model.extra["losses"] = losses_of(value.compile_kwargs, value.compile_span)
        elif isinstance(value, KSubclassed) and not value.is_layer:
            seen.add(id(value))
            instantiated.add(value.cls.name)
            model = _subclassed_model(ev, ctx, value, var)
        if model is not None:
            model.name = var
            models.append(model)
    for value in list(scope.vars.values()):
        if isinstance(value, UserClass) and ev.is_keras_subclass(value) == "model" and value.name not in instantiated:
            obj = ev.hook_instantiate(value, [], {}, value.node)
            if isinstance(obj, KSubclassed):
                obj.span = ev.span(value.node.name)
                models.append(_subclassed_model(ev, ctx, obj, value.name))
    for model in models:
        model.unresolved.extend(_unres(r, s) for r, s in notes)
        model.unresolved.extend(_unres(r, s) for r, s in ev.unresolved if _inside(s, model))
    return models


def _inside(span: Span | None, model: ModelGraph) -> bool:
    return span is not None and model.span is not None and model.span.line <= span.line <= model.span.end_line


def _subclassed_model(ev: KerasEvaluator, ctx, obj: KSubclassed, name: str) -> ModelGraph:
    from modelint.analyzer.frontends._shapes_config import shape_for

    if not obj.built and not obj.built_without_weights:
        name_span = ev.span(obj.cls.node.name)
        shape = shape_for(ctx, name, obj.cls.name, name_span.line if name_span else None)
        if shape is not None:
            ev.build_subclassed(obj, shape, obj.cls.node, trace=True)
    outs = [t.ref for t in obj.outputs if isinstance(t, KTensor)]
    nodes = ev.tape.ancestors(outs) if outs else []
    model = ev.tape.extract(name, obj.cls.name, obj.span, nodes, [t.ref for t in obj.inputs], outs)
    model.extra["keras_name"] = obj.name
    model.extra["losses"] = losses_of(obj.compile_kwargs, obj.compile_span)
    if obj.built_without_weights and not obj.built:
        model.extra["built_without_weights"] = True
    elif not obj.built:
        model.unresolved.append(_unres(
            f"{obj.cls.name} is never built with an input shape (call model.build((None, ...)), "
            "add `# modelint: input-shape=(...)` above the class, or pass --input-shape)", obj.span))
    return model
