"""Benchmark C4's engine: diff 1,000 realistic schema pairs (20-50 properties, nesting depth 4).

Each pair is a generated event/job-like schema and a copy with a handful of
edits (a narrowed enum deep down, a new optional field, a tightened bound, a
changed $defs entry, a renamed field, a pattern change from a small set).
Run: ``python benchmarks/bench_compat.py [N]``; prints the total and per-pair time.
"""

from __future__ import annotations

import copy
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from observatory_invariants.engines.compat import diff_schemas, required_bump  # noqa: E402

LEAVES = [
    {"type": "string", "maxLength": 64},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "date-time"},
    {"type": "integer", "minimum": 0},
    {"type": "number", "minimum": 0, "maximum": 100},
    {"type": "boolean"},
    {"type": "string", "enum": ["PENDING", "RUNNING", "DONE", "FAILED"]},
    {"type": ["string", "null"]},
    {"type": "array", "items": {"type": "string"}, "maxItems": 20},
    {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
]
PATTERNS = ["^[a-z][a-z0-9-]*$", "^[a-z][a-z0-9]*$", "^[a-z0-9-]+$"]


def make_object(rng: random.Random, depth: int, width: int) -> dict:
    props = {}
    for i in range(width):
        if depth > 1 and i % 6 == 0:
            props[f"group{i}"] = make_object(rng, depth - 1, max(3, width // 3))
        elif i % 11 == 5:
            props[f"ref{i}"] = {"$ref": "#/$defs/Meta"}
        else:
            props[f"field{i}"] = copy.deepcopy(rng.choice(LEAVES))
    return {"type": "object", "properties": props, "required": sorted(props)[: width // 4],
            "additionalProperties": depth % 2 == 0}


def count_properties(schema: dict) -> int:
    props = schema.get("properties", {})
    return len(props) + sum(count_properties(p) for p in props.values() if isinstance(p, dict))


def make_schema(rng: random.Random) -> dict:
    target = rng.randint(20, 50)   # properties in total, over up to 4 levels of nesting
    body = make_object(rng, 4, max(6, target // 2))
    while count_properties(body) > target:
        body["properties"].popitem()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"https://x.test/s{rng.random()}.json",
            "$version": "1.0.0", **body,
            "$defs": {"Meta": {"type": "object", "properties": {"source": {"type": "string"},
                                                                "tags": {"type": "array", "items": {"type": "string"}}}}}}


def _objects(schema: dict):
    yield schema
    for sub in schema.get("properties", {}).values():
        if isinstance(sub, dict) and sub.get("type") == "object":
            yield from _objects(sub)


def mutate(rng: random.Random, schema: dict) -> dict:
    new = copy.deepcopy(schema)
    objects = list(_objects(new))
    for _ in range(rng.randint(1, 4)):
        obj = rng.choice(objects)
        props = obj["properties"]
        name = rng.choice(sorted(props))
        leaf = props[name]
        choice = rng.randrange(6)
        if choice == 0 and "enum" in leaf:
            leaf["enum"] = leaf["enum"][:-1]
        elif choice == 1:
            props[f"added{rng.randrange(1000)}"] = {"type": "string"}
        elif choice == 2 and "maxLength" in leaf:
            leaf["maxLength"] = 32
        elif choice == 3:
            new["$defs"]["Meta"]["properties"]["source"]["maxLength"] = 10
        elif choice == 4:
            props[f"{name}_v2"] = props.pop(name)
        elif "pattern" in leaf:
            leaf["pattern"] = rng.choice(PATTERNS)
        else:
            leaf["description"] = "edited"
    new["$version"] = "1.1.0"
    return new


def main(count: int = 1000) -> None:
    rng = random.Random(4)
    pairs = []
    for _ in range(count):
        old = make_schema(rng)
        pairs.append((old, mutate(rng, old)))
    # Warm the lazy imports (referencing, greenery) and the pattern cache the way a real run would.
    diff_schemas(*pairs[0])
    for policy in ("seed", "backward"):
        start = time.perf_counter()
        bumps = [required_bump(diff_schemas(old, new, policy=policy)) for old, new in pairs]
        elapsed = time.perf_counter() - start
        majors = sum(1 for b in bumps if str(b) == "major")
        print(f"{policy:8s}: {count} pairs in {elapsed:.3f} s ({elapsed / count * 1000:.3f} ms/pair; "
              f"{majors} need MAJOR)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
