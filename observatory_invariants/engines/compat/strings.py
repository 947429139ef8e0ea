"""Strings: ``minLength``/``maxLength``, ``pattern`` (containment decided by :mod:`.regex`), ``format``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .numbers import compare_counts
from .schema import quote, where

if TYPE_CHECKING:
    from .context import Context
    from .refs import Node


def compare_strings(cx: Context, o: Node, n: Node, ip: str) -> None:
    compare_counts(cx, o, n, ip, (("minLength", False), ("maxLength", True)))
    op, np_ = o.schema.get("pattern"), n.schema.get("pattern")
    if op != np_ and (op is None or isinstance(op, str)) and (np_ is None or isinstance(np_, str)):
        _pattern(cx, n, ip, op, np_)
    of, nf = o.schema.get("format"), n.schema.get("format")
    if of != nf:
        if of is None:
            cx.emit("format-added", n, ip, f"format {quote(nf)} is now required {where(ip)}", True, False)
        elif nf is None:
            cx.emit("format-removed", o, ip, f"format {quote(of)} is no longer required {where(ip)}",
                    False, True)
        else:
            cx.emit("format-changed", n, ip, f"format {where(ip)} changed from {quote(of)} to {quote(nf)}",
                    True, True)


def _pattern(cx: Context, n: Node, ip: str, op: str | None, np_: str | None) -> None:
    from .regex import EQUAL, INCOMPARABLE, NARROWER, UNDECIDABLE, WIDER, decide

    decision = decide(op, np_)
    cx.charge(decision.cost)   # charged whether or not the decision came from the cache
    relation, reason = decision.relation, decision.reason
    shown = f"from {quote(op) if op is not None else 'none'} to {quote(np_) if np_ is not None else 'none'}"
    if relation == UNDECIDABLE:
        cx.emit("pattern-changed", n, ip, f"pattern {where(ip)} changed {shown}; containment cannot be "
                f"decided ({reason}), so it is treated as breaking both ways", True, True, True)
        return
    narrows = relation in (NARROWER, INCOMPARABLE)
    widens = relation in (WIDER, INCOMPARABLE)
    effect = {EQUAL: "both accept exactly the same strings",
              NARROWER: "it accepts a strict subset of the strings it accepted",
              WIDER: "it accepts a strict superset of the strings it accepted",
              INCOMPARABLE: "each accepts strings the other rejects"}[relation]
    cx.emit("pattern-changed", n, ip, f"pattern {where(ip)} changed {shown}: {effect}", narrows, widens)
