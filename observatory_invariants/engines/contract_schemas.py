"""The contracts folder as data: a schema document parsed once, and an offline ``$ref`` registry.

Shared by C1/C2 (instances), C3 (schema sanity) and C5 (VERSIONS.md); the rules gather the documents
through the workspace (rules/contracts/inputs.py).
``$ref`` resolves by ``$id`` across the contracts folder only: the registry's
retrieve hook refuses every URI it does not hold, so nothing is ever fetched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
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


def stock_validator_class(schema: dict):
    """jsonschema's own validator class for the dialect the schema names (2020-12 when it names none)."""
    from jsonschema.validators import validator_for
    import jsonschema

    return validator_for(schema, default=jsonschema.Draft202012Validator)


# --- "valid against its metaschema", fast ---------------------------------------------------------------------
# jsonschema walks the 2020-12 metaschema ($dynamicRef through seven vocabularies) in pure Python: ~3 ms a schema,
# most of C3 on a large contracts folder (1.9 s for 500 schemas). jsonschema-rs answers the same yes/no question in
# microseconds. It is only ever asked for a "yes": a schema it accepts has no metaschema finding to report;
# anything else (rejected, a failure, a dialect it lacks, nesting deeper than jsonschema can walk) goes to
# jsonschema, which words every finding. tests/checks/test_metaschema_fast_path.py holds the two engines to
# that: the Rust engine never accepts a schema jsonschema rejects.

FAST_METASCHEMA_MIN_SCHEMAS = 5   # below this, importing the Rust engine (~10 ms) costs more than it saves
_FAST_MAX_NESTING = 64            # JSON nesting levels; jsonschema's recursion gives out at ~170 (2020-12 allOf)


def metaschema_accepts(cls, document) -> bool:
    """True when jsonschema-rs validates ``document`` against ``cls``'s metaschema, so ``cls(cls.META_SCHEMA)``
    finds no error either; False when it rejects it or cannot say (not installed, another dialect, too deep)."""
    validator = _rust_metaschema_validator(cls)
    if validator is None or not _plain_enough(document, _FAST_MAX_NESTING):
        return False
    try:
        return validator.is_valid(document) is True
    except Exception:  # noqa: BLE001 - a value it cannot take (an integer beyond 64 bits): jsonschema decides
        return False


@lru_cache(maxsize=None)
def _rust_metaschema_validator(cls):
    import jsonschema

    # jsonschema's own classes only (a subclass or Draft 3 is not the dialect jsonschema-rs knows by that name)
    if cls not in (jsonschema.Draft4Validator, jsonschema.Draft6Validator, jsonschema.Draft7Validator,
                   jsonschema.Draft201909Validator, jsonschema.Draft202012Validator):
        return None
    try:
        import jsonschema_rs
    except ImportError:   # an interpreter without its wheel: jsonschema alone, the same findings, slower
        return None

    def refuse(uri: str):   # the metaschemas are built in; nothing else is ever fetched
        raise ValueError(f"{uri}: not fetched (offline)")

    try:
        return getattr(jsonschema_rs, cls.__name__)(cls.META_SCHEMA, validate_formats=False, retriever=refuse)
    except Exception:  # noqa: BLE001 - an engine version that differs: jsonschema alone
        return None


def _plain_enough(value, limit: int) -> bool:
    """No nesting deeper than ``limit`` and no non-finite number (``1e400`` parses as inf; the Rust engine's
    ``uniqueItems`` tells two infinities apart, jsonschema does not): what the two engines judge alike."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, dict):
            items = node.values()
        elif isinstance(node, list):
            items = node
        else:
            continue
        for child in items:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
            elif isinstance(child, float) and not math.isfinite(child):
                return False
    return not (isinstance(value, float) and not math.isfinite(value))


def validator_class(schema: dict):
    """The jsonschema validator for the dialect the schema names (2020-12 when it names none), with
    ``pattern`` and ``patternProperties`` evaluated as ECMA-262 in linear time (see :func:`linear_time`)."""
    return linear_time(stock_validator_class(schema))


# --- ECMA-262 patterns in linear time ---------------------------------------------------------------------
# jsonschema evaluates `pattern`, `patternProperties` (and the property sets that additionalProperties and
# unevaluatedProperties derive from them) with Python's backtracking `re`: a hostile fixture can make that take
# exponential time. These keyword functions are jsonschema's (MIT), with parsers.ecma_regex.search in place of
# re.search. A pattern that cannot be evaluated in linear time raises ecma_regex.UnsupportedPattern (or
# InvalidPattern) out of validation: the caller reports that the instance could not be validated.

class PatternNotApplied(Exception):
    """A schema pattern that cannot be evaluated (not ECMA-262, or not in linear time); names the pattern."""

    def __init__(self, pattern: str, reason: str):
        super().__init__(f"pattern {pattern[:200]!r} cannot be applied: {reason}")
        self.pattern = pattern
        self.reason = reason


def _search(pattern, text: str) -> bool:
    from ..parsers.ecma_regex import InvalidPattern, UnsupportedPattern, search

    if not isinstance(pattern, str):
        raise PatternNotApplied(str(pattern), "a pattern must be a string")
    try:
        return search(pattern, text)
    except UnsupportedPattern as exc:
        raise PatternNotApplied(pattern, f"{exc} (observatory-invariants evaluates patterns with RE2, in linear "
                                         "time: no backreferences or lookaround)") from None
    except InvalidPattern as exc:
        raise PatternNotApplied(pattern, f"it is not an ECMA-262 regular expression ({exc})") from None


def _pattern(validator, patrn, instance, schema):
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object") or not validator.is_type(pattern_properties, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _matched_by_patterns(schema, key: str) -> bool:
    patterns = schema.get("patternProperties")
    return isinstance(patterns, dict) and any(_search(p, key) for p in patterns)


def _additional_properties(validator, additional, instance, schema):
    from jsonschema._utils import extras_msg
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    properties = properties if isinstance(properties, dict) else {}
    extras = {k for k in instance if k not in properties and not _matched_by_patterns(schema, k)}
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            patterns = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            error = "Additional properties are not allowed (%s %s unexpected)"
            yield ValidationError(error % extras_msg(sorted(extras, key=str)))


def _evaluated_keys(validator, instance, schema) -> list:
    """jsonschema's find_evaluated_property_keys_by_schema (2020-12), patterns in linear time."""
    from jsonschema._utils import is_valid

    if validator.is_type(schema, "boolean") or not isinstance(schema, dict):
        return []
    keys: list = []
    for keyword in ("$ref", "$dynamicRef"):
        ref = schema.get(keyword)
        if ref is not None:
            resolved = validator._resolver.lookup(ref)
            keys += _evaluated_keys(validator.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                                    instance, resolved.contents)
    properties = schema.get("properties")
    if validator.is_type(properties, "object"):
        keys += properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        subschema = schema.get(keyword)
        if subschema is not None:
            keys += (key for key, value in instance.items() if is_valid(validator.descend(value, subschema)))
    if "patternProperties" in schema:
        keys += (key for key in instance if _matched_by_patterns(schema, key))
    dependent = schema.get("dependentSchemas")
    if isinstance(dependent, dict):
        for key, subschema in dependent.items():
            if key in instance:
                keys += _evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if is_valid(validator.descend(instance, subschema)):
                keys += _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys += _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys += _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys += _evaluated_keys(validator, instance, schema["else"])
    return keys


