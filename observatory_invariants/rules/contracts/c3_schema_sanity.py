"""C3: every schema is valid JSON, valid against its metaschema, and carries a SemVer ``$version`` and a unique ``$id``.

Also: every ``$ref`` resolves offline within the contracts folder, and no
``$ref`` chain loops back on itself without consuming input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence
from urllib.parse import urljoin, urldefrag

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding
from ...parsers.jsonpos import locate, pointer
from ...engines.contract_schemas import (FAST_METASCHEMA_MIN_SCHEMAS, JsonDocument, build_registry,
                                         metaschema_accepts, normalize_uri, root_resource, stock_validator_class,
                                         usable_schemas)
from .inputs import contract_registry, gather_contract_schemas

DIALECTS = ("http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2020-12/schema")


@dataclass(frozen=True)
class SchemaOptions(Options):
    section = "contracts"

    dialects: tuple[str, ...] = option(
        "dialects", DIALECTS, "Accepted $schema dialects.",
        schema={"type": "array", "items": {"type": "string", "format": "uri"}, "minItems": 1})


INVALID_JSON = SubRule("C3.invalid-json", "A schema is not well-formed JSON, or not a JSON object")
DIALECT = SubRule("C3.dialect", "$schema is missing or not an accepted dialect")
METASCHEMA = SubRule("C3.metaschema", "A schema is not valid against its dialect's metaschema")
PATTERN = SubRule("C3.pattern", "A pattern is not an ECMA-262 regular expression")
SCHEMA_ID = SubRule("C3.id", "$id is missing, not a URI, or used by another schema")
VERSION = SubRule("C3.version", "$version is missing or not SemVer")
REF = SubRule("C3.ref", "A $ref does not resolve offline, or starts a cycle that consumes nothing")
DUPLICATE_NAME = SubRule("C3.duplicate-name", "Two schemas have the same file name")
C3 = Rule("C3", "Schemas are valid and carry a SemVer $version and a unique $id", "contracts", ("schemas",), "run",
          subrules=(INVALID_JSON, DIALECT, METASCHEMA, PATTERN, SCHEMA_ID, VERSION, REF, DUPLICATE_NAME),
          options=(SchemaOptions,), hooks=("observatory-contracts",), seed_check="test-contracts-sanity.py")
# Keywords whose values are maps of name -> subschema; a key named "$ref" there is a property name, not a reference.
_NAME_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}


def _at(doc: JsonDocument, parts) -> tuple[int, int]:
    return locate(doc.text, list(parts))


def iter_refs(schema, base: str = ""):
    """Yield (path parts, $ref value, base URI) for every ``$ref`` in a schema, iteratively."""
    stack = [(schema, [], base)]
    while stack:
        node, parts, node_base = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                node_base = urljoin(node_base, node["$id"])
            if isinstance(node.get("$ref"), str):
                yield parts + ["$ref"], node["$ref"], node_base
            for key, value in node.items():
                if key in _NAME_MAPS and isinstance(value, dict):
                    for name, sub in value.items():
                        stack.append((sub, parts + [key, name], node_base))
                elif key not in ("$ref", "const", "enum", "default", "examples") and isinstance(value, (dict, list)):
                    stack.append((value, parts + [key], node_base))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                stack.append((item, parts + [index], node_base))


def check_schema_document(doc: JsonDocument, *, dialects: Sequence[str], fast: bool = False) -> list[Finding]:
    """Problems of one schema on its own: JSON, object, dialect, metaschema, $id, $version.

    ``fast`` lets the Rust engine say "valid against the metaschema" first (the same findings, see
    :func:`~observatory_invariants.engines.contract_schemas.metaschema_accepts`)."""
    if not doc.ok:
        return [finding(INVALID_JSON, doc.path, f"schema {doc.problem.message}", doc.problem.line, doc.problem.column)]
    schema = doc.value
    if not isinstance(schema, dict):
        kind = type(schema).__name__.replace("dict", "object").replace("list", "array").replace("str", "string")
        return [finding(INVALID_JSON, doc.path, f"a schema must be a JSON object, not {kind}; wrap it as "
                                        '{"$schema": …, "$id": …, "$version": …, …}', 1, 1)]
    found: list[Finding] = []
    dialect = schema.get("$schema")
    known = {d.rstrip("#") for d in dialects}
    if dialect is None:
        found.append(finding(DIALECT, doc.path, f'missing "$schema"; name the dialect, e.g. "$schema": '
                                             f'"{dialects[-1] if dialects else "https://json-schema.org/draft/2020-12/schema"}"', 1, 1))
    elif not isinstance(dialect, str) or dialect.rstrip("#") not in known:
        line, col = _at(doc, ["$schema"])
        found.append(finding(DIALECT, doc.path, f'"$schema" {dialect!r} is not an accepted dialect '
                                             f'(accepted: {", ".join(dialects)})', line, col))
    else:
        found.extend(_metaschema_findings(doc, fast=fast))
        found.extend(_pattern_findings(doc))
    found.extend(_id_findings(doc))
    found.extend(_version_findings(doc))
    return found


def _metaschema_findings(doc: JsonDocument, *, fast: bool = False) -> list[Finding]:
    from jsonschema.exceptions import best_match, relevance

    cls = stock_validator_class(doc.value)
    if fast and metaschema_accepts(cls, doc.value):
        return []
    meta = _meta_validator(cls)
    try:
        errors = sorted(meta.iter_errors(doc.value), key=relevance)
    except RecursionError:
        return [finding(METASCHEMA, doc.path, "schema is nested too deeply to check against its metaschema", 1, 1)]
    out = []
    for error in errors[:20]:
        shown = best_match(error.context) if error.context else error
        parts = list(shown.absolute_path)
        line, col = _at(doc, parts)
        out.append(finding(METASCHEMA, doc.path, f"not a valid {cls.__name__.replace('Validator', '')} schema at "
                                           f"{pointer(parts) or '/'}: {shown.message}", line, col))
    return out


def iter_patterns(schema):
    """Yield (path parts, pattern) for every ``pattern`` value and ``patternProperties`` key, iteratively."""
    stack = [(schema, [])]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                yield parts + ["pattern"], node["pattern"]
            if isinstance(node.get("patternProperties"), dict):
                for key in node["patternProperties"]:
                    yield parts + ["patternProperties", key], key
            for key, value in node.items():
                if key in _NAME_MAPS and isinstance(value, dict):
                    for name, sub in value.items():
                        stack.append((sub, parts + [key, name]))
                elif key not in ("const", "enum", "default", "examples") and isinstance(value, (dict, list)):
                    stack.append((value, parts + [key]))
        elif isinstance(node, list):
            stack.extend((item, parts + [index]) for index, item in enumerate(node))


def _pattern_findings(doc: JsonDocument) -> list[Finding]:
    """Patterns that are not ECMA-262 regular expressions (JSON Schema's syntax): other validators reject them."""
    from ...parsers.ecma_regex import InvalidPattern, UnsupportedPattern, compile_ecma

    out = []
    for parts, pattern in iter_patterns(doc.value):
        try:
            compile_ecma(pattern)
        except InvalidPattern as exc:
            out.append(finding(PATTERN, doc.path, f"{pattern[:100]!r} at {pointer(parts)} is not an ECMA-262 regular "
                                               f"expression ({exc}), as JSON Schema requires; validators in other "
                                               "languages reject it", *_at(doc, parts)))
        except UnsupportedPattern:   # valid ECMA-262; C1/C2 say so where an instance reaches it
            pass
    return out


@lru_cache(maxsize=None)
def _meta_validator(cls):
    """One validator per dialect for its metaschema (the metaschemas' own patterns are the dialects', not the
    repository's: jsonschema's stock class applies them)."""
    return cls(cls.META_SCHEMA)


def _id_findings(doc: JsonDocument) -> list[Finding]:
    schema_id = doc.value.get("$id")
    if schema_id is None:
        return [finding(SCHEMA_ID, doc.path, f'missing "$id"; give the schema a unique URI, e.g. '
                                        f'"$id": "https://example.com/schemas/{doc.stem}.json"', 1, 1)]
    if not isinstance(schema_id, str) or not schema_id.strip():
        line, col = _at(doc, ["$id"])
        return [finding(SCHEMA_ID, doc.path, f'"$id" must be a non-empty URI string, got {schema_id!r}', line, col)]
    return []


def _version_findings(doc: JsonDocument) -> list[Finding]:
    import semver

    version = doc.value.get("$version")
    if version is None:
        return [finding(VERSION, doc.path, 'missing "$version"; add a SemVer version, e.g. "$version": "1.0.0"', 1, 1)]
    line, col = _at(doc, ["$version"])
    if not isinstance(version, str):
        return [finding(VERSION, doc.path, f'"$version" must be a SemVer string like "1.0.0", got {version!r}', line, col)]
    try:
        semver.Version.parse(version)
    except ValueError:
        return [finding(VERSION, doc.path, f'"$version" {version!r} is not SemVer (MAJOR.MINOR.PATCH, e.g. "1.0.0")',
                        line, col)]
    return []


def check_unique_ids(docs: Iterable[JsonDocument], report_for: set[str] | None = None) -> list[Finding]:
    """No two schemas share an ``$id`` (reported on the later file; ``report_for`` limits which files)."""
    first_seen: dict[str, str] = {}
    out = []
    for doc in usable_schemas(docs):
        schema_id = doc.value.get("$id")
        if not isinstance(schema_id, str) or not schema_id:
            continue
        key = normalize_uri(schema_id)
        if key in first_seen and (report_for is None or doc.path in report_for or first_seen[key] in report_for):
            line, col = _at(doc, ["$id"])
            out.append(finding(SCHEMA_ID, doc.path, f'"$id" {schema_id!r} is already used by {first_seen[key]}; '
                                               "every schema needs its own $id", line, col))
        else:
            first_seen[key] = doc.path
    return out


def check_refs(docs: Sequence[JsonDocument], registry=None, report_for: set[str] | None = None) -> list[Finding]:
    """Every ``$ref`` resolves offline, and no chain of bare ``$ref``s loops (in ``report_for``, or every schema)."""
    from referencing.exceptions import Unresolvable

    registry = registry if registry is not None else build_registry(docs)
    out = []
    for doc in usable_schemas(docs):
        if report_for is not None and doc.path not in report_for:
            continue
        base = doc.value.get("$id") if isinstance(doc.value.get("$id"), str) else ""
        try:
            # A schema without $id is checked as the root of its own resolver (its "#/…" refs resolve).
            root = registry.resolver_with_root(root_resource(doc.value)) if not base else None
        except Exception:   # a structure referencing cannot walk: the metaschema findings say what is wrong
            root = None
        for parts, ref, ref_base in iter_refs(doc.value, normalize_uri(base)):
            target = urljoin(ref_base, ref)
            try:
                if root is not None:
                    resolved = root.lookup(target)
                else:
                    resolved = registry.resolver(base_uri=ref_base).lookup(ref)
            except Unresolvable:
                document_uri = urldefrag(target)[0]
                if document_uri.startswith(("http://", "https://")) and normalize_uri(document_uri) not in registry:
                    why = (f"$ref {ref!r} points outside the contracts folder; remote references are never "
                           f"fetched — add a schema with \"$id\": \"{document_uri}\" to the contracts folder")
                else:
                    why = f"$ref {ref!r} does not resolve (looked for {target} among the contracts' $ids)"
                out.append(finding(REF, doc.path, why, *_at(doc, parts)))
                continue
            except Exception as exc:  # a malformed pointer, e.g. "#/$defs/~9"
                out.append(finding(REF, doc.path, f"$ref {ref!r} cannot be resolved: {exc}", *_at(doc, parts)))
                continue
            cycle = _bare_ref_cycle(resolved, ref)
            if cycle:
                out.append(finding(REF, doc.path, f"$ref {ref!r} starts a cycle of references that never reaches a "
                                                   f"schema ({' -> '.join(cycle)}); break the loop", *_at(doc, parts)))
    return out


def _bare_ref_cycle(resolved, first_ref: str) -> list[str] | None:
    """The refs of a loop of schemas whose own ``$ref`` leads straight back, if there is one.

    Such a loop never consumes any input, so a validator would recurse forever;
    a recursive schema that descends through ``properties``/``items`` is fine.
    """
    chain = [first_ref]
    seen = {id(resolved.contents)}
    current = resolved
    for _ in range(100):
        contents = current.contents
        if not isinstance(contents, dict) or not isinstance(contents.get("$ref"), str):
            return None
        chain.append(contents["$ref"])
        try:
            current = current.resolver.lookup(contents["$ref"])
        except Exception:  # reported where that $ref itself is checked
            return None
        if id(current.contents) in seen:
            return chain
        seen.add(id(current.contents))
    return chain


def check_unique_stems(docs: Sequence[JsonDocument]) -> list[Finding]:
    """Fixtures and VERSIONS.md rows name schemas by file stem: two schemas may not share one."""
    first: dict[str, str] = {}
    out = []
    for doc in docs:
        if doc.stem in first:
            out.append(finding(DUPLICATE_NAME, doc.path, f"another schema is also named {doc.stem!r} ({first[doc.stem]}); "
                                               "fixtures and VERSIONS.md rows could not tell them apart — rename one",
                               1, 1))
        else:
            first[doc.stem] = doc.path
    return out


def check_schemas(docs: Sequence[JsonDocument], *, dialects: Sequence[str],
                  only: Iterable[str] | None = None, registry=None) -> list[Finding]:
    """C3 for a contracts folder; ``only`` (paths) limits the findings to those schemas (pre-commit)."""
    report_for = set(only) if only is not None else None
    checked = [doc for doc in docs if report_for is None or doc.path in report_for]
    fast = len(checked) >= FAST_METASCHEMA_MIN_SCHEMAS
    out = []
    for doc in checked:
        out.extend(check_schema_document(doc, dialects=dialects, fast=fast))
    out.extend(check_unique_ids(docs, report_for))
    out.extend(check_unique_stems(docs))
    # Every schema's $refs, even in pre-commit mode: a changed $id breaks the schemas that point at it.
    out.extend(check_refs(docs, registry=registry))
    return out


def run(ws, targets):
    docs = gather_contract_schemas(ws)
    only = None if targets is None else [t for t in targets if ws.matches("schemas", t)]
    return check_schemas(docs, dialects=ws.options(SchemaOptions).dialects, only=only,
                         registry=contract_registry(ws))
