"""Jupyter notebooks on the command line: the code cells analysed as one module,
findings pointed at (cell, line), ``--fix`` writing back only the fixed cell, and
every kind of bad notebook reported instead of crashing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from modelint.analyzer.notebook import (
    Cell,
    blank_magics,
    build_module,
    file_lines,
    parse_notebook,
    source_spans,
)
from tests.cli._helpers import run_cli, write
from tests.conftest import FIXTURES, analyze, checked_report

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

NOTEBOOKS = FIXTURES / "notebooks"
REAL = sorted(NOTEBOOKS.glob("*.ipynb"))

IMPORTS = "%matplotlib inline\n!pip install keras\nimport keras\nfrom keras import layers\n"
STACK = (
    "stack = [\n    keras.Input((28, 28, 1)),\n    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n]"
)
BUILD = "model = keras.Sequential(stack)\nmodel.summary()"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def notebook(*cells, **metadata):
    nb = new_notebook(metadata=metadata)
    for kind, source in cells:
        nb.cells.append(new_markdown_cell(source) if kind == "markdown" else new_code_cell(source))
    return nb


def demo() -> "nbformat.NotebookNode":
    """Markdown, imports with magics, the layer list (the ML101), the build — with
    outputs, metadata and execution counts that --fix must leave alone."""
    nb = notebook(("markdown", "# A model"), ("code", IMPORTS), ("code", STACK), ("code", BUILD))
    nb.cells[1].execution_count = 1
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="Successfully installed keras\n")]
    nb.cells[3].execution_count = 3
    nb.cells[3].outputs = [new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})]
    nb.cells[3].metadata["tags"] = ["model"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def save(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(autouse=True)
def _config(tmp_path):
    """Exact assertions about a few rules: rules added later stay out of them."""
    (tmp_path / "pyproject.toml").write_text('[tool.modelint]\nselect = ["ML1", "ML2", "ML9"]\n')


# -- cells → one module ----------------------------------------------------------------------

def test_findings_point_to_the_cell_and_its_line(capsys, tmp_path):
    save(tmp_path / "demo.ipynb", demo())
    run = run_cli(capsys, tmp_path, "demo.ipynb", "--output-format", "concise")
    assert run.code == 1
    assert run.out.startswith("demo.ipynb:cell 3:4:5: ML101 [dense-on-unflattened] Dense applied to a 4-D tensor")

    run = run_cli(capsys, tmp_path, "demo.ipynb", "--output-format", "json")
    report = checked_report(run.out)  # the schema's additive `cell` properties validate
    (file,) = report["files"]
    (diag,) = file["diagnostics"]
    assert (diag["code"], diag["cell"], diag["line"], diag["column"]) == ("ML101", 3, 4, 5)
    assert diag["fix"]["edits"][0]["cell"] == 3 and diag["fix"]["edits"][0]["line"] == 4
    (model,) = file["models"]
    assert (model["name"], model["cell"], model["line"]) == ("model", 4, 1)
    assert [(l["name"], l["cell"], l["line"]) for l in model["layers"]] == [("conv2d", 3, 3), ("dense", 3, 4)]
    assert model["params"]["total"] == 650


def test_full_output_shows_the_cells_own_line(capsys, tmp_path):
    save(tmp_path / "demo.ipynb", demo())
    out = run_cli(capsys, tmp_path, "demo.ipynb", "--summary").out
    assert 'Model: "model" (Sequential, keras) demo.ipynb:cell 4:1' in out
    assert '4 |     layers.Dense(10, activation="softmax"),' in out


def test_github_and_sarif_point_at_the_notebooks_json_line(capsys, tmp_path):
    path = save(tmp_path / "demo.ipynb", demo())
    raw_lines = path.read_text().splitlines()
    json_line = next(i for i, l in enumerate(raw_lines, 1) if "layers.Dense(10" in l)

    out = run_cli(capsys, tmp_path, "demo.ipynb", "--output-format", "github").out
    assert out.startswith(f"::error file=demo.ipynb,line={json_line},title=ML101 dense-on-unflattened (cell 3)::"
                          "cell 3, line 4, column 5: Dense applied")

    from tests.cli.test_sarif import SCHEMA

    jsonschema = pytest.importorskip("jsonschema")
    log = json.loads(run_cli(capsys, tmp_path, "demo.ipynb", "--output-format", "sarif").out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == json_line
    assert result["properties"]["cell"] == 3 and result["properties"]["cellLine"] == 4


def test_magics_are_blanked_without_moving_anything():
    source = ("%load_ext autoreload\n!pip install torch \\\n    torchvision\nfiles = !ls\nx = (1\n"
              "     % 2)\nmodel?\n  # !not a magic\ns = '''\n%not a magic either\n'''\n")
    blanked = blank_magics(source)
    assert blanked.splitlines() == [
        "", "", "", "", "x = (1", "     % 2)", "", "  # !not a magic", "s = '''", "%not a magic either", "'''"]
    assert blank_magics("%%timeit\nmodel.fit(x)\n") == "\n\n"
    assert blank_magics("for i in range(3):\n    !echo $i\n") == "for i in range(3):\n    pass\n"


def test_a_model_spans_cells_and_magics_do_not_shift_lines(capsys, tmp_path):
    cells = [("code", "import torch\nimport torch.nn as nn\n%load_ext autoreload"),
             ("code", "%%timeit\nthis is not python"),
             ("code", "widths = [784, 128]\n!nvidia-smi\nheads = 10"),
             ("code", "model = nn.Sequential(\n    nn.Linear(widths[0], widths[1]),\n    nn.Linear(widths[1], heads),\n)")]
    save(tmp_path / "mlp.ipynb", notebook(*cells))
    report = checked_report(run_cli(capsys, tmp_path, "mlp.ipynb", "--output-format", "json",
                                    "--select", "ML204,ML9").out)
    (model,) = report["files"][0]["models"]
    assert model["params"]["total"] == 784 * 128 + 128 + 128 * 10 + 10
    (diag,) = report["files"][0]["diagnostics"]
    assert (diag["code"], diag["cell"], diag["line"]) == ("ML204", 4, 3)


def test_cell_map_round_trips():
    module = build_module([Cell(2, "code", "a = 1\nb = 2"), Cell(3, "code", ""), Cell(5, "code", "c = 3\n")])
    assert module.source == "a = 1\nb = 2\nc = 3\n"
    assert [module.cells.locate(line) for line in (1, 2, 3)] == [(2, 1), (2, 2), (5, 1)]
    assert module.cells.module_line(5, 1) == 3
    # Lines break where Python breaks them: a form feed inside a string is not a line.
    assert build_module([Cell(1, "code", "s = 'a\x0cb'\nt = 1")]).cells.cells[0].line_count == 2


# -- suppressions and configuration -----------------------------------------------------------

def test_noqa_and_modelint_comments_work_in_cells(capsys, tmp_path):
    noqa = STACK.replace('activation="softmax"),', 'activation="softmax"),  # noqa: ML101')
    save(tmp_path / "a.ipynb", notebook(("code", IMPORTS), ("code", noqa), ("code", BUILD)))
    assert run_cli(capsys, tmp_path, "a.ipynb", "--output-format", "concise").out == ""
    disable = STACK.replace('activation="softmax"),', 'activation="softmax"),  # modelint: disable=ML101')
    save(tmp_path / "b.ipynb", notebook(("code", IMPORTS), ("code", disable), ("code", BUILD)))
    assert run_cli(capsys, tmp_path, "b.ipynb", "--output-format", "concise").out == ""
    whole = BUILD + "\n# modelint: disable-file=dense-on-unflattened"
    save(tmp_path / "c.ipynb", notebook(("code", IMPORTS), ("code", STACK), ("code", whole)))
    assert run_cli(capsys, tmp_path, "c.ipynb", "--output-format", "concise").out == ""
    # An unused noqa in a cell is reported in that cell (ML404).
    unused = IMPORTS.replace("import keras\n", "import keras  # noqa: ML101\n")
    save(tmp_path / "d.ipynb", notebook(("code", unused), ("code", "x = 1")))
    out = run_cli(capsys, tmp_path, "d.ipynb", "--output-format", "concise", "--extend-select", "ML404").out
    assert out.startswith("d.ipynb:cell 1:3:") and "ML404" in out


def test_tool_modelint_applies_and_folders_include_notebooks(capsys, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.modelint]\nselect = ["ML1", "ML9"]\nexclude = ["scratch"]\n')
    save(tmp_path / "nbs" / "demo.ipynb", demo())
    save(tmp_path / "scratch" / "old.ipynb", demo())
    save(tmp_path / "nbs" / ".ipynb_checkpoints" / "demo-checkpoint.ipynb", demo())
    (tmp_path / ".gitignore").write_text(".ipynb_checkpoints/\n")
    (tmp_path / ".git").mkdir()
    write(tmp_path, "nbs/net.py", "import keras\n")
    report = checked_report(run_cli(capsys, tmp_path, ".", "--output-format", "json").out)
    assert sorted(f["path"] for f in report["files"]) == ["nbs/demo.ipynb", "nbs/net.py"]
    ignored = run_cli(capsys, tmp_path, ".", "--output-format", "concise", "--ignore", "ML101")
    assert ignored.code == 0 and ignored.out == ""


# -- --fix ---------------------------------------------------------------------------------

def _outside(raw: bytes, cell: int) -> tuple[bytes, bytes]:
    start, end = source_spans(raw.decode("utf-8"))[cell]
    text = raw.decode("utf-8")
    return text[:start].encode("utf-8"), text[end:].encode("utf-8")


def test_fix_changes_only_the_fixed_cells_source(capsys, tmp_path):
    path = save(tmp_path / "demo.ipynb", demo())
    before = path.read_bytes()
    diff = run_cli(capsys, tmp_path, "demo.ipynb", "--diff", "--output-format", "concise")
    assert "--- a/demo.ipynb:cell 3\n+++ b/demo.ipynb:cell 3\n" in diff.out and "+    layers.Flatten(),\n" in diff.out
    assert path.read_bytes() == before  # --diff never writes

    fixed = run_cli(capsys, tmp_path, "demo.ipynb", "--fix", "--output-format", "concise")
    assert fixed.code == 0 and fixed.out == ""
    after = path.read_bytes()
    assert after != before
    assert _outside(after, 3) == _outside(before, 3)  # every byte outside cell 3's source
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.cells[2].source == STACK.replace("    layers.Dense(", "    layers.Flatten(),\n    layers.Dense(")
    assert nb.cells[3].outputs[0]["data"]["image/png"] == PNG and nb.cells[3].metadata["tags"] == ["model"]
    assert after.endswith(b"}\n")


def test_fix_keeps_a_foreign_json_layout(capsys, tmp_path):
    """Not nbformat's layout: indent 2, CRLF, sources as one string, \\u escapes."""
    nb = json.loads(nbformat.writes(demo()))
    nb["cells"][0]["source"] = "# Caf\u00e9"
    for cell in nb["cells"]:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    raw = json.dumps(nb, indent=2, ensure_ascii=True).replace("\n", "\r\n").encode()
    path = tmp_path / "foreign.ipynb"
    path.write_bytes(raw)
    assert run_cli(capsys, tmp_path, "foreign.ipynb", "--fix", "--output-format", "concise").code == 0
    after = path.read_bytes()
    assert _outside(after, 3) == _outside(raw, 3)
    assert b"Caf\\u00e9" in after and b"\r\n" in after
    nbformat.validate(nbformat.reads(after.decode(), as_version=4))


