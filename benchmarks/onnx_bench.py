"""ONNX frontend benchmark: modelint on a synthetic N-node graph vs. the floor it
builds on, ``onnx.shape_inference.infer_shapes`` alone on the same file.

    python benchmarks/onnx_bench.py                 # 2,500 / 5,000 / 10,000 nodes
    python benchmarks/onnx_bench.py --sizes 10000 --repeat 5

Every measurement runs in a fresh subprocess (imports done before the clock
starts), so peak memory is that run's alone: ``rss`` is the growth of the
process' peak resident set (ru_maxrss) over its size after imports, ``py`` the
tracemalloc peak of Python allocations (measured in a separate run: tracing slows
the clock). The graph is residual MLP blocks (MatMul by a 16 × 16 initializer,
Add bias, Relu, Add skip) with a Reshape every 50 blocks, so weights stay small
and the graph, not its data, dominates.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HIDDEN = 16


def synthetic(nodes: int):
    """A valid model with exactly ``nodes`` nodes."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph_nodes, inits = [], []
    x = "x"
    i = 0
    while len(graph_nodes) + 4 <= nodes:
        w, b = f"w{i}", f"b{i}"
        inits += [numpy_helper.from_array(np.full((HIDDEN, HIDDEN), 0.01, np.float32), w),
                  numpy_helper.from_array(np.zeros(HIDDEN, np.float32), b)]
        graph_nodes += [
            helper.make_node("MatMul", [x, w], [f"m{i}"], name=f"block{i}/fc"),
            helper.make_node("Add", [f"m{i}", b], [f"a{i}"], name=f"block{i}/bias"),
            helper.make_node("Relu", [f"a{i}"], [f"r{i}"], name=f"block{i}/relu"),
            helper.make_node("Add", [f"r{i}", x], [f"y{i}"], name=f"block{i}/skip"),
        ]
        x = f"y{i}"
        i += 1
    while len(graph_nodes) < nodes:
        graph_nodes.append(helper.make_node("Identity", [x], [f"id{len(graph_nodes)}"]))
        x = graph_nodes[-1].output[0]
    graph = helper.make_graph(graph_nodes, f"synthetic_{nodes}",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", HIDDEN])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", HIDDEN])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(mode: str, path: Path, trace: bool) -> dict:
    """One measurement, in this (fresh) process."""
    import onnx
    from onnx import shape_inference

    from modelint.analyzer.engine import Options, analyze_path
    from modelint.analyzer.frontends import onnx as frontend  # noqa: F401  (import before the clock)
    from modelint.analyzer.rule import all_rules

    all_rules()
    base = _peak_kb()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    if mode == "modelint":
        result = analyze_path(path, Options(), path.name)
        assert not result.diagnostics, [d.message for d in result.diagnostics[:3]]
        layers = len(result.models[0].graph)
    else:
        inferred = shape_inference.infer_shapes(onnx.load(str(path), load_external_data=False), data_prop=True)
        layers = len(inferred.graph.node)
    elapsed = time.perf_counter() - start
    py_peak = tracemalloc.get_traced_memory()[1] if trace else None
    return {"seconds": elapsed, "rss_kb": _peak_kb() - base, "py_bytes": py_peak, "layers": layers}


def measure(mode: str, path: Path, trace: bool) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)] + (["--trace"] if trace else []),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per cell (median reported)")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.trace)))
        return

    import onnx

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"synthetic_{n}.onnx"
            onnx.save(synthetic(n), str(path))
            row = {"nodes": n, "file_kb": path.stat().st_size / 1024}
            for mode in ("modelint", "infer_shapes"):
                runs = [measure(mode, path, trace=False) for _ in range(args.repeat)]
                row[mode] = {"seconds": statistics.median(r["seconds"] for r in runs),
                             "rss_kb": statistics.median(r["rss_kb"] for r in runs),
                             "py_bytes": measure(mode, path, trace=True)["py_bytes"]}
            rows.append(row)

    print(f"{'nodes':>7} {'file':>9} | {'modelint s':>10} {'rss MB':>7} {'py MB':>7} | "
          f"{'infer_shapes s':>14} {'rss MB':>7} {'py MB':>7} | {'ratio':>5}")
    for row in rows:
        m, f = row["modelint"], row["infer_shapes"]
        print(f"{row['nodes']:>7,} {row['file_kb']:>7.0f}KB | {m['seconds']:>10.3f} {m['rss_kb'] / 1024:>7.1f} "
              f"{m['py_bytes'] / 2**20:>7.1f} | {f['seconds']:>14.3f} {f['rss_kb'] / 1024:>7.1f} "
              f"{f['py_bytes'] / 2**20:>7.1f} | {m['seconds'] / f['seconds']:>5.1f}")


if __name__ == "__main__":
    main()
