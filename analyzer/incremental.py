"""Re-analysing an edited buffer without re-parsing what did not change.

In an editor most keystrokes change one top-level statement of a file; yet libcst
re-parses the whole file and recomputes every node's position (≈275 ms of a
1,000-line file). A :class:`ParseCache` splits the source into top-level statements
with Python's own ``ast`` (≈10 ms), parses each statement's text with libcst once,
and reuses the parsed statements and their positions for every later version of the
buffer in which that text reappears, shifted to its new line. The analysis then
folds the same libcst statements the full parse would give.

The same cut serves the first pass (``analyzer/firstpass.py``): only the chunks holding
statements that can matter to a model are parsed with libcst, by the command line (a
fresh cache per file) and by the language server (one cache per buffer).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider
from modelint.analyzer.frontends._evaluate import SourceMetadata

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True, slots=True)
class _Chunk:
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]  # relative to the chunk's first line

    @classmethod
    def parse(cls, text: str) -> "_Chunk":
        module = cst.parse_module(text)
        return cls(module, MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


class ShiftedPositions(Mapping[cst.CSTNode, CodeRange]):
    """Every chunk's positions, each shifted to where the chunk sits in the file.

    ``owner`` (node → chunk) is kept by the ParseCache across versions, so a new
    version costs the size of what changed, not of the file."""

    def __init__(self, owner: Mapping[cst.CSTNode, _Chunk], offsets: Mapping[int, int],
                 module: cst.Module, whole: CodeRange) -> None:
        self._owner, self._offsets = owner, offsets
        self._module, self._whole = module, whole

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        if node is self._module:
            return self._whole
        chunk = self._owner[node]
        offset = self._offsets[id(chunk)]
        rng = chunk.positions[node]
        if offset == 0:
            return rng
        return CodeRange(CodePosition(rng.start.line + offset, rng.start.column),
                         CodePosition(rng.end.line + offset, rng.end.column))

    def __iter__(self) -> Iterator[cst.CSTNode]:
        yield self._module
        yield from self._owner

    def __len__(self) -> int:
        return len(self._owner) + 1


def _chunk_bounds(tree: ast.Module, line_count: int) -> list[tuple[int, int]]:
    """1-based inclusive line ranges, one per group of top-level statements: each
    takes the comments and blank lines above it; statements sharing a line
    (``a = 1; b = 2``) stay together; the last one takes the file's tail."""
    bounds: list[tuple[int, int]] = []
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        end = stmt.end_lineno or stmt.lineno
        if bounds and first <= bounds[-1][1]:
            bounds[-1] = (bounds[-1][0], max(end, bounds[-1][1]))
        else:
            bounds.append((bounds[-1][1] + 1 if bounds else 1, end))
    if bounds:
        bounds[-1] = (bounds[-1][0], max(bounds[-1][1], line_count))
    return bounds


@dataclass(frozen=True, slots=True)
class Split:
    """A source cut into top-level chunks by Python's ``ast`` (≈25× cheaper than libcst):
    the tree the first pass reads, the source's lines, each chunk's 1-based line range,
    and the chunk each top-level statement belongs to."""

    tree: ast.Module
    lines: list[str]
    bounds: list[tuple[int, int]]
    chunk_of: list[int]  # tree.body index → chunk index

    @classmethod
    def of(cls, source: str) -> "Split | None":
        """None when Python's parser rejects the source (the caller parses it whole)."""
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None
        lines = _LINE.findall(source)
        bounds = _chunk_bounds(tree, len(lines))
        chunk_of: list[int] = []
        chunk = -1
        last_end = 0
        for stmt in tree.body:
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            if chunk < 0 or first > last_end:
                chunk += 1
            last_end = max(last_end, stmt.end_lineno or stmt.lineno)
            chunk_of.append(chunk)
        return cls(tree, lines, bounds, chunk_of)

    def chunks_for(self, statements: list[int]) -> list[int]:
        """The chunks holding the given top-level statements, in file order."""
        return sorted({self.chunk_of[i] for i in statements})


