"""``modelint PATH...``, ``modelint rule CODE``, ``modelint lsp``, ``modelint clean``.

Startup must stay fast: ``--version`` and argument errors import nothing heavy;
libcst, onnx and pygls are imported only by the code paths that need them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from modelint.analyzer import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("full", "concise", "json", "sarif", "github", "dot", "mermaid")


class UsageError(Exception):
    pass


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="modelint",
        description="Static analyzer for Keras, PyTorch and ONNX model definitions: exact shapes and "
        "parameter counts, and lint rules, without running the model.",
        epilog="Subcommands: `modelint rule CODE|NAME|--all` prints rule docs; `modelint lsp` starts the "
        "language server; `modelint clean` removes the results cache. Exit codes: 0 clean, 1 findings, "
        "2 usage or internal error.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (.py, .ipynb, .onnx); `-` reads stdin")
    p.add_argument("--output-format", "--format", dest="format", choices=FORMATS, default=None,
                   help="how findings are printed (default: full)")
    p.add_argument("--summary", action="store_true", help="print a per-layer table for every model")
    p.add_argument("--select", type=_csv, default=None, help="rules to enable: codes, prefixes (ML1) or names")
    p.add_argument("--extend-select", type=_csv, default=None, help="rules to enable on top of the selection")
    p.add_argument("--ignore", type=_csv, default=None, help="rules to disable")
    p.add_argument("--input-shape", action="append", default=[], metavar="[MODEL=]SHAPE",
                   help="input shape for models without one, e.g. 1,3,32,32 or Net=N,3,224,224 (repeatable)")
    p.add_argument("--fail-on", choices=("info", "warning", "error"), default=None,
                   help="lowest severity that makes the exit code 1 (default: warning)")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings (errors still exit 2)")
    p.add_argument("--statistics", action="store_true", help="print the number of findings per rule")
    p.add_argument("--fix", action="store_true", help="apply the fixes rules offer")
    p.add_argument("--diff", action="store_true", help="print the fixes as a diff instead of applying them")
    p.add_argument("--stdin-filename", default=None, help="the path to report for source read from stdin")
    p.add_argument("--config", default=None, help="use this pyproject.toml / modelint.toml instead of searching")
    p.add_argument("--force-exclude", action="store_true",
                   help="apply `exclude` to files named on the command line too (as pre-commit passes them)")
    p.add_argument("--exclude", type=_csv, default=None, help="extra glob patterns to exclude")
    p.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="analyse files in N processes (default: the machine's cores; 1: in this process)")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the results cache (.modelint_cache/, removed by `modelint clean`)")
    p.add_argument("--debug", action="store_true", help="show tracebacks on internal errors")
    p.add_argument("--version", action="version", version=f"modelint {__version__}")
    return p


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes >= 1, got {value!r}")
    return n


def _input_shapes(values: Sequence[str]) -> dict[str | None, tuple]:
    from modelint.analyzer.frontends._shapes_config import parse_shape

    out: dict[str | None, tuple] = {}
    for value in values:
        name, _, text = value.rpartition("=")
        shape = parse_shape(text)
        if not shape:  # None (malformed) or () (nothing given)
            raise UsageError(f"--input-shape {value!r}: expected e.g. 1,3,32,32 or Net=1,3,32,32")
        out[name or None] = shape
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["rule"]:
        from modelint.analyzer.docs import rule_command

        return rule_command(argv[1:])
    if argv[:1] == ["clean"]:
        from modelint.analyzer.cache import CACHE_DIR, clean

        print(f"modelint: removed {CACHE_DIR}/" if clean() else f"modelint: no {CACHE_DIR}/ here", file=sys.stderr)
        return EXIT_OK
    if argv[:1] == ["lsp"]:
        from modelint.analyzer.lsp import serve

        return serve(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        print(f"modelint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 — the last line of defence: one line, exit 2
        if args.debug:
            raise
        print(f"modelint: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)",
              file=sys.stderr)
        return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    from modelint.analyzer.config import ConfigError, ConfigResolver, load_config_file
    from modelint.analyzer.diagnostics import Severity
    from modelint.analyzer.discovery import discover, settings_of
    from modelint.analyzer.engine import Job, analyze_files, analyze_source, default_workers, fails
    from modelint.analyzer.rule import all_rules
    from modelint.analyzer.selection import unknown_selectors

    if not args.paths:
        raise UsageError("no PATH given (try `modelint .` or `modelint --help`)")
    for flag in ("select", "ignore", "extend_select"):
        bad = unknown_selectors(getattr(args, flag) or [], all_rules())
        if bad:
            raise UsageError(f"--{flag.replace('_', '-')}: {bad[0]!r} names no rule (see `modelint rule --all`)")
    overrides = {
        "select": args.select, "ignore": args.ignore, "extend_select": args.extend_select,
        "fail_on": Severity(args.fail_on) if args.fail_on else None,
        "input_shapes": _input_shapes(args.input_shape), "exclude": args.exclude,
    }
    try:
        explicit = None
        if args.config:
            cfg = Path(args.config)
            if not cfg.is_file():
                raise UsageError(f"--config {args.config}: no such file")
            explicit = load_config_file(cfg)
            if explicit is None:
                raise UsageError(f"--config {args.config}: has no [tool.modelint] table")
        resolver = ConfigResolver(explicit, overrides)
        results = []
        fail_levels = []
        if args.paths == ["-"]:
            display = args.stdin_filename or "-"
            settings = resolver.for_path(Path(display))
            options = settings.options_for(Path(display))
            if display.lower().endswith(".ipynb"):  # an editor or pre-commit piping a notebook
                from modelint.analyzer.notebook import analyze_notebook_bytes

                results.append(analyze_notebook_bytes(Path(display), sys.stdin.buffer.read(), options, display))
            else:
                results.append(analyze_source(Path(display), sys.stdin.read(), options, display))
            fail_levels.append(settings.fail_on)
        else:
            files = discover([Path(p) for p in args.paths], resolver, args.force_exclude)
            jobs = []
            for path, display in files:
                where, real, settings = settings_of(path, resolver)
                jobs.append(Job(path, display, settings.options_for(where, real)))
                fail_levels.append(settings.fail_on)
            _collect_less()
            cache = None
            if not args.no_cache:
                from modelint.analyzer.cache import Cache

                cache = Cache.open()
            results = analyze_files(jobs, args.jobs or default_workers(), cache)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None

    if args.fix or args.diff:
        from modelint.analyzer.fixes import apply_fixes

        results = apply_fixes(results, resolver, write=args.fix and not args.diff, out=sys.stdout)

    _emit(results, args)
    failing = any(fails(r.diagnostics, level) for r, level in zip(results, fail_levels))
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if failing else EXIT_OK


def _collect_less() -> None:
    """Fewer runs of the cyclic garbage collector while files are analysed.

    A run over a repository allocates millions of objects that live for one file and
    hold no reference cycles (libcst's and ``ast``'s nodes, freed by reference counting);
    with CPython's default thresholds (700, 10, 10) the collector runs thousands of times,
    each time walking those live trees again: a fifth of the CPU of
    ``benchmarks/repo_bench.py``'s corpus. Rarer young collections and almost no full
    ones cut that time by two thirds with the same peak memory over that corpus (what the
    analysis leaves in cycles is small; it is still collected with the young objects).
    Set for this process and the workers it forks; the language server keeps its own
    policy."""
    import gc

    gc.set_threshold(10_000, 50, 1_000)


def _emit(results, args) -> None:
    fmt = args.format or "full"
    out = sys.stdout
    if fmt == "json":
        from modelint.analyzer.reporters import json as json_reporter

        out.write(json_reporter.render(results))
        return
    if fmt == "sarif":
        from modelint.analyzer.reporters import sarif

        out.write(sarif.render(results))
        return
    if fmt == "dot":  # the model as a picture (analyzer/reporters/dot.py, mermaid.py)
        from modelint.analyzer.reporters import dot

        out.write(dot.render(results))
        return
    if fmt == "mermaid":
        from modelint.analyzer.reporters import mermaid

        out.write(mermaid.render(results))
        return
    if fmt == "github":
        from modelint.analyzer.reporters import github

        out.write(github.render(results))
        return
    from modelint.analyzer.reporters import text

    render = text.render_full if fmt == "full" else text.render_concise
    if args.summary:
        from modelint.analyzer.reporters.summary import render_model

        # Each file's tables, then that file's findings: the AlexNet table sits
        # right above the ML101 that explains its 25,678,184.
        for r in results:
            for model in r.models:
                out.write(render_model(model, r.path) + "\n")
            out.write(render([r]))
    else:
        out.write(render(results))
    if args.statistics:
        out.write(text.render_statistics(results))
    if fmt == "full":
        out.write(text.render_footer(results))
