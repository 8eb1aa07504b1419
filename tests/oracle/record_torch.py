"""Record real PyTorch's truth for the torch fixtures (``fixtures/**``).

Usage (from the repo root)::

    /work/venv/bin/python tests/oracle/record_torch.py [FILES...]

Without FILES every ``fixtures/**/*.py`` whose framework is torch (a directory
named ``torch``/``pytorch`` on its path, else ``import torch`` and no keras /
tensorflow import) is recorded.  Each file is recorded in its own subprocess
(``--single``) so files never share state; the result is written beside the
file as ``<stem>.oracle.json`` (``json.dump(..., sort_keys=True, indent=1)``).
``record(path) -> dict`` computes the same dict in-process (fresh namespace)
for use from pytest.

What is recorded
----------------
``models`` is the list of docs/models.md, found by ``tests/oracle/_discover.py``
(read its docstring for how module level, ``__main__`` blocks and function
bodies are evaluated; neither ``__main__`` blocks nor ``main()`` run as a
whole), sorted by line.  Each entry has ``name``, ``class``, ``line`` and
``kind`` (``class`` / ``instance`` / ``builder``):

1. every ``nn.Module`` subclass defined at the top level of the file (loss
   classes, subclasses of ``nn.modules.loss._Loss``, excluded), named by its
   class and instantiated with NO arguments.  If the constructor raises
   ``TypeError`` the entry has ``"total": null`` and
   ``"error": "needs constructor arguments: <msg>"`` (other exceptions:
   ``"<Type>: <msg>"``);
2. every instance: the first ``nn.Module`` (not a loss module) bound to a plain
   name in a scope — ``VAR`` at module level and in ``__main__`` blocks,
   ``FUNC.VAR`` in a function; the object itself is analysed (not
   re-constructed).  A site that is statically a model construction but could
   not be evaluated has ``"total": null`` and the evaluation error;
3. every top-level builder that is called nowhere in the file, called with no
   arguments (required parameters: ``"total": null``, ``"error": "needs
   arguments: ..."``).

``module_error`` holds ``"<Type>: <first line>"`` if executing the module
raised (``null`` otherwise); what was bound before the failure is kept.

Input shape (``input_shape``, ``null`` if unknown) and dtype (``input_dtype``,
``"float32"`` or ``"int64"``):

* class: a comment ``# modelint: input-shape=(1, 3, 32, 32)`` in the block
  of comment lines directly above the ``class`` statement (normally the line
  right above; decorators are skipped).  A ``# modelint: input-dtype=long``
  comment in the same block makes the input integer.
* instance ``v`` (and, failing a comment, a class ``C`` for which an instance
  ``v = C(...)`` exists): the first call ``v(ARG)`` or ``v.forward(ARG)`` in
  v's scope (module level including ``__main__`` blocks and module-level
  ``with``/``for``/``if`` blocks; or the same function body) where ARG is either a
  literal ``torch.randn|rand|zeros|ones(<int literals or one tuple>)`` /
  ``torch.randint(low, high, <tuple>)`` call, or a name bound in that scope
  by ``NAME = <such a call>``.  Sizes may also be module-level int constants
  (``nz = 100`` ... ``torch.randn(2, nz, 1, 1)``) or + - * // of those.  Found by walking the AST, not by executing.
  ``torch.randint`` or ``dtype=torch.long`` gives an int64 input.
* int64 is also chosen when the first leaf module of the model (in
  ``named_modules`` order) is an ``nn.Embedding``/``nn.EmbeddingBag``; the
  input is then ``torch.randint(0, num_embeddings, shape)``, otherwise
  ``torch.randn(*shape)`` (``torch.manual_seed(0)`` first).

With a known input shape: ``m.eval()``, one forward under ``torch.no_grad()``
with forward hooks on every module of ``m.named_modules()`` (root excluded).
The fast path of nn.MultiheadAttention / TransformerEncoderLayer is disabled
(``torch.backends.mha.set_fastpath_enabled(False)``) so that hooks on their
submodules fire; shapes are unaffected.  If the forward raises, ``error`` is
``"<ExceptionType>: <first line of message>"`` and whatever the hooks captured
before the failure is kept.  ``output`` is the list of output shapes of the
root forward (same encoding as a call below, ``null`` on error).

Parameter counts (after the forward, so Lazy* modules are materialised):
``total`` = sum(p.numel() for p in m.parameters()), ``trainable`` = those with
``requires_grad``, ``non_trainable`` = the rest.  Buffers are not counted.
If lazy parameters are still uninitialised, counts are ``null``.

``modules``: every entry of ``m.named_modules()`` except the root (so
non-leaf containers like ``features`` or ``layer1.0`` are included; a module
registered twice appears once, under its first name), each as
``{"name", "op", "params" (recursive sum of numel, shared parameters counted
once), "output_shapes"}``.  ``op`` is the class name as constructed, i.e.
before the forward pass: an ``nn.LazyLinear`` is recorded as ``LazyLinear``
although torch turns its class into ``Linear`` on the first call (a
module-level instance already called by the fixture itself is recorded with
its class at recording time, e.g. ``Linear``).  Internal classes are recorded
as they are, e.g. ``NonDynamicallyQuantizableLinear`` for
``MultiheadAttention.out_proj`` (which is never *called*: its weights are used
functionally, so its ``output_shapes`` is ``[]``).

Encoding of ``output_shapes``: a list with one entry per call, in call order
(``[]`` = never called).  Each call entry is ALWAYS a list of shapes: the
output's tensors flattened depth-first (tuples/lists/dict values), each
tensor as a list of ints; ``None`` items of a tuple are kept as ``null``
(e.g. ``nn.MultiheadAttention(need_weights=False)`` -> ``[[1, 10, 32], null]``).
So a conv called once is ``[[[1, 32, 26, 26]]]`` and an LSTM called once is
``[[[N, T, D*H], [D*L, N, H], [D*L, N, H]]]`` (out, h_n, c_n).
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

RUN_NAME = "__modelint_fixture__"
REPO = Path(__file__).resolve().parents[2]
FIXTURE_ROOT = REPO / "fixtures"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _discover  # noqa: E402  (works both as a script and as tests.oracle.record_torch)

_SHAPE_RE = re.compile(r"modelint:\s*input-shape\s*=\s*\(([^)]*)\)")
_DTYPE_RE = re.compile(r"modelint:\s*input-dtype\s*=\s*(long|int64|int)\b")
_TENSOR_FACTORIES = {"randn", "rand", "zeros", "ones", "empty"}


def _err(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}".rstrip()


# --------------------------------------------------------------------------
# static discovery of input shapes (AST + comments)
# --------------------------------------------------------------------------

def _int_tuple(node, consts=None):
    """Tuple/list of ints (see _int_value) -> list[int], else None."""
    if isinstance(node, (ast.Tuple, ast.List)):
        vals = [_int_value(e, consts or {}) for e in node.elts]
        if all(v is not None for v in vals):
            return vals
    return None


def _int_value(node, consts):
    """Int literal, module-level int constant, or + - * // of those."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.BinOp):
        a, b = _int_value(node.left, consts), _int_value(node.right, consts)
        if a is None or b is None:
            return None
        ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
               ast.FloorDiv: lambda: a // b if b else None}
        f = ops.get(type(node.op))
        return f() if f else None
    return None


