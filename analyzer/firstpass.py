"""The first pass: which top-level statements of a Python file can matter to a model.

libcst parses ≈25× slower than Python's own ``ast``, and most files of a repository
hold no model. This pass reads the file's ``ast`` once and selects the top-level
statements the frontends could turn into a model, a layer or a loss — and everything
those depend on or that depends on them; only the selected statements are then parsed
with libcst (``analyzer/incremental.py`` shifts their positions to where they sit).

It is conservative by construction. A statement is selected when:

* it is an import (cheap, and binds the names everything else resolves through);
* it mentions a *model-making name* that can make a model: an attribute chain rooted at
  an imported name that the frontends can turn into a model (``nn.Linear``,
  ``keras.Sequential``, ``keras.Model``, ``timm.create_model``, a bare ``keras`` or
  ``nn`` that could reach them), or — in a file the PyTorch frontend reads — a
  capitalised callee imported from elsewhere, called inside a function's or a method's
  code (``self.enc = Encoder(...)`` is taken for a submodule there; ``T = TypeVar("T")``
  at module level is not). A class only compared against (``isinstance(m, nn.Linear)``)
  makes nothing, unless the file binds ``isinstance`` itself. A name that makes only a *part* (``part_only``: a tensor op or factory such as
  ``torch.cat`` / ``F.relu`` / ``torch.zeros``, a parameter, a Keras layer or loss) seeds
  nothing: on its own it builds nothing a report shows (a Keras layer alone is no model;
  the softmax-into-loss flows are read from the ``ast``), and where a model uses what it
  makes, the closure below selects it (a dependency of the model statement, or a use of
  its names);
* evaluating it at module level could stop the evaluation (``EvalLimit``: a loop, a
  comprehension, a call of a helper of the file, or very deep nesting in code that runs
  when the module is read), since the statements after it would then not be folded;
* it binds a name that a selected statement reads (its dependencies), or reads or
  rebinds a name that a selected statement binds (its uses: ``model.compile(...)``,
  ``if __name__ == "__main__":`` blocks, functions that call a builder) — to a fixpoint.
  A statement kept only because it may stop the evaluation (a loop, a comprehension, a
  builtin's call, with no model-making name and no call of the file's own code) is
  *cold*: what it binds cannot be a model, so its readers are not pulled in — unless a
  selected statement reads what it binds, which makes it a dependency like any other.

A top-level class that can be no model class (no framework base, no base the file
binds) is selected method by method, with the same rules: a method is kept when it
holds a model-making name, reads a name a selected statement binds, or is named by a
kept method of its class (``self.build()``), or names one (its uses). When other
statements name the class (they may instantiate it, subclass it, reach into it), a
method is also kept when any selected statement names it (``Suite().helper()``), when
the frameworks or Python call it unnamed (dunders, ``forward``, ``call``, ``build``…),
or when a selected statement reaches members by name (``getattr``); the class's name
is then hot with its methods, so what other code makes of it is selected. Its header — the
bases, the decorators and everything its body runs when the module is read — is kept
with any of its methods; the methods left out become blank lines in the text libcst
parses, so every position stays where it is (Keras' test classes hold hundreds of
methods, a few of which build a model).

Names are every ``Name`` a statement loads anywhere (function locals included, which
only over-selects) except the parameters of the function it sits in (always bound when
the evaluator runs the body); annotations are skipped for model-making names only,
because the evaluator never reads them. A stray example batch (``np.zeros(...)``) is no
seed: nobody's report shows it unless a model statement reaches it. Whatever is left out can neither create a framework object
nor reach one, so the frontends fold the same objects in the same order; the test over
every fixture and a real-code corpus (``tests/test_firstpass.py``) checks that findings,
positions and fixes are identical to the whole-file analysis.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Keep in step with frontends/keras.py (_PREFIXES, _MODULES) and frontends/pytorch.py
# (nn_class, TORCH_FUNCTIONS, _FACTORIES, _MODEL_LIBRARIES, summary libraries). The
# equivalence test catches a frontend that learns a name this list does not know.
_KERAS_PREFIXES = ("tensorflow.python.keras.", "tensorflow.keras.", "tf.keras.", "keras.src.", "keras.api.",
                   "keras._tf_keras.keras.", "keras.")
_KERAS_MODULES = ("layers.", "models.", "engine.", "layers.experimental.preprocessing.", "layers.core.",
                  "src.layers.")
# keras.py: the Keras modules whose attributes can be a layer, a model or a loss
# (``layers.Dense``, ``models.Sequential``, ``applications.VGG16``, ``losses.mse``).
_KERAS_STEMS = frozenset({"layers", "models", "engine", "losses", "applications", "src"})
_TORCH_ROOTS = frozenset({"torch", "torchvision", "torchaudio", "timm", "transformers", "torchsummary",
                          "torchinfo", "torchsummaryX"})
_MODEL_LIBRARIES = ("torchvision.models.", "timm.", "transformers.", "torchaudio.models.", "torchsummary.",
                    "torchinfo.", "torchsummaryX.")
_NOT_TORCH_SUBMODULES = frozenset({"keras", "tensorflow", "tf_keras", "torch"})
# pytorch.py _FACTORIES: torch.X calls that make a tensor (and a graph input) from nothing.
_TORCH_FACTORIES = frozenset({"randn", "rand", "zeros", "ones", "empty", "full", "randint", "tensor", "arange",
                              "randn_like", "rand_like", "zeros_like", "ones_like", "empty_like", "full_like",
                              "as_tensor"})
# keras.py _TENSOR_FACTORIES (np.zeros, ops.ones) are no seeds: an example batch nobody
# passes to a model leaves no trace in a report, and one passed to a model is reached
# from the model's statement (the closure over names).
_MAX_EXECUTED_DEPTH = 40  # ast levels of module-level code beyond which folding may recurse too deep


def _module_prefixes() -> frozenset[str]:
    """Every dotted prefix of a model-making name: a bare ``tf`` or ``keras.src`` can reach one."""
    out = set()
    for prefix in _KERAS_PREFIXES:
        parts = prefix.rstrip(".").split(".")
        out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    out.update({"tf", "torch", "torch.nn", "torch.nn.modules", "torch.nn.functional", "torchvision",
                "torchvision.models", "torchaudio", "torchaudio.models", "timm", "transformers"})
    return frozenset(out)


_PREFIXES = _module_prefixes()


def _imports_of(roots: str) -> "re.Pattern[str]":
    """A line that imports one of ``roots`` (``|``-separated), at any indentation:
    ``import torch``, ``import os, torch.nn as nn``, ``from torch import nn``."""
    return re.compile(rf"^[ \t]*(?:from[ \t]+(?:{roots})\b|import[ \t]+[^\n#]*?\b(?:{roots})\b)", re.M)


_IMPORTS_KERAS = _imports_of("keras|tensorflow|tf_keras")
_IMPORTS_TORCH = _imports_of("|".join(sorted(_TORCH_ROOTS)))


def frontends_for(source: str) -> list[str]:
    """Which frontends fold the file: the ones whose framework the file imports (the
    engine's decision, kept here so the first pass and the engine agree).

    A file that only mentions a framework (Keras' backend-agnostic code says "torch" in
    comments and strings) builds nothing with it; without this, the PyTorch frontend
    took any outside class such a file instantiates (``np.random.RandomState``, an ONNX
    ``InferenceSession``) for a submodule and reported it as a model."""
    names = []
    if ("keras" in source or "tensorflow" in source) and _IMPORTS_KERAS.search(source):
        names.append("keras")
    if "torch" in source and _IMPORTS_TORCH.search(source):
        names.append("torch")
    return names


def _torch_functions() -> frozenset[str]:
    global _TORCH_FUNCTIONS
    if _TORCH_FUNCTIONS is None:
        from modelint.analyzer.frontends.torch_bindings import TORCH_FUNCTIONS

        _TORCH_FUNCTIONS = frozenset(TORCH_FUNCTIONS)
    return _TORCH_FUNCTIONS


_TORCH_FUNCTIONS: frozenset[str] | None = None


def _not_module_libraries() -> frozenset[str]:
    from modelint.analyzer.frontends.torch_bindings import NOT_MODULE_LIBRARIES

    return NOT_MODULE_LIBRARIES


def model_making(qualname: str, called: bool, frontends: Sequence[str], in_code: bool = True) -> bool:
    """Can the frontends turn ``qualname`` (an imported name with its attribute chain)
    into a model, a layer, a loss or a tensor, or reach one from it? ``in_code``: the
    name sits in code that runs inside a function (not when the module is read)."""
    if qualname in _PREFIXES:
        return True
    keras = _keras_symbol(qualname)
    if keras is not None:
        module, symbol = keras
        if module == "" and symbol.split(".", 1)[0] == "applications":
            # keras.applications.ResNet50 makes a model (a module path reaches one);
            # imagenet_utils.obtain_input_shape() and preprocess_input() make values.
            return not called or symbol.rsplit(".", 1)[-1][:1].isupper()
        if module == "" and not called and symbol[:1].islower() and "." not in symbol \
                and symbol not in _KERAS_STEMS:
            return False  # keras.src.backend, metrics, ops: no attribute of it is a layer or a model
        return module == "losses." or "." not in symbol
    if qualname.startswith("torch."):
        if qualname.startswith("torch.nn.modules."):
            # pytorch.py nn_class: a class of torch.nn.modules (a function of them, such as
            # utils._pair, makes a value), or a module path that reaches one.
            return not called or qualname.rsplit(".", 1)[-1].lstrip("_")[:1].isupper()
        if qualname.startswith("torch.nn.functional."):
            return True
        if qualname.count(".") == 1:
            return qualname[6:] in _TORCH_FACTORIES or qualname in _torch_functions()
        return (qualname.startswith("torch.nn.") and qualname.count(".") == 2) \
            or qualname == "torch.nn.parameter.Parameter" \
            or (qualname.startswith("torch.nn.") and qualname.endswith(".from_pretrained"))  # nn.Embedding's
    if qualname.startswith(_MODEL_LIBRARIES) or qualname in _TORCH_ROOTS:
        return True
    if called and in_code and "torch" in frontends:
        # pytorch.py: an outside class built in code (a function's or a method's body,
        # never at module level: `T = TypeVar("T")`) is taken for a submodule.
        root = qualname.split(".", 1)[0]  # "" for a relative import: the user's own package
        return qualname.rsplit(".", 1)[-1][:1].isupper() and root not in _NOT_TORCH_SUBMODULES \
            and root not in _not_module_libraries() \
            and qualname != "collections.OrderedDict"  # folded as a dict, not taken for a submodule
    return False


def _keras_symbol(qualname: str) -> tuple[str, str] | None:
    """``(module, name)`` of a Keras name, as the Keras frontend reads it:
    ``tf.keras.layers.Dense`` → ``("layers.", "Dense")``, ``keras.Model`` → ``("", "Model")``,
    ``keras.losses.mse`` → ``("losses.", "mse")``; None outside Keras."""
    for prefix in _KERAS_PREFIXES:
        if qualname.startswith(prefix):
            symbol = qualname[len(prefix):]
            if symbol.startswith("losses."):
                return "losses.", symbol[len("losses."):]
            for module in _KERAS_MODULES:
                if symbol.startswith(module):
                    return module, symbol[len(module):]
            return "", symbol
    return None


def part_only(qualname: str) -> bool:
    """A model-making name that makes only a part, never a model: a tensor op or factory
    (``torch.cat``, ``F.relu``, ``torch.zeros``), a parameter, a Keras layer or loss.
    Such a name matters only where a model uses what it makes, and a statement that a
    model reaches is selected anyway (its dependencies and uses); on its own it builds
    nothing any report shows."""
    if qualname in _PREFIXES:
        return False  # a module: it can reach anything
    if qualname.startswith("torch."):
        return (qualname.startswith("torch.nn.functional.") or qualname.count(".") == 1
                or qualname in ("torch.nn.Parameter", "torch.nn.parameter.Parameter"))
    keras = _keras_symbol(qualname)
    if keras is None:
        return False
    module, symbol = keras
    if module in ("models.", "engine.") and symbol not in ("Model", "Sequential", "clone_model"):
        return symbol != "" and "." not in symbol  # keras.py folds any other one into a layer
    return module == "losses." or (module in ("layers.", "src.layers.") and symbol != "" and "." not in symbol)


@dataclass(slots=True)
class _Stmt:
    binds: set[str]
    reads: set[str]
    imports: list[tuple[str, str]]  # (bound name, qualified name) of every import in it
    # (root name, attributes, called, inside a function's code), annotations left out
    chains: list[tuple[str, tuple[str, ...], bool, bool]]
    calls: set[str]  # root names of the calls run when the module is read
    called: set[str]  # every name called as ``NAME(...)`` anywhere in it
    risky: bool  # a loop, a comprehension, a call of no name, or deep nesting, run when the module is read
    attrs: set[str]  # every attribute name it reads or writes (``self.build`` → ``build``): a class's members
    # Chains only compared against (``isinstance(m, nn.Linear)``): they build nothing,
    # unless the file binds ``isinstance`` or ``issubclass`` itself.
    checks: list[tuple[str, tuple[str, ...], bool, bool]]

    @property
    def is_import(self) -> bool:
        return not self.reads and not self.binds - {name for name, _ in self.imports} and bool(self.imports)


def _import_names(node: ast.Import | ast.ImportFrom) -> Iterable[tuple[str, str]]:
    """(bound name, qualified name) as the evaluator binds them."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                head = alias.name.split(".", 1)[0]
                yield head, head
        return
    base = "." * node.level + (node.module or "")
    for alias in node.names:
        if alias.name == "*":
            continue
        qual = f"{base}.{alias.name}" if base and not base.endswith(".") else f"{base}{alias.name}"
        yield alias.asname or alias.name, qual


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CHECKS = frozenset({"isinstance", "issubclass"})
_CHECK = 2  # ``annot`` of the classes a type check compares against (1: an annotation)
_LOOPS = (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FIELDS: dict[type, tuple[str, ...]] = {}
_NAME, _ATTRIBUTE, _CALL, _ARG = ast.Name, ast.Attribute, ast.Call, ast.arg
_CONSTANT, _AST = ast.Constant, ast.AST
_LOAD = ast.Load


def _only_chains(node: ast.expr) -> bool:
    """``nn.Linear`` or ``(nn.Linear, Conv)``: names and attributes of names only."""
    items = node.elts if type(node) is ast.Tuple else (node,)  # type: ignore[attr-defined]
    return all(_root(item) is not None for item in items)


def _scan(stmt: ast.stmt) -> _Stmt:
    """One walk over a top-level statement (a hand-rolled walk: ``ast.walk`` costs as
    much as the parse). ``run`` marks code that runs when the module is read: not
    function bodies, decorators or defaults (the evaluator folds them only when it
    calls the function), but class bodies and everything else at module level."""
    binds: set[str] = set()
    reads: set[str] = set()
    imports: list[tuple[str, str]] = []
    chains: list[tuple[str, tuple[str, ...], bool, bool]] = []
    checks: list[tuple[str, tuple[str, ...], bool, bool]] = []
    calls: set[str] = set()
    called: set[str] = set()
    attr_names: set[str] = set()
    risky = False
    top_def = isinstance(stmt, _DEFS)
    if top_def:
        binds.add(stmt.name)  # type: ignore[attr-defined]
    # (node, runs at module level, inside an annotation, depth, is a callee, parameters
    # of the enclosing functions: always bound when the evaluator runs the body, so a
    # load of one never reads a module-level name)
    none: frozenset[str] = frozenset()
    stack: list[tuple[ast.AST, bool, bool, int, bool, frozenset[str]]] = [(stmt, True, False, 0, False, none)]
    pop, push = stack.pop, stack.append
    while stack:
        node, run, annot, depth, callee, params = pop()
        kind = type(node)
        if kind is _NAME:
            if isinstance(node.ctx, _LOAD):  # type: ignore[attr-defined]
                if node.id in params:  # type: ignore[attr-defined]
                    continue
                reads.add(node.id)  # type: ignore[attr-defined]
                if not annot:
                    chains.append((node.id, (), callee, not run))  # type: ignore[attr-defined]
                elif annot == _CHECK:
                    checks.append((node.id, (), callee, not run))  # type: ignore[attr-defined]
            else:
                reads.add(node.id)  # `x += 1` reads it; over-reading only over-selects
                if not top_def:
                    binds.add(node.id)  # type: ignore[attr-defined]
            continue
        if kind is _ATTRIBUTE:
            attrs: list[str] = []
            inner: ast.AST = node
            while type(inner) is _ATTRIBUTE:
                attrs.append(inner.attr)  # type: ignore[attr-defined]
                inner = inner.value  # type: ignore[attr-defined]
            attr_names.update(attrs)
            if type(inner) is _NAME:
                if inner.id in params:  # type: ignore[attr-defined]
                    continue
                reads.add(inner.id)  # type: ignore[attr-defined]
                if not annot:
                    attrs.reverse()
                    chains.append((inner.id, tuple(attrs), callee, not run))  # type: ignore[attr-defined]
                elif annot == _CHECK:
                    attrs.reverse()
                    checks.append((inner.id, tuple(attrs), callee, not run))  # type: ignore[attr-defined]
                if run and callee:
                    calls.add(inner.id)  # type: ignore[attr-defined]
            else:
                push((inner, run, annot, depth + 1, False, params))
            continue
        if run:
            if depth > _MAX_EXECUTED_DEPTH or kind in _LOOPS:
                risky = True
            elif kind is _CALL:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is _NAME:
                    calls.add(func.id)
                elif type(func) is not _ATTRIBUTE:
                    risky = True  # `f()()`, `obj[0]()`: whatever it is, it may inline code
        if kind is _CALL:
            if type(node.func) is _NAME:  # type: ignore[attr-defined]
                called.add(node.func.id)  # type: ignore[attr-defined]
            push((node.func, run, annot, depth + 1, True, params))  # type: ignore[attr-defined]
            args = node.args  # type: ignore[attr-defined]
            constants = run and depth + 1 > _MAX_EXECUTED_DEPTH
            for child in args:
                if constants or type(child) is not _CONSTANT:
                    push((child, run, annot, depth + 1, False, params))
            if len(args) == 2 and not annot and type(node.func) is _NAME and node.func.id in _CHECKS \
                    and _only_chains(args[1]):  # type: ignore[attr-defined]
                stack[-1] = (args[1], run, _CHECK, depth + 1, False, params)  # the classes it checks against
            for keyword in node.keywords:  # type: ignore[attr-defined]
                push((keyword.value, run, annot, depth + 1, False, params))
            continue
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.Lambda:
            if kind is not ast.Lambda:
                if node is not stmt and not top_def:
                    binds.add(node.name)  # a def inside a top-level if/try binds at module level
                for child in node.decorator_list:  # type: ignore[attr-defined]
                    push((child, False, annot, depth + 1, False, params))
                if node.returns is not None:  # type: ignore[attr-defined]
                    push((node.returns, False, True, depth + 1, False, params))  # type: ignore[attr-defined]
            args = node.args  # type: ignore[attr-defined]
            push((args, False, annot, depth + 1, False, params))  # defaults: the enclosing scope's
            inner_params = params | {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs,
                                                    args.vararg, args.kwarg) if a is not None}
            body = node.body  # type: ignore[attr-defined]
            for child in (body if isinstance(body, list) else [body]):
                push((child, False, annot, depth + 1, False, inner_params))
            continue
        if kind is _ARG:
            if node.annotation is not None:  # type: ignore[attr-defined]
                push((node.annotation, run, True, depth + 1, False, params))  # type: ignore[attr-defined]
            continue
        if kind is ast.AnnAssign:
            push((node.annotation, run, True, depth + 1, False, params))  # type: ignore[attr-defined]
            push((node.target, run, annot, depth + 1, False, params))  # type: ignore[attr-defined]
            if node.value is not None:  # type: ignore[attr-defined]
                push((node.value, run, annot, depth + 1, False, params))  # type: ignore[attr-defined]
            continue
        if kind is ast.Import or kind is ast.ImportFrom:
            found = list(_import_names(node))  # type: ignore[arg-type]
            imports.extend(found)
            if not top_def:
                binds.update(name for name, _ in found)
            continue
        if kind is ast.Global:
            binds.update(node.names)  # type: ignore[attr-defined]
            continue
        if kind is ast.ClassDef and node is not stmt and not top_def:
            binds.add(node.name)  # type: ignore[attr-defined]
        elif kind is ast.ExceptHandler and node.name and not top_def:  # type: ignore[attr-defined]
            binds.add(node.name)  # type: ignore[attr-defined]
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in ("ctx", "type_comment"))
        depth += 1
        # A constant has nothing to read; it matters only as the node of too deep nesting.
        constants = run and depth > _MAX_EXECUTED_DEPTH
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for child in value:
                    if (constants or type(child) is not _CONSTANT) and isinstance(child, _AST):
                        push((child, run, annot, depth, False, params))
            elif (constants or type(value) is not _CONSTANT) and isinstance(value, _AST):
                push((value, run, annot, depth, False, params))
    return _Stmt(binds, reads, imports, chains, calls, called, risky, attr_names, checks)


