"""A small partial evaluator over libcst trees: it folds what model code uses and
nothing more, and it never executes anything.

Values are plain Python constants, containers, :class:`Unknown` (with a reason),
:class:`Ref` (an imported symbol by its qualified name, bound when the import is folded),
user functions and classes of the file (inlined when called), and whatever
objects a frontend creates (layers, tensors, models) through its hooks.

Symbols (issue 9, frontends opt in with ``SYMBOLS = True``): a value the file leaves
open but whose origin is known — an argument without a value of the class or builder
analysed on its own, an attribute of one (``cfg.hidden``), an input dimension the
frontend names — is an ``Expr`` of analyzer/symbolic, its origin kept in
``self.origins``. Integer arithmetic folds over it; anything that would need its value
(a branch, a loop, a call, ``/``) is unknown there, exactly as an :class:`Unknown`.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.graph import SymbolOrigin
from modelint.analyzer.ops._base import Unknown, is_unknown
from modelint.analyzer.shapes import is_expr

# Items a loop or comprehension may materialise (a 5,000-word vocabulary dict is common);
# the work done per item is bounded by MAX_STEPS.
MAX_LOOP = 100_000
MAX_DEPTH = 48
# Statements one analysis root (the module, or one function analysed on its own) may
# execute: nested loops and recursive helpers stop here with an ML403, in bounded time.
MAX_STEPS = 20_000
GRACE_STEPS = 500


@dataclass(frozen=True, slots=True)
class Ref:
    """An imported symbol by its qualified name: ``torch.nn.Conv2d``."""

    qualname: str

    def attr(self, name: str) -> "Ref":
        return Ref(f"{self.qualname}.{name}")


@dataclass(eq=False)
class Site:
    """``VAR = EXPR`` whose value is a model object (docs/models.md, instances):
    where it stands (``owner``: the enclosing function, None at module level) and
    every unresolved note that can have shaped the value."""

    owner: "Function | None"
    var: str
    value: Any
    span: Span | None
    notes: list[tuple[str, Span | None]] = field(default_factory=list)
    returned: bool = False


@dataclass(eq=False)
class Scope:
    vars: dict[str, Any] = field(default_factory=dict)
    parent: "Scope | None" = None
    # Set on the scopes whose statements are tracked (the module, analysis roots):
    # which names an unresolved construct may have shaped, and the model sites bound.
    track: bool = False
    owner: "Function | None" = None
    taint: dict[str, list[tuple[str, Span | None]]] = field(default_factory=dict)
    pending: list[Site] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    return_notes: list[tuple[str, Span | None]] = field(default_factory=list)
    globals: set[str] = field(default_factory=set)  # names declared `global` in this frame

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return True, scope.vars[name]
            scope = scope.parent
        return False, None


@dataclass(eq=False)
class Function:
    node: cst.FunctionDef
    closure: Scope
    qualname: str

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(eq=False)
class UserClass:
    node: cst.ClassDef
    bases: list[Any]
    namespace: dict[str, Any]
    qualname: str

    @property
    def name(self) -> str:
        return self.node.name.value

    def mro(self) -> list["UserClass"]:
        out = [self]
        for base in self.bases:
            if isinstance(base, UserClass):
                out.extend(c for c in base.mro() if c not in out)
        return out

    def lookup(self, name: str) -> tuple[bool, Any]:
        for cls in self.mro():
            if name in cls.namespace:
                return True, cls.namespace[name]
        return False, None

    def external_bases(self) -> list[Ref]:
        out: list[Ref] = []
        for cls in self.mro():
            out.extend(b for b in cls.bases if isinstance(b, Ref))
        return out


@dataclass(eq=False)
class Instance:
    """An object of a user class. Frontends subclass it for models/modules."""

    cls: UserClass
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    obj: Any
    function: Function


@dataclass(eq=False)
class Builtin:
    """A Python builtin (or a method of a Python value) we can fold safely."""

    name: str
    fn: Callable[..., Any]


class Assumed(str):
    """A note's reason that is an assumption, not a gap: the value is the one the
    script uses when run without arguments, so it leaves the totals exact."""


def split_notes(notes: Iterable[tuple[str, Span | None]]) -> tuple[list[tuple[str, Span | None]],
                                                                  list[tuple[str, Span | None]]]:
    """(unresolved notes, assumptions), each deduplicated, in order."""
    unresolved: list[tuple[str, Span | None]] = []
    assumed: list[tuple[str, Span | None]] = []
    for note in notes:
        if isinstance(note[0], Assumed):
            # Plain text from here on: a result holding this class would make the cache
            # import the evaluator (and libcst) just to read it back.
            out, note = assumed, (str(note[0]), note[1])
        else:
            out = unresolved
        if note not in out:
            out.append(note)
    return unresolved, assumed


class _ParserMethod(Builtin):
    """A method of an :class:`ArgParser`: called with whatever values it gets."""


@dataclass(eq=False)
class SuperProxy:
    instance: Any
    cls: UserClass


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class EvalLimit(Exception):
    """Recursion or loop bounds exceeded: the construct stays unknown."""

    noted = False


@dataclass(eq=False)
class ArgParser:
    """``argparse.ArgumentParser()``: only the options' defaults are kept; a script
    run without arguments uses them, and so does the analysis (said in an ML403)."""

    options: dict[str, tuple[str, Any]] = field(default_factory=dict)  # dest -> (flag, default)


@dataclass(eq=False)
class ArgNamespace:
    parser: ArgParser
    values: dict[str, Any] = field(default_factory=dict)  # set by the script: `args.n_embed = 20000`


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
    cst.LeftShift: operator.lshift,
    cst.RightShift: operator.rshift,
    cst.BitOr: operator.or_,
    cst.BitAnd: operator.and_,
    cst.BitXor: operator.xor,
}
_AUGOPS: dict[type, type] = {
    cst.AddAssign: cst.Add,
    cst.SubtractAssign: cst.Subtract,
    cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide,
    cst.FloorDivideAssign: cst.FloorDivide,
    cst.ModuloAssign: cst.Modulo,
    cst.PowerAssign: cst.Power,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge,
    cst.In: lambda a, b: a in b,
    cst.NotIn: lambda a, b: a not in b,
    cst.Is: operator.is_,
    cst.IsNot: operator.is_not,
}
# Methods that do not change the model they are called on: a statement calling them
# (``SGD(model.parameters(), lr=args.lr)``) does not shape the model.
_READING_METHODS = frozenset({
    "parameters", "named_parameters", "children", "named_children", "modules", "named_modules",
    "state_dict", "buffers", "train", "eval", "to", "cuda", "cpu", "forward", "summary", "count_params",
    "compile", "fit", "predict", "evaluate", "save", "save_weights", "zero_grad", "step", "backward",
    "item", "size", "numel", "dim", "view", "reshape", "get_config", "get_layer", "get_weights",
    "format", "join", "startswith", "endswith", "lower", "upper", "split", "strip", "replace", "keys",
    "values", "items", "get", "index", "count", "copy", "parse_args", "parse_known_args", "add_argument",
})
_PLACING_METHODS = frozenset({"to", "cuda", "cpu", "type", "half", "float", "double", "bfloat16"})
# Nodes whose ``target`` a statement writes, and nodes whose body is a scope of its own.
_TARGETED = frozenset({cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor})
_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
# Fields of libcst nodes that hold only whitespace, punctuation and comments: a walk for
# names skips them.
_LAYOUT_FIELDS = ("whitespace", "lpar", "rpar", "leading_lines", "lines_after_decorators", "comma",
                  "semicolon", "trailing_whitespace", "footer", "header", "newline", "equal", "colon",
                  "first_line", "empty_lines")
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """``node.children`` without layout, read from the node's fields: libcst's
    ``children`` runs a visitor over the node (≈20× the cost), and a walk for names
    (``names_in``) calls it on every node of every statement it tracks."""
    kind = type(node)
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _CHILD_FIELDS[kind] = tuple(f.name for f in fields(kind) if not f.name.startswith(_LAYOUT_FIELDS))
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif type(value) is tuple or type(value) is list:
            out.extend(v for v in value if isinstance(v, cst.CSTNode))
    return out


_PLAIN = (int, float, str, bool, type(None), tuple, list, dict, range, slice, type(Ellipsis), frozenset)


def _number(node: cst.Integer | cst.Float) -> int | float:
    """A numeric literal's value as ``literal_eval`` gives it, without compiling it."""
    try:
        return int(node.value, 0) if isinstance(node, cst.Integer) else float(node.value)
    except ValueError:
        return node.evaluated_value


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _plain(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return isinstance(value, _PLAIN)


def _too_big(op_type: type | None, left: Any, right: Any) -> bool:
    """Folding ``2 ** 10**9``, ``[0] * 10**9`` or ``1 << 10**9`` would hang the
    linter; such values are never model sizes."""
    if op_type is cst.Power and isinstance(right, int) and isinstance(left, (int, float)):
        return abs(right) > 256 and abs(left) > 1
    if op_type is cst.LeftShift and isinstance(right, int):
        return right > 256
    if op_type is cst.Multiply:
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (list, tuple, str)) and isinstance(n, int) and len(seq) * n > 262_144:
                return True
    return False