def test_fix_does_not_touch_a_cell_list_it_cannot_keep_parsing(capsys, tmp_path):
    """A broken cell elsewhere is left as it is; the fix still lands in its own cell."""
    nb = demo()
    nb.cells.append(new_code_cell("def broken(:\n    pass"))
    path = save(tmp_path / "demo.ipynb", nb)
    before = path.read_bytes()
    run = run_cli(capsys, tmp_path, "demo.ipynb", "--fix", "--output-format", "concise")
    assert run.out.startswith("demo.ipynb:cell 5:1:12: ML901 [syntax-error] cannot parse cell 5")
    after = path.read_bytes()
    assert _outside(after, 3) == _outside(before, 3)
    assert "def broken(:" in nbformat.read(str(path), as_version=4).cells[4].source


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file"),
    (b"{\"cells\": [", "invalid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "not an object"),
    (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}).encode(),
     "nbformat 3: only nbformat 4"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode(), "without a `cells` list"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                 "cells": [{"cell_type": "code", "source": 3}]}).encode(), "neither a string nor a list"),
], ids=["empty", "truncated", "latin", "array", "nbformat3", "no-cells", "bad-source"])
def test_a_bad_notebook_is_ml902_and_never_rewritten(capsys, tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    run = run_cli(capsys, tmp_path, "bad.ipynb", "--fix", "--output-format", "json")
    assert run.code == 1 and run.err == ""
    (diag,) = checked_report(run.out)["files"][0]["diagnostics"]
    assert diag["code"] == "ML902" and message in diag["message"]
    assert path.read_bytes() == content


def test_empty_and_markdown_only_notebooks_are_clean(capsys, tmp_path):
    save(tmp_path / "empty.ipynb", new_notebook())
    save(tmp_path / "prose.ipynb", notebook(("markdown", "# Notes\n\nNo code here.")))
    save(tmp_path / "blank.ipynb", notebook(("code", ""), ("code", "\n\n")))
    run = run_cli(capsys, tmp_path, ".", "--output-format", "json")
    report = checked_report(run.out)
    assert run.code == 0
    assert sorted(f["path"] for f in report["files"]) == ["blank.ipynb", "empty.ipynb", "prose.ipynb"]
    assert all(f["diagnostics"] == [] and f["models"] == [] for f in report["files"])


def test_a_non_python_notebook_is_not_read_as_python(capsys, tmp_path):
    nb = notebook(("code", "library(keras)\nmodel <- keras_model_sequential()"))
    nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    nb.metadata["language_info"] = {"name": "R"}
    save(tmp_path / "r.ipynb", nb)
    assert run_cli(capsys, tmp_path, "r.ipynb", "--output-format", "concise").out == ""


def test_a_syntax_error_is_reported_on_its_cell_and_the_rest_is_analysed(capsys, tmp_path):
    broken = "def helper(:\n    return 1"
    save(tmp_path / "demo.ipynb", notebook(("code", IMPORTS), ("code", broken), ("code", STACK), ("code", BUILD)))
    report = checked_report(run_cli(capsys, tmp_path, "demo.ipynb", "--output-format", "json").out)
    codes = [(d["code"], d["cell"], d["line"]) for d in report["files"][0]["diagnostics"]]
    assert codes == [("ML901", 2, 1), ("ML101", 3, 4)]
    assert report["files"][0]["models"][0]["params"]["total"] == 650


def _cost(path: Path) -> tuple[str, float, int]:
    """Output, CPU seconds and peak RSS (KB) of `modelint` on ``path`` in a fresh process.
    CPU time, not wall time: the test machine is shared. RSS through /usr/bin/time where
    there is one: Linux carries ru_maxrss across fork + exec, so a child measuring itself
    reports at least this test process's peak."""
    code = ("import resource, sys\nfrom modelint.analyzer.cli import main\nmain(sys.argv[1:])\n"
            "u = resource.getrusage(resource.RUSAGE_SELF)\n"
            "print('@@', u.ru_utime, u.ru_stime, u.ru_maxrss, file=sys.stderr)\n")
    timer = ["/usr/bin/time", "-f", "@@ %U %S %M"] if Path("/usr/bin/time").exists() else []
    proc = subprocess.run([*timer, sys.executable, "-c", code, str(path), "--output-format", "concise",
                           "--no-cache"], capture_output=True, text=True, cwd=path.parent, timeout=300)
    user, system, max_rss_kb = [l for l in proc.stderr.splitlines() if l.startswith("@@")][-1].split()[1:]
    return proc.stdout, float(user) + float(system), int(max_rss_kb)


def test_a_20_mb_notebook_of_images_costs_its_code_cells(tmp_path):
    """Outputs are decoded with the JSON and dropped, never analysed: 20 MB of images
    add the JSON decoding, not analysis, to what the same code cells cost."""
    nb = demo()
    image = "iVBORw0KGgo" + "A" * (2_000_000 - 11)
    for i in range(10):
        cell = new_code_cell(f"plot({i})")
        cell.outputs = [new_output("display_data", data={"image/png": image})]
        nb.cells.append(cell)
    big = save(tmp_path / "big" / "nb.ipynb", nb)
    assert big.stat().st_size > 20_000_000
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    small = save(tmp_path / "small" / "nb.ipynb", nb)
    out_big, cpu_big, rss_big = _cost(big)
    out_small, cpu_small, rss_small = _cost(small)
    assert "nb.ipynb:cell 3:4:5: ML101" in out_big and out_big == out_small
    assert cpu_big - cpu_small < 1.5, (cpu_big, cpu_small)
    assert rss_big - rss_small < 100_000, (rss_big, rss_small)  # KB: the file's bytes and text, once


# -- real public notebooks, against the framework's own numbers --------------------------------

def _oracle(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".oracle.json").read_text())


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_notebooks_match_the_framework(path):
    truth = _oracle(path)
    result = analyze(path)
    models = {m.name: m for m in result.models}
    assert sorted(models) == sorted(m["name"] for m in truth["models"])
    for expected in truth["models"]:
        model = models[expected["name"]]
        trainable, non_trainable, _exact = model.totals()
        assert (trainable + non_trainable, trainable, non_trainable) == (
            expected["total"], expected["trainable"], expected["non_trainable"]), model.name
        layers = {layer.name: layer for layer in model.layers()}
        for row in expected.get("layers", []):  # Keras: every layer's shape and count
            assert list(layers[row["name"]].output_shape) == row["output_shape"], (model.name, row["name"])
            assert layers[row["name"]].params == row["params"], (model.name, row["name"])
        for row in expected.get("modules", []):  # torch: every leaf module's count
            if row["name"] in layers:
                assert layers[row["name"]].params == row["params"], (model.name, row["name"])


