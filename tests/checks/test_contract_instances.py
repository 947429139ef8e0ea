"""C1/C2: golden fixtures validate, negative fixtures fail for a schema reason."""

import json
import socket

import pytest

from observatory_invariants.engines.contract_schemas import parse_document
from observatory_invariants.rules.contracts.c1_c2_instances import Instance, check_instances, schema_for_fixture

D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"

JOB = {"$schema": D7, "$id": "https://example.test/job.json", "$version": "1.0.0", "type": "object",
       "required": ["id", "status"],
       "properties": {"id": {"type": "string", "format": "uuid"},
                      "status": {"enum": ["PENDING", "DONE"]},
                      "createdAt": {"type": "string", "format": "date-time"},
                      "tags": {"type": "array", "items": {"type": "string"}}}}
EVENT = {"$schema": D2020, "$id": "https://example.test/event-envelope.json", "$version": "1.0.0", "type": "object",
         "required": ["eventId", "payload"],
         "properties": {"eventId": {"type": "string", "format": "uuid"},
                        "payload": {"oneOf": [{"$ref": "https://example.test/job.json"},
                                              {"type": "object", "required": ["jobId"],
                                               "properties": {"jobId": {"type": "string"}}}]}}}
UUID = "8a3e1f5c-2b7d-4c1e-9f0a-5d6b7c8e9f01"


def schemas(*extra):
    return [parse_document(f"contracts/schemas/{s['$id'].rsplit('/', 1)[-1]}", json.dumps(s)) for s in (JOB, EVENT, *extra)]


def run(name, instance, valid=True, stem=None, extra=()):
    text = instance if isinstance(instance, str) else json.dumps(instance, indent=2)
    folder = "golden" if valid else "negative"
    doc = parse_document(f"contracts/fixtures/{folder}/{name}", text)
    return check_instances(schemas(*extra), [Instance(doc, valid, stem)], job_schemas=["job"],
                           formats=["uuid", "date-time"])


def test_valid_golden_job_passes():
    assert run("job-ok.json", {"id": UUID, "status": "DONE", "createdAt": "2026-11-29T10:00:00Z"}) == []


def test_valid_golden_event_through_cross_file_ref_passes():
    assert run("event-envelope-created.json", {"eventId": UUID, "payload": {"id": UUID, "status": "PENDING"}}) == []


@pytest.mark.parametrize("instance, expected", [
    ({"id": "nope", "status": "DONE"}, "is not a 'uuid'"),                                  # uuid checked on draft-07
    ({"id": UUID, "status": "DONE", "createdAt": "yesterday"}, "is not a 'date-time'"),
    ({"id": UUID, "status": "LOST"}, "is not one of"),
    ({"status": "DONE"}, "'id' is a required property"),
    ({"id": UUID, "status": "DONE", "tags": ["a", 3]}, "instance at /tags/1"),
])
def test_golden_job_catches(instance, expected):
    [f] = run("job-x.json", instance)
    assert f.rule == "C2.nonconforming" and expected in f.message


def test_golden_event_is_c1_and_names_closest_oneof_branch():
    [f] = run("event-envelope-x.json", {"eventId": UUID, "payload": {"jobId": 42}})
    assert f.rule == "C1.nonconforming"
    assert "closest is branch 1" in f.message and "instance at /payload/jobId" in f.message
    assert (f.line, f.column) == (4, 5)  # the "jobId" member


def test_negative_fixture_that_fails_passes():
    assert run("job-missing-id.json", {"status": "DONE"}, valid=False) == []


def test_negative_fixture_that_validates_is_caught():
    [f] = run("job-accepted.json", {"id": UUID, "status": "DONE"}, valid=False)
    assert f.rule == "C2.negative-accepted" and "negative fixture is accepted" in f.message


def test_negative_fixture_with_broken_json_is_caught_with_position():
    [f] = run("job-broken.json", '{"id": }', valid=False)
    assert "well-formed JSON" in f.message and (f.line, f.column) == (1, 8)


def test_fixture_without_schema_is_caught():
    [f] = run("orders-1.json", {})
    assert "no schema matches" in f.message


@pytest.mark.parametrize("name, expected", [
    ("job-accepted-x.json", "job-accepted"),
    ("job-missing-id.json", "job"),
    ("job.json", "job"),
    ("jobs-1.json", None),
    ("event-envelope-created.json", "event-envelope"),
])
def test_schema_for_fixture_takes_longest_prefix(name, expected):
    assert schema_for_fixture(name, ["job", "job-accepted", "event-envelope", "event"]) == expected


def test_remote_ref_is_a_finding_and_never_a_connection(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    remote = {"$schema": D2020, "$id": "https://example.test/remote.json", "$version": "1.0.0",
              "properties": {"x": {"$ref": "http://schemas.example.com/x.json"}}}
    [f] = run("remote-1.json", {"x": 1}, extra=(remote,))
    assert "does not resolve offline" in f.message
    assert attempts == []


def test_ref_cycle_is_a_finding_not_a_crash():
    loop = {"$schema": D2020, "$id": "https://example.test/loop.json", "$version": "1.0.0",
            "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}
    [f] = run("loop-1.json", {}, extra=(loop,))
    assert "cannot validate" in f.message


def test_deeply_nested_instance_is_a_finding():
    [f] = run("job-deep.json", "[" * 10000 + "]" * 10000)
    assert "nested too deeply" in f.message


def test_explicit_schema_mapping_validates_extra_files():
    doc = parse_document("data/messages/m1.json", json.dumps({"id": "x", "status": "DONE"}))
    [f] = check_instances(schemas(), [Instance(doc, True, "job")], job_schemas=["job"], formats=["uuid"])
    assert f.rule == "C2.nonconforming" and f.path == "data/messages/m1.json"


def test_schema_lookup_cost_does_not_depend_on_schema_count():
    stems = {f"schema-{i}" for i in range(20000)} | {"job"}
    assert schema_for_fixture("job-x-y.json", stems) == "job"
    assert schema_for_fixture("schema-19999-ok.json", stems) == "schema-19999"


@pytest.mark.parametrize("text, expected, position", [
    ('{"id": NaN, "status": "DONE"}', "NaN is not a JSON value", (1, 8)),
    ('{"id": "a",\n "id": "b"}', "key 'id' appears twice", (2, 2)),
])
def test_json_that_python_accepts_but_json_does_not(text, expected, position):
    [f] = run("job-odd.json", text)
    assert expected in f.message and (f.line, f.column) == position


def test_too_deep_negative_fixture_does_not_claim_broken_json():
    [f] = run("job-deep.json", "[" * 10000 + "]" * 10000, valid=False)
    assert "nested too deeply" in f.message and "well-formed" not in f.message
