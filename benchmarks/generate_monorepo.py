"""Generate a synthetic monorepo laid out like SPEC.md's target repository.

    python benchmarks/generate_monorepo.py OUT_DIR --services N --schemas M [--files F] [--seed S]
                                           [--violations K] [--git]

The tree is deterministic for a seed and clean by default: every rule that
exists should find nothing in it. ``--violations K`` injects K known C1/C3/C5
problems, one finding each, listed by :func:`generate` (and printed), so tests
can check that the tool finds exactly those.

Layout (see SPEC.md, "The target repository's layout"):

- ``contracts/schemas/*.json``: a shared ``common-types`` schema, a ``job``
  schema and event schemas, draft-07 and 2020-12 alternately, with ``$id``,
  ``$version``, nested objects, local ``$defs``/``definitions``, cross-schema
  ``$ref`` by ``$id``, enums and ``uuid``/``date-time`` formats;
  ``contracts/VERSIONS.md`` documenting them; golden and negative fixtures.
- ``src/services/svc-NNNN/``: odd-numbered services are Python images built from
  the repository root (``COPY src/services/svc-NNNN/... ./`` + ``COPY contracts``),
  even-numbered ones Go images built from their own folder (``COPY go.mod ./``);
  each has a SemVer ``VERSION`` and a few source files.
- ``docker-compose.yml`` and ``.github/workflows/ci.yml`` declaring every build
  (root context ``.`` plus ``file:`` / service folder as context),
  ``docker-compose.integration.yml``, ``infra/k8s/*.yaml`` tagged with each
  VERSION, ``scripts/*.ps1`` (a few hundred lines of PowerShell each), Bazel
  files, and filler source/docs files up to ``--files`` in total.

Only the standard library is used, so the generator runs anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URI = "https://schemas.observatory.example/contracts/"
COMMON_TYPES = "common-types"
JOB = "job"
IMAGE_PREFIX = "observatory/"
SEMVER_PATTERN = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
FILES_PER_SERVICE = 10
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)

# Event schemas are named domain-entity-action. None of these words is "job" or "common", and every stem has
# three parts, so no stem is another's prefix and fixtures map to their schema by the longest-prefix rule.
DOMAINS = ("billing", "catalog", "checkout", "identity", "inventory", "ledger", "metrics", "notify",
           "payments", "pricing", "profile", "search", "shipping", "storage", "telemetry", "workflow")
ENTITIES = ("account", "batch", "cart", "customer", "device", "invoice", "item", "order", "report",
            "session", "shipment", "subscription", "task", "tenant", "token", "webhook")
ACTIONS = ("created", "updated", "deleted", "archived", "approved", "rejected", "expired", "retried",
           "completed", "failed")
STATUSES = ("PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED")
WORDS = ("alpha", "bravo", "cobalt", "delta", "ember", "falcon", "garnet", "harbor", "indigo", "juniper",
         "krypton", "lumen", "meadow", "nova", "onyx", "prism", "quartz", "raven", "sierra", "tundra")


@dataclass(frozen=True)
class InjectedViolation:
    """A problem put in on purpose, and the one finding it must produce."""

    rule: str
    path: str
    what: str


@dataclass
class GeneratedRepo:
    root: Path
    files: list[str]
    services: int
    schemas: int
    violations: list[InjectedViolation] = field(default_factory=list)


# -- small value makers ---------------------------------------------------------------------------------------

def make_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_timestamp(rng: random.Random) -> str:
    moment = EPOCH + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_semver(rng: random.Random) -> str:
    return f"{rng.randint(0, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 12)}"


def common_ref(name: str) -> dict:
    return {"$ref": f"{SCHEMA_BASE_URI}{COMMON_TYPES}.json#/$defs/{name}"}


def camel(*parts: str) -> str:
    return "".join(p.capitalize() for p in parts)


# -- JSON Schemas ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldKind:
    """A payload field: its schema, a valid value, and a value of the wrong type."""

    name: str
    schema: dict
    make_value: Callable[[random.Random], object]
    wrong_value: object


LINE_ITEM = {
    "type": "object",
    "required": ["sku", "quantity"],
    "additionalProperties": False,
    "properties": {
        "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
        "unitPrice": {"type": "number", "minimum": 0},
    },
}

FIELD_KINDS = (
    FieldKind("amount", {"type": "number", "minimum": 0, "maximum": 1000000},
              lambda r: round(r.uniform(0, 5000), 2), "12.50 EUR"),
    FieldKind("currency", {"type": "string", "enum": ["EUR", "USD", "GBP", "JPY"]},
              lambda r: r.choice(["EUR", "USD", "GBP", "JPY"]), 978),
    FieldKind("quantity", {"type": "integer", "minimum": 1, "maximum": 500}, lambda r: r.randint(1, 500), "many"),
    FieldKind("displayName", {"type": "string", "minLength": 1, "maxLength": 80},
              lambda r: f"{r.choice(WORDS)} {r.choice(WORDS)}".title(), 42),
    FieldKind("ownerId", common_ref("uuid"), make_uuid, 1234),
    FieldKind("scheduledAt", common_ref("timestamp"), make_timestamp, 1700000000),
    FieldKind("priority", {"type": "string", "enum": ["low", "normal", "high", "critical"]},
              lambda r: r.choice(["low", "normal", "high", "critical"]), 3),
    FieldKind("retryCount", {"type": "integer", "minimum": 0, "maximum": 10}, lambda r: r.randint(0, 10), "twice"),
    FieldKind("enabled", {"type": "boolean"}, lambda r: r.random() < 0.5, "yes"),
    FieldKind("labels", {"type": "object", "maxProperties": 16, "additionalProperties": {"type": "string", "maxLength": 63}},
              lambda r: {r.choice(WORDS): r.choice(WORDS) for _ in range(r.randint(0, 3))}, "team=core"),
    FieldKind("lineItems", {"type": "array", "minItems": 1, "maxItems": 20, "items": LINE_ITEM},
              lambda r: [{"sku": f"{r.choice('ABCDEFGH') * 3}-{r.randint(0, 9999):04d}", "quantity": r.randint(1, 20),
                          "unitPrice": round(r.uniform(1, 200), 2)} for _ in range(r.randint(1, 3))], {"sku": "x"}),
    FieldKind("region", {"type": "string", "enum": ["eu-west-1", "us-east-1", "ap-south-1"]},
              lambda r: r.choice(["eu-west-1", "us-east-1", "ap-south-1"]), ["eu-west-1"]),
    FieldKind("durationMs", {"type": ["integer", "null"], "minimum": 0},
              lambda r: r.choice([None, r.randint(0, 60000)]), "1s"),
    FieldKind("checksum", {"type": "string", "pattern": "^[a-f0-9]{64}$"},
              lambda r: "".join(r.choice("0123456789abcdef") for _ in range(64)), 0),
)

NEGATIVE_REASONS = ("missing-id", "bad-uuid", "bad-status", "wrong-type", "extra-field", "bad-timestamp")


@dataclass
class EventSchema:
    stem: str
    event_type: str
    dialect: str
    version: str
    history: list[str]
    payload_fields: list[FieldKind]
    required_fields: list[str]

    @property
    def defs_keyword(self) -> str:
        return "$defs" if self.dialect == DRAFT_2020_12 else "definitions"

    def to_json(self) -> dict:
        defs = self.defs_keyword
        payload = {
            "type": "object",
            "required": self.required_fields,
            "additionalProperties": False,
            "properties": {f.name: f.schema for f in self.payload_fields},
        }
        return {
            "$schema": self.dialect,
            "$id": f"{SCHEMA_BASE_URI}{self.stem}.json",
            "$version": self.version,
            "title": camel(*self.stem.split("-")),
            "description": f"Emitted when a {self.stem.split('-')[1]} is {self.stem.split('-')[2]} "
                           f"in the {self.stem.split('-')[0]} domain.",
            "type": "object",
            "required": ["id", "type", "occurredAt", "source", "payload"],
            "additionalProperties": False,
            "properties": {
                "id": common_ref("uuid"),
                "type": {"const": self.event_type},
                "occurredAt": common_ref("timestamp"),
                "correlationId": common_ref("uuid"),
                "status": {"type": "string", "enum": list(STATUSES)},
                "source": {"$ref": f"#/{defs}/source"},
                "payload": payload,
                "tags": {"type": "array", "maxItems": 16, "uniqueItems": True,
                         "items": {"type": "string", "minLength": 1, "maxLength": 64}},
            },
            defs: {
                "source": {
                    "type": "object",
                    "required": ["service", "version"],
                    "additionalProperties": False,
                    "properties": {
                        "service": common_ref("serviceName"),
                        "version": common_ref("semver"),
                        "instance": {"type": "string", "maxLength": 128},
                    },
                },
            },
        }

    def valid_instance(self, rng: random.Random, services: int, minimal: bool = False) -> dict:
        service = f"svc-{rng.randint(1, max(services, 1)):04d}"
        payload = {f.name: f.make_value(rng) for f in self.payload_fields
                   if f.name in self.required_fields or not minimal}
        instance = {
            "id": make_uuid(rng),
            "type": self.event_type,
            "occurredAt": make_timestamp(rng),
            "source": {"service": service, "version": make_semver(rng)},
            "payload": payload,
        }
        if not minimal:
            instance["correlationId"] = make_uuid(rng)
            instance["status"] = rng.choice(STATUSES)
            instance["tags"] = sorted({rng.choice(WORDS) for _ in range(rng.randint(1, 3))})
        return instance

    def invalid_instance(self, rng: random.Random, services: int, reason: str) -> dict:
        """A well-formed instance that fails validation for ``reason`` (and only that)."""
        instance = self.valid_instance(rng, services)
        if reason == "missing-id":
            del instance["id"]
        elif reason == "bad-uuid":
            instance["id"] = "1234-not-a-uuid"
        elif reason == "bad-status":
            instance["status"] = "UNKNOWN"
        elif reason == "wrong-type":
            first = next(f for f in self.payload_fields if f.name in self.required_fields)
            instance["payload"][first.name] = first.wrong_value
        elif reason == "extra-field":
            instance["unexpectedField"] = True
        elif reason == "bad-timestamp":
            instance["occurredAt"] = "yesterday at noon"
        else:
            raise ValueError(reason)
        return instance


def common_types_schema() -> dict:
    return {
        "$schema": DRAFT_2020_12,
        "$id": f"{SCHEMA_BASE_URI}{COMMON_TYPES}.json",
        "$version": "2.1.0",
        "title": "CommonTypes",
        "description": "Shared definitions referenced by $id from the other contracts.",
        "$defs": {
            "uuid": {"type": "string", "format": "uuid"},
            "timestamp": {"type": "string", "format": "date-time"},
            "semver": {"type": "string", "pattern": SEMVER_PATTERN},
            "serviceName": {"type": "string", "pattern": "^svc-[0-9]{4}$"},
        },
    }


def job_schema() -> dict:
    return {
        "$schema": DRAFT_2020_12,
        "$id": f"{SCHEMA_BASE_URI}{JOB}.json",
        "$version": "3.2.0",
        "title": "Job",
        "description": "A unit of work accepted by the gateway and executed by a worker service.",
        "type": "object",
        "required": ["id", "type", "status", "createdAt"],
        "additionalProperties": False,
        "properties": {
            "id": common_ref("uuid"),
            "type": {"type": "string", "pattern": "^[a-z]+(\\.[a-z]+)*$"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "createdAt": common_ref("timestamp"),
            "updatedAt": common_ref("timestamp"),
            "attempts": {"type": "integer", "minimum": 0, "maximum": 25},
            "assignedTo": common_ref("serviceName"),
            "result": {"$ref": "#/$defs/result"},
        },
        "$defs": {
            "result": {
                "oneOf": [
                    {"type": "object", "required": ["ok", "output"], "additionalProperties": False,
                     "properties": {"ok": {"const": True}, "output": {"type": "object"}}},
                    {"type": "object", "required": ["ok", "error"], "additionalProperties": False,
                     "properties": {"ok": {"const": False}, "error": {"type": "string", "minLength": 1}}},
                ],
            },
        },
    }


def job_instance(rng: random.Random, services: int) -> dict:
    created = make_timestamp(rng)
    return {
        "id": make_uuid(rng),
        "type": f"{rng.choice(DOMAINS)}.{rng.choice(ACTIONS)}",
        "status": "COMPLETED",
        "createdAt": created,
        "updatedAt": created,
        "attempts": rng.randint(1, 3),
        "assignedTo": f"svc-{rng.randint(1, max(services, 1)):04d}",
        "result": {"ok": True, "output": {"rows": rng.randint(0, 1000)}},
    }


def version_history(rng: random.Random) -> tuple[str, list[str]]:
    """A current SemVer version and every release up to it, newest first."""
    major, minor, patch = rng.randint(1, 3), rng.randint(0, 5), rng.randint(0, 3)
    releases = [f"{m}.0.0" for m in range(1, major + 1)] + [f"{major}.{n}.0" for n in range(1, minor + 1)]
    current = f"{major}.{minor}.{patch}"
    if current not in releases:
        releases.append(current)
    return current, list(reversed(releases))


def event_stems(rng: random.Random, count: int) -> list[str]:
    combos = [f"{d}-{e}-{a}" for d in DOMAINS for e in ENTITIES for a in ACTIONS]
    rng.shuffle(combos)
    stems = combos[:count]
    # More schemas than combinations: number the extra rounds (still three dash-separated words + a number).
    round_no = 2
    while len(stems) < count:
        stems += [f"{c}{round_no}" for c in combos[:count - len(stems)]]
        round_no += 1
    return sorted(stems)


def make_event_schemas(rng: random.Random, count: int) -> list[EventSchema]:
    schemas = []
    for index, stem in enumerate(event_stems(rng, count)):
        version, history = version_history(rng)
        fields = rng.sample(FIELD_KINDS, rng.randint(3, 7))
        required = [f.name for f in fields[:rng.randint(1, 3)]]
        domain, entity, action = stem.split("-")
        schemas.append(EventSchema(
            stem=stem, event_type=f"{domain}.{entity}.{action.rstrip('0123456789')}",
            dialect=DRAFT_2020_12 if index % 2 == 0 else DRAFT_07,
            version=version, history=history, payload_fields=fields, required_fields=required))
    return schemas


@dataclass
class VersionsRow:
    stem: str
    version: str            # what the table says
    history: list[str]      # what the history lists, newest first
    dialect: str
    description: str


def versions_md(rows: list[VersionsRow], rng: random.Random) -> str:
    lines = [
        "# Contract versions",
        "",
        "Every schema in `schemas/` has a row here whose version equals its `$version`,",
        "and a history entry for every release. Breaking changes need a MAJOR bump.",
        "",
        "| Schema | Current Version | Dialect | Description |",
        "|--------|-----------------|---------|-------------|",
    ]
    for row in rows:
        dialect = "2020-12" if row.dialect == DRAFT_2020_12 else "draft-07"
        lines.append(f"| [{row.stem}](./schemas/{row.stem}.json) | {row.version} | {dialect} | {row.description} |")
    lines += ["", "## Version History", ""]
    changes = ("added optional field", "widened enum", "relaxed maxLength", "documented examples",
               "removed deprecated field (breaking)", "first release")
    for row in rows:
        lines += [f"### {row.stem}", ""]
        for position, version in enumerate(row.history):
            note = "first release" if position == len(row.history) - 1 else rng.choice(changes[:-1])
            lines.append(f"- {version} ({make_timestamp(rng)[:10]}): {note}")
        lines.append("")
    return "\n".join(lines)


# -- services ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    name: str
    version: str
    repo_root_context: bool     # Python image built from the repository root; else Go image built from its folder

    @property
    def folder(self) -> str:
        return f"src/services/{self.name}"

    @property
    def image(self) -> str:
        return f"{IMAGE_PREFIX}{self.name}:{self.version}"


def python_dockerfile(svc: Service) -> str:
    return f"""# {svc.name}: reads the shared contracts, so it is built with the repository root as context.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY {svc.folder}/requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY {svc.folder}/app ./app
