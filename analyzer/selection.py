"""Which rules run: ``select`` / ``ignore`` / ``extend-select`` by code, prefix or name.

Resolution follows ruff: the most specific matching selector wins (a full code or a
rule name beats ``ML1``, which beats ``ML``/``ALL``); on a tie, ``ignore`` wins.

The default selection, ``DEFAULT``, is every rule whose findings are defects. A rule that
gives style or efficiency advice (a bias before BatchNorm, two linear layers in a row, a
parameter hotspot) declares ``default = False`` in its module and runs only when selected
by code, name, prefix (``ML3``) or ``ALL`` — as ruff keeps its opinionated rules off by
default. ``DEFAULT`` is a selector like ``ALL`` and combines with ``extend-select``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

DEFAULT = "DEFAULT"
DEFAULT_SELECT: tuple[str, ...] = (DEFAULT,)


@cache
def _opt_in_codes() -> frozenset[str]:
    """Codes of the rules that declare ``default = False`` (advice, not defects)."""
    from modelint.analyzer.rule import all_rules

    return frozenset(r.code for r in all_rules() if not getattr(r, "default", True))


def _specificity(selector: str, code: str, name: str) -> int | None:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return 0
    if sel.upper() == DEFAULT:
        return None if code in _opt_in_codes() else 0
    if sel == name or sel.upper() == code:
        return 100
    if code.startswith(sel.upper()) and sel[:2].upper() == "ML":
        return len(sel)
    return None


@dataclass(frozen=True, slots=True)
class Selection:
    select: tuple[str, ...] = DEFAULT_SELECT
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()

    def enabled_code(self, code: str, name: str) -> bool:
        best_sel = max((s for x in (*self.select, *self.extend_select)
                        if (s := _specificity(x, code, name)) is not None), default=None)
        best_ign = max((s for x in self.ignore if (s := _specificity(x, code, name)) is not None), default=None)
        if best_sel is None:
            return False
        return best_ign is None or best_sel > best_ign

    def enabled(self, rule: type) -> bool:
        return self.enabled_code(rule.code, rule.name)


def default_selection() -> Selection:
    """What runs when nothing is configured: the rules whose findings are defects."""
    return Selection(DEFAULT_SELECT)


def matches(selector: str, code: str, name: str) -> bool:
    return _specificity(selector, code, name) is not None


def unknown_selectors(selectors: Iterable[str], rules: Iterable[type]) -> list[str]:
    """Selectors that match no rule: a typo users should hear about."""
    rules = list(rules)
    return [s for s in selectors
            if s.strip().upper() != DEFAULT and not any(matches(s, r.code, r.name) for r in rules)]