# -- symbols (issue 9) ------------------------------------------------------------------
# A value the file leaves open but whose origin is known (a constructor argument without
# a default, an attribute of one, an input dimension) is an ``Expr`` symbol of
# analyzer/symbolic. That module is imported only when the first symbol is made: a file
# without symbols never loads it (``shapes.is_expr`` looks for it in ``sys.modules``).

SYMBOL_KINDS_WITH_MEMBERS = ("parameter", "config")  # objects the file passes in: `cfg.hidden`
_SYMBOL_OPS: dict[type, str] = {cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.FloorDivide: "//",
                                cst.Modulo: "%", cst.Power: "**", cst.Divide: "/"}


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _brief(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def fold_symbolic(op_type: type | None, left: Any, right: Any) -> Any:
    """``left op right`` where one side is an ``Expr``: ``+ - * // %`` and a constant
    power fold into an expression; anything without an exact integer form (``/``, a
    symbolic exponent, a division by a non-monomial, a float or a list operand, an
    expression past the size bounds) is :class:`Unknown` with the reason — never a
    guess, and bounded: analyzer/symbolic caps terms and degree."""
    from modelint.analyzer import symbolic as sym

    op = _SYMBOL_OPS.get(op_type, "?") if op_type is not None else "?"
    text = f"`{_brief(left)} {op} {_brief(right)}`"
    if not ((_int(left) or is_expr(left)) and (_int(right) or is_expr(right))):
        if op_type is cst.Multiply and isinstance(left if is_expr(right) else right, (list, tuple, str)):
            return Unknown(f"{text}: a sequence repeated a symbolic number of times")
        return Unknown(f"{text}: arithmetic of a symbol with a value that is not an integer")
    try:
        if op_type is cst.Add:
            return sym.add(left, right)
        if op_type is cst.Subtract:
            return sym.add(left, sym.mul(right, -1))
        if op_type is cst.Multiply:
            return sym.mul(left, right)
        if op_type is cst.FloorDivide:
            return sym.floordiv(left, right)
        if op_type is cst.Modulo:
            return sym.Expr.lift(left) % right
        if op_type is cst.Power:
            return sym.power(left, right)
    except sym.NotFoldable as exc:
        return Unknown(f"{text} has no exact integer form ({exc})")
    except (TypeError, ValueError, ArithmeticError) as exc:
        return Unknown(f"{text} cannot be folded ({type(exc).__name__})")
    if op_type is cst.Divide:
        return Unknown(f"{text}: true division of a symbol has no integer form")
    return Unknown(f"{text}: operator not folded on symbols")


def used_symbols(model: Any, origins: Mapping[str, SymbolOrigin]) -> dict[str, SymbolOrigin]:
    """The symbols a built model's layers use (input dims, attributes, outputs, counts),
    with their origins, in order of first appearance (layers in topological order).
    A name without a recorded origin (never expected) gets an ``unknown`` one."""
    found: dict[str, SymbolOrigin] = {}

    module = sys.modules.get("modelint.analyzer.symbolic")
    if module is None:
        return found  # no symbol was ever made: nothing to look for
    expr_type = module.Expr
    seen: set[Any] = set()

    def visit(value: Any, depth: int = 0) -> None:
        if isinstance(value, expr_type):
            if value in seen:
                return
            seen.add(value)
            for name in sorted(value.symbols()):
                if name not in found:
                    found[name] = origins.get(name) or SymbolOrigin(name, "unknown", f"`{name}`")
        elif isinstance(value, (tuple, list)) and depth < 3:
            for item in value:
                if item is not None and not isinstance(item, (int, str)):
                    visit(item, depth + 1)

    for layer in model.layers():
        visit(layer.outputs)
        for value in layer.attrs.values():
            if isinstance(value, (expr_type, tuple, list)):
                visit(value, 1)
        visit(layer.trainable)
        visit(layer.non_trainable)
    return found


def _safe_builtins() -> dict[str, Builtin]:
    def _len(x: Any) -> Any:
        return len(x) if isinstance(x, (tuple, list, dict, str, range)) else Unknown("len() of an unknown value")

    table: dict[str, Callable[..., Any]] = {
        "range": range,
        "len": _len,
        "int": int,
        "float": float,
        "str": str,
        "bool": bool,
        "abs": abs,
        "min": min,
        "max": max,
        "sum": sum,
        "round": round,
        "divmod": divmod,
        "list": list,
        "tuple": tuple,
        "dict": dict,
        "zip": lambda *a: list(zip(*a)),
        "enumerate": lambda x, start=0: list(enumerate(x, start)),
        "reversed": lambda x: list(reversed(x)),
        "sorted": sorted,
        "map": None,  # handled by the evaluator (needs to call values)
        "isinstance": None,
        "print": lambda *a, **k: None,
        "slice": slice,
        "pow": pow,
        "all": all,
        "any": any,
        "set": set,
    }
    return {k: Builtin(k, v) for k, v in table.items() if v is not None}


@dataclass(frozen=True, slots=True)
class SourceMetadata:
    """libcst's positions for one module: resolved once per file and shared by
    every frontend that folds it.

    Names are not resolved through QualifiedNameProvider: the evaluator binds
    imports in its own scopes as it folds them (same answers for every import
    style, aliases and function-local imports included), which spares the scope
    analysis — the largest single cost on a 1,000-line file in an editor."""

    positions: Mapping[cst.CSTNode, Any]


def resolve_metadata(module: cst.Module) -> SourceMetadata:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return SourceMetadata(wrapper.resolve(PositionProvider))


def metadata_for(ctx: Any, module: cst.Module) -> SourceMetadata:
    """The file's metadata, cached on its FileContext."""
    cached = ctx.extra.get("cst_metadata")
    if cached is None or cached[0] is not module:
        cached = (module, resolve_metadata(module))
        ctx.extra["cst_metadata"] = cached
    return cached[1]


def _returned_name(stmt: cst.CSTNode) -> str | None:
    """``NAME`` when the statement is ``return NAME``."""
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Return) and isinstance(small.value, cst.Name):
                return small.value.value
    return None


