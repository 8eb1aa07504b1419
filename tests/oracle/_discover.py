"""Which objects of a fixture are models: docs/models.md, executed (oracle side only).

Shared by ``record_torch.py`` and ``record_keras.py`` so that both list exactly the same
models in the same way; the framework-specific parts (what a model object / class is,
how a model is measured) come in through :class:`Framework`.  This module runs user
code: it is part of the oracle, never imported by modelint.

How a file is read (docs/models.md, "How the oracle evaluates an instance")
---------------------------------------------------------------------------
1. The module is executed with ``__name__ == RUN_NAME`` (so no ``if __name__ ==
   "__main__":`` block and no ``main()`` runs), ``sys.argv == [path]`` and every
   ``X.parse_args()`` / ``X.parse_known_args()`` rewritten to ``X.parse_args([])``.
   Every module-level plain-name assignment (also inside module-level ``if``/``for``/
   ``with``/``try`` blocks) reports its value as it is bound, so the *first* model bound
   to a name is the one kept (``model = model.to(device)`` adds nothing).  A module-level
   site that is statically a model construction but never ran (the module raised before
   it, or its branch was not taken) is listed with ``total`` null.
2. Each ``if __name__ == "__main__":`` block (module scope: names are plain ``VAR``) and
   then the body of every function (top-level functions, nested functions, methods of
   classes that are not themselves nn.Module / keras Layer subclasses — a model class's
   ``__init__`` locals are that model's parts, not models), in source order, is *read*:
   - a simple assignment ``NAME = EXPR`` / ``NAME: T = EXPR`` is evaluated (with a
     timeout) in the namespace built so far: the module globals (for a ``__main__``
     block, the module globals themselves, as in a real run, so that functions it calls
     see what it binds) plus the preceding assignments that evaluated; one that raises is
     skipped; if it is the first model bound to NAME in that scope it is a model
     (``FUNC.NAME``; a method is ``Class.method.NAME``); if it raises but is statically a
     model construction (a call of a model class, of a builder, of a framework model
     constructor, or ``.to()``/``.cuda()``… of one) it is listed with ``total`` null;
   - besides simple assignments (an extension of the spec's wording, needed because real
     code builds models this way and the model is what the body builds): augmented
     assignments to a name (``layers += [...]``), stores to an attribute or subscript of a
     bound name (``base.trainable = False``, ``model.fc = nn.Linear(...)``), and calls of
     an in-place builder method (``model.add(...)``, ``.build(...)``, ``.append(...)``,
     ``.extend(...)``, ``.insert(...)``, ``.add_module(...)``, ``.requires_grad_(...)``,
     ``.pop()``, and argparse's ``parser.add_argument(...)`` / ``.set_defaults(...)``) or
     of a bound model (``model(x)``, which builds a subclassed Keras model) are executed; a ``for`` loop made only of such statements is executed as a whole;
   - an ``if`` whose test evaluates follows the branch the script would take; one whose
     test does not evaluate has both branches read in order; ``with``/``try``/``while``
     bodies are read in order (``except`` handlers after the ``try`` body);
   - nothing that trains, evaluates, saves or loads (``fit``, ``evaluate``, ``predict``,
     ``train_on_batch``, ``backward``, ``step``, ``save``, ``load_*``) is evaluated.
   - the name a top-level *builder* returns is its result, not an extra instance.
3. Builders: a top-level function whose ``return`` statically yields a model (see above)
   and that is called nowhere in the file (calls inside its own body do not count) is
   called with no arguments: a model result is listed as ``name`` = the function's name;
   required parameters (or another error) give ``total`` null.
4. Keras: every function body and every uncalled builder starts from fresh Keras
   auto-names (``keras.backend.clear_session``), the module level plus the ``__main__``
   blocks share one naming sequence, as in ``python file.py``.

The model list is sorted by the line that defines (class, builder) or binds (instance)
each model.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

RUN_NAME = "__modelint_fixture__"
SITE_HOOK = "__modelint_site__"
STATEMENT_TIMEOUT = 30  # seconds for one evaluated statement / builder call
MODULE_TIMEOUT = 180

MUTATORS = {"add", "build", "append", "extend", "insert", "add_module", "register_module",
            "requires_grad_", "pop",
            # argparse: the options a function or __main__ block declares before parse_args()
            "add_argument", "set_defaults"}
FORBIDDEN_CALLS = {"fit", "fit_generator", "evaluate", "evaluate_generator", "predict",
                   "predict_generator", "train_on_batch", "test_on_batch", "backward", "step",
                   "save", "save_weights", "load_weights", "load_state_dict", "load_data",
                   "download", "urlretrieve", "get_file", "system", "Popen", "run", "input"}
CONSTRUCTOR_NAMES = {"Model": "Functional", "Sequential": "Sequential"}
CHAIN_METHODS = {"to", "cuda", "cpu", "eval", "train", "float", "double", "half", "bfloat16",
                 "requires_grad_", "to_empty", "share_memory"}


@dataclass
class Framework:
    """What the discovery needs to know about one framework."""

    is_model: Callable[[Any], bool]
    is_model_class: Callable[[Any], bool]
    is_library_builder: Callable[[Any], bool]
    class_name_of_class: Callable[[type], str] = lambda c: c.__name__
    library_result_class: Callable[[Any], str | None] = lambda f: None
    reset_names: Callable[[], None] = lambda: None
    frame_classes: Callable[[Any], bool] = lambda c: False  # classes whose methods are not read


@dataclass
class Site:
    """One model of the list: a class, an instance or an uncalled builder."""

    name: str
    cls: str | None
    line: int
    kind: str  # "class" | "instance" | "builder"
    obj: Any = None
    error: str | None = None
    scope: str = ""  # "" module, else the qualified function name
    var: str = ""


@dataclass
class Discovery:
    module_error: str | None
    globals: dict
    sites: list[Site] = field(default_factory=list)


def err(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}".rstrip()


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    """SIGALRM-based limit (the recorders run single-threaded in their own process)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(_sig, _frame):
        raise _Timeout(f"took more than {seconds}s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------- AST helpers
def is_main_guard(node) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    names = [p for p in parts if isinstance(p, ast.Name) and p.id == "__name__"]
    consts = [p for p in parts if isinstance(p, ast.Constant) and p.value == "__main__"]
    return bool(names and consts)


class _ParseArgsDefaults(ast.NodeTransformer):
    """``X.parse_args()`` -> ``X.parse_args([])``: the defaults, as run without arguments."""

    def visit_Call(self, node):
        self.generic_visit(node)
        f = node.func
        if (isinstance(f, ast.Attribute) and f.attr in ("parse_args", "parse_known_args")
                and not node.args and not any(k.arg == "args" for k in node.keywords)):
            node.args = [ast.List(elts=[], ctx=ast.Load())]
        return node


class _InstrumentModule(ast.NodeTransformer):
    """After every module-level ``NAME = ...`` report the bound value to SITE_HOOK."""

    def _hook(self, name: str, node) -> ast.stmt:
        call = ast.Expr(ast.Call(func=ast.Name(SITE_HOOK, ast.Load()),
                                 args=[ast.Constant(name), ast.Name(name, ast.Load()),
                                       ast.Constant(node.lineno)], keywords=[]))
        return ast.copy_location(call, node)

    def _body(self, stmts):
        out = []
        for st in stmts:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or is_main_guard(st):
                out.append(st)
                continue
            for name in ("body", "orelse", "finalbody"):
                if isinstance(getattr(st, name, None), list) and not isinstance(st, ast.Lambda):
                    setattr(st, name, self._body(getattr(st, name)))
            if isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
                for h in st.handlers:
                    h.body = self._body(h.body)
            out.append(st)
            target = simple_target(st)
            if target is not None:
                out.append(self._hook(target, st))
        return out or [ast.Pass()]

    def visit_Module(self, node):
        node.body = self._body(node.body)
        return node


def simple_target(st) -> str | None:
    """``NAME = EXPR`` / ``NAME: T = EXPR`` -> NAME (a chained ``a = b = X``: the first)."""
    if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name):
        return st.targets[0].id
    if isinstance(st, ast.AnnAssign) and st.value is not None and isinstance(st.target, ast.Name):
        return st.target.id
    return None


