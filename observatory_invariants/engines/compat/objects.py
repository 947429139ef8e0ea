"""Objects: ``properties``, ``required``, ``additionalProperties``, ``patternProperties``, ``propertyNames``,
``minProperties``/``maxProperties``, ``dependentRequired``/``dependentSchemas``/``dependencies``,
``unevaluatedProperties``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .combinators import compare_unevaluated
from .numbers import compare_counts
from .schema import InvalidSchema, dumps, esc, is_number, mapping, same, where

if TYPE_CHECKING:
    from .context import Context
    from .refs import Node


def _required(node: Node) -> list[str]:
    value = node.schema.get("required")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidSchema(f"{node.pointer}/required: expected an array of property names")
    return value


def _matches(cx: Context, pattern: str, name: str) -> bool:
    """Whether a ``patternProperties`` key matches a property name (ECMA-262, linear time).

    A pattern outside the regular subset (look-arounds, back-references) is taken to match: the constraint
    is assumed to apply on the side that has it, which can only over-report a change.
    """
    key = (pattern, name)
    found = cx.matches.get(key)
    if found is None:
        from .regex import search

        found, cost = search(pattern, name) if isinstance(pattern, str) else (False, 1)
        cx.charge(cost)
        found = cx.matches[key] = True if found is None else found
    return found


def _matching_patterns(cx: Context, node: Node, name: str) -> list[tuple[str, Any]]:
    patterns = node.schema.get("patternProperties")
    if patterns is None or (isinstance(patterns, dict) and not patterns):
        return []
    return [(pattern, sub) for pattern, sub in mapping(node, "patternProperties").items()
            if _matches(cx, pattern, name)]


def _rest(node: Node) -> Node:
    """The schema for properties no ``properties`` / ``patternProperties`` entry names.

    ``additionalProperties``; without it, ``unevaluatedProperties`` (it then sees the same
    properties as unevaluated, give or take in-place applicators); else anything goes.
    """
    for key in ("additionalProperties", "unevaluatedProperties"):
        if key in node.schema:
            return node.child(node.schema[key], key)
    return node.child(True, "additionalProperties")


def _combine(cx: Context, node: Node, first: Node | None, matching: list[tuple[str, Any]]) -> Node:
    if not matching:
        return first
    if first is None and len(matching) == 1:
        return node.child(matching[0][1], "patternProperties", matching[0][0])
    members = ([first.schema] if first is not None else []) + [sub for _, sub in matching]
    combined = {"allOf": members}
    cx.keep.append(combined)
    return (first or node).with_schema(combined)


def _fallback(cx: Context, node: Node, name: str) -> Node:
    """The schema that governs property ``name`` on a side that does not list it in ``properties``."""
    matching = _matching_patterns(cx, node, name)
    if matching:
        return _combine(cx, node, None, matching)
    return _rest(node)


def _listed(cx: Context, node: Node, props: dict, name: str) -> Node:
    """A listed property's schema together with the patternProperties that also match its name."""
    return _combine(cx, node, node.child(props[name], "properties", name), _matching_patterns(cx, node, name))


_TAIL = frozenset({"additionalProperties", "patternProperties", "propertyNames", "minProperties", "maxProperties",
                   "dependencies", "dependentRequired", "dependentSchemas", "unevaluatedProperties"})


