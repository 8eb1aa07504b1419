#!/usr/bin/env python
"""Record Keras' own per-layer truth for the fixtures in fixtures/keras/.

Usage (from the repo root):
    KERAS_BACKEND=torch /work/oracle-venv/bin/python tests/oracle/record_keras.py [FILES...]

Default FILES: every fixtures/keras/*.py.  Each fixture is executed in its own
subprocess (fresh Keras auto-name counters, exactly as when a user runs the
file), with tests/oracle/_shim.py mapping ``tensorflow.keras`` onto Keras 3.
Result is written to fixtures/keras/<stem>.oracle.json (sorted keys, indent 1).

As a module:  ``record(path) -> dict`` returns the same dict without writing.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURE_DIR = os.path.join(REPO, "fixtures", "keras")
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


def _child(path: str) -> dict:
    sys.path.insert(0, HERE)
    import _shim  # noqa: E402

    _shim.install()
    import builtins
    import keras

    path = os.path.abspath(path)
    result = {"framework": "keras", "framework_version": keras.__version__,
              "error": None, "models": []}
    # Execute like `python fixture.py`, but in a dict we own so that models bound
    # before a failing line are still reported.
    g = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    sys.argv = [path]
    sys.path.insert(0, os.path.dirname(path))
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # model.summary() etc. must not pollute our output
    try:
        with open(path, encoding="utf-8") as f:
            code = compile(f.read(), path, "exec")
        exec(code, g)
    except BaseException as e:  # noqa: BLE001 - SystemExit too
        result["error"] = _err(e)
    finally:
        sys.stdout = real_stdout
    seen = set()
    for var, val in list(g.items()):
        if var.startswith("__") or not isinstance(val, keras.Model) or id(val) in seen:
            continue
        seen.add(id(val))
        result["models"].append(_model_info(var, val))
    return result


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
    files = argv or sorted(p for p in glob.glob(os.path.join(FIXTURE_DIR, "*.py")))
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
