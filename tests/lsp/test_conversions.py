"""The pure parts of the server: position conversion, noqa edits, code lookup."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from modelint.analyzer.diagnostics import Span
from modelint.analyzer.lsp import noqa_edit, span_to_range, suppression_code_at


def _r(l1: int, c1: int, l2: int, c2: int) -> types.Range:
    return types.Range(types.Position(l1, c1), types.Position(l2, c2))


def test_one_based_exclusive_span_becomes_zero_based_range():
    lines = ["import keras\n", "x = layers.Dense(3)(y)\n"]
    assert span_to_range(Span(2, 5, 2, 20), lines) == _r(1, 4, 1, 19)
    assert span_to_range(Span(1, 1, 2, 1), lines) == _r(0, 0, 1, 0)


def test_columns_are_re_encoded_for_the_client():
    lines = ['s = "😋é"; y = Dense(3)(x)\n']
    col = lines[0].index("Dense") + 1  # code points, 1-based
    span = Span(1, col, 1, col + len("Dense(3)"))
    utf16 = span_to_range(span, lines, PositionCodec(types.PositionEncodingKind.Utf16))
    utf32 = span_to_range(span, lines, PositionCodec(types.PositionEncodingKind.Utf32))
    utf8 = span_to_range(span, lines, PositionCodec(types.PositionEncodingKind.Utf8))
    assert utf32 == _r(0, col - 1, 0, col - 1 + 8)
    assert utf16 == _r(0, col, 0, col + 8)  # the emoji is two UTF-16 units
    assert utf8 == _r(0, col + 3, 0, col + 3 + 8)  # emoji 4 bytes, é 2 bytes


def test_degenerate_spans_never_invert():
    lines = ["abc\n"]
    assert span_to_range(Span(1, 1, 1, 1), lines) == _r(0, 0, 0, 0)
    assert span_to_range(Span(1, 3, 1, 2), lines) == _r(0, 2, 0, 2)
    assert span_to_range(Span(5, 1, 5, 4), lines) == _r(4, 0, 4, 3)  # beyond the text: kept as is


def test_noqa_edit_appends_merges_or_declines():
    assert noqa_edit("x = Dense(3)(y)\n", 4, "ML101") == (Span(4, 16, 4, 16), "  # noqa: ML101")
    assert noqa_edit("x = Dense(3)(y)  # keep\n", 4, "ML101") == (Span(4, 24, 4, 24), "  # noqa: ML101")
    line = "x = Dense(3)(y)  # noqa: E501  # why\n"
    assert noqa_edit(line, 1, "ML101") == (Span(1, line.index("E501") + 5, 1, line.index("E501") + 5), ", ML101")
    assert noqa_edit("x = f()  # noqa: ML102,ML101\n", 1, "ML101") is None
    assert noqa_edit("x = f()  # noqa\n", 1, "ML101") is None


def test_suppression_code_under_the_cursor():
    line = "x = Dense(3)(y)  # noqa: E501, ML101  # ML999 is not in the list\n"
    at = line.index("ML101") + 1
    assert suppression_code_at(line, at) == "ML101"
    assert suppression_code_at(line, at + 4) == "ML101"
    assert suppression_code_at(line, line.index("E501") + 1) == "E501"
    assert suppression_code_at(line, line.index("ML999") + 1) is None
    assert suppression_code_at(line, 3) is None
    disable = "# modelint: disable-file=ML301, dense-on-unflattened\n"
    assert suppression_code_at(disable, disable.index("dense") + 3) == "dense-on-unflattened"