def test_real_keras_notebook_reads_cells_across_magics():
    path = NOTEBOOKS / "fashion_mnist_deeper_cnns.ipynb"
    assert "%config InlineBackend" in "".join(c.source for c in parse_notebook(path.read_bytes()).cells)
    result = analyze(path)
    cells = {m.name: m.extra["notebook_cells"].locate(m.line) for m in result.models}
    assert cells == {"cnn_model_1": (5, 4), "cnn_model_2": (5, 14), "cnn_model_3": (5, 26)}
    rows = file_lines(path)
    assert rows is not None and len(rows[5]) == len(parse_notebook(path.read_bytes()).cells[4].source.splitlines())


def test_real_torch_notebook_known_bug_softmax_into_cross_entropy():
    """MicrosoftDocs/ml-basics issue #48: PenguinNet (cell 13) ends in torch.softmax and is
    trained with nn.CrossEntropyLoss inside the train()/test() helpers of cell 15 (fixed
    upstream in 47f38305). Other places the message names are cell positions too."""
    result = analyze(NOTEBOOKS / "penguins_softmax_crossentropy.ipynb")
    found = [d for d in result.diagnostics if d.code == "ML201"]
    assert found and {(d.extra["cell"], d.span.line, d.span.column) for d in found} == {(13, 15, 13)}
    for d in found:
        assert "CrossEntropyLoss (cell 15, line " in d.message and "(cell 13, line 15)" in d.message, d.message