def _calls_in(node):
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            yield n


def _call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return None


def forbidden(node) -> bool:
    """Does the statement train, evaluate, save, load or shell out?"""
    return any(_call_name(c) in FORBIDDEN_CALLS for c in _calls_in(node))


def _root_name(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_pure_ref(node) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def configuring(st) -> bool:
    """A statement that only builds or configures (see the module docstring)."""
    if forbidden(st):
        return False
    if isinstance(st, (ast.Pass, ast.Continue, ast.Break)):
        return True
    if isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        return True
    if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
        f = st.value.func
        return isinstance(f, ast.Attribute) and f.attr in MUTATORS
    if isinstance(st, (ast.If, ast.For)):
        return all(configuring(s) for s in st.body + st.orelse)
    return False


def own_returns(fn) -> list[ast.Return]:
    """Return statements of ``fn`` itself (not of nested functions/classes)."""
    out, stack = [], list(fn.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(n, ast.Return) and n.value is not None:
            out.append(n)
        stack.extend(ast.iter_child_nodes(n))
    return out


def own_assignments(fn) -> dict[str, list[ast.expr]]:
    out: dict[str, list[ast.expr]] = {}
    stack = list(fn.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        t = simple_target(n)
        if t is not None:
            out.setdefault(t, []).append(n.value)
        stack.extend(ast.iter_child_nodes(n))
    return out


# ---------------------------------------------------------------------------- discovery
class _Reader:
    def __init__(self, path: Path, source: str, fw: Framework):
        self.path, self.source, self.fw = path, source, fw
        self.tree = ast.parse(source)
        self.sites: list[Site] = []
        self.bound: dict[str, set[str]] = {}  # scope -> names already given a model
        self.seen_ids: set[int] = set()
        self.keep: list[Any] = []  # keep objects alive so ids stay unique
        self.g: dict = {}
        self.top_funcs = {n.name: n for n in self.tree.body
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self._builder_memo: dict[str, bool] = {}

    # -- static "is this a model construction" ------------------------------------------
    def _resolve(self, node, ns=None):
        """Value of a pure Name/Attribute chain in ``ns`` (no calls), else None."""
        if not _is_pure_ref(node):
            return None
        try:
            return eval(compile(ast.Expression(node), "<ref>", "eval"), ns if ns is not None else self.g)
        except Exception:  # noqa: BLE001
            return None

    def modelish(self, expr, local: dict[str, list] | None = None, depth: int = 0) -> bool:
        return self.static_class(expr, local, depth) is not False

    def static_class(self, expr, local=None, depth=0):
        """False: not a model construction; else the class name (None when unknown)."""
        if depth > 12 or expr is None:
            return False
        local = local or {}
        if isinstance(expr, ast.IfExp):
            for e in (expr.body, expr.orelse):
                c = self.static_class(e, local, depth + 1)
                if c is not False:
                    return c
            return False
        if isinstance(expr, ast.Name):
            for v in local.get(expr.id, []):
                c = self.static_class(v, {k: w for k, w in local.items() if k != expr.id}, depth + 1)
                if c is not False:
                    return c
            obj = self.g.get(expr.id)
            if obj is not None and self.fw.is_model(obj) and expr.id not in local:
                return type(obj).__name__
            return False
        if not isinstance(expr, ast.Call):
            return False
        f = expr.func
        if isinstance(f, ast.Attribute) and f.attr in CHAIN_METHODS:
            return self.static_class(f.value, local, depth + 1)
        if isinstance(f, ast.Name) and f.id in self.top_funcs and f.id not in local:
            return self.builder_class(f.id, depth + 1)
        obj = self._resolve(f)
        if obj is None:
            # Not resolvable before the code runs (``models.Model(...)`` where ``models`` is
            # bound by ``global`` inside the builder, keras.applications style): known by name.
            last = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            return CONSTRUCTOR_NAMES.get(last, False) if _is_pure_ref(f) else False
        if isinstance(obj, type):
            return self.fw.class_name_of_class(obj) if self.fw.is_model_class(obj) else False
        if callable(obj) and self.fw.is_library_builder(obj):
            return self.fw.library_result_class(obj)
        return False

    def builder_class(self, fname: str, depth: int = 0):
        fn = self.top_funcs.get(fname)
        if fn is None or depth > 12:
            return False
        if fname in self._builder_memo and self._builder_memo[fname] is None:
            return False  # recursion in progress
        self._builder_memo[fname] = None
        local = own_assignments(fn)
        res = False
        for r in own_returns(fn):
            c = self.static_class(r.value, local, depth + 1)
            if c is not False:
                res = c
                break
        self._builder_memo[fname] = res is not False
        return res

    def is_builder(self, fname: str) -> bool:
        return self.builder_class(fname) is not False

    # -- recording ---------------------------------------------------------------------
    def record(self, scope: str, var: str, value, line: int) -> bool:
        names = self.bound.setdefault(scope, set())
        if var in names or not self.fw.is_model(value) or id(value) in self.seen_ids:
            return False
        names.add(var)
        self.seen_ids.add(id(value))
        self.keep.append(value)
        self.sites.append(Site(name=f"{scope}.{var}" if scope else var, cls=type(value).__name__,
                               line=line, kind="instance", obj=value, scope=scope, var=var))
        return True

    def record_null(self, scope: str, var: str, cls, line: int, error: str) -> None:
        names = self.bound.setdefault(scope, set())
        if var in names:
            return
        names.add(var)
        self.sites.append(Site(name=f"{scope}.{var}" if scope else var, cls=cls or None, line=line,
                               kind="instance", error=error, scope=scope, var=var))

    # -- phase 1: the module -----------------------------------------------------------
    def run_module(self) -> str | None:
        tree = _ParseArgsDefaults().visit(ast.parse(self.source))
        tree = _InstrumentModule().visit(tree)
        ast.fix_missing_locations(tree)
        self.g = {"__name__": RUN_NAME, "__file__": str(self.path), "__builtins__": builtins,
                  SITE_HOOK: lambda name, value, line: self.record("", name, value, line)}
        try:
            with time_limit(MODULE_TIMEOUT):
                exec(compile(tree, str(self.path), "exec"), self.g)
        except BaseException as exc:  # noqa: BLE001 - SystemExit too; partial namespace kept
            if isinstance(exc, KeyboardInterrupt):
                raise
            return err(exc)
        return None

    def module_sites_not_run(self, module_error: str | None) -> None:
        stack = list(self.tree.body)
        while stack:
            st = stack.pop(0)
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or is_main_guard(st):
                continue
            t = simple_target(st)
            if t is not None and t not in self.bound.get("", set()):
                c = self.static_class(st.value)
                if c is not False:
                    self.record_null("", t, c, st.lineno,
                                     f"not executed: {module_error}" if module_error else "not executed")
            for name in ("body", "orelse", "finalbody"):
                stack.extend(getattr(st, name, []) if isinstance(getattr(st, name, None), list) else [])
            for h in getattr(st, "handlers", []) or []:
                stack.extend(h.body)

    # -- phase 2: bodies that are read ---------------------------------------------------
    def _eval(self, expr, ns):
        expr = _ParseArgsDefaults().visit(expr)
        node = ast.fix_missing_locations(ast.Expression(expr))
        with time_limit(STATEMENT_TIMEOUT):
            return eval(compile(node, str(self.path), "eval"), ns)

    def _exec(self, st, ns):
        st = _ParseArgsDefaults().visit(st)
        mod = ast.fix_missing_locations(ast.Module(body=[st], type_ignores=[]))
        with time_limit(STATEMENT_TIMEOUT):
            exec(compile(mod, str(self.path), "exec"), ns)

    def read_body(self, stmts, ns: dict, scope: str, skip: set[str], local: dict) -> None:
        for st in stmts:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                try:
                    self._exec(st, ns)  # local helpers are callable later in the body
                except Exception:  # noqa: BLE001
                    pass
                continue
            t = simple_target(st)
            if t is not None:
                if forbidden(st.value):
                    continue
                try:
                    value = self._eval(st.value, ns)
                except Exception as exc:  # noqa: BLE001
                    if t not in skip:
                        c = self.static_class(st.value, local)
                        if c is not False:
                            self.record_null(scope, t, c, st.lineno, err(exc))
                    continue
                ns[t] = value
                if t not in skip:
                    self.record(scope, t, value, st.lineno)
                continue
            if isinstance(st, ast.If):
                try:
                    taken = bool(self._eval(st.test, ns))
                except Exception:  # noqa: BLE001
                    self.read_body(st.body, ns, scope, skip, local)
                    self.read_body(st.orelse, ns, scope, skip, local)
                    continue
                self.read_body(st.body if taken else st.orelse, ns, scope, skip, local)
                continue
            if isinstance(st, ast.For):
                if configuring(st):
                    try:
                        self._exec(st, ns)
                    except Exception:  # noqa: BLE001
                        pass
                else:
                    self.read_body(st.body, ns, scope, skip, local)
                    self.read_body(st.orelse, ns, scope, skip, local)
                continue
            if isinstance(st, (ast.While, ast.With, ast.AsyncWith)):
                self.read_body(st.body, ns, scope, skip, local)
                continue
            if isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
                self.read_body(st.body, ns, scope, skip, local)
                for h in st.handlers:
                    self.read_body(h.body, ns, scope, skip, local)
                self.read_body(st.orelse + st.finalbody, ns, scope, skip, local)
                continue
            if self._configures_bound(st, ns):
                try:
                    self._exec(st, ns)
                except Exception:  # noqa: BLE001
                    pass

    def _configures_bound(self, st, ns) -> bool:
        if forbidden(st):
            return False
        if isinstance(st, ast.AugAssign) and isinstance(st.target, ast.Name):
            return True
        if isinstance(st, (ast.Assign, ast.AnnAssign)):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            return all(isinstance(t, (ast.Attribute, ast.Subscript)) and _root_name(t) in ns for t in targets)
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            f = st.value.func
            if isinstance(f, ast.Attribute) and f.attr in MUTATORS:
                return _root_name(f) in ns
            if isinstance(f, ast.Name):
                return self.fw.is_model(ns.get(f.id))
        return False

    def read_functions(self) -> None:
        """Every function body, in source order, with its qualified scope name."""
        bodies: list[tuple[int, str, Any]] = []

        def visit(stmts, prefix: str, in_frame_class: bool):
            for st in stmts:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if not in_frame_class:
                        bodies.append((st.lineno, prefix + st.name, st))
                    visit(st.body, prefix + st.name + ".", False)
                elif isinstance(st, ast.ClassDef):
                    cls = self.g.get(st.name) if not prefix else None
                    frame = isinstance(cls, type) and self.fw.frame_classes(cls)
                    visit(st.body, prefix + st.name + ".", frame)
                else:
                    for name in ("body", "orelse", "finalbody"):
                        if isinstance(getattr(st, name, None), list):
                            visit(getattr(st, name), prefix, in_frame_class)

        visit(self.tree.body, "", False)
        for _line, qual, fn in sorted(bodies, key=lambda b: b[0]):
            skip: set[str] = set()
            if qual in self.top_funcs and self.is_builder(qual):
                skip = {r.value.id for r in own_returns(fn) if isinstance(r.value, ast.Name)}
            self.fw.reset_names()
            ns = dict(self.g)
            self.read_body(fn.body, ns, qual, skip, own_assignments(fn))

    def read_main_blocks(self) -> None:
        for st in self.tree.body:
            if is_main_guard(st):
                local = {}
                for n in ast.walk(st):
                    t = simple_target(n)
                    if t is not None:
                        local.setdefault(t, []).append(n.value)
                self.read_body(st.body, self.g, "", set(), local)

    # -- phase 3: uncalled builders --------------------------------------------------------
    def uncalled_builders(self) -> None:
        for fname, fn in self.top_funcs.items():
            inside = {id(n) for n in ast.walk(fn)}
            called = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fname
                         and id(n) not in inside for n in ast.walk(self.tree))
            if called or not self.is_builder(fname):
                continue
            cls = self.builder_class(fname)
            func = self.g.get(fname)
            site = Site(name=fname, cls=cls or None, line=fn.lineno, kind="builder", var=fname)
            if not callable(func):
                site.error = "not defined (module error)"
                self.sites.append(site)
                continue
            try:
                inspect.signature(func).bind()
            except TypeError as exc:
                site.error = f"needs arguments: {exc}"
                self.sites.append(site)
                continue
            except ValueError:
                pass
            self.fw.reset_names()
            try:
                with time_limit(STATEMENT_TIMEOUT):
                    value = func()
            except Exception as exc:  # noqa: BLE001
                site.error = err(exc)
                self.sites.append(site)
                continue
            if not self.fw.is_model(value):
                continue
            site.obj, site.cls = value, type(value).__name__
            self.keep.append(value)
            self.sites.append(site)

    def classes(self) -> list[Site]:
        out = []
        for n in self.tree.body:
            if isinstance(n, ast.ClassDef):
                cls = self.g.get(n.name)
                if isinstance(cls, type) and self.fw.is_model_class(cls) and cls.__module__ == RUN_NAME:
                    first = min([n.lineno] + [d.lineno for d in n.decorator_list])
                    out.append(Site(name=n.name, cls=n.name, line=first, kind="class", obj=cls, var=n.name))
        return out


def discover(path, fw: Framework) -> Discovery:
    """Run the whole procedure of the module docstring on one file."""
    path = Path(path).resolve()
    source = path.read_text(encoding="utf-8")
    reader = _Reader(path, source, fw)
    old_argv, old_path = sys.argv, list(sys.path)
    sys.argv = [str(path)]
    sys.path.insert(0, str(path.parent))
    try:
        module_error = reader.run_module()
        reader.module_sites_not_run(module_error)
        reader.read_main_blocks()
        reader.read_functions()
        reader.uncalled_builders()
        sites = reader.classes() + reader.sites
    finally:
        sys.argv = old_argv
        sys.path[:] = old_path
    sites.sort(key=lambda s: s.line)
    out = Discovery(module_error=module_error, globals=reader.g, sites=sites)
    out.keep = reader.keep  # type: ignore[attr-defined]
    return out


def framework_of(path) -> str | None:
    """"torch" / "keras" from the directory (a component named so), else from the imports."""
    path = Path(path)
    parts = {p.lower() for p in path.parts[:-1]}
    if parts & {"torch", "pytorch"}:
        return "torch"
    if parts & {"keras", "tensorflow", "tf"}:
        return "keras"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    mods = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            mods.update(a.name.split(".")[0] for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            mods.add(n.module.split(".")[0])
    if mods & {"keras", "tensorflow", "tf_keras"}:
        return "keras"
    if "torch" in mods:
        return "torch"
    return None


def fixture_files(framework: str, root: Path) -> list[Path]:
    """Every ``*.py`` under ``root`` (recursively) whose framework is ``framework``."""
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts
                  and framework_of(p) == framework)
