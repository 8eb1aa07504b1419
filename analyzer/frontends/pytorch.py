"""PyTorch frontend: every ``nn.Module`` of a file as a ModelGraph, without torch.

``__init__`` is folded statically into a tree of module objects (leaves of
``torch.nn``, ``Sequential``/``ModuleList``/``ModuleDict``, user modules, and
``nn.Parameter`` attributes) named as ``named_modules()`` names them; ``forward``
is then followed as dataflow into the tape, one node per module application or
tensor operation. Layer semantics live in ``torch_bindings`` and the ops.

A class whose constructor has arguments without defaults (and a builder never called)
is built with symbols for them (``dim_in``, ``cfg.hidden``): its counts are formulas.
A forward input nobody gave a shape to gets symbolic dims (``(N, C, H, W)``) when the
first layer applied to it fixes its rank; names given with ``--input-shape 1,3,H,W``
are symbols too. ``model.symbols`` lists the symbols each model uses, with origins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import libcst as cst

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.frontends._evaluate import (
    BoundMethod,
    Builtin,
    EvalLimit,
    Evaluator,
    Function,
    Ref,
    SourceMetadata,
    SuperProxy,
    UserClass,
    metadata_for,
    split_notes,
    used_symbols,
)
from modelint.analyzer.frontends._discovery import discover_roots, mark_missing
from modelint.analyzer.frontends._tape import Tape
from modelint.analyzer.frontends._torch_objects import (
    ParamView,
    TContainer,
    TensorMethod,
    TLeaf,
    TModule,
    TParam,
    TTensor,
    is_module,
    leaves_under,
    named_modules,
    plain_modules,
)
from modelint.analyzer.frontends.bindings import BindError, bind
from modelint.analyzer.frontends.torch_bindings import (
    NOT_MODULE_LIBRARIES,
    REQUIRED,
    SIZE_ARGS,
    TORCH_FUNCTIONS,
    TORCH_MODULES,
    VARARGS,
    _TORCH,
)
from modelint.analyzer.graph import Layer, ModelGraph, TensorRef, Unresolved
from modelint.analyzer.ops._base import Unknown, is_unknown
from modelint.analyzer.passes.infer import annotate
from modelint.analyzer.shapes import Shape, is_expr, is_size

FRAMEWORK = "torch"
_MODULE_BASES = {"Module": "Module", "Sequential": "Sequential", "ModuleList": "ModuleList",
                 "ModuleDict": "ModuleDict"}
_FACTORIES = {"randn", "rand", "zeros", "ones", "empty", "full", "randint", "tensor", "arange",
              "randn_like", "rand_like", "zeros_like", "ones_like", "empty_like", "full_like", "as_tensor"}
_SAME_TENSOR_METHODS = {"float", "double", "half", "long", "int", "bool", "to", "cuda", "cpu", "detach",
                        "clone", "requires_grad_", "type_as", "type", "share_memory_", "pin_memory"}
MAX_CHILDREN = 4096
_NP_FACTORIES = {"zeros", "ones", "empty", "rand", "randn", "normal", "uniform", "full"}
_MODULE_SELF_METHODS = {"train", "eval", "to", "cuda", "cpu", "float", "double", "half", "apply",
                        "zero_grad", "share_memory", "type"}
# Files may define Keras and PyTorch models side by side: the Keras frontend owns these.
_OTHER_FRAMEWORKS = frozenset({"keras", "tensorflow", "tf_keras"})
_MODEL_LIBRARIES = ("torchvision.models.", "timm.", "transformers.", "torchaudio.models.")
# torch.nn.modules.utils' tuple makers, as custom convolutions use them (`_pair(kernel_size)`).
_NTUPLES = {"_single": 1, "_pair": 2, "_triple": 3, "_quadruple": 4}
_CALL_ATTRS = ("need_weights", "average_attn_weights")
_TENSOR_KWARGS = ("input", "query", "key", "value", "src", "tgt", "memory")
_OPERATORS = {cst.Add: ("add", "+"), cst.Subtract: ("sub", "-"), cst.Multiply: ("mul", "*"),
              cst.Divide: ("truediv", "/"), cst.MatrixMultiply: ("matmul", "@")}


def nn_class(qualname: str) -> str | None:
    """``torch.nn.Conv2d`` / ``torch.nn.modules.conv.Conv2d`` → ``Conv2d``; None for a
    function of those modules (``torch.nn.modules.utils._pair``)."""
    if qualname.startswith("torch.nn.modules."):
        name = qualname.rsplit(".", 1)[-1]
        return name if name.lstrip("_")[:1].isupper() else None
    if qualname in ("torch.nn.parameter.Parameter",):
        return "Parameter"
    if qualname.startswith("torch.nn.") and qualname.count(".") == 2:
        return qualname[len("torch.nn."):]
    return None


_MATH = {"sqrt", "log", "log2", "log10", "exp", "ceil", "floor", "pow", "prod", "gcd", "isqrt", "factorial"}
_MATH_CONSTANTS = {"math.pi": math.pi, "math.e": math.e, "math.tau": math.tau, "math.inf": math.inf}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(eq=False)
class ModelOutput:
    """What ``model(x)`` gives at module level: only its origin matters (for losses)."""

    model: Any


class TorchBuiltin(Builtin):
    """A method of a frontend object: called with whatever values it gets."""


def _short(key: str) -> tuple[str, str]:
    """(node name, op shown) for a function key of TORCH_FUNCTIONS."""
    if key.startswith("torch.nn.functional."):
        name = key[len("torch.nn.functional."):]
        return name, f"F.{name}"
    if key.startswith("Tensor."):
        name = key[len("Tensor."):]
        return name, f"Tensor.{name}"
    if key.startswith("operator."):
        name = key[len("operator."):]
        return name, name
    name = key.rsplit(".", 1)[-1]
    return name, key


def _dims(value: Any) -> Shape | None:
    """A size argument (ints, or dims read from ``x.size(i)``) → a shape."""
    if isinstance(value, (tuple, list)) and all(
        v is None or isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) or is_expr(v)
        for v in value
    ):
        return tuple(value)
    return None


def _nested_shape(value: Any) -> Shape | None:
    if isinstance(value, (int, float, bool)):
        return ()
    if isinstance(value, (list, tuple)):
        inner = [_nested_shape(v) for v in value]
        if not inner:
            return (0,)
        if any(s is None for s in inner) or len(set(inner)) != 1:
            return None
        return (len(value), *inner[0])
    return None


def _holds_expr(value: Any, depth: int = 0) -> bool:
    if is_expr(value):
        return True
    if isinstance(value, (tuple, list)) and depth < 3:
        return any(_holds_expr(v, depth + 1) for v in value)
    return False


def _only_sizes_symbolic(names: tuple[str, ...], args: list[Any],
                         kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """A symbol passed where torch wants a flag, a probability, an axis, a stride or a
    count of layers is unknown there (SIZE_ARGS says which arguments are sizes)."""
    def keep(name: str, value: Any) -> Any:
        if name.lstrip("*") in SIZE_ARGS or not _holds_expr(value):
            return value
        return Unknown(f"`{name.lstrip('*')}` is `{value}`, a symbol; its value is needed here")

    args = [keep(names[i], v) if i < len(names) else v for i, v in enumerate(args)]
    kwargs = {k: keep(k, v) for k, v in kwargs.items()}
    return args, kwargs


# The layout a first layer gives an input of unknown shape (issue 9): torch's batched
# forms; a layer that also takes other ranks (Linear: any) does not fix one.
_LAYOUTS = {
    **{f"{p}{n}d": layout for n, layout in ((1, "NCL"), (2, "NCHW"), (3, "NCDHW"))
       for p in ("Conv", "LazyConv", "ConvTranspose", "MaxPool", "AvgPool")},
    "BatchNorm2d": "NCHW", "BatchNorm3d": "NCDHW", "Embedding": "NL",
}
_DIM_WORDS = {"N": "batch size", "C": "channels", "H": "height", "W": "width", "L": "length", "D": "depth",
              "F": "features"}


def _layout_of(leaf: TLeaf) -> str | None:
    if leaf.class_name in _LAYOUTS:
        return _LAYOUTS[leaf.class_name]
    if leaf.class_name in ("RNN", "LSTM", "GRU"):
        first = leaf.attrs.get("batch_first", False)
        return "NLF" if first is True else ("LNF" if first is False else None)
    return None


class TorchEvaluator(Evaluator):
    SYMBOLS = True  # missing constructor/builder arguments and input dims are named symbols (issue 9)

    def __init__(self, module: cst.Module, path: str, metadata: SourceMetadata | None = None) -> None:
        super().__init__(module, path, metadata)
        self.tape = Tape(FRAMEWORK)
        self.uid = 0
        self.running = False  # True while a model's forward is followed
        self.names: dict[int, str] = {}
        self.applied: dict[int, int] = {}
        self.param_tensors: dict[int, TTensor] = {}
        self.examples: dict[int, list[TTensor]] = {}  # id(module) → example inputs at module level
        self.notes: list[tuple[str, Span | None]] = []
        self.losses: dict[int, list[Any]] = {}  # id(module) → LossUse records
        # The forward input of the model being built whose shape nobody gave: its first
        # layer may fix its rank, and its dims become symbols then (issue 9).
        self.pending_input: tuple[TTensor, str, str] | None = None
        self.too_large: set[int] = set()  # containers already said to be too large

    def next_uid(self, prefix: str) -> str:
        self.uid += 1
        return f"{prefix}#{self.uid}"

    # -- module-level detection --------------------------------------------------------------
    def module_base(self, cls: UserClass) -> str | None:
        for base in cls.external_bases():
            name = nn_class(base.qualname)
            if name in _MODULE_BASES:
                return _MODULE_BASES[name]
        return "Module" if self.leaf_base(cls) is not None else None

    def leaf_base(self, cls: UserClass) -> str | None:
        """``class T(nn.Transformer)``: the torch.nn layer a user class extends."""
        for base in cls.external_bases():
            name = nn_class(base.qualname)
            if name is not None and name not in _MODULE_BASES and name in TORCH_MODULES:
                return name
        return None

    def is_model_class(self, cls: UserClass) -> bool:
        return self.module_base(cls) is not None

    def is_model(self, value: Any) -> bool:
        """Modules are models; a loss module is not (docs/models.md)."""
        return is_module(value) and not (isinstance(value, TLeaf) and value.attrs.get("loss"))

    def hook_isinstance(self, value: Any, kind: Any) -> Any:
        kinds = list(kind) if isinstance(kind, tuple) else [kind]
        names = [nn_class(k.qualname) if isinstance(k, Ref) else (k.name if isinstance(k, UserClass) else None)
                 for k in kinds]
        if None in names or not (is_module(value) or isinstance(value, (int, float, str, list, tuple, dict))):
            return super().hook_isinstance(value, kind)
        if isinstance(value, TLeaf):
            return value.class_name in names or "Module" in names
        if isinstance(value, TContainer):
            return value.class_name in names or "Module" in names
        if isinstance(value, TModule):
            mro = {c.name for c in value.cls.mro()} | {value.base, "Module"}
            return any(n in mro for n in names)
        return False

    # -- calls of imported symbols -------------------------------------------------------------
    def hook_call_ref(self, ref: Ref, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        q = ref.qualname
        if q.startswith("math.") and q[5:] in _MATH and all(_number(a) for a in args) and not kwargs:
            try:
                return getattr(math, q[5:])(*args)
            except (ValueError, OverflowError, TypeError):
                return Unknown(f"{q}() failed")
        if q == "collections.OrderedDict":
            return self.ordered_dict(args, kwargs)
        if q.startswith("torch.nn.modules.") and q.rsplit(".", 1)[-1] in _NTUPLES and len(args) == 1 and not kwargs:
            # torch.nn.modules.utils._pair(3) → (3, 3); an iterable is kept as a tuple (torch's _ntuple).
            x = args[0]
            if isinstance(x, (tuple, list)):
                return tuple(x)
            if isinstance(x, int) and not isinstance(x, bool):
                return (x,) * _NTUPLES[q.rsplit(".", 1)[-1]]
            # A symbol or an unknown may be a tuple already: repeating it would be a guess.
            return Unknown(f"`{q.rsplit('.', 1)[-1]}` of a value not known statically")
        if q == "torch.Size" and len(args) == 1 and _dims(args[0]) is not None:
            return tuple(args[0])  # torch.Size is a tuple of ints
        if q.endswith((".Embedding.from_pretrained", ".EmbeddingBag.from_pretrained")) and q.startswith("torch.nn."):
            return self.from_pretrained(q.split(".")[-2], args, kwargs, node)
        if q.split(".", 1)[0] in ("numpy", "np") and q.rsplit(".", 1)[-1] in _NP_FACTORIES:
            return self.numpy_array(q.rsplit(".", 1)[-1], args, kwargs)
        if q in ("torch.from_numpy", "torch.FloatTensor", "torch.Tensor", "torch.LongTensor", "torch.DoubleTensor") \
                and args:
            if isinstance(args[0], TTensor):
                return TTensor(None, args[0].shape)
            if q != "torch.from_numpy" and _dims(tuple(args)) is not None and all(is_size(a) for a in args):
                # The legacy constructor `torch.Tensor(in_dim, out_dim)`: an uninitialised tensor of that size.
                return TTensor(None, tuple(args), "int64" if q == "torch.LongTensor" else "float32")
        cls = nn_class(q)
        if cls is not None:
            return self.make_module(cls, args, kwargs, node)
        if q in TORCH_FUNCTIONS:
            return self.apply_function(q, None, args, kwargs, node)
        if q.startswith("torch.nn.functional.") and not self.running:
            self.record_loss(q.rsplit(".", 1)[-1], args, kwargs, node)
        if q.startswith("torch.") and q.count(".") == 1 and q[6:] in _FACTORIES:
            return self.make_tensor(q[6:], args, kwargs, node)
        if q.endswith(".summary") and q.split(".")[0] in ("torchsummary", "torchinfo", "torchsummaryX"):
            return self.record_summary(q.split(".")[0], args, kwargs)
        if q.split(".", 1)[0] in _OTHER_FRAMEWORKS:
            return Unknown(f"`{q}` belongs to another framework's frontend")
        short = q.rsplit(".", 1)[-1]
        # An outside class built inside a module's __init__ (or a helper) is taken for
        # a submodule; at module level only model libraries are (`T = TypeVar("T")` is not).
        in_code = self.depth > 0 and short[:1].isupper() and not q.startswith("torch.") \
            and q.split(".", 1)[0] not in NOT_MODULE_LIBRARIES
        if not self.running and (in_code or q.startswith(_MODEL_LIBRARIES)):
            reason = f"`{q}` is defined outside this file; its shape and parameters are not modelled"
            return TLeaf(short, "unknown", {"class_name": short, "reason": reason}, self.span(node),
                         self.next_uid(short))
        return self.unknown_function(q, short, args, kwargs, node)

    def from_pretrained(self, cls: str, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        """``nn.Embedding.from_pretrained(w, freeze=True)``: an embedding of ``w``'s shape,
        frozen unless ``freeze=False``; unknown (with the reason) where the file does not
        make the shape known — never dropped."""
        weight = args[0] if args else kwargs.get("embeddings")
        freeze = args[1] if len(args) > 1 else kwargs.get("freeze", True)
        rest = {k: v for k, v in kwargs.items() if k in ("padding_idx", "max_norm", "norm_type",
                                                         "scale_grad_by_freq", "mode", "include_last_offset")}
        shape = weight.shape if isinstance(weight, TTensor) else None
        if shape is not None and len(shape) == 2 and all(isinstance(d, int) for d in shape):
            leaf = self.make_module(cls, list(shape), rest, node)
        else:
            reason = (f"the shape of the pretrained weights `{self.code(node.args[0].value)[:40]}` "
                      "is not known statically" if node.args else "pretrained weights of unknown shape")
            self.note_unresolved(f"nn.{cls}.from_pretrained: {reason}", node)
            leaf = TLeaf(cls, "unknown", {"class_name": cls, "reason": f"nn.{cls}.from_pretrained: {reason}"},
                         self.span(node), self.next_uid(cls))
        if isinstance(leaf, TLeaf):
            leaf.frozen = True if freeze is True else (None if freeze is False else
                                                       Unknown("`freeze=` of from_pretrained is not static"))
        return leaf

    def numpy_array(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """``np.zeros((V, D))``, ``np.random.randn(V, D)``: only the shape matters
        (pretrained embedding matrices)."""
        if name in ("rand", "randn"):
            size: Any = tuple(args)
        else:
            size = kwargs.get("size", kwargs.get("shape", args[0] if args else None))
            if name in ("normal", "uniform"):
                size = kwargs.get("size", args[2] if len(args) > 2 else None)
        if isinstance(size, int) and not isinstance(size, bool):
            size = (size,)
        return TTensor(None, _dims(size))

    def ordered_dict(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        out: dict[Any, Any] = {}
        if args:
            items = args[0].items() if isinstance(args[0], dict) else self.iterate(args[0])
            if items is None:
                return Unknown("OrderedDict of an unknown iterable")
            for item in items:
                if not (isinstance(item, (tuple, list)) and len(item) == 2):
                    return Unknown("OrderedDict item is not a pair")
                out[item[0]] = item[1]
        out.update(kwargs)
        return out

    def too_many(self, cls: str, count: int, node: cst.CSTNode | None, owner: Any = None) -> bool:
        """A container of more than MAX_CHILDREN modules is not a model anyone writes by
        hand: it is left out (with an ML403) rather than followed at any cost."""
        if count <= MAX_CHILDREN:
            return False
        if owner is None or id(owner) not in self.too_large:  # said once per container
            self.too_large.add(id(owner))
            self.note_unresolved(f"nn.{cls} with more than {MAX_CHILDREN:,} entries is not followed", node)
        return True

    def unknown_entries(self, cls: str, values: Any, node: cst.CSTNode | None) -> None:
        """A container entry that is not known (``nn.Sequential(*blocks)`` where
        ``blocks`` did not fold) would be dropped: say so, the totals are a lower bound."""
        for value in values:
            if is_unknown(value) or is_expr(value):
                reason = value.reason if is_unknown(value) else f"`{value}` is a value passed in, not known here"
                self.note_unresolved(f"an entry of nn.{cls} is not known statically ({reason})", node)
                return

    def make_module(self, cls: str, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        span = self.span(node)
        if cls in ("Sequential", "ModuleList", "ModuleDict"):
            source = args[0] if cls != "Sequential" and args else kwargs.get("modules")
            entries = list(args) if cls == "Sequential" else [source]
            if isinstance(source, dict):
                entries = list(source.values())
            elif isinstance(source, (list, tuple)):
                entries = list(source)
            self.unknown_entries(cls, entries, node)
            if self.too_many(cls, len(entries), node):
                return TLeaf(cls, "unknown", {"class_name": cls, "reason": f"nn.{cls} is too large to follow"},
                             span, self.next_uid(cls))
        if cls == "Sequential":
            if len(args) == 1 and isinstance(args[0], dict):
                kids = {str(k): v for k, v in args[0].items()}
            else:
                kids = {str(i): v for i, v in enumerate(args)}
            return TContainer("Sequential", kids, span, self.next_uid("Sequential"))
        if cls == "ModuleList":
            items = self.iterate(args[0] if args else kwargs.get("modules", [])) or []
            return TContainer("ModuleList", {str(i): v for i, v in enumerate(items)}, span,
                              self.next_uid("ModuleList"))
        if cls == "ModuleDict":
            source = args[0] if args else kwargs.get("modules", {})
            kids = dict(source) if isinstance(source, dict) else dict(self.iterate(source) or [])
            return TContainer("ModuleDict", {str(k): v for k, v in kids.items()}, span, self.next_uid("ModuleDict"))
        if cls == "Parameter":
            data = args[0] if args else kwargs.get("data")
            grad = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
            shape = data.shape if isinstance(data, TTensor) else None
            return TParam(shape, grad is not False, span, self.next_uid("param"))
        binding = TORCH_MODULES.get(cls)
        if binding is None:
            if cls.endswith("Loss"):
                return TLeaf(cls, "identity", {"class_name": cls, "loss": True}, span, self.next_uid(cls))
            reason = f"nn.{cls} is not modelled; its shape and parameters are unknown"
            return TLeaf(cls, "unknown", {"class_name": cls, "reason": reason}, span, self.next_uid(cls))
        kwargs = {k: v for k, v in kwargs.items() if k not in ("device", "dtype", "inplace")}
        if len(args) == len(binding.signature) + 1 and isinstance(args[-1], bool):
            args = args[:-1]  # `inplace`, the last positional of activations and dropouts
        args, kwargs = _only_sizes_symbolic(binding.signature, list(args), kwargs)
        try:
            attrs = bind(binding, args, kwargs)
        except BindError as exc:
            return TLeaf(cls, "unknown", {"class_name": cls, "reason": f"nn.{cls}: {exc}"}, span, self.next_uid(cls))
        raw = {p: d for p, d in _TORCH.get(cls, ()) if d is not REQUIRED}
        raw.update(zip(binding.signature, args))
        raw.update(kwargs)
        attrs["class_name"] = cls
        missing = [p for p, d in _TORCH.get(cls, ()) if d is REQUIRED and p.lstrip("*") not in raw]
        for p in missing:
            attrs[binding.rename.get(p, p)] = Unknown(f"required argument `{p}` is missing")
        for key in ("layer", "norm", "encoder_layer", "decoder_layer"):
            inner = attrs.get(key)
            if isinstance(inner, TLeaf):
                attrs[key] = {"class_name": inner.class_name, "kind": inner.kind, "attrs": inner.attrs}
        return TLeaf(cls, binding.kind, attrs, span, self.next_uid(cls), raw=raw)

    # -- tensors --------------------------------------------------------------------------------
    def make_tensor(self, name: str, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        dtype = "float32"
        dt = kwargs.get("dtype")
        if name == "randint" or (isinstance(dt, Ref) and dt.qualname.rsplit(".", 1)[-1] in ("long", "int64", "int")):
            dtype = "int64"
        shape: Shape | None
        if name.endswith("_like"):
            src = args[0] if args else kwargs.get("input")
            shape = src.shape if isinstance(src, TTensor) else None
        elif name in ("tensor", "as_tensor"):
            data = args[0] if args else kwargs.get("data")
            shape = data.shape if isinstance(data, TTensor) else _nested_shape(data)
        elif name == "arange":
            ints = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
            shape = (len(range(*ints)),) if ints and len(ints) == len(args) else None
        elif name == "randint":
            size = kwargs.get("size", args[-1] if args else None)
            shape = _dims(size)
        elif name == "full":
            shape = _dims(args[0] if args else kwargs.get("size"))
        else:
            size = kwargs.get("size")
            if size is None:
                size = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
            shape = _dims(size)
        if not self.running:
            return TTensor(None, shape, dtype)
        if shape is None:
            self.note_unresolved(f"the shape of torch.{name}(...) is not static", node)
        layer = self.tape.add(name, f"torch.{name}", "input",
                              {"class_name": f"torch.{name}", "batch_shape": shape, "constant": True},
                              self.span(node), self.next_uid(name), [])
        return TTensor(TensorRef(layer.id), layer.output_shape, dtype)

    def record_summary(self, lib: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        model = args[0] if args else kwargs.get("model")
        size = args[1] if len(args) > 1 else kwargs.get("input_size")
        if not is_module(model) or size is None:
            return None
        sizes = list(size) if isinstance(size, list) and size and isinstance(size[0], (tuple, list)) else [size]
        shapes = []
        for s in sizes:
            dims = _dims(s)
            if dims is None:
                return None
            shapes.append(dims if lib == "torchinfo" else (None, *dims))
        self.examples.setdefault(id(model), [TTensor(None, s) for s in shapes])
        return None

    def tensor_node(self, key: str, receiver: TTensor | None, args: list[Any], kwargs: dict[str, Any],
                    node: cst.CSTNode, display: tuple[str, str] | None = None) -> Any:
        """A node for a TORCH_FUNCTIONS entry: bind, move tensor arguments to inputs."""
        binding = TORCH_FUNCTIONS[key]
        if key in VARARGS and not (len(args) == 1 and isinstance(args[0], (tuple, list))) and args:
            args = [tuple(args)]
        name, op = display or _short(key)
        args, kwargs = _only_sizes_symbolic(binding.signature, list(args), dict(kwargs))
        try:
            attrs = bind(binding, args, kwargs)
        except BindError as exc:
            return self.unknown_function(key, name, args, kwargs, node, f"{op}: {exc}", receiver)
        refs: list[TensorRef | None] = [] if receiver is None else [receiver.ref]
        for slot in ("input", "other", "mat2", "query", "key", "value", "tensors"):
            if slot not in attrs:
                continue
            value = attrs.pop(slot)
            items = self.iterate(value) if slot == "tensors" else [value]
            for item in items or [Unknown("tensors")]:
                refs.append(item.ref if isinstance(item, TTensor) else None)
        for k, v in list(attrs.items()):
            if isinstance(v, (TTensor, TParam)):
                attrs[k] = None
        attrs["class_name"] = op
        attrs["functional"] = True
        layer = self.tape.add(name, op, binding.kind, attrs, self.span(node), self.next_uid(name), refs)
        return self.outputs_of(layer, binding.kind)

    def apply_function(self, key: str, receiver: TTensor | None, args: list[Any], kwargs: dict[str, Any],
                       node: cst.CSTNode) -> Any:
        tensors = [a for a in [receiver, *args, *kwargs.values()] if isinstance(a, TTensor)]
        if isinstance(kwargs.get("tensors"), (list, tuple)) or (args and isinstance(args[0], (list, tuple))):
            seq = kwargs.get("tensors", args[0] if args else ())
            tensors += [t for t in seq if isinstance(t, TTensor)]
        if not self.running or not tensors:
            if key.startswith("operator.") and tensors:
                return tensors[0]
            return Unknown(f"{key} outside forward")
        return self.tensor_node(key, receiver, args, kwargs, node)

    def unknown_function(self, key: str, name: str, args: list[Any], kwargs: dict[str, Any], node: cst.CSTNode,
                         reason: str | None = None, receiver: TTensor | None = None) -> Any:
        tensors = [a for a in [receiver, *args] if isinstance(a, TTensor)]
        if not self.running or not tensors or all(t.ref is None for t in tensors):
            return Unknown(reason or f"call to `{key}` is not modelled")
        reason = reason or f"`{key}` is not modelled; its output shape is unknown"
        layer = self.tape.add(name, key, "unknown", {"class_name": key, "reason": reason, "functional": True},
                              self.span(node), self.next_uid(name), [t.ref for t in tensors])
        layer.trainable, layer.non_trainable = 0, 0  # a function owns no parameters
        return TTensor(TensorRef(layer.id), None)

    def outputs_of(self, layer: Layer, kind: str) -> Any:
        outs = [TTensor(TensorRef(layer.id, i), s) for i, s in enumerate(layer.outputs)]
        if len(outs) == 1:
            return outs[0]
        if kind == "rnn" and len(outs) == 3:
            return (outs[0], (outs[1], outs[2]))
        return tuple(outs)

    # -- tensor attributes and methods ----------------------------------------------------------
    def tensor_attr(self, t: TTensor, name: str) -> Any:
        if name in ("shape", "ndim") and self.pending_input is not None and t is self.pending_input[0]:
            self.pending_input = None  # read while unknown: it stays unknown
        if name == "shape":
            return Unknown("shape of a tensor whose rank is unknown") if t.shape is None else tuple(t.shape)
        if name == "ndim":
            return Unknown("rank unknown") if t.shape is None else len(t.shape)
        if name in ("T", "mT"):
            return t
        if name in ("dtype", "device", "grad", "data", "is_cuda", "requires_grad"):
            return t if name == "data" else Unknown(f"tensor.{name}")
        return TensorMethod(t, name)

    def call_tensor_method(self, m: TensorMethod, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        t, name = m.tensor, m.name
        if self.pending_input is not None and t is self.pending_input[0] and name not in _SAME_TENSOR_METHODS:
            self.pending_input = None  # read or transformed while unknown: it stays unknown
        if name == "size":
            if t.shape is None:
                return Unknown("size of a tensor whose rank is unknown")
            if not args and "dim" not in kwargs:
                return tuple(t.shape)
            dim = args[0] if args else kwargs["dim"]
            if isinstance(dim, int) and -len(t.shape) <= dim < len(t.shape):
                return t.shape[dim]
            return Unknown(f"size({dim!r})")
        if name in ("dim", "ndimension"):
            return Unknown("rank unknown") if t.shape is None else len(t.shape)
        if name in _SAME_TENSOR_METHODS:
            return t
        key = f"Tensor.{name}"
        if name == "expand" and self.running and t.ref is not None:
            return self.expand(t, args, kwargs, node)
        if key in TORCH_FUNCTIONS and self.running and t.ref is not None:
            return self.tensor_node(key, t, args, kwargs, node)
        if not self.running or t.ref is None:
            return TTensor(None, t.shape, t.dtype) if name in ("expand", "repeat", "contiguous") else Unknown(key)
        return self.unknown_function(key, name, args, kwargs, node, receiver=t)

    def expand(self, t: TTensor, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        """``x.expand(n, -1, -1)`` is ``x`` broadcast against a tensor of the target
        size (a -1 keeps the dim: broadcasting against 1 does the same)."""
        sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args or kwargs.get("size", ()))
        target = _dims(sizes)
        if target is None:
            return self.unknown_function("Tensor.expand", "expand", [t], {}, node, "expand to a non-static size")
        layer = self.tape.add("expand_size", "torch.Size", "input",
                              {"class_name": "torch.Size", "batch_shape": tuple(1 if d == -1 else d for d in target),
                               "constant": True}, self.span(node), self.next_uid("size"), [])
        other = TTensor(TensorRef(layer.id), layer.output_shape)
        return self.tensor_node("operator.mul", None, [t, other], {}, node, ("expand", "Tensor.expand"))

    # -- module objects -------------------------------------------------------------------------
    def hook_instantiate(self, cls: UserClass, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        base = self.module_base(cls)
        if base is None:
            return super().hook_instantiate(cls, args, kwargs, node)
        obj = TModule(cls, base=base, span=self.span(node), uid=self.next_uid(cls.name))
        obj.leaf_base = self.leaf_base(cls)
        found, init = cls.lookup("__init__")
        if found and isinstance(init, Function):
            self.inline(init, obj, args, kwargs, node, cls=self.owner_class(init, obj))
        elif obj.leaf_base is not None:
            self.init_leaf_base(obj, args, kwargs, node)
        elif base != "Module" and args:
            self.container_init(obj, args)
        return obj

    def init_leaf_base(self, obj: TModule, args: list[Any], kwargs: dict[str, Any], node: cst.CSTNode) -> None:
        if obj.leaf_base == "Transformer":
            self.init_transformer_base(obj, args, kwargs, node)
            return
        leaf = self.make_module(obj.leaf_base or "", list(args), dict(kwargs),
                                node if isinstance(node, cst.Call) else obj.cls.node)
        if isinstance(leaf, TLeaf):
            leaf.span = leaf.span or obj.span
            leaf.attrs["framework_base"] = True
            obj.base_leaf = leaf

    def init_transformer_base(self, obj: TModule, args: list[Any], kwargs: dict[str, Any],
                              node: cst.CSTNode) -> None:
        """``class T(nn.Transformer)``: torch registers ``encoder`` and ``decoder`` as the
        object's own children, which the subclass may replace (``self.decoder =
        nn.Linear(...)`` in PyTorch's word_language_model). Built as torch builds them."""
        call = node if isinstance(node, cst.Call) else obj.cls.node
        raw = {p: d for p, d in _TORCH["Transformer"]}
        raw.update(zip([p for p, _ in _TORCH["Transformer"]], args))
        raw.update(kwargs)
        if raw.get("custom_encoder") is not None or raw.get("custom_decoder") is not None:
            self.note_unresolved("nn.Transformer with a custom encoder/decoder is not modelled", call)
        layer_kw = {k: raw[k] for k in ("dim_feedforward", "dropout", "activation", "layer_norm_eps",
                                        "batch_first", "norm_first", "bias")}
        for part, count in (("encoder", raw["num_encoder_layers"]), ("decoder", raw["num_decoder_layers"])):
            kind = part.capitalize()
            layer = self.make_module(f"Transformer{kind}Layer", [raw["d_model"], raw["nhead"]], dict(layer_kw), call)
            norm = self.make_module("LayerNorm", [raw["d_model"]], {"eps": raw["layer_norm_eps"], "bias": raw["bias"]},
                                    call)
            stack = self.make_module(f"Transformer{kind}", [layer, count], {"norm": norm}, call)
            self.register(obj, part, stack, call)

    def container_init(self, obj: TModule, args: list[Any]) -> None:
        if obj.base == "Sequential" and len(args) == 1 and isinstance(args[0], dict):
            items = list(args[0].items())
        elif obj.base == "ModuleDict" and args and isinstance(args[0], dict):
            items = list(args[0].items())
        elif obj.base == "ModuleList" and args:
            items = list(enumerate(self.iterate(args[0]) or []))
        else:
            items = list(enumerate(args))
        for k, v in items:
            self.register(obj, str(k), v, None)

    def register(self, obj: TModule, name: str, value: Any, node: cst.CSTNode | None) -> None:
        """torch's ``Module.__setattr__``: modules and parameters are registered."""
        if is_module(value):
            obj.modules[name] = value
            obj.params.pop(name, None)
        elif isinstance(value, TParam):
            obj.params[name] = value
        else:
            # A plain container is kept even while empty: ``self.heads = []`` filled by
            # ``.append(nn.Linear(...))`` later is the common form of this bug (ML307);
            # plain_attrs() reads what it holds once the constructor has run.
            if isinstance(value, (list, dict, tuple)) or plain_modules(value):
                obj.plain[name] = (value, self.span(node) if node is not None else None)
            else:
                obj.plain.pop(name, None)
            if name in obj.modules and value is None:
                obj.modules[name] = None
        obj.attrs[name] = value

    def hook_setattr(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if isinstance(obj, TModule):
            self.register(obj, name, value, node)
            return
        obj.attrs[name] = value

    def set_attr(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if isinstance(obj, TLeaf) and name in ("weight", "bias"):
            if (name == "weight" and isinstance(value, ParamView) and not value.whole and value.name == "weight"
                    and isinstance(value.module, TLeaf) and value.module is not obj and obj.kind in _BIAS_SIZE):
                obj.tied_parts.add("weight")
            else:
                self.note_unresolved(f"`{self.code(node)}` replaces a parameter of {obj.class_name}; "
                                     "the count of the new parameter is not modelled", node)
            return
        if isinstance(obj, ParamView) and name == "requires_grad":
            self.set_requires_grad(obj, value, node)
            return
        if isinstance(obj, TParam) and name == "requires_grad":
            obj.requires_grad = value is not False
            return
        super().set_attr(obj, name, value, node)

    def set_requires_grad(self, view: ParamView, value: Any, node: cst.CSTNode) -> None:
        if view.whole:
            self.freeze(view.module, value)
            return
        leaf = view.module
        if isinstance(leaf, TLeaf):
            if value is False and view.name in ("weight", "bias") and leaf.kind in _BIAS_SIZE:
                leaf.frozen_parts.add(view.name)
            elif value is False:
                leaf.frozen = Unknown(f"{leaf.class_name}.{view.name} alone has requires_grad=False; the trainable "
                                      "split of this layer is not modelled")
                self.note_unresolved(f"`{self.code(node)}`: the trainable split of a partly frozen "
                                     f"{leaf.class_name} is not modelled", node)
            elif value is not True:
                leaf.frozen = Unknown("requires_grad is not static")

    def freeze(self, module: Any, value: Any) -> None:
        if isinstance(module, TParam):
            module.requires_grad = value is not False
            return
        for leaf in leaves_under(module):
            leaf.frozen = True if value is False else (None if value is True else Unknown("requires_grad is not static"))
        if not isinstance(module, TLeaf):
            for _, m in named_modules(module).values():
                if isinstance(m, TModule):
                    for p in m.params.values():
                        p.requires_grad = value is not False

    def parameters_of(self, module: Any) -> list[Any]:
        views: list[Any] = [ParamView(leaf, True) for leaf in leaves_under(module)]
        if not isinstance(module, TLeaf):
            for _, m in named_modules(module).values():
                if isinstance(m, TModule):
                    views.extend(m.params.values())
        return views

    def module_method(self, obj: Any, name: str) -> Any:
        if name == "parameters":
            return TorchBuiltin(name, lambda *a, **k: self.parameters_of(obj))
        if name == "requires_grad_":
            return TorchBuiltin(name, lambda flag=True, *a, **k: (self.freeze(obj, flag), obj)[1])
        if name in _MODULE_SELF_METHODS:
            return TorchBuiltin(name, lambda *a, **k: obj)
        if name in ("modules", "children"):
            return TorchBuiltin(name, lambda *a, **k: [m for _, m in named_modules(obj).values()]
                                if name == "modules" else [v for v in self.module_children(obj)])
        if name == "training":
            return False
        if name in ("add_module", "register_module") and isinstance(obj, (TModule, TContainer)):
            return TorchBuiltin(name, lambda key, value, *a, **k: self.add_child(obj, key, value))
        if name == "register_parameter" and isinstance(obj, TModule):
            return TorchBuiltin(name, lambda key, value, *a, **k: self.register(obj, key, value, None))
        if name == "register_buffer":
            return TorchBuiltin(name, lambda *a, **k: None)
        if isinstance(obj, TContainer) or (isinstance(obj, TModule) and obj.base != "Module"):
            return self.container_method(obj, name)
        if isinstance(obj, TLeaf):
            if name in ("weight", "bias", "weight_ih_l0", "weight_hh_l0", "in_proj_weight"):
                return ParamView(obj, False, name)
            if name in obj.raw:
                return obj.raw[name]
        return Unknown(f"attribute `{name}` of {type(obj).__name__} is not known statically")

    def module_children(self, obj: Any) -> list[Any]:
        if isinstance(obj, TContainer):
            return [v for v in obj.children.values() if is_module(v)]
        if isinstance(obj, TModule):
            return [v for v in obj.modules.values() if is_module(v)]
        return []

    def add_child(self, obj: Any, key: Any, value: Any) -> None:
        if isinstance(obj, TContainer):
            obj.children[str(key)] = value
        else:
            self.register(obj, str(key), value, None)
        return None

    def _kids(self, obj: Any) -> dict[str, Any]:
        return obj.children if isinstance(obj, TContainer) else obj.modules

    def container_method(self, obj: Any, name: str) -> Any:
        kids = self._kids(obj)

        def append(value: Any) -> Any:
            self.unknown_entries(getattr(obj, "class_name", "Module"), [value], None)
            if self.too_many(getattr(obj, "class_name", "Module"), len(kids) + 1, None, obj):
                return obj
            self.add_child(obj, str(len(kids)), value)
            return obj

        def extend(values: Any) -> Any:
            items = self.iterate(values)
            if items is None:
                self.unknown_entries(getattr(obj, "class_name", "Module"), [Unknown("extend() of an unknown iterable")],
                                     None)
            for v in items or []:
                append(v)
            return obj

        def insert(index: int, value: Any) -> None:
            items = list(kids.values())
            items.insert(index, value)
            kids.clear()
            for i, v in enumerate(items):
                self.add_child(obj, str(i), v)

        table = {
            "append": append, "extend": extend, "insert": insert,
            "items": lambda: list(kids.items()), "keys": lambda: list(kids.keys()),
            "values": lambda: list(kids.values()), "update": lambda d: [self.add_child(obj, k, v) for k, v in d.items()],
        }
        if name in table:
            return TorchBuiltin(name, table[name])
        return Unknown(f"`{name}` of {getattr(obj, 'class_name', 'a container')} is not modelled")

    def hook_getattr(self, obj: Any, name: str, node: cst.CSTNode) -> Any:
        if isinstance(obj, TTensor):
            return self.tensor_attr(obj, name)
        if isinstance(obj, TContainer) and name in obj.children:
            return obj.children[name]  # `model.fc` after `model.add_module("fc", ...)`
        if is_module(obj) and name == "forward":
            # `self.conv.forward(x)` is a use of self.conv, as `self.conv(x)` is.
            return TorchBuiltin("forward", lambda *a, **k: self.apply_module(obj, list(a), k, node)
                                if self.running else ModelOutput(obj))
        if is_module(obj):
            return self.module_method(obj, name)
        if isinstance(obj, TParam):
            if name in ("shape", "data"):
                return tuple(obj.shape) if name == "shape" and obj.shape is not None else self.param_value(obj)
            return TensorMethod(self.param_value(obj), name)
        if isinstance(obj, ParamView):
            return Unknown(f"parameter.{name}")
        return super().hook_getattr(obj, name, node)

    def get_attr(self, obj: Any, name: str, node: cst.CSTNode) -> Any:
        value = super().get_attr(obj, name, node)
        if isinstance(value, Ref) and value.qualname in _MATH_CONSTANTS:
            return _MATH_CONSTANTS[value.qualname]
        if isinstance(value, TParam) and self.running:
            return self.param_value(value)
        return value

    def param_value(self, param: TParam) -> TTensor:
        return self.param_tensors.get(id(param)) or TTensor(None, param.shape)

    def hook_super_attr(self, proxy: SuperProxy, name: str, node: cst.CSTNode) -> Any:
        obj = proxy.instance
        if isinstance(obj, TModule) and name == "__init__" and obj.leaf_base is not None:
            return TorchBuiltin("super.__init__", lambda *a, **k: self.init_leaf_base(obj, list(a), k, node))
        if isinstance(obj, TModule) and name == "forward" and obj.base_leaf is not None:
            return TorchBuiltin("super.forward", lambda *a, **k: self.apply_leaf(obj.base_leaf, list(a), k, node))
        if isinstance(obj, TModule) and name == "__init__":
            return TorchBuiltin("super.__init__", lambda *a, **k: self.container_init(obj, list(a))
                                if obj.base != "Module" and a else None)
        if isinstance(obj, TModule) and name == "forward" and obj.base == "Sequential":
            return TorchBuiltin("super.forward", lambda x, *a, **k: self.run_sequence(obj.modules.values(), x, node))
        return super().hook_super_attr(proxy, name, node)

    # -- applying modules -----------------------------------------------------------------------
    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if isinstance(func, TorchBuiltin):
            try:
                return func.fn(*args, **kwargs)
            except EvalLimit:
                raise
            except Exception as exc:  # noqa: BLE001 — a call that does not fit stays unknown
                return Unknown(f"{func.name}() failed: {type(exc).__name__}")
        return super().call(func, args, kwargs, node)

    def hook_call_object(self, obj: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if isinstance(obj, TensorMethod):
            return self.call_tensor_method(obj, args, kwargs, node)
        if is_module(obj):
            if not self.running:
                return self.call_at_module_level(obj, args, kwargs, node)
            return self.apply_module(obj, args, kwargs, node)
        return super().hook_call_object(obj, args, kwargs, node)

    def call_at_module_level(self, obj: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        """``model(x)`` outside any forward: an example input; ``criterion(model(x), y)``: a loss use."""
        if isinstance(obj, TLeaf) and obj.attrs.get("loss"):
            self.record_loss(obj.class_name, args, kwargs, node)
            return Unknown("a loss value")
        tensors = [a for a in args if isinstance(a, TTensor)]
        if tensors and id(obj) not in self.examples:
            self.examples[id(obj)] = tensors
        return ModelOutput(obj)

    def record_loss(self, name: str, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> None:
        from modelint.analyzer.losses import LossUse

        for value in [*args[:1], kwargs.get("input")]:
            if isinstance(value, ModelOutput):
                self.losses.setdefault(id(value.model), []).append(LossUse(name, None, self.span(node)))

    def apply_module(self, mod: Any, args: list[Any], kwargs: dict[str, Any], node: cst.CSTNode,
                     direct: bool = True) -> Any:
        """``direct``: the module is called by its own expression (``self.fc(x)``), so
        the call is where a finding about this application belongs; a child run by a
        Sequential is reported at its constructor instead."""
        if isinstance(mod, TLeaf):
            return self.apply_leaf(mod, args, kwargs, node, direct)
        if isinstance(mod, TContainer):
            if mod.class_name == "Sequential":
                return self.run_sequence(mod.children.values(), args[0] if args else kwargs.get("input"), node)
            return self.note_unresolved(f"{mod.class_name} is not callable", node)
        found, forward = mod.cls.lookup("forward")
        if found and isinstance(forward, Function):
            return self.inline(forward, mod, args, kwargs, node, cls=self.owner_class(forward, mod))
        if mod.base == "Sequential":
            return self.run_sequence(mod.modules.values(), args[0] if args else None, node)
        if mod.base_leaf is not None:
            return self.apply_leaf(mod.base_leaf, args, kwargs, node)
        return self.note_unresolved(f"{mod.cls.name} has no forward() to follow", node)

    def run_sequence(self, modules: Any, x: Any, node: cst.CSTNode) -> Any:
        for child in list(modules):
            if is_module(child):
                x = self.apply_module(child, [x], {}, node, direct=False)
            elif (is_unknown(child) or is_expr(child)) and isinstance(x, TTensor):
                # An entry that is not known is not the identity: what follows has an unknown input.
                x = self.quiet_unknown(x, "unknown_entry", node, "an entry of this nn.Sequential is not known")
        return x

    def quiet_unknown(self, x: TTensor, name: str, node: cst.CSTNode, reason: str) -> Any:
        """``x`` through something not known (its ML403 was already said where it was
        built): a node with an unknown output and no parameters, and no second note."""
        out = self.unknown_function(name, name, [x], {}, node, reason)
        if isinstance(out, TTensor) and out.ref is not None:
            self.tape.graph.layer(out.ref.node).unknown = None
        return out

    def hook_forget(self, value: Any, reason: str, stmt: cst.CSTNode) -> Any:
        """A tensor a loop or branch not followed may transform: unknown from here."""
        if isinstance(value, TTensor) and self.running and value.ref is not None:
            return self.quiet_unknown(value, "not_followed", stmt, f"{reason}; the tensor it may change is unknown")
        return None

    def apply_leaf(self, leaf: TLeaf, args: list[Any], kwargs: dict[str, Any], node: cst.CSTNode,
                   direct: bool = True) -> Any:
        if self.pending_input is not None and args and args[0] is self.pending_input[0]:
            self.symbolic_input(leaf)
        refs: list[TensorRef | None] = [a.ref if isinstance(a, TTensor) else None for a in args]
        if not args:
            refs = [kwargs[k].ref if isinstance(kwargs.get(k), TTensor) else None
                    for k in _TENSOR_KWARGS if k in kwargs]
        attrs = leaf.node_attrs()
        for key in _CALL_ATTRS:
            if key in kwargs and isinstance(kwargs[key], bool):
                attrs[key] = kwargs[key]
        call_span = self.span(node)
        attrs["call_span"], attrs["init_span"] = call_span, leaf.span
        self.applied[id(leaf)] = self.applied.get(id(leaf), 0) + 1
        span = call_span if direct and call_span is not None else leaf.span
        layer = self.tape.add(self.name_of(leaf), leaf.class_name, leaf.kind, attrs, span, leaf.uid,
                              refs or [None])
        split_frozen(layer, leaf)
        return self.outputs_of(layer, leaf.kind)

    def name_of(self, leaf: Any) -> str:
        return self.names.get(id(leaf)) or getattr(leaf, "class_name", "module")

    # -- Python values around modules and tensors -----------------------------------------------
    def hook_iterate(self, value: Any) -> list[Any] | None:
        if isinstance(value, TContainer):
            return list(value.children) if value.class_name == "ModuleDict" else list(value.children.values())
        if isinstance(value, TModule) and value.base != "Module":
            return list(value.modules) if value.base == "ModuleDict" else list(value.modules.values())
        if isinstance(value, TTensor) and value.shape and isinstance(value.shape[0], int) and value.shape[0] <= 64:
            return [self.hook_getitem(value, i, None) for i in range(value.shape[0])]
        return None

    def hook_unpack(self, value: Any, n: int) -> list[Any] | None:
        items = self.hook_iterate(value)
        return items if items is not None and len(items) == n else None

    def hook_truth(self, value: Any) -> bool | None:
        if is_module(value) or isinstance(value, TParam):
            return True
        return None

    def hook_getitem(self, obj: Any, key: Any, node: cst.Subscript | None) -> Any:
        if isinstance(obj, TContainer) or (isinstance(obj, TModule) and obj.base != "Module"):
            kids = self._kids(obj)
            if isinstance(key, str):
                return kids.get(key, Unknown(f"no submodule {key!r}"))
            values = list(kids.items())
            if isinstance(key, int) and not isinstance(key, bool) and -len(values) <= key < len(values):
                return values[key][1]
            if isinstance(key, slice):
                name = obj.class_name if isinstance(obj, TContainer) else obj.base
                return TContainer(name, dict(values[key]), getattr(obj, "span", None), self.next_uid(name))
            return Unknown(f"index {key!r} of a {type(obj).__name__}")
        if isinstance(obj, TTensor):
            return self.tensor_getitem(obj, key, node)
        if node is None:
            return Unknown("subscript")
        return super().hook_getitem(obj, key, node)

    def hook_symbolic_index(self, obj: Any, key: Any, node: cst.Subscript) -> Any:
        if isinstance(obj, TTensor) or is_module(obj):
            return self.hook_getitem(obj, key, node)  # an unknown slice node / an unknown entry
        return super().hook_symbolic_index(obj, key, node)

    def tensor_getitem(self, t: TTensor, key: Any, node: cst.CSTNode | None) -> Any:
        items = key if isinstance(key, tuple) else (key,)
        ok = all(i is None or i is Ellipsis or (isinstance(i, int) and not isinstance(i, bool))
                 or (isinstance(i, slice) and all(p is None or (isinstance(p, int) and not isinstance(p, bool))
                                                  for p in (i.start, i.stop, i.step)))
                 for i in items)
        if not self.running or t.ref is None:
            return Unknown("subscript of a tensor outside forward")
        if not ok:
            return self.unknown_function("operator.getitem", "getitem", [t], {}, node or self.module,
                                         "indexing with a tensor or a non-constant index is not modelled")
        return self.tensor_node("operator.getitem", None, [t, key], {}, node or self.module, ("getitem", "getitem"))

    def hook_binop(self, op_type: type | None, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if isinstance(left, TParam):
            left = self.param_value(left)
        if isinstance(right, TParam):
            right = self.param_value(right)
        lt, rt = isinstance(left, TTensor), isinstance(right, TTensor)
        if not (lt or rt):
            return Unknown("arithmetic on non-constant values")
        scalar = (lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool)) or is_expr(v))
        if lt and rt and op_type in _OPERATORS and self.running and (left.ref is not None or right.ref is not None):
            fn, sym = _OPERATORS[op_type]
            return self.tensor_node(f"operator.{fn}", None, [left, right], {}, node, (fn, sym))
        if (lt and (rt or scalar(right))) or (rt and scalar(left)):
            t = left if lt else right
            return t  # a tensor with a scalar (or outside forward): same shape, no node
        if lt and rt:
            return self.unknown_function("operator", "binop", [left, right], {}, node)
        return Unknown("arithmetic on a tensor and an unknown value")

    def hook_unary(self, op: str, value: Any, node: cst.CSTNode) -> Any:
        if isinstance(value, TTensor):
            return value
        return super().hook_unary(op, value, node)

    def hook_builtin(self, func: Builtin, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if func.name in ("len", "list", "tuple", "zip", "enumerate", "reversed", "iter"):
            expanded: list[Any] = []
            for a in args:
                if isinstance(a, (TContainer, TModule)) or (func.name == "len" and isinstance(a, TTensor)):
                    items = self.iterate(a)
                    if items is None:
                        return Unknown(f"{func.name}() of an unknown value")
                    expanded.append(items)
                else:
                    expanded.append(a)
            if func.name == "len":
                return len(expanded[0]) if expanded and isinstance(expanded[0], (list, tuple, dict)) else Unknown("len")
            try:
                return func.fn(*expanded, **kwargs)
            except Exception as exc:  # noqa: BLE001
                return Unknown(f"{func.name}() failed: {type(exc).__name__}")
        return super().hook_builtin(func, args, kwargs, node)

    def hook_call_method(self, method: BoundMethod, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        return super().hook_call_method(method, args, kwargs, node)

    # -- following one model --------------------------------------------------------------------
    def run_model(self, name: str, class_name: str, root: Any, span: Span | None,
                  shapes: list[Shape | None]) -> ModelGraph:
        tree = named_modules(root)
        self.names = {k: path for k, (path, _) in tree.items() if path}
        unregistered = self.unregistered(tree)
        for key, (path, _) in unregistered.items():
            self.names.setdefault(key, path)
        self.applied = {}
        self.param_tensors = {}
        start = len(self.tape.graph)
        self.unresolved = []
        self.use_origins(root)
        inputs = self.make_inputs(root, shapes, span)
        from modelint.analyzer.frontends._torch_objects import named_params

        for path, param in named_params(tree):
            layer = self.tape.add(path, "Parameter", "parameter", {"class_name": "Parameter"}, param.span,
                                  param.uid, [])
            layer.outputs, layer.unknown = (param.shape,), None
            # A size over symbols (`nn.Parameter(torch.empty(in_features, out_features))`) counts too.
            count: Any = None if param.shape is None or not all(is_size(d) for d in param.shape) else 1
            for d in param.shape or ():
                count = count * d if count is not None and is_size(d) else None
            if count is None:
                layer.trainable = layer.non_trainable = None
                layer.unknown = f"the shape of parameter `{path}` is not static"
            else:
                layer.trainable, layer.non_trainable = (count, 0) if param.requires_grad else (0, count)
            self.param_tensors[id(param)] = TTensor(TensorRef(layer.id), param.shape)
        self.running = True
        result: Any = None
        followed = False
        tensors = [TTensor(r, self.tape.graph.shape_of(r)) for r in inputs]
        if len(tensors) == 1 and tensors[0].shape is None:
            self.pending_input = (tensors[0], inputs[0].node, self.tape.graph.layer(inputs[0].node).name)
        try:
            result = self.apply_module(root, tensors, {}, root.cls.node if isinstance(root, TModule) else self.module)
            followed = not any("forward" in r or "not static" in r for r, _ in split_notes(self.unresolved)[0])
        except EvalLimit as exc:
            self.notes.append((f"{name}: forward stopped: {exc}", span))
        finally:
            self.running = False
            self.pending_input = None
        outputs = [t.ref for t in _flat_tensors(result) if t.ref is not None]
        for key, (path, mod) in tree.items():
            if isinstance(mod, TLeaf) and key not in self.applied:
                # A framework base (`class T(nn.LSTM)`) whose forward the class replaced is the
                # object itself, not a submodule left unused.
                split_frozen(self.tape.add(path, mod.class_name, mod.kind, mod.node_attrs(), mod.span, mod.uid,
                                           [None], applied=bool(mod.attrs.get("framework_base"))), mod)
        nodes = self.tape.graph.node_ids()[start:]
        model = self.tape.extract(name, class_name, span, nodes, inputs, outputs)
        self.finish(model, tree, unregistered)
        model.extra["forward_followed"] = followed
        model.symbols = used_symbols(model, self.origins)
        return model

    def symbolic_input(self, leaf: TLeaf) -> None:
        """The forward input nobody gave a shape to meets its first layer: when that
        layer fixes the rank (Conv2d: (N, C, H, W)), the input's dims become symbols
        named by the layout (kind ``input``). Only when nothing read or used the input
        before: otherwise what was read then would disagree with the symbols."""
        tensor, node_id, arg = self.pending_input  # type: ignore[misc]
        self.pending_input = None
        layout = _layout_of(leaf)
        if layout is None or tensor.shape is not None or self.tape.graph.successors(node_id):
            return
        layer = self.tape.graph.layer(node_id)
        shape = tuple(self.make_symbol(d, "input", f"{_DIM_WORDS[d]} of the input `{arg}` (no input shape given; "
                                       f"the first layer, {leaf.class_name}, takes ({', '.join(layout)}))",
                                       span=layer.span) for d in layout)
        layer.attrs = {**layer.attrs, "batch_shape": shape, "symbolic": True}
        annotate(layer, [])
        tensor.shape = layer.output_shape
        if leaf.class_name == "Embedding":
            tensor.dtype = "int64"

    def make_inputs(self, root: Any, shapes: list[Shape | None], span: Span | None) -> list[TensorRef]:
        count = 1
        arg_names = ["input"]
        if isinstance(root, TModule):
            found, forward = root.cls.lookup("forward")
            if found and isinstance(forward, Function):
                params = [*forward.node.params.posonly_params, *forward.node.params.params][1:]
                required = [p for p in params if p.default is None]
                count = max(1, len(required))
                arg_names = [p.name.value for p in params[:count]] or ["input"]
        refs = []
        for i in range(count):
            shape = shapes[i] if i < len(shapes) else None
            if shape is not None and any(isinstance(d, str) for d in shape):
                # `--input-shape 1,3,H,W`: the names are symbols (the batch `N` stays unknown).
                shape = tuple(self.make_symbol(d, "input", f"input dimension `{d}` (named in the given input shape)",
                                               span=span) if isinstance(d, str) else d for d in shape)
            layer = self.tape.add(arg_names[i] if i < len(arg_names) else f"input{i}", "Input", "input",
                                  {"class_name": "Input", "batch_shape": shape, "implicit": True}, span,
                                  self.next_uid("input"), [])
            refs.append(TensorRef(layer.id))
        return refs

    def unregistered(self, tree: dict[int, tuple[str, Any]]) -> dict[int, tuple[str, Any]]:
        """Leaves reachable only through plain list/dict/tuple attributes."""
        out: dict[int, tuple[str, Any]] = {}
        for entry in self.plain_attrs(tree):
            for key, path, leaf in entry["leaves"]:
                out.setdefault(key, (path, leaf))
        return out

    def plain_attrs(self, tree: dict[int, tuple[str, Any]]) -> list[dict[str, Any]]:
        """One entry per plain-container attribute holding modules torch does not register."""
        entries = []
        for path, module in list(tree.values()):
            if not isinstance(module, TModule):
                continue
            for attr, (value, span) in module.plain.items():
                base = f"{path}.{attr}" if path else attr
                leaves = []
                mods = plain_modules(value)
                for i, mod in enumerate(mods):
                    for key, (p, m) in named_modules(mod).items():
                        if key not in tree and isinstance(m, TLeaf):
                            leaves.append((key, f"{base}[{i}]" + (f".{p}" if p else ""), m))
                if leaves:
                    entries.append({"attr": base, "span": span, "leaves": leaves, "modules": len(mods),
                                    "container": type(value).__name__})
        return entries

    def finish(self, model: ModelGraph, tree: dict[int, tuple[str, Any]],
               unregistered: dict[int, tuple[str, Any]]) -> None:
        uids = {m.uid for _, m in unregistered.values()}
        for layer in model.layers():
            if layer.owner in uids:
                layer.shared = True  # not seen by .parameters(): outside the totals
                layer.attrs = {**layer.attrs, "registered": False}
        counted: set[int] = set()
        total = 0
        attrs_info = []
        for entry in self.plain_attrs(tree):
            params: int | None = 0
            for key, _, leaf in entry["leaves"]:
                probe = annotate(Layer("probe", "probe", leaf.class_name, leaf.kind, leaf.node_attrs(), None,
                                       leaf.uid, FRAMEWORK), [None])
                count = probe.params
                params = None if params is None or count is None else params + count
                if key not in counted:
                    counted.add(key)
                    total += count or 0
            attrs_info.append({"attr": entry["attr"], "span": entry["span"], "modules": entry["modules"],
                               "container": entry["container"], "params": params})
        model.unregistered_params = total
        add_notes(model, self.unresolved)
        model.extra["unregistered_attrs"] = attrs_info


# The bias vector's length, for layers whose weight or bias alone may be frozen.
_BIAS_SIZE = {"dense": "units", "conv": "filters", "conv_transpose": "filters", "bilinear": "out_features"}


def split_frozen(layer: Layer, leaf: TLeaf) -> None:
    """``layer.weight.requires_grad = False`` (or ``.bias``): move exactly that
    tensor's elements to non-trainable; the bias is one vector of the output size."""
    if (not leaf.frozen_parts and not leaf.tied_parts) or layer.trainable is None:
        return
    size = leaf.attrs.get(_BIAS_SIZE[leaf.kind])
    has_bias = leaf.attrs.get("use_bias", True) is not False
    if not isinstance(size, int):
        layer.trainable = layer.non_trainable = None
        layer.unknown = f"{leaf.class_name}: the size of the partly frozen or shared parameters is unknown"
        return
    total = layer.trainable + (layer.non_trainable or 0)
    bias = size if has_bias else 0
    if "weight" in leaf.tied_parts:
        # The shared weight is counted once, with the module that owns it.
        frozen_all = leaf.frozen is True
        total = bias
        layer.trainable, layer.non_trainable = (0, bias) if frozen_all else (bias, 0)
        layer.attrs = {**layer.attrs, "tied_weight": True}
    if not leaf.frozen_parts or leaf.frozen is True:
        return
    frozen = (total - bias if "weight" in leaf.frozen_parts else 0) + (bias if "bias" in leaf.frozen_parts else 0)
    layer.trainable, layer.non_trainable = total - frozen, frozen


def _flat_tensors(value: Any) -> list[TTensor]:
    if isinstance(value, TTensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flat_tensors(v)]
    return []


# -- the frontend's entry point ---------------------------------------------------------------------
def models_in(module: cst.Module, ctx) -> list[ModelGraph]:
    """Every model of the file, as docs/models.md lists them: nn.Module subclasses
    (with constructor defaults), module-level variables bound to a module object,
    instance sites inside functions (``main.model``), and builders never called
    (with their defaults). Losses are not models; they are linked to the model."""
    from modelint.analyzer.frontends._shapes_config import shape_for

    ev = TorchEvaluator(module, ctx.display_path, metadata_for(ctx, module))
    try:
        scope = ev.run_module()
    except EvalLimit as exc:
        scope = ev.module_scope
        ev.notes.append((f"evaluation stopped: {exc}", None))
    module_level = list(ev.unresolved)
    module_sites = {(site.var, id(site.value)): site for site in scope.sites}
    models: list[ModelGraph] = []
    var_objs = [(var, value) for var, value in scope.vars.items() if ev.is_model(value) and not var.startswith("_")]
    seen = {id(value) for _, value in var_objs}
    instances: list[ModelGraph] = []
    for var, value in var_objs:
        site = module_sites.get((var, id(value)))
        instances.append(_instance_model(ev, ctx, var, value, value.span, list(site.notes) if site else []))
    # Functions are analysed after the module-level models are built: a function the
    # file never calls must not change them (`def freeze(): backbone.requires_grad_(False)`).
    roots = discover_roots(ev, module, scope, ctx.source, ctx.tree, ctx.calls)
    ctx.extra.setdefault("unresolved_functions", []).extend(ev.stopped)
    # A class takes its example input from any instance of it, also one inside a function.
    examples = var_objs + [(name, value) for name, value, _, _ in roots]
    for value in list(scope.vars.values()):
        if isinstance(value, UserClass) and ev.module_base(value) is not None and value.node in _top_classes(module):
            models.append(_class_model(ev, ctx, value, examples, shape_for))
    models.extend(instances)
    for name, value, span, notes in roots:
        if id(value) not in seen:
            seen.add(id(value))
            models.append(_instance_model(ev, ctx, name, value, span, notes))
    for model in models:
        model.unresolved.extend(Unresolved(r, s) for r, s in ev.notes)
        add_notes(model, [(r, s) for r, s in module_level if _inside(s, model)])
    return models


def add_notes(model: ModelGraph, notes: list[tuple[str, Span | None]]) -> None:
    """Unresolved notes make the totals inexact; assumptions (argparse defaults) only
    become an info finding."""
    unresolved, assumed = split_notes(notes)
    model.unresolved.extend(Unresolved(r, s) for r, s in unresolved if Unresolved(r, s) not in model.unresolved)
    if assumed:
        known = model.extra.setdefault("assumed", [])
        known.extend(a for a in assumed if a not in known)


def _instance_model(ev: TorchEvaluator, ctx, name: str, value: Any, span: Span | None,
                    notes: list[tuple[str, Span | None]]) -> ModelGraph:
    """The ModelGraph of one module object bound to ``name`` (an instance or a builder's result)."""
    class_name = value.cls.name if isinstance(value, TModule) else value.class_name
    line = _class_line(ev, value)
    if line is None and span is not None and span is not value.span:
        line = span.line  # a builder's `def` (or a function's site): its comment above
    shapes = _shapes_for(ctx, name, class_name, line, ev.examples.get(id(value), []))
    model = ev.run_model(name, class_name, value, span or value.span, shapes)
    model.extra["losses"] = list(ev.losses.get(id(value), []))
    add_notes(model, notes)
    missing = ev.missing_args.get(id(value))
    if missing is not None and missing[0] is value:
        mark_missing(model, missing[1])
    return model


def _shapes_for(ctx, var: str, class_name: str, class_line: int | None, examples: list[TTensor]) -> list[Shape | None]:
    """A variable's input shapes: ``--input-shape``/config for it, then its own example
    call in the file, then the class comment (torch's recorder reads them in this order)."""
    from modelint.analyzer.frontends._shapes_config import comment_shape

    given = ctx.options.input_shapes
    for key in (var, class_name, None):
        if key in given:
            return [tuple(given[key])]
    if examples:
        return [t.shape for t in examples]
    found = comment_shape(ctx.lines, class_line) if class_line is not None else None
    return [found] if found is not None else []


def _top_classes(module: cst.Module) -> list[cst.ClassDef]:
    return [stmt for stmt in module.body if isinstance(stmt, cst.ClassDef)]


def _class_line(ev: TorchEvaluator, value: Any) -> int | None:
    if isinstance(value, TModule):
        span = ev.span(value.cls.node.name)
        return span.line if span else None
    return None


def _class_model(ev: TorchEvaluator, ctx, cls: UserClass, var_objs: list[tuple[str, Any]], shape_for) -> ModelGraph:
    name_span = ev.span(cls.node.name)
    class_span = ev.span(cls.node)
    span = Span(name_span.line, name_span.column, class_span.end_line, class_span.end_column) \
        if name_span and class_span else name_span
    missing = _required_args(cls, ev.leaf_base(cls))
    ev.unresolved = []
    # Built with its defaults; an argument without one is a symbol named after it
    # (issue 9): the counts are formulas over them, torch's for every value.
    found, init = cls.lookup("__init__")
    ev.start_symbols(init if found and isinstance(init, Function) else None)
    args: list[Any] = []
    leaf = ev.leaf_base(cls) if not (found and isinstance(init, Function)) else None
    if leaf is not None and leaf != "Transformer":
        # `class Linear(Bottle, nn.Linear): pass`: torch.nn's own required arguments.
        args = [ev.make_symbol(p, "parameter", f"argument `{p}` of {cls.name}() (nn.{leaf}'s, no default)",
                               span=name_span) for p in missing]
    obj = ev.hook_instantiate(cls, args, {}, cls.node)
    ev.remember_origins(obj)
    init_notes = list(ev.unresolved)
    shape = shape_for(ctx, cls.name, cls.name, name_span.line if name_span else None)
    shapes = [shape] if shape is not None else []
    if not shapes:
        for _, value in var_objs:
            if isinstance(value, TModule) and value.cls is cls and id(value) in ev.examples:
                shapes = [t.shape for t in ev.examples[id(value)]]
                break
    model = ev.run_model(cls.name, cls.name, obj, span, shapes)
    if missing:
        mark_missing(model, missing)
    model.extra["losses"] = [use for _, value in var_objs if isinstance(value, TModule) and value.cls is cls
                             for use in ev.losses.get(id(value), [])]
    unresolved, assumed = split_notes(init_notes)
    model.unresolved[:0] = [Unresolved(r, s) for r, s in unresolved]
    if assumed:
        model.extra.setdefault("assumed", []).extend(assumed)
    return model


def _required_args(cls: UserClass, leaf: str | None = None) -> list[str]:
    """The constructor's parameters without a default; for a subclass of a torch.nn
    layer without an ``__init__`` of its own (``leaf``), that layer's required ones."""
    found, init = cls.lookup("__init__")
    if not found or not isinstance(init, Function):
        if leaf is not None and leaf != "Transformer":
            return [p for p, d in _TORCH.get(leaf, ()) if d is REQUIRED and not p.startswith("*")]
        return []
    params = init.node.params
    positional = [*params.posonly_params, *params.params][1:]
    out = [p.name.value for p in positional if p.default is None]
    out += [p.name.value for p in params.kwonly_params if p.default is None]
    return out


def _inside(span: Span | None, model: ModelGraph) -> bool:
    return span is not None and model.span is not None and model.span.line <= span.line <= model.span.end_line


__all__ = ["models_in", "TorchEvaluator", "nn_class", "is_unknown"]
