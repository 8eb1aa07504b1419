"""Reading an ONNX file without its weights, validating it, and running shape inference.

Everything here works on a *skeleton* of the model: the graph with its nodes,
inputs, outputs and small integer constants, where every other initializer of the
main graph has become a typed graph input (its dims kept, its data dropped). The
checker and ``onnx.shape_inference`` then never copy weights, never see an
external-data reference, and cost time and memory in the size of the graph, not of
the weights. Any problem that makes the file unusable raises :class:`ModelFileError`
with a message for an ``ML902`` finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from math import prod
from pathlib import Path
from typing import Any

from modelint.analyzer.shapes import Shape

# Integer initializers up to this many elements stay in the skeleton: data
# propagation reads them (Reshape targets, Slice bounds, Expand shapes).
SMALL_CONSTANT = 4096
# Nodes of the skeleton are renamed ``ml#<index>`` so that messages from the checker
# and from inference name them unambiguously, whatever (or whether) they were named.
TOKEN = "ml#"
_TOKEN_RE = re.compile(re.escape(TOKEN) + r"(\d+)")
_NODE_IN_MESSAGE = re.compile(r"node name: " + re.escape(TOKEN) + r"(\d+)\)")
_GENERATED_DIM = re.compile(r"unk__\d+")
# Inference repeats this for every node downstream of one that failed.
_CASCADE = "expected to have type but instead is null"


class ModelFileError(Exception):
    """The file cannot be analysed; ``str(exc)`` says why (an ML902 message)."""


@dataclass(frozen=True, slots=True)
class Weight:
    """An initializer as far as modelint cares: its dims and element type."""

    dims: tuple[int, ...]
    dtype: int

    @property
    def elements(self) -> int:
        return prod(self.dims)

    @property
    def is_float(self) -> bool:
        return self.dtype in _float_types()


@cache
def _float_types() -> frozenset[int]:
    """Element types holding floating-point weights (every float width, complex)."""
    import onnx

    return frozenset(value for name, value in onnx.TensorProto.DataType.items()
                     if any(key in name for key in ("FLOAT", "DOUBLE", "COMPLEX")))


@dataclass(slots=True)
class Inference:
    """What inference told us: a shape per tensor name, conflicts per node token."""

    shapes: dict[str, Shape | None] = field(default_factory=dict)
    conflicts: dict[int, list[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # conflicts no node could be named for


def read_model(path: Path) -> Any:
    """Parse the file's bytes as a ModelProto. Only ``path`` is opened: external
    data stays a reference that nothing follows."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise ModelFileError("not an ONNX model: the file is empty")
    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise ModelFileError(f"not a valid ONNX protobuf (truncated, corrupt or not an ONNX file): {exc}") from exc
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise ModelFileError("not an ONNX model: no IR version or no graph in the protobuf")
    return model


def check_versions(model: Any) -> None:
    """IR version and opsets this onnx package knows; the checker's own message
    for a too-new opset is silent, so say it here."""
    import onnx
    from onnx.onnx_cpp2py_export import defs as cdefs

    if model.ir_version > onnx.IR_VERSION:
        raise ModelFileError(f"IR version {model.ir_version} is newer than onnx {onnx.__version__} "
                             f"supports (up to {onnx.IR_VERSION})")
    known = cdefs.schema_version_map()
    for entry in model.opset_import:
        domain = normalize_domain(entry.domain)
        if domain in known and entry.version > known[domain][1]:
            raise ModelFileError(f"opset {entry.version} of domain '{entry.domain or 'ai.onnx'}' is newer than "
                                 f"onnx {onnx.__version__} knows (up to {known[domain][1]})")
        if entry.version < 1:
            raise ModelFileError(f"opset version {entry.version} of domain '{entry.domain or 'ai.onnx'}' is invalid")


def normalize_domain(domain: str) -> str:
    return "" if domain == "ai.onnx" else domain


class OpChecker:
    """An op ONNX defines, or a function the model itself defines; the model's
    imports and onnx's schema domains are read once, not per node."""

    def __init__(self, model: Any) -> None:
        from onnx.onnx_cpp2py_export import defs as cdefs

        self.functions = {(f.domain, f.name) for f in model.functions}
        self.imported = {normalize_domain(e.domain) for e in model.opset_import}
        self.known_domains = set(cdefs.schema_version_map())
        self.known_ops: set[tuple[str, str]] = set()

    def check(self, node: Any, label: str) -> None:
        import onnx

        domain = normalize_domain(node.domain)
        if (domain, node.op_type) in self.known_ops or (node.domain, node.op_type) in self.functions:
            return
        shown = node.domain or "ai.onnx"
        if domain not in self.imported:
            raise ModelFileError(f"node {label} ({node.op_type}) uses domain '{shown}', which the model does not "
                                 f"import (opset_import)")
        if domain not in self.known_domains:
            raise ModelFileError(f"node {label} uses op {shown}::{node.op_type} from a domain onnx "
                                 f"{onnx.__version__} does not define, and the model defines no such function")
        if not onnx.defs.has(node.op_type, domain):
            raise ModelFileError(f"node {label} uses unknown op {shown}::{node.op_type}")
        self.known_ops.add((domain, node.op_type))


