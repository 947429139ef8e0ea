"""C3's fast metaschema verdict: jsonschema-rs may only ever say "valid" where jsonschema finds no error.

The fast path skips jsonschema's walk of the metaschema for a schema the Rust engine accepts; every finding is still
worded by jsonschema. So the one thing that must never happen is the Rust engine accepting a schema jsonschema
rejects: these tests look for that on mutated real schemas and on random documents, and check C3's findings are
the same with and without the fast path.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import jsonschema
import pytest

from observatory_invariants.engines import contract_schemas as cs
from observatory_invariants.engines.contract_schemas import metaschema_accepts, parse_document
from observatory_invariants.rules.contracts import c3_schema_sanity
from observatory_invariants.rules.contracts.c3_schema_sanity import check_schemas

ROOT = Path(__file__).resolve().parents[2]
DIALECT_CLASSES = [jsonschema.Draft4Validator, jsonschema.Draft6Validator, jsonschema.Draft7Validator,
                   jsonschema.Draft201909Validator, jsonschema.Draft202012Validator]
D7 = "http://json-schema.org/draft-07/schema#"
D2020 = "https://json-schema.org/draft/2020-12/schema"

# Values that sit on the engines' edges: integer-valued floats (Draft 4 says 1.0 is not an integer), 2**70 (past
# 64 bits), a trailing newline ('$' in Python's re matches before it), duplicates for uniqueItems (1 == 1.0,
# True != 1), type names old and new, anchors and ids with and without fragments.
ATOMS = [0, 1, -1, 1.0, 1.5, -0.0, 2 ** 70, True, False, None, "", "a", "a\n", "#x", "x#", "#", "foo#bar", "_a",
         "1a", "a b", "string", "integer", "number", "object", "array", "null", "boolean", "any", [], {}, ["a", "a"],
         [1, 1.0], [True, 1], ["string", "string"], ["string", "null"], [0, False], "http://x/y#", "urn:a", "\u00e9",
         "\u0663", float("inf"), -float("inf")]   # 1e400 parses as inf


def _meta_errors(cls, document) -> bool:
    return any(True for _ in cls(cls.META_SCHEMA).iter_errors(document))


def _keywords() -> list[str]:
    from jsonschema_specifications import REGISTRY

    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                found.update(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for cls in DIALECT_CLASSES:
        walk(cls.META_SCHEMA)
    for uri in REGISTRY:   # the 2019-09 / 2020-12 vocabulary metaschemas
        walk(REGISTRY.contents(uri))
    return sorted(found)


def _real_schemas() -> list[dict]:
    docs = []
    for path in sorted(list((ROOT / "tests").rglob("*.json")) + list((ROOT / "examples").rglob("*.json"))):
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(value, dict) and ("$schema" in value or "type" in value or "properties" in value):
            docs.append(value)
    docs += [{"$schema": D2020, "$id": "https://e.test/a.json", "$version": "1.0.0", "type": "object",
              "$defs": {"id": {"type": "string", "format": "uuid"}}, "properties": {"id": {"$ref": "#/$defs/id"}},
              "required": ["id"], "additionalProperties": False},
             {"$schema": D7, "$id": "https://e.test/b.json", "definitions": {"n": {"type": "integer", "minimum": 0}},
              "properties": {"n": {"$ref": "#/definitions/n"}, "tags": {"type": "array", "items": {"enum": ["a"]}}}}]
    return docs


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


def _mutated(rng: random.Random, schema: dict, keywords: list[str]) -> dict:
    doc = copy.deepcopy(schema)
    for _ in range(rng.randint(0, 3)):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if rng.random() < 0.7 or not isinstance(parent, dict):
            parent[path[-1]] = copy.deepcopy(rng.choice(ATOMS))
        else:
            parent[rng.choice(keywords)] = copy.deepcopy(rng.choice(ATOMS))
    return doc


def _random_document(rng: random.Random, keywords: list[str], depth: int = 0):
    if depth > 3 or rng.random() < 0.45:
        return copy.deepcopy(rng.choice(ATOMS))
    if rng.random() < 0.7:
        return {rng.choice(keywords): _random_document(rng, keywords, depth + 1) for _ in range(rng.randint(0, 4))}
    return [_random_document(rng, keywords, depth + 1) for _ in range(rng.randint(0, 3))]


def _never_more_permissive(documents) -> tuple[int, int]:
    """(documents jsonschema rejects, of which the Rust engine accepted): the second must be 0."""
    rejected = accepted_anyway = 0
    for cls, document in documents:
        if _meta_errors(cls, document):
            rejected += 1
            if metaschema_accepts(cls, document):
                accepted_anyway += 1
                print("accepted by the Rust engine, rejected by jsonschema:", cls.__name__, document)
    return rejected, accepted_anyway


def test_the_fast_path_is_there_and_answers():
    """A dependency of the package: when it is missing the fast path would silently never run."""
    assert metaschema_accepts(jsonschema.Draft202012Validator, {"type": "string", "$defs": {"a": {"minimum": 1}}})
    assert metaschema_accepts(jsonschema.Draft7Validator, {"type": "string", "definitions": {"a": {}}})
    assert not metaschema_accepts(jsonschema.Draft202012Validator, {"type": 12})
    assert not metaschema_accepts(jsonschema.Draft7Validator, {"required": "a"})


@pytest.mark.parametrize("cls, document", [
    (jsonschema.Draft3Validator, {"type": "string"}),                # a dialect the Rust engine lacks
    (jsonschema.Draft202012Validator, {"maxLength": 2 ** 70}),        # past 64 bits: it cannot take it
    (jsonschema.Draft4Validator, {"minLength": 1.0}),                 # Draft 4: 1.0 is not an integer
    (jsonschema.Draft202012Validator, {"$anchor": "a\n"}),
    # the Rust engine's uniqueItems tells two infinities apart (Draft 4 puts uniqueItems on enum)
    (jsonschema.Draft4Validator, json.loads('{"enum": [1e400, 1e400]}')),
    (jsonschema.Draft4Validator, json.loads('{"enum": [[1e400], [1e400]]}')),
    (jsonschema.Draft4Validator, json.loads('{"enum": [{"a": -1e400}, {"a": -1e400}]}')),
], ids=["draft3", "huge-int", "draft4-float", "anchor-newline", "inf-twice", "inf-in-arrays", "inf-in-objects"])
def test_edge_values_are_left_to_jsonschema_or_agree(cls, document):
    assert not (metaschema_accepts(cls, document) and _meta_errors(cls, document))


def test_a_non_finite_number_anywhere_is_left_to_jsonschema():
    for text in ('{"minimum": 1e400}', '{"properties": {"a": {"enum": [1, -1e400]}}}', '{"default": [[1e400]]}'):
        assert not metaschema_accepts(jsonschema.Draft202012Validator, json.loads(text)), text
    assert metaschema_accepts(jsonschema.Draft202012Validator, json.loads('{"minimum": 1e300}'))


def test_draft4_folder_with_infinite_enum_values_keeps_its_findings(monkeypatch):
    """End to end, as the review found it: five Draft 4 schemas whose enum repeats 1e400."""
    d4 = "http://json-schema.org/draft-04/schema#"
    docs = [parse_document(f"contracts/schemas/s{k}.json",
                           f'{{"$schema": "{d4}", "id": "https://e.test/s{k}.json", "$id": "https://e.test/s{k}.json", '
                           f'"$version": "1.0.0", "enum": [1e400, 1e400]}}') for k in range(5)]
    fast = check_schemas(docs, dialects=[d4])
    monkeypatch.setattr(c3_schema_sanity, "metaschema_accepts", lambda cls, doc: False)
    assert fast == check_schemas(docs, dialects=[d4])
    assert sum(f.rule == "C3.metaschema" for f in fast) == 5


def test_nesting_deeper_than_jsonschema_can_walk_is_left_to_it():
    deep = inner = {}
    for _ in range(40):
        inner["allOf"] = [{}]
        inner = inner["allOf"][0]
    assert not metaschema_accepts(jsonschema.Draft202012Validator, deep)   # 80 JSON levels > the fast path's 64
    shallow = inner = {}
    for _ in range(10):
        inner["items"] = {}
        inner = inner["items"]
    assert metaschema_accepts(jsonschema.Draft202012Validator, shallow)


def test_never_accepts_a_mutated_real_schema_jsonschema_rejects():
    rng = random.Random(20261203)
    keywords = _keywords()
    schemas = _real_schemas()
    assert len(schemas) >= 10
    documents = []
    for _ in range(600):
        document = _mutated(rng, rng.choice(schemas), keywords)
        try:
            cls = cs.stock_validator_class(document)
        except Exception:  # a $schema that is not a string: C3's dialect finding, never the metaschema
            continue
        documents.append((cls, document))
    rejected, accepted_anyway = _never_more_permissive(documents)
    assert rejected > 100 and accepted_anyway == 0


def test_never_accepts_a_random_document_jsonschema_rejects():
    rng = random.Random(7)
    keywords = _keywords()
    documents = [(rng.choice(DIALECT_CLASSES), {rng.choice(keywords): _random_document(rng, keywords, 1)
                                                for _ in range(rng.randint(1, 4))}) for _ in range(1500)]
    rejected, accepted_anyway = _never_more_permissive(documents)
    assert rejected > 500 and accepted_anyway == 0


@pytest.mark.slow
def test_never_more_permissive_at_length():
    rng = random.Random(11)
    keywords = _keywords()
    schemas = _real_schemas()
    documents = [(rng.choice(DIALECT_CLASSES), {rng.choice(keywords): _random_document(rng, keywords, 1)
                                                for _ in range(rng.randint(1, 4))}) for _ in range(15000)]
    for _ in range(5000):
        document = _mutated(rng, rng.choice(schemas), keywords)
        try:
            documents.append((cs.stock_validator_class(document), document))
        except Exception:
            continue
    assert _never_more_permissive(documents)[1] == 0


def _folder(count: int) -> list:
    docs = []
    for k in range(count):
        schema = {"$schema": D2020 if k % 2 else D7, "$id": f"https://e.test/s{k}.json", "$version": "1.0.0",
                  "type": "object", "properties": {"a": {"type": "string"}}}
        if k % 3 == 0:
            schema["properties"]["b"] = {"type": "strin", "minLength": -1}        # two metaschema errors
        if k % 4 == 0:
            schema["required"] = "a"
        docs.append(parse_document(f"contracts/schemas/s{k}.json", json.dumps(schema, indent=2)))
    return docs


def test_c3_findings_are_the_same_with_and_without_the_fast_path(monkeypatch):
    docs = _folder(12)
    fast = check_schemas(docs, dialects=[D7, D2020])
    asked = []
    monkeypatch.setattr(c3_schema_sanity, "metaschema_accepts", lambda cls, doc: asked.append(1) or False)
    slow = check_schemas(docs, dialects=[D7, D2020])
    assert asked and fast == slow
    assert sum(f.rule == "C3.metaschema" for f in fast) >= 8


def test_a_few_schemas_do_not_load_the_rust_engine(monkeypatch):
    """A pre-commit hook with one staged schema: importing the engine would cost more than it saves."""
    def refuse(cls, doc):
        raise AssertionError("the fast path was asked for fewer schemas than it pays for")

    monkeypatch.setattr(c3_schema_sanity, "metaschema_accepts", refuse)
    docs = _folder(12)
    findings = check_schemas(docs, dialects=[D7, D2020], only=[d.path for d in docs[:cs.FAST_METASCHEMA_MIN_SCHEMAS - 1]])
    assert any(f.rule == "C3.metaschema" for f in findings)