def _tensor_call(node, consts=None):
    """``torch.randn(1, 3, 32, 32)`` etc. -> (shape, dtype) or None."""
    consts = consts or {}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    f = node.func
    if not (isinstance(f.value, ast.Name) and f.value.id == "torch"):
        return None
    dtype = "float32"
    for kw in node.keywords:
        if kw.arg == "dtype" and isinstance(kw.value, ast.Attribute) and kw.value.attr in (
            "long", "int64", "int", "int32"
        ):
            dtype = "int64"
    if f.attr in _TENSOR_FACTORIES:
        if len(node.args) == 1 and _int_tuple(node.args[0], consts) is not None:
            return _int_tuple(node.args[0], consts), dtype
        vals = [_int_value(a, consts) for a in node.args]
        if vals and all(v is not None for v in vals):
            return vals, dtype
        return None
    if f.attr == "randint":
        size = node.args[2] if len(node.args) >= 3 else None
        for kw in node.keywords:
            if kw.arg == "size":
                size = kw.value
        if size is not None and _int_tuple(size, consts) is not None:
            return _int_tuple(size, consts), "int64"
    return None


def _scopes(tree):
    """(name prefix, statements) of every scope whose instances are models.

    The module scope (prefix "") covers module-level code and the bodies of
    ``if __name__ == "__main__":`` blocks; every function body is its own scope,
    prefixed ``FUNC.`` (``Class.method.`` for a method), as in docs/models.md."""
    module = []
    out = [("", module)]

    def visit(stmts, prefix, top):
        for st in stmts:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append((prefix + st.name + ".", st.body))
                visit(st.body, prefix + st.name + ".", False)
            elif isinstance(st, ast.ClassDef):
                visit(st.body, prefix + st.name + ".", False)
            else:
                if top:
                    module.append(st)
                for name in ("body", "orelse", "finalbody"):
                    if isinstance(getattr(st, name, None), list):
                        visit(getattr(st, name), prefix, False)

    visit(tree.body, "", True)
    return out


