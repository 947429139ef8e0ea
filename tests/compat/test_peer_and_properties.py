"""Independent evidence: a cross-check against jsoncompat, and property tests with generated instances."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, HealthCheck, given, settings
from hypothesis import strategies as st

from observatory_invariants.engines.compat import diff_schemas, is_compatible
from tests.compat.corpus import generate, to_2020_12

CORPUS = generate()
ROLES = {"backward": "deserializer", "forward": "serializer", "full": "both"}
# Measured: 855 of 957 answers agree (89.3 %). Every disagreement must fall in an explained category.
AGREEMENT_FLOOR = 0.88
EXPLAINED = {
    # jsoncompat ignores `pattern` (documented); greenery decides containment, so we are right:
    # old ^[a-z]+$ accepts "xyz", new ^[a-c]+$ rejects it.
    "pattern-": "peer ignores pattern",
    # jsoncompat treats `format` as an annotation; this tool asserts formats (SPEC: uuid, date-time matter):
    # old {"type": "string"} accepts "not-a-uuid", new {"format": "uuid"} rejects it.
    "format-": "peer ignores format",
    # adding `not` only narrows: every string new {"type": "string", "not": {"const": "x"}} accepts is a
    # string old {"type": "string"} accepts, so forward holds; jsoncompat answers conservatively.
    "not-added": "peer is conservative about not",
}


def _peer(schema):
    schema = to_2020_12(schema)
    schema.pop("$id", None)      # jsoncompat resolves only local '#/...' pointers
    schema.pop("$version", None)
    return json.dumps(schema)


def test_agreement_with_jsoncompat_and_every_disagreement_is_explained():
    jsoncompat = pytest.importorskip("jsoncompat")
    agree, total, unexplained = 0, 0, []
    for name, old, new, _ in CORPUS:
        for policy, role in ROLES.items():
            ours = is_compatible(diff_schemas(old, new, policy=policy))
            theirs = jsoncompat.check_compat(_peer(old), _peer(new), role)
            total += 1
            if ours == theirs:
                agree += 1
            elif not any(name.startswith(prefix) for prefix in EXPLAINED):
                unexplained.append((name, policy, ours, theirs))
    assert len(CORPUS) >= 200
    assert unexplained == []
    assert agree / total >= AGREEMENT_FLOOR, (agree, total)


# -- property tests: what the engine calls compatible really is ---------------------------------------------
def _ecma_pattern(validator, pattern, instance, schema):
    import re

    from jsonschema.exceptions import ValidationError

    # JSON Schema patterns are ECMA-262 regexes, where \d and \w are ASCII only (Python's re: any Unicode digit).
    if validator.is_type(instance, "string") and not re.search(pattern, instance, re.ASCII):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _validator(schema):
    import jsonschema
    from jsonschema.validators import extend, validator_for

    cls = validator_for(schema, default=jsonschema.Draft202012Validator)
    cls = extend(cls, {"pattern": _ecma_pattern})
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _generatable(pairs):
    """Pairs hypothesis-jsonschema can draw from (no look-arounds; draft-07 rewritten)."""
    return [(name, to_2020_12(old), to_2020_12(new)) for name, old, new, _ in pairs
            if "undecidable" not in name and "recursive" not in name]


def _compatible_pairs(policy):
    return [p for p in _generatable(CORPUS) if is_compatible(diff_schemas(p[1], p[2], policy=policy))]


BACKWARD = _compatible_pairs("backward")
FORWARD = _compatible_pairs("forward")
_STRATEGIES: dict = {}


def _instances(schema_json: str):
    from hypothesis_jsonschema import from_schema

    if schema_json not in _STRATEGIES:
        _STRATEGIES[schema_json] = from_schema(json.loads(schema_json))
    return _STRATEGIES[schema_json]


_SETTINGS = settings(max_examples=150, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))


@_SETTINGS
@given(st.data())
def test_backward_compatible_pairs_accept_every_old_instance(data):
    name, old, new = data.draw(st.sampled_from(BACKWARD), label="pair")
    instance = data.draw(_instances(json.dumps(old, sort_keys=True)), label="old instance")
    # hypothesis-jsonschema draws patterns with Python's re (\d matches '٠'); keep only real ECMA-262 instances.
    assume(_validator(old).is_valid(instance))
    assert _validator(new).is_valid(instance), (name, instance)


@_SETTINGS
@given(st.data())
def test_forward_compatible_pairs_old_accepts_every_new_instance(data):
    name, old, new = data.draw(st.sampled_from(FORWARD), label="pair")
    instance = data.draw(_instances(json.dumps(new, sort_keys=True)), label="new instance")
    assume(_validator(new).is_valid(instance))  # see the backward test
    assert _validator(old).is_valid(instance), (name, instance)


def test_property_tests_cover_many_pairs():
    assert len(BACKWARD) >= 60 and len(FORWARD) >= 60


def test_counterexample_for_an_incompatible_pair():
    from observatory_invariants.engines.compat.examples import find_counterexample

    old = {"type": "object", "properties": {"status": {"enum": ["A", "B"]}}, "required": ["status"]}
    new = {"type": "object", "properties": {"status": {"enum": ["A"]}}, "required": ["status"]}
    (instance,) = find_counterexample(old, new)
    assert instance["status"] == "B"
    assert find_counterexample(new, old) is None
