"""C1/C2: message and job instances conform to their schemas.

Golden fixtures must validate; negative fixtures must be well-formed JSON that
fails validation (a schema reason, not a parse error). Extra instance files the
config maps to a schema are validated like golden ones. Instances of the
config's job schemas are C2, everything else C1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable, Mapping, Sequence

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding
from ...parsers.jsonpos import locate, pointer
from ...engines.contract_schemas import JsonDocument, PatternNotApplied, build_registry, usable_schemas
from ...engines.contract_schemas import make_validator as engine_make_validator
from .inputs import contract_registry, gather_contract_schemas, read_document

MAX_ERRORS_PER_FILE = 20

FORMATS = ("uuid", "date-time", "date", "time", "email", "uri", "ipv4", "ipv6", "regex")


@dataclass(frozen=True)
class InstanceOptions(Options):
    section = "contracts"
    description = "Options of the contract rules C1-C5."

    job_schemas: tuple[str, ...] = option(
        "job-schemas", ("job",), "Schema stems whose instances are job objects (C2); the rest are messages (C1).")
    instances: Mapping[str, str] = option(
        "instances", {}, "Extra instance files to validate: {glob: schema stem}.")
    formats: tuple[str, ...] = option(
        "formats", FORMATS, "Formats whose values are checked (others are annotations only).")


_READS = ("schemas", "golden-fixtures", "negative-fixtures")
# The same five problems under C1 (messages) and C2 (jobs): which id a finding gets depends on its schema.
_PROBLEMS = (
    ("unmatched", "A fixture's name matches no schema"),
    ("invalid-json", "A fixture is not well-formed JSON"),
    ("schema-unusable", "The fixture's schema is missing or cannot be applied"),
    ("nonconforming", "A golden fixture (or mapped instance) does not conform to its schema"),
    ("negative-accepted", "A negative fixture is accepted by its schema"),
)


def _subrules(rule_id: str) -> dict[str, SubRule]:
    return {name: SubRule(f"{rule_id}.{name}", title) for name, title in _PROBLEMS}


SUBRULES = {"C1": _subrules("C1"), "C2": _subrules("C2")}
C1 = Rule("C1", "Event messages conform to their schema", "contracts", _READS, "run", options=(InstanceOptions,),
          subrules=tuple(SUBRULES["C1"].values()), hooks=("observatory-contracts",),
          seed_check="validate-contracts.ps1, Gateway AJV")
C2 = Rule("C2", "Job objects conform to their schema", "contracts", _READS, "run", options=(InstanceOptions,),
          subrules=tuple(SUBRULES["C2"].values()), hooks=("observatory-contracts",),
          seed_check="validate-contracts.ps1, Gateway AJV")


@dataclass(frozen=True)
class Instance:
    doc: JsonDocument
    expect_valid: bool
    schema_stem: str | None   # None: pick by longest file-name prefix


def schema_for_fixture(fixture_name: str, stems: Iterable[str]) -> str | None:
    """The schema whose stem is the longest prefix of the fixture's name (``job-accepted-x`` → ``job-accepted``).

    A prefix must end at a word boundary: ``job`` fits ``job-missing-id`` and ``job``, not ``jobs``.
    Only the name's boundary positions are looked up, so the cost does not grow with the number of schemas.
    """
    name = PurePosixPath(fixture_name).stem
    known = stems if isinstance(stems, (set, frozenset, dict)) else set(stems)
    if name in known:
        return name
    for end in range(len(name) - 1, 0, -1):
        if name[end] in "-_." and name[:end] in known:
            return name[:end]
    return None


def _format_checker(formats: Sequence[str]):
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    # The union over all drafts: uuid is checked for draft-07 schemas too (it matters to these contracts).
    checker.checkers = {name: fn for name, fn in jsonschema.FormatChecker.checkers.items() if name in formats}
    return checker


def closest_branch_error(error):
    """The most useful sub-error of a failed anyOf/oneOf: from the branch with the fewest errors.

    jsonschema's ``best_match`` prefers the shallowest error, which for two
    object branches is usually "'x' is a required property" of the wrong
    branch; the branch that came closest to passing explains the failure better.
    """
    from jsonschema.exceptions import best_match

    branches: dict = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    fewest = min(branches.values(), key=len)
    return best_match(fewest)


def _describe(error) -> tuple[list, str]:
    """Instance path and message, descending into the closest branch of anyOf/oneOf (repeatedly)."""
    shown = error
    lead = ""
    while shown.context:
        sub = closest_branch_error(shown)
        branch = sub.schema_path[0] if sub.schema_path else "?"
        lead += f"value at {pointer(shown.absolute_path) or '/'} matches no {shown.validator} branch; closest is branch {branch}: "
        shown = sub
    where = pointer(shown.absolute_path) or "/"
    schema_where = pointer(shown.absolute_schema_path) or "/"
    return list(shown.absolute_path), f"{lead}instance at {where}: {_short(shown.message)} (schema {schema_where})"


def _first_line(exc: Exception) -> str:
    """``Type: message`` of an exception, its first line only (jsonschema's repeat the whole schema)."""
    lines = str(exc).strip().splitlines()
    return _short(f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": "), 200)


