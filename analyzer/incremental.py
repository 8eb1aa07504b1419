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
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState
from modelint.analyzer.frontends._evaluate import SourceMetadata

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


# A node's range as the positions below keep it: (start line, start column, end line,
# end column, the node). Keyed by ``id(node)``: libcst's nodes hash in Python, ids in C.
Range = tuple[int, int, int, int, cst.CSTNode]


_PARSING = threading.Lock()
try:  # where libcst keeps the expressions' parentheses (a libcst that moves it: unchanged)
    from libcst._nodes.expression import _BaseParenthesizedNode as _PARENTHESIZED
except ImportError:  # pragma: no cover
    _PARENTHESIZED = None  # type: ignore[assignment,misc]


def _skip_validation(node: cst.CSTNode) -> None:
    """Stands in for ``CSTNode.__post_init__`` while the parser builds a tree."""


def parse_module(source: str) -> cst.Module:
    """``libcst.parse_module`` without re-validating every node it builds.

    Each libcst node validates its fields when constructed (``CSTNode.__post_init__``,
    a regular expression per whitespace node): a guard for trees built by hand, which
    the parser's own output always passes — libcst's source says so and suggests moving
    it out of parsing. It is about 30 % of the parse. The hook is swapped only while the
    parser runs, under a lock, so nodes built outside a parse (the fixes) are still
    validated — unless another thread builds them during one, which then only skips a
    check for hand-made trees. The parse result is libcst's own tree
    (tests/test_incremental.py)."""
    with _PARSING:
        base = cst.CSTNode
        validate = base.__dict__.get("__post_init__")
        if validate is None:  # a libcst whose nodes no longer validate this way
            return cst.parse_module(source)
        base.__post_init__ = _skip_validation  # type: ignore[method-assign]
        try:
            return cst.parse_module(source)
        finally:
            base.__post_init__ = validate  # type: ignore[method-assign]


@dataclass(frozen=True, slots=True)
class _Chunk:
    module: cst.Module
    positions: dict[int, Range]  # relative to the chunk's first line

    @classmethod
    def parse(cls, text: str) -> "_Chunk":
        module = parse_module(text)
        return cls(module, node_ranges(module))


