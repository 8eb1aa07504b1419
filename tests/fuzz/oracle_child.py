"""The fuzzer's oracle: builds generated models in the real frameworks, many per process.

Run as ``python -m tests.fuzz.oracle_child`` (the parent, ``tests/fuzz/differential.py``,
does this). Importing torch and Keras costs seconds, building one small model
milliseconds, so one process serves a whole run: it reads one JSON line per batch (a list
of ``Case.to_json()`` dicts) from stdin and answers one JSON line per batch (a list of
truth dicts, same order) on stdout, prefixed by ``_MARK`` so that anything a model prints
cannot be mistaken for an answer.

The truth recorded is what the fixture recorders record (tests/oracle/record_torch.py,
record_keras.py), computed the same way:

* torch — ``total`` / ``trainable`` / ``non_trainable`` from ``m.parameters()``; every
  entry of ``named_modules()`` (root excluded) with its recursive ``params``, whether it
  is a leaf, and its ``output_shapes`` (one list of flattened tensor shapes per call,
  from forward hooks, model in ``eval()`` under ``no_grad``, MHA fast path off);
* Keras — ``count_params()``, trainable / non-trainable weights, and for every entry of
  ``model.layers`` its name, class, params, trainable params and output shape(s). Each
  case starts with ``keras.backend.clear_session()`` so auto-names (``dense_1``...) start
  from zero, as in a fresh ``python file.py``.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import warnings

_MARK = "@@FUZZ-ORACLE@@"
HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_DIR = os.path.join(os.path.dirname(HERE), "oracle")


def _err(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[0] if msg else ''}".rstrip()


def _exec(source: str, name: str) -> dict:
    ns = {"__name__": name, "__file__": f"<fuzz {name}>", "__builtins__": builtins}
    exec(compile(source, "<fuzz>", "exec"), ns)
    return ns


# --------------------------------------------------------------------------- torch


def _shapes(out, torch) -> list:
    res: list = []

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

    walk(out)
    return res


def _torch_truth(case: dict) -> dict:
    import torch
    import torch.nn as nn

    ns = _exec(case["source"], case.get("run_name", "__main__"))
    if case.get("getter"):
        model = eval(case["getter"], ns)  # noqa: S307 - generated code, the oracle's job is to run it
    else:
        obj = ns[case["target"]]
        model = obj() if case["kind"] == "class" else obj
    if not isinstance(model, nn.Module):
        raise TypeError(f"{case['target']} is not an nn.Module")
    named = [(n, m) for n, m in model.named_modules() if n]
    calls: dict[str, list] = {n: [] for n, _ in named}
    handles = [m.register_forward_hook(lambda _m, _i, out, _n=n: calls[_n].append(_shapes(out, torch)))
               for n, m in named]
    shape = tuple(case["input_shape"])
    torch.manual_seed(0)
    if case["input_dtype"] == "int64":
        x = torch.randint(0, case["input_high"], shape)
    else:
        x = torch.randn(*shape)
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    # A Parameter shared by two modules (weight tying) is in both modules' recursive
    # counts; "params_unique" counts it at its first module only, as the total does.
    seen: set[int] = set()
    unique: dict[str, int] = {}
    for n, m in named:
        unique[n] = sum(p.numel() for p in m.parameters() if id(p) not in seen)
        if not list(m.children()):
            seen.update(id(p) for p in m.parameters())
    return {
        "error": None, "total": total, "trainable": trainable, "non_trainable": total - trainable,
        "output": _shapes(out, torch),
        "modules": [{"name": n, "op": type(m).__name__, "leaf": not list(m.children()),
                     "params": sum(p.numel() for p in m.parameters()), "params_unique": unique[n],
                     "output_shapes": calls[n]}
                    for n, m in named],
    }


# --------------------------------------------------------------------------- keras


def _kshape(s) -> list:
    return [None if d is None else int(d) for d in s]


def _nparams(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def _keras_truth(case: dict) -> dict:
    import keras

    keras.backend.clear_session(free_memory=False)  # its gc.collect() costs 0.4 s a model
    ns = _exec(case["source"], case.get("run_name", "__main__"))
    if case.get("getter"):
        keras.backend.clear_session(free_memory=False)  # names as in a run that builds it once
        model = eval(case["getter"], ns)  # noqa: S307 - generated code, the oracle's job is to run it
    else:
        model = ns[case["target"]]
    if not isinstance(model, keras.Model):
        raise TypeError(f"{case['target']} is not a keras.Model")
    layers = []
    for layer in model.layers:
        row = {"name": layer.name, "op": type(layer).__name__, "output_shape": None,
               "params": None, "trainable_params": None}
        try:
            row["params"] = int(layer.count_params())
            row["trainable_params"] = _nparams(layer.trainable_weights)
        except Exception:  # noqa: BLE001 - an unbuilt layer has no count
            pass
        try:
            out = layer.output
        except Exception:  # noqa: BLE001 - subclassed models keep no symbolic outputs
            out = None
        if isinstance(out, (list, tuple)):
            row["output_shapes"] = [_kshape(t.shape) for t in out]
        elif out is not None:
            row["output_shape"] = _kshape(out.shape)
        layers.append(row)
    return {"error": None, "total": int(model.count_params()), "trainable": _nparams(model.trainable_weights),
            "non_trainable": _nparams(model.non_trainable_weights), "layers": layers}


# --------------------------------------------------------------------------- loop


def truth(case: dict) -> dict:
    """The framework's numbers for one case (``error`` set when the framework refused it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _torch_truth(case) if case["framework"] == "torch" else _keras_truth(case)
    except Exception as exc:  # noqa: BLE001 - a refused model is data, not a crash
        return {"error": _err(exc)}


def main() -> int:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    sys.path.insert(0, ORACLE_DIR)
    import _shim  # noqa: E402 - tensorflow.keras imports resolve to Keras 3

    _shim.install()
    import torch

    torch.set_num_threads(1)
    torch.backends.mha.set_fastpath_enabled(False)
    out = sys.stdout
    sys.stdout = sys.stderr  # prints in generated code must not reach the protocol
    for line in sys.stdin:
        if not line.strip():
            continue
        batch = json.loads(line)
        answers = [truth(case) for case in batch]
        out.write(_MARK + json.dumps(answers) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
