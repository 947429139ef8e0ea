"""Pure helpers on schema values, shared by every keyword family: keyword tables, equality, quoting, merging.

Nothing here walks or reports; :mod:`.context` does that.
"""

from __future__ import annotations

import json
from typing import Any

ALL_TYPES = ("null", "boolean", "object", "array", "number", "string")
KNOWN_TYPES = frozenset(ALL_TYPES) | {"integer"}

# Keywords that change which instances are valid; everything else is an annotation (cosmetic).
VALIDATION = frozenset({
    "type", "enum", "const",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "format",
    "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems",
    "contains", "minContains", "maxContains", "unevaluatedItems",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "dependencies",
    "unevaluatedProperties",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "$ref", "$dynamicRef", "$recursiveRef",
})
# Not compared at all: containers reached through $ref, and the version itself.
SKIPPED = frozenset({"$defs", "definitions", "$version"})
REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
LEGACY_DIALECTS = ("draft-04", "draft-06", "draft-07")
MAX_DEPTH = 200

# Keywords that only mean something together inside one schema object: merging them across allOf
# members (or a $ref and its siblings) would change what they accept.
LOCAL_GROUPS = (
    frozenset({"prefixItems", "items", "additionalItems"}),
    frozenset({"if", "then", "else"}),
    frozenset({"contains", "minContains", "maxContains"}),
)
UNEVALUATED = ("unevaluatedProperties", "unevaluatedItems")


class InvalidSchema(ValueError):
    """The input is JSON but not a usable JSON Schema (names where, says what is wrong)."""


def not_keyword(key: str, legacy: bool) -> bool:
    """Validation keywords of one dialect that the other does not have (so they are mere annotations)."""
    if legacy:
        return key in ("dependentRequired", "dependentSchemas")
    return key == "dependencies"


def esc(key: Any) -> str:
    """One JSON-pointer token."""
    return str(key).replace("~", "~0").replace("/", "~1")


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def same(a: Any, b: Any) -> bool:
    """Equal as JSON (``true`` is not ``1``) and free of ``$ref``: nothing under it can differ.

    ``==`` alone says ``True == 1``; the reprs tell them apart (and are cheap, in C). Equal
    values with keys in another order fail the repr test and are simply walked.
    """
    if a is b:
        if not isinstance(a, (dict, list)):
            return True
        text = repr(a)
    elif a != b:
        return False
    else:
        text = repr(a)
        if text != repr(b):
            return False
    return "'$ref'" not in text and "'$dynamicRef'" not in text and "'$recursiveRef'" not in text


def json_equal(a: Any, b: Any) -> bool:
    return a == b and dumps(a) == dumps(b)


def value_key(value: Any):
    """A canonical key of a JSON value for set comparisons (1 == 1.0, true != 1), cheap for scalars."""
    if isinstance(value, str):
        return "s", str(value)
    if isinstance(value, bool) or value is None:
        return "c", value
    if isinstance(value, int):
        return "n", int(value)
    if isinstance(value, float):
        if value != value:   # NaN: its JSON spelling, as before
            return "j", "NaN"
        return "n", int(value) if value.is_integer() else float(value)
    return "j", dumps(value)


def quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def where(instance_path: str) -> str:
    return f"at {instance_path}" if instance_path else "at the root"


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def mapping(node, key: str) -> dict:
    """``node.schema[key]`` as a dict (``{}`` when absent); InvalidSchema when it is something else."""
    value = node.schema.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidSchema(f"{node.pointer}/{key}: expected an object, found {quote(value)}")
    return value


# How many allOf wrappers one merged property may nest (see merge): merging flattened allOf members that
# share definitions could otherwise build values whose size, spelled out, doubles with every level.
MERGE_WEIGHT_CAP = 64


def merge(a: dict, b: dict, parent: str | None = None, meter=None) -> dict | None:
    """``a`` and ``b`` as one schema when that means exactly ``allOf: [a, b]``; None when it would not.

    ``parent`` names the side ("a" or "b") that is the enclosing schema object, whose
    ``unevaluated*`` keywords see the other side's evaluations (so they may be merged with them).
    ``meter`` (a Context) is charged for the work and remembers how many ``allOf`` wrappers each merged
    property value holds: past :data:`MERGE_WEIGHT_CAP` the merge gives up (None) rather than build a
    value that is exponentially large once spelled out (and as slow to compare).
    """
    va = {k for k in a if k in VALIDATION}
    vb = {k for k in b if k in VALIDATION}
    # additionalProperties only sees the properties / patternProperties of its own schema object.
    if ("additionalProperties" in va and vb & {"properties", "patternProperties", "additionalProperties"}) or \
            ("additionalProperties" in vb and va & {"properties", "patternProperties", "additionalProperties"}):
        return None
    for group in LOCAL_GROUPS:
        ga, gb = va & group, vb & group
        if ga and gb and not (ga == gb and all(json_equal(a[k], b[k]) for k in ga)):
            return None
    for key in UNEVALUATED:
        for side, this, other in (("a", va, vb), ("b", vb, va)):
            if key in this and other and (parent != side or key in other):
                return None
    merged = dict(a)
    for key, value in b.items():
        if key not in VALIDATION:
            continue
        if key in REF_KEYS:
            return None
        if key not in merged:
            merged[key] = value
        elif key == "properties" and isinstance(value, dict) and isinstance(merged[key], dict):
            props = dict(merged[key])
            if meter is not None:
                meter.charge(len(props) + len(value))
            for name, sub in value.items():
                if name not in props or props[name] is sub:   # allOf [x, x] is x
                    props[name] = sub
                    continue
                weight = 1
                if meter is not None:
                    weights = meter.weights
                    weight += weights.get(id(props[name]), (0,))[0] + weights.get(id(sub), (0,))[0]
                    if weight > MERGE_WEIGHT_CAP:
                        return None
                if same(props[name], sub):
                    props[name] = sub
                    continue
                wrapper = props[name] = {"allOf": [props[name], sub]}
                if meter is not None:
                    meter.weights[id(wrapper)] = (weight, wrapper)   # the object rides along: its id stays its own
            merged[key] = props
        elif key == "required" and isinstance(value, list) and isinstance(merged[key], list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif not json_equal(merged[key], value):
            return None
    return merged