def weights_of(graph: Any) -> dict[str, Weight]:
    """Initializers (dense and sparse) by name, from dims alone."""
    out: dict[str, Weight] = {}
    for init in graph.initializer:
        out[init.name] = _weight(init.name, init.dims, init.data_type)
    for sparse in graph.sparse_initializer:
        # A sparse initializer stores its non-zero values; those are its elements.
        out[sparse.values.name] = _weight(sparse.values.name, sparse.values.dims, sparse.values.data_type)
    return out


def _weight(name: str, dims: Any, dtype: int) -> Weight:
    dims = tuple(int(d) for d in dims)
    if any(d < 0 for d in dims):
        raise ModelFileError(f"initializer '{name}' has a negative dimension {dims}")
    return Weight(dims, dtype)


def skeleton(model: Any) -> Any:
    """A copy of ``model`` without weights (see the module docstring)."""
    import onnx
    from onnx import helper

    skel = onnx.ModelProto()
    for name in ("ir_version", "producer_name", "producer_version", "domain", "model_version"):
        setattr(skel, name, getattr(model, name))
    skel.opset_import.extend(model.opset_import)
    skel.functions.extend(model.functions)
    src, dst = model.graph, skel.graph
    dst.name = src.name
    dst.input.extend(src.input)
    dst.output.extend(src.output)
    dst.value_info.extend(src.value_info)
    dst.sparse_initializer.extend(src.sparse_initializer)
    declared = {v.name for v in src.input}
    for init in src.initializer:
        external = init.data_location == onnx.TensorProto.EXTERNAL
        small_int = not Weight(tuple(init.dims), init.data_type).is_float and prod(init.dims) <= SMALL_CONSTANT
        if small_int and not external:
            dst.initializer.append(init)
        elif init.name not in declared:
            dst.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    dst.node.extend(src.node)
    return skel


def validate(skel: Any, names: dict[int, str]) -> None:
    """The ONNX checker on the skeleton (graph structure, attributes, op schemas)."""
    import onnx

    try:
        onnx.checker.check_model(skel)
    except onnx.checker.ValidationError as exc:
        raise ModelFileError(f"invalid ONNX model: {_first_paragraph(untoken(str(exc), names))}") from exc


def infer(skel: Any) -> Inference:
    """Strict inference names the conflicts; where it fails, a lenient run still
    gives the shapes of everything else."""
    from onnx import shape_inference

    result = Inference()
    try:
        inferred = shape_inference.infer_shapes(skel, check_type=True, strict_mode=True, data_prop=True)
    except Exception as exc:  # noqa: BLE001 — InferenceError, or an onnx bug on an odd graph
        if isinstance(exc, shape_inference.InferenceError):
            _collect_conflicts(str(exc), result)
        else:
            result.failures.append(f"{type(exc).__name__}: {exc}")
        try:
            inferred = shape_inference.infer_shapes(skel, data_prop=True)
        except Exception as exc2:  # noqa: BLE001 — shapes stay unknown; counts do not need them
            result.failures.append(_clean(f"{type(exc2).__name__}: {exc2}"))
            inferred = skel
    _collect_shapes(inferred.graph, result.shapes)
    return result


def _collect_conflicts(message: str, result: Inference) -> None:
    for line in message.splitlines():
        if not line.strip() or _CASCADE in line:
            continue
        tokens = list(_NODE_IN_MESSAGE.finditer(line))
        if not tokens:
            result.failures.append(_clean(line))
            continue
        innermost = tokens[-1]
        reason = _clean(line[innermost.end():].lstrip(": "))
        result.conflicts.setdefault(int(innermost.group(1)), []).append(reason)


def _clean(text: str) -> str:
    text = re.sub(r"\[(?:Shape|Type)InferenceError\]\s*", "", text).strip()
    text = text.removeprefix("Inference error(s):").strip()
    return text


def _collect_shapes(graph: Any, shapes: dict[str, Shape | None]) -> None:
    for group in (graph.input, graph.output, graph.value_info):
        for info in group:
            if info.name not in shapes or shapes[info.name] is None:
                shapes[info.name] = shape_of(info.type)
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("g"):
                _collect_shapes(attr.g, shapes)
            for sub in attr.graphs:
                _collect_shapes(sub, shapes)


def shape_of(type_proto: Any) -> Shape | None:
    """A tensor type's shape: ints, symbolic names, None for an unknown dim;
    None for an unknown rank or a non-tensor type."""
    if not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    dims: list[int | str | None] = []
    for dim in type_proto.tensor_type.shape.dim:
        if dim.HasField("dim_value"):
            dims.append(int(dim.dim_value))
        elif dim.dim_param and not _GENERATED_DIM.fullmatch(dim.dim_param):
            dims.append(dim.dim_param)
        else:
            dims.append(None)
    return tuple(dims)


def untoken(text: str, names: dict[int, str]) -> str:
    """Put the layer names back where a message says ``ml#12``."""
    return _TOKEN_RE.sub(lambda m: names.get(int(m.group(1)), m.group(0)), text)


def _first_paragraph(text: str) -> str:
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    first = " ".join(parts[0].split()) if parts else text.strip()
    context = next((p for p in parts[1:] if p.startswith("==> Context:")), None)
    return f"{first} ({' '.join(context.removeprefix('==> Context:').split())})" if context else first