def select(tree: ast.Module, frontends: Sequence[str]) -> list[int]:
    """Indexes into ``tree.body`` of the statements the frontends must fold, in order.
    Empty when no frontend reads the file or nothing can make a model."""
    return select_parts(tree, frontends).statements


@dataclass(frozen=True, slots=True)
class Selection:
    """What the frontends fold: top-level statements, and of some classes only some methods.

    ``left_out`` maps a selected class (its ``tree.body`` index) to the 1-based inclusive
    line ranges of the methods the frontends need not see: a test class of 200 methods
    of which two build a model costs those two (the parse blanks the others' lines, so
    every position stays where it is)."""

    statements: list[int]
    left_out: dict[int, list[tuple[int, int]]]
    # Name called as ``NAME(...)`` → the top-level functions whose bodies call it (``""``
    # outside any), over the whole file: what model discovery asks (FileContext.calls).
    calls: dict[str, set[str]] | None = None


_NOTHING = Selection([], {})
# Names through which a method reaches members it does not name: with one of them in a
# kept method, the class is kept whole.
_INTROSPECTION = frozenset({"getattr", "setattr", "hasattr", "delattr", "vars", "dir", "__dict__",
                            "__getattr__", "__getattribute__", "locals", "globals", "eval", "exec"})


# Methods the frontends call on a user class's instance without the file naming them
# (a model class built on an open class of the file inherits them); dunders, which
# Python calls for operators and protocols, are kept with them.
_CALLED_UNNAMED = frozenset({"forward", "call", "build", "compute_output_shape", "compute_output_spec",
                             "get_config", "from_config"})


