"""The values the PyTorch frontend's evaluator folds a file into.

A torch model is a tree of module objects (leaves from ``torch.nn``, the three
containers, user ``nn.Module`` subclasses) plus parameters; ``forward`` turns
tensors into tensors. These records mirror exactly that, and nothing here runs
torch: a leaf carries its bound attributes, a tensor its reference into the tape
and its eagerly inferred shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.frontends._evaluate import Instance
from modelint.analyzer.graph import TensorRef
from modelint.analyzer.ops._base import Unknown
from modelint.analyzer.shapes import Shape


@dataclass(eq=False)
class TLeaf:
    """A ``torch.nn`` module whose parameters and shapes an op computes.

    ``frozen``: None (untouched), True (every parameter has requires_grad False),
    or an :class:`Unknown` saying why the trainable split is not known."""

    class_name: str
    kind: str
    attrs: dict[str, Any]
    span: Span | None
    uid: str
    frozen: Any = None
    raw: dict[str, Any] = field(default_factory=dict)  # the constructor's arguments by torch's names
    frozen_parts: set[str] = field(default_factory=set)  # "weight" / "bias" frozen alone
    # "weight": tied to another module's weight (``self.decoder.weight = self.embed.weight``);
    # torch counts a shared Parameter once, with the module that made it.
    tied_parts: set[str] = field(default_factory=set)

    def node_attrs(self) -> dict[str, Any]:
        attrs = dict(self.attrs)
        if self.frozen is True:
            attrs["trainable"] = False
        elif isinstance(self.frozen, Unknown):
            attrs["trainable"] = self.frozen
        return attrs


@dataclass(eq=False)
class TContainer:
    """``nn.Sequential`` / ``nn.ModuleList`` / ``nn.ModuleDict``: children by name,
    in registration order (list indices as strings, as torch names them)."""

    class_name: str
    children: dict[str, Any]
    span: Span | None
    uid: str


@dataclass(eq=False)
class TModule(Instance):
    """An object of a user ``nn.Module`` subclass. ``modules`` and ``params`` are
    what torch registers (``_modules`` / ``_parameters``), in assignment order;
    ``plain`` holds module objects kept in plain Python containers (unregistered)."""

    modules: dict[str, Any] = field(default_factory=dict)
    params: dict[str, "TParam"] = field(default_factory=dict)
    plain: dict[str, tuple[Any, Span | None]] = field(default_factory=dict)
    base: str = "Module"  # the torch.nn base: Module, Sequential, ModuleList, ModuleDict
    span: Span | None = None
    uid: str = ""
    # A subclass of a torch.nn layer (``class T(nn.Transformer)``, ``nn.LSTM``): the
    # layer its ``super().__init__(...)`` built, whose parameters are the object's own.
    leaf_base: str | None = None
    base_leaf: "TLeaf | None" = None


@dataclass(eq=False)
class TParam:
    """An ``nn.Parameter``: its shape (None when unknown) and requires_grad."""

    shape: Shape | None
    requires_grad: bool
    span: Span | None
    uid: str


@dataclass(eq=False)
class TTensor:
    """A tensor: ``ref`` is its producing node in the tape (None for tensors made
    at module level, which only matter as example inputs)."""

    ref: TensorRef | None
    shape: Shape | None
    dtype: str = "float32"


@dataclass(eq=False)
class ParamView:
    """What ``module.parameters()`` yields, or ``module.weight``: setting its
    ``requires_grad`` freezes ``module`` (whole: every parameter of it)."""

    module: Any
    whole: bool
    name: str = ""


@dataclass(eq=False)
class TensorMethod:
    tensor: TTensor
    name: str


MODULE_TYPES = (TLeaf, TContainer, TModule)


def is_module(value: Any) -> bool:
    return isinstance(value, MODULE_TYPES)


def children(module: Any) -> Iterator[tuple[str, Any]]:
    """Registered direct submodules, as ``named_children`` gives them."""
    if isinstance(module, TContainer):
        yield from ((k, v) for k, v in module.children.items() if is_module(v))
    elif isinstance(module, TModule):
        if module.base_leaf is not None:
            yield (module.leaf_base or "base", module.base_leaf)
        yield from ((k, v) for k, v in module.modules.items() if is_module(v))


def named_modules(root: Any) -> dict[int, tuple[str, Any]]:
    """id(module) → (path, module) for every module under ``root`` (root excluded),
    first path wins, as ``named_modules()`` deduplicates."""
    out: dict[int, tuple[str, Any]] = {id(root): ("", root)}

    def walk(module: Any, prefix: str) -> None:
        for name, child in children(module):
            if id(child) in out:
                continue
            path = f"{prefix}.{name}" if prefix else name
            out[id(child)] = (path, child)
            walk(child, path)

    walk(root, "")
    return out


def named_params(tree: dict[int, tuple[str, Any]]) -> list[tuple[str, TParam]]:
    """Every ``nn.Parameter`` attribute of the modules of ``tree``, deduplicated."""
    seen: set[int] = set()
    out: list[tuple[str, TParam]] = []
    for path, module in tree.values():
        if not isinstance(module, TModule):
            continue
        for name, param in module.params.items():
            if id(param) not in seen:
                seen.add(id(param))
                out.append((f"{path}.{name}" if path else name, param))
    return out


def plain_modules(value: Any) -> list[Any]:
    """Module objects directly inside a plain list/tuple/dict (nested ones too)."""
    if is_module(value):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in plain_modules(item)]
    return []


def leaves_under(module: Any) -> list[TLeaf]:
    """Every leaf reachable through registered children (the module itself if a leaf)."""
    if isinstance(module, TLeaf):
        return [module]
    tree = named_modules(module)
    return [m for _, m in tree.values() if isinstance(m, TLeaf)]
