"""The compatibility engine on dicts: change kinds, pointers, bumps per policy, versions, bad input."""

from __future__ import annotations

import time

import pytest

from observatory_invariants.engines.compat import (Bump, InvalidSchema, check_version_bump, diff_schemas, is_compatible,
                                           required_bump)
from observatory_invariants.engines.compat.regex import compare_patterns
from tests.compat.corpus import generate

OBJ = {"type": "object", "properties": {"id": {"type": "string"}, "status": {"enum": ["A", "B"]}}, "required": ["id"]}


def obj(**overrides):
    schema = {**OBJ, **overrides}
    return {k: v for k, v in schema.items() if v is not None}


def kinds(old, new, policy="seed"):
    return {(c.kind, str(c.bump)) for c in diff_schemas(old, new, policy=policy)}


# -- the seed's four cases -------------------------------------------------------------------------------
def test_seed_add_optional_field_is_minor():
    new = obj(properties={**OBJ["properties"], "note": {"type": "string"}})
    assert kinds(OBJ, new) == {("added-property", "minor")}


def test_seed_remove_required_field_is_major():
    new = obj(properties={"status": OBJ["properties"]["status"]}, required=None)
    assert kinds(OBJ, new) == {("removed-property", "major")}


def test_seed_narrow_enum_is_major():
    new = obj(properties={**OBJ["properties"], "status": {"enum": ["A"]}})
    assert kinds(OBJ, new) == {("enum-narrowed", "major")}


def test_seed_widen_enum_is_minor():
    new = obj(properties={**OBJ["properties"], "status": {"enum": ["A", "B", "C"]}})
    assert kinds(OBJ, new) == {("enum-widened", "minor")}


def test_identical_schemas_have_no_changes():
    assert diff_schemas(OBJ, dict(OBJ)) == []


# -- every change kind, in every position (top, nested, items, $ref, anyOf branch, draft-07) ------------------
CORPUS = generate()


@pytest.mark.parametrize("name,old,new,kind", CORPUS, ids=[p[0] for p in CORPUS])
def test_corpus_pair_reports_its_kind(name, old, new, kind):
    found = {c.kind for c in diff_schemas(old, new)}
    if kind is None:   # equivalent rewrites: nothing that affects validation
        assert found <= {"cosmetic"}, found
    else:
        assert kind in found, found


def test_pointer_and_instance_path_of_a_nested_change():
    old = {"type": "object", "properties": {"producer": {"type": "object", "properties": {
        "version": {"type": "string", "maxLength": 10}}}}}
    new = {"type": "object", "properties": {"producer": {"type": "object", "properties": {
        "version": {"type": "string", "maxLength": 5}}}}}
    (change,) = diff_schemas(old, new)
    assert change.pointer == "/properties/producer/properties/version"
    assert change.instance_path == "/producer/version"
    assert change.kind == "bound-tightened" and change.bump == Bump.MAJOR


def test_ref_change_is_reported_at_the_definition():
    old = {"properties": {"a": {"$ref": "#/$defs/T"}}, "$defs": {"T": {"type": "string"}}}
    new = {"properties": {"a": {"$ref": "#/$defs/T"}}, "$defs": {"T": {"type": "integer"}}}
    (change,) = diff_schemas(old, new)
    assert (change.pointer, change.instance_path, change.kind) == ("/$defs/T", "/a", "type-changed")


def test_cross_file_ref_resolves_by_id_offline():
    common_old = {"$id": "https://x.test/common.json", "$defs": {"Id": {"type": "string", "format": "uuid"}}}
    common_new = {"$id": "https://x.test/common.json", "$defs": {"Id": {"type": "string"}}}
    schema = {"$id": "https://x.test/job.json", "properties": {"id": {"$ref": "common.json#/$defs/Id"}}}
    changes = diff_schemas(schema, schema, policy="forward",
                           old_registry={"https://x.test/common.json": common_old},
                           new_registry={"https://x.test/common.json": common_new})
    assert [(c.kind, c.pointer, str(c.bump)) for c in changes] == [
        ("format-removed", "https://x.test/common.json#/$defs/Id", "major")]


