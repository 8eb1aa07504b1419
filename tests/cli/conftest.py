"""``--update-golden`` regenerates tests/cli/golden/ instead of comparing with it."""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files of tests/cli/golden/ from the current output")
