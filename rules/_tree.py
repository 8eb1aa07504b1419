"""The file's Python syntax tree, for the rules that read the source beyond the graph."""

from __future__ import annotations

import ast


def python_tree(ctx) -> ast.Module | None:
    """Python's ``ast`` of the whole file: the engine's own first-pass parse when it made
    one, else parsed here once per file. None when Python refuses the source."""
    tree = getattr(ctx, "tree", None)
    if isinstance(tree, ast.Module):
        return tree
    if "_python_tree" not in ctx.extra:
        try:
            ctx.extra["_python_tree"] = ast.parse(ctx.source)
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
            ctx.extra["_python_tree"] = None
    return ctx.extra["_python_tree"]


def built_inside_other_classes(ctx) -> frozenset[str]:
    """Names of the file's classes that another class of the file builds (``self.attn =
    Attention(config)``, ``Block(config)`` in a loop): parts of a larger model, whose
    own outputs feed the rest of it."""
    cached = ctx.extra.get("_built_inside")
    if cached is not None:
        return cached
    tree = python_tree(ctx)
    found: set[str] = set()
    if tree is not None:
        classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        names = {c.name for c in classes}
        for cls in classes:
            for node in ast.walk(cls):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id in names and node.func.id != cls.name:
                    found.add(node.func.id)
    ctx.extra["_built_inside"] = result = frozenset(found)
    return result
