"""Shared by the CLI tests: run ``modelint`` in-process from a folder and capture it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from modelint.analyzer.cli import main
from tests.conftest import checked_report

# Three findings of three severities' worth of rules, one per line: ML204 (warning,
# opt-in: only with --extend-select ML204 / ALL / an ML2 prefix) line 7, ML305 (warning)
# line 8, ML201 (error, reported on the softmax output layer) line 11, ML401 never (small model).
BUGGY = '''import keras
from keras import layers

model = keras.Sequential([
    keras.Input((64,)),
    layers.Dense(128),
    layers.Dense(64),
    layers.Dropout(1.5),
    layers.Dense(32, activation="relu"),
    layers.Dense(16, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
'''
CLEAN = '''import keras
from keras import layers

model = keras.Sequential([
    keras.Input((64,)),
    layers.Dense(128, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="categorical_crossentropy")
'''


@dataclass
class Run:
    code: int
    out: str
    err: str

    def codes(self) -> list[tuple[str, int]]:
        """(code, line) of every finding, read from the JSON report."""
        report = checked_report(self.out)
        return [(d["code"], d["line"]) for f in report["files"] for d in f["diagnostics"]]


def run_cli(capsys, cwd: Path, *argv: str) -> Run:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(list(argv))
    finally:
        os.chdir(old)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