class ParseCache:
    """Parsed top-level statements of one buffer, keyed by their text."""

    def __init__(self) -> None:
        self._chunks: dict[str, _Chunk] = {}
        self._owner: dict[cst.CSTNode, _Chunk] = {}
        self._live: dict[int, _Chunk] = {}  # id → chunk, for the chunks in _owner

    def parse(self, source: str, split: Split | None = None,
              keep: list[int] | None = None) -> tuple[cst.Module, SourceMetadata] | None:
        """The module and its positions, or None when the source does not parse as a
        whole (the caller then parses it in one piece and reports the syntax error).
        ``keep`` (chunk indexes, from the first pass) limits the module to those chunks;
        the others are neither parsed nor kept."""
        try:
            split = split or Split.of(source)
            if split is None or not split.bounds:
                return None
            lines = split.lines
            wanted = range(len(split.bounds)) if keep is None else keep
            if not wanted:
                return None
            chunks: dict[str, _Chunk] = {}
            parts: list[tuple[_Chunk, int]] = []
            for index in wanted:
                first, last = split.bounds[index]
                text = "".join(lines[first - 1 : last])
                if text in chunks:
                    # The same text twice in one file: its nodes must be distinct
                    # objects, each with its own position.
                    chunk = _Chunk.parse(text)
                else:
                    chunk = self._chunks.get(text) or _Chunk.parse(text)
                    chunks[text] = chunk
                parts.append((chunk, first - 1))
        except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
            return None
        self._keep(chunks, [chunk for chunk, _ in parts])
        head = parts[0][0].module
        module = head.with_changes(
            body=[stmt for chunk, _ in parts for stmt in chunk.module.body],
            footer=parts[-1][0].module.footer,
        )
        # The whole file's range, as libcst gives it for the Module node.
        if lines and lines[-1].endswith(("\n", "\r")):
            end = CodePosition(len(lines) + 1, 0)
        else:
            end = CodePosition(max(len(lines), 1), len(lines[-1]) if lines else 0)
        whole = CodeRange(CodePosition(1, 0), end)
        offsets = {id(chunk): offset for chunk, offset in parts}
        return module, SourceMetadata(ShiftedPositions(self._owner, offsets, module, whole))

    def _keep(self, chunks: dict[str, _Chunk], used: list[_Chunk]) -> None:
        """Keep what this version uses, nothing more (memory stays one file's worth),
        updating node → chunk for the chunks that came and went only."""
        wanted = {id(chunk): chunk for chunk in used}
        for key, chunk in list(self._live.items()):
            if key not in wanted:
                for node in chunk.positions:
                    self._owner.pop(node, None)
                del self._live[key]
        for key, chunk in wanted.items():
            if key not in self._live:
                for node in chunk.positions:
                    self._owner[node] = chunk
                self._live[key] = chunk
        self._chunks = chunks

    def __len__(self) -> int:
        return len(self._chunks)


def parse_selected(source: str, split: Split, statements: list[int],
                   cache: ParseCache | None = None) -> tuple[cst.Module, SourceMetadata]:
    """The module made of the chunks holding ``statements`` (indexes into the top-level
    body), with whole-file positions. When a chunk does not parse on its own, the whole
    source is parsed instead, so a syntax error reads exactly as the whole file's
    (raises ParserSyntaxError)."""
    found = (cache or ParseCache()).parse(source, split, split.chunks_for(statements))
    if found is not None:
        return found
    module = cst.parse_module(source)
    return module, SourceMetadata(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


def parsed_with(cache: ParseCache | None, source: str) -> tuple[Any, SourceMetadata | None]:
    """``(module, metadata)`` from the cache when it can serve the source, else a
    plain parse with metadata left to the frontends (raises ParserSyntaxError)."""
    if cache is not None:
        found = cache.parse(source)
        if found is not None:
            return found
    return cst.parse_module(source), None