COPY {svc.folder}/VERSION ./VERSION
COPY contracts ./contracts
ENV SERVICE_NAME={svc.name}
EXPOSE 8080
USER 10001
CMD ["python", "-m", "app.main"]
"""


def go_dockerfile(svc: Service) -> str:
    return f"""# {svc.name}: self-contained, built with its own folder as context.
FROM golang:1.22-alpine AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/{svc.name} .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/{svc.name} /usr/local/bin/{svc.name}
COPY VERSION /etc/{svc.name}/VERSION
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/{svc.name}"]
"""


def python_sources(svc: Service, schema_stem: str) -> dict[str, str]:
    handler = schema_stem.replace("-", "_")
    return {
        f"{svc.folder}/requirements.txt": "jsonschema==4.23.0\npika==1.3.2\nredis==5.0.8\n",
        f"{svc.folder}/app/main.py": f'''"""{svc.name}: consumes events, validates them against the contracts, and acts on them."""

import json
import logging
import os
from pathlib import Path

from .handlers import handle_{handler}

SERVICE_NAME = os.environ.get("SERVICE_NAME", "{svc.name}")
CONTRACTS = Path(__file__).resolve().parent.parent / "contracts" / "schemas"
log = logging.getLogger(SERVICE_NAME)


def version() -> str:
    return (Path(__file__).resolve().parent.parent / "VERSION").read_text(encoding="utf-8").strip()


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"))
    log.info("starting %s %s", SERVICE_NAME, version())
    schema = json.loads((CONTRACTS / "{schema_stem}.json").read_text(encoding="utf-8"))
    handle_{handler}({{"schema": schema["$id"]}})


if __name__ == "__main__":
    main()
''',
        f"{svc.folder}/app/handlers.py": f'''"""Event handlers of {svc.name}."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def handle_{handler}(event: dict) -> dict:
    """Acknowledge a {schema_stem} event; the caller has validated it already."""
    log.debug("handling %s", event.get("id"))
    return {{"ack": True, "id": event.get("id")}}
