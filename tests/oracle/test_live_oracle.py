"""The recorded truth is the framework's: re-run the oracle scripts on every fixture
with the real framework and compare with the ``.oracle.json`` files the static tests
read. Runs where torch (and keras) are installed — CI installs torch==2.13.0 and
keras for exactly this; modelint itself never needs them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import fixture_id as _id
from tests.conftest import oracle_for
from tests.conftest import oracle_fixtures as _recorded

pytestmark = pytest.mark.oracle




def _comparable(truth: dict) -> dict:
    """Versions may differ by a patch release between machines; numbers may not."""
    truth = dict(truth)
    truth.pop("framework_version", None)
    return json.loads(json.dumps(truth, sort_keys=True))


@pytest.mark.parametrize("path", _recorded("keras"), ids=_id)
def test_keras_truth_is_current(path):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    from tests.oracle import record_keras

    assert _comparable(record_keras.record(str(path))) == _comparable(oracle_for(path))


@pytest.mark.parametrize("path", _recorded("torch"), ids=_id)
def test_torch_truth_is_current(path):
    pytest.importorskip("torch")
    from tests.oracle import record_torch

    assert _comparable(record_torch.record(str(path))) == _comparable(oracle_for(path))
