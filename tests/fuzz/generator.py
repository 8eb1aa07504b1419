"""Random *valid* model files, written as source, for the differential fuzzer.

Csmith / NNSmith's idea applied to modelint: a generator that only writes programs the
framework accepts (every layer's arguments are chosen from the shape the generator tracks
for its input), in the import and construction styles real code uses, so that any
disagreement between modelint and the framework is modelint's.

The generator draws every decision from a ``Chooser``. Two exist:

* ``HypothesisChooser`` wraps a hypothesis ``draw`` — ``models()`` is then a hypothesis
  strategy, and a failing case shrinks to a small model for free (the options of each
  choice are listed simplest first, because hypothesis shrinks towards the first);
* ``RandomChooser`` wraps ``random.Random(seed)`` — the benchmark draws thousands of
  models reproducibly from a seed without hypothesis' per-example bookkeeping.

A ``Case`` is one file plus what the oracle needs to build its target model: the model's
name (the class for a commented ``nn.Module``, the variable otherwise), the input shape
and dtype for torch (Keras models carry their own ``Input``).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# --------------------------------------------------------------------------- choosers


class Chooser(Protocol):
    """Where the generator's decisions come from (hypothesis or a seeded RNG)."""

    def int(self, lo: int, hi: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def bool(self) -> bool: ...


class RandomChooser:
    """Decisions from ``random.Random(seed)``: reproducible without hypothesis.
    ``decisions`` records each one as an offset from the simplest option (0), which is
    what ``ReplayChooser`` replays and ``tests.fuzz.minimize`` shrinks."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.decisions: list[int] = []

    def int(self, lo: int, hi: int) -> int:
        v = self.rng.randint(lo, hi)
        self.decisions.append(v - lo)
        return v

    def choice(self, options: Sequence[T]) -> T:
        i = self.rng.randrange(len(options))
        self.decisions.append(i)
        return options[i]

    def bool(self) -> bool:
        v = self.rng.random() < 0.5
        self.decisions.append(int(v))
        return v


class ReplayChooser:
    """Replays recorded decisions (clamped to each call's range; the simplest option once
    they run out): a shrunk decision list regenerates a smaller model."""

    def __init__(self, decisions: Sequence[int]) -> None:
        self.decisions = list(decisions)
        self.pos = 0

    def _next(self, n: int) -> int:
        d = self.decisions[self.pos] if self.pos < len(self.decisions) else 0
        self.pos += 1
        return min(max(d, 0), n - 1)

    def int(self, lo: int, hi: int) -> int:
        return lo + self._next(hi - lo + 1)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._next(len(options))]

    def bool(self) -> bool:
        return bool(self._next(2))


class HypothesisChooser:
    """Decisions drawn through hypothesis, so failing cases shrink."""

    def __init__(self, draw: Callable[[Any], Any]) -> None:
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st

    def int(self, lo: int, hi: int) -> int:
        return self._draw(self._st.integers(lo, hi))

    def choice(self, options: Sequence[T]) -> T:
        return self._draw(self._st.sampled_from(list(options)))

    def bool(self) -> bool:
        return self._draw(self._st.booleans())


# --------------------------------------------------------------------------- the case


@dataclass(frozen=True)
class Case:
    """One generated file and the model in it the oracle must build.

    ``kind`` is ``"class"`` (torch: a class with a ``# modelint: input-shape`` comment,
    built with no arguments) or ``"var"`` (a module-level variable bound to the model).
    ``input_shape`` / ``input_dtype`` are the torch input (batch included); Keras models
    declare their input in the source and leave them ``None``."""

    framework: str
    source: str
    target: str
    kind: str
    style: str
    input_shape: tuple[int, ...] | None = None
    input_dtype: str = "float32"
    input_high: int = 0  # int64 inputs: torch.randint(0, input_high, shape)
    # A model bound inside a function (``main.model``) or returned by a builder nobody
    # calls: the oracle runs the file as a module (``run_name``, so no __main__ block
    # runs) and evaluates ``getter`` (the binding's right-hand side) in its globals,
    # as docs/models.md says the recorders do.
    getter: str = ""
    run_name: str = "__main__"

    def to_json(self) -> dict[str, Any]:
        return {"framework": self.framework, "source": self.source, "target": self.target,
                "kind": self.kind, "style": self.style,
                "input_shape": list(self.input_shape) if self.input_shape else None,
                "input_dtype": self.input_dtype, "input_high": self.input_high,
                "getter": self.getter, "run_name": self.run_name}


def _indent(lines: str) -> str:
    return "".join(f"    {line}\n" if line else "\n" for line in lines.splitlines())


def _place(c: Chooser, ctor: str, uses: list[str], builder: str | None) -> tuple[str, str, str, str]:
    """Where the model is bound, as real scripts do it: at module level, under
    ``if __name__ == "__main__":``, inside ``main()``, or nowhere (a builder never called).
    Returns (text, target name, getter, run name)."""
    where = c.choice(["module", "module", "guard", "main"] + (["uncalled"] if builder else []))
    use = "".join(line + "\n" for line in uses)
    if where == "module":
        return f"model = {ctor}\n{use}", "model", "", "__main__"
    if where == "guard":
        return 'if __name__ == "__main__":\n' + _indent(f"model = {ctor}\n{use}"), "model", "", "__main__"
    if where == "main":
        text = ("def main():\n" + _indent(f"model = {ctor}\n{use}") + "    print(model)\n\n\n"
                'if __name__ == "__main__":\n    main()\n')
        return text, "main.model", ctor, "__fuzz__"
    return "", builder or "", ctor, "__fuzz__"


# --------------------------------------------------------------------------- shape helpers


def _window(size: int, k: int, s: int, p: int, d: int) -> int:
    """torch's conv/pool output length (floor mode)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# State: a tuple whose first item names the layout, batch excluded.
#   ("img", C, H, W)   torch NCHW / keras NHWC (same numbers, different order in code)
#   ("sig", C, L)      1-D signal
#   ("vec", F)
#   ("seq", T, F)      batch-first sequence of features
#   ("tok", T, V)      integer tokens < V (only as an input)


@dataclass
class _Step:
    """One statement of the model's dataflow (torch): ``kind`` chooses its rendering."""

    kind: str  # "mod" | "fn" | "res" | "cat" | "rnn" | "mha"
    expr: str = ""  # constructor expression (NN.* sentinel) or functional template
    body: list[_Step] = field(default_factory=list)
    body2: list[_Step] = field(default_factory=list)
    last: str = ""  # rnn: how the last step is taken ("" = keep the sequence)
    hint: str = "layer"
    seq_ok: bool = True  # can stand in an nn.Sequential
    frozen: bool = False  # its parameters get requires_grad = False after construction
    twice: bool = False  # applied twice (a shared module: its parameters count once)


# =========================================================================== torch

_TORCH_IMPORTS = [
    ("import torch\nimport torch.nn as nn\n", "nn."),
    ("import torch\nfrom torch import nn\n", "nn."),
    ("import torch\n", "torch.nn."),
    ("import torch\nfrom torch.nn import {names}\n", ""),
]
_F_IMPORT = "import torch.nn.functional as F\n"


class _TorchGen:
    def __init__(self, c: Chooser, seq_mode: bool) -> None:
        self.c = c
        self.seq_mode = seq_mode  # only nn.Sequential-compatible steps
        self.helpers: dict[str, str] = {}
        self.uses_f = False
        self.n = 0

    # -- convolution-family steps -----------------------------------------------
    def conv(self, st: tuple, dims: int) -> tuple[_Step, tuple]:
        c = self.c
        cin = st[1]
        sizes = list(st[2:])
        cout = c.choice([4, 8, 6, 16, 12, 3, 32])
        groups = 1
        if c.int(0, 3) == 0:
            common = [g for g in _divisors(math.gcd(cin, cout)) if g > 1]
            if common:
                groups = c.choice(common)
        k = c.choice([3, 1, 2, 5, 4])
        stride = c.choice([1, 1, 2, 3])
        dilation = c.choice([1, 1, 1, 2])
        same = stride == 1 and c.int(0, 3) == 0
        pad = 0 if same else c.int(0, k // 2)
        out = []
        for s in sizes:
            o = s if same else _window(s, k, stride, pad, dilation)
            out.append(o)
        if min(out) < 1:
            k, stride, dilation, pad, same = 1, 1, 1, 0, False
            out = sizes
        cls = "Conv2d" if dims == 2 else "Conv1d"
        args = [str(cin), str(cout)]
        kstyle = c.int(0, 2)
        args.append(f"kernel_size={k}" if kstyle == 0 else (f"({k}, {k})" if dims == 2 and kstyle == 2 else str(k)))
        if stride != 1:
            args.append(f"stride={stride}")
        if same:
            args.append("padding='same'")
        elif pad or c.int(0, 4) == 0:
            args.append(f"padding={pad}")
        if dilation != 1:
            args.append(f"dilation={dilation}")
        if groups != 1:
            args.append(f"groups={groups}")
        if c.int(0, 3) == 0:
            args.append("bias=False")
        return _Step("mod", f"NN.{cls}({', '.join(args)})", hint="conv"), (st[0], cout, *out)

    def conv_rect(self, st: tuple) -> tuple[_Step, tuple]:
        """Conv2d with per-axis kernel / stride / padding tuples and a padding mode."""
        c = self.c
        cin, h, w = st[1:]
        cout = c.choice([4, 8, 6])
        kh, kw = c.choice([1, 3, 5]), c.choice([1, 2, 3])
        sh, sw = c.choice([1, 2]), c.choice([1, 2, 3])
        ph, pw = c.int(0, kh // 2), c.int(0, kw // 2)
        oh, ow = _window(h, kh, sh, ph, 1), _window(w, kw, sw, pw, 1)
        if min(oh, ow) < 1:
            kh = kw = sh = sw = 1
            ph = pw = 0
            oh, ow = h, w
        args = [str(cin), str(cout), f"kernel_size=({kh}, {kw})"]
        if (sh, sw) != (1, 1):
            args.append(f"stride=({sh}, {sw})")
        if (ph, pw) != (0, 0):
            args.append(f"padding=({ph}, {pw})")
            if c.bool() and ph < h and pw < w:
                args.append(f"padding_mode={c.choice(['reflect', 'replicate', 'circular', 'zeros'])!r}")
        return _Step("mod", f"NN.Conv2d({', '.join(args)})", hint="conv"), ("img", cout, oh, ow)

    def pool_ceil(self, st: tuple, dims: int, kind: str = "Max") -> tuple[_Step, tuple] | None:
        """Pooling with ceil_mode / padding (and dilation, max only): torch's own output rule."""
        c = self.c
        sizes = list(st[2:])
        k = c.choice([2, 3])
        s = c.choice([1, 2, 3])
        d = c.choice([1, 1, 2]) if kind == "Max" else 1
        p = c.int(0, k // 2)
        ceil = c.bool()
        out = []
        for x in sizes:
            o = (x + 2 * p - d * (k - 1) - 1 + ((s - 1) if ceil else 0)) // s + 1
            if ceil and (o - 1) * s >= x + p:
                o -= 1
            out.append(o)
        if min(out) < 1:
            return None
        args = [f"kernel_size={k}", f"stride={s}"]
        if p:
            args.append(f"padding={p}")
        if d != 1:
            args.append(f"dilation={d}")
        if ceil:
            args.append("ceil_mode=True")
        if kind == "Avg" and p and c.bool():
            args.append("count_include_pad=False")
        return _Step("mod", f"NN.{kind}Pool{dims}d({', '.join(args)})", hint="pool"), (st[0], st[1], *out)

    def conv_transpose(self, st: tuple) -> tuple[_Step, tuple]:
        c = self.c
        cin, h, w = st[1:]
        cout = c.choice([4, 8, 3])
        k = c.choice([2, 3, 4])
        s = c.choice([1, 2])
        p = c.int(0, (k - 1) // 2)
        op = c.int(0, s - 1) if s > 1 else 0
        oh = (h - 1) * s - 2 * p + (k - 1) + op + 1
        ow = (w - 1) * s - 2 * p + (k - 1) + op + 1
        args = [str(cin), str(cout), str(k), f"stride={s}"]
        if p:
            args.append(f"padding={p}")
        if op:
            args.append(f"output_padding={op}")
        return _Step("mod", f"NN.ConvTranspose2d({', '.join(args)})", hint="deconv"), ("img", cout, oh, ow)

    def pool(self, st: tuple, dims: int) -> tuple[_Step, tuple] | None:
        c = self.c
        sizes = list(st[2:])
        if min(sizes) < 2:
            return None
        kind = c.choice(["Max", "Avg"])
        if c.int(0, 3) == 0 and kind == "Avg":
            return self.pool_ceil(st, dims, "Avg")
        k = c.int(2, min(3, min(sizes)))
        stride = c.choice([None, None, 1, 2])
        pad = c.int(0, k // 2) if c.int(0, 3) == 0 else 0
        s = stride or k
        out = [_window(x, k, s, pad, 1) for x in sizes]
        args = [str(k) if c.bool() else f"kernel_size={k}"]
        if stride is not None:
            args.append(f"stride={stride}")
        if pad:
            args.append(f"padding={pad}")
        return _Step("mod", f"NN.{kind}Pool{dims}d({', '.join(args)})", hint="pool"), (st[0], st[1], *out)

    def act(self) -> _Step:
        c = self.c
        if not self.seq_mode and c.int(0, 2) == 0:
            self.uses_f = True
            return _Step("fn", c.choice(["F.relu({x})", "torch.relu({x})", "F.gelu({x})", "torch.tanh({x})"]),
                         seq_ok=False)
        return _Step("mod", c.choice(["NN.ReLU()", "NN.ReLU(inplace=True)", "NN.GELU()", "NN.Tanh()",
                                      "NN.LeakyReLU(0.1)", "NN.SiLU()", "NN.Sigmoid()"]), hint="act")

    def flatten(self, st: tuple) -> tuple[_Step, tuple]:
        n = math.prod(st[1:])
        if self.seq_mode or self.c.int(0, 2) == 0:
            return _Step("mod", self.c.choice(["NN.Flatten()", "NN.Flatten(1)", "NN.Flatten(start_dim=1)"]),
                         hint="flatten"), ("vec", n)
        forms = ["torch.flatten({x}, 1)", "{x}.flatten(1)", "{x}.reshape({x}.shape[0], -1)", f"{{x}}.reshape(-1, {n})"]
        if st[0] == "img":  # RNN outputs and transposes are not contiguous: .view() fails on them
            forms += ["{x}.view({x}.size(0), -1)", f"{{x}}.view(-1, {n})",
                      "{x}.view(-1, self.num_flat_features({x}))"]
        return _Step("fn", self.c.choice(forms), seq_ok=False), ("vec", n)

    def gap(self, st: tuple, dims: int) -> tuple[list[_Step], tuple]:
        n = self.c.choice([1, 1, 2])
        pooled = _Step("mod", f"NN.AdaptiveAvgPool{dims}d({n})" if self.c.bool()
                       else f"NN.AdaptiveMaxPool{dims}d({n})", hint="gap")
        shape = (st[0], st[1], *([n] * dims))
        fl, out = self.flatten(shape)
        return [pooled, fl], out

    # -- blocks ----------------------------------------------------------------
    def residual_img(self, st: tuple, dims: int) -> _Step:
        cch = st[1]
        conv = "Conv2d" if dims == 2 else "Conv1d"
        bn = "BatchNorm2d" if dims == 2 else "BatchNorm1d"
        body = [_Step("mod", f"NN.{conv}({cch}, {cch}, 3, padding=1, bias=False)", hint="conv"),
                _Step("mod", f"NN.{bn}({cch})", hint="bn")]
        if self.c.bool():
            body += [_Step("mod", "NN.ReLU()", hint="act"),
                     _Step("mod", f"NN.{conv}({cch}, {cch}, kernel_size=1)", hint="conv")]
        return _Step("res", body=body, seq_ok=False)

    def branches_img(self, st: tuple, dims: int) -> tuple[_Step, tuple]:
        cch = st[1]
        conv = "Conv2d" if dims == 2 else "Conv1d"
        a, b = self.c.choice([4, 8]), self.c.choice([4, 6])
        return (_Step("cat", body=[_Step("mod", f"NN.{conv}({cch}, {a}, 1)", hint="conv")],
                      body2=[_Step("mod", f"NN.{conv}({cch}, {b}, 3, padding=1)", hint="conv")], seq_ok=False),
                (st[0], a + b, *st[2:]))

    def conv_block_helper(self, st: tuple) -> tuple[_Step, tuple]:
        """A helper function returning a block, as real code factors its layers."""
        cin, h, w = st[1:]
        cout = self.c.choice([8, 16, 4])
        s = self.c.choice([1, 2])
        self.helpers["conv_bn"] = (
            "def conv_bn(in_ch, out_ch, kernel_size=3, stride=1):\n"
            "    return NN.Sequential(\n"
            "        NN.Conv2d(in_ch, out_ch, kernel_size, stride, kernel_size // 2, bias=False),\n"
            "        NN.BatchNorm2d(out_ch),\n"
            "        NN.ReLU(inplace=True),\n"
            "    )\n")
        out = ("img", cout, _window(h, 3, s, 1, 1), _window(w, 3, s, 1, 1))
        call = f"conv_bn({cin}, {cout})" if s == 1 else f"conv_bn({cin}, {cout}, stride={s})"
        return _Step("mod", call, hint="block"), out

    def vgg_cfg(self, st: tuple) -> tuple[_Step, tuple]:
        """The torchvision VGG builder: a cfg list mixing ints and 'M', ``isinstance`` branches."""
        cin, h, w = st[1:]
        cfg: list[Any] = []
        for _ in range(self.c.int(1, 4)):
            if self.c.int(0, 2) == 0 and min(h, w) >= 2:
                cfg.append("'M'")
                h, w = h // 2, w // 2
            else:
                cfg.append(self.c.choice([8, 16, 4]))
        channels = [v for v in cfg if isinstance(v, int)]
        cout = channels[-1] if channels else cin
        bn = self.c.bool()
        self.helpers["make_layers"] = (
            "def make_layers(cfg, in_channels=3, batch_norm=False):\n"
            "    layers = []\n"
            "    for v in cfg:\n"
            "        if v == 'M':\n"
            "            layers += [NN.MaxPool2d(kernel_size=2, stride=2)]\n"
            "        else:\n"
            "            conv2d = NN.Conv2d(in_channels, v, kernel_size=3, padding=1)\n"
            "            if batch_norm:\n"
            "                layers += [conv2d, NN.BatchNorm2d(v), NN.ReLU(inplace=True)]\n"
            "            else:\n"
            "                layers += [conv2d, NN.ReLU(inplace=True)]\n"
            "            in_channels = v\n"
            "    return NN.Sequential(*layers)\n")
        cfg_src = "[" + ", ".join(str(v) for v in cfg) + "]"
        call = f"make_layers({cfg_src}, in_channels={cin}, batch_norm={bn})"
        return _Step("mod", call, hint="features"), ("img", cout, h, w)

    def mlp_loop(self, st: tuple) -> _Step:
        """A depth loop building shape-preserving layers into a list."""
        f = st[1]
        depth = self.c.int(1, 3)
        style = self.c.int(0, 1)
        name = f"mlp_{self.n}"
        self.n += 1
        if style == 0:
            self.helpers[name] = (
                f"def {name}(dim, depth):\n"
                "    layers = []\n"
                "    for _ in range(depth):\n"
                "        layers += [NN.Linear(dim, dim), NN.ReLU()]\n"
                "    return NN.Sequential(*layers)\n")
        else:
            self.helpers[name] = (
                f"def {name}(dim, depth):\n"
                "    blocks = [NN.Sequential(NN.Linear(dim, dim), NN.LayerNorm(dim)) for _ in range(depth)]\n"
                "    return NN.Sequential(*blocks)\n")
        return _Step("mod", f"{name}({f}, {depth})", hint="mlp")

    # -- driver ----------------------------------------------------------------
    def body(self, st: tuple, budget: int) -> tuple[list[_Step], tuple]:
        c = self.c
        steps: list[_Step] = []
        for _ in range(budget):
            kind = st[0]
            if kind in ("img", "sig"):
                dims = 2 if kind == "img" else 1
                opts = ["conv", "conv", "act", "bn", "pool", "drop", "norm2"]
                if not self.seq_mode:
                    opts += ["res", "cat", "fpool"]
                    if kind == "sig":
                        opts += ["to_seq"]
                opts += ["pool_ceil"]
                if kind == "img":
                    opts += ["helper", "vgg", "deconv", "up", "rect", "adaptive", "unflatten", "linear_last"]
                    if not self.seq_mode:
                        opts += ["chunk", "setattr", "tokens"]
                op = c.choice(opts)
                if op == "conv":
                    s, st = self.conv(st, dims)
                    steps.append(s)
                elif op == "act":
                    steps.append(self.act())
                elif op == "bn":
                    steps.append(_Step("mod", f"NN.BatchNorm{dims}d({st[1]})", hint="bn"))
                elif op == "drop":
                    steps.append(_Step("mod", c.choice(["NN.Dropout(0.5)", f"NN.Dropout{dims}d(0.1)"]), hint="drop"))
                elif op == "pool":
                    got = self.pool(st, dims)
                    if got:
                        steps.append(got[0])
                        st = got[1]
                elif op == "res":
                    steps.append(self.residual_img(st, dims))
                elif op == "cat":
                    s, st = self.branches_img(st, dims)
                    steps.append(s)
                elif op == "helper":
                    s, st = self.conv_block_helper(st)
                    steps.append(s)
                elif op == "vgg":
                    s, st = self.vgg_cfg(st)
                    steps.append(s)
                elif op == "deconv" and max(st[2:]) <= 16:
                    s, st = self.conv_transpose(st)
                    steps.append(s)
                elif op == "up" and max(st[2:]) <= 14:
                    steps.append(_Step("mod", c.choice(["NN.Upsample(scale_factor=2)",
                                                        "NN.Upsample(scale_factor=2, mode='nearest')"]), hint="up"))
                    st = (st[0], st[1], st[2] * 2, st[3] * 2)
                elif op == "pool_ceil":
                    got = self.pool_ceil(st, dims)
                    if got:
                        steps.append(got[0])
                        st = got[1]
                elif op == "rect":
                    s, st = self.conv_rect(st)
                    steps.append(s)
                elif op == "adaptive":
                    oh, ow = c.choice([(2, 3), (None, 2), (3, None), (1, 1), (4, 4)])
                    cls = c.choice(["AdaptiveAvgPool2d", "AdaptiveMaxPool2d"])
                    steps.append(_Step("mod", f"NN.{cls}(({oh}, {ow}))", hint="gap"))
                    st = ("img", st[1], st[2] if oh is None else oh, st[3] if ow is None else ow)
                elif op == "unflatten" and math.prod(st[1:]) <= 4096:
                    # flatten then unflatten back: nn.Unflatten's sizes
                    n = math.prod(st[1:])
                    steps.append(_Step("mod", "NN.Flatten()", hint="flatten"))
                    steps.append(_Step("mod", f"NN.Unflatten(1, ({st[1]}, {st[2]}, {st[3]}))", hint="unflatten"))
                    _ = n
                elif op == "linear_last":
                    # nn.Linear acts on the last axis of any tensor: (B, C, H, W) -> (B, C, H, out)
                    out = c.choice([4, 8])
                    steps.append(_Step("mod", f"NN.Linear({st[3]}, {out})", hint="fc"))
                    st = ("img", st[1], st[2], out)
                elif op == "chunk" and st[1] % 2 == 0:
                    steps.append(_Step("fn", c.choice(["torch.cat(torch.chunk({x}, 2, dim=1)[::-1], dim=1)",
                                                       "torch.cat({x}.chunk(2, 1), 1)",
                                                       "torch.cat({x}.split({half}, dim=1), dim=1)"]).replace(
                                                           "{half}", str(st[1] // 2))))
                elif op == "tokens" and st[2] * st[3] <= 64:
                    # patches as tokens, as ViT code writes it: (B, C, H, W) -> (B, H*W, C)
                    steps.append(_Step("fn", c.choice(["{x}.flatten(2).transpose(1, 2)",
                                                       "{x}.view({x}.size(0), {x}.size(1), -1).permute(0, 2, 1)",
                                                       f"{{x}}.reshape({{x}}.shape[0], {st[1]}, -1).transpose(1, 2)"])))
                    st = ("seq", st[2] * st[3], st[1])
                elif op == "setattr":
                    steps.append(_Step("setattr", body=[_Step("mod", f"NN.Conv2d({st[1]}, {st[1]}, 3, padding=1)",
                                                              hint="conv")] * c.int(1, 3), seq_ok=False))
                elif op == "norm2":
                    ch = st[1]
                    groups = [g for g in _divisors(ch) if g > 1] or [1]
                    steps.append(_Step("mod", c.choice([f"NN.GroupNorm({c.choice(groups)}, {ch})",
                                                        # needs more than one spatial element
                                                        f"NN.InstanceNorm{dims}d({ch}, affine=True)"
                                                        if math.prod(st[2:]) > 1 else f"NN.BatchNorm{dims}d({ch})",
                                                        f"NN.BatchNorm{dims}d({ch}, affine=False)",
                                                        f"NN.BatchNorm{dims}d({ch}, momentum=0.01, eps=1e-3)",
                                                        "NN.PReLU()", f"NN.PReLU({ch})", "NN.Identity()"]),
                                       hint="norm"))
                elif op == "fpool" and min(st[2:]) >= 2:
                    self.uses_f = True
                    fn = "max_pool2d" if dims == 2 else "max_pool1d"
                    steps.append(_Step("fn", c.choice([f"F.{fn}({{x}}, 2)", f"F.{fn}({{x}}, kernel_size=2)"])))
                    st = (st[0], st[1], *[x // 2 for x in st[2:]])
                elif op == "to_seq":
                    steps.append(_Step("fn", c.choice(["{x}.permute(0, 2, 1)", "{x}.transpose(1, 2)"])))
                    st = ("seq", st[2], st[1])
            elif kind == "vec":
                opts = ["linear", "linear", "act", "bn", "ln", "drop", "loop", "frozen", "userblock"]
                if not self.seq_mode:
                    opts += ["res", "cat", "shared"]
                op = c.choice(opts)
                f = st[1]
                if op == "linear":
                    out = c.choice([16, 32, 8, 10, 64, 5])
                    bias = "" if c.int(0, 4) else ", bias=False"
                    steps.append(_Step("mod", f"NN.Linear({f}, {out}{bias})", hint="fc"))
                    st = ("vec", out)
                elif op == "act":
                    steps.append(self.act())
                elif op == "bn":
                    steps.append(_Step("mod", f"NN.BatchNorm1d({f})", hint="bn"))
                elif op == "ln":
                    steps.append(_Step("mod", c.choice([f"NN.LayerNorm({f})", f"NN.LayerNorm([{f}])"]), hint="ln"))
                elif op == "drop":
                    steps.append(_Step("mod", "NN.Dropout(p=0.2)", hint="drop"))
                elif op == "loop":
                    steps.append(self.mlp_loop(st))
                elif op == "frozen":
                    out = c.choice([16, 8])
                    steps.append(_Step("mod", f"NN.Linear({f}, {out})",
                                       hint="fc", frozen=True))
                    st = ("vec", out)
                elif op == "shared":
                    steps.append(_Step("mod", f"NN.Linear({f}, {f})", hint="shared", twice=True, seq_ok=False))
                elif op == "userblock":
                    self.helpers["ScaledLinear"] = (
                        "class ScaledLinear(NN.Module):\n"
                        "    def __init__(self, dim, out_dim=None):\n"
                        "        super().__init__()\n"
                        "        out_dim = out_dim or dim\n"
                        "        self.fc = NN.Linear(dim, out_dim)\n"
                        "        self.scale = NN.Parameter(torch.ones(out_dim))\n"
                        "\n"
                        "    def forward(self, x):\n"
                        "        return self.fc(x) * self.scale\n")
                    out = c.choice([f, 8, 16])
                    steps.append(_Step("mod", f"ScaledLinear({f})" if out == f else f"ScaledLinear({f}, out_dim={out})",
                                       hint="block"))
                    st = ("vec", out)
                elif op == "res":
                    steps.append(_Step("res", body=[_Step("mod", f"NN.Linear({f}, {f})", hint="fc")], seq_ok=False))
                elif op == "cat":
                    a, b = c.choice([8, 16]), c.choice([4, 12])
                    steps.append(_Step("cat", body=[_Step("mod", f"NN.Linear({f}, {a})", hint="fc")],
                                       body2=[_Step("mod", f"NN.Linear({f}, {b})", hint="fc")], seq_ok=False))
                    st = ("vec", a + b)
            elif kind == "seq":
                t, f = st[1], st[2]
                opts = ["linear", "ln", "act", "encoder"]
                if not self.seq_mode:
                    opts += ["rnn", "rnn", "mha", "res", "hidden", "to_sig", "pos"]
                op = c.choice(opts)
                if op == "linear":
                    out = c.choice([16, 8, 32])
                    steps.append(_Step("mod", f"NN.Linear({f}, {out})", hint="proj"))
                    st = ("seq", t, out)
                elif op == "ln":
                    steps.append(_Step("mod", f"NN.LayerNorm({f})", hint="ln"))
                elif op == "act":
                    steps.append(self.act())
                elif op == "res":
                    steps.append(_Step("res", body=[_Step("mod", f"NN.Linear({f}, {f})", hint="proj")], seq_ok=False))
                elif op == "encoder":
                    h = c.choice([x for x in _divisors(f) if x <= 4])
                    ff = c.choice([16, 32])
                    layer = f"NN.TransformerEncoderLayer(d_model={f}, nhead={h}, dim_feedforward={ff}, batch_first=True)"
                    if c.bool():
                        layer = f"NN.TransformerEncoder({layer}, num_layers={c.int(1, 2)})"
                    steps.append(_Step("mod", layer, hint="encoder"))
                elif op == "hidden":
                    # the last layer's final hidden state: (num_layers * D, B, H)[-1] -> (B, H)
                    cls = c.choice(["LSTM", "GRU"])
                    hidden = c.choice([8, 16])
                    layers = c.choice([1, 2])
                    args = [str(f), str(hidden), f"num_layers={layers}", "batch_first=True"]
                    if c.int(0, 2) == 0:
                        args.append("bidirectional=True")  # h[-1]: the last layer's backward direction
                    if cls == "LSTM" and c.int(0, 2) == 0:
                        hidden = c.int(2, hidden - 1)
                        args.append(f"proj_size={hidden}")  # h_n has the projected size
                    steps.append(_Step("rnn", f"NN.{cls}({', '.join(args)})", last="hidden:" + cls,
                                       hint=cls.lower(), seq_ok=False))
                    st = ("vec", hidden)
                elif op == "to_sig":
                    steps.append(_Step("fn", c.choice(["{x}.permute(0, 2, 1)", "{x}.transpose(1, 2)"])))
                    st = ("sig", f, t)
                elif op == "pos":
                    steps.append(_Step("param", f"({t}, {f})" if c.bool() else f"(1, {t}, {f})", hint="pos"))
                elif op == "rnn":
                    cls = c.choice(["LSTM", "GRU", "RNN"])
                    hidden = c.choice([8, 16, 12])
                    layers = c.choice([1, 1, 2])
                    bi = c.bool()
                    args = [str(f), str(hidden)] if c.bool() else [f"input_size={f}", f"hidden_size={hidden}"]
                    if layers > 1:
                        args.append(f"num_layers={layers}")
                    batch_first = c.int(0, 3) != 0
                    if batch_first:
                        args.append("batch_first=True")
                    if bi:
                        args.append("bidirectional=True")
                    if c.int(0, 4) == 0:
                        args.append("bias=False")
                    out_h = hidden
                    if cls == "LSTM" and c.int(0, 3) == 0:
                        out_h = c.int(1, hidden - 1)
                        args.append(f"proj_size={out_h}")
                    # batch_first=False on a (B, T, F) tensor is valid: torch reads B as time
                    last = c.choice(["", "", "[:, -1, :]", "[:, -1]"])
                    steps.append(_Step("rnn", f"NN.{cls}({', '.join(args)})", last=last, hint=cls.lower(), seq_ok=False))
                    width = out_h * (2 if bi else 1)
                    st = ("vec", width) if last else ("seq", t, width)
                elif op == "mha":
                    heads = [h for h in _divisors(f) if h <= 4]
                    h = c.choice(heads)
                    args = [str(f), str(h)] if c.bool() else [f"embed_dim={f}", f"num_heads={h}"]
                    if c.int(0, 3):  # batch_first=False on (B, T, F) is valid: torch reads B as the sequence
                        args.append("batch_first=True")
                    if c.int(0, 3) == 0:
                        args.append("dropout=0.1")
                    steps.append(_Step("mha", f"NN.MultiheadAttention({', '.join(args)})", hint="attn", seq_ok=False))
            if math.prod(st[1:]) > 20000:
                break
        return steps, st

    def to_vec(self, st: tuple) -> tuple[list[_Step], tuple]:
        kind = st[0]
        if kind == "vec":
            return [], st
        if kind in ("img", "sig"):
            dims = 2 if kind == "img" else 1
            if math.prod(st[1:]) > 4096 or self.c.bool():
                return self.gap(st, dims)
            s, out = self.flatten(st)
            return [s], out
        # seq
        if self.seq_mode:
            s, out = self.flatten(st)
            return [s], out
        if self.c.bool():
            return [_Step("fn", self.c.choice(["{x}.mean(dim=1)", "{x}.mean(1)", "{x}[:, -1, :]", "{x}[:, 0]"]),
                          seq_ok=False)], ("vec", st[2])
        s, out = self.flatten(st)
        return [s], out


def _imports_torch(c: Chooser, text: str, uses_f: bool) -> tuple[str, str]:
    """Pick an import style; return (header, text with the NN. sentinel resolved)."""
    header, prefix = c.choice(_TORCH_IMPORTS)
    if prefix == "":
        names = sorted(set(re.findall(r"NN\.(\w+)", text)))
        header = header.format(names=", ".join(names))
    text = text.replace("NN.", prefix)
    if uses_f:
        header += _F_IMPORT
    return header, text


def torch_case(c: Chooser) -> Case:
    family = c.choice(["img", "vec", "seq", "tok", "sig"])
    style = c.choice(["sequential", "class", "class_var", "class_args", "inherit"])
    if family in ("seq", "tok") and style == "sequential" and c.bool():
        style = "class"
    gen = _TorchGen(c, seq_mode=style == "sequential")
    b = c.int(2, 4)  # >= 2: a module-level call runs in training mode (BatchNorm)
    high = 0
    dtype = "float32"
    if family == "img":
        st: tuple = ("img", c.choice([3, 1, 4, 8]), c.int(6, 28), c.int(6, 28))
    elif family == "sig":
        st = ("sig", c.choice([1, 2, 8]), c.int(8, 64))
    elif family == "vec":
        st = ("vec", c.choice([16, 4, 10, 32, 100]))
    elif family == "seq":
        st = ("seq", c.int(2, 12), c.choice([8, 16, 12, 6]))
    else:
        st = ("tok", c.int(2, 12), c.choice([50, 100, 1000]))
    in_shape = (b, *st[1:]) if family != "tok" else (b, st[1])
    steps: list[_Step] = []
    tied = family == "tok" and style != "sequential" and c.int(0, 3) == 0
    if family == "tok":
        high = st[2]
        dtype = "int64"
        dim = c.choice([8, 16, 12])
        if c.int(0, 3) == 0:
            freeze = c.choice(["", ", freeze=True", ", freeze=False"])
            steps.append(_Step("mod", f"NN.Embedding.from_pretrained(torch.randn({high}, {dim}){freeze})",
                               hint="embed"))
        else:
            pad = ", padding_idx=0" if c.int(0, 3) == 0 else ""
            steps.append(_Step("mod", f"NN.Embedding({high}, {dim}{pad})", hint="embed"))
        st = ("seq", st[1], dim)
    if tied:
        # A language model whose decoder shares the embedding's weight (one Parameter, counted once).
        if c.bool():
            steps.append(_Step("rnn", f"NN.LSTM({dim}, {dim}, batch_first=True)", hint="lstm", seq_ok=False))
        steps.append(_Step("mod", f"NN.Linear({dim}, {high})", hint="decoder"))
        steps.append(_Step("tie"))
        return _render_torch_class(c, gen, steps, in_shape, dtype, high, high, style)
    body, st = gen.body(st, c.int(0, 5) if c.int(0, 4) else c.int(6, 10))
    steps += body
    tail, st = gen.to_vec(st)
    steps += tail
    classes = c.choice([10, 2, 1, 5])
    head = c.bool() or not steps
    if head:
        steps.append(_Step("mod", f"NN.Linear({st[1]}, {{num_classes}})", hint="fc"))
    if style == "sequential":
        return _render_torch_sequential(c, gen, steps, in_shape, dtype, high, classes)
    if style == "inherit":
        return _render_torch_inherit(c, gen, steps, in_shape, dtype, high, classes)
    return _render_torch_class(c, gen, steps, in_shape, dtype, high, classes, style)


def _tensor_expr(c: Chooser, shape: tuple[int, ...], dtype: str, high: int) -> str:
    if dtype == "int64":
        return f"torch.randint(0, {high}, ({', '.join(map(str, shape))},))" if len(shape) == 1 else \
            f"torch.randint(0, {high}, ({', '.join(map(str, shape))}))"
    dims = ", ".join(map(str, shape))
    return c.choice([f"torch.randn({dims})", f"torch.rand({dims})", f"torch.randn(({dims}))" if len(shape) > 1
                     else f"torch.randn({dims})", f"torch.zeros({dims})"])


def _render_torch_sequential(c, gen, steps, in_shape, dtype, high, classes) -> Case:
    items = [s.expr.replace("{num_classes}", str(classes)) for s in steps]
    if c.int(0, 2) == 0 and len(items) > 1:
        body = "layers = [\n" + "".join(f"    {i},\n" for i in items) + "]\nmodel = NN.Sequential(*layers)\n"
    elif c.int(0, 2) == 0 and items:
        body = "model = NN.Sequential()\n" + "".join(
            f"model.add_module({('l' + str(k))!r}, {i})\n" for k, i in enumerate(items))
    else:
        body = "model = NN.Sequential(\n" + "".join(f"    {i},\n" for i in items) + ")\n"
    for k, step in enumerate(steps):
        if step.frozen:
            ref = f"model.l{k}" if body.startswith("model = NN.Sequential()\n") else f"model[{k}]"
            body += _freeze(c, ref)
    uses = [f"x = {_tensor_expr(c, in_shape, dtype, high)}", "y = model(x)"]
    target, getter, run_name = "model", "", "__main__"
    if c.int(0, 2) == 0:
        # a builder function returning the model, used the ways scripts use one
        placed, target, getter, run_name = _place(c, "build_model()", uses, "build_model")
        body = "def build_model():\n" + _indent(body) + "    return model\n\n\n" + placed
    else:
        body += "".join(line + "\n" for line in uses)
    text = "".join(h + "\n\n" for h in gen.helpers.values()) + body
    header, text = _imports_torch(c, text, gen.uses_f)
    return Case("torch", header + "\n\n" + text, target, "var", "torch-sequential" + ("-" + target if getter else ""),
                in_shape, dtype, high, getter=getter, run_name=run_name)


def _freeze(c: Chooser, ref: str) -> str:
    """The ways real code freezes a module's parameters."""
    return c.choice([f"for p in {ref}.parameters():\n    p.requires_grad = False\n",
                     f"{ref}.requires_grad_(False)\n",
                     f"{ref}.weight.requires_grad = False\n"])


def _group_runs(c: Chooser, steps: list[_Step]) -> list[_Step]:
    """Put one run of plain modules into a list (ModuleList + loop, or a _make_layers method)."""
    plain = [i for i, s in enumerate(steps) if s.kind == "mod" and not s.frozen and not s.twice
             and s.hint not in ("decoder", "embed")]
    for i in plain:
        j = i
        while j + 1 < len(steps) and j + 1 in plain:
            j += 1
        if j > i and c.int(0, 2) == 0:
            return steps[:i] + [_Step("list", body=steps[i:j + 1])] + steps[j + 1:]
    return steps


def _render_torch_inherit(c, gen, steps, in_shape, dtype, high, classes) -> Case:
    """A backbone class, and a model class deriving from it that adds a head and calls
    ``super().forward``; or a backbone reused through ``nn.Sequential(*list(m.children())[:-k])``."""
    body = [s.expr.replace("{num_classes}", str(classes)) for s in steps if s.kind == "mod"]
    if len(body) != len(steps) or len(body) < 2:
        return _render_torch_class(c, gen, steps, in_shape, dtype, high, classes, "class_var")
    cut = c.int(1, len(body) - 1)
    helpers = "".join(h + "\n\n" for h in gen.helpers.values())
    x = _tensor_expr(c, in_shape, dtype, high)
    if c.bool():
        lines = ["class Backbone(NN.Module):", "    def __init__(self):", "        super().__init__()",
                 "        self.features = NN.Sequential(" + ", ".join(body[:cut]) + ")", "",
                 "    def forward(self, x):", "        return self.features(x)", "", "",
                 "class Net(Backbone):", "    def __init__(self):", "        super().__init__()",
                 "        self.head = NN.Sequential(" + ", ".join(body[cut:]) + ")", "",
                 "    def forward(self, x):", "        x = super().forward(x)", "        return self.head(x)"]
        text = helpers + "\n".join(lines) + f"\n\n\nmodel = Net()\nout = model({x})\n"
    else:
        drop = c.int(1, 2)
        full = body + ["NN.ReLU()"] * drop  # the dropped tail, as a classifier head would be
        text = (helpers + "base = NN.Sequential(" + ", ".join(full) + ")\n"
                + c.choice([f"model = NN.Sequential(*list(base.children())[:-{drop}])\n",
                            f"model = base[:-{drop}]\n"])
                + f"out = model({x})\n")
    header, text = _imports_torch(c, text, gen.uses_f)
    return Case("torch", header + "\n\n" + text, "model", "var", "torch-inherit", in_shape, dtype, high)


def _render_torch_class(c, gen, steps, in_shape, dtype, high, classes, style) -> Case:
    init: list[str] = []
    fwd: list[str] = []
    methods: list[str] = []
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    steps = _group_runs(c, steps)

    def call(name: str, args: str) -> str:
        return f"self.{name}.forward({args})" if c.int(0, 7) == 0 else f"self.{name}({args})"

    def attr(hint: str) -> str:
        counts[hint] = counts.get(hint, 0) + 1
        return f"{hint}{counts[hint]}"

    def emit(step: _Step, var: str) -> None:
        expr = step.expr.replace("{num_classes}", "num_classes")
        if step.kind == "mod":
            name = attr(step.hint)
            names[step.hint] = name
            init.append(f"self.{name} = {expr}")
            if step.frozen:
                init.extend(_freeze(c, f"self.{name}").splitlines())
            fwd.append(f"{var} = {call(name, var)}")
            if step.twice:
                fwd.append(f"{var} = {call(name, var)}")
        elif step.kind == "param":
            name = attr(step.hint)
            init.append(f"self.{name} = NN.Parameter(torch.zeros{expr})")
            fwd.append(f"{var} = {var} + self.{name}")
        elif step.kind == "tie":
            init.append(f"self.{names['decoder']}.weight = self.{names['embed']}.weight")
        elif step.kind == "setattr":
            prefix = attr("block")
            n = len(step.body)
            init.append(f"for i in range({n}):")
            init.append(f"    setattr(self, f'{prefix}_{{i}}', {step.body[0].expr})")
            fwd.append(f"for i in range({n}):")
            fwd.append(f"    {var} = getattr(self, f'{prefix}_{{i}}')({var})")
        elif step.kind == "list":
            items = [s.expr.replace("{num_classes}", "num_classes") for s in step.body]
            name = attr("layers")
            how = c.int(0, 2)
            if how == 0:
                init.append(f"self.{name} = NN.ModuleList([" + ", ".join(items) + "])")
                fwd.append(f"for layer in self.{name}:")
                fwd.append(f"    {var} = layer({var})")
            elif how == 1:
                init.append(f"self.{name} = NN.ModuleList()")
                init.extend(f"self.{name}.append({i})" for i in items)
                fwd.append(f"for i in range(len(self.{name})):")
                fwd.append(f"    {var} = self.{name}[i]({var})")
            else:
                init.append(f"self.{name} = self._make_{name}(num_classes)")
                methods.append(f"    def _make_{name}(self, num_classes):")
                methods.append("        layers = []")
                methods.extend(f"        layers.append({i})" for i in items)
                methods.append("        return NN.Sequential(*layers)")
                methods.append("")
                fwd.append(f"{var} = self.{name}({var})")
        elif step.kind == "fn":
            if "self.num_flat_features" in expr and "    def num_flat_features(self, x):" not in methods:
                # the classic PyTorch tutorial's helper
                methods.extend(["    def num_flat_features(self, x):", "        size = x.size()[1:]",
                                "        num_features = 1", "        for s in size:",
                                "            num_features *= s", "        return num_features", ""])
            fwd.append(f"{var} = " + expr.replace("{x}", var))
        elif step.kind == "rnn":
            name = attr(step.hint)
            init.append(f"self.{name} = {expr}")
            if step.last.startswith("hidden:"):
                if step.last.endswith("LSTM"):
                    fwd.append(c.choice([f"_, (h, _) = self.{name}({var})", f"out, (h, c) = self.{name}({var})"]))
                else:
                    fwd.append(c.choice([f"_, h = self.{name}({var})", f"out, h = self.{name}({var})"]))
                fwd.append(c.choice([f"{var} = h[-1]", f"{var} = h[-1, :, :]"]))
            else:
                fwd.append(f"{var}, _ = {call(name, var)}")
                if step.last:
                    fwd.append(f"{var} = {var}{step.last}")
        elif step.kind == "mha":
            name = attr(step.hint)
            init.append(f"self.{name} = {expr}")
            if c.bool():
                fwd.append(f"{var}, _ = self.{name}({var}, {var}, {var})")
            else:
                fwd.append(f"{var} = self.{name}({var}, {var}, {var}, need_weights=False)[0]")
        elif step.kind == "res":
            if c.bool():
                name = attr("res")
                init.append(f"self.{name} = NN.Sequential(" + ", ".join(s.expr for s in step.body) + ")")
                fwd.append(f"{var} = {var} + self.{name}({var})")
            else:
                fwd.append(f"h = {var}")
                for s in step.body:
                    emit(s, "h")
                fwd.append(c.choice([f"{var} = {var} + h", f"{var} = h + {var}", f"{var} = torch.add({var}, h)"]))
        elif step.kind == "cat" and len(step.body) == 1 == len(step.body2) and c.int(0, 2) == 0:
            name = attr("heads")
            init.append(f"self.{name} = NN.ModuleDict({{'left': {step.body[0].expr}, 'right': {step.body2[0].expr}}})")
            if c.bool():
                fwd.append(f"{var} = torch.cat([head({var}) for head in self.{name}.values()], dim=1)")
            else:
                fwd.append(f"{var} = torch.cat([self.{name}['left']({var}), self.{name}['right']({var})], dim=1)")
        elif step.kind == "cat":
            fwd.append(f"a = {var}")
            for s in step.body:
                emit(s, "a")
            fwd.append(f"b = {var}")
            for s in step.body2:
                emit(s, "b")
            fwd.append(c.choice([f"{var} = torch.cat([a, b], dim=1)", f"{var} = torch.cat((a, b), 1)"]))

    for s in steps:
        emit(s, "x")
    default_classes = classes if style != "class_args" else c.choice([3, 7])
    preamble = ""
    default_src = str(default_classes)
    how = c.int(0, 5)
    if how == 0:
        preamble = f"CONFIG = {{'num_classes': {default_classes}, 'dropout': 0.1}}\n\n\n"
        default_src = "CONFIG['num_classes']"
    elif how == 1:
        preamble = f"NUM_CLASSES = {default_classes}\n\n\n"
        default_src = "NUM_CLASSES"
    elif how == 2 and style != "class":
        preamble = ("import argparse\n\nparser = argparse.ArgumentParser()\n"
                    f"parser.add_argument('--num-classes', type=int, default={default_classes})\n"
                    "args = parser.parse_args()\n\n\n")
        default_src = "args.num_classes"
    lines = ["class Net(NN.Module):",
             f"    def __init__(self, num_classes={default_src}):",
             "        super().__init__()" if c.int(0, 2) else "        super(Net, self).__init__()"]
    lines += [f"        {line}" for line in init] or ["        pass"]
    lines += [""] + methods + ["    def forward(self, x):"]
    lines += [f"        {line}" for line in fwd]
    lines.append("        return x")
    helpers = preamble + "".join(h + "\n\n" for h in gen.helpers.values())
    shape_txt = ", ".join(map(str, in_shape))
    if style == "class":
        comment = f"# modelint: input-shape=({shape_txt})\n"
        text = helpers + comment + "\n".join(lines) + "\n"
        target, kind = "Net", "class"
    else:
        arg = "" if style == "class_var" else (f"{classes}" if c.bool() else f"num_classes={classes}")
        placed, target, getter, run_name = _place(
            c, f"Net({arg})", [f"x = {_tensor_expr(c, in_shape, dtype, high)}", "out = model(x)"], None)
        text = helpers + "\n".join(lines) + "\n\n\n" + placed
        header, text = _imports_torch(c, text, gen.uses_f)
        return Case("torch", header + "\n\n" + text, target, "var", f"torch-{style}" + ("-" + target if getter else ""),
                    in_shape, dtype, high, getter=getter, run_name=run_name)
    header, text = _imports_torch(c, text, gen.uses_f)
    return Case("torch", header + "\n\n" + text, target, kind, f"torch-{style}", in_shape, dtype, high)


# =========================================================================== keras

_KERAS_IMPORTS = [
    # header, layers prefix, Input, Sequential, Model
    ("import keras\nfrom keras import layers\n", "layers.", "keras.Input", "keras.Sequential", "keras.Model"),
    ("from tensorflow import keras\nfrom tensorflow.keras import layers\n", "layers.", "keras.Input",
     "keras.Sequential", "keras.Model"),
    ("from tensorflow.keras import layers, models\n", "layers.", "layers.Input", "models.Sequential",
     "models.Model"),
    ("import tensorflow as tf\n", "tf.keras.layers.", "tf.keras.Input", "tf.keras.Sequential", "tf.keras.Model"),
    ("import keras\n", "keras.layers.", "keras.Input", "keras.Sequential", "keras.Model"),
    ("from tensorflow.keras.layers import {names}\nfrom tensorflow.keras.models import Sequential, Model\n",
     "", "Input", "Sequential", "Model"),
    ("from keras.layers import {names}\nfrom keras.models import Sequential, Model\n", "", "Input", "Sequential",
     "Model"),
]


@dataclass
class _KStep:
    """One Keras statement: a layer (``expr`` with the KL. sentinel) or a block."""

    kind: str  # "layer" | "res" | "cat" | "mha" | "shared" | "state" | "custom"
    expr: str = ""
    body: list[_KStep] = field(default_factory=list)
    body2: list[_KStep] = field(default_factory=list)
    seq_ok: bool = True
    frozen: bool = False  # trainable = False (its weights count as non-trainable)


def _kwindow(size: int, k: int, s: int, same: bool, d: int = 1) -> int:
    if same:
        return -(-size // s)
    return (size - d * (k - 1) - 1) // s + 1


class _KerasGen:
    def __init__(self, c: Chooser, seq_mode: bool) -> None:
        self.c = c
        self.seq_mode = seq_mode
        self.helpers: dict[str, str] = {}
        self.named = 0
        self.loops = 0
        self.custom = False
        self.placement: tuple[str, str, str] | None = None  # (target, getter, run name) of a builder

    def conv(self, st: tuple, dims: int) -> tuple[_KStep, tuple]:
        c = self.c
        cin = st[1]
        sizes = list(st[2:])
        filters = c.choice([8, 4, 16, 6, 32])
        k = c.choice([3, 1, 2, 5])
        s = c.choice([1, 1, 2])
        d = c.choice([1, 1, 2]) if s == 1 else 1
        same = c.bool()
        groups = 1
        if c.int(0, 3) == 0:
            common = [g for g in _divisors(math.gcd(cin, filters)) if g > 1]
            if common:
                groups = c.choice(common)
        out = [_kwindow(x, k, s, same, d) for x in sizes]
        if min(out) < 1:
            same, out = True, [_kwindow(x, k, s, True) for x in sizes]
        cls = "Conv2D" if dims == 2 else "Conv1D"
        if c.bool():
            args = [str(filters), c.choice([str(k), f"kernel_size={k}"] + ([f"({k}, {k})"] if dims == 2 else []))]
        else:
            args = [f"filters={filters}", f"kernel_size={k}" if dims == 1 or c.bool() else f"kernel_size=({k}, {k})"]
        if s != 1:
            args.append(c.choice([f"strides={s}", f"strides=({s}, {s})" if dims == 2 else f"strides={s}"]))
        if dims == 1 and s == 1 and c.int(0, 4) == 0:
            args.append("padding='causal'")  # left padding only: the length is kept
            out = list(sizes)
        elif same:
            args.append("padding='same'")
        elif c.int(0, 3) == 0:
            args.append("padding='valid'")
        if d != 1:
            args.append(f"dilation_rate={d}")
        if groups != 1:
            args.append(f"groups={groups}")
        if c.int(0, 2) == 0:
            args.append(c.choice(["activation='relu'", "activation='tanh'"]))
        if c.int(0, 4) == 0:
            args.append("use_bias=False")
        return _KStep("layer", f"KL.{cls}({', '.join(args)})"), (st[0], filters, *out)

    def depthwise(self, st: tuple) -> tuple[_KStep, tuple]:
        c = self.c
        mult = c.choice([1, 2])
        same = c.bool()
        out = [_kwindow(x, 3, 1, same) for x in st[2:]]
        if min(out) < 1:
            same, out = True, list(st[2:])
        pad = ", padding='same'" if same else ""
        if c.bool():
            filters = c.choice([8, 16])
            return (_KStep("layer", f"KL.SeparableConv2D({filters}, 3{pad}, depth_multiplier={mult})"),
                    (st[0], filters, *out))
        return _KStep("layer", f"KL.DepthwiseConv2D(3{pad}, depth_multiplier={mult})"), (st[0], st[1] * mult, *out)

    def pool(self, st: tuple, dims: int) -> tuple[_KStep, tuple] | None:
        c = self.c
        sizes = list(st[2:])
        if min(sizes) < 2:
            return None
        kind = c.choice(["Max", "Average"])
        k = c.int(2, min(3, min(sizes)))
        stride = c.choice([None, None, 1, 2])
        same = c.int(0, 3) == 0
        out = [_kwindow(x, k, stride or k, same) for x in sizes]
        args = [str(k) if c.bool() else f"pool_size={k}"]
        if stride is not None:
            args.append(f"strides={stride}")
        if same:
            args.append("padding='same'")
        return _KStep("layer", f"KL.{kind}Pooling{dims}D({', '.join(args)})"), (st[0], st[1], *out)

    def act(self) -> _KStep:
        return _KStep("layer", self.c.choice(["KL.Activation('relu')", "KL.ReLU()", "KL.Activation('tanh')",
                                              "KL.LeakyReLU()", "KL.Activation('gelu')"]))

    def res_block(self, st: tuple) -> _KStep:
        kind = st[0]
        if kind == "img":
            body = [_KStep("layer", f"KL.Conv2D({st[1]}, 3, padding='same')"), _KStep("layer", "KL.BatchNormalization()")]
        elif kind == "sig":
            body = [_KStep("layer", f"KL.Conv1D({st[1]}, 3, padding='same')")]
        elif kind == "seq":
            body = [_KStep("layer", f"KL.Dense({st[2]})")]
        else:
            body = [_KStep("layer", f"KL.Dense({st[1]}, activation='relu')")]
        return _KStep("res", body=body, seq_ok=False)

    def cat_block(self, st: tuple) -> tuple[_KStep, tuple]:
        c = self.c
        a, b = c.choice([4, 8]), c.choice([4, 6])
        if st[0] == "img":
            return (_KStep("cat", body=[_KStep("layer", f"KL.Conv2D({a}, 1)")],
                           body2=[_KStep("layer", f"KL.Conv2D({b}, 3, padding='same')")], seq_ok=False),
                    ("img", a + b, *st[2:]))
        if st[0] == "seq":
            return (_KStep("cat", body=[_KStep("layer", f"KL.Dense({a})")],
                           body2=[_KStep("layer", f"KL.Dense({b})")], seq_ok=False), ("seq", st[1], a + b))
        return (_KStep("cat", body=[_KStep("layer", f"KL.Dense({a})")],
                       body2=[_KStep("layer", f"KL.Dense({b})")], seq_ok=False), ("vec", a + b))

    def body(self, st: tuple, budget: int) -> tuple[list[_KStep], tuple]:
        c = self.c
        steps: list[_KStep] = []
        for _ in range(budget):
            kind = st[0]
            opts: list[str]
            if kind in ("img", "sig"):
                dims = 2 if kind == "img" else 1
                opts = ["conv", "conv", "pool", "bn", "act", "drop", "frozen_conv", "dense_nd"]
                if kind == "img":
                    opts += ["dw", "pad", "up", "deconv", "to_seq"]
                if not self.seq_mode:
                    opts += ["res", "cat"] if kind == "img" else ["res"]
                op = c.choice(opts)
                if op == "conv":
                    s, st = self.conv(st, dims)
                    steps.append(s)
                elif op == "dw":
                    s, st = self.depthwise(st)
                    steps.append(s)
                elif op == "to_seq" and st[2] * st[3] <= 64:
                    # rows as time steps, as CRNN code writes it: (H, W, C) -> (H, W * C)
                    form = c.choice([f"KL.Reshape(({st[2]}, {st[3] * st[1]}))", f"KL.Reshape((-1, {st[1]}))"])
                    steps.append(_KStep("layer", form))
                    st = ("seq", st[2], st[3] * st[1]) if "-1" not in form else ("seq", st[2] * st[3], st[1])
                elif op == "dense_nd":
                    # Dense acts on the last (channels) axis of any tensor
                    units = c.choice([4, 8])
                    steps.append(_KStep("layer", f"KL.Dense({units})"))
                    st = (st[0], units, *st[2:])
                elif op == "frozen_conv":
                    s, st = self.conv(st, dims)
                    s.frozen = True
                    steps.append(s)
                elif op == "pad":
                    p = c.int(1, 2)
                    if c.bool() or min(st[2:]) <= 2 * p + 1:
                        steps.append(_KStep("layer", c.choice([f"KL.ZeroPadding2D({p})", f"KL.ZeroPadding2D(padding={p})"])))
                        st = (st[0], st[1], st[2] + 2 * p, st[3] + 2 * p)
                    else:
                        steps.append(_KStep("layer", f"KL.Cropping2D({p})"))
                        st = (st[0], st[1], st[2] - 2 * p, st[3] - 2 * p)
                elif op == "up" and max(st[2:]) <= 14:
                    steps.append(_KStep("layer", c.choice(["KL.UpSampling2D()", "KL.UpSampling2D(size=2)"])))
                    st = (st[0], st[1], st[2] * 2, st[3] * 2)
                elif op == "deconv" and max(st[2:]) <= 14:
                    filters = c.choice([4, 8])
                    k = c.choice([2, 3])
                    strides = c.choice([1, 2])
                    same = c.bool()
                    pad = ", padding='same'" if same else ""
                    out = [x * strides if same else (x - 1) * strides + k for x in st[2:]]
                    steps.append(_KStep("layer", f"KL.Conv2DTranspose({filters}, {k}, strides={strides}{pad})"))
                    st = (st[0], filters, *out)
                elif op == "pool":
                    got = self.pool(st, dims)
                    if got:
                        steps.append(got[0])
                        st = got[1]
                elif op == "bn":
                    steps.append(_KStep("layer", c.choice(["KL.BatchNormalization()",
                                                           "KL.BatchNormalization(momentum=0.9)"])))
                elif op == "act":
                    steps.append(self.act())
                elif op == "drop":
                    steps.append(_KStep("layer", "KL.Dropout(0.25)"))
                elif op == "res":
                    steps.append(self.res_block(st))
                elif op == "cat":
                    s, st = self.cat_block(st)
                    steps.append(s)
            elif kind == "vec":
                opts = ["dense", "dense", "bn", "ln", "act", "drop", "frozen_dense", "named", "repeat", "dense_loop"]
                if not self.seq_mode:
                    opts += ["res", "cat", "shared", "custom"]
                op = c.choice(opts)
                if op == "dense":
                    units = c.choice([16, 32, 8, 64, 10])
                    act = c.choice(["", ", activation='relu'", ", activation='sigmoid'"])
                    bias = ", use_bias=False" if c.int(0, 4) == 0 else ""
                    steps.append(_KStep("layer", f"KL.Dense({units}{act}{bias})"))
                    st = ("vec", units)
                elif op == "bn":
                    steps.append(_KStep("layer", c.choice(["KL.BatchNormalization()", "KL.BatchNormalization(center=False)",
                                                           "KL.BatchNormalization(scale=False)"])))
                elif op == "ln":
                    steps.append(_KStep("layer", c.choice(["KL.LayerNormalization()",
                                                           "KL.LayerNormalization(epsilon=1e-6)"])))
                elif op == "act":
                    steps.append(self.act())
                elif op == "drop":
                    steps.append(_KStep("layer", "KL.Dropout(0.5)"))
                elif op == "frozen_dense":
                    units = c.choice([16, 8])
                    steps.append(_KStep("layer", f"KL.Dense({units})", frozen=True))
                    st = ("vec", units)
                elif op == "named":
                    units = c.choice([16, 8, 32])
                    self.named += 1
                    steps.append(_KStep("layer", f"KL.Dense({units}, activation='relu', name='fc{self.named}')"))
                    st = ("vec", units)
                elif op == "dense_loop":
                    units = [c.choice([32, 16, 8]) for _ in range(c.int(1, 3))]
                    self.loops += 1
                    steps.append(_KStep("loop", f"dense_{self.loops}", body=[
                        _KStep("layer", f"KL.Dense({u}, activation='relu', name='hidden{self.loops}_{i}')")
                        for i, u in enumerate(units)]))
                    st = ("vec", units[-1])
                elif op == "repeat" and st[1] <= 64:
                    n = c.int(2, 5)
                    steps.append(_KStep("layer", f"KL.RepeatVector({n})"))
                    st = ("seq", n, st[1])
                elif op == "shared":
                    steps.append(_KStep("shared", f"KL.Dense({st[1]})", seq_ok=False))
                elif op == "custom" and c.bool():
                    steps.append(_KStep("custom", "Scale()", seq_ok=False))  # build() + add_weight
                elif op == "custom":
                    units = c.choice([8, 16])
                    self.custom = True
                    steps.append(_KStep("custom", f"DenseBlock({units})", seq_ok=False))
                    st = ("vec", units)
                elif op == "res":
                    steps.append(self.res_block(st))
                elif op == "cat":
                    s, st = self.cat_block(st)
                    steps.append(s)
            elif kind == "seq":
                t, f = st[1], st[2]
                opts = ["rnn", "rnn", "dense", "ln", "conv1d", "td", "permute"]
                if not self.seq_mode:
                    opts += ["mha", "res", "cat", "state"]
                op = c.choice(opts)
                if op == "rnn":
                    cls = c.choice(["LSTM", "GRU", "SimpleRNN"])
                    units = c.choice([8, 16, 12])
                    rs = c.bool()
                    args = [str(units)]
                    if rs:
                        args.append("return_sequences=True")
                    if cls == "GRU" and c.int(0, 3) == 0:
                        args.append("reset_after=False")
                    layer = f"KL.{cls}({', '.join(args)})"
                    width = units
                    if c.bool():
                        merge = c.choice(["", "", ", merge_mode='sum'", ", merge_mode='ave'", ", merge_mode='mul'"])
                        layer = f"KL.Bidirectional({layer}{merge})"
                        width = units if merge else 2 * units
                    steps.append(_KStep("layer", layer))
                    st = ("seq", t, width) if rs else ("vec", width)
                elif op == "dense":
                    units = c.choice([16, 8])
                    steps.append(_KStep("layer", f"KL.Dense({units})"))
                    st = ("seq", t, units)
                elif op == "td":
                    units = c.choice([16, 8])
                    steps.append(_KStep("layer", f"KL.TimeDistributed(KL.Dense({units}))"))
                    st = ("seq", t, units)
                elif op == "permute" and t is not None:
                    steps.append(_KStep("layer", c.choice(["KL.Permute((2, 1))", f"KL.Reshape(({f}, {t}))"])))
                    st = ("seq", f, t)
                elif op == "state":
                    units = c.choice([8, 16])
                    steps.append(_KStep("state", f"KL.LSTM({units}, return_state=True)", seq_ok=False))
                    st = ("vec", units)
                elif op == "ln":
                    steps.append(_KStep("layer", "KL.LayerNormalization()"))
                elif op == "conv1d" and t is not None:
                    s, st2 = self.conv(("sig", f, t), 1)
                    steps.append(s)
                    st = ("seq", st2[2], st2[1])
                elif op == "mha":
                    heads = c.choice([1, 2, 4])
                    kd = c.choice([4, 8])
                    steps.append(_KStep("mha", f"KL.MultiHeadAttention(num_heads={heads}, key_dim={kd})", seq_ok=False))
                elif op == "res":
                    steps.append(self.res_block(st))
                elif op == "cat":
                    s, st = self.cat_block(st)
                    steps.append(s)
            if math.prod(x or 1 for x in st[1:]) > 20000:
                break
        return steps, st

    def to_vec(self, st: tuple) -> tuple[list[_KStep], tuple]:
        kind = st[0]
        c = self.c
        if kind == "vec":
            return [], st
        if kind in ("img", "sig"):
            dims = 2 if kind == "img" else 1
            if math.prod(st[1:]) > 4096 or c.bool():
                return [_KStep("layer", c.choice([f"KL.GlobalAveragePooling{dims}D()", f"KL.GlobalMaxPooling{dims}D()"]))], \
                    ("vec", st[1])
            return [_KStep("layer", "KL.Flatten()")], ("vec", math.prod(st[1:]))
        if c.bool() or st[1] is None:
            return [_KStep("layer", "KL.GlobalAveragePooling1D()")], ("vec", st[2])
        return [_KStep("layer", "KL.Flatten()")], ("vec", st[1] * st[2])


def _keras_shape(st: tuple) -> tuple[int | None, ...]:
    """Keras' input shape (no batch) for a state: channels last."""
    if st[0] == "img":
        return (st[2], st[3], st[1])
    if st[0] == "sig":
        return (st[2], st[1])
    if st[0] == "seq":
        return (st[1], st[2])
    if st[0] == "tok":
        return (st[1],)
    return (st[1],)


def _imports_keras(c: Chooser, text: str) -> str:
    header, lp, inp, seq, model = c.choice(_KERAS_IMPORTS)
    if lp == "":
        names = set(re.findall(r"KL\.(\w+)", text))
        if "KI(" in text:
            names.add("Input")
        header = header.format(names=", ".join(sorted(names)))
    text = text.replace("KL.", lp).replace("KI(", inp + "(").replace("KSeq(", seq + "(").replace("KModel", model)
    return header + "\n\n" + text


def keras_case(c: Chooser) -> Case:
    family = c.choice(["img", "vec", "seq", "tok", "sig"])
    style = c.choice(["sequential", "functional", "functional", "subclassed", "sequential_add", "multi"])
    if style == "multi":
        return _keras_multi(c)
    gen = _KerasGen(c, seq_mode=style.startswith("sequential"))
    steps: list[_KStep] = []
    if family == "img" and c.int(0, 3) == 0 and style != "sequential_add":
        return _keras_channels_first(c, style)
    if family == "img":
        st: tuple = ("img", c.choice([3, 1, 4]), c.int(6, 28), c.int(6, 28))
    elif family == "sig":
        st = ("sig", c.choice([1, 2, 8]), c.int(8, 64))
    elif family == "vec":
        st = ("vec", c.choice([16, 4, 10, 32, 100]))
    elif family == "seq":
        # None: a variable-length sequence, as RNN code declares it
        st = ("seq", c.int(2, 12) if c.int(0, 3) else None, c.choice([8, 16, 12, 6]))
    else:
        st = ("tok", c.int(2, 12), c.choice([50, 100, 1000]))
    in_st = st
    if family == "tok":
        dim = c.choice([8, 16])
        mask = ", mask_zero=True" if c.int(0, 3) == 0 and style.startswith("sequential") else ""
        steps.append(_KStep("layer", f"KL.Embedding({st[2]}, {dim}{mask})"))
        st = ("seq", st[1], dim)
    body, st = gen.body(st, c.int(0, 5) if c.int(0, 4) else c.int(6, 10))
    steps += body
    tail, st = gen.to_vec(st)
    steps += tail
    if c.bool() or not steps:
        units = c.choice([10, 1, 2])
        act = c.choice(["", ", activation='softmax'", ", activation='sigmoid'"])
        steps.append(_KStep("layer", f"KL.Dense({units}{act})"))
    shape = _keras_shape(in_st)
    shape_txt = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    dtype = ", dtype='int32'" if family == "tok" else ""
    if style == "sequential":
        text = _keras_sequential(c, steps, shape_txt, dtype)
    elif style == "sequential_add":
        text = _keras_sequential_add(c, steps, shape_txt, dtype)
    elif style == "functional":
        text = _keras_functional(c, gen, steps, shape_txt, dtype)
    else:
        text = _keras_subclassed(c, steps, shape, family)
    if gen.placement and gen.placement[1]:
        target, getter, run_name = gen.placement
        return Case("keras", _imports_keras(c, text), target, "var", f"keras-{style}-{target}",
                    getter=getter, run_name=run_name)
    return Case("keras", _imports_keras(c, text), "model", "var", f"keras-{style}")


def _with_kwarg(expr: str, kwarg: str) -> str:
    """``KL.Dense(8)`` + ``trainable=False`` -> ``KL.Dense(8, trainable=False)``."""
    return expr[:-1] + ("" if expr.endswith("()") else ", ") + kwarg + ")"


_SCALE_LAYER = (
    "class Scale(KL.Layer):\n"
    "    def build(self, input_shape):\n"
    "        self.gamma = self.add_weight(shape=(input_shape[-1],), initializer='ones', trainable=True)\n"
    "        self.offset = self.add_weight(shape=(1,), initializer='zeros', trainable=False)\n"
    "\n"
    "    def call(self, x):\n"
    "        return x * self.gamma + self.offset\n")

_CUSTOM_LAYER = (
    "class DenseBlock(KL.Layer):\n"
    "    def __init__(self, units, **kwargs):\n"
    "        super().__init__(**kwargs)\n"
    "        self.dense = KL.Dense(units, activation='relu')\n"
    "        self.norm = KL.LayerNormalization()\n"
    "\n"
    "    def call(self, inputs):\n"
    "        return self.norm(self.dense(inputs))\n")


def _loop_units(step: _KStep) -> list[int]:
    return [int(re.search(r"Dense\((\d+)", s.expr).group(1)) for s in step.body]


def _flat(steps: list[_KStep]) -> list[_KStep]:
    """Loops unrolled, for the renderers that write one layer a line."""
    out: list[_KStep] = []
    for s in steps:
        out += s.body if s.kind == "loop" else [s]
    return out


def _keras_sequential(c: Chooser, steps: list[_KStep], shape_txt: str, dtype: str) -> str:
    steps = _flat(steps)
    items = [_with_kwarg(s.expr, "trainable=False") if s.frozen else s.expr for s in steps]
    first_kw = c.int(0, 2) == 0 and not dtype and items
    if first_kw:
        e = items[0]
        items[0] = e[:-1] + (", " if not e.endswith("()") else "") + f"input_shape={shape_txt})"
    else:
        items.insert(0, f"KI(shape={shape_txt}{dtype})")
    name = ", name='net'" if c.int(0, 3) == 0 else ""
    return "model = KSeq([\n" + "".join(f"    {i},\n" for i in items) + f"]{name})\n"


def _keras_sequential_add(c: Chooser, steps: list[_KStep], shape_txt: str, dtype: str) -> str:
    lines = ["model = KSeq()", f"model.add(KI(shape={shape_txt}{dtype}))"]
    i = 0
    loops = {k: s for k, s in enumerate(steps) if s.kind == "loop"}
    items = [s.expr for s in steps]
    if any(s.frozen for s in steps):
        # frozen layers are made, frozen, then added: not folded into a loop
        items = [f"frozen_{k}" if s.frozen else e for k, (s, e) in enumerate(zip(steps, items))]
        for k, s in enumerate(steps):
            if s.frozen:
                lines += [f"frozen_{k} = {s.expr}", f"frozen_{k}.trainable = False"]
    # Runs of identical layers become a loop, as real code writes them.
    while i < len(items):
        if i in loops:
            prefix = re.search(r"name='(\w+)_0'", loops[i].body[0].expr).group(1)
            lines.append(f"for i, units in enumerate({_loop_units(loops[i])}):")
            lines.append(f"    model.add(KL.Dense(units, activation='relu', name=f'{prefix}_{{i}}'))")
            i += 1
            continue
        j = i
        while j + 1 < len(items) and items[j + 1] == items[i]:
            j += 1
        if j > i:
            lines.append(f"for _ in range({j - i + 1}):")
            lines.append(f"    model.add({items[i]})")
        else:
            lines.append(f"model.add({items[i]})")
        i = j + 1
    return "\n".join(lines) + "\n"


def _keras_functional(c: Chooser, gen: _KerasGen, steps: list[_KStep], shape_txt: str, dtype: str) -> str:
    lines = [f"inputs = KI(shape={shape_txt}{dtype})", "x = inputs"]
    if c.bool():
        lines = [f"inputs = KI(shape={shape_txt}{dtype}, name='inputs')", "x = inputs"]
    helper_used = False

    def emit(step: _KStep, var: str) -> None:
        nonlocal helper_used
        if step.kind == "layer" and step.frozen:
            if c.bool():
                lines.append(f"{var} = {_with_kwarg(step.expr, 'trainable=False')}({var})")
            else:
                lines.extend([f"frozen = {step.expr}", "frozen.trainable = False", f"{var} = frozen({var})"])
        elif step.kind == "layer":
            lines.append(f"{var} = {step.expr}({var})")
        elif step.kind == "mha":
            lines.append(f"{var} = {step.expr}({var}, {var})")
        elif step.kind == "shared":
            lines.append(f"shared = {step.expr}")
            lines.extend(c.choice([[f"{var} = shared(shared({var}))"],
                                   [f"a = shared({var})", "b = shared(a)", f"{var} = KL.add([a, b])"]]))
        elif step.kind == "state":
            lines.append(c.choice([f"_, {var}, _ = {step.expr}({var})",
                                   f"out, state_h, state_c = {step.expr}({var})\n{var} = state_h"]))
        elif step.kind == "custom":
            if step.expr.startswith("Scale("):
                gen.helpers["Scale"] = _SCALE_LAYER
            else:
                gen.helpers["DenseBlock"] = _CUSTOM_LAYER
            lines.append(f"{var} = {step.expr}({var})")
        elif step.kind == "loop":
            prefix = re.search(r"name='(\w+)_0'", step.body[0].expr).group(1)
            lines.append(f"for i, units in enumerate({_loop_units(step)}):")
            lines.append(f"    {var} = KL.Dense(units, activation='relu', name=f'{prefix}_{{i}}')({var})")
        elif step.kind == "res":
            if len(step.body) > 1 and c.bool():
                helper_used = True
                gen.helpers["block"] = (
                    "def block(x, layer_list):\n"
                    "    for layer in layer_list:\n"
                    "        x = layer(x)\n"
                    "    return x\n")
                lines.append(f"h = block({var}, [" + ", ".join(s.expr for s in step.body) + "])")
            else:
                lines.append(f"h = {var}")
                for s in step.body:
                    emit(s, "h")
            lines.append(c.choice([f"{var} = KL.Add()([{var}, h])", f"{var} = KL.add([{var}, h])"]))
        elif step.kind == "cat":
            lines.append(f"a = {var}")
            for s in step.body:
                emit(s, "a")
            lines.append(f"b = {var}")
            for s in step.body2:
                emit(s, "b")
            lines.append(c.choice([f"{var} = KL.Concatenate()([a, b])", f"{var} = KL.concatenate([a, b])",
                                   f"{var} = KL.Concatenate(axis=-1)([a, b])"]))

    for s in steps:
        emit(s, "x")
    lines.append("outputs = x")
    model = c.choice(["model = KModel(inputs, outputs)", "model = KModel(inputs=inputs, outputs=outputs)",
                      "model = KModel(inputs=inputs, outputs=outputs, name='net')"])
    body = "\n".join(lines) + "\n" + model + "\n"
    if c.bool():
        # Built by a function, as tutorials write it, then used the ways scripts use one.
        placed, target, getter, run_name = _place(c, "build_model()", [], "build_model")
        body = "def build_model():\n" + _indent(body) + "    return model\n\n\n" + placed
        gen.placement = (target, getter, run_name)
    return "".join(h + "\n\n" for h in gen.helpers.values()) + body


def _keras_subclassed(c: Chooser, steps: list[_KStep], shape: tuple[int | None, ...], family: str) -> str:
    init: list[str] = []
    call: list[str] = []
    helpers: list[str] = []
    n = 0

    def emit(step: _KStep, var: str) -> None:
        nonlocal n
        if step.kind in ("layer", "custom"):
            n += 1
            init.append(f"self.l{n} = {step.expr}")
            if step.frozen:
                init.append(f"self.l{n}.trainable = False")
            if step.kind == "custom":
                text = _SCALE_LAYER if step.expr.startswith("Scale(") else _CUSTOM_LAYER
                if text not in helpers:
                    helpers.append(text)
            call.append(f"{var} = self.l{n}({var})")
        elif step.kind == "shared":
            n += 1
            init.append(f"self.l{n} = {step.expr}")
            call.append(f"{var} = self.l{n}(self.l{n}({var}))")
        elif step.kind == "state":
            n += 1
            init.append(f"self.l{n} = {step.expr}")
            call.append(f"_, {var}, _ = self.l{n}({var})")
        elif step.kind == "loop":
            n += 1
            init.append(f"self.l{n} = [KL.Dense(u, activation='relu') for u in {tuple(_loop_units(step))}]")
            call.append(f"for layer in self.l{n}:")
            call.append(f"    {var} = layer({var})")
        elif step.kind == "mha":
            n += 1
            init.append(f"self.l{n} = {step.expr}")
            call.append(f"{var} = self.l{n}({var}, {var})")
        elif step.kind == "res":
            call.append(f"h = {var}")
            for s in step.body:
                emit(s, "h")
            n += 1
            init.append(f"self.l{n} = KL.Add()")
            call.append(f"{var} = self.l{n}([{var}, h])")
        elif step.kind == "cat":
            call.append(f"a = {var}")
            for s in step.body:
                emit(s, "a")
            call.append(f"b = {var}")
            for s in step.body2:
                emit(s, "b")
            n += 1
            init.append(f"self.l{n} = KL.Concatenate()")
            call.append(f"{var} = self.l{n}([a, b])")

    for s in steps:
        emit(s, "x")
    lines = ["class Net(KModel):", "    def __init__(self, **kwargs):", "        super().__init__(**kwargs)"]
    lines += [f"        {line}" for line in init]
    lines += ["", "    def call(self, x):"] + [f"        {line}" for line in call] + ["        return x"]
    dims = ", ".join(map(str, shape))
    concrete = ", ".join("5" if d is None else str(d) for d in shape)
    if family == "tok":
        build = f"model = Net()\nmodel(np.zeros((2, {dims}), dtype='int32'))\n"
    else:
        build = c.choice([f"model = Net()\nmodel.build((None, {dims}))\n"] +
                         [f"model = Net()\nmodel(np.zeros((2, {concrete}), dtype='float32'))\n"] * 3)
    return "import numpy as np\n\n\n" + "".join(h + "\n\n" for h in helpers) + "\n".join(lines) + "\n\n\n" + build


def _keras_channels_first(c: Chooser, style: str) -> Case:
    """NCHW Keras code (``data_format='channels_first'``), as ported Theano/PyTorch code has it."""
    ch, h, w = c.choice([1, 3]), c.int(8, 24), c.int(8, 24)
    shape = (ch, h, w)
    cf = "data_format='channels_first'"
    items: list[str] = []
    for _ in range(c.int(1, 4)):
        op = c.choice(["conv", "conv", "pool", "bn"])
        if op == "conv":
            f, k = c.choice([4, 8]), c.choice([1, 3, 5])
            s = c.choice([1, 2])
            same = c.bool()
            oh, ow = _kwindow(h, k, s, same), _kwindow(w, k, s, same)
            if min(oh, ow) < 1:
                continue
            pad = ", padding='same'" if same else ""
            items.append(f"KL.Conv2D({f}, {k}, strides={s}{pad}, {cf})")
            ch, h, w = f, oh, ow
        elif op == "pool" and min(h, w) >= 2:
            items.append(f"KL.{c.choice(['MaxPooling2D', 'AveragePooling2D'])}(2, {cf})")
            h, w = h // 2, w // 2
        elif op == "bn":
            items.append("KL.BatchNormalization(axis=1)")
    items.append(c.choice(["KL.Flatten()", f"KL.GlobalAveragePooling2D({cf})", f"KL.GlobalMaxPooling2D({cf})"]))
    items.append(f"KL.Dense({c.choice([10, 2])})")
    steps = [_KStep("layer", e) for e in items]
    shape_txt = "(" + ", ".join(map(str, shape)) + ")"
    if style == "sequential":
        text = _keras_sequential(c, steps, shape_txt, "")
    elif style == "functional":
        gen = _KerasGen(c, False)
        text = _keras_functional(c, gen, steps, shape_txt, "")
        if gen.placement and gen.placement[1]:
            target, getter, run_name = gen.placement
            return Case("keras", _imports_keras(c, text), target, "var", f"keras-{style}-channels_first-{target}",
                        getter=getter, run_name=run_name)
    else:
        text = _keras_subclassed(c, steps, shape, "img")
    return Case("keras", _imports_keras(c, text), "model", "var", f"keras-{style}-channels_first")


def _keras_multi(c: Chooser) -> Case:
    """Models with several inputs or nested models: an encoder-decoder whose LSTM states
    seed the decoder, a two-input model, a frozen base model inside a functional one."""
    kind = c.choice(["encdec", "two_inputs", "frozen_base", "two_outputs", "attention", "nested"])
    units = c.choice([8, 16])
    if kind == "encdec":
        f1, f2, vocab = c.choice([6, 10]), c.choice([5, 12]), c.choice([7, 20])
        cell = c.choice(["LSTM", "GRU"])
        states = "h, c_state" if cell == "LSTM" else "h"
        init = "[h, c_state]" if cell == "LSTM" else "h" if c.bool() else "[h]"
        t1 = c.choice(["None", "7"])
        text = (f"encoder_inputs = KI(shape=({t1}, {f1}))\n"
                f"_, {states} = KL.{cell}({units}, return_state=True)(encoder_inputs)\n"
                f"decoder_inputs = KI(shape=(None, {f2}))\n"
                f"decoder_seq = KL.{cell}({units}, return_sequences=True)(decoder_inputs, initial_state={init})\n"
                f"outputs = KL.Dense({vocab}, activation='softmax')(decoder_seq)\n"
                "model = KModel([encoder_inputs, decoder_inputs], outputs)\n")
    elif kind == "two_inputs":
        a, b = c.choice([4, 12]), c.choice([6, 3])
        text = (f"image_features = KI(shape=({a},), name='image_features')\n"
                f"meta = KI(shape=({b},), name='meta')\n"
                f"x = KL.Dense({units}, activation='relu')(image_features)\n"
                f"y = KL.Dense({units // 2})(meta)\n"
                + c.choice(["z = KL.concatenate([x, y])\n", "z = KL.Concatenate()([x, y])\n"])
                + "outputs = KL.Dense(1, activation='sigmoid')(z)\n"
                + c.choice(["model = KModel(inputs=[image_features, meta], outputs=outputs)\n",
                            "model = KModel([image_features, meta], outputs)\n"]))
    elif kind == "two_outputs":
        f = c.choice([8, 20])
        text = (f"inputs = KI(shape=({f},))\n"
                f"shared = KL.Dense({units}, activation='relu')(inputs)\n"
                f"class_out = KL.Dense({c.choice([3, 10])}, activation='softmax', name='class_out')(shared)\n"
                "box_out = KL.Dense(4, name='box_out')(shared)\n"
                + c.choice(["model = KModel(inputs, [class_out, box_out])\n",
                            "model = KModel(inputs=inputs, outputs={'cls': class_out, 'box': box_out})\n"]))
    elif kind == "attention":
        t, f = c.int(3, 9), c.choice([8, 16])
        layer = c.choice(["KL.Attention()", "KL.AdditiveAttention()", "KL.Attention(use_scale=True)"])
        text = (f"query = KI(shape=({t}, {f}))\n"
                f"value = KI(shape=({c.int(3, 9)}, {f}))\n"
                f"context = {layer}([query, value])\n"
                "pooled = KL.GlobalAveragePooling1D()(context)\n"
                f"outputs = KL.Dense({units})(pooled)\n"
                "model = KModel([query, value], outputs)\n")
    elif kind == "nested":
        f = c.choice([8, 12])
        text = ("block = KSeq([" + f"KL.Dense({units}, activation='relu'), KL.Dense({units})" + "], name='block')\n"
                + c.choice([f"model = KSeq([KI(shape=({f},)), block, KL.Dense(2)])\n",
                            f"inputs = KI(shape=({f},))\nmodel = KModel(inputs, KL.Dense(2)(block(inputs)))\n"]))
    else:
        h, w, ch = c.int(8, 20), c.int(8, 20), c.choice([1, 3])
        filters = c.choice([4, 8])
        bn = "    KL.BatchNormalization(),\n" if c.bool() else ""
        freeze = c.choice(["base.trainable = False\n", "for layer in base.layers:\n    layer.trainable = False\n", ""])
        text = ("base = KSeq([\n"
                f"    KI(shape=({h}, {w}, {ch})),\n"
                f"    KL.Conv2D({filters}, 3, activation='relu'),\n{bn}"
                "    KL.GlobalAveragePooling2D(),\n"
                "], name='base')\n" + freeze +
                f"inputs = KI(shape=({h}, {w}, {ch}))\n"
                + c.choice(["x = base(inputs)\n", "x = base(inputs, training=False)\n"])
                + f"outputs = KL.Dense({units})(x)\n"
                "model = KModel(inputs, outputs)\n")
    return Case("keras", _imports_keras(c, text), "model", "var", f"keras-multi-{kind}")


# --------------------------------------------------------------------------- entry points


def case_from(c: Chooser, framework: str | None = None) -> Case:
    """One case; the framework is drawn too unless given."""
    fw = framework or c.choice(["torch", "keras"])
    return torch_case(c) if fw == "torch" else keras_case(c)


def case_for_seed(seed: int, framework: str | None = None) -> Case:
    """The benchmark's case number ``seed``: reproducible from the seed alone."""
    return case_from(RandomChooser(seed), framework)


def models(framework: str | None = None):
    """A hypothesis strategy of ``Case``s (shrinks towards small, simple models)."""
    from hypothesis import strategies as st

    @st.composite
    def _cases(draw):
        return case_from(HypothesisChooser(draw), framework)

    return _cases()
