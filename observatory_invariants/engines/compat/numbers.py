"""Numeric bounds: ``minimum``/``maximum`` (and their exclusive forms), ``multipleOf``, and the counts that
other families bound (``minLength``, ``maxItems``, ``minProperties``, ...)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Iterable

from .schema import InvalidSchema, is_number, where

if TYPE_CHECKING:
    from .context import Context
    from .refs import Node

_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                     "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
                     "minContains", "maxContains")
_NUMERIC_SET = frozenset(_NUMERIC_KEYWORDS)


def check_numbers(node: Node) -> None:
    """Numeric keywords must be finite numbers (and ``multipleOf`` > 0): else the input is not a schema."""
    schema = node.schema
    if _NUMERIC_SET.isdisjoint(schema):
        return
    for key in _NUMERIC_KEYWORDS:   # in this order: the first bad one is the one reported, on every run
        value = schema.get(key)
        if value is None or not is_number(value):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidSchema(f"{node.pointer}/{key}: {value!r} is not a finite number")
        if key == "multipleOf" and value <= 0:
            raise InvalidSchema(f"{node.pointer}/multipleOf: must be greater than 0, found {value!r}")


def _lower(schema: dict, integer: bool):
    """The tightest lower bound as ``(value, exclusive)``, or None."""
    bounds = []
    if is_number(schema.get("minimum")):
        # draft-04: a boolean exclusiveMinimum makes minimum itself exclusive
        bounds.append((schema["minimum"], schema.get("exclusiveMinimum") is True))
    if is_number(schema.get("exclusiveMinimum")):
        bounds.append((schema["exclusiveMinimum"], True))
    if not bounds:
        return None
    value, exclusive = max(bounds, key=lambda b: (b[0], b[1]))
    if integer:  # for integers, > 1.5 and >= 2 are the same bound
        return (math.floor(value) + 1 if exclusive else math.ceil(value)), False
    return value, exclusive


def _upper(schema: dict, integer: bool):
    bounds = []
    if is_number(schema.get("maximum")):
        bounds.append((schema["maximum"], schema.get("exclusiveMaximum") is True))
    if is_number(schema.get("exclusiveMaximum")):
        bounds.append((schema["exclusiveMaximum"], True))
    if not bounds:
        return None
    value, exclusive = min(bounds, key=lambda b: (b[0], not b[1]))
    if integer:
        return (math.ceil(value) - 1 if exclusive else math.floor(value)), False
    return value, exclusive


def _bound_text(bound, upper: bool) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    return f"{'<' if upper else '>'}{'' if exclusive else '='} {value}"


def compare_numbers(cx: Context, o: Node, n: Node, ip: str, integer: bool) -> None:
    for upper, name in ((False, "minimum"), (True, "maximum")):
        get = _upper if upper else _lower
        ob, nb = get(o.schema, integer), get(n.schema, integer)
        if ob == nb:
            continue
        if ob is None or nb is None:
            tighter = nb is not None
        else:
            # a higher minimum / lower maximum is tighter; same value: exclusive is tighter
            key_o = (ob[0], ob[1]) if not upper else (-ob[0], ob[1])
            key_n = (nb[0], nb[1]) if not upper else (-nb[0], nb[1])
            if key_o == key_n:
                continue
            tighter = key_n > key_o
        bound_changed(cx, n, ip, name, _bound_text(ob, upper), _bound_text(nb, upper), tighter)
    om, nm = o.schema.get("multipleOf"), n.schema.get("multipleOf")
    if om != nm and (om is None or is_number(om)) and (nm is None or is_number(nm)):
        if om is None or nm is None:
            narrows, widens = nm is not None, om is not None
        else:
            ratio_on = Fraction(str(om)) / Fraction(str(nm))
            ratio_no = Fraction(str(nm)) / Fraction(str(om))
            narrows, widens = ratio_on.denominator != 1, ratio_no.denominator != 1
        if narrows or widens:
            bound_changed(cx, n, ip, "multipleOf", str(om), str(nm), narrows, widens)


def bound_changed(cx: Context, node: Node, ip: str, name: str, old: str, new: str, tighter: bool,
                  widens: bool | None = None) -> None:
    narrows = tighter
    widens = (not tighter) if widens is None else widens
    kind = "bound-changed" if narrows and widens else "bound-tightened" if narrows else "bound-relaxed"
    effect = {"bound-tightened": "some old values are now rejected",
              "bound-relaxed": "some values rejected before are now accepted",
              "bound-changed": "the accepted sets overlap but neither contains the other"}[kind]
    cx.emit(kind, node, ip, f"{name} {where(ip)} changed from {old} to {new}: {effect}", narrows, widens)


def compare_counts(cx: Context, o: Node, n: Node, ip: str, names: Iterable[tuple[str, bool]]) -> None:
    """Count bounds such as ``minLength`` / ``maxItems``: ``(keyword, is_max)`` pairs."""
    for name, is_max in names:
        ov, nv = o.schema.get(name), n.schema.get(name)
        if ov == nv or not (ov is None or is_number(ov)) or not (nv is None or is_number(nv)):
            continue
        if is_max:
            ov_, nv_ = (math.inf if ov is None else ov), (math.inf if nv is None else nv)
            if ov_ == nv_:
                continue
            tighter = nv_ < ov_
        else:
            ov_, nv_ = (0 if ov is None else ov), (0 if nv is None else nv)
            if ov_ == nv_:
                continue
            tighter = nv_ > ov_
        bound_changed(cx, n, ip, name, "none" if ov is None else str(ov), "none" if nv is None else str(nv), tighter)
