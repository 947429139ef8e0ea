"""C3: schema sanity — catches / does-not-catch, one line each."""

import json

import pytest

from observatory_invariants.engines.contract_schemas import parse_document
from observatory_invariants.rules.contracts.c3_schema_sanity import check_schemas

D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"
DIALECTS = [D7, D2020]


def good(stem="job", **extra):
    return {"$schema": D2020, "$id": f"https://example.test/{stem}.json", "$version": "1.0.0", "type": "object",
            **extra}


def c3(*schemas, texts=None):
    docs = [parse_document(f"contracts/schemas/{i}-{s.get('$id', 'x').rsplit('/', 1)[-1]}" if isinstance(s, dict)
                           else f"contracts/schemas/{i}.json", json.dumps(s, indent=2))
            for i, s in enumerate(schemas)]
    docs += [parse_document(path, text) for path, text in (texts or {}).items()]
    return check_schemas(docs, dialects=DIALECTS)


def messages(findings):
    return " | ".join(f.message for f in findings)


def test_clean_schema_passes():
    assert c3(good()) == []


def test_clean_draft07_with_definitions_ref_passes():
    assert c3(good(**{"$schema": D7, "definitions": {"a": {"type": "string"}},
                      "properties": {"x": {"$ref": "#/definitions/a"}}})) == []


@pytest.mark.parametrize("schema, expected", [
    ({k: v for k, v in good().items() if k != "$version"}, 'missing "$version"'),
    (good(**{"$version": "1.0"}), "is not SemVer"),
    (good(**{"$version": "v1.0.0"}), "is not SemVer"),
    (good(**{"$version": 1}), "must be a SemVer string"),
    ({k: v for k, v in good().items() if k != "$id"}, 'missing "$id"'),
    (good(**{"$id": ""}), "non-empty URI"),
    ({k: v for k, v in good().items() if k != "$schema"}, 'missing "$schema"'),
    (good(**{"$schema": "http://json-schema.org/draft-03/schema#"}), "not an accepted dialect"),
    (good(type="strin"), "not a valid Draft202012 schema"),
    (good(properties={"a": {"minLength": -1}}), "/properties/a/minLength"),
    (good(properties={"a": {"$ref": "#/$defs/missing"}}), "does not resolve"),
    (good(properties={"a": {"$ref": "https://elsewhere.example/x.json"}}), "remote references are never fetched"),
    (good(**{"$ref": "#"}), "cycle"),
    (good(**{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}), "cycle"),
])
def test_catches(schema, expected):
    assert expected in messages(c3(schema))


def test_catches_duplicate_id_and_names_first_file():
    findings = c3(good("job"), good("job"))
    assert len(findings) == 1 and "already used by contracts/schemas/0-job.json" in findings[0].message


def test_catches_invalid_json_with_line_and_column():
    [f] = c3(texts={"contracts/schemas/bad.json": '{\n  "a": 1,\n  "b": \n}'})
    assert f.rule == "C3.invalid-json" and (f.line, f.column) == (4, 1) and "invalid JSON" in f.message


@pytest.mark.parametrize("text, expected", [
    ("", "empty"),
    ("[1, 2]", "must be a JSON object, not array"),
    ('"x"', "must be a JSON object, not string"),
    ("[" * 10000 + "]" * 10000, "nested too deeply"),
])
def test_catches_non_schemas(text, expected):
    [f] = c3(texts={"contracts/schemas/odd.json": text})
    assert expected in f.message


def test_recursive_schema_through_properties_is_not_a_cycle():
    tree = good(**{"$defs": {"node": {"type": "object", "properties": {
        "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}}, properties={"root": {"$ref": "#/$defs/node"}})
    assert c3(tree) == []


def test_cross_file_ref_by_id_resolves_offline():
    common = good("common", **{"$defs": {"uuid": {"type": "string", "format": "uuid"}}})
    user = good("user", properties={"id": {"$ref": "https://example.test/common.json#/$defs/uuid"}})
    relative = good("rel", properties={"id": {"$ref": "common.json#/$defs/uuid"}})
    assert c3(common, user, relative) == []


def test_property_named_ref_is_not_a_reference():
    assert c3(good(properties={"$ref": {"type": "string"}})) == []


def test_finding_points_at_the_version_line():
    [f] = c3(good(**{"$version": "2"}))
    assert f.line == 4 and f.path.endswith(".json")


def test_precommit_mode_checks_the_staged_schema_and_refs_into_it():
    docs = [parse_document("contracts/schemas/a.json", json.dumps(good("a", **{"$version": "bad"}))),
            parse_document("contracts/schemas/b.json", json.dumps(good("b", **{"$version": "bad"}))),
            parse_document("contracts/schemas/c.json", json.dumps(good("c", properties={
                "x": {"$ref": "https://example.test/gone.json"}})))]
    findings = check_schemas(docs, dialects=DIALECTS, only=["contracts/schemas/a.json"])
    assert {(f.path, "SemVer" in f.message) for f in findings} == {
        ("contracts/schemas/a.json", True), ("contracts/schemas/c.json", False)}


def test_metaschema_ref_resolves_offline_like_the_validator():
    assert c3(good(properties={"s": {"$ref": "https://json-schema.org/draft/2020-12/schema"}})) == []


def test_schema_without_id_still_has_its_refs_checked():
    no_id = {k: v for k, v in good(properties={"a": {"$ref": "#/$defs/a"}, "b": {"$ref": "http://x.example/b"}},
                                   **{"$defs": {"a": {"type": "string"}}}).items() if k != "$id"}
    text = messages(c3(no_id))
    assert 'missing "$id"' in text and "never fetched" in text and "#/$defs/a" not in text


def test_two_schemas_with_one_stem_are_caught():
    docs = [parse_document("contracts/schemas/job.json", json.dumps(good("a"))),
            parse_document("contracts/schemas/v2/job.json", json.dumps(good("b")))]
    assert "also named 'job'" in messages(check_schemas(docs, dialects=DIALECTS))
