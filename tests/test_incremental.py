"""The editor's statement-by-statement parse gives exactly the whole-file analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelint.analyzer.engine import FileResult, Options, analyze_source
from modelint.analyzer.incremental import ParseCache
from tests.conftest import fixture_files


def fingerprint(result: FileResult) -> tuple:
    models = tuple(
        (m.name, m.class_name, m.line, m.totals(),
         tuple((l.id, l.op, l.span, l.outputs, l.trainable, l.non_trainable) for l in m.layers()))
        for m in result.models
    )
    diagnostics = tuple((d.code, d.span, d.message, d.fix) for d in result.diagnostics)
    return models, diagnostics


def both(source: str, cache: ParseCache | None = None) -> tuple[tuple, tuple]:
    path = Path("buffer.py")
    whole = analyze_source(path, source, Options(), "buffer.py", whole_file=True)
    chunked = analyze_source(path, source, Options(), "buffer.py", parse_cache=cache if cache is not None else ParseCache())
    return fingerprint(whole), fingerprint(chunked)


@pytest.mark.parametrize("path", fixture_files("keras") + fixture_files("torch"), ids=lambda p: p.stem)
def test_every_fixture_gives_the_same_analysis(path):
    whole, chunked = both(path.read_text())
    assert chunked == whole


def test_edits_reuse_unchanged_statements_and_stay_exact():
    source = (fixture_files("keras")[0].parent / "alexnet_no_flatten.py").read_text()
    cache = ParseCache()
    whole, chunked = both(source, cache)
    assert chunked == whole
    first = dict(cache._chunks)
    assert len(cache) > 0  # the editor's (empty) cache was filled, not bypassed
    edited = "# a comment typed above the model\n\n" + source.replace("Dense(4096, activation=\"relu\"),  # expect",
                                                                    "Dense(2048, activation=\"relu\"),  # expect")
    whole, chunked = both(edited, cache)
    assert chunked == whole
    ml101 = [d for d in ParseCacheUser.diagnostics(edited, cache) if d.code == "ML101"]
    assert ml101 and ml101[0].span.line == 15  # shifted by the two lines typed above
    assert any(cache._chunks.get(text) is chunk for text, chunk in first.items())  # the imports: not parsed again


def test_repeated_statements_keep_their_own_positions():
    source = ("import keras\nfrom keras import layers\nx = keras.Input((4,))\n"
              "x = layers.Dense(4)(x)\nx = layers.Dense(4)(x)\nmodel = keras.Model(x, x)\n"
              "inputs = keras.Input((8,))\nh = layers.Dense(4)(inputs)\nh = layers.Dense(4)(h)\n"
              "model2 = keras.Model(inputs, h)\n")
    whole, chunked = both(source)
    assert chunked == whole


@pytest.mark.parametrize("source", [
    "import keras\nmodel = keras.Sequential([\n",  # half-typed: the whole-file parse reports ML901
    "",
    "# only a comment\n",
    "import keras; model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]); x = 1\n",
    "import keras\r\nmodel = keras.Sequential([keras.Input((2,)),\r\n    keras.layers.Dense(1)])\r\n",
    "@decorator\nclass A:\n    pass\n\n\nimport keras\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])",
])
def test_odd_buffers_match_the_whole_file_analysis(source):
    whole, chunked = both(source)
    assert chunked == whole


class ParseCacheUser:
    @staticmethod
    def diagnostics(source: str, cache: ParseCache):
        return analyze_source(Path("buffer.py"), source, Options(), "buffer.py", parse_cache=cache).diagnostics


@pytest.mark.parametrize("path", fixture_files("keras") + fixture_files("torch"), ids=lambda p: p.stem)
def test_the_unvalidated_parse_builds_libcst_own_tree(path):
    import libcst as cst

    from modelint.analyzer.incremental import parse_module

    source = path.read_text()
    ours, theirs = parse_module(source), cst.parse_module(source)
    assert ours.deep_equals(theirs) and ours.code == source


def test_nodes_built_outside_the_parse_are_still_validated():
    import libcst as cst

    from modelint.analyzer.incremental import parse_module

    parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.SimpleWhitespace("not whitespace")
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def (:\n")
    with pytest.raises(cst.CSTValidationError):  # a failed parse restores validation too
        cst.SimpleWhitespace("still not whitespace")


@pytest.mark.parametrize("path", fixture_files("keras") + fixture_files("torch"), ids=lambda p: p.stem)
def test_the_lean_positions_are_libcst_own(path):
    """``node_ranges`` computes libcst's ``PositionProvider`` ranges with less overhead
    per node: the same range for every node of every fixture."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from modelint.analyzer.incremental import node_ranges

    module = cst.parse_module(path.read_text())
    theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = node_ranges(module)
    assert len(ours) == len(theirs)
    for node, rng in theirs.items():
        line, column, end_line, end_column, found = ours[id(node)]
        assert found is node
        assert (line, column, end_line, end_column) == (rng.start.line, rng.start.column, rng.end.line,
                                                        rng.end.column)
