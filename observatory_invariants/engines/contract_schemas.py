"""The contracts folder as data: a schema document parsed once, and an offline ``$ref`` registry.

Shared by C1/C2 (instances), C3 (schema sanity) and C5 (VERSIONS.md); the rules gather the documents
through the workspace (rules/contracts/inputs.py).
``$ref`` resolves by ``$id`` across the contracts folder only: the registry's
retrieve hook refuses every URI it does not hold, so nothing is ever fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Iterable

from ..parsers.strict_json import JsonProblem, parse_json

DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class JsonDocument:
    """A JSON file: its text, and either its value or why it has none."""

    path: str
    text: str
    value: Any = None
    problem: JsonProblem | None = None

    @property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_document(path: str, text: str) -> JsonDocument:
    value, problem = parse_json(text)
    return JsonDocument(path, text, value, problem)




def normalize_uri(uri: str) -> str:
    """``$id`` spelled with or without an empty fragment names the same resource."""
    return uri[:-1] if uri.endswith("#") else uri


def usable_schemas(docs: Iterable[JsonDocument]) -> list[JsonDocument]:
    return [d for d in docs if d.ok and isinstance(d.value, dict)]


def validator_class(schema: dict):
    """The jsonschema validator for the dialect the schema names (2020-12 when it names none)."""
    from jsonschema.validators import validator_for
    import jsonschema

    return validator_for(schema, default=jsonschema.Draft202012Validator)


class _Refused(Exception):
    pass


def build_registry(docs: Iterable[JsonDocument]):
    """A ``referencing.Registry`` of every usable schema under its ``$id``; unknown URIs are refused."""
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT202012

    def refuse(uri: str):
        # Offline by design: a $ref to anything outside the contracts folder is unresolvable.
        raise NoSuchResource(ref=uri)

    resources = []
    for doc in usable_schemas(docs):
        schema_id = doc.value.get("$id")
        if isinstance(schema_id, str) and schema_id:
            try:
                resource = Resource.from_contents(doc.value, default_specification=DRAFT202012)
            except Exception:  # an unknown $schema: C3 reports it; keep the rest usable
                resource = DRAFT202012.create_resource(doc.value)
            resources.append((normalize_uri(schema_id), resource))
    from jsonschema_specifications import REGISTRY as METASCHEMAS

    # The dialects' own metaschemas resolve too (as they do for the validator), offline: they ship
    # with jsonschema. Crawled once here, not again for each validator built on the registry.
    return METASCHEMAS.combine(Registry(retrieve=refuse).with_resources(resources)).crawl()
