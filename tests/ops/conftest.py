"""Helpers for the ops tests: bind a framework call through the binding tables
and run its canonical op, the way the frontends do."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from modelint.analyzer.frontends.bindings import Binding, bind
from modelint.analyzer.frontends.keras_bindings import KERAS_LAYERS
from modelint.analyzer.frontends.torch_bindings import TORCH_FUNCTIONS, TORCH_MODULES
from modelint.analyzer.ops import get_op
from modelint.analyzer.ops._base import OpResult

Runner = Callable[..., OpResult]


def bound(table: Mapping[str, Binding], name: str, args: Sequence[Any] = (),
          kwargs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A layer's canonical attrs, ``class_name`` included, as a nested layer dict
    for wrappers: ``{"class_name", "kind", "attrs"}``."""
    binding = table[name]
    attrs = bind(binding, list(args), dict(kwargs or {}))
    attrs["class_name"] = name
    return {"class_name": name, "kind": binding.kind, "attrs": attrs}


def _runner(table: Mapping[str, Binding]) -> Runner:
    def run(name: str, args: Sequence[Any], kwargs: Mapping[str, Any] | None,
            inputs: Sequence[Any]) -> OpResult:
        layer = bound(table, name, args, kwargs)
        fn = get_op(layer["kind"])
        assert fn is not None, layer["kind"]
        return fn(layer["attrs"], list(inputs))

    return run


@pytest.fixture
def keras() -> Runner:
    """``keras("Conv2D", [96, 11], {"strides": 4}, [(None, 227, 227, 3)])``."""
    return _runner(KERAS_LAYERS)


@pytest.fixture
def torch() -> Runner:
    return _runner(TORCH_MODULES)


@pytest.fixture
def torchf() -> Runner:
    """Functions and tensor methods; tensor parameters are passed as inputs, not args."""
    return _runner(TORCH_FUNCTIONS)


def params(result: OpResult) -> int | None:
    if result.trainable is None or result.non_trainable is None:
        return None
    return result.trainable + result.non_trainable


@pytest.fixture
def keras_layer() -> Callable[..., dict[str, Any]]:
    """A wrapped Keras layer's bound form: ``keras_layer("LSTM", [32])``."""
    return lambda name, args=(), kwargs=None: bound(KERAS_LAYERS, name, args, kwargs)


@pytest.fixture
def torch_layer() -> Callable[..., dict[str, Any]]:
    return lambda name, args=(), kwargs=None: bound(TORCH_MODULES, name, args, kwargs)
