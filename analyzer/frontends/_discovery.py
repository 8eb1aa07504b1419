"""Models found inside functions, for every Python frontend (docs/models.md, 2. and 3.).

After the module is folded, each top-level function and each method of a class that is
not itself a model class is analysed on its own: with its parameters unknown (as the
oracle evaluates an instance site: the enclosing body's assignments, not its caller's
arguments) for its instance sites, and — for a builder called nowhere in the file —
with its defaults, reported under the function's name. A function without parameters
that already ran while the module was folded (``main()`` under ``__main__``) is not run
again. Every run has its own statement budget (``MAX_STEPS``), so a recursive or
endless builder costs a bounded time and leaves an ML403.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.frontends._evaluate import Evaluator, Function, UserClass

Found = tuple[str, Any, Span | None, list[tuple[str, Span | None]]]
# The last source's call table (the source object itself, the table): the frontends of
# one file pass the same string, so the second one does not walk the file again.
_LAST_CALLS: tuple[str, dict[str, set[str]]] | None = None


def discover_roots(ev: Evaluator, module: cst.Module, scope: Any, source: str = "",
                   tree: Any = None, calls: dict[str, set[str]] | None = None) -> list[Found]:
    """Models found inside functions (docs/models.md 2. and 3.), for either frontend:
    ``(name, model object, span, notes)``. Each top-level function and method is
    analysed on its own, with its parameters unknown, for its instance sites; a
    builder never called in the file is analysed with its defaults and reported
    under its own name. Files without functions pay nothing. ``tree`` is the whole
    source's ``ast`` when the engine has it (``FileContext.tree``): not parsed again;
    ``calls`` its call table when the first pass made one (``FileContext.calls``)."""
    defs = [stmt for stmt in module.body if isinstance(stmt, cst.FunctionDef)]
    classes = [stmt for stmt in module.body if isinstance(stmt, cst.ClassDef)]
    if not defs and not classes:
        return _sites(ev, [])
    text = _Text(ev, source or module.code, tree, calls)
    out: list[Found] = []
    for stmt in defs:
        fn = scope.vars.get(stmt.name.value)
        if not isinstance(fn, Function) or fn.node is not stmt:
            continue
        if not text.called_outside(stmt) and text.returns_value(stmt):
            before = len(ev.unresolved)
            result, frame = ev.run_root(fn)
            stopped = [n for n in ev.unresolved[before:] if n[0].startswith("evaluation stopped")]
            if stopped and not ev.is_model(result) and text.returns_value(stmt):
                # The function may build a model but its evaluation hit a bound before it
                # returned one: said at file level (the model is not reported).
                ev.stopped.append((f"{fn.name}(): {stopped[0][0]}; a model it may build is not reported",
                                   stopped[0][1]))
            if ev.is_model(result):
                notes = list(frame.return_notes) if frame is not None else []
                missing = _required_params(fn)
                if missing and ev.SYMBOLS:
                    # They are symbols (issue 9): the frontend says what torch/Keras cannot build.
                    ev.missing_args[id(result)] = (result, missing, ev.span(stmt.name))
                elif missing:
                    notes.append((f"{fn.name}() is never called in this file and its parameters "
                                  f"({', '.join(missing)}) have no default", ev.span(stmt.name)))
                out.append((fn.name, result, ev.span(stmt.name), notes))
        if id(stmt) not in ev.tracked and text.may_bind_models(stmt):
            ev.run_root(fn, unknown_params=True)
    for cls_node in classes:
        cls = scope.vars.get(cls_node.name.value)
        if not isinstance(cls, UserClass) or cls.node is not cls_node or ev.is_model_class(cls):
            continue  # a model class's locals are that model's parts, not models
        for name, fn in list(cls.namespace.items()):
            if (isinstance(fn, Function) and name not in ("forward", "call", "__call__")
                    and id(fn.node) not in ev.tracked and text.may_bind_models(fn.node)):
                ev.run_root(fn, cls=cls, unknown_params=True)
    return out + _sites(ev, [])


def _sites(ev: Evaluator, out: list) -> list[Found]:
    """Instance sites of the tracked function frames, first binding of a name per
    function, returned variables of builders excluded (they are the builder's result)."""
    seen: set[tuple[int, str]] = set()
    for fn, frame in ev.frame_sites:
        for site in frame.sites:
            key = (id(fn.node), site.var)
            if key in seen:
                continue
            seen.add(key)
            if site.returned:
                continue
            owner = fn.qualname.replace("<local>.", "")
            out.append((f"{owner}.{site.var}", site.value, site.span, list(site.notes)))
    return out


class _Text:
    """Cheap questions about a function, answered on the source text of its lines
    (walking the libcst tree for them cost more than the analysis of a small file).
    They only decide what to analyse; a wrong answer costs time, never a number."""

    _ASSIGN_CALL = re.compile(r"^\s*[A-Za-z_]\w*\s*(?::[^=\n]*)?=\s*(?!self\.|super\(|F\.)[A-Za-z_][\w.]*\s*\(",
                              re.M)
    _RETURN = re.compile(r"^\s*return\s+\S", re.M)

    def __init__(self, ev: Evaluator, source: str, tree: Any = None,
                 calls: dict[str, set[str]] | None = None) -> None:
        self.ev = ev
        self.lines = source.splitlines()
        self.source = source
        self.tree = tree
        self._calls = calls

    def calls(self) -> dict[str, set[str]] | None:
        """Name called as ``NAME(...)`` → the top-level functions whose bodies call it
        (``""`` outside any), from Python's own parser (comments and strings do not count).
        Computed once per source: the Keras and the PyTorch frontend both ask."""
        global _LAST_CALLS
        if self._calls is None:
            if _LAST_CALLS is not None and _LAST_CALLS[0] is self.source:
                self._calls = _LAST_CALLS[1]
                return self._calls
            import ast

            tree = self.tree
            if not isinstance(tree, ast.Module):
                try:
                    tree = ast.parse(self.source)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return None
            calls: dict[str, set[str]] = {}
            for top in tree.body:
                where = top.name if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)) else ""
                for node in ast.walk(top):
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                        calls.setdefault(node.func.id, set()).add(where)
            self._calls = calls
            _LAST_CALLS = (self.source, calls)
        return self._calls

    def lines_of(self, node: cst.CSTNode) -> tuple[int, int]:
        span = self.ev.span(node)
        return (span.line, span.end_line) if span is not None else (1, len(self.lines))

    def body(self, fn: cst.FunctionDef) -> str:
        start, end = self.lines_of(fn)
        return "\n".join(self.lines[start:end])  # the lines after the `def` line

    def called_outside(self, fn: cst.FunctionDef) -> bool:
        """``NAME(...)`` anywhere in the file but the function's own body (a builder
        that only calls itself is never called)."""
        calls = self.calls()
        if calls is not None:
            return bool(calls.get(fn.name.value, set()) - {fn.name.value})
        start, end = self.lines_of(fn)
        pattern = re.compile(rf"(?<![\w.]){re.escape(fn.name.value)}\s*\(")
        for lineno, line in enumerate(self.lines, 1):
            if start <= lineno <= end or fn.name.value not in line:
                continue
            if pattern.search(line) and not re.match(rf"\s*(async\s+)?def\s+{re.escape(fn.name.value)}\b", line):
                return True
        return False

    def returns_value(self, fn: cst.FunctionDef) -> bool:
        return bool(self._RETURN.search(self.body(fn)))

    def may_bind_models(self, fn: cst.FunctionDef) -> bool:
        """The body binds a plain name to a call that is not a method of ``self``
        (``x = self.conv(x)``): the only way an instance site is written."""
        return bool(self._ASSIGN_CALL.search(self.body(fn)))


def _required_params(fn: Function) -> list[str]:
    params = fn.node.params
    return [p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]
            if p.default is None]


def mark_missing(model: Any, missing: list[str]) -> None:
    """A class or builder built without its required arguments (each a symbol where it
    is used): the framework cannot build it as written, so its integer total is never
    the framework's (``extra["missing_args"]``; ``ModelGraph.totals``). Where no count
    uses them the count is the same for every value: the JSON gives it as a constant
    formula, the summary says "for every value of the arguments"."""
    if missing:
        model.extra["missing_args"] = list(missing)
