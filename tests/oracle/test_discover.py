"""The oracle's model list follows docs/models.md: checked on a small file with real torch,
one rule per assertion, so a recorder regression names the rule it broke."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.oracle

SOURCE = textwrap.dedent(
    """
    import argparse
    import torch.nn as nn

    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=7)
    args = parser.parse_args()


    class MLP(nn.Module):
        def __init__(self, d_in, d_out):
            super().__init__()
            self.fc = nn.Linear(d_in, d_out)


    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, args.hidden)


    def build(width=3):
        model = nn.Sequential(nn.Linear(4, width))
        return model


    def make(d_in, d_out):
        return MLP(d_in, d_out)


    def main():
        local = argparse.ArgumentParser()
        local.add_argument("--out", type=int, default=5)
        opts = local.parse_args()
        net = MLP(10, opts.out)
        net = net.to("cpu")
        criterion = nn.CrossEntropyLoss()
        broken = MLP(undefined_name, 1)


    model = MLP(3, 2)
    model = MLP(100, 100)
    loss_fn = nn.MSELoss()

    if __name__ == "__main__":
        main_net = build(width=5)
        main()
    """
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    pytest.importorskip("torch")
    from tests.oracle import record_torch

    path = tmp_path_factory.mktemp("discover") / "sample.py"
    path.write_text(SOURCE)
    return {m["name"]: m for m in record_torch.record(str(path))["models"]}


def test_classes_are_built_with_their_defaults(recorded):
    assert recorded["MLP"]["total"] is None and "needs constructor arguments" in recorded["MLP"]["error"]
    assert recorded["Tiny"]["total"] == 2 * 7 + 7  # module-level argparse default


def test_first_binding_of_a_name_wins_and_losses_are_not_models(recorded):
    assert recorded["model"]["total"] == 3 * 2 + 2
    assert "loss_fn" not in recorded and "main.criterion" not in recorded


def test_main_block_is_module_level_and_functions_are_read_not_run(recorded):
    assert recorded["main_net"]["total"] == 4 * 5 + 5
    assert recorded["main.net"]["total"] == 10 * 5 + 5  # parse_args() -> parse_args([])
    assert recorded["main.broken"]["total"] is None and recorded["main.broken"]["class"] == "MLP"


def test_uncalled_builders_and_returned_variables(recorded):
    assert "build" not in recorded  # called under __main__: reported there
    assert recorded["make"]["total"] is None and recorded["make"]["class"] == "MLP"
    assert "build.model" not in recorded  # the builder's result, not an extra instance
    assert set(recorded) == {"MLP", "Tiny", "make", "main.net", "main.broken", "model", "main_net"}