class _Syntactic:
    """``record_syntactic_position`` as a plain context manager (libcst's is a
    generator-based one: its overhead is a third of the positions' cost)."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __init__(self, state: "_PositionState", node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.line, self.column = self.state.line, self.state.column

    def __exit__(self, *exc: object) -> None:
        state = self.state
        computed = state.provider._computed
        line, column = self.line, self.column
        if self.start_node is not None:
            line, column = computed[id(self.start_node)][:2]
        end_line, end_column = state.line, state.column
        if self.end_node is not None:
            end_line, end_column = computed[id(self.end_node)][2:4]
        computed[id(self.node)] = (line, column, end_line, end_column, self.node)


class _PositionState(PositionProvidingCodegenState):
    """libcst's ``PositionProvider`` code generation, the same ranges computed with less
    overhead per node: plain tuples keyed by id instead of frozen dataclasses keyed by
    the node's Python ``__hash__``, a token without a line break moves the column
    without a regular expression, and the context manager above."""

    __slots__ = ()

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.add_position(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.add_position(value)

    def add_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            self._update_position(value)
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))  # type: ignore[arg-type]

    def after_codegen(self, node: cst.CSTNode) -> None:
        line, column = self._stack.pop()  # type: ignore[misc]
        computed = self.provider._computed
        key = id(node)
        if key not in computed:  # a syntactic position recorded inside wins
            computed[key] = (line, column, self.line, self.column, node)

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _Syntactic:  # type: ignore[override]
        return _Syntactic(self, node, start_node, end_node)


class _Parens:
    """libcst's ``_parenthesize`` (a generator-based context manager around every
    expression's code) as a plain one: the parentheses, and the expression's syntactic
    position between them."""

    __slots__ = ("node", "state", "inner")

    def __init__(self, node: Any, state: Any) -> None:
        self.node, self.state = node, state

    def __enter__(self) -> None:
        node, state = self.node, self.state
        for lpar in node.lpar:
            lpar._codegen(state)
        self.inner = state.record_syntactic_position(node)
        self.inner.__enter__()

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        self.inner.__exit__(kind, value, traceback)
        if kind is None:
            for rpar in self.node.rpar:
                rpar._codegen(self.state)
        return False


def _parens(node: Any, state: Any) -> _Parens:
    return _Parens(node, state)


def node_ranges(module: cst.Module) -> dict[int, Range]:
    """libcst's ``PositionProvider`` ranges for every node of ``module`` (a test over
    every fixture checks they are the same, node by node).

    Computed as the provider computes them (one code generation over the tree) but
    without ``MetadataWrapper.resolve``, which also runs a batched visit of the whole
    tree for providers of which there are none here: that visit cost as much as the
    positions themselves. While it runs, expressions put their parentheses through
    :class:`_Parens` (swapped in under the parse's lock, as :func:`parse_module` does)."""
    provider = PositionProvider()
    state = _PositionState(default_indent=module.default_indent, default_newline=module.default_newline,
                           provider=provider)
    with _PARSING:
        base = _PARENTHESIZED
        original = base.__dict__.get("_parenthesize") if base is not None else None
        if original is None:
            module._codegen(state)
        else:
            base._parenthesize = _parens  # type: ignore[union-attr]
            try:
                module._codegen(state)
            finally:
                base._parenthesize = original  # type: ignore[union-attr]
    return provider._computed  # type: ignore[return-value]


def _code_range(found: Range, offset: int = 0) -> CodeRange:
    return CodeRange(CodePosition(found[0] + offset, found[1]), CodePosition(found[2] + offset, found[3]))


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """One module's ranges (from :func:`node_ranges`) as libcst's metadata mapping."""

    def __init__(self, ranges: dict[int, Range]) -> None:
        self._ranges = ranges

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        return _code_range(self._ranges[id(node)])

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return (found[4] for found in self._ranges.values())

    def __len__(self) -> int:
        return len(self._ranges)


def positions(module: cst.Module) -> Positions:
    """``PositionProvider``'s mapping for a whole module, computed as above."""
    return Positions(node_ranges(module))


class ShiftedPositions(Mapping[cst.CSTNode, CodeRange]):
    """Every chunk's positions, each shifted to where the chunk sits in the file.

    ``owner`` (id of a node → chunk) is kept by the ParseCache across versions, so a new
    version costs the size of what changed, not of the file."""

    def __init__(self, owner: Mapping[int, _Chunk], offsets: Mapping[int, int],
                 module: cst.Module, whole: CodeRange) -> None:
        self._owner, self._offsets = owner, offsets
        self._module, self._whole = module, whole

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        if node is self._module:
            return self._whole
        key = id(node)
        chunk = self._owner[key]
        found = chunk.positions[key]
        if found[4] is not node:
            raise KeyError(node)
        return _code_range(found, self._offsets[id(chunk)])

    def __iter__(self) -> Iterator[cst.CSTNode]:
        yield self._module
        for key, chunk in self._owner.items():
            yield chunk.positions[key][4]

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
        self._owner: dict[int, _Chunk] = {}  # id of a node → its chunk
        self._live: dict[int, _Chunk] = {}  # id → chunk, for the chunks in _owner

    def parse(self, source: str, split: Split | None = None, keep: list[int] | None = None,
              blank: Mapping[int, list[tuple[int, int]]] | None = None) -> tuple[cst.Module, SourceMetadata] | None:
        """The module and its positions, or None when the source does not parse as a
        whole (the caller then parses it in one piece and reports the syntax error).
        ``keep`` (chunk indexes, from the first pass) limits the module to those chunks;
        the others are neither parsed nor kept. ``blank`` (chunk index → 1-based line
        ranges, the methods the first pass leaves out of a class) empties those lines of
        the chunk's text: the lines stay, so every other position stays where it is."""
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
                gaps = blank.get(index) if blank else None
                text = "".join(lines[first - 1 : last]) if not gaps else _blanked(lines, first, last, gaps)
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
                for node_id in chunk.positions:
                    self._owner.pop(node_id, None)
                del self._live[key]
        for key, chunk in wanted.items():
            if key not in self._live:
                self._owner.update(dict.fromkeys(chunk.positions, chunk))
                self._live[key] = chunk
        self._chunks = chunks

    def __len__(self) -> int:
        return len(self._chunks)


def _blanked(lines: list[str], first: int, last: int, gaps: list[tuple[int, int]]) -> str:
    """Lines ``first``..``last`` (1-based) with the lines of ``gaps`` reduced to their
    line ending: what is left parses as it did, at the same lines and columns."""
    out = lines[first - 1 : last]
    for start, end in gaps:
        for n in range(max(start, first), min(end, last) + 1):
            line = out[n - first]
            out[n - first] = line[len(line.rstrip("\r\n")):]
    return "".join(out)


def parse_selected(source: str, split: Split, statements: list[int], cache: ParseCache | None = None,
                   left_out: Mapping[int, list[tuple[int, int]]] | None = None) -> tuple[cst.Module, SourceMetadata]:
    """The module made of the chunks holding ``statements`` (indexes into the top-level
    body), with whole-file positions; ``left_out`` (statement index → line ranges, from
    the first pass) are the methods of a class to leave out. When a chunk does not parse
    on its own, the whole source is parsed instead, so a syntax error reads exactly as
    the whole file's (raises ParserSyntaxError)."""
    blank: dict[int, list[tuple[int, int]]] = {}
    for index, gaps in (left_out or {}).items():
        blank.setdefault(split.chunk_of[index], []).extend(gaps)
    # Not `cache or ...`: a ParseCache has a length, and an editor's cache is empty at first.
    found = (cache if cache is not None else ParseCache()).parse(source, split, split.chunks_for(statements), blank)
    if found is not None:
        return found
    module = parse_module(source)
    return module, SourceMetadata(positions(module))


def parsed_with(cache: ParseCache | None, source: str) -> tuple[Any, SourceMetadata | None]:
    """``(module, metadata)`` from the cache when it can serve the source, else a
    plain parse with metadata left to the frontends (raises ParserSyntaxError)."""
    if cache is not None:
        found = cache.parse(source)
        if found is not None:
            return found
    return parse_module(source), None