def compare_objects(cx: Context, o: Node, n: Node, ip: str) -> None:
    oprops, nprops = mapping(o, "properties"), mapping(n, "properties")
    oreq, nreq = set(_required(o)), set(_required(n))
    removed = [k for k in oprops if k not in nprops]
    added = [k for k in nprops if k not in oprops]
    cx.charge(len(oprops) + len(nprops) + len(removed) * len(added))
    renamed: dict[str, str] = {}
    if removed and added:
        # json_equal of every removed x added pair, each side spelled out once
        spelled = {}
        for side, props, names in (("o", oprops, removed), ("n", nprops, added)):
            for name in names:
                spelled[side, name] = text = dumps(props[name])
                cx.charge(1 + len(text) // 64)
        for old_name in removed:
            for new_name in added:
                if new_name not in renamed.values() and spelled["o", old_name] == spelled["n", new_name] \
                        and oprops[old_name] == nprops[new_name]:
                    renamed[old_name] = new_name
                    break
    patterned = o.schema.get("patternProperties") is not None or n.schema.get("patternProperties") is not None
    for name in oprops:
        if name not in nprops:
            continue
        if patterned:
            om, nm = _matching_patterns(cx, o, name), _matching_patterns(cx, n, name)
            unchanged = len(om) == len(nm) and all(p == q and same(a, b) for (p, a), (q, b) in zip(om, nm))
        else:
            unchanged = True
        if unchanged:
            if not same(oprops[name], nprops[name]):
                cx.compare(o.child(oprops[name], "properties", name), n.child(nprops[name], "properties", name),
                           f"{ip}/{esc(name)}")
        else:   # a patternProperties entry now (or no longer) also applies to this listed property
            cx.compare(_listed(cx, o, oprops, name), _listed(cx, n, nprops, name), f"{ip}/{esc(name)}")
    for name in removed:
        if name in renamed:
            continue
        old_node = o.child(oprops[name], "properties", name)
        narrows, widens, undecidable, _ = cx.probe(_listed(cx, o, oprops, name), _fallback(cx, n, name),
                                                   f"{ip}/{esc(name)}")
        widens = widens or (name in oreq and name not in nreq)
        note = ("; old instances that carry it are now rejected" if narrows
                else "; producers stop sending it and consumers that need it break")
        cx.emit("removed-property", old_node, f"{ip}/{esc(name)}",
                f"property {name!r} was removed {where(ip)}{' (it was required)' if name in oreq else ''}{note}",
                narrows, widens, undecidable)
    for name in added:
        if name in renamed.values():
            continue
        new_node = n.child(nprops[name], "properties", name)
        narrows, widens, undecidable, _ = cx.probe(_fallback(cx, o, name), _listed(cx, n, nprops, name),
                                                   f"{ip}/{esc(name)}")
        if name in nreq and name not in oreq:
            cx.emit("added-required", new_node, f"{ip}/{esc(name)}",
                    f"new required property {name!r} {where(ip)}: old instances without it are rejected",
                    True, widens, undecidable)
        else:
            note = (f"; on an open object an old instance may already carry {name!r} with a value the new "
                    "definition rejects" if narrows else "")
            cx.emit("added-property", new_node, f"{ip}/{esc(name)}",
                    f"optional property {name!r} was added {where(ip)}{note}", narrows, widens, undecidable)
    for old_name, new_name in renamed.items():
        n1, w1, u1, _ = cx.probe(_listed(cx, o, oprops, old_name), _fallback(cx, n, old_name),
                                 f"{ip}/{esc(old_name)}")
        n2, w2, u2, _ = cx.probe(_fallback(cx, o, new_name), _listed(cx, n, nprops, new_name),
                                 f"{ip}/{esc(new_name)}")
        newly_required = new_name in nreq and new_name not in oreq
        cx.emit("renamed-property", n.child(nprops[new_name], "properties", new_name), f"{ip}/{esc(new_name)}",
                f"property {old_name!r} was renamed to {new_name!r} {where(ip)}: readers of one name do not "
                "see the other", n1 or n2 or newly_required, w1 or w2 or (old_name in oreq), u1 or u2)
    for name in sorted(nreq - oreq) if nreq != oreq else ():
        if name in added or name in renamed.values():
            continue
        cx.emit("added-required", n.child(_required(n), "required"), f"{ip}/{esc(name)}",
                f"property {name!r} is now required {where(ip)}: old instances without it are rejected",
                True, False)
    for name in sorted(oreq - nreq) if nreq != oreq else ():
        if name in removed:
            continue
        cx.emit("required-removed", n, f"{ip}/{esc(name)}",
                f"property {name!r} is no longer required {where(ip)}: instances may now omit it",
                False, True)
    if _TAIL.isdisjoint(o.schema) and _TAIL.isdisjoint(n.schema):
        return   # none of the keywords below: each would find nothing
    _additional(cx, o, n, ip)
    _pattern_properties(cx, o, n, ip)
    opn, npn = o.schema.get("propertyNames", True), n.schema.get("propertyNames", True)
    if not same(opn, npn):
        cx.compare(o.child(opn, "propertyNames"), n.child(npn, "propertyNames"), ip)
    if "minProperties" in o.schema or "minProperties" in n.schema:
        # required names already force that many properties: minProperties below it adds nothing
        floor_o = {"minProperties": max(o.schema.get("minProperties", 0)
                                        if is_number(o.schema.get("minProperties")) else 0, len(oreq))}
        floor_n = {"minProperties": max(n.schema.get("minProperties", 0)
                                        if is_number(n.schema.get("minProperties")) else 0, len(nreq))}
        compare_counts(cx, o.with_schema({**o.schema, **floor_o}), n.with_schema({**n.schema, **floor_n}), ip,
                       (("minProperties", False),))
    compare_counts(cx, o, n, ip, (("maxProperties", True),))
    _dependencies(cx, o, n, ip, oreq, nreq)
    compare_unevaluated(cx, o, n, ip, "unevaluatedProperties")


def _additional(cx: Context, o: Node, n: Node, ip: str) -> None:
    oap, nap = o.schema.get("additionalProperties", True), n.schema.get("additionalProperties", True)
    if same(oap, nap):
        return
    on, nn = o.child(oap, "additionalProperties"), n.child(nap, "additionalProperties")
    if nap is False:
        cx.emit("additional-properties-closed", nn, ip, f"additionalProperties is now false {where(ip)}: "
                "instances with properties the schema does not list are rejected", True, False)
    elif oap is False:
        cx.emit("additional-properties-opened", nn, ip, f"additionalProperties is no longer false "
                f"{where(ip)}: properties the schema does not list are accepted", False, True)
    else:
        cx.compare(on, nn, f"{ip}/*")


def _pattern_properties(cx: Context, o: Node, n: Node, ip: str) -> None:
    opp, npp = mapping(o, "patternProperties"), mapping(n, "patternProperties")
    for pattern in dict.fromkeys([*opp, *npp]):
        if pattern in opp and pattern in npp:
            cx.compare(o.child(opp[pattern], "patternProperties", pattern),
                       n.child(npp[pattern], "patternProperties", pattern), f"{ip}/*")
        elif pattern in opp:
            node = o.child(opp[pattern], "patternProperties", pattern)
            narrows, widens, undecidable, _ = cx.probe(node, _rest(n), f"{ip}/*")
            cx.emit("pattern-property-removed", node, ip, f"patternProperties {pattern!r} was removed "
                    f"{where(ip)}; matching properties fall back to additionalProperties", narrows, widens,
                    undecidable)
        else:
            node = n.child(npp[pattern], "patternProperties", pattern)
            narrows, widens, undecidable, _ = cx.probe(_rest(o), node, f"{ip}/*")
            cx.emit("pattern-property-added", node, ip, f"patternProperties {pattern!r} was added "
                    f"{where(ip)}", narrows, widens, undecidable)


def _dependency_maps(node: Node) -> tuple[dict, dict]:
    required, schemas = {}, {}
    # ``dependencies`` is a keyword up to draft-07 only; its 2019-09+ successors do not exist before.
    keys = ("dependencies",) if node.side.legacy else ("dependentRequired", "dependentSchemas")
    for key in keys:
        value = node.schema.get(key)
        if not isinstance(value, dict):
            continue
        for name, dep in value.items():
            if isinstance(dep, list):
                required[name] = set(map(str, dep))
            else:
                schemas[name] = (key, dep)
    return required, schemas


def _dependencies(cx: Context, o: Node, n: Node, ip: str, o_required: set, n_required: set) -> None:
    oreq, osch = _dependency_maps(o)
    nreq, nsch = _dependency_maps(n)
    for name in dict.fromkeys([*oreq, *nreq]):
        # a dependency on a property that is required anyway constrains nothing
        before = oreq.get(name, set()) - o_required
        after = nreq.get(name, set()) - n_required
        if before != after:
            more, fewer = sorted(after - before), sorted(before - after)
            cx.emit("dependency-changed", n, ip, f"when {name!r} is present {where(ip)}, the properties it "
                    f"requires changed (now also: {more or 'none'}; no longer: {fewer or 'none'})",
                    bool(more), bool(fewer))
    for name in dict.fromkeys([*osch, *nsch]):
        if name in osch and name in nsch:
            cx.compare(o.child(osch[name][1], osch[name][0], name), n.child(nsch[name][1], nsch[name][0], name),
                       ip)
        elif name in nsch:
            cx.emit("dependency-changed", n, ip, f"a schema now applies when {name!r} is present {where(ip)}",
                    True, False)
        else:
            cx.emit("dependency-changed", o, ip, f"the schema that applied when {name!r} is present "
                    f"{where(ip)} was removed", False, True)