def _unevaluated_properties(validator, unevaluated, instance, schema):
    from jsonschema._utils import extras_msg
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    evaluated = set(_evaluated_keys(validator, instance, schema))
    bad = [key for key in instance if key not in evaluated
           and next(iter(validator.descend(instance[key], unevaluated, path=key, schema_path=key)), None) is not None]
    if bad:
        if unevaluated is False:
            error = "Unevaluated properties are not allowed (%s %s unexpected)"
            yield ValidationError(error % extras_msg(sorted(bad, key=str)))
        else:
            error = "Unevaluated properties are not valid under the given schema (%s %s unevaluated and invalid)"
            yield ValidationError(error % extras_msg(bad))


@lru_cache(maxsize=None)
def linear_time(cls):
    """``cls`` with the pattern keywords replaced (unevaluatedProperties too, for 2020-12), built once per class."""
    from jsonschema import validators

    replaced = {"pattern": _pattern, "patternProperties": _pattern_properties,
                "additionalProperties": _additional_properties}
    if "unevaluatedProperties" in cls.VALIDATORS and "$dynamicRef" in cls.VALIDATORS:
        replaced["unevaluatedProperties"] = _unevaluated_properties
    if getattr(cls, "_linear_time", False):
        return cls
    extended = validators.extend(cls, replaced)
    extended.__name__, extended.__qualname__ = cls.__name__, cls.__qualname__   # messages name the dialect
    extended._linear_time = True

    def evolve(self, **changes):
        # jsonschema's evolve, except that a subschema naming its own $schema (a $ref to another document) gets
        # the linear-time version of that dialect's class, not the stock one.
        import attrs
        from jsonschema.validators import validator_for

        schema = changes.setdefault("schema", self.schema)
        new_cls = linear_time(validator_for(schema, default=type(self)))
        for f in attrs.fields(type(self)):
            if f.init and f.alias not in changes:
                changes[f.alias] = getattr(self, f.name)
        return new_cls(**changes)

    extended.evolve = evolve
    return extended


def make_validator(schema: dict, registry, format_checker=None):
    """A linear-time validator for ``schema`` over ``registry``: the resolver is made here from the registry
    (which already holds the metaschemas), not merged again by jsonschema for every schema — that merge copies
    the whole registry, so validating N chained schemas cost N^2."""
    from referencing.jsonschema import DRAFT202012, specification_with

    cls = validator_class(schema)
    return cls(schema, registry=registry, format_checker=format_checker,
               _resolver=registry.resolver_with_root(root_resource(schema)))


def root_resource(schema):
    """A ``referencing`` resource for a schema as the root of its own resolver. A root ``$id`` that is not a
    string (C3 reports it) is left out: it would crash the resolver, and it names nothing."""
    from referencing.jsonschema import DRAFT202012, specification_with

    if isinstance(schema, dict) and "$id" in schema and not isinstance(schema["$id"], str):
        schema = {k: v for k, v in schema.items() if k != "$id"}
    dialect = schema.get("$schema") if isinstance(schema, dict) else None
    try:
        specification = specification_with(dialect, default=DRAFT202012) if isinstance(dialect, str) else DRAFT202012
        return specification.create_resource(schema)
    except Exception:
        return DRAFT202012.create_resource(schema)


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
            try:   # a schema whose structure cannot be walked ("properties": [1], "$id": 5 inside) stays out
                Registry(retrieve=refuse).with_resource(normalize_uri(schema_id), resource).crawl()
            except Exception:   # of the registry, so that the others still resolve; C3 reports what is wrong
                continue
            resources.append((normalize_uri(schema_id), resource))
    from jsonschema_specifications import REGISTRY as METASCHEMAS

    # The dialects' own metaschemas resolve too (as they do for the validator), offline: they ship
    # with jsonschema. Crawled once here, not again for each validator built on the registry.
    return METASCHEMAS.combine(Registry(retrieve=refuse).with_resources(resources)).crawl()
