"""Regression tests for the review of C4 (wrong verdicts, crashes): each fix has a catches and a does-not-catch case."""

from __future__ import annotations

import copy
import json

import pytest

from observatory_invariants.api import check
from observatory_invariants.rules.contracts.c4_compat import check_schema_pair
from observatory_invariants.engines.compat import InvalidSchema, check_version_bump, diff_schemas, is_compatible, required_bump
from observatory_invariants.engines.compat.regex import EQUAL, NARROWER, WIDER, compare_patterns
from tests.compat.test_git_and_cli import PATH, SCHEMA, _commit, _repo, _run_compat, rules

D4 = "http://json-schema.org/draft-04/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"


def compatible(old, new, policy):
    return is_compatible(diff_schemas(old, new, policy=policy))


def bump(old, new, policy="seed"):
    return str(required_bump(diff_schemas(old, new, policy=policy)))


# -- 1. hostile numbers never crash -------------------------------------------------------------------------
@pytest.mark.parametrize("old,new", [
    ({"multipleOf": 0}, {"multipleOf": 2}),
    ({"type": "number", "multipleOf": 2}, {"type": "number", "multipleOf": 0}),
    ({"type": "integer", "minimum": float("inf")}, {"type": "integer"}),            # json: 1e400
    ({"type": "integer", "exclusiveMaximum": float("inf")}, {"type": "integer"}),   # json: 1e999
    ({"multipleOf": float("nan")}, {"multipleOf": 1}),
    ({"multipleOf": float("inf")}, {"multipleOf": 1}),
    ({"minimum": float("nan")}, {"minimum": 1}),
])
def test_non_finite_or_zero_numbers_are_bad_input_not_a_crash(old, new):
    with pytest.raises(InvalidSchema):
        diff_schemas(old, new, policy="backward")
    (found,) = check_schema_pair("s.json", {**old, "$version": "1.0.0"}, {**new, "$version": "2.0.0"})
    assert found.rule == "C4.bad-input"


def test_tiny_and_huge_finite_numbers_are_still_compared():
    assert bump({"multipleOf": 1e-320}, {"multipleOf": 1}, "backward") == "major"
    assert bump({"type": "integer", "minimum": 1e308}, {"type": "integer", "minimum": 1}, "backward") == "minor"


def test_counterexample_search_does_not_mutate_the_schemas():
    from observatory_invariants.engines.compat.examples import find_counterexample

    pytest.importorskip("hypothesis_jsonschema")
    old = {"$schema": D7, "definitions": {"A": {"type": "string"}}, "type": "object",
           "properties": {"a": {"$ref": "#/definitions/A", "maxLength": 2}}, "required": ["a"]}
    new = {"$schema": D7, "type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    frozen = copy.deepcopy(old)
    # draft-07 ignores the $ref's sibling maxLength: old and new accept the same values ...
    assert find_counterexample(old, new, max_examples=50) is None
    # ... and hypothesis-jsonschema (which merges that sibling into the $ref) got a copy, not our schema
    assert old == frozen
    assert find_counterexample(new, old, max_examples=50) is None


# -- 2. a file that only holds $defs ------------------------------------------------------------------------
LIB = {"$schema": D2020, "$id": "https://ex.test/common.json", "$defs": {"Id": {"type": "string", "maxLength": 10}}}


def _lib(**id_schema):
    lib = copy.deepcopy(LIB)
    lib["$defs"]["Id"] = id_schema
    return lib


def test_narrowed_definition_in_a_library_file_needs_major():
    changes = diff_schemas(LIB, _lib(type="string", maxLength=5), policy="seed")
    assert [(c.kind, c.pointer, str(c.bump)) for c in changes] == [("bound-tightened", "/$defs/Id", "major")]


def test_widened_or_untouched_definition_in_a_library_file_is_not_major():
    assert bump(LIB, _lib(type="string", maxLength=20)) == "minor"
    assert diff_schemas(LIB, copy.deepcopy(LIB)) == []


def test_removed_definition_is_major_and_a_referenced_one_is_reported_once():
    assert bump(LIB, {**LIB, "$defs": {}}, "backward") == "major"
    old = {**LIB, "properties": {"id": {"$ref": "#/$defs/Id"}}}
    new = {**_lib(type="string", maxLength=5), "properties": {"id": {"$ref": "#/$defs/Id"}}}
    assert [c.kind for c in diff_schemas(old, new)] == ["bound-tightened"]


def test_library_change_is_charged_to_the_library_in_git(tmp_path):
    job = {**SCHEMA, "properties": {"id": {"$ref": "common.json#/$defs/Id"}}}
    lib = {**LIB, "$id": "https://example.test/contracts/common.json", "$version": "1.0.0"}
    root = _repo(tmp_path, schema=job, extra={"contracts/schemas/common.json": lib})
    narrowed = copy.deepcopy(lib)
    narrowed["$defs"]["Id"]["maxLength"] = 5
    _commit(root, {"contracts/schemas/common.json": {**narrowed, "$version": "1.1.0"}})
    findings = check(root, select=["C4"], base="HEAD~1")
    assert [(f.rule, f.path) for f in findings] == [("C4.bump-too-small", "contracts/schemas/common.json")]
    _commit(root, {"contracts/schemas/common.json": {**narrowed, "$version": "2.0.0"}})
    assert check(root, select=["C4"], base="HEAD~2") == []


# -- 3. oneOf exclusivity when an existing branch changes ---------------------------------------------------
def test_widened_oneof_branch_that_may_overlap_narrows():
    old = {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 5}]}
    new = {"oneOf": [{"type": "string", "maxLength": 6}, {"type": "string", "minLength": 5}]}
    assert not compatible(old, new, "backward")   # "xxxxx" now matches both branches: rejected