class Evaluator:
    """Folds a module. Frontends subclass it and override the ``hook_*`` methods."""

    def __init__(self, module: cst.Module, path: str, metadata: SourceMetadata | None = None) -> None:
        self.path = path
        self.module = module
        metadata = metadata or resolve_metadata(module)
        self.positions = metadata.positions
        self.builtins = _safe_builtins()
        self.module_scope = Scope()
        self.module_scope.vars["__name__"] = "__main__"
        self.depth = 0
        self.unresolved: list[tuple[str, Span | None]] = []
        self.steps = 0
        self.root: Function | None = None
        self.stopped: list[tuple[str, Span | None]] = []  # functions whose evaluation hit a bound
        self.tracked: set[int] = set()  # id() of the FunctionDefs whose instance sites are recorded
        self.frame_sites: list[tuple[Function, Scope]] = []
        self._names: dict[int, tuple[cst.CSTNode, frozenset[str], frozenset[str]]] = {}
        # Symbols (issue 9): the origins of the symbols the current root made, by name;
        # the function whose missing arguments become symbols at its next binding; per
        # model object a root built, (the object, its root's origins).
        self.origins: dict[str, SymbolOrigin] = {}
        self._symbolize: Function | None = None
        self._config_roots: dict[str, str] = {}
        self.value_origins: dict[int, tuple[Any, dict[str, SymbolOrigin]]] = {}
        # Builders never called whose required parameters became symbols: id(result) →
        # (result, their names, the builder's name span), for the frontend's report.
        self.missing_args: dict[int, tuple[Any, list[str], Span | None]] = {}

    # Frontends opt in: while False, missing values stay Unknown exactly as before.
    SYMBOLS = False

    # -- symbols --------------------------------------------------------------------
    def start_symbols(self, fn: "Function | None" = None) -> dict[str, SymbolOrigin]:
        """A new root: a fresh origins table; when ``fn`` is given, its parameters that
        get no value at its next binding (the class built with its defaults, the
        builder never called) become symbols named after them (kind ``parameter``)."""
        self.origins = {}
        self._config_roots = {}
        self._symbolize = fn if self.SYMBOLS else None
        return self.origins

    def make_symbol(self, name: str, kind: str, description: str, node: cst.CSTNode | None = None,
                    span: Span | None = None) -> Any:
        """``Expr.symbol(name)`` with its origin recorded in ``self.origins``; the same
        name of another origin gets a suffix (``H_2``)."""
        from modelint.analyzer.symbolic import Expr

        if span is None and node is not None:
            span = self.span(node)
        final, n = name, 2
        while final in self.origins and (self.origins[final].kind,
                                         self.origins[final].description) != (kind, description):
            final, n = f"{name}_{n}", n + 1
        if final not in self.origins:
            self.origins[final] = SymbolOrigin(final, kind, description, span)
        return Expr.symbol(final)

    def use_origins(self, value: Any) -> dict[str, SymbolOrigin]:
        """Before a model object is built into a graph: the origins of the root that made
        it become current (a copy: input symbols added then stay that model's)."""
        entry = self.value_origins.get(id(value))
        self.origins = dict(entry[1]) if entry is not None and entry[0] is value else {}
        return self.origins

    def remember_origins(self, value: Any) -> None:
        if self.origins and id(value) not in self.value_origins:
            self.value_origins[id(value)] = (value, self.origins)

    def holder(self, value: Any) -> tuple[str, SymbolOrigin] | None:
        """(name, origin) when ``value`` is a bare symbol standing for an object the file
        passes in (a parameter, or an attribute of one): its members are symbols too."""
        if not is_expr(value) or len(value.terms) != 1:
            return None
        mono, coef = value.terms[0]
        if coef != 1 or len(mono) != 1 or mono[0][1] != 1:
            return None
        name = getattr(mono[0][0], "name", None)
        origin = self.origins.get(name) if isinstance(name, str) else None
        if origin is None or origin.kind not in SYMBOL_KINDS_WITH_MEMBERS:
            return None
        return name, origin  # type: ignore[return-value]

    def symbol_member(self, value: Any, key: Any, attr: bool, node: cst.CSTNode) -> Any:
        """``cfg.hidden`` / ``layers[0]`` / ``cfg["hidden"]`` on a parameter symbol: a
        symbol of kind ``config`` named by the access; anything else is Unknown."""
        held = self.holder(value)
        if held is None or not (attr or _int(key) or isinstance(key, str)):
            what = f"attribute `{key}`" if attr else "subscript"
            return Unknown(f"{what} of `{_brief(value)}`, a value not known here")
        name, origin = held
        full = f"{name}.{key}" if attr else f"{name}[{key!r}]"
        root = origin.description if origin.kind == "parameter" else self._config_roots.get(name, origin.description)
        self._config_roots[full] = root
        return self.make_symbol(full, "config", f"`{full}`, read from {root}", node)

    def missing_argument(self, fn: "Function", param: cst.Param) -> Any:
        name = param.name.value
        if fn is self._symbolize:
            return self.make_symbol(name, "parameter", f"argument `{name}` of {fn.qualname}() (no default)", param)
        return Unknown(f"argument `{name}` of {fn.name}() has no value")

    # -- utilities --------------------------------------------------------------
    def span(self, node: cst.CSTNode) -> Span | None:
        try:
            rng = self.positions[node]
        except KeyError:
            return None
        return Span(rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)

    def note_unresolved(self, reason: str, node: cst.CSTNode | None) -> Unknown:
        self.unresolved.append((reason, self.span(node) if node is not None else None))
        return Unknown(reason)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def bind_import(self, stmt: cst.Import | cst.ImportFrom, scope: Scope) -> None:
        """An import binds names to :class:`Ref` qualified names, as Python binds
        modules: ``import torch.nn as nn`` → ``nn`` = ``torch.nn``; ``import a.b``
        → ``a``; ``from a import b as c`` → ``c`` = ``a.b``. Nothing is imported."""
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                dotted = _dotted(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    scope.vars[alias.asname.name.value] = Ref(dotted)
                else:
                    head = dotted.split(".", 1)[0]
                    scope.vars[head] = Ref(head)
            return
        base = "." * len(stmt.relative) + (_dotted(stmt.module) if stmt.module is not None else "")
        if isinstance(stmt.names, cst.ImportStar):
            return  # names from `import *` stay unknown
        for alias in stmt.names:
            name = _dotted(alias.name)
            bound = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            scope.vars[bound] = Ref(f"{base}.{name}" if base and not base.endswith(".") else f"{base}{name}")

    # -- statements -------------------------------------------------------------
    def run_module(self) -> Scope:
        self.module_scope.track = True
        self.exec_tracked(self.module.body, self.module_scope)
        return self.module_scope

    def exec_block(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            self.exec_stmt(stmt, scope)

    # -- tracked frames: which unresolved notes may have shaped which model ---------------
    def exec_tracked(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        """Run a frame's statements one by one, recording for each name the notes of
        the statements that wrote it (or read a name already shaped by a note), so a
        model bound later carries every unresolved construct its value depends on.
        A bound exceeded inside one statement stops that statement only."""
        try:
            self._track(body, scope)
        finally:
            self.close_frame(scope)

    def _track(self, body: Sequence[cst.CSTNode], scope: Scope) -> None:
        for stmt in body:
            if isinstance(stmt, cst.If):
                # A static condition (`if __name__ == "__main__":`): its branch is tracked
                # statement by statement, not as one block.
                cond = self.truth(self.fold(stmt.test, scope))
                if cond is not None:
                    if cond:
                        self._track(stmt.body.body, scope)
                    elif isinstance(stmt.orelse, cst.If):
                        self._track([stmt.orelse], scope)
                    elif isinstance(stmt.orelse, cst.Else):
                        self._track(stmt.orelse.body.body, scope)
                    continue
            before = len(self.unresolved)
            returning: _Return | None = None
            try:
                self.exec_stmt(stmt, scope)
            except _Return as ret:
                returning = ret
            except EvalLimit as exc:
                if not exc.noted:
                    exc.noted = True
                    self.note_unresolved(f"evaluation stopped: {exc}", stmt)
                # The rest of the frame still runs (the model it binds is reported, inexact):
                # a small grace per statement, bounded by the size of the source.
                self.steps = min(self.steps, MAX_STEPS - GRACE_STEPS)
            new = self.unresolved[before:] if len(self.unresolved) >= before else []
            if new or scope.taint:
                reads, writes = self.names_in(stmt)
                notes = list(new)
                for name in reads:
                    for note in scope.taint.get(name, ()):
                        if note not in notes:
                            notes.append(note)
                if notes:
                    for name in writes:
                        if isinstance(scope.lookup(name)[1], Ref):
                            continue  # `torch.manual_seed(...)` does not change the module torch
                        known = scope.taint.setdefault(name, [])
                        known.extend(n for n in notes if n not in known)
                    for site in scope.pending:
                        site.notes.extend(n for n in notes if n not in site.notes)
            scope.sites.extend(scope.pending)
            scope.pending.clear()
            if returning is not None:
                value = returning.value
                var = _returned_name(stmt)
                for site in scope.sites:
                    # The variable a builder returns is its result (docs/models.md), also
                    # where it was first bound to another model (`model = VGG16(...)`,
                    # then `model = Model(model.inputs, out)`; `return model`).
                    if (site.value is value and value is not None) or (var is not None and site.var == var):
                        site.returned = True
                scope.return_notes = notes if (new or scope.taint) else []
                raise returning

    def close_frame(self, scope: Scope) -> None:
        """A model bound in this frame and changed later (``model.add`` in a loop that
        was not followed) also carries the notes of those later statements."""
        for site in scope.sites:
            for note in scope.taint.get(site.var, ()):
                if note not in site.notes:
                    site.notes.append(note)

    def names_in(self, stmt: cst.CSTNode) -> tuple[frozenset[str], frozenset[str]]:
        """(names read, names written or mutated) anywhere in a statement; a method
        call ``x.add(...)`` and ``x.attr = ...`` / ``x[k] = ...`` count as writing x."""
        cached = self._names.get(id(stmt))
        if cached is not None and cached[0] is stmt:
            return cached[1], cached[2]
        reads: set[str] = set()
        writes: set[str] = set()

        def target(node: cst.CSTNode) -> None:
            while isinstance(node, (cst.Attribute, cst.Subscript)):
                node = node.value
            if isinstance(node, cst.Name):
                writes.add(node.value)
            elif isinstance(node, (cst.Tuple, cst.List)):
                for el in node.elements:
                    target(el.value)
            elif isinstance(node, cst.StarredElement):
                target(node.value)

        # Exact types (these libcst classes have no subclasses): an isinstance on a libcst
        # class goes through ABCMeta, and this walk visits every node of the statement.
        stack: list[cst.CSTNode] = [stmt]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is cst.Name:
                reads.add(node.value)  # type: ignore[attr-defined]
            elif kind is cst.Assign:
                for t in node.targets:  # type: ignore[attr-defined]
                    target(t.target)
            elif kind in _TARGETED:
                target(node.target)  # type: ignore[attr-defined]
            elif kind is cst.AsName:
                target(node.name)  # type: ignore[attr-defined]
            elif kind is cst.Call and type(node.func) is cst.Attribute:  # type: ignore[attr-defined]
                method = node.func.attr.value  # type: ignore[attr-defined]
                if method in _PLACING_METHODS:
                    # `Net().to(device)`: where a model lives does not shape it.
                    stack.append(node.func)  # type: ignore[attr-defined]
                    continue
                if method not in _READING_METHODS:
                    target(node.func.value)  # type: ignore[attr-defined]
            elif kind in _SCOPES and node is not stmt:
                continue
            stack.extend(_child_nodes(node))
        result = (frozenset(reads), frozenset(writes))
        self._names[id(stmt)] = (stmt, *result)
        return result

    def is_model(self, value: Any) -> bool:
        """A model object of the frontend (an instance site records it)."""
        return False

    def is_model_class(self, cls: UserClass) -> bool:
        """A model (or layer) class of the frontend: its methods' locals are its parts."""
        return False

    def hook_root_start(self, fn: Function) -> None:
        """Called before a function is analysed on its own (Keras resets its auto-names)."""
        return None

    def record_site(self, name: str, value: Any, scope: Scope, node: cst.CSTNode) -> None:
        if scope.track and self.is_model(value):
            scope.pending.append(Site(scope.owner, name, value, self.span(node)))

    def exec_stmt(self, stmt: cst.CSTNode, scope: Scope) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise EvalLimit(f"more than {MAX_STEPS:,} statements evaluated (a loop or recursion too long to follow)")
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, scope)
        elif isinstance(stmt, cst.FunctionDef):
            qual = stmt.name.value if scope is self.module_scope else f"<local>.{stmt.name.value}"
            scope.vars[stmt.name.value] = Function(stmt, scope, qual)
        elif isinstance(stmt, cst.ClassDef):
            self.exec_class(stmt, scope)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, scope)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, scope)
        elif isinstance(stmt, (cst.With,)):
            self.exec_block(stmt.body.body, scope)
        elif isinstance(stmt, cst.Try):
            self.exec_block(stmt.body.body, scope)
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, scope)
            if stmt.finalbody is not None:
                self.exec_block(stmt.finalbody.body.body, scope)
        elif isinstance(stmt, cst.While):
            reason = f"`while {self.code(stmt.test)[:40]}` loop is not followed"
            self.note_unresolved(reason, stmt)
            self.forget_writes(stmt, scope, reason)
        # Other compound statements (match, async) are skipped.

    def exec_small(self, small: cst.CSTNode, scope: Scope) -> None:
        if isinstance(small, cst.Assign):
            value = self.fold(small.value, scope)
            for target in small.targets:
                self.assign(target.target, value, scope)
                if isinstance(target.target, cst.Name):
                    self.record_site(target.target.value, value, scope, small.value)
        elif isinstance(small, cst.AnnAssign):
            if small.value is not None:
                value = self.fold(small.value, scope)
                self.assign(small.target, value, scope)
                if isinstance(small.target, cst.Name):
                    self.record_site(small.target.value, value, scope, small.value)
        elif isinstance(small, cst.AugAssign):
            current = self.fold(small.target, scope)
            value = self.fold(small.value, scope)
            op_type = _AUGOPS.get(type(small.operator))
            result = self.binop(op_type, current, value, small) if op_type else Unknown("operator")
            self.assign(small.target, result, scope)
        elif isinstance(small, cst.Expr):
            self.fold(small.value, scope)
        elif isinstance(small, cst.Return):
            raise _Return(None if small.value is None else self.fold(small.value, scope))
        elif isinstance(small, cst.Break):
            raise _Break()
        elif isinstance(small, cst.Continue):
            raise _Continue()
        elif isinstance(small, cst.Import | cst.ImportFrom):
            self.bind_import(small, scope)
        elif isinstance(small, cst.Global):
            scope.globals.update(n.name.value for n in small.names)
        elif isinstance(small, cst.Raise):
            # The code raises here: what follows in this frame does not run.
            reason = f"`{self.code(small)[:60]}` is reached"
            raise _Return(self.note_unresolved(reason, small))
        elif isinstance(small, cst.Nonlocal):
            pass

    def exec_class(self, node: cst.ClassDef, scope: Scope) -> None:
        bases = [self.fold(arg.value, scope) for arg in node.bases]
        inner = Scope(parent=scope)
        qual = node.name.value
        cls = UserClass(node, bases, inner.vars, qual)
        self.exec_block(node.body.body, inner)
        for value in inner.vars.values():
            if isinstance(value, Function):
                value.qualname = f"{qual}.{value.name}"
        scope.vars[node.name.value] = cls
        self.hook_class_defined(cls, scope)

    def exec_if(self, node: cst.If, scope: Scope) -> None:
        cond = self.truth(self.fold(node.test, scope))
        if cond is None:
            reason = f"condition `{self.code(node.test)}` is not static"
            self.note_unresolved(reason, node.test)
            self.forget_writes(node, scope, reason)
            return
        if cond:
            self.exec_block(node.body.body, scope)
        elif isinstance(node.orelse, cst.If):
            self.exec_if(node.orelse, scope)
        elif isinstance(node.orelse, cst.Else):
            self.exec_block(node.orelse.body.body, scope)

    def exec_for(self, node: cst.For, scope: Scope) -> None:
        items = self.iterate(self.fold(node.iter, scope))
        if items is None:
            reason = f"loop over `{self.code(node.iter)}` is not static"
            self.note_unresolved(reason, node.iter)
            self.forget_writes(node, scope, reason)
            return
        broke = False
        for count, item in enumerate(items):
            if count >= MAX_LOOP:
                raise EvalLimit("loop too long")
            self.assign(node.target, item, scope)
            try:
                self.exec_block(node.body.body, scope)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke and node.orelse is not None:
            self.exec_block(node.orelse.body.body, scope)

    def forget_writes(self, stmt: cst.CSTNode, scope: Scope, reason: str) -> None:
        """After a loop or branch that is not followed, a name its body may write has an
        unknown value here, not the one from before it (a layer list that skipped its
        loop would pass for complete, and every shape after it for known). Objects
        (modules, instances) are kept: what they miss is said by the note; the
        frontend decides for its own values (``hook_forget``)."""
        _, writes = self.names_in(stmt)
        for name in writes:
            if name not in scope.vars:
                continue
            value = scope.vars[name]
            if is_unknown(value):
                continue
            if _plain(value) or is_expr(value) or isinstance(value, (set, frozenset)):
                scope.vars[name] = Unknown(f"`{name}` may be changed by a construct not followed ({reason})")
            else:
                replaced = self.hook_forget(value, reason, stmt)
                if replaced is not None:
                    scope.vars[name] = replaced

    def hook_forget(self, value: Any, reason: str, stmt: cst.CSTNode) -> Any:
        """What a frontend object becomes after a construct not followed may have
        changed it: None keeps it (modules, models), else its replacement."""
        return None

    def iterate(self, value: Any) -> list[Any] | None:
        if isinstance(value, (list, tuple, range, str)):
            if len(value) > MAX_LOOP:
                raise EvalLimit(f"a loop of {len(value):,} iterations is longer than {MAX_LOOP:,}")
            return list(value)
        if isinstance(value, dict):
            return list(value)
        return self.hook_iterate(value)

    def truth(self, value: Any) -> bool | None:
        if is_unknown(value) or is_expr(value):
            return None  # a branch on a symbol is not followed (ML403 where it matters)
        if _plain(value):
            return bool(value)
        return self.hook_truth(value)

    # -- assignment -------------------------------------------------------------
    def assign(self, target: cst.BaseExpression, value: Any, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            if target.value in scope.globals:
                self.module_scope.vars[target.value] = value
                return
            scope.vars[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e for e in target.elements]
            starred = [i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)]
            seq = self.unpack(value, len(elements), bool(starred))
            if seq is None:
                for e in elements:
                    self.assign(e.value, Unknown(f"cannot unpack `{type(value).__name__}`"), scope)
                return
            if starred:
                i = starred[0]
                tail = len(elements) - i - 1
                parts = list(seq[:i]) + [list(seq[i : len(seq) - tail])] + list(seq[len(seq) - tail :])
            else:
                parts = list(seq)
            for e, v in zip(elements, parts):
                self.assign(e.value, v, scope)
        elif isinstance(target, cst.Attribute):
            obj = self.fold(target.value, scope)
            self.set_attr(obj, target.attr.value, value, target)
        elif isinstance(target, cst.Subscript):
            obj = self.fold(target.value, scope)
            if isinstance(obj, (list, dict)) and len(target.slice) == 1:
                sl = target.slice[0].slice
                if isinstance(sl, cst.Index):
                    key = self.fold(sl.value, scope)
                    try:
                        obj[key] = value
                        return
                    except (TypeError, IndexError, KeyError):
                        pass
            self.hook_setitem(obj, target, value)

    def unpack(self, value: Any, n: int, starred: bool) -> list[Any] | None:
        if isinstance(value, (tuple, list)):
            if len(value) == n or (starred and len(value) >= n - 1):
                return list(value)
            return None
        return self.hook_unpack(value, n)

    def set_attr(self, obj: Any, name: str, value: Any, node: cst.CSTNode) -> None:
        if isinstance(obj, ArgNamespace):
            obj.values[name] = value
            return
        if isinstance(obj, Instance):
            self.hook_setattr(obj, name, value, node)

    # -- expressions ------------------------------------------------------------
    def fold(self, node: cst.BaseExpression, scope: Scope) -> Any:
        try:
            return self._fold(node, scope)
        except (_Return, _Break, _Continue, EvalLimit):
            raise
        except RecursionError:
            raise EvalLimit("nesting too deep") from None
        except Exception as exc:  # noqa: BLE001 — folding must never crash the analysis
            return Unknown(f"cannot fold `{self.code(node)[:60]}`: {type(exc).__name__}")

    def _fold(self, node: cst.BaseExpression, scope: Scope) -> Any:
        # The commonest expressions first, by exact type (libcst's node classes are
        # abstract-base dataclasses: each isinstance below goes through ABCMeta, and
        # the parser never subclasses these concrete ones).
        kind = type(node)
        if kind is cst.Name:
            return self.eval_name(node, scope)  # type: ignore[arg-type]
        if kind is cst.Call:
            return self.eval_call(node, scope)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            return self.get_attr(self.fold(node.value, scope), node.attr.value, node)  # type: ignore[attr-defined]
        if isinstance(node, cst.Integer | cst.Float):
            return _number(node)
        if isinstance(node, cst.Imaginary):
            return node.evaluated_value
        if isinstance(node, cst.SimpleString) and not node.prefix and "\\" not in node.value:
            # "relu", 'same': libcst's evaluated_value compiles every literal with
            # ast.literal_eval, the largest cost of folding a big file.
            return node.value[len(node.quote):-len(node.quote)]
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            value = node.evaluated_value
            return value if isinstance(value, str) else Unknown("bytes literal")
        if isinstance(node, cst.FormattedString):
            return self.eval_fstring(node, scope)
        if isinstance(node, cst.Tuple):
            return tuple(self.eval_elements(node.elements, scope))
        if isinstance(node, cst.List):
            return list(self.eval_elements(node.elements, scope))
        if isinstance(node, cst.Set):
            items = self.eval_elements(node.elements, scope)
            try:
                return frozenset(items) if all(_plain(v) for v in items) else Unknown("set of non-constant values")
            except TypeError:
                return Unknown("unhashable set element")
        if isinstance(node, cst.Dict):
            out: dict[Any, Any] = {}
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    key = self.fold(el.key, scope)
                    try:
                        out[key] = self.fold(el.value, scope)
                    except TypeError:
                        return Unknown("unhashable dict key")
                else:
                    inner = self.fold(el.value, scope)
                    if isinstance(inner, dict):
                        out.update(inner)
                    else:
                        return Unknown("** of an unknown mapping")
            return out
        if isinstance(node, cst.BinaryOperation):
            left = self.fold(node.left, scope)
            right = self.fold(node.right, scope)
            return self.binop(type(node.operator), left, right, node)
        if isinstance(node, cst.UnaryOperation):
            value = self.fold(node.expression, scope)
            if isinstance(node.operator, cst.Not):
                t = self.truth(value)
                return Unknown("not of an unknown value") if t is None else not t
            if is_unknown(value):
                return value
            if is_expr(value):
                if isinstance(node.operator, cst.Minus):
                    return fold_symbolic(cst.Multiply, value, -1)
                if isinstance(node.operator, cst.Plus):
                    return value
                return Unknown(f"bitwise operator on the symbol `{_brief(value)}`")
            if isinstance(node.operator, cst.Minus):
                return -value if _plain(value) else self.hook_unary("neg", value, node)
            if isinstance(node.operator, cst.Plus):
                return +value
            if isinstance(node.operator, cst.BitInvert):
                return ~value
        if isinstance(node, cst.BooleanOperation):
            left = self.fold(node.left, scope)
            t = self.truth(left)
            if t is None:
                return Unknown("boolean of an unknown value")
            if isinstance(node.operator, cst.And):
                return self.fold(node.right, scope) if t else left
            return left if t else self.fold(node.right, scope)
        if isinstance(node, cst.Comparison):
            left = self.fold(node.left, scope)
            for target in node.comparisons:
                right = self.fold(target.comparator, scope)
                if is_unknown(left) or is_unknown(right):
                    return Unknown("comparison with an unknown value")
                if is_expr(left) or is_expr(right):
                    return Unknown(f"comparison with the symbol `{_brief(left if is_expr(left) else right)}`")
                fn = _CMPOPS.get(type(target.operator))
                if fn is None:
                    return Unknown("comparison")
                if isinstance(target.operator, (cst.Is, cst.IsNot)) and not (
                    right is None or left is None or isinstance(right, bool)
                ):
                    return Unknown("identity comparison")
                if not fn(left, right):
                    return False
                left = right
            return True
        if isinstance(node, cst.IfExp):
            t = self.truth(self.fold(node.test, scope))
            if t is None:
                return Unknown(f"condition `{self.code(node.test)}` is not static")
            return self.fold(node.body if t else node.orelse, scope)
        if isinstance(node, cst.Subscript):
            return self.eval_subscript(node, scope)
        if isinstance(node, cst.ListComp | cst.GeneratorExp):
            return self.eval_comp(node, scope)
        if isinstance(node, cst.DictComp):
            return self.eval_dictcomp(node, scope)
        if isinstance(node, cst.Lambda):
            return Unknown("lambda")
        if isinstance(node, cst.Ellipsis):
            return Ellipsis
        return Unknown(f"unsupported expression {type(node).__name__}")

    def eval_fstring(self, node: cst.FormattedString, scope: Scope) -> Any:
        parts: list[str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
            else:
                value = self.fold(part.expression, scope)
                if not _plain(value):
                    return Unknown("f-string with an unknown value")
                parts.append(str(value))
        return "".join(parts)

    def eval_name(self, node: cst.Name, scope: Scope) -> Any:
        found, value = scope.lookup(node.value)
        if found:
            return value
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        if node.value in self.builtins:
            return self.builtins[node.value]
        if node.value in ("map", "isinstance", "super", "getattr", "hasattr", "setattr"):
            return Builtin(node.value, lambda *a, **k: None)
        return Unknown(f"name `{node.value}` is not defined statically")

    def eval_elements(self, elements: Iterable[cst.BaseElement], scope: Scope) -> list[Any]:
        out: list[Any] = []
        for el in elements:
            if isinstance(el, cst.StarredElement):
                inner = self.fold(el.value, scope)
                items = self.iterate(inner)
                if items is None:
                    out.append(Unknown(f"cannot expand `*{self.code(el.value)}`"))
                else:
                    out.extend(items)
            else:
                out.append(self.fold(el.value, scope))
        return out

    def eval_subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        obj = self.fold(node.value, scope)
        index: list[Any] = []
        for el in node.slice:
            sl = el.slice
            if isinstance(sl, cst.Index):
                index.append(self.fold(sl.value, scope))
            else:
                parts = [None if p is None else self.fold(p, scope) for p in (sl.lower, sl.upper, sl.step)]
                index.append(slice(*parts))
        key: Any = index[0] if len(index) == 1 else tuple(index)
        if any(is_expr(i) or (isinstance(i, slice) and any(is_expr(p) for p in (i.start, i.stop, i.step)))
               for i in index) and not is_expr(obj):
            return self.hook_symbolic_index(obj, key, node)
        if isinstance(obj, (list, tuple, str, dict, range)) and not isinstance(obj, Unknown):
            try:
                return obj[key]
            except (TypeError, IndexError, KeyError):
                return Unknown(f"index `{self.code(node)[:40]}` out of range")
        if is_expr(obj):
            return self.symbol_member(obj, key, False, node)
        return self.hook_getitem(obj, key, node)

    def eval_comp(self, node: cst.ListComp | cst.GeneratorExp, scope: Scope) -> Any:
        inner = Scope(parent=scope)
        out: list[Any] = []
        if not self._comp_loop(node.for_in, inner, lambda: out.append(self.fold(node.elt, inner))):
            return Unknown(f"comprehension `{self.code(node)[:40]}` is not static")
        return out

    def eval_dictcomp(self, node: cst.DictComp, scope: Scope) -> Any:
        inner = Scope(parent=scope)
        out: dict[Any, Any] = {}

        def emit() -> None:
            out[self.fold(node.key, inner)] = self.fold(node.value, inner)

        if not self._comp_loop(node.for_in, inner, emit):
            return Unknown("dict comprehension is not static")
        return out

    def _comp_loop(self, for_in: cst.CompFor, scope: Scope, emit: Callable[[], None]) -> bool:
        items = self.iterate(self.fold(for_in.iter, scope))
        if items is None:
            return False
        for item in items[:MAX_LOOP]:
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise EvalLimit(f"more than {MAX_STEPS:,} statements evaluated (a loop or recursion too long to follow)")
            self.assign(for_in.target, item, scope)
            ok = True
            for cond in for_in.ifs:
                t = self.truth(self.fold(cond.test, scope))
                if t is None:
                    return False
                ok = ok and t
            if not ok:
                continue
            if for_in.inner_for_in is not None:
                if not self._comp_loop(for_in.inner_for_in, scope, emit):
                    return False
            else:
                emit()
        return True

    def binop(self, op_type: type | None, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if is_unknown(left):
            return left
        if is_unknown(right):
            return right
        if is_expr(left) or is_expr(right):
            other = right if is_expr(left) else left
            if _int(other) or is_expr(other) or _plain(other):
                return fold_symbolic(op_type, left, right)
            return self.hook_binop(op_type, left, right, node)
        fn = _BINOPS.get(op_type) if op_type else None
        if _too_big(op_type, left, right):
            return Unknown("arithmetic result too large to fold")
        if op_type is cst.Add and type(left) is type(right) and isinstance(left, (list, tuple)):
            return left + right  # layer lists: [Input(...)] + [Dense(u) for u in units]
        if op_type is cst.Multiply and isinstance(left, (list, tuple)) and isinstance(right, int):
            return left * right
        if fn is not None and _plain(left) and _plain(right):
            try:
                return fn(left, right)
            except Exception as exc:  # noqa: BLE001 — a fold that fails is unknown
                return Unknown(f"arithmetic failed: {type(exc).__name__}")
        return self.hook_binop(op_type, left, right, node)

    # -- argparse -----------------------------------------------------------------
    def parser_attr(self, parser: ArgParser, name: str) -> Any:
        if name == "add_argument":
            return _ParserMethod(name, lambda *a, **k: self.add_argument(parser, a, k))
        if name in ("add_argument_group", "add_mutually_exclusive_group", "add_subparsers"):
            return _ParserMethod(name, lambda *a, **k: parser)
        if name == "set_defaults":
            def set_defaults(**k: Any) -> None:
                for dest, value in k.items():
                    flag = parser.options.get(dest, (f"--{dest}", None))[0]
                    parser.options[dest] = (flag, value)
            return _ParserMethod(name, set_defaults)
        if name in ("parse_args", "parse_known_args"):
            ns = ArgNamespace(parser)
            return _ParserMethod(name, lambda *a, **k: (ns, []) if name == "parse_known_args" else ns)
        return _ParserMethod(name, lambda *a, **k: None)

    def add_argument(self, parser: ArgParser, flags: tuple[Any, ...], kw: dict[str, Any]) -> None:
        names = [f for f in flags if isinstance(f, str)]
        if not names:
            return None
        longs = [f for f in names if f.startswith("--")]
        dest = kw.get("dest")
        if not isinstance(dest, str):
            dest = (longs[0] if longs else names[0]).lstrip("-").replace("-", "_")
        flag = longs[0] if longs else names[0]
        action = kw.get("action")
        if not names[0].startswith("-") or kw.get("required") is True:
            value: Any = Unknown(f"argparse option `{flag}` has no default (the script needs it on the command line)")
        elif "default" in kw:
            value = kw["default"]
            kind = kw.get("type")
            if isinstance(value, str) and isinstance(kind, Builtin) and kind.name in ("int", "float"):
                try:
                    value = kind.fn(value)
                except ValueError:
                    value = Unknown(f"default of `{flag}` is not a {kind.name}")
        elif action == "store_true":
            value = False
        elif action == "store_false":
            value = True
        else:
            value = None
        parser.options[dest] = (flag, value)
        return None

    def namespace_attr(self, ns: ArgNamespace, name: str, node: cst.CSTNode) -> Any:
        if name in ns.values:
            return ns.values[name]
        if name not in ns.parser.options:
            return Unknown(f"`args.{name}` is not an option of the file's ArgumentParser")
        flag, value = ns.parser.options[name]
        if not is_unknown(value):
            text = f"assumed argparse default {flag}={value!r} (the value the script uses when run without arguments)"
            self.unresolved.append((Assumed(text), self.span(node)))
        return value

    # -- attributes -------------------------------------------------------------
    def get_attr(self, obj: Any, name: str, node: cst.CSTNode) -> Any:
        if is_unknown(obj):
            return obj
        if is_expr(obj):
            return self.symbol_member(obj, name, True, node)
        if isinstance(obj, ArgParser):
            return self.parser_attr(obj, name)
        if isinstance(obj, ArgNamespace):
            return self.namespace_attr(obj, name, node)
        if isinstance(obj, Ref):
            return obj.attr(name)
        if isinstance(obj, Instance):
            if name in obj.attrs:
                return obj.attrs[name]
            found, value = obj.cls.lookup(name)
            if found:
                return BoundMethod(obj, value) if isinstance(value, Function) else value
            return self.hook_getattr(obj, name, node)
        if isinstance(obj, UserClass):
            found, value = obj.lookup(name)
            return value if found else Unknown(f"{obj.name}.{name}")
        if isinstance(obj, SuperProxy):
            mro = obj.instance.cls.mro() if isinstance(obj.instance, Instance) else []
            after = mro[mro.index(obj.cls) + 1 :] if obj.cls in mro else []
            for cls in after:
                if name in cls.namespace:
                    value = cls.namespace[name]
                    return BoundMethod(obj.instance, value) if isinstance(value, Function) else value
            return self.hook_super_attr(obj, name, node)
        if isinstance(obj, list):
            methods = {"append": obj.append, "extend": lambda it: obj.extend(self.iterate(it) or []),
                       "insert": obj.insert, "pop": obj.pop, "index": obj.index, "copy": obj.copy,
                       "count": obj.count, "reverse": obj.reverse}
            if name in methods:
                return Builtin(f"list.{name}", methods[name])
        if isinstance(obj, dict):
            methods = {"items": lambda: list(obj.items()), "keys": lambda: list(obj.keys()),
                       "values": lambda: list(obj.values()), "get": obj.get, "update": obj.update,
                       "pop": obj.pop, "setdefault": obj.setdefault, "copy": obj.copy}
            if name in methods:
                return Builtin(f"dict.{name}", methods[name])
        if isinstance(obj, str):
            if name in ("format", "lower", "upper", "join", "replace", "split", "startswith", "endswith", "strip"):
                return Builtin(f"str.{name}", getattr(obj, name))
        if isinstance(obj, tuple) and name in ("index", "count"):
            return Builtin(f"tuple.{name}", getattr(obj, name))
        return self.hook_getattr(obj, name, node)

    # -- calls ------------------------------------------------------------------
    def eval_args(self, node: cst.Call, scope: Scope) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for arg in node.args:
            if arg.star == "*":
                items = self.iterate(self.fold(arg.value, scope))
                if items is None:
                    args.append(Unknown(f"cannot expand `*{self.code(arg.value)}`"))
                else:
                    args.extend(items)
            elif arg.star == "**":
                mapping = self.fold(arg.value, scope)
                if isinstance(mapping, dict):
                    kwargs.update({str(k): v for k, v in mapping.items()})
                else:
                    kwargs["**"] = Unknown(f"cannot expand `**{self.code(arg.value)}`")
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = self.fold(arg.value, scope)
            else:
                args.append(self.fold(arg.value, scope))
        return args, kwargs

    def eval_call(self, node: cst.Call, scope: Scope) -> Any:
        func = self.fold(node.func, scope)
        if isinstance(func, Builtin) and func.name == "super":
            return self.make_super(scope)
        if isinstance(func, Builtin) and func.name in ("map", "isinstance", "getattr", "hasattr", "setattr"):
            args, kwargs = self.eval_args(node, scope)
            return self.call_special(func.name, args, node)
        args, kwargs = self.eval_args(node, scope)
        return self.call(func, args, kwargs, node)

    def call_special(self, name: str, args: list[Any], node: cst.Call) -> Any:
        if name == "map" and len(args) == 2:
            items = self.iterate(args[1])
            if items is None:
                return Unknown("map over an unknown iterable")
            return [self.call(args[0], [x], {}, node) for x in items]
        if name == "getattr" and len(args) in (2, 3) and isinstance(args[1], str):
            return self.get_attr(args[0], args[1], node)
        if name == "setattr" and len(args) == 3 and isinstance(args[1], str):
            self.set_attr(args[0], args[1], args[2], node)
            return None
        if name == "isinstance" and len(args) == 2:
            return self.fold_isinstance(args[0], args[1])
        return Unknown(f"{name}() is not folded")

    def fold_isinstance(self, value: Any, kind: Any) -> Any:
        """``isinstance(v, int)`` on a folded value (the VGG ``cfg`` loop mixing ints
        and ``'M'``); other classes are the frontend's (``hook_isinstance``)."""
        kinds = list(kind) if isinstance(kind, tuple) else [kind]
        if is_unknown(value) or is_expr(value):
            return Unknown("isinstance of an unknown value")
        types: list[type] = []
        for k in kinds:
            if isinstance(k, Builtin) and isinstance(k.fn, type):
                types.append(k.fn)
            else:
                return self.hook_isinstance(value, kind)
        if _plain(value) or isinstance(value, (set, frozenset)):
            return isinstance(value, tuple(types))
        return False if not any(t in (object,) for t in types) else True

    def make_super(self, scope: Scope) -> Any:
        found, self_obj = scope.lookup("self")
        found_cls, cls = scope.lookup("__class__")
        if found and found_cls and isinstance(cls, UserClass):
            return SuperProxy(self_obj, cls)
        return Unknown("super() outside a method")

    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if is_unknown(func):
            return func
        if is_expr(func):
            # An object the file passes in, called (a backbone, a layer class): what it
            # builds or computes is not known, and may own parameters.
            return self.note_unresolved(f"`{self.code(node.func)[:40]}` is called, but it is `{_brief(func)}`, "
                                        "a value not known here", node)
        if isinstance(func, Builtin) and func.name == "int" and len(args) == 1 and not kwargs and is_expr(args[0]):
            return args[0]  # a symbol stands for an integer
        if isinstance(func, Ref) and func.qualname == "argparse.ArgumentParser":
            return ArgParser()
        if isinstance(func, _ParserMethod):
            return func.fn(*args, **kwargs)
        if isinstance(func, Builtin):
            if any(isinstance(a, range) and len(a) > MAX_LOOP for a in args):
                return Unknown(f"{func.name}() over more than {MAX_LOOP:,} items")
            if any(is_unknown(a) for a in args) or any(is_unknown(v) for v in kwargs.values()):
                return next(a for a in [*args, *kwargs.values()] if is_unknown(a))
            if not all(_plain(a) for a in args):
                return self.hook_builtin(func, args, kwargs, node)
            try:
                return func.fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                return Unknown(f"{func.name}() failed: {type(exc).__name__}")
        if isinstance(func, Function):
            return self.inline(func, None, args, kwargs, node)
        if isinstance(func, BoundMethod):
            return self.hook_call_method(func, args, kwargs, node)
        if isinstance(func, UserClass):
            return self.hook_instantiate(func, args, kwargs, node)
        if isinstance(func, Ref):
            return self.hook_call_ref(func, args, kwargs, node)
        return self.hook_call_object(func, args, kwargs, node)

    def bind_params(
        self, fn: Function, self_obj: Any, args: list[Any], kwargs: dict[str, Any], scope: Scope
    ) -> None:
        params = fn.node.params
        positional = [*params.posonly_params, *params.params]
        if self_obj is not None:
            args = [self_obj, *args]
        for i, param in enumerate(positional):
            name = param.name.value
            if i < len(args):
                scope.vars[name] = args[i]
            elif name in kwargs:
                scope.vars[name] = kwargs.pop(name)
            elif param.default is not None:
                scope.vars[name] = self.fold(param.default, fn.closure)
            else:
                scope.vars[name] = self.missing_argument(fn, param)
        extra = list(args[len(positional) :])
        if isinstance(params.star_arg, cst.Param):
            scope.vars[params.star_arg.name.value] = tuple(extra)
        for param in params.kwonly_params:
            name = param.name.value
            if name in kwargs:
                scope.vars[name] = kwargs.pop(name)
            elif param.default is not None:
                scope.vars[name] = self.fold(param.default, fn.closure)
            else:
                scope.vars[name] = self.missing_argument(fn, param)
        if params.star_kwarg is not None:
            scope.vars[params.star_kwarg.name.value] = dict(kwargs)
        if fn is self._symbolize:
            self._symbolize = None  # only the root's own binding: a helper it calls is not the root

    def inline(self, fn: Function, self_obj: Any, args: list[Any], kwargs: dict[str, Any],
               node: cst.CSTNode | None, cls: UserClass | None = None) -> Any:
        if self.depth >= MAX_DEPTH:
            raise EvalLimit("helper calls nest too deeply")
        scope = Scope(parent=fn.closure)
        if cls is not None:
            scope.vars["__class__"] = cls
        self.bind_params(fn, self_obj, args, dict(kwargs), scope)
        if self.tracks(fn):
            scope.track, scope.owner = True, fn
            self.tracked.add(id(fn.node))
        self.depth += 1
        try:
            body = fn.node.body
            stmts = body.body if isinstance(body, cst.IndentedBlock) else [body]
            if scope.track:
                self.exec_tracked(stmts, scope)
            else:
                self.exec_block(stmts, scope)
        except _Return as ret:
            return ret.value
        except (_Break, _Continue):
            return None
        finally:
            self.depth -= 1
            if scope.track:
                self.frame_sites.append((fn, scope))
        return None

    def tracks(self, fn: Function) -> bool:
        """Whose local model bindings are instance sites: the function analysed as a
        root, and a top-level function without parameters (``main()``) the first time
        it runs — its locals do not depend on who calls it."""
        if fn is self.root:
            return True
        params = fn.node.params
        return (id(fn.node) not in self.tracked and "." not in fn.qualname and not params.params
                and not params.posonly_params and not params.kwonly_params
                and params.star_arg is None and params.star_kwarg is None)

    def run_root(self, fn: Function, self_obj: Any = None, cls: UserClass | None = None,
                 unknown_params: bool = False) -> tuple[Any, Scope | None]:
        """Analyse one function on its own, as docs/models.md says for builders never
        called (with their defaults) and for instance sites inside functions (with
        their parameters unknown, as the oracle evaluates them). Bounded: its own
        statement budget; a limit stops it with a note, never the analysis."""
        self.root, self.steps, self.depth = fn, 0, 0
        self.hook_root_start(fn)
        self.start_symbols(fn)
        kwargs: dict[str, Any] = {}
        if unknown_params:
            params = fn.node.params
            positional = [*params.posonly_params, *params.params]
            # A method's `self` stays unknown: the object is not a value the file passes in.
            first_is_self = (cls is not None or self_obj is not None) and bool(positional)
            for i, p in enumerate([*positional, *params.kwonly_params]):
                name = p.name.value
                if self.SYMBOLS and not (i == 0 and first_is_self):
                    why = f"parameter `{name}` of {fn.qualname}() (not known at this site)"
                    kwargs[name] = self.make_symbol(name, "parameter", why, p)
                else:
                    kwargs[name] = Unknown(f"parameter `{name}` of {fn.name}() is not known here")
            if self_obj is not None:
                kwargs.pop(next(iter(kwargs)), None)
        before = len(self.frame_sites)
        result: Any = None
        try:
            result = self.inline(fn, self_obj, [], kwargs, fn.node, cls=cls)
        except EvalLimit as exc:
            if not exc.noted:
                self.note_unresolved(f"evaluation stopped: {exc}", fn.node)
        finally:
            self.root = None
            self._symbolize = None
        scope = next((s for f, s in self.frame_sites[before:] if f is fn), None)
        if self.origins:
            if self.is_model(result):
                self.remember_origins(result)
            for _, frame in self.frame_sites[before:]:
                for site in frame.sites:
                    self.remember_origins(site.value)
        return result, scope

    def owner_class(self, fn: Function, obj: Any) -> UserClass | None:
        if isinstance(obj, Instance):
            for cls in obj.cls.mro():
                if cls.namespace.get(fn.name) is fn:
                    return cls
        return None

    # -- hooks for frontends -------------------------------------------------------
    def hook_class_defined(self, cls: UserClass, scope: Scope) -> None:
        return None

    def hook_isinstance(self, value: Any, kind: Any) -> Any:
        return Unknown("isinstance with a class that is not a builtin type")

    def hook_call_ref(self, ref: Ref, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        return Unknown(f"call to `{ref.qualname}` is not modelled")

    def hook_call_method(self, method: BoundMethod, args: list[Any], kwargs: dict[str, Any],
                         node: cst.Call) -> Any:
        return self.inline(method.function, method.obj, args, kwargs, node,
                           cls=self.owner_class(method.function, method.obj))

    def hook_instantiate(self, cls: UserClass, args: list[Any], kwargs: dict[str, Any],
                         node: cst.Call) -> Any:
        obj = Instance(cls)
        found, init = cls.lookup("__init__")
        if found and isinstance(init, Function):
            self.inline(init, obj, args, kwargs, node, cls=self.owner_class(init, obj))
        return obj

    def hook_call_object(self, obj: Any, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        return Unknown(f"call of `{self.code(node.func)[:40]}` is not modelled")

    def hook_builtin(self, func: Builtin, args: list[Any], kwargs: dict[str, Any], node: cst.Call) -> Any:
        if func.name.startswith(("list.", "dict.")) or func.name in ("list", "tuple", "len", "zip",
                                                                     "enumerate", "reversed", "dict"):
            try:
                return func.fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001
                return Unknown(f"{func.name}() failed: {type(exc).__name__}")
        return Unknown(f"{func.name}() of a non-constant value")

    def hook_getattr(self, obj: Any, name: str, node: cst.CSTNode) -> Any:
        return Unknown(f"attribute `{name}` is not known statically")

    def hook_super_attr(self, proxy: SuperProxy, name: str, node: cst.CSTNode) -> Any:
        return Builtin(f"super.{name}", lambda *a, **k: None)

    def hook_setattr(self, obj: Instance, name: str, value: Any, node: cst.CSTNode) -> None:
        obj.attrs[name] = value

    def hook_setitem(self, obj: Any, target: cst.Subscript, value: Any) -> None:
        return None

    def hook_symbolic_index(self, obj: Any, key: Any, node: cst.Subscript) -> Any:
        """``cfg[vgg_name]``, ``x[:, :n]`` with a symbol in the index: not folded here
        (a frontend may model its own objects, a tensor slice)."""
        return Unknown(f"`{self.code(node)[:40]}`: the index is a symbol")

    def hook_getitem(self, obj: Any, key: Any, node: cst.Subscript) -> Any:
        return Unknown(f"subscript `{self.code(node)[:40]}` is not static")

    def hook_binop(self, op_type: type | None, left: Any, right: Any, node: cst.CSTNode) -> Any:
        return Unknown("arithmetic on non-constant values")

    def hook_unary(self, op: str, value: Any, node: cst.CSTNode) -> Any:
        return Unknown("unary operator on a non-constant value")

    def hook_iterate(self, value: Any) -> list[Any] | None:
        return None

    def hook_unpack(self, value: Any, n: int) -> list[Any] | None:
        return None

    def hook_truth(self, value: Any) -> bool | None:
        return None

