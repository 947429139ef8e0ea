"""``type``, ``enum``, ``const``: which kinds of JSON value, and which values, a schema allows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema import ALL_TYPES, KNOWN_TYPES, InvalidSchema, quote, value_key, where

if TYPE_CHECKING:
    from .context import Context
    from .refs import Node


def types(schema: dict, node: Node) -> frozenset | None:
    """The ``type`` keyword as a set of names (None: any type); InvalidSchema for a name that is not a type."""
    raw = schema.get("type")
    if raw is None:
        return None
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or any(t not in KNOWN_TYPES for t in names):
        raise InvalidSchema(f"{node.pointer}/type: {quote(raw)} is not a JSON Schema type or list of types")
    # OpenAPI's ``nullable`` is not a JSON Schema keyword: validators ignore it, and so does the engine.
    return frozenset(names)


def covered(t: str, allowed: frozenset | None) -> bool:
    return allowed is None or t in allowed or (t == "integer" and "number" in allowed)


def allows(allowed: frozenset | None, family: str) -> bool:
    if allowed is None:
        return True
    if family == "number":
        return "number" in allowed or "integer" in allowed
    return family in allowed


def values(schema: dict) -> dict[str, Any] | None:
    """The allowed values by canonical key when ``enum``/``const`` constrain them, else None."""
    result = None
    if "enum" in schema and isinstance(schema["enum"], list):
        result = {value_key(v): v for v in schema["enum"]}
    if "const" in schema:
        key = value_key(schema["const"])
        result = {key: schema["const"]} if result is None or key in result else {}
    return result


def compare_type(cx: Context, o: Node, n: Node, ot, nt, ip: str) -> None:
    if ot == nt:
        return
    narrows = any(not covered(t, nt) for t in (ot or ALL_TYPES))
    widens = any(not covered(t, ot) for t in (nt or ALL_TYPES))
    if not narrows and not widens:
        return
    kind = "type-changed" if narrows and widens else "type-narrowed" if narrows else "type-widened"

    def show(names):
        return "any type" if names is None else " or ".join(sorted(names))
    effect = {"type-narrowed": "values of the dropped types are now rejected",
              "type-widened": "values of the added types are now accepted",
              "type-changed": "old values are rejected and new values were invalid before"}[kind]
    cx.emit(kind, n, ip, f"type {where(ip)} changed from {show(ot)} to {show(nt)}: {effect}", narrows, widens)


def compare_values(cx: Context, o: Node, n: Node, ip: str) -> None:
    """``enum`` / ``const``."""
    ov, nv = values(o.schema), values(n.schema)
    if ov is None and nv is None:
        return
    cx.charge(len(ov or ()) + len(nv or ()))
    const = "const" in o.schema and "const" in n.schema
    if ov is None:
        kind = "const-added" if "const" in n.schema else "enum-added"
        cx.emit(kind, n, ip, f"{where(ip).capitalize()} only {', '.join(map(quote, nv.values()))} "
                "are accepted now", True, False)
        return
    if nv is None:
        kind = "const-removed" if "const" in o.schema else "enum-removed"
        cx.emit(kind, o, ip, f"the allowed values {where(ip)} are no longer restricted", False, True)
        return
    removed = [v for k, v in ov.items() if k not in nv]
    added = [v for k, v in nv.items() if k not in ov]
    if not removed and not added:
        return
    if const:
        cx.emit("const-changed", n, ip, f"const {where(ip)} changed from {quote(o.schema['const'])} to "
                f"{quote(n.schema['const'])}", True, True)
        return
    parts = []
    if removed:
        parts.append(f"no longer allows {', '.join(map(quote, removed))}")
    if added:
        parts.append(f"now allows {', '.join(map(quote, added))}")
    kind = "enum-changed" if removed and added else "enum-narrowed" if removed else "enum-widened"
    cx.emit(kind, n, ip, f"enum {where(ip)} {' and '.join(parts)}", bool(removed), bool(added))