def _scope_nodes(stmts):
    """All AST nodes of a scope's statements, in order, not entering defs/classes."""
    stack = list(stmts)
    while stack:
        node = stack.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack[0:0] = list(ast.iter_child_nodes(node))


def static_inputs(source: str):
    """Return (class_inputs, var_inputs, var_classes).

    class_inputs: {class_name: (shape, dtype_or_None)} from comments.
    var_inputs:   {model_name: (shape, dtype)} from example calls ``v(ARG)`` in v's scope.
    var_classes:  {model_name: class_name} for ``v = C(...)`` in any scope.
    Model names are as in docs/models.md: ``v`` at module level and in
    ``__main__`` blocks, ``FUNC.v`` inside a function.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    class_inputs = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        i = first - 2  # 0-based index of the line directly above
        shape = dtype = None
        while i >= 0 and lines[i].strip().startswith("#"):
            m = _SHAPE_RE.search(lines[i])
            if m and shape is None:
                shape = [int(t) for t in m.group(1).replace(" ", "").split(",") if t]
            if _DTYPE_RE.search(lines[i]):
                dtype = "int64"
            i -= 1
        if shape is not None:
            class_inputs[node.name] = (shape, dtype)

    var_inputs, var_classes, module_consts = {}, {}, {}
    for prefix, stmts in _scopes(tree):
        tensor_vars = {}
        consts = module_consts if prefix == "" else dict(module_consts)
        for node in _scope_nodes(stmts):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                if name not in consts and _int_value(node.value, consts) is not None:
                    consts[name] = _int_value(node.value, consts)
                t = _tensor_call(node.value, consts)
                if t is not None:
                    tensor_vars.setdefault(name, t)
                call = node.value
                while (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                       and call.func.attr in ("to", "cuda", "cpu", "eval", "train", "float")):
                    call = call.func.value
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                    var_classes.setdefault(prefix + name, call.func.id)
            if isinstance(node, ast.Call) and node.args:
                f = node.func
                if isinstance(f, ast.Attribute) and f.attr == "forward":
                    f = f.value
                if not isinstance(f, ast.Name):
                    continue
                arg = node.args[0]
                t = _tensor_call(arg, consts)
                if t is None and isinstance(arg, ast.Name):
                    t = tensor_vars.get(arg.id)
                if t is not None:
                    var_inputs.setdefault(prefix + f.id, t)
    return class_inputs, var_inputs, var_classes


# --------------------------------------------------------------------------
# dynamic part
# --------------------------------------------------------------------------

def _shapes(out, torch):
    res = []

    def walk(o):
        if isinstance(o, torch.Tensor):
            res.append(list(o.shape))
        elif o is None:
            res.append(None)
        elif isinstance(o, (tuple, list)):
            for e in o:
                walk(e)
        elif isinstance(o, dict):
            for e in o.values():
                walk(e)
        elif hasattr(o, "data") and isinstance(getattr(o, "data"), torch.Tensor):  # PackedSequence
            walk(tuple(o))

    walk(out)
    return res


def _counts(m):
    try:
        ps = list(m.parameters())
        total = sum(p.numel() for p in ps)
        trainable = sum(p.numel() for p in ps if p.requires_grad)
    except ValueError:  # uninitialised lazy parameters
        return None, None, None
    return total, trainable, total - trainable


def _module_params(mod):
    try:
        return sum(p.numel() for p in mod.parameters())
    except ValueError:
        return None


def _analyse(m, shape, dtype, torch, nn):
    info = {"error": None, "output": None}
    calls = {}
    handles = []
    named = [(n, mod) for n, mod in m.named_modules() if n != ""]
    ops = {n: type(mod).__name__ for n, mod in named}  # before Lazy* modules morph
    if shape is not None:
        leaves = [mod for _, mod in named if not list(mod.children())]
        first_leaf = leaves[0] if leaves else None
        if dtype is None:
            dtype = "int64" if isinstance(first_leaf, (nn.Embedding, nn.EmbeddingBag)) else "float32"
        for n, mod in named:
            calls[n] = []

            def hook(_mod, _inp, out, _n=n):
                calls[_n].append(_shapes(out, torch))

            handles.append(mod.register_forward_hook(hook))
        torch.manual_seed(0)
        try:
            if dtype == "int64":
                high = getattr(first_leaf, "num_embeddings", 10) if first_leaf is not None else 10
                x = torch.randint(0, high, tuple(shape))
            else:
                x = torch.randn(*shape)
            m.eval()
            with torch.no_grad():
                out = m(x)
            info["output"] = _shapes(out, torch)
        except Exception as exc:  # noqa: BLE001 - we record any failure
            info["error"] = _err(exc)
        finally:
            for h in handles:
                h.remove()
    info["input_dtype"] = dtype
    total, trainable, non_trainable = _counts(m)
    info.update(total=total, trainable=trainable, non_trainable=non_trainable)
    info["modules"] = [
        {"name": n, "op": ops[n], "params": _module_params(mod),
         "output_shapes": calls.get(n, [])}
        for n, mod in named
    ]
    return info


def record(path) -> dict:
    """Execute one fixture in a fresh namespace and return its oracle dict.

    Safe to call from pytest: warnings are silenced and the MHA fast path is
    disabled only for the duration of the call.
    """
    import torch

    mha = getattr(torch.backends, "mha", None)
    old_fastpath = mha.get_fastpath_enabled() if mha else None
    try:
        if mha:
            mha.set_fastpath_enabled(False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _record(path)
    finally:
        if mha:
            mha.set_fastpath_enabled(old_fastpath)


def _framework(torch, nn) -> "_discover.Framework":
    from torch.nn.modules.loss import _Loss

    def is_model(obj):
        return isinstance(obj, nn.Module) and not isinstance(obj, _Loss)

    def is_model_class(cls):
        return isinstance(cls, type) and issubclass(cls, nn.Module) and not issubclass(cls, _Loss)

    def is_library_builder(func):
        mod = getattr(func, "__module__", "") or ""
        return mod.startswith(("torchvision.models", "timm.models", "torchaudio.models"))

    return _discover.Framework(is_model=is_model, is_model_class=is_model_class,
                               is_library_builder=is_library_builder,
                               frame_classes=lambda c: issubclass(c, nn.Module))


def _null_entry(name, cls, shape, dtype, error):
    return {"name": name, "class": cls, "input_shape": shape, "total": None, "trainable": None,
            "non_trainable": None, "input_dtype": dtype, "output": None, "modules": [],
            "error": error}


def _record(path) -> dict:
    import torch
    import torch.nn as nn

    path = Path(path).resolve()
    source = path.read_text()
    class_inputs, var_inputs, var_classes = static_inputs(source)

    torch.manual_seed(0)
    found = _discover.discover(path, _framework(torch, nn))
    models = []
    for site in found.sites:
        entry = {"name": site.name, "class": site.cls, "line": site.line, "kind": site.kind}
        if site.kind == "class":
            shape, dtype = class_inputs.get(site.name, (None, None))
            if shape is None:
                for v, c in var_classes.items():
                    if c == site.name and v in var_inputs:
                        shape, dtype = var_inputs[v]
                        break
            torch.manual_seed(0)
            try:
                with _discover.time_limit(_discover.STATEMENT_TIMEOUT):
                    m = site.obj()
            except TypeError as exc:
                msg = str(exc).splitlines()[0] if str(exc) else ""
                entry.update(_null_entry(site.name, site.cls, shape, dtype,
                                         f"needs constructor arguments: {msg}"))
                models.append(entry)
                continue
            except Exception as exc:  # noqa: BLE001
                entry.update(_null_entry(site.name, site.cls, shape, dtype, _err(exc)))
                models.append(entry)
                continue
            entry["input_shape"] = shape
            entry.update(_analyse(m, shape, dtype, torch, nn))
        elif site.obj is None:
            shape, dtype = var_inputs.get(site.name, (None, None))
            entry.update(_null_entry(site.name, site.cls, shape, dtype, site.error))
        else:
            shape, dtype = var_inputs.get(site.name, (None, None))
            entry["input_shape"] = shape
            entry.update(_analyse(site.obj, shape, dtype, torch, nn))
        models.append(entry)

    return {
        "framework": "torch",
        "framework_version": torch.__version__.split("+")[0],
        "fixture": path.name,
        "module_error": found.module_error,
        "models": models,
    }


def oracle_path(path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".oracle.json")


def write(path) -> dict:
    data = record(path)
    with open(oracle_path(path), "w") as fh:
        json.dump(data, fh, sort_keys=True, indent=1)
        fh.write("\n")
    return data


def main(argv):
    if argv[:1] == ["--single"]:
        data = write(argv[1])
        errs = [f"{m['name']}: {m['error']}" for m in data["models"] if m["error"]]
        print(f"{Path(argv[1]).name}: {len(data['models'])} model(s)"
              + (f"; module_error={data['module_error']}" if data["module_error"] else "")
              + "".join(f"\n    {e}" for e in errs))
        return 0
    files = [Path(a) for a in argv] or _discover.fixture_files("torch", FIXTURE_ROOT)
    rc = 0
    for f in files:
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
        p = subprocess.run([sys.executable, __file__, "--single", str(f)], env=env, timeout=600)
        if p.returncode:
            print(f"FAILED to record {f} (exit {p.returncode})", file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