def test_unknown_remote_ref_is_never_fetched_and_is_undecidable():
    old = {"properties": {"a": {"$ref": "https://example.invalid/x.json"}}}
    new = {"properties": {"a": {"type": "string"}}}
    (change,) = diff_schemas(old, new)
    assert change.kind == "unresolvable-ref" and change.undecidable and change.bump == Bump.MAJOR


def test_recursive_schema_terminates():
    tree = {"$defs": {"N": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/N"}},
                                                             "v": {"type": "string"}}}}, "$ref": "#/$defs/N"}
    narrowed = {"$defs": {"N": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/N"}},
                                                                 "v": {"type": "string", "maxLength": 3}}}},
                "$ref": "#/$defs/N"}
    start = time.perf_counter()
    assert {c.kind for c in diff_schemas(tree, narrowed)} == {"bound-tightened"}
    assert diff_schemas(tree, tree) == []
    assert time.perf_counter() - start < 1


def test_ref_cycle_without_content_is_reported_not_looped():
    cyclic = {"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, "properties": {"x": {"$ref": "#/$defs/A"}}}
    plain = {"properties": {"x": {"type": "string"}}}
    changes = diff_schemas(cyclic, plain)
    (change,) = [c for c in changes if c.kind != "definition-removed"]
    assert change.kind == "unresolvable-ref" and "cycle" in change.message
    assert {c.pointer for c in changes if c.kind == "definition-removed"} == {"/$defs/A", "/$defs/B"}


def test_missing_definition_is_reported():
    broken = {"properties": {"x": {"$ref": "#/$defs/Nope"}}}
    (change,) = diff_schemas({"properties": {"x": {"type": "string"}}}, broken)
    assert change.kind == "unresolvable-ref" and "no such definition" in change.message


@pytest.mark.parametrize("bad", [[1, 2], "schema", 3, None])
def test_json_that_is_not_a_schema_raises_invalid_schema(bad):
    with pytest.raises(InvalidSchema):
        diff_schemas(bad, {"type": "object"})


@pytest.mark.parametrize("bad", [{"properties": 5}, {"type": "strng"}, {"required": "id"}, {"properties": {"a": 3}}])
def test_malformed_keywords_raise_invalid_schema(bad):
    with pytest.raises(InvalidSchema):
        diff_schemas({"type": "object", "properties": {"a": {"type": "string"}}}, bad)


def test_unknown_policy_is_a_value_error():
    with pytest.raises(ValueError):
        diff_schemas({}, {}, policy="sideways")


# -- policies --------------------------------------------------------------------------------------------
def test_type_widened_is_major_under_seed_minor_under_backward_major_under_forward():
    old, new = {"type": "string"}, {"type": ["string", "null"]}
    assert kinds(old, new, "seed") == {("type-widened", "major")}
    assert kinds(old, new, "backward") == {("type-widened", "minor")}
    assert kinds(old, new, "forward") == {("type-widened", "major")}
    assert kinds(old, new, "full") == {("type-widened", "major")}


def test_added_optional_property_on_open_object_breaks_backward_but_not_on_closed():
    open_old = {"type": "object", "properties": {"a": {"type": "string"}}}
    open_new = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    assert not is_compatible(diff_schemas(open_old, open_new, policy="backward"))   # {"b": "x"} was valid
    closed_old = {**open_old, "additionalProperties": False}
    closed_new = {**open_new, "additionalProperties": False}
    assert is_compatible(diff_schemas(closed_old, closed_new, policy="backward"))
    assert not is_compatible(diff_schemas(closed_old, closed_new, policy="forward"))


def test_cosmetic_change_needs_patch():
    changes = diff_schemas({"type": "string", "title": "a"}, {"type": "string", "title": "b"})
    assert [c.kind for c in changes] == ["cosmetic"] and required_bump(changes) == Bump.PATCH


def test_rename_is_one_change():
    old = {"type": "object", "properties": {"jobId": {"type": "string"}}, "required": ["jobId"]}
    new = {"type": "object", "properties": {"job_id": {"type": "string"}}, "required": ["job_id"]}
    assert kinds(old, new) == {("renamed-property", "major")}


def test_oneof_branch_added_that_overlaps_is_flagged():
    old = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    new = {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "string", "maxLength": 3}]}
    (change,) = diff_schemas(old, new, policy="backward")
    assert change.kind == "branch-added" and change.narrows and "overlap" in change.message