@dataclass(slots=True)
class _Class:
    """A top-level class cut into its header (bases, decorators, everything its body
    runs when the module is read) and its methods, each a unit of the selection."""

    name: str
    header: int  # unit index
    methods: list[int]  # unit indexes
    nodes: list[ast.stmt]  # the methods, in the same order
    binds: set[str]  # names its body binds at class level besides the methods (class attributes)
    open: bool  # other statements name the class: its instances (or subclasses) reach its methods


def _first_line(stmt: ast.stmt) -> int:
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])


def _root(node: ast.expr) -> tuple[str, tuple[str, ...]] | None:
    attrs: list[str] = []
    while type(node) is _ATTRIBUTE:
        attrs.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not _NAME:
        return None
    return node.id, tuple(reversed(attrs))  # type: ignore[attr-defined]


def _split_class(stmt: ast.ClassDef, index: int, info: _Stmt, readers: dict[str, set[int]],
                 only_imported: set[str], bound: set[str], seeds: "_Seeds") -> tuple[_Stmt, list[ast.stmt], list[_Stmt], set[str], bool] | None:
    """(header, methods, their scans, class attributes, open) when the class's methods can
    be selected one by one, else None (the class is one unit, as any statement).

    Only a class that can be no model, layer or loss class, whose bases are imported or
    builtin names, and whose methods each sit on lines of their own: a test class, a
    helper class of a library module. It is *open* when other statements of the file
    name it (they may instantiate it, subclass it, call its methods from outside): then
    the methods any selected statement names are kept too, and those the frameworks or
    Python call without naming them (:data:`_CALLED_UNNAMED`)."""
    methods = [m for m in stmt.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if len(methods) < 2 or stmt.keywords:
        return None
    for base in stmt.bases:
        found = _root(base)
        if found is None:
            return None
        root, attrs = found
        if root not in only_imported and (root in bound or root in seeds.imported):
            return None
        if seeds.level(root, attrs, False):
            return None
    previous_end = stmt.lineno
    for i, member in enumerate(stmt.body):
        first = _first_line(member)
        if first <= previous_end:
            return None  # shares a line with the header or the member before it
        previous_end = member.end_lineno or member.lineno
    rest = [m for m in stmt.body if not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    header_node = ast.ClassDef(name=stmt.name, bases=stmt.bases, keywords=[], body=rest,
                               decorator_list=stmt.decorator_list)
    header = _scan(header_node)
    header.reads.discard(stmt.name)
    class_binds: set[str] = set()
    for member in rest:
        class_binds |= _scan(member).binds
    if seeds(header) or (header.calls - only_imported) & bound:
        return None  # its class-level code can make a model: kept whole
    names = {m.name for m in methods}
    if names & (header.reads | header.attrs):
        return None  # class-level code uses a method (`x = staticmethod(helper)`)
    scans = []
    for member in methods:
        scanned = _scan(member)
        scanned.binds.discard(member.name)
        scanned.reads.discard(stmt.name)
        scans.append(scanned)
    return header, methods, scans, class_binds, bool(readers.get(stmt.name, set()) - {index})


def select_parts(tree: ast.Module, frontends: Sequence[str]) -> Selection:
    """The statements (and methods) the frontends must fold; see the module's docstring.

    A statement selected only because it may stop the evaluation (a loop, a comprehension
    or a builtin's call at module level, with no model-making name and no call of the
    file's own code) is *cold*: kept with what it reads, but the names it binds do not
    pull in their readers (nothing it binds can be a model). It turns hot when a model
    statement reads what it binds."""
    if not frontends or not tree.body:
        return _NOTHING
    tops = [_scan(stmt) for stmt in tree.body]
    imported: dict[str, list[str]] = {}
    for info in tops:
        for name, qual in info.imports:
            quals = imported.setdefault(name, [])
            if qual not in quals:  # test modules repeat their imports in every method
                quals.append(qual)
    if not imported:
        return _NOTHING
    # A call runs only imported code (never inlined) when its root name is bound by
    # imports alone; a name the file also binds otherwise may be a helper of the file.
    only_imported = set(imported)
    bound: set[str] = set()  # names the file binds other than by imports
    top_readers: dict[str, set[int]] = {}
    for i, info in enumerate(tops):
        if not info.is_import:
            local = info.binds - {name for name, _ in info.imports}
            only_imported -= local
            bound |= local
        for name in info.reads:
            top_readers.setdefault(name, set()).add(i)
    seeds = _Seeds(imported, frontends, bool(_CHECKS & (bound | set(imported))))
    units: list[_Stmt] = []
    top_of: list[int] = []
    class_of: list[int] = []
    classes: list[_Class] = []
    open_methods: dict[str, list[int]] = {}  # method name → its units, in open classes
    for i, (stmt, info) in enumerate(zip(tree.body, tops)):
        parts = None
        if type(stmt) is ast.ClassDef:
            parts = _split_class(stmt, i, info, top_readers, only_imported, bound, seeds)
        if parts is None:
            units.append(info)
            top_of.append(i)
            class_of.append(-1)
            continue
        header, methods, scans, class_binds, is_open = parts
        k = len(classes)
        record = _Class(stmt.name, len(units), [], methods, class_binds, is_open)  # type: ignore[attr-defined]
        classes.append(record)
        units.append(header)
        top_of.append(i)
        class_of.append(k)
        for scanned, node in zip(scans, methods):
            if is_open:
                open_methods.setdefault(node.name, []).append(len(units))
            record.methods.append(len(units))
            units.append(scanned)
            top_of.append(i)
            class_of.append(k)
    binders: dict[str, list[int]] = {}
    readers: dict[str, list[int]] = {}
    queue: list[tuple[int, bool]] = []
    for u, info in enumerate(units):
        for name in info.binds:
            binders.setdefault(name, []).append(u)
        for name in info.reads:
            readers.setdefault(name, []).append(u)
        if info.is_import:
            queue.append((u, False))
            continue
        outside = info.calls - only_imported
        if seeds(info, models_only=True) or outside & bound:
            queue.append((u, True))
        elif info.risky or outside:
            queue.append((u, False))  # may stop the evaluation: cold (see above)
    if not queue or all(units[u].is_import for u, _ in queue):
        return _NOTHING  # imports alone build nothing
    selected: dict[int, bool] = {}  # unit → hot
    hot: set[str] = set()  # names bound by hot selected statements other than plain imports
    while queue:
        u, heat = queue.pop()
        was = selected.get(u)
        if was is not None and (was or not heat):
            continue
        selected[u] = heat
        info = units[u]
        if was is None and open_methods:
            # An open class's method is kept when any code that runs names it.
            mentions = info.reads | info.attrs
            if mentions & _INTROSPECTION:
                named = list(open_methods)
            else:
                named = [name for name in mentions if name in open_methods]
            for name in named:
                queue.extend((m, True) for m in open_methods.pop(name) if not selected.get(m, False))
        for name in info.reads:  # what it reads, as it was bound (a store counts as a read: skip itself)
            queue.extend((j, True) for j in binders.get(name, ()) if j != u and not selected.get(j, False))
        if info.is_import:
            continue
        if heat:
            for name in info.binds - hot:
                hot.add(name)
                queue.extend((j, True) for j in readers.get(name, ()) if not selected.get(j, False))
                queue.extend((j, True) for j in binders.get(name, ()) if not selected.get(j, False))
        k = class_of[u]
        if k < 0:
            continue
        record = classes[k]
        if u == record.header:
            if record.open:
                queue.extend((m, True) for m, node in zip(record.methods, record.nodes)
                             if node.name in _CALLED_UNNAMED or node.name.startswith("__"))  # type: ignore[attr-defined]
            if heat and record.binds:
                queue.extend((m, True) for m in record.methods
                             if not selected.get(m, False) and record.binds & (units[m].reads | units[m].attrs))
            continue
        if record.open and heat and not selected.get(record.header, False):
            queue.append((record.header, True))  # what other code makes of the class may build a model
        elif record.header not in selected:
            queue.append((record.header, False))
        mentions = info.reads | info.attrs
        whole = bool(mentions & _INTROSPECTION)
        name = record.nodes[record.methods.index(u)].name  # type: ignore[attr-defined]
        for m, node in zip(record.methods, record.nodes):
            if selected.get(m, False):
                continue
            if whole or node.name in mentions or name in units[m].reads or name in units[m].attrs:  # type: ignore[attr-defined]
                queue.append((m, True))
    statements = sorted({top_of[u] for u in selected})
    left_out: dict[int, list[tuple[int, int]]] = {}
    for record in classes:
        index = top_of[record.header]
        if index not in statements:
            continue
        dropped = [node for m, node in zip(record.methods, record.nodes) if m not in selected]
        if len(dropped) == len(tree.body[index].body):  # type: ignore[attr-defined]
            dropped = dropped[1:]  # a class body cannot be empty: keep its first method
        if dropped:
            left_out[index] = [(_first_line(node), node.end_lineno or node.lineno) for node in dropped]
    calls: dict[str, set[str]] = {}
    for stmt, info in zip(tree.body, tops):
        where = stmt.name if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else ""
        for name in info.called:
            calls.setdefault(name, set()).add(where)
    return Selection(statements, left_out, calls)


class _Seeds:
    """Does a statement mention a model-making name? The answers per name are kept for
    the file: a test module asks about the same ``layers.Dense`` thousands of times."""

    def __init__(self, imported: dict[str, list[str]], frontends: Sequence[str], checks_run: bool = False) -> None:
        """``checks_run``: the file binds ``isinstance`` or ``issubclass`` itself, so a
        type check may run its code: what it compares against counts as code."""
        self.imported, self.frontends, self.checks_run = imported, frontends, checks_run
        self._known: dict[tuple[str, tuple[str, ...], bool, bool], int] = {}

    def __call__(self, info: _Stmt, models_only: bool = False) -> bool:
        """``models_only``: only a name that can make a model counts, not one that makes
        only a part (:func:`part_only`)."""
        wanted = 2 if models_only else 1
        known = self._known
        for chain in (info.chains + info.checks if self.checks_run and info.checks else info.chains):
            level = known.get(chain)
            if level is None:
                level = known[chain] = self.level(*chain)
            if level >= wanted:
                return True
        return False

    def level(self, root: str, attrs: tuple[str, ...], called: bool, in_code: bool = True) -> int:
        """0: builds nothing; 1: a part only; 2: can make a model."""
        level = 0
        for qual in self.imported.get(root, ()):
            dotted = ".".join((qual, *attrs)) if attrs else qual
            if model_making(dotted, called, self.frontends, in_code):
                if not part_only(dotted):
                    return 2
                level = 1
        return level
