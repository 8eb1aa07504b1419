"""The first pass: which top-level statements of a Python file can matter to a model.

libcst parses ≈25× slower than Python's own ``ast``, and most files of a repository
hold no model. This pass reads the file's ``ast`` once and selects the top-level
statements the frontends could turn into a model, a layer or a loss — and everything
those depend on or that depends on them; only the selected statements are then parsed
with libcst (``analyzer/incremental.py`` shifts their positions to where they sit).

It is conservative by construction. A statement is selected when:

* it is an import (cheap, and binds the names everything else resolves through);
* it mentions a *model-making name*: an attribute chain rooted at an imported name that
  the frontends can turn into something (``keras.layers.Dense``, ``nn.Linear``,
  ``torch.cat``, ``keras.losses.X``, ``timm.create_model``, a bare ``keras`` or ``nn``
  that could reach them), or — in a file the PyTorch frontend reads — a capitalised
  callee imported from elsewhere (``Encoder(...)`` is taken for a submodule there);
* evaluating it at module level could stop the evaluation (``EvalLimit``: a loop, a
  comprehension, a call of a helper of the file, or very deep nesting in code that runs
  when the module is read), since the statements after it would then not be folded;
* it binds a name that a selected statement reads (its dependencies), or reads or
  rebinds a name that a selected statement binds (its uses: ``model.compile(...)``,
  ``if __name__ == "__main__":`` blocks, functions that call a builder) — to a fixpoint.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Keep in step with frontends/keras.py (_PREFIXES, _MODULES) and frontends/pytorch.py
# (nn_class, TORCH_FUNCTIONS, _FACTORIES, _MODEL_LIBRARIES, summary libraries). The
# equivalence test catches a frontend that learns a name this list does not know.
_KERAS_PREFIXES = ("tensorflow.python.keras.", "tensorflow.keras.", "tf.keras.", "keras.src.", "keras.api.",
                   "keras._tf_keras.keras.", "keras.")
_KERAS_MODULES = ("layers.", "models.", "engine.", "layers.experimental.preprocessing.", "layers.core.",
                  "src.layers.")
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


def frontends_for(source: str) -> list[str]:
    """Which frontends fold the file: cheap import sniffing on the raw text (the engine's
    decision, kept here so the first pass and the engine agree)."""
    names = []
    if "keras" in source or "tensorflow" in source:
        names.append("keras")
    if "torch" in source:
        names.append("torch")
    return names


def _torch_functions() -> frozenset[str]:
    global _TORCH_FUNCTIONS
    if _TORCH_FUNCTIONS is None:
        from modelint.analyzer.frontends.torch_bindings import TORCH_FUNCTIONS

        _TORCH_FUNCTIONS = frozenset(TORCH_FUNCTIONS)
    return _TORCH_FUNCTIONS


_TORCH_FUNCTIONS: frozenset[str] | None = None


def model_making(qualname: str, called: bool, frontends: Sequence[str]) -> bool:
    """Can the frontends turn ``qualname`` (an imported name with its attribute chain)
    into a model, a layer, a loss or a tensor, or reach one from it?"""
    if qualname in _PREFIXES:
        return True
    for prefix in _KERAS_PREFIXES:
        if qualname.startswith(prefix):
            symbol = qualname[len(prefix):]
            if symbol.startswith("losses."):
                return True
            for module in _KERAS_MODULES:
                if symbol.startswith(module):
                    symbol = symbol[len(module):]
                    break
            return "." not in symbol
    if qualname.startswith("torch."):
        if qualname.startswith(("torch.nn.modules.", "torch.nn.functional.")):
            return True
        if qualname.count(".") == 1:
            return qualname[6:] in _TORCH_FACTORIES or qualname in _torch_functions()
        return (qualname.startswith("torch.nn.") and qualname.count(".") == 2) \
            or qualname == "torch.nn.parameter.Parameter"
    if qualname.startswith(_MODEL_LIBRARIES) or qualname in _TORCH_ROOTS:
        return True
    if called and "torch" in frontends:
        # pytorch.py: an outside class built in code is taken for a submodule.
        root = qualname.lstrip(".").split(".", 1)[0]
        return qualname.rsplit(".", 1)[-1][:1].isupper() and root not in _NOT_TORCH_SUBMODULES \
            and qualname != "collections.OrderedDict"  # folded as a dict, not taken for a submodule
    return False


@dataclass(slots=True)
class _Stmt:
    binds: set[str]
    reads: set[str]
    imports: list[tuple[str, str]]  # (bound name, qualified name) of every import in it
    chains: list[tuple[str, tuple[str, ...], bool]]  # (root name, attributes, called), annotations left out
    calls: set[str]  # root names of the calls run when the module is read
    risky: bool  # a loop, a comprehension, a call of no name, or deep nesting, run when the module is read

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
_LOOPS = (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FIELDS: dict[type, tuple[str, ...]] = {}
_NAME, _ATTRIBUTE, _CALL, _ARG = ast.Name, ast.Attribute, ast.Call, ast.arg
_LOAD = ast.Load


def _scan(stmt: ast.stmt) -> _Stmt:
    """One walk over a top-level statement (a hand-rolled walk: ``ast.walk`` costs as
    much as the parse). ``run`` marks code that runs when the module is read: not
    function bodies, decorators or defaults (the evaluator folds them only when it
    calls the function), but class bodies and everything else at module level."""
    binds: set[str] = set()
    reads: set[str] = set()
    imports: list[tuple[str, str]] = []
    chains: list[tuple[str, tuple[str, ...], bool]] = []
    calls: set[str] = set()
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
                    chains.append((node.id, (), callee))  # type: ignore[attr-defined]
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
            if type(inner) is _NAME:
                if inner.id in params:  # type: ignore[attr-defined]
                    continue
                reads.add(inner.id)  # type: ignore[attr-defined]
                if not annot:
                    attrs.reverse()
                    chains.append((inner.id, tuple(attrs), callee))  # type: ignore[attr-defined]
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
            push((node.func, run, annot, depth + 1, True, params))  # type: ignore[attr-defined]
            for child in node.args:  # type: ignore[attr-defined]
                push((child, run, annot, depth + 1, False, params))
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
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, ast.AST):
                        push((child, run, annot, depth + 1, False, params))
            elif isinstance(value, ast.AST):
                push((value, run, annot, depth + 1, False, params))
    return _Stmt(binds, reads, imports, chains, calls, risky)


def select(tree: ast.Module, frontends: Sequence[str]) -> list[int]:
    """Indexes into ``tree.body`` of the statements the frontends must fold, in order.
    Empty when no frontend reads the file or nothing can make a model."""
    if not frontends or not tree.body:
        return []
    stmts = [_scan(stmt) for stmt in tree.body]
    imported: dict[str, list[str]] = {}
    for info in stmts:
        for name, qual in info.imports:
            imported.setdefault(name, []).append(qual)
    if not imported:
        return []
    # A call runs only imported code (never inlined) when its root name is bound by
    # imports alone; a name the file also binds otherwise may be a helper of the file.
    only_imported = set(imported)
    for info in stmts:
        if not info.is_import:
            only_imported -= info.binds - {name for name, _ in info.imports}
    binders: dict[str, list[int]] = {}
    readers: dict[str, list[int]] = {}
    queue: list[int] = []
    for i, info in enumerate(stmts):
        for name in info.binds:
            binders.setdefault(name, []).append(i)
        for name in info.reads:
            readers.setdefault(name, []).append(i)
        if info.is_import or info.risky or not info.calls <= only_imported \
                or _seeds(info, imported, frontends):
            queue.append(i)
    if all(stmts[i].is_import for i in queue):
        return []  # imports alone build nothing
    selected: set[int] = set()
    hot: set[str] = set()  # names bound by selected statements other than plain imports
    while queue:
        i = queue.pop()
        if i in selected:
            continue
        selected.add(i)
        info = stmts[i]
        for name in info.reads:
            queue.extend(j for j in binders.get(name, ()) if j not in selected)
        if info.is_import:
            continue
        for name in info.binds - hot:
            hot.add(name)
            queue.extend(j for j in readers.get(name, ()) if j not in selected)
            queue.extend(j for j in binders.get(name, ()) if j not in selected)
    return sorted(selected)


def _seeds(info: _Stmt, imported: dict[str, list[str]], frontends: Sequence[str]) -> bool:
    for root, attrs, called in info.chains:
        quals = imported.get(root)
        if quals is None:
            continue
        for qual in quals:
            dotted = ".".join((qual, *attrs)) if attrs else qual
            if model_making(dotted, called, frontends):
                return True
    return False
