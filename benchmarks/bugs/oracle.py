"""Confirm every benchmark case in the real framework and record what happened.

    python benchmarks/bugs/oracle.py                  # all cases -> oracle_results.json
    python benchmarks/bugs/oracle.py --cases t01_androidkt_linear_1050,k01_stacked_lstm_no_return_sequences

This is the only place the case files are executed (modelint never runs them). Each
framework runs in its own child process: torch 2.x for the PyTorch cases, Keras 3 on the
torch backend for the Keras ones (``tensorflow.keras`` imports go through
``tests/oracle/_shim.py``; TensorFlow itself is not needed). Every case names a check in
its manifest entry (``oracle = { check = ... }``):

- ``raises``: running the file fails; the error message is recorded.
- ``runs``: a correct file runs to its end without an error.
- ``softmax_rows``: silent bug. The tensor fed to the loss (a variable of the file, or the
  model applied to a random input) has rows that sum to 1, i.e. it is probabilities, not
  the logits the loss expects; the Keras model's loss configuration is recorded too.
- ``sigmoid_rows``: the rows fed to a categorical loss do not sum to 1.
- ``single_unit``: a softmax over one unit outputs exactly 1.0 for every input.
- ``nll_of_probabilities``: NLL computed on probabilities is negative (it needs log-probabilities).
- ``unregistered``: parameters of modules kept in plain lists/dicts are missing from
  ``model.parameters()`` (so the optimizer never sees them); the count is recorded.
- ``unused``: after a forward and backward pass some parameters still have no gradient.
- ``output_shape`` / ``target_width``: the model's output shape differs from what the
  training targets need (``want``; -1 stands for the batch axis).
- ``metric``: what Keras resolves ``metrics=["accuracy"]`` to for this model and loss.
- ``loss_activation``: the final activation and the loss, recorded as they are configured.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import subprocess
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RESULTS = HERE / "oracle_results.json"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    text = " ".join(text.split())
    return text[:400]


# -- child side: runs inside one framework ------------------------------------------------
def _run_file(path: Path) -> tuple[dict | None, BaseException | None]:
    try:
        return runpy.run_path(str(path), run_name="__oracle__"), None
    except BaseException as exc:  # the case's own failure is the data we record
        return None, exc


def _torch_value(g: dict, spec: dict):
    import torch

    obj = g[spec["model"]] if spec["model"] in g else eval(spec["model"], g)  # noqa: S307 - oracle only
    if isinstance(obj, torch.nn.Module):
        inp = spec.get("input")
        x = g[inp] if isinstance(inp, str) else torch.randn(*inp)
        with torch.no_grad():
            obj = obj(x)
    if isinstance(obj, tuple):
        obj = obj[0]
    return obj


def _keras_out(model, seed: int = 0):
    import numpy as np

    shape = [2 if d is None else d for d in model.input_shape]
    rng = np.random.default_rng(seed)
    dtype = getattr(model.inputs[0], "dtype", "float32")
    if "int" in str(dtype):
        x = rng.integers(0, 10, size=shape)
    else:
        x = rng.random(shape).astype("float32")
    return np.asarray(model.predict(x, verbose=0)), x


def _row_sums(arr):
    import numpy as np

    sums = np.asarray(arr, dtype="float64").sum(axis=-1)
    return float(sums.min()), float(sums.max())


def _check_torch(case: dict, g: dict) -> dict:
    import torch

    spec = case["oracle"]
    check = spec["check"]
    if check in ("softmax_rows", "sigmoid_rows"):
        value = _torch_value(g, spec)
        lo, hi = _row_sums(value.detach().cpu().numpy())
        sums_to_one = abs(lo - 1) < 1e-4 and abs(hi - 1) < 1e-4
        return {"confirmed": sums_to_one if check == "softmax_rows" else not sums_to_one,
                "observed": f"rows of `{spec['model']}` (shape {tuple(value.shape)}) sum to {lo:.6f}..{hi:.6f}"}
    if check == "nll_of_probabilities":
        value = float(g[spec["model"]])
        return {"confirmed": value < 0, "observed": f"`{spec['model']}` = {value:.4f} (negative: NLL of probabilities)"}
    if check == "unregistered":
        model = g[spec["model"]]
        registered = {id(p) for p in model.parameters()}
        hidden, where = 0, []
        for mod_name, mod in model.named_modules():
            for attr, value in vars(mod).items():
                items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
                mods = [v for v in items if isinstance(v, torch.nn.Module)]
                n = sum(p.numel() for m in mods for p in m.parameters() if id(p) not in registered)
                if n:
                    hidden += n
                    where.append(f"{mod_name + '.' if mod_name else ''}{attr}")
        total = sum(p.numel() for p in model.parameters())
        return {"confirmed": hidden > 0,
                "observed": f"{hidden:,} parameters in {', '.join(where)} are missing from model.parameters() "
                            f"(which holds {total:,})"}
    if check == "unused":
        model = g[spec["model"]]
        model.train()
        out = model(torch.randn(*spec["input"]))
        outs = out if isinstance(out, (tuple, list)) else (out,)
        sum(o.float().sum() for o in outs).backward()
        dead = [n for n, p in model.named_parameters() if p.grad is None]
        count = sum(p.numel() for n, p in model.named_parameters() if p.grad is None)
        shown = ", ".join(dead[:4]) + (f", ... ({len(dead)} tensors)" if len(dead) > 4 else "")
        return {"confirmed": bool(dead), "observed": f"no gradient after backward for {count:,} parameters: {shown}"}
    raise ValueError(f"unknown torch check {check!r}")


def _check_keras(case: dict, g: dict) -> dict:
    import numpy as np

    spec = case["oracle"]
    check = spec["check"]
    model = g[spec["model"]]
    loss = getattr(model, "loss", None)
    loss_txt = loss if isinstance(loss, str) else (
        f"{type(loss).__name__}({', '.join(f'{k}={v}' for k, v in loss.get_config().items() if k == 'from_logits')})"
        if loss is not None else "none")
    if check in ("softmax_rows", "sigmoid_rows"):
        out, _ = _keras_out(model)
        lo, hi = _row_sums(out)
        sums_to_one = abs(lo - 1) < 1e-4 and abs(hi - 1) < 1e-4
        return {"confirmed": sums_to_one if check == "softmax_rows" else not sums_to_one,
                "observed": f"model output rows sum to {lo:.6f}..{hi:.6f}; loss = {loss_txt}"}
    if check == "single_unit":
        out, _ = _keras_out(model)
        return {"confirmed": bool(out.shape[-1] == 1 and np.allclose(out, 1.0)),
                "observed": f"output shape {out.shape}, values {float(out.min()):.6f}..{float(out.max()):.6f} "
                            f"for random inputs; loss = {loss_txt}"}
    if check == "output_shape":
        shape = tuple(model.output_shape)
        want = tuple(None if d == -1 else d for d in spec["want"])
        return {"confirmed": shape != want, "observed": f"model.output_shape = {shape}; the targets need {want}"}
    if check == "target_width":
        y = g[spec["input"]]
        return {"confirmed": y.shape[-1] != model.output_shape[-1],
                "observed": f"targets `{spec['input']}` have shape {y.shape}, model.output_shape = {model.output_shape}"}
    if check == "metric":
        out, x = _keras_out(model)
        y = np.random.default_rng(1).integers(0, 2, size=out.shape).astype("float32")
        model.fit(x, y, epochs=1, verbose=0)
        names = [type(m).__name__ for m in model._compile_metrics.metrics] if model._compile_metrics else []
        act = getattr(model.layers[-1], "activation", None)
        return {"confirmed": True,
                "observed": f"metrics=['accuracy'] resolves to {names} in Keras 3 for a {out.shape[-1]}-unit "
                            f"{getattr(act, '__name__', act)} output trained with {loss_txt} "
                            f"(tf.keras 2.x resolved it to binary_accuracy per unit)"}
    if check == "loss_activation":
        act = getattr(model.layers[-1], "activation", None)
        name = getattr(act, "__name__", str(act))
        return {"confirmed": name == "softmax" and "squared" in loss_txt,
                "observed": f"final activation {name} over {model.output_shape[-1]} classes trained with {loss_txt}"}
    raise ValueError(f"unknown keras check {check!r}")


def child(framework: str, case_ids: list[str]) -> None:
    """Run the given cases of one framework; print one JSON object."""
    if framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")
        sys.path.insert(0, str(REPO))
        from tests.oracle._shim import install

        install()
    import tomllib

    cases = {c["id"]: c for c in tomllib.loads((HERE / "cases.toml").read_text())["case"]}
    results = {}
    for cid in case_ids:
        case = cases[cid]
        spec = case["oracle"]
        g, exc = _run_file(HERE / case["file"])
        try:
            if spec["check"] == "raises":
                rec = {"confirmed": exc is not None,
                       "observed": _short(exc) if exc else "ran without an error"}
            elif exc is not None:
                rec = {"confirmed": False, "observed": f"the file failed before the check: {_short(exc)}"}
            elif spec["check"] == "runs":
                rec = {"confirmed": True, "observed": "runs without an error"}
            elif framework == "torch":
                rec = _check_torch(case, g)
            else:
                rec = _check_keras(case, g)
        except Exception as err:  # a broken check is reported, not hidden
            rec = {"confirmed": False, "observed": f"oracle check failed: {_short(err)}",
                   "trace": traceback.format_exc(limit=3)}
        rec["check"] = spec["check"]
        results[cid] = rec
    versions = {}
    if framework == "torch":
        import torch

        versions["torch"] = torch.__version__
    else:
        import keras

        versions["keras"] = keras.__version__
        versions["keras_backend"] = keras.backend.backend()
    print(json.dumps({"results": results, "versions": versions}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated case ids (default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.ids.split(",") if args.ids else [])
        return 0

    import tomllib

    cases = tomllib.loads((HERE / "cases.toml").read_text())["case"]
    if args.cases:
        wanted = set(args.cases.split(","))
        cases = [c for c in cases if c["id"] in wanted]
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"versions": {}, "cases": {}}
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3")
    for framework in ("torch", "keras"):  # one framework at a time, never in parallel
        ids = [c["id"] for c in cases if c["framework"] == framework]
        if not ids:
            continue
        proc = subprocess.run([sys.executable, __file__, "--child", framework, "--ids", ",".join(ids)],
                              capture_output=True, text=True, env=env, cwd=str(HERE / "cases"))
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(f"{framework} oracle failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
            return 1
        data = json.loads(lines[-1])
        previous["versions"].update(data["versions"])
        previous["cases"].update(data["results"])
    ordered = {c["id"]: previous["cases"][c["id"]] for c in tomllib.loads((HERE / "cases.toml").read_text())["case"]
               if c["id"] in previous["cases"]}
    previous["cases"] = ordered
    RESULTS.write_text(json.dumps(previous, indent=1, sort_keys=False) + "\n")
    bad = [cid for cid, rec in ordered.items() if not rec["confirmed"]]
    print(f"{len(ordered)} cases recorded in {RESULTS.name}; {len(bad)} not confirmed" + (f": {', '.join(bad)}" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
