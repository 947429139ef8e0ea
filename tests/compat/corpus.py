"""A generated corpus of old/new schema pairs covering every change kind in several positions.

Each pair is (name, old, new, expected_kind). A *mutation* rewrites a leaf or
object schema; a *context* places that schema somewhere in a document (a top
level property, a nested property, array items, a ``$defs`` entry reached by
``$ref``, an ``anyOf`` branch, a draft-07 ``definitions`` entry).
Deterministic: the same corpus on every run.
"""

from __future__ import annotations

import copy

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DRAFT7 = "http://json-schema.org/draft-07/schema#"

# (name, old leaf, new leaf, kind the engine should report)
LEAF_MUTATIONS = [
    ("type-narrowed", {"type": ["string", "null"]}, {"type": "string"}, "type-narrowed"),
    ("type-widened", {"type": "string"}, {"type": ["string", "null"]}, "type-widened"),
    ("type-changed", {"type": "string"}, {"type": "integer"}, "type-changed"),
    ("integer-to-number", {"type": "integer"}, {"type": "number"}, "type-widened"),
    ("enum-narrowed", {"type": "string", "enum": ["a", "b", "c"]}, {"type": "string", "enum": ["a", "b"]},
     "enum-narrowed"),
    ("enum-widened", {"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a", "b", "c"]},
     "enum-widened"),
    ("enum-changed", {"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a", "c"]}, "enum-changed"),
    ("enum-added", {"type": "string"}, {"type": "string", "enum": ["a"]}, "enum-added"),
    ("enum-removed", {"type": "string", "enum": ["a"]}, {"type": "string"}, "enum-removed"),
    ("const-changed", {"const": "v1"}, {"const": "v2"}, "const-changed"),
    ("const-to-enum", {"const": "v1"}, {"enum": ["v1", "v2"]}, "enum-widened"),
    ("minimum-raised", {"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 1}, "bound-tightened"),
    ("minimum-lowered", {"type": "integer", "minimum": 1}, {"type": "integer", "minimum": 0}, "bound-relaxed"),
    ("maximum-added", {"type": "number"}, {"type": "number", "maximum": 100}, "bound-tightened"),
    ("maximum-removed", {"type": "number", "maximum": 100}, {"type": "number"}, "bound-relaxed"),
    ("exclusive-minimum", {"type": "number", "minimum": 0}, {"type": "number", "exclusiveMinimum": 0},
     "bound-tightened"),
    ("exclusive-same-int", {"type": "integer", "exclusiveMinimum": 0}, {"type": "integer", "minimum": 1}, None),
    ("multipleOf-added", {"type": "integer"}, {"type": "integer", "multipleOf": 5}, "bound-tightened"),
    ("multipleOf-divisor", {"type": "integer", "multipleOf": 10}, {"type": "integer", "multipleOf": 5},
     "bound-relaxed"),
    ("maxLength-tightened", {"type": "string", "maxLength": 10}, {"type": "string", "maxLength": 5},
     "bound-tightened"),
    ("maxLength-relaxed", {"type": "string", "maxLength": 5}, {"type": "string", "maxLength": 10}, "bound-relaxed"),
    ("minLength-added", {"type": "string"}, {"type": "string", "minLength": 1}, "bound-tightened"),
    ("pattern-narrowed", {"type": "string", "pattern": "^[a-z]+$"}, {"type": "string", "pattern": "^[a-c]+$"},
     "pattern-changed"),
    ("pattern-widened", {"type": "string", "pattern": "^[a-c]+$"}, {"type": "string", "pattern": "^[a-z]+$"},
     "pattern-changed"),
    ("pattern-incomparable", {"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"},
     "pattern-changed"),
    ("pattern-added", {"type": "string"}, {"type": "string", "pattern": "^[0-9]+$"}, "pattern-changed"),
    ("pattern-equivalent", {"type": "string", "pattern": "^[0-9]+$"}, {"type": "string", "pattern": "^\\d+$"},
     "pattern-changed"),
    ("pattern-undecidable", {"type": "string", "pattern": "^(?=a)"}, {"type": "string", "pattern": "^(?=b)"},
     "pattern-changed"),
    ("format-added", {"type": "string"}, {"type": "string", "format": "uuid"}, "format-added"),
    ("format-removed", {"type": "string", "format": "date-time"}, {"type": "string"}, "format-removed"),
    ("items-type-changed", {"type": "array", "items": {"type": "string"}}, {"type": "array", "items": {"type": "integer"}},
     "type-changed"),
    ("minItems-added", {"type": "array", "items": {"type": "string"}},
     {"type": "array", "items": {"type": "string"}, "minItems": 1}, "bound-tightened"),
    ("maxItems-relaxed", {"type": "array", "maxItems": 2}, {"type": "array", "maxItems": 5}, "bound-relaxed"),
    ("uniqueItems-added", {"type": "array"}, {"type": "array", "uniqueItems": True}, "bound-tightened"),
    ("anyOf-branch-added", {"anyOf": [{"type": "string"}, {"type": "integer"}]},
     {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}, "branch-added"),
    ("anyOf-branch-removed", {"anyOf": [{"type": "string"}, {"type": "integer"}]}, {"anyOf": [{"type": "string"}]},
     "branch-removed"),
    ("oneOf-to-anyOf-disjoint", {"oneOf": [{"type": "string"}, {"type": "integer"}]},
     {"anyOf": [{"type": "string"}, {"type": "integer"}]}, None),
    ("nullable-via-anyOf", {"type": "string"}, {"anyOf": [{"type": "string"}, {"type": "null"}]}, "branch-added"),
    ("type-array-to-anyOf", {"type": ["string", "null"]}, {"anyOf": [{"type": "string"}, {"type": "null"}]}, None),
    ("not-added", {"type": "string"}, {"type": "string", "not": {"const": "x"}}, "not-added"),
    ("cosmetic", {"type": "string", "description": "old"}, {"type": "string", "description": "new"}, "cosmetic"),
]

# (name, old object, new object, kind)
_BASE_OBJECT = {"type": "object", "properties": {"id": {"type": "string"}, "count": {"type": "integer"}},
                "required": ["id"]}


def _obj(**changes):
    schema = copy.deepcopy(_BASE_OBJECT)
    for key, value in changes.items():
        if value is None:
            schema.pop(key, None)
        else:
            schema[key] = value
    return schema


OBJECT_MUTATIONS = [
    ("add-optional-open", _obj(), _obj(properties={**_BASE_OBJECT["properties"], "note": {"type": "string"}}),
     "added-property"),
    ("add-optional-closed", _obj(additionalProperties=False),
     _obj(properties={**_BASE_OBJECT["properties"], "note": {"type": "string"}}, additionalProperties=False),
     "added-property"),
    ("add-required", _obj(), _obj(properties={**_BASE_OBJECT["properties"], "owner": {"type": "string"}},
                                  required=["id", "owner"]), "added-required"),
    ("make-required", _obj(), _obj(required=["id", "count"]), "added-required"),
    ("drop-required", _obj(), _obj(required=None), "required-removed"),
    ("remove-optional-open", _obj(), _obj(properties={"id": {"type": "string"}}), "removed-property"),
    ("remove-optional-closed", _obj(additionalProperties=False),
     _obj(properties={"id": {"type": "string"}}, additionalProperties=False), "removed-property"),
    ("remove-required", _obj(), _obj(properties={"count": {"type": "integer"}}, required=None), "removed-property"),
    ("rename", _obj(), _obj(properties={"id": {"type": "string"}, "total": {"type": "integer"}}),
     "renamed-property"),
    ("close-additional", _obj(), _obj(additionalProperties=False), "additional-properties-closed"),
    ("open-additional", _obj(additionalProperties=False), _obj(), "additional-properties-opened"),
    ("additional-typed", _obj(), _obj(additionalProperties={"type": "string"}), "type-narrowed"),
    ("pattern-properties-added", _obj(additionalProperties=False),
     _obj(additionalProperties=False, patternProperties={"^x-": {"type": "string"}}), "pattern-property-added"),
    ("minProperties-added", _obj(), _obj(minProperties=2), "bound-tightened"),
    ("minProperties-implied", _obj(), _obj(minProperties=1), None),   # required: ["id"] already forces one
    ("dependent-required-added", _obj(), _obj(dependentRequired={"id": ["count"]}), "dependency-changed"),
    ("dependent-required-implied", _obj(), _obj(dependentRequired={"count": ["id"]}), None),
    ("dependent-required-more", _obj(properties={**_BASE_OBJECT["properties"], "unit": {"type": "string"}}),
     _obj(properties={**_BASE_OBJECT["properties"], "unit": {"type": "string"}}, dependentRequired={"count": ["unit"]}),
     "dependency-changed"),
]


def _doc(body: dict, defs: dict | None = None, dialect: str = DIALECT) -> dict:
    doc = {"$schema": dialect, "$id": "https://example.test/contracts/thing.json", "$version": "1.0.0", **body}
    if defs is not None:
        doc["$defs" if dialect == DIALECT else "definitions"] = defs
    return doc


def _leaf_contexts(leaf: dict) -> dict[str, dict]:
    leaf = copy.deepcopy(leaf)
    return {
        "top": _doc({"type": "object", "properties": {"field": leaf, "other": {"type": "string"}}}),
        "nested": _doc({"type": "object", "properties": {"producer": {"type": "object", "properties": {
            "version": leaf, "name": {"type": "string"}}, "required": ["name"]}}}),
        "items": _doc({"type": "object", "properties": {"tags": {"type": "array", "items": leaf}}}),
        "ref": _doc({"type": "object", "properties": {"value": {"$ref": "#/$defs/Value"}}}, {"Value": leaf}),
        "branch": _doc({"type": "object", "properties": {"payload": {"anyOf": [
            {"type": "object", "properties": {"kind": {"const": "a"}, "data": leaf}, "required": ["kind"]},
            {"type": "object", "properties": {"kind": {"const": "b"}}, "required": ["kind"]}]}}}),
        "draft7": _doc({"type": "object", "properties": {"value": {"$ref": "#/definitions/Value"}}}, {"Value": leaf},
                       dialect=DRAFT7),
    }


def _object_contexts(obj: dict) -> dict[str, dict]:
    obj = copy.deepcopy(obj)
    return {
        "root": _doc(obj),
        "nested": _doc({"type": "object", "properties": {"producer": obj}}),
        "items": _doc({"type": "object", "properties": {"jobs": {"type": "array", "items": obj}}}),
        "ref": _doc({"type": "object", "properties": {"job": {"$ref": "#/$defs/Job"}}}, {"Job": obj}),
    }


def generate() -> list[tuple[str, dict, dict, str | None]]:
    pairs = []
    for name, old, new, kind in LEAF_MUTATIONS:
        olds, news = _leaf_contexts(old), _leaf_contexts(new)
        for context in olds:
            pairs.append((f"{name}@{context}", olds[context], news[context], kind))
    for name, old, new, kind in OBJECT_MUTATIONS:
        olds, news = _object_contexts(old), _object_contexts(new)
        for context in olds:
            pairs.append((f"{name}@{context}", olds[context], news[context], kind))
    # A recursive schema (a tree) whose node gains a required field deep down.
    tree_old = _doc({"$ref": "#/$defs/Node"}, {"Node": {"type": "object", "properties": {
        "name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}})
    tree_new = copy.deepcopy(tree_old)
    tree_new["$defs"]["Node"]["required"] = ["name"]
    pairs.append(("recursive-required@ref", tree_old, tree_new, "added-required"))
    return pairs


def to_2020_12(schema):
    """The draft-07 spelling rewritten for a 2020-12-only peer: definitions -> $defs, tuple items -> prefixItems."""
    if isinstance(schema, list):
        return [to_2020_12(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "definitions":
            out["$defs"] = {k: to_2020_12(v) for k, v in value.items()}
        elif key == "$ref" and isinstance(value, str):
            out[key] = value.replace("#/definitions/", "#/$defs/")
        elif key == "$schema":
            out[key] = DIALECT
        elif key in ("enum", "const", "default", "examples"):
            out[key] = value
        elif key == "items" and isinstance(value, list):
            out["prefixItems"] = to_2020_12(value)
            if "additionalItems" in schema:
                out["items"] = to_2020_12(schema["additionalItems"])
        elif key == "additionalItems":
            continue
        elif key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            out[key] = {k: to_2020_12(v) for k, v in value.items()}
        else:
            out[key] = to_2020_12(value)
    return out