def test_widened_oneof_branch_that_stays_disjoint_is_minor():
    old = {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "integer"}]}
    new = {"oneOf": [{"type": "string", "maxLength": 6}, {"type": "integer"}]}
    assert compatible(old, new, "backward") and not compatible(old, new, "forward")


def test_narrowed_oneof_branch_that_stops_overlapping_widens():
    old = {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}
    new = {"oneOf": [{"type": "string", "minLength": 4}, {"type": "string", "maxLength": 3}]}
    assert not compatible(old, new, "forward")   # "ab" matched both (rejected); now only one


def test_oneof_branch_losing_a_required_property_overlaps():
    obj = {"type": "object"}
    old = {"oneOf": [{**obj, "required": ["a"]}, {**obj, "required": ["b"]}]}
    new = {"oneOf": [obj, {**obj, "required": ["b"]}]}
    assert not compatible(old, new, "backward")   # {"b": 1} matches both now


# -- 4. type arrays <-> oneOf / anyOf ----------------------------------------------------------------------
def test_type_array_to_overlapping_oneof_narrows():
    old, new = {"type": ["integer", "number"]}, {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert not compatible(old, new, "backward")   # 1 matches both branches
    assert compatible(new, old, "backward") and not compatible(new, old, "forward")


def test_type_array_to_disjoint_oneof_is_the_same_set():
    old, new = {"type": ["string", "null"]}, {"oneOf": [{"type": "string"}, {"type": "null"}]}
    assert compatible(old, new, "full") and compatible(new, old, "full")


def test_plain_schema_to_overlapping_oneof_narrows():
    old = {"type": "string"}
    new = {"oneOf": [{"type": "string", "maxLength": 5}, {"type": "string", "minLength": 3}]}
    assert not compatible(old, new, "backward")   # "abcd" matches both


# -- 5. patternProperties vs listed properties, unevaluatedProperties ---------------------------------------
def test_pattern_added_that_matches_a_listed_property_narrows_it():
    old = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    new = {**old, "patternProperties": {"^a$": {"type": "string"}}}
    assert not compatible(old, new, "backward")   # {"a": 1}
    old = {"type": "object", "properties": {"ab": {"type": "string"}}}
    new = {**old, "patternProperties": {"^a": {"maxLength": 1}}}
    assert not compatible(old, new, "backward")   # {"ab": "xx"}


def test_pattern_removed_from_a_listed_property_widens_it():
    old = {"type": "object", "properties": {"a": {}}, "patternProperties": {"^a$": {"type": "string"}},
           "additionalProperties": False}
    new = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    assert not compatible(old, new, "forward")   # {"a": 1} is accepted now


def test_pattern_that_matches_no_listed_property_leaves_it_alone():
    old = {"type": "object", "properties": {"id": {"type": "string"}}}
    new = {**old, "patternProperties": {"^x-": {"type": "string"}}}
    assert [c.kind for c in diff_schemas(old, new)] == ["pattern-property-added"]


def test_unevaluated_properties_false_behaves_like_a_closed_object():
    old = {"type": "object", "properties": {"a": {}}, "unevaluatedProperties": False}
    new = {"type": "object", "properties": {"a": {}, "b": {"type": "string"}}, "unevaluatedProperties": False}
    assert compatible(old, new, "backward") and not compatible(old, new, "forward")   # {"b": "x"} newly valid
    assert not compatible(new, old, "backward") and compatible(new, old, "forward")


def test_unevaluated_properties_sees_properties_of_allof_members():
    old = {"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": False}
    new = {"allOf": [{"properties": {"a": {}, "b": {"type": "string"}}}], "unevaluatedProperties": False}
    assert compatible(old, new, "backward") and not compatible(old, new, "forward")


# -- 6. no merging of keywords that only interact inside one object -----------------------------------------
@pytest.mark.parametrize("split,joined", [
    ({"allOf": [{"patternProperties": {"^x": {}}}, {"additionalProperties": False}]},
     {"patternProperties": {"^x": {}}, "additionalProperties": False}),
    ({"allOf": [{"prefixItems": [{"type": "string"}]}, {"items": False}]},
     {"prefixItems": [{"type": "string"}], "items": False}),
    ({"allOf": [{"if": {"type": "string"}}, {"then": {"maxLength": 1}}]},
     {"if": {"type": "string"}, "then": {"maxLength": 1}}),
    ({"$defs": {"T": {"patternProperties": {"^x": {}}}}, "$ref": "#/$defs/T", "additionalProperties": False},
     {"$defs": {"T": {"patternProperties": {"^x": {}}}}, "patternProperties": {"^x": {}}, "additionalProperties": False}),
])
def test_split_and_joined_forms_are_not_taken_for_the_same_schema(split, joined):
    # each joined form accepts what the split one rejects, or the reverse: never "no change"
    assert not compatible(split, joined, "full") and not compatible(joined, split, "full")


def test_merging_that_is_exact_still_compares_exactly():
    split = {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a"]}]}
    joined = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert compatible(split, joined, "full")


# -- 7. if/then/else through $ref ---------------------------------------------------------------------------
def _conditional(tag):
    return {"$defs": {"C": {"properties": {"k": {"const": tag}}, "required": ["k"]}},
            "if": {"$ref": "#/$defs/C"}, "then": {"required": ["x"]}}


def test_if_whose_ref_target_changed_is_a_changed_condition():
    kinds = {c.kind for c in diff_schemas(_conditional("a"), _conditional("b"), policy="backward")}
    assert "conditional-changed" in kinds


def test_same_if_through_ref_compares_then_exactly():
    old = _conditional("a")
    new = {**old, "then": {"required": ["x", "y"]}}
    changes = diff_schemas(old, new, policy="backward")
    assert [c.kind for c in changes] == ["added-required"] and not any(c.undecidable for c in changes)


# -- 8. dialect details ------------------------------------------------------------------------------------
def test_draft04_boolean_exclusive_bounds():
    old = {"$schema": D4, "type": "number", "minimum": 0}
    new = {**old, "exclusiveMinimum": True}
    assert not compatible(old, new, "backward") and compatible(old, new, "forward")
    old = {"$schema": D4, "type": "number", "maximum": 5, "exclusiveMaximum": True}
    assert not compatible(old, {**old, "exclusiveMaximum": False}, "forward")
    assert diff_schemas(new, {**new}) == []


def test_min_contains_defaults_to_one():
    old = {"type": "array", "contains": {"type": "string"}}
    assert not compatible(old, {**old, "minContains": 0}, "forward")   # [] is accepted now
    assert diff_schemas(old, {**old, "minContains": 1}, policy="full") == [] or \
        compatible(old, {**old, "minContains": 1}, "full")


def test_nullable_is_not_a_keyword():
    old, new = {"type": "string", "nullable": True}, {"type": ["string", "null"]}
    assert not compatible(old, new, "forward")   # null was never valid under old
    assert {c.kind for c in diff_schemas({"type": "string"}, old)} == {"cosmetic"}


def test_dependencies_is_a_keyword_only_up_to_draft_07():
    obj = {"type": "object"}
    assert not compatible(obj, {**obj, "dependentRequired": {"a": ["b"]}}, "backward")
    # in 2020-12 `dependencies` does nothing: replacing it by dependentRequired narrows
    assert not compatible({**obj, "dependencies": {"a": ["b"]}}, {**obj, "dependentRequired": {"a": ["b"]}},
                          "backward")
    assert {c.kind for c in diff_schemas(obj, {**obj, "dependencies": {"a": ["b"]}})} == {"cosmetic"}
    d7 = {"$schema": D7, **obj}
    assert not compatible(d7, {**d7, "dependencies": {"a": ["b"]}}, "backward")


# -- 9. regex: ECMA-262 `.` ----------------------------------------------------------------------------------
def test_ecma_dot_excludes_line_terminators():
    assert compare_patterns("^a.b$", "^a[^\\n\\r\\u2028\\u2029]b$")[0] == EQUAL
    assert compare_patterns("^ab", "^ab.*$")[0] == NARROWER      # "ab\n" no longer matches
    assert compare_patterns("^a.b$", "^a[^\\n]b$")[0] == WIDER    # "a\rb" matches now
    assert compare_patterns("^a.+$", "^a.+$")[0] == EQUAL


# -- 10. versions ------------------------------------------------------------------------------------------
NARROWING = [c for c in diff_schemas({"type": "string"}, {"type": "string", "maxLength": 3})]


def test_prerelease_is_measured_from_the_release_it_leads_to():
    codes = lambda old, new: [p.code for p in check_version_bump(old, new, NARROWING, content_changed=True)]  # noqa: E731
    assert codes("1.0.0-rc.1", "1.1.0") == ["bump-too-small"]
    assert codes("1.0.0-rc.1", "2.0.0") == []
    assert codes("1.0.0-rc.1", "1.0.0") == []          # documented: no promise between a pre-release and its release
    assert codes("1.2.0", "1.3.0-rc.1") == ["bump-too-small"]


def test_build_metadata_only_change_is_not_no_bump(tmp_path):
    root = _repo(tmp_path)
    _commit(root, {PATH: {**SCHEMA, "$version": "1.0.0+build.2"}})
    assert check(root, select=["C4"], base="HEAD~1") == []
    _commit(root, {PATH: {**SCHEMA, "description": "x", "$version": "1.0.0+build.3"}})
    assert rules(check(root, select=["C4"], base="HEAD~1")) == ["C4.no-bump"]


def test_compat_json_carries_version_problems(tmp_path, capsys):
    old = {"$version": "1.0.0", "type": "string"}
    code, out = _run_compat(tmp_path, capsys, old, {**old, "maxLength": 3}, "--format", "json")
    data = json.loads(out.out)
    assert data["version"]["problems"][0]["code"] == "no-bump" and code == 1
    code, out = _run_compat(tmp_path, capsys, old, {**old, "maxLength": 3, "$version": "2.0.0"}, "--format", "json")
    assert json.loads(out.out)["version"] == {"old": "1.0.0", "new": "2.0.0", "ok": True, "problems": []}
    assert code == 0


# -- 11. the seed: anyOf of types is a type change ------------------------------------------------------------
def test_seed_type_widening_through_anyof_is_major_like_a_type_array():
    old = {"type": "string"}
    assert bump(old, {"type": ["string", "integer"]}) == "major"
    assert bump(old, {"anyOf": [{"type": "string"}, {"type": "integer"}]}) == "major"
    assert bump(old, {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "backward") == "minor"


def test_seed_anyof_with_the_same_types_is_not_a_type_change():
    old = {"type": ["string", "null"], "maxLength": 3}
    new = {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "null"}]}
    assert bump(old, new) in ("none", "patch")
