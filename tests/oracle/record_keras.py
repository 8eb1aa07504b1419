#!/usr/bin/env python
"""Record Keras' own per-layer truth for the Keras fixtures (``fixtures/**``).

Usage (from the repo root):
    KERAS_BACKEND=torch /work/venv/bin/python tests/oracle/record_keras.py [FILES...]

Default FILES: every ``fixtures/**/*.py`` whose framework is Keras (a directory
named ``keras``/``tensorflow``/``tf`` on its path, else a keras / tensorflow
import).  Each file is recorded in its own subprocess (fresh Keras auto-name
counters, as when a user runs the file), with tests/oracle/_shim.py mapping
``tensorflow.keras`` onto Keras 3.  The result is written beside the file as
``<stem>.oracle.json`` (sorted keys, indent 1).

``models`` is the list of docs/models.md, found by tests/oracle/_discover.py
(read its docstring: the module runs under a name other than ``__main__``;
``__main__`` blocks and function bodies are read statement by statement, never
run as a whole), sorted by line; each entry has ``name``, ``class``, ``line``,
``kind`` (``class`` / ``instance`` / ``builder``), ``total`` / ``trainable`` /
``non_trainable`` (``null`` when Keras could not build or count it, with the
reason in ``error``) and ``layers`` (``model.layers``: name, op, params,
trainable params, output shape(s)).  A subclassed ``keras.Model`` class is
instantiated with no arguments; unless its constructor builds it, Keras has no
input shape for it and its total is ``null``.  Top-level ``error`` is the
module's own error, if executing it raised.

As a module:  ``record(path) -> dict`` returns the same dict without writing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURE_ROOT = os.path.join(REPO, "fixtures")
_MARK = "@@MODELINT-ORACLE@@"


# --------------------------------------------------------------------------- child side
def _shape(s):
    return [None if d is None else int(d) for d in s]


def _nparams(weights):
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def _err(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return f"{type(e).__name__}: {msg[0] if msg else ''}".rstrip()


def _layer_info(layer) -> dict:
    info = {"name": layer.name, "op": type(layer).__name__,
            "output_shape": None, "params": None, "trainable_params": None}
    try:
        info["params"] = int(layer.count_params())
    except Exception:  # unbuilt layer
        info["params"] = None
    try:
        info["trainable_params"] = _nparams(layer.trainable_weights)
    except Exception:
        pass
    try:
        out = layer.output
    except Exception:  # subclassed model / shared layer with several nodes
        out = None
    if isinstance(out, (list, tuple)):
        info["output_shapes"] = [_shape(t.shape) for t in out]
    elif isinstance(out, dict):
        info["output_shapes"] = [_shape(out[k].shape) for k in out]
    elif out is not None:
        try:
            info["output_shape"] = _shape(out.shape)
        except Exception:
            pass
    return info


def _model_info(name, m) -> dict:
    info = {"name": name, "class": type(m).__name__, "total": None, "trainable": None,
            "non_trainable": None, "error": None, "layers": []}
    try:
        info["total"] = int(m.count_params())
        info["trainable"] = _nparams(m.trainable_weights)
        info["non_trainable"] = _nparams(m.non_trainable_weights)
    except Exception as e:
        info["error"] = _err(e)
    try:
        info["layers"] = [_layer_info(l) for l in m.layers]
    except Exception as e:
        info["error"] = info["error"] or _err(e)
    return info


def _framework(keras):
    sys.path.insert(0, HERE)
    import _discover  # noqa: E402

    functional = {keras.Model}
    try:
        from keras.src.models.functional import Functional
        functional.add(Functional)
    except ImportError:  # keras internals moved; keras.Model is what files call
        pass

    def class_name(cls):
        return "Functional" if cls in functional else cls.__name__

    def is_library_builder(func):
        # keras.applications builders are the CamelCase functions (VGG16, ResNet50, ...);
        # the snake_case ones next to them (preprocess_input, obtain_input_shape) are not.
        mod = getattr(func, "__module__", "") or ""
        name = getattr(func, "__name__", "") or ""
        return mod.startswith(("keras.src.applications", "keras.applications")) and name[:1].isupper()

    def reset_names():
        keras.backend.clear_session(free_memory=False)

    return _discover.Framework(
        is_model=lambda o: isinstance(o, keras.Model),
        is_model_class=lambda c: isinstance(c, type) and issubclass(c, keras.Model),
        is_library_builder=is_library_builder, class_name_of_class=class_name,
        library_result_class=lambda f: "Functional", reset_names=reset_names,
        frame_classes=lambda c: issubclass(c, keras.layers.Layer))


def _child(path: str) -> dict:
    sys.path.insert(0, HERE)
    import _shim  # noqa: E402

    _shim.install()
    import keras

    import _discover  # noqa: E402

    path = os.path.abspath(path)
    result = {"framework": "keras", "framework_version": keras.__version__,
              "error": None, "models": []}
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # model.summary() etc. must not pollute our output
    try:
        found = _discover.discover(path, _framework(keras))
        result["error"] = found.module_error
        for site in found.sites:
            if site.kind == "class":
                keras.backend.clear_session(free_memory=False)
                try:
                    with _discover.time_limit(_discover.STATEMENT_TIMEOUT):
                        m = site.obj()
                except TypeError as e:
                    info = _null_info(site, f"needs constructor arguments: {str(e).splitlines()[0] if str(e) else ''}")
                except Exception as e:  # noqa: BLE001
                    info = _null_info(site, _err(e))
                else:
                    info = _model_info(site.name, m)
                    if not m.built and info["total"] is None:
                        info["error"] = "not built: the class alone gives no input shape"
            elif site.obj is None:
                info = _null_info(site, site.error)
            else:
                info = _model_info(site.name, site.obj)
            info["line"], info["kind"] = site.line, site.kind
            result["models"].append(info)
    finally:
        sys.stdout = real_stdout
    return result


def _null_info(site, error) -> dict:
    return {"name": site.name, "class": site.cls, "total": None, "trainable": None,
            "non_trainable": None, "error": error, "layers": []}


# --------------------------------------------------------------------------- parent side
def record(path: str, timeout: float = 300) -> dict:
    """Run one fixture in a fresh interpreter and return the oracle dict."""
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "torch"
    env.setdefault("PYTHONHASHSEED", "0")
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", os.path.abspath(path)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    for line in proc.stdout.splitlines():
        if line.startswith(_MARK):
            return json.loads(line[len(_MARK):])
    raise RuntimeError(f"oracle child failed for {path} (rc={proc.returncode}):\n{proc.stderr[-3000:]}")


def oracle_path(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(os.path.abspath(path)), stem + ".oracle.json")


def dump(data: dict) -> str:
    return json.dumps(data, sort_keys=True, indent=1) + "\n"


def main(argv) -> int:
    sys.path.insert(0, HERE)
    import _discover  # noqa: E402

    files = argv or [str(p) for p in _discover.fixture_files("keras", Path(FIXTURE_ROOT))]
    rc = 0
    for path in files:
        try:
            data = record(path)
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {path}: {e}", file=sys.stderr)
            rc = 1
            continue
        with open(oracle_path(path), "w", encoding="utf-8") as f:
            f.write(dump(data))
        summary = ", ".join(f"{m['name']}={m['total']}" for m in data["models"])
        err = f"  ERROR {data['error']}" if data["error"] else ""
        print(f"{os.path.basename(path)}: {summary}{err}")
    return rc


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        out = _child(sys.argv[2])
        sys.stdout.write(_MARK + json.dumps(out) + "\n")
        sys.stdout.flush()
    else:
        sys.exit(main(sys.argv[1:]))