''',
    }


def go_sources(svc: Service) -> dict[str, str]:
    return {
        f"{svc.folder}/go.mod": f"module github.com/observatory/{svc.name}\n\ngo 1.22\n",
        f"{svc.folder}/main.go": f'''package main

import (
	"log"
	"net/http"
	"os"
	"strings"
)

func version() string {{
	raw, err := os.ReadFile("/etc/{svc.name}/VERSION")
	if err != nil {{
		log.Fatalf("VERSION missing: %v", err)
	}}
	return strings.TrimSpace(string(raw))
}}

func main() {{
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", healthz)
	mux.HandleFunc("/metrics", metrics)
	log.Printf("{svc.name} %s listening on :8080", version())
	log.Fatal(http.ListenAndServe(":8080", mux))
}}
''',
        f"{svc.folder}/handler.go": f'''package main

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

var requests atomic.Int64

func healthz(w http.ResponseWriter, _ *http.Request) {{
	requests.Add(1)
	w.WriteHeader(http.StatusOK)
	fmt.Fprintln(w, "ok")
}}

func metrics(w http.ResponseWriter, _ *http.Request) {{
	fmt.Fprintf(w, "{svc.name.replace("-", "_")}_requests_total %d\\n", requests.Load())
}}
''',
    }


def filler_source(svc: Service, index: int, rng: random.Random) -> tuple[str, str]:
    """One more plausible source file for a service (what makes a real repository's file count)."""
    topic = f"{rng.choice(WORDS)}_{index}"
    if svc.repo_root_context:
        body = "\n\n".join(
            f'def {rng.choice(("compute", "render", "load", "merge", "score"))}_{topic}_{n}(values: list[float]) -> float:\n'
            f'    """Weighted {rng.choice(WORDS)} aggregate (kept simple; see ADR {rng.randint(1, 99):04d})."""\n'
            f'    total = 0.0\n    for position, value in enumerate(values):\n'
            f'        total += value * {rng.randint(1, 9)} / (position + 1)\n    return total'
            for n in range(rng.randint(2, 5)))
        return f"{svc.folder}/app/{topic}.py", f'"""{topic.replace("_", " ").title()} helpers."""\n\n\n{body}\n'
    funcs = "\n\n".join(
        f"// {camel(*topic.split('_'))}Part{n} folds values the way the {rng.choice(WORDS)} dashboard expects.\n"
        f"func {camel(*topic.split('_'))}Part{n}(values []float64) float64 {{\n\tvar total float64\n"
        f"\tfor i, v := range values {{\n\t\ttotal += v * {rng.randint(1, 9)} / float64(i+1)\n\t}}\n\treturn total\n}}"
        for n in range(rng.randint(2, 5)))
    package = topic.split("_")[0]
    return f"{svc.folder}/internal/{package}/{topic}.go", f"package {package}\n\n{funcs}\n"


def k8s_manifest(svc: Service, replicas: int) -> str:
    return f"""# {svc.name}: image tag and version label follow {svc.folder}/VERSION.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {svc.name}
  namespace: observatory
  labels:
    app.kubernetes.io/name: {svc.name}
    app.kubernetes.io/version: "{svc.version}"
    app.kubernetes.io/part-of: observatory
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: {svc.name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {svc.name}
        app.kubernetes.io/version: "{svc.version}"
    spec:
      containers:
        - name: {svc.name}
          image: {svc.image}
          ports:
            - containerPort: 8080
          env:
            - name: SERVICE_NAME
              value: {svc.name}
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              cpu: 500m
              memory: 256Mi
---
apiVersion: v1
kind: Service
metadata:
  name: {svc.name}
  namespace: observatory
  labels:
    app.kubernetes.io/name: {svc.name}
spec:
  selector:
    app.kubernetes.io/name: {svc.name}
  ports:
    - port: 80
      targetPort: 8080
"""


PLATFORM_WORKLOADS = (("rabbitmq", "rabbitmq:3.13-management", 5672), ("redis", "redis:7.2-alpine", 6379),
                      ("postgres", "postgres:16.3", 5432))


def k8s_platform() -> str:
    docs = ["""# Shared infrastructure the services talk to.
apiVersion: v1
kind: ConfigMap
metadata:
  name: observatory-config
  namespace: observatory
data:
  LOG_LEVEL: info
  AMQP_URL: amqp://rabbitmq:5672
"""]
    for name, image, port in PLATFORM_WORKLOADS:
        docs.append(f"""apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}
  namespace: observatory
spec:
  serviceName: {name}
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      containers:
        - name: {name}
          image: {image}
          ports:
            - containerPort: {port}
""")
    return "---\n".join(docs)


def compose_dev(services: list[Service]) -> str:
    lines = ["# Local development: builds every service the way CI does.", "services:"]
    for svc in services:
        lines.append(f"  {svc.name}:")
        if svc.repo_root_context:
            lines += ["    build:", "      context: .", f"      dockerfile: {svc.folder}/Dockerfile"]
        else:
            lines.append(f"    build: ./{svc.folder}")
        lines += [f"    image: {svc.image}", "    env_file: .env.example"]
    return "\n".join(lines) + "\n"


def compose_integration(services: list[Service]) -> str:
    lines = ["# The integration harness's stack: every k8s workload has a service here.", "services:"]
    for name, image, port in PLATFORM_WORKLOADS:
        lines += [f"  {name}:", f"    image: {image}", "    healthcheck:",
                  f"      test: [\"CMD-SHELL\", \"nc -z localhost {port}\"]", "      interval: 5s"]
    for svc in services:
        lines += [f"  {svc.name}:", f"    image: {svc.image}", "    depends_on:", "      - rabbitmq", "      - redis"]
    return "\n".join(lines) + "\n"


MATRIX_CHUNK = 200  # GitHub caps a matrix at 256 jobs; big repositories split their builds across jobs.


def ci_workflow(services: list[Service]) -> str:
    out = ["""name: ci

on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read

jobs:
  changes:
    runs-on: ubuntu-latest
    outputs:
      contracts: ${{ steps.filter.outputs.contracts }}
      services: ${{ steps.filter.outputs.services }}
    steps:
      - uses: actions/checkout@v4
      - uses: dorny/paths-filter@v3
        id: filter
        with:
          filters: |
            contracts:
              - 'contracts/**'
            services:
              - 'src/services/**'

  test:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: pwsh
    steps:
      - uses: actions/checkout@v4
      - name: Run every test suite
        run: ./scripts/run-all-tests.ps1

  integration:
    needs: [changes, test]
    if: needs.changes.outputs.contracts == 'true' || needs.changes.outputs.services == 'true'
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@v4
      - name: Integration harness
        shell: pwsh
        run: ./scripts/integration-harness.ps1
"""]
    for chunk_no, start in enumerate(range(0, len(services), MATRIX_CHUNK), 1):
        out.append(f"""
  build-{chunk_no}:
    needs: test
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        include:
""")
        for svc in services[start:start + MATRIX_CHUNK]:
            context = "." if svc.repo_root_context else svc.folder
            out.append(f"          - service: {svc.name}\n            context: {context}\n"
                       f"            dockerfile: {svc.folder}/Dockerfile\n")
        out.append("""    steps:
      - uses: actions/checkout@v4
      - name: Read VERSION
        id: version
        shell: pwsh
        run: |
          $version = (Get-Content -Raw "src/services/${{ matrix.service }}/VERSION").Trim()
          "version=$version" >> $env:GITHUB_OUTPUT
      - uses: docker/build-push-action@v6
        with:
          context: ${{ matrix.context }}
          file: ${{ matrix.dockerfile }}
          tags: observatory/${{ matrix.service }}:${{ steps.version.outputs.version }}
          push: false
""")
    return "".join(out)


# -- PowerShell -------------------------------------------------------------------------------------------------

PS_HEADER = """<#
.SYNOPSIS
    {synopsis}

.DESCRIPTION
    Part of the Observatory's automation. Runs under PowerShell 7 on Linux, macOS and Windows;
    every path is built with Join-Path and every external tool is resolved from PATH.

.EXAMPLE
    pwsh ./scripts/{name}
#>
[CmdletBinding()]
param(
    [switch]$VerboseLogging,
    [int]$TimeoutSec = 120
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# $PSScriptRoot is empty when the script is pasted or dot-sourced by some hosts: fall back to walking up
# from the current folder to the repository's markers instead of guessing a path.
function Resolve-RepoRoot {{
    param([string]$StartDir)
    $dir = $StartDir
    while ($dir) {{
        if ((Test-Path -LiteralPath (Join-Path $dir '.git')) -or (Test-Path -LiteralPath (Join-Path $dir 'contracts'))) {{
            return $dir
        }}
        $parent = Split-Path -Parent $dir
        if ($parent -eq $dir) {{ break }}
        $dir = $parent
    }}
    throw "Cannot find the repository root above '$StartDir' (looked for .git or contracts/)."
}}

# Scripts live in scripts/, so the repository root is one level up from $PSScriptRoot.
$RepoRoot = if ($PSScriptRoot) {{ Split-Path -Parent $PSScriptRoot }} else {{ Resolve-RepoRoot -StartDir (Get-Location).Path }}

function Write-Step {{
    param([string]$Message)
    Write-Host "==> $Message" -ForegroundColor Cyan
}}

function Get-ServiceVersion {{
    param([Parameter(Mandatory = $true)][string]$ServiceDir)
    $versionFile = Join-Path $ServiceDir 'VERSION'
    if (-not (Test-Path -LiteralPath $versionFile)) {{
        # Never fall back to :latest: an untagged image hides which build is running.
        throw "VERSION missing in '$ServiceDir'; add one with a SemVer version."
    }}
    $version = (Get-Content -LiteralPath $versionFile -Raw).Trim()
    if ($version -notmatch '^\\d+\\.\\d+\\.\\d+') {{
        throw "VERSION in '$ServiceDir' is not SemVer: '$version'"
    }}
    return $version
}}

function Get-ServiceDirs {{
    $servicesRoot = Join-Path (Join-Path $RepoRoot 'src') 'services'
    return Get-ChildItem -LiteralPath $servicesRoot -Directory | Sort-Object Name
}}
"""

# Helper-function templates: {noun} and {n} vary, so every script reads differently but plausibly.
PS_HELPERS = (
    """
function Wait-{noun}Ready {{
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Url,
        [int]$TimeoutSec = {n}0
    )
    $deadline = (Get-Date).AddSeconds($TimeoutSec)
    while ((Get-Date) -lt $deadline) {{
        try {{
            $response = Invoke-WebRequest -Uri $Url -UseBasicParsing -TimeoutSec 5
            if ($response.StatusCode -eq 200) {{
                Write-Verbose "{noun} ready at $Url"
                return $true
            }}
        }} catch {{
            Write-Verbose "waiting for {noun}: $($_.Exception.Message)"
        }}
        Start-Sleep -Milliseconds 500
    }}
    Write-Warning "{noun} not ready after $TimeoutSec s"
    return $false
}}
""",
    """
function Get-{noun}Summary {{
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][object[]]$Results)
    $passed = @($Results | Where-Object {{ $_.Passed }}).Count
    $failed = @($Results | Where-Object {{ -not $_.Passed }}).Count
    $summary = [pscustomobject]@{{
        Name     = '{noun}'
        Passed   = $passed
        Failed   = $failed
        Total    = $Results.Count
        Duration = ($Results | Measure-Object -Property Seconds -Sum).Sum
    }}
    if ($failed -gt 0) {{
        Write-Warning "{noun}: $failed of $($Results.Count) failed"
    }}
    return $summary
}}
""",
    """
function Invoke-{noun}Command {{
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [int]$Retries = {n}
    )
    for ($attempt = 1; $attempt -le $Retries; $attempt++) {{
        Write-Verbose "{noun}: $FilePath $($ArgumentList -join ' ') (attempt $attempt of $Retries)"
        & $FilePath @ArgumentList
        if ($LASTEXITCODE -eq 0) {{
            return
        }}
        Start-Sleep -Seconds ([math]::Min(2 * $attempt, 10))
    }}
    throw "{noun}: '$FilePath' failed $Retries times (exit code $LASTEXITCODE)"
}}
""",
    """
function Export-{noun}Report {{
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][object]$Data,
        [string]$Name = '{lower}-report'
    )
    $outDir = Join-Path $RepoRoot 'artifacts'
    if (-not (Test-Path -LiteralPath $outDir)) {{
        New-Item -ItemType Directory -Path $outDir | Out-Null
    }}
    $outFile = Join-Path $outDir "$Name.json"
    $Data | ConvertTo-Json -Depth {n} | Set-Content -LiteralPath $outFile -Encoding utf8
    Write-Verbose "wrote $outFile"
    return $outFile
}}
""",
    """
function Test-{noun}Config {{
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Path)
    if (-not (Test-Path -LiteralPath $Path)) {{
        Write-Warning "{noun} config not found: $Path"
        return $false
    }}
    try {{
        $config = Get-Content -LiteralPath $Path -Raw | ConvertFrom-Json
    }} catch {{
        Write-Warning "{noun} config is not valid JSON: $Path"
        return $false
    }}
    foreach ($key in @('name', 'version', 'owners')) {{
        if (-not ($config.PSObject.Properties.Name -contains $key)) {{
            Write-Warning "{noun} config lacks '$key'"
            return $false
        }}
    }}
    return $true
}}
""",
    """
function Format-{noun}Table {{
    param([object[]]$Rows)
    $width = {n}0
    foreach ($row in $Rows) {{
        $name = [string]$row.Name
        if ($name.Length -gt $width) {{
            $name = $name.Substring(0, $width - 1) + '~'
        }}
        $status = if ($row.Passed) {{ 'ok' }} else {{ 'FAIL' }}
        Write-Host ('{{0,-{n}0}} {{1,6}} {{2,8:N1}}s' -f $name, $status, $row.Seconds)
    }}
}}
""",
)

PS_NOUNS = ("Gateway", "Processor", "Broker", "Cache", "Ledger", "Metrics", "Contract", "Image", "Service",
            "Queue", "Harness", "Artifact", "Schema", "Pipeline", "Cluster", "Report")


def powershell_helpers(rng: random.Random, count: int) -> str:
    nouns = rng.sample(PS_NOUNS, count)
    return "".join(rng.choice(PS_HELPERS).format(noun=noun, lower=noun.lower(), n=rng.randint(3, 9))
                   for noun in nouns)


def script_run_all_tests() -> str:
    return """
# pwsh 7 runs the suites in parallel; Windows PowerShell 5.1 gets the same work sequentially.
function Invoke-Suite {
    param([Parameter(Mandatory = $true)][System.IO.DirectoryInfo]$ServiceDir)
    $started = Get-Date
    Push-Location -LiteralPath $ServiceDir.FullName
    try {
        if (Test-Path -LiteralPath 'go.mod') {
            go test ./...
        } elseif (Test-Path -LiteralPath 'requirements.txt') {
            python -m pytest -q
        }
        $passed = ($LASTEXITCODE -eq 0)
    } finally {
        Pop-Location
    }
    return [pscustomobject]@{ Name = $ServiceDir.Name; Passed = $passed; Seconds = ((Get-Date) - $started).TotalSeconds }
}

$serviceDirs = @(Get-ServiceDirs)
Write-Step "Running $($serviceDirs.Count) test suites"
if ($PSVersionTable.PSVersion.Major -ge 7) {
    $suiteFunction = ${function:Invoke-Suite}.ToString()
    $results = $serviceDirs | ForEach-Object -Parallel {
        ${function:Invoke-Suite} = $using:suiteFunction
        Invoke-Suite -ServiceDir $_
    } -ThrottleLimit 4
} else {
    $results = foreach ($dir in $serviceDirs) { Invoke-Suite -ServiceDir $dir }
}

$failed = @($results | Where-Object { -not $_.Passed })
if ($failed.Count -gt 0) {
    Write-Error "$($failed.Count) suite(s) failed: $(($failed | ForEach-Object Name) -join ', ')"
    exit 1
}
Write-Step 'All suites passed'
"""


def script_integration_harness() -> str:
    return """
$RuntimeBudgetSec = 150
$ComposeFile = Join-Path $RepoRoot 'docker-compose.integration.yml'
$ArtifactsDir = Join-Path $RepoRoot 'artifacts'
$stopwatch = [System.Diagnostics.Stopwatch]::StartNew()

function Save-Artifacts {
    if (-not (Test-Path -LiteralPath $ArtifactsDir)) {
        New-Item -ItemType Directory -Path $ArtifactsDir | Out-Null
    }
    docker compose -f $ComposeFile ps --all | Set-Content -LiteralPath (Join-Path $ArtifactsDir 'compose-ps.txt')
    docker compose -f $ComposeFile logs --no-color | Set-Content -LiteralPath (Join-Path $ArtifactsDir 'compose-logs.txt')
}

try {
    Write-Step 'Starting the integration stack'
    docker compose -f $ComposeFile up -d --wait
    if ($LASTEXITCODE -ne 0) { throw 'docker compose up failed' }

    Write-Step 'P1: gateway accepts a job'
    Write-Step 'P2: events carry the job id'
    Write-Step 'P3: the job reaches COMPLETED'
    Write-Step 'P4: the metrics counter is exposed'

    if ($stopwatch.Elapsed.TotalSeconds -gt $RuntimeBudgetSec) {
        Write-Error "Integration run took $([int]$stopwatch.Elapsed.TotalSeconds) s, over the $RuntimeBudgetSec s budget"
        exit 1
    }
} finally {
    # Runs on success, failure and Ctrl+C alike: the logs are what explains a red run.
    Save-Artifacts
    docker compose -f $ComposeFile down --volumes --remove-orphans
}
"""


def script_start_all() -> str:
    return """
$ComposeFile = Join-Path $RepoRoot 'docker-compose.yml'
$missing = @()
foreach ($dir in Get-ServiceDirs) {
    try {
        $version = Get-ServiceVersion -ServiceDir $dir.FullName
        Write-Verbose "$($dir.Name) $version"
    } catch {
        $missing += $dir.Name
    }
}
if ($missing.Count -gt 0) {
    # Fail fast: starting with a fallback tag is how the wrong image ends up running.
    throw "VERSION missing or invalid for: $($missing -join ', ')"
}
Write-Step 'Building images'
docker compose -f $ComposeFile build
if ($LASTEXITCODE -ne 0) { throw 'docker compose build failed' }
Write-Step 'Starting services'
docker compose -f $ComposeFile up -d
if ($LASTEXITCODE -ne 0) { throw 'docker compose up failed' }
"""


def script_validate_contracts() -> str:
    return """
$ContractsDir = Join-Path $RepoRoot 'contracts'
$schemas = Get-ChildItem -LiteralPath (Join-Path $ContractsDir 'schemas') -Filter '*.json' | Sort-Object Name
Write-Step "Validating $($schemas.Count) schemas and their fixtures"
observatory-invariants check --select C1,C2,C3,C5 (Join-Path $ContractsDir 'schemas')
if ($LASTEXITCODE -ne 0) {
    Write-Error 'Contract validation failed; see the findings above.'
    exit $LASTEXITCODE
}
Write-Step 'Contracts are consistent'
"""


def script_collect_logs() -> str:
    return """
$OutDir = Join-Path $RepoRoot 'artifacts'
if (-not (Test-Path -LiteralPath $OutDir)) {
    New-Item -ItemType Directory -Path $OutDir | Out-Null
}
foreach ($dir in Get-ServiceDirs) {
    $logFile = Join-Path $OutDir "$($dir.Name).log"
    docker compose logs --no-color $dir.Name | Set-Content -LiteralPath $logFile
}
Write-Step "Logs written to $OutDir"
"""


POWERSHELL_SCRIPTS = (
    ("run-all-tests.ps1", "The single test entrypoint: every service's test suite.", script_run_all_tests),
    ("integration-harness.ps1", "Brings up the Compose stack and proves the four canonical paths.",
     script_integration_harness),
    ("start-all.ps1", "Builds and starts every service, failing fast on a missing VERSION.", script_start_all),
    ("validate-contracts.ps1", "Checks schemas, fixtures and VERSIONS.md.", script_validate_contracts),
    ("collect-logs.ps1", "Copies every service's logs into artifacts/.", script_collect_logs),
)


def powershell_script(name: str, synopsis: str, body: Callable[[], str], rng: random.Random) -> str:
    helpers = powershell_helpers(rng, rng.randint(9, 13))
    return PS_HEADER.format(synopsis=synopsis, name=name) + helpers + body()


# -- the tree ---------------------------------------------------------------------------------------------------

def build_tree(services: int, schemas: int | None = None, files: int | None = None,
               seed: int = 0) -> tuple[dict[str, str], dict]:
    """The clean tree as ``{path: text}``, plus what violation injection needs to know about it."""
    if services < 1:
        raise ValueError("--services must be at least 1")
    schemas = max(services // 2, 3) if schemas is None else schemas
    if schemas < 3:
        raise ValueError("--schemas must be at least 3 (common-types, job and one event schema)")
    files = FILES_PER_SERVICE * services if files is None else files
    rng = random.Random(f"observatory-monorepo:{seed}")
    tree: dict[str, str] = {}

    def put_json(path: str, value) -> None:
        tree[path] = json.dumps(value, indent=2) + "\n"

    # Contracts.
    events = make_event_schemas(rng, schemas - 2)
    put_json(f"contracts/schemas/{COMMON_TYPES}.json", common_types_schema())
    put_json(f"contracts/schemas/{JOB}.json", job_schema())
    put_json(f"contracts/fixtures/golden/{JOB}-valid.json", job_instance(rng, services))
    missing_status = job_instance(rng, services)
    del missing_status["status"]
    put_json(f"contracts/fixtures/negative/{JOB}-missing-status.json", missing_status)
    for index, event in enumerate(events):
        put_json(f"contracts/schemas/{event.stem}.json", event.to_json())
        put_json(f"contracts/fixtures/golden/{event.stem}-valid.json", event.valid_instance(rng, services))
        if index % 3 == 0:
            put_json(f"contracts/fixtures/golden/{event.stem}-valid-minimal.json",
                     event.valid_instance(rng, services, minimal=True))
        reason = NEGATIVE_REASONS[index % len(NEGATIVE_REASONS)]
        put_json(f"contracts/fixtures/negative/{event.stem}-{reason}.json",
                 event.invalid_instance(rng, services, reason))
    rows = [VersionsRow(COMMON_TYPES, "2.1.0", ["2.1.0", "2.0.0", "1.0.0"], DRAFT_2020_12, "Shared definitions"),
            VersionsRow(JOB, "3.2.0", ["3.2.0", "3.1.0", "3.0.0", "2.0.0", "1.0.0"], DRAFT_2020_12, "Job objects")]
    rows += [VersionsRow(e.stem, e.version, list(e.history), e.dialect, f"`{e.event_type}` events") for e in events]
    rows.sort(key=lambda r: r.stem)
    history_seed = rng.random()
    tree["contracts/VERSIONS.md"] = versions_md(rows, random.Random(history_seed))
    tree["contracts/README.md"] = ("# Contracts\n\nJSON Schemas shared by every service. See VERSIONS.md for the "
                                   "versioning policy; fixtures under fixtures/ prove each schema.\n")

    # Services.
    svc_list = [Service(f"svc-{i:04d}", make_semver(rng), repo_root_context=(i % 2 == 1))
                for i in range(1, services + 1)]
    for svc in svc_list:
        tree[f"{svc.folder}/VERSION"] = svc.version + "\n"
        if svc.repo_root_context:
            tree[f"{svc.folder}/Dockerfile"] = python_dockerfile(svc)
            tree.update(python_sources(svc, rng.choice(events).stem))
        else:
            tree[f"{svc.folder}/Dockerfile"] = go_dockerfile(svc)
            tree.update(go_sources(svc))
        tree[f"infra/k8s/{svc.name}.yaml"] = k8s_manifest(svc, rng.randint(1, 3))
    tree["infra/k8s/platform.yaml"] = k8s_platform()
    tree["docker-compose.yml"] = compose_dev(svc_list)
    tree["docker-compose.integration.yml"] = compose_integration(svc_list)
    tree[".env.example"] = "LOG_LEVEL=info\nAMQP_URL=amqp://rabbitmq:5672\nREDIS_URL=redis://redis:6379/0\n"
    tree[".github/workflows/ci.yml"] = ci_workflow(svc_list)
    tree[".dockerignore"] = ".git\n**/__pycache__\n**/*.pyc\ninfra/\nscripts/\ndocs/\nartifacts/\n"
    tree[".gitignore"] = "__pycache__/\n*.pyc\n/artifacts/\n/bazel-*\n.env\n"

    # Scripts and build tooling.
    for name, synopsis, body in POWERSHELL_SCRIPTS:
        tree[f"scripts/{name}"] = powershell_script(name, synopsis, body, rng)
    tree[".bazelrc"] = "common --lockfile_mode=error\nbuild --incompatible_strict_action_env\n"
    tree["MODULE.bazel"] = 'module(name = "observatory", version = "0.0.0")\n\nbazel_dep(name = "rules_go", version = "0.48.0")\n'
    tree["MODULE.bazel.lock"] = json.dumps({"lockFileVersion": 11, "registryFileHashes": {}}, indent=2) + "\n"
    tree["README.md"] = (f"# Observatory (synthetic)\n\nGenerated by benchmarks/generate_monorepo.py: {services} services, "
                         f"{schemas} schemas, seed {seed}.\n")

    # Filler: more source files per service, and design notes, until the tree holds `files` files.
    filler_needed = max(0, files - len(tree))
    for index in range(filler_needed):
        if index % 10 == 9:
            tree[f"docs/notes/{index:05d}-{rng.choice(WORDS)}.md"] = (
                f"# Note {index}\n\nWhy the {rng.choice(WORDS)} pipeline batches writes: fewer round trips to "
                f"{rng.choice(('redis', 'postgres', 'rabbitmq'))} at peak.\n")
            continue
        svc = svc_list[index % len(svc_list)]
        path, text = filler_source(svc, index, rng)
        tree[path] = text
    return tree, {"events": events, "rows": rows, "history_seed": history_seed}


# -- violations -------------------------------------------------------------------------------------------------

VIOLATION_KINDS = ("C1.golden-bad-uuid", "C3.non-semver-version", "C5.row-mismatch", "C1.negative-accepted",
                   "C3.missing-id", "C5.history-missing")


def inject_violations(tree: dict[str, str], meta: dict, count: int, seed: int, services: int) -> list[InjectedViolation]:
    """Break ``count`` distinct event schemas (or their fixtures / rows), one finding each."""
    events: list[EventSchema] = meta["events"]
    if count > len(events):
        raise ValueError(f"--violations {count}: at most one per event schema ({len(events)} here); add --schemas")
    rng = random.Random(f"observatory-violations:{seed}")
    targets = rng.sample(events, count)
    rows = {r.stem: r for r in meta["rows"]}
    injected = []
    for index, event in enumerate(targets):
        kind = VIOLATION_KINDS[index % len(VIOLATION_KINDS)]
        schema_path = f"contracts/schemas/{event.stem}.json"
        golden_path = f"contracts/fixtures/golden/{event.stem}-valid.json"
        row = rows[event.stem]
        if kind == "C1.golden-bad-uuid":
            instance = json.loads(tree[golden_path])
            instance["id"] = f"{index:08d}-not-a-uuid"
            tree[golden_path] = json.dumps(instance, indent=2) + "\n"
            injected.append(InjectedViolation("C1", golden_path, "golden fixture with an id that is not a uuid"))
        elif kind == "C3.non-semver-version":
            # VERSIONS.md documents the same bad version, so only C3 (not C5) fires.
            bad = ".".join(event.version.split(".")[:2])
            schema = json.loads(tree[schema_path])
            schema["$version"] = bad
            tree[schema_path] = json.dumps(schema, indent=2) + "\n"
            row.version = bad
            row.history = [bad, *row.history]
            injected.append(InjectedViolation("C3", schema_path, f"$version {bad!r} is not SemVer"))
        elif kind == "C5.row-mismatch":
            major, minor, patch = (int(p) for p in event.version.split("."))
            row.version = f"{major}.{minor}.{patch + 1}"
            injected.append(InjectedViolation("C5", "contracts/VERSIONS.md",
                                              f"{event.stem} row says {row.version}, $version is {event.version}"))
        elif kind == "C1.negative-accepted":
            negative = next(p for p in tree if p.startswith(f"contracts/fixtures/negative/{event.stem}-")
                            and p[len(f"contracts/fixtures/negative/{event.stem}-"):-5] in NEGATIVE_REASONS)
            tree[negative] = json.dumps(event.valid_instance(rng, services), indent=2) + "\n"
            injected.append(InjectedViolation("C1", negative, "negative fixture that validates"))
        elif kind == "C3.missing-id":
            schema = json.loads(tree[schema_path])
            del schema["$id"]
            tree[schema_path] = json.dumps(schema, indent=2) + "\n"
            injected.append(InjectedViolation("C3", schema_path, "schema without $id"))
        elif kind == "C5.history-missing":
            row.history = row.history[1:] or ["0.0.1"]
            injected.append(InjectedViolation("C5", "contracts/VERSIONS.md",
                                              f"{event.stem}: history does not list {event.version}"))
    # Same history notes as the clean tree, so the only differences are the injected ones.
    tree["contracts/VERSIONS.md"] = versions_md(meta["rows"], random.Random(meta["history_seed"]))
    return injected


# -- writing ----------------------------------------------------------------------------------------------------

def write_tree(root: Path, tree: dict[str, str]) -> None:
    made: set[str] = set()
    for rel in sorted(tree):
        folder = os.path.dirname(rel)
        if folder not in made:
            (root / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        (root / rel).write_bytes(tree[rel].encode("utf-8"))


def git_commit(root: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "generator", "GIT_AUTHOR_EMAIL": "generator@example.invalid",
           "GIT_COMMITTER_NAME": "generator", "GIT_COMMITTER_EMAIL": "generator@example.invalid",
           "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
    for args in (("init", "-q", "-b", "main"), ("add", "-A"),
                 ("-c", "commit.gpgsign=false", "commit", "-q", "-m", "synthetic monorepo")):
        subprocess.run(("git", "-C", str(root), *args), check=True, env=env, capture_output=True)


def generate(out_dir: str | os.PathLike, services: int, schemas: int | None = None, files: int | None = None,
             seed: int = 0, violations: int = 0, git: bool = False) -> GeneratedRepo:
    """Write the monorepo into ``out_dir`` (which must be missing or empty)."""
    root = Path(out_dir)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; the generator only writes into a new or empty folder")
    tree, meta = build_tree(services, schemas, files, seed)
    injected = inject_violations(tree, meta, violations, seed, services) if violations else []
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, tree)
    if git:
        git_commit(root)
    return GeneratedRepo(root=root.resolve(), files=sorted(tree), services=services,
                         schemas=len(meta["events"]) + 2, violations=injected)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", metavar="OUT_DIR")
    parser.add_argument("--services", type=int, required=True, metavar="N")
    parser.add_argument("--schemas", type=int, metavar="M", help="default: N/2 (at least 3)")
    parser.add_argument("--files", type=int, metavar="F", help=f"total files (default: {FILES_PER_SERVICE} per service)")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--violations", type=int, default=0, metavar="K",
                        help="inject K known C1/C3/C5 violations (one finding each)")
    parser.add_argument("--git", action="store_true", help="git init and commit the tree")
    args = parser.parse_args(argv)
    try:
        repo = generate(args.out_dir, args.services, args.schemas, args.files, args.seed, args.violations, args.git)
    except (ValueError, FileExistsError) as exc:
        print(f"generate_monorepo: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(repo.files)} files to {repo.root}: {repo.services} services, {repo.schemas} schemas"
          + (", git repository" if args.git else ""))
    for v in repo.violations:
        print(f"  injected {v.rule} {v.path}: {v.what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