@pytest.mark.oracle
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_notebook_truth_is_current(path):
    """Re-execute the notebook's code cells in the real framework: the recorded truth
    the static tests read is still the framework's (versions may differ by a patch, and
    the data-loading statements that fail depend on the packages installed)."""
    pytest.importorskip("torch")
    if _oracle(path)["framework"] == "keras":
        pytest.importorskip("keras")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracle"))
    from tests.oracle import record_notebook

    def comparable(truth: dict) -> dict:
        truth = dict(truth)
        truth.pop("framework_version", None)
        truth.pop("skipped_statements", None)  # which data-loading lines fail depends on what is installed
        return json.loads(json.dumps(truth, sort_keys=True))

    assert comparable(record_notebook.record(path)) == comparable(_oracle(path))


def test_a_notebook_piped_on_stdin_is_read_as_a_notebook(tmp_path):
    """`modelint - --stdin-filename x.ipynb` (editors, pre-commit wrappers): the same
    findings as the file, in cell coordinates; broken JSON on stdin is one ML902."""
    path = NOTEBOOKS / "penguins_softmax_crossentropy.ipynb"
    args = [sys.executable, "-m", "modelint.analyzer", "--output-format", "concise"]
    piped = subprocess.run(args + ["--stdin-filename", "x.ipynb", "-"], input=path.read_bytes(),
                           capture_output=True)
    direct = subprocess.run(args + [path.name], cwd=NOTEBOOKS, capture_output=True)
    assert piped.returncode == direct.returncode == 1
    assert piped.stdout.decode().replace("x.ipynb:", "") == direct.stdout.decode().replace(f"{path.name}:", "")
    assert b"x.ipynb:cell 13:15:13: ML201" in piped.stdout
    broken = subprocess.run(args + ["--stdin-filename", "y.ipynb", "-"], input=b"{not json", capture_output=True)
    assert broken.returncode == 1 and b"ML902" in broken.stdout and broken.stderr == b""
