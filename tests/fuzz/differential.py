"""Differential check of one generated model: modelint (static, in-process) against the
framework (``oracle_child``, one long-lived subprocess for many models).

The invariant checked is the project's trust promise: when modelint marks a model
``exact`` its total, its trainable / non-trainable split and every layer's parameters
and output shapes equal the framework's. A model modelint marks inexact, or does not
find, is not a violation (it lowers the exact rate, which the benchmark reports).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.generator import Case
from tests.fuzz.oracle_child import _MARK

REPO = Path(__file__).resolve().parents[2]


class Oracle:
    """The framework subprocess. ``start`` once; ``send`` a batch, ``receive`` its truth
    (a batch can be in flight while the caller analyses the previous one)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self._log = tempfile.TemporaryFile(mode="w+")

    def start(self) -> Oracle:
        env = dict(os.environ, KERAS_BACKEND="torch", PYTHONHASHSEED="0",
                   OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.fuzz.oracle_child"], cwd=REPO, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                     text=True, bufsize=1)
        return self

    def send(self, cases: list[Case]) -> None:
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(json.dumps([c.to_json() for c in cases]) + "\n")
        self.proc.stdin.flush()

    def receive(self) -> list[dict[str, Any]]:
        assert self.proc and self.proc.stdout
        for line in self.proc.stdout:
            if line.startswith(_MARK):
                return json.loads(line[len(_MARK):])
        self._log.seek(0)
        raise RuntimeError(f"oracle process died (rc={self.proc.poll()}):\n{self._log.read()[-3000:]}")

    def run(self, cases: list[Case]) -> list[dict[str, Any]]:
        self.send(cases)
        return self.receive()

    def judged(self, cases: list[Case], batch: int = 50):
        """(case, Verdict) for each case; the framework builds batch k+1 while modelint
        analyses batch k, so the two costs overlap."""
        chunks = [cases[i:i + batch] for i in range(0, len(cases), batch)]
        if chunks:
            self.send(chunks[0])
        for k, chunk in enumerate(chunks):
            truths = self.receive()
            if k + 1 < len(chunks):
                self.send(chunks[k + 1])
            for case, truth in zip(chunk, truths):
                yield case, compare(case, truth)

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin:
                self.proc.stdin.close()  # the child's loop ends at EOF
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:  # tearing down torch can take seconds: not worth waiting
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        self._log.close()

    def __enter__(self) -> Oracle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Verdict:
    """modelint's answer for one case next to the framework's."""

    oracle_error: str | None = None
    found: bool = False
    exact: bool = False
    crash: str | None = None
    ours: tuple[int, int, int] | None = None
    truth: tuple[int, int, int] | None = None
    problems: list[str] = field(default_factory=list)  # differences (judged only when exact)
    # layer outputs modelint leaves unknown (None) where the framework has a shape: an
    # honest gap, not a wrong number; counted so the benchmark can report it
    unknown_shapes: int = 0
    reasons: list[str] = field(default_factory=list)  # why modelint said inexact

    @property
    def mismatch(self) -> bool:
        """The invariant broken: marked exact, yet a number differs from the framework."""
        return self.exact and bool(self.problems)


def analyse(case: Case):
    """modelint's model for the case's target (None when it does not report one)."""
    from modelint.analyzer.engine import Options, analyze_source

    result = analyze_source(Path("fuzz_case.py"), case.source, Options(), "fuzz_case.py")
    for model in result.models:
        if model.name == case.target:
            return model
    return None


def _shape(s) -> list | None:
    return None if s is None else [None if d is None else d for d in s]


def compare(case: Case, truth: dict[str, Any]) -> Verdict:
    """Run modelint on the case and judge it against the framework's truth."""
    v = Verdict(oracle_error=truth.get("error"))
    if v.oracle_error:
        return v
    v.truth = (truth["total"], truth["trainable"], truth["non_trainable"])
    try:
        model = analyse(case)
    except Exception as exc:  # noqa: BLE001 - a traceback on valid input is itself a finding
        v.crash = f"{type(exc).__name__}: {exc}"
        return v
    return judge(case.framework, model, truth, v)


def judge(framework: str, model, truth: dict[str, Any], v: Verdict | None = None,
          layer_params: bool = True) -> Verdict:
    """modelint's model (None: not found) against the framework's truth for it.
    ``layer_params=False`` skips torch's per-module counts (a recorder's file has no
    ``params_unique`` to tell a tied weight's second owner apart)."""
    v = v or Verdict(truth=(truth["total"], truth["trainable"], truth["non_trainable"]))
    if model is None:
        return v
    v.found = True
    trainable, non_trainable, v.exact = model.totals()
    v.ours = (trainable + non_trainable, trainable, non_trainable)
    v.reasons = [u.reason for u in model.unresolved] + [f"{l.name}: {l.unknown}" for l in model.layers() if l.unknown]
    if v.ours != v.truth:
        v.problems.append(f"totals (total, trainable, non_trainable): modelint {v.ours}, framework {v.truth}")
    if framework == "torch":
        v.problems += _torch_layers(model, truth, v, layer_params)
    else:
        v.problems += _keras_layers(model, truth, v)
    return v


def _same(ours: list, theirs: list, v: Verdict) -> bool:
    """Shapes agree where modelint knows them; an unknown (None) shape is a gap, not a lie."""
    if len(ours) < len(theirs):
        ours = ours + [None] * (len(theirs) - len(ours))
    ok = True
    for a, b in zip(ours, theirs):
        if a is None and b is not None:
            v.unknown_shapes += 1
        elif a != b:
            ok = False
    return ok


def _torch_layers(model, truth: dict[str, Any], v: Verdict, layer_params: bool) -> list[str]:
    ours: dict[str, list] = {}
    for layer in model.layers():
        if layer.attrs.get("functional") or layer.kind in ("input", "parameter"):
            continue
        ours.setdefault(layer.name, []).append(layer)
    problems = []
    for row in truth["modules"]:
        nodes = ours.get(row["name"])
        if not nodes:
            # A leaf inside a module modelint models whole (TransformerEncoderLayer's linear1)
            # is covered by that module's node.
            parts = row["name"].split(".")
            covered = any(".".join(parts[:k]) in ours for k in range(1, len(parts)))
            if row["leaf"] and row["output_shapes"] and row["params"] and not covered:
                problems.append(f"{row['name']} ({row['op']}, {row['params']} params) is not in modelint's graph")
            continue
        if layer_params and nodes[0].params not in (row["params"], row.get("params_unique", row["params"])):
            problems.append(f"{row['name']}: params modelint {nodes[0].params}, framework {row['params']}")
        calls = [n for n in nodes if n.applied]
        for i, (call, shapes) in enumerate(zip(calls, row["output_shapes"])):
            got = [_shape(s) for s in call.outputs]
            if not _same(got[: len(shapes)], shapes, v):
                problems.append(f"{row['name']} call {i}: output modelint {got}, framework {shapes}")
    return problems


def _keras_layers(model, truth: dict[str, Any], v: Verdict) -> list[str]:
    ours: dict[str, Any] = {}
    for layer in model.layers():
        ours.setdefault(layer.name, layer)
    problems = []
    for row in truth["layers"]:
        layer = ours.get(row["name"])
        if layer is None:
            if row["params"] or row["output_shape"] is not None or row.get("output_shapes"):
                problems.append(f"layer {row['name']} ({row['op']}) is not in modelint's graph; has {sorted(ours)}")
            continue
        if layer.op != row["op"]:
            problems.append(f"{row['name']}: op modelint {layer.op}, framework {row['op']}")
        if row["params"] is not None and (layer.params, layer.trainable) != (row["params"], row["trainable_params"]):
            problems.append(f"{row['name']}: (params, trainable) modelint {(layer.params, layer.trainable)}, "
                            f"framework {(row['params'], row['trainable_params'])}")
        if row.get("output_shape") is not None and not _same([_shape(layer.output_shape)], [row["output_shape"]], v):
            problems.append(f"{row['name']}: output modelint {_shape(layer.output_shape)}, framework {row['output_shape']}")
        if row.get("output_shapes") and not _same([_shape(s) for s in layer.outputs], row["output_shapes"], v):
            problems.append(f"{row['name']}: outputs modelint {[_shape(s) for s in layer.outputs]}, "
                            f"framework {row['output_shapes']}")
    return problems
