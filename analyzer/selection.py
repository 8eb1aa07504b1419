"""Which rules run: ``select`` / ``ignore`` / ``extend-select`` by code, prefix or name.

Resolution follows ruff: the most specific matching selector wins (a full code or a
rule name beats ``ML1``, which beats ``ML``/``ALL``); on a tie, ``ignore`` wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def _specificity(selector: str, code: str, name: str) -> int | None:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return 0
    if sel == name or sel.upper() == code:
        return 100
    if code.startswith(sel.upper()) and sel[:2].upper() == "ML":
        return len(sel)
    return None


@dataclass(frozen=True, slots=True)
class Selection:
    select: tuple[str, ...] = ("ALL",)
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


def matches(selector: str, code: str, name: str) -> bool:
    return _specificity(selector, code, name) is not None


def unknown_selectors(selectors: Iterable[str], rules: Iterable[type]) -> list[str]:
    """Selectors that match no rule: a typo users should hear about."""
    rules = list(rules)
    return [s for s in selectors if not any(matches(s, r.code, r.name) for r in rules)]