def _short(message: str, limit: int = 300) -> str:
    """jsonschema repeats the whole failing value in its message; a 20,000-key object must not flood the report."""
    return message if len(message) <= limit else message[:limit] + f"… ({len(message) - limit} more characters)"


def make_validator(schema: dict, registry, format_checker):
    return engine_make_validator(schema, registry, format_checker)


def validate_instance(instance, schema: dict, registry, formats: Sequence[str], *, validator=None):
    """``(errors, problem)``: the validation errors, or why validation could not run."""
    from referencing.exceptions import Unresolvable
    from jsonschema.exceptions import relevance

    if validator is None:
        validator = make_validator(schema, registry, _format_checker(formats))
    try:
        return sorted(validator.iter_errors(instance), key=relevance), None
    except RecursionError:
        return [], "validation recursed without end: a $ref cycle in the schema or a too deeply nested instance"
    except PatternNotApplied as exc:
        return [], f"its {exc}"
    except Unresolvable as exc:
        return [], (f"a $ref does not resolve offline ({exc}); remote references are never fetched — "
                    "add the referenced schema to the contracts folder")
    except Exception as exc:  # a schema broken in a way the validator trips on; C3 explains it
        return [], f"the schema cannot be applied ({_first_line(exc)}); fix the schema (see C3)"


