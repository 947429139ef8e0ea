"""Proof-path helpers for integration-harness authors: the seed's four canonical proofs as functions.

Each takes what the harness already fetched (status codes, parsed JSON bodies, the metrics text) and returns a
:class:`Proof` — truthy when the proof holds, with a sentence saying why or why not — so a Python harness (or a
test around a PowerShell one) asserts on data, not on regexes over response text::

    from observatory_invariants.harness import job_accepted, events_carry_job_id, job_completed, counter_exposed
    assert job_accepted(201, body, schema)                                # P1: 201 and a schema-valid body
    assert events_carry_job_id(events, body["jobId"])                     # P2
    assert job_completed(jobs, body["jobId"])                             # P3
    assert counter_exposed(metrics_text, "gateway_jobs_submitted_total")  # P4, parsed by prometheus-client

``counter_exposed`` parses the Prometheus text exposition format with prometheus-client's own parser
(``pip install 'observatory-invariants[harness]'``); it is imported only when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping


@dataclass(frozen=True)
class Proof:
    ok: bool
    detail: str

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}: {self.detail}"


def job_accepted(status: int, body: Any, schema: Mapping[str, Any], *, expected_status: int = 201,
                 registry=None) -> Proof:
    """P1: the gateway accepted the job — HTTP ``expected_status`` (201) and a body valid against ``schema``
    (a JSON Schema as a mapping; its ``$schema`` picks the draft; ``registry`` resolves external ``$ref``)."""
    import jsonschema

    if status != expected_status:
        return Proof(False, f"HTTP {status}, expected {expected_status}")
    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        cls.check_schema(schema)
        validator = cls(schema, registry=registry) if registry is not None else cls(schema)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    except (jsonschema.exceptions.SchemaError, jsonschema.exceptions.UnknownType) as exc:
        return Proof(False, f"the schema itself is invalid: {getattr(exc, 'message', exc)}")
    if errors:
        first = errors[0]
        where = "/".join(map(str, first.absolute_path)) or "(root)"
        return Proof(False, f"HTTP {status} but the body is not valid at {where}: {first.message} "
                            f"({len(errors)} error(s))")
    return Proof(True, f"HTTP {status} and the body is valid against {schema.get('$id', 'the schema')}")


def _carries(value: Any, job_id: str, keys: frozenset[str], depth: int = 0) -> bool:
    if depth > 64:
        return False
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in keys and item == job_id:
                return True
            if _carries(item, job_id, keys, depth + 1):
                return True
    elif isinstance(value, list):
        return any(_carries(item, job_id, keys, depth + 1) for item in value)
    return False


def events_carry_job_id(events: Iterable[Any], job_id: str, *, keys: Iterable[str] = ("jobId", "job_id")) -> Proof:
    """P2: at least one event carries the job id (under one of ``keys``, at any depth: envelope or payload)."""
    wanted = frozenset(keys)
    events = list(events) if not isinstance(events, Mapping) else [events]
    hits = [e for e in events if _carries(e, job_id, wanted)]
    if hits:
        return Proof(True, f"{len(hits)} of {len(events)} event(s) carry job id {job_id}")
    return Proof(False, f"none of {len(events)} event(s) carries job id {job_id} under {', '.join(sorted(wanted))}")


def job_completed(jobs: Iterable[Mapping[str, Any]], job_id: str, *, id_key: str = "id", status_key: str = "status",
                  completed: str = "COMPLETED") -> Proof:
    """P3: the job with ``job_id`` is in the list and its status is ``completed``."""
    jobs = list(jobs)
    mine = [j for j in jobs if isinstance(j, Mapping) and j.get(id_key) == job_id]
    if not mine:
        return Proof(False, f"job {job_id} is not among the {len(jobs)} job(s) returned")
    statuses = sorted({str(j.get(status_key)) for j in mine})
    if completed in statuses:
        return Proof(True, f"job {job_id} reached {completed}")
    return Proof(False, f"job {job_id} is {', '.join(statuses)}, not {completed}")


def counter_exposed(exposition: str, name: str) -> Proof:
    """P4: the Prometheus text exposition has a counter ``name`` (``x_total`` or its family name ``x``) with at
    least one sample, parsed with prometheus-client's text parser (never a regex over the text)."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("counter_exposed needs prometheus-client: pip install 'observatory-invariants[harness]'") \
            from None
    family_name = name[:-len("_total")] if name.endswith("_total") else name
    try:
        families = list(text_string_to_metric_families(exposition))
    except ValueError as exc:
        return Proof(False, f"the exposition is not valid Prometheus text format: {exc}")
    for family in families:
        if family.name not in (name, family_name):
            continue
        if family.type != "counter":
            return Proof(False, f"{name} is exposed as a {family.type}, not a counter")
        samples = [s for s in family.samples if s.name in (name, family_name + "_total")]
        if samples:
            total = sum(s.value for s in samples)
            return Proof(True, f"counter {name} is exposed ({len(samples)} series, total {total:g})")
        return Proof(False, f"counter {name} is declared but has no samples")
    return Proof(False, f"no metric {name} in the exposition ({len(families)} families)")
