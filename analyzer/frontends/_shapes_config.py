"""Where a model's input shape comes from when its code does not say:
``--input-shape`` / ``[tool.modelint] input-shape`` (per model name, then for all),
then a ``# modelint: input-shape=(1, 3, 32, 32)`` comment on the class."""

from __future__ import annotations

import re
from typing import Any

from modelint.analyzer.shapes import Shape

_COMMENT = re.compile(r"#\s*modelint:\s*input-shape\s*=\s*(?P<shape>[\[(][^\])]*[\])])")


def parse_shape(text: str) -> Shape | None:
    """``1,3,32,32`` / ``(N, 3, 32, 32)`` / ``[None, 28]`` → a shape; None if malformed."""
    inner = text.strip().strip("()[]")
    if not inner:
        return None
    dims: list[int | str | None] = []
    for part in inner.split(","):
        part = part.strip()
        if not part:
            continue
        if part.lstrip("-").isdigit():
            value = int(part)
            if value <= 0:
                return None
            dims.append(value)
        elif part in ("None", "N", "?", "null", "-1"):
            dims.append(None)
        elif part.isidentifier():
            dims.append(part)
        else:
            return None
    return tuple(dims)


def comment_shape(source_lines: list[str], class_line: int) -> Shape | None:
    """A ``# modelint: input-shape=`` comment on the class line or in the comment
    block right above it (decorators allowed in between)."""
    idx = class_line - 1
    if 0 <= idx < len(source_lines):
        m = _COMMENT.search(source_lines[idx])
        if m:
            return parse_shape(m.group("shape"))
    idx -= 1
    while idx >= 0:
        line = source_lines[idx].strip()
        if not (line.startswith("#") or line.startswith("@")):
            break
        m = _COMMENT.search(line)
        if m:
            return parse_shape(m.group("shape"))
        idx -= 1
    return None


def shape_for(ctx: Any, name: str, class_name: str, class_line: int | None = None) -> Shape | None:
    shapes = ctx.options.input_shapes
    for key in (name, class_name):
        if key in shapes:
            return tuple(shapes[key])
    if class_line is not None:
        found = comment_shape(ctx.lines, class_line)
        if found is not None:
            return found
    if None in shapes:
        return tuple(shapes[None])
    return None