def check_instances(schemas: Sequence[JsonDocument], instances: Sequence[Instance], *,
                    job_schemas: Sequence[str] = InstanceOptions().job_schemas,
                    formats: Sequence[str] = FORMATS, registry=None) -> list[Finding]:
    """C1/C2 findings for ``instances`` against the contracts folder ``schemas``."""
    usable = {doc.stem: doc for doc in usable_schemas(schemas)}
    all_stems = {doc.stem for doc in schemas}
    registry = registry if registry is not None else build_registry(schemas)
    format_checker = _format_checker(formats)
    validators: dict[str, object] = {}  # one per schema: building one merges the whole registry
    out: list[Finding] = []
    for inst in instances:
        doc = inst.doc
        stem = inst.schema_stem or schema_for_fixture(doc.path, all_stems)
        rule = SUBRULES["C2" if stem in job_schemas else "C1"]
        kind = "golden fixture" if inst.expect_valid else "negative fixture"
        if stem is None:
            out.append(finding(rule["unmatched"], doc.path, f"no schema matches this {kind}: name it after its schema "
                                               f"(SCHEMA-description.json; schemas: {', '.join(sorted(all_stems)) or 'none'})", 1, 1))
            continue
        if not doc.ok:
            extra = (" — negative fixtures must be well-formed JSON that fails for a schema reason"
                     if not inst.expect_valid and doc.problem.kind in ("syntax", "empty") else "")
            out.append(finding(rule["invalid-json"], doc.path, f"{kind} for {stem}: {doc.problem.message}{extra}",
                               doc.problem.line, doc.problem.column))
            continue
        schema_doc = usable.get(stem)
        if schema_doc is None:
            out.append(finding(rule["schema-unusable"], doc.path, f"cannot validate against schema {stem!r}: it is missing or not a "
                                               "usable schema (C3 says why)", 1, 1))
            continue
        if stem not in validators:
            try:
                validators[stem] = make_validator(schema_doc.value, registry, format_checker)
            except Exception as exc:  # a schema the validator cannot even load; C3 explains it
                validators[stem] = exc
        validator = validators[stem]
        if isinstance(validator, Exception):
            out.append(finding(rule["schema-unusable"], doc.path, f"cannot validate against {schema_doc.path}: the schema cannot be "
                                               f"applied ({_first_line(validator)}); fix the schema (see C3)", 1, 1))
            continue
        errors, problem = validate_instance(doc.value, schema_doc.value, registry, formats, validator=validator)
        if problem:
            out.append(finding(rule["schema-unusable"], doc.path, f"cannot validate against {schema_doc.path}: {problem}", 1, 1))
            continue
        if inst.expect_valid:
            for error in errors[:MAX_ERRORS_PER_FILE]:
                parts, message = _describe(error)
                line, col = locate(doc.text, parts)
                out.append(finding(rule["nonconforming"], doc.path, f"does not conform to {schema_doc.path}: {message}", line, col))
            if len(errors) > MAX_ERRORS_PER_FILE:
                out.append(finding(rule["nonconforming"], doc.path, f"{len(errors) - MAX_ERRORS_PER_FILE} more validation errors "
                                                   "not shown", 1, 1))
        elif not errors:
            out.append(finding(rule["negative-accepted"], doc.path, f"negative fixture is accepted by {schema_doc.path}; it must fail "
                                               "validation — make it violate the schema, or tighten the schema", 1, 1))
    return out


def gather_instances(ws, targets=None) -> list[Instance]:
    """The instances to validate: all of them, or (pre-commit) only the targeted ones unless a schema changed."""
    if targets is not None and not any(ws.matches("schemas", t) for t in targets):
        wanted = set(targets)
        keep = lambda paths: [p for p in paths if p in wanted]  # noqa: E731
    else:
        keep = lambda paths: paths  # noqa: E731
    instances = [Instance(read_document(ws, p), True, None) for p in keep(ws.glob("golden-fixtures"))]
    instances += [Instance(read_document(ws, p), False, None) for p in keep(ws.glob("negative-fixtures"))]
    mapped: Mapping[str, str] = ws.options(InstanceOptions).instances
    if mapped:
        from ...errors import ConfigError
        from ...patterns import compile_globs

        stems = {doc.stem for doc in gather_contract_schemas(ws)}
        seen = {inst.doc.path for inst in instances}
        for pattern, stem in mapped.items():
            if stem not in stems:
                raise ConfigError(f"{ws.config.source}: contracts.instances: {pattern!r} maps to schema {stem!r}, "
                                  f"but there is no {stem}.json among the schemas ({', '.join(sorted(stems))})")
            spec = compile_globs((pattern,))
            for p in keep(ws.repo.files):
                if spec.match_file(p) and p not in seen:  # a fixture is validated once, as a fixture
                    seen.add(p)
                    instances.append(Instance(read_document(ws, p), True, stem))
    return instances


def run(ws, targets):
    """The adapter for C1 and C2."""
    options = ws.options(InstanceOptions)
    schemas = gather_contract_schemas(ws)
    return check_instances(schemas, gather_instances(ws, targets), job_schemas=options.job_schemas,
                           formats=options.formats, registry=contract_registry(ws))