def test_tagged_union_branches_are_matched_by_tag():
    a = {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}}, "required": ["kind"]}
    b = {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "integer"}}, "required": ["kind"]}
    b2 = {**b, "properties": {**b["properties"], "y": {"type": "integer", "minimum": 0}}}
    changes = diff_schemas({"oneOf": [a, b]}, {"oneOf": [b2, a]})
    assert [(c.kind, c.pointer) for c in changes] == [("bound-tightened", "/oneOf/0/properties/y")]


# -- patterns ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("old,new,relation", [
    ("^[a-z]+$", "^[a-c]+$", "narrower"),
    ("^[a-c]+$", "^[a-z]+$", "wider"),
    ("^a", "^b", "incomparable"),
    ("^[0-9]+$", "^\\d+$", "equal"),
    ("abc", "^abc", "narrower"),                 # unanchored patterns search anywhere
    ("^a$|^b$", "^(a|b)$", "equal"),
    (None, "x", "narrower"),
    ("^(?=a)", "a", "undecidable"),               # look-ahead: not regular for greenery
    (".*a.{14}", "b", "undecidable"),             # exponential automaton: cut off, not hung
])
def test_pattern_containment(old, new, relation):
    assert compare_patterns(old, new)[0] == relation


def test_undecidable_pattern_is_breaking_both_ways_and_says_so():
    (change,) = diff_schemas({"type": "string", "pattern": "(a)\\1"}, {"type": "string", "pattern": "(b)\\1"},
                             policy="backward")
    assert change.undecidable and change.bump == Bump.MAJOR and "cannot be decided" in change.message


# -- versions --------------------------------------------------------------------------------------------
def _narrowing():
    return diff_schemas({"enum": ["a", "b"]}, {"enum": ["a"]})


def test_bump_too_small():
    (problem,) = check_version_bump("1.2.0", "1.3.0", _narrowing(), content_changed=True)
    assert problem.code == "bump-too-small" and "2.0.0" in problem.message


def test_major_bump_passes():
    assert check_version_bump("1.2.0", "2.0.0", _narrowing(), content_changed=True) == []


def test_version_decreased():
    (problem,) = check_version_bump("1.2.0", "1.1.9", [], content_changed=True)
    assert problem.code == "version-decreased"


def test_content_change_without_bump():
    (problem,) = check_version_bump("1.2.0", "1.2.0", [], content_changed=True)
    assert problem.code == "no-bump" and "1.2.1" in problem.message


def test_unchanged_content_same_version_passes():
    assert check_version_bump("1.2.0", "1.2.0", [], content_changed=False) == []


@pytest.mark.parametrize("old,new", [("1.2", "1.3.0"), ("1.2.0", "v2"), (None, "1.0.0"), ("1.0.0", 2)])
def test_non_semver_version_on_either_side(old, new):
    (problem,) = check_version_bump(old, new, [], content_changed=True)
    assert problem.code == "invalid-version"


def test_prerelease_to_release_of_same_version_is_allowed():
    assert check_version_bump("2.0.0-rc.1", "2.0.0", _narrowing(), content_changed=True) == []
