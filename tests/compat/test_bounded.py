"""Hostile input for C4's engine (issue 15, items 5 and 10): every diff ends quickly, in bounded memory, with the
same answer on every run -- and when the work bound is hit the change says so and needs a MAJOR bump.

Each reproduction runs in a fresh interpreter so that its peak RSS is its own (a guard of 300 MB) and its
wall-clock time is measured without the test session around it (a guard of 5 s).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from observatory_invariants.engines.compat import Bump, diff_schemas, is_compatible, required_bump
from observatory_invariants.engines.compat.context import DIFF_BUDGET
from observatory_invariants.engines.compat.walk import diff_changes

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "observatory_invariants" / "engines" / "compat"
SECONDS, MEGABYTES = 5.0, 300


def _chain(depth: int, form: str) -> dict:
    """``$defs`` where definition i references definition i+1 twice (an allOf pair or two properties)."""
    defs = {}
    for i in range(depth):
        ref = {"$ref": f"#/$defs/d{i + 1}"}
        defs[f"d{i}"] = ({"allOf": [ref, dict(ref)]} if form == "allOf"
                         else {"type": "object", "properties": {"a": ref, "b": dict(ref)}})
    defs[f"d{depth}"] = {"type": "object", "properties": {"leaf": {"type": "string", "maxLength": 10}}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "#/$defs/d0", "$defs": defs}


def _slightly_changed(schema: dict, depth: int) -> dict:
    changed = copy.deepcopy(schema)
    changed["$defs"][f"d{depth}"]["properties"]["leaf"]["maxLength"] = 5
    return changed


def _slow_patterns(count: int = 60) -> tuple[dict, dict]:
    """``count`` distinct pattern pairs whose automata blow up (``.*a.{8}x0`` -> ``.*b.{8}x0`` and so on)."""
    old = {f"p{i}": {"type": "string", "pattern": f".*a.{{{8 + i % 3}}}x{i}"} for i in range(count)}
    new = {f"p{i}": {"type": "string", "pattern": f".*b.{{{8 + i % 3}}}x{i}"} for i in range(count)}
    return {"type": "object", "properties": old}, {"type": "object", "properties": new}


def _crossing_defs(count: int) -> tuple[dict, dict]:
    """Definitions that reference each other in a different pattern on each side: count**2 pairs to compare."""
    def doc(step):
        return {"$ref": "#/$defs/d0", "$defs": {
            f"d{i}": {"type": "object", "properties": {f"p{j}": {"$ref": f"#/$defs/d{(i * step + j) % count}"}
                                                       for j in range(4)}} for i in range(count)}}
    return doc(7), doc(11)


def _isolated(body: str) -> dict:
    """Run ``body`` (which sets ``result``) in a fresh interpreter: its result, seconds and peak RSS in MB."""
    script = textwrap.dedent("""
        import json, resource, sys, time
        sys.path.insert(0, {root!r})
        from tests.compat.test_bounded import (_chain, _crossing_defs, _slightly_changed, _slow_patterns,
                                               diff_schemas)
        start = time.perf_counter()
    """).format(root=str(ROOT)) + textwrap.dedent(body) + textwrap.dedent("""
        elapsed = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"result": result, "seconds": elapsed, "rss_mb": rss}))
    """)
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _guarded(report: dict) -> None:
    assert report["seconds"] < SECONDS, report
    assert report["rss_mb"] < MEGABYTES, report


# -- (a) $defs that reference the next definition twice: was 1.6 GB at depth 26, 23.5 GB at depth 60 -------------
@pytest.mark.parametrize("form", ["allOf", "properties"])
@pytest.mark.parametrize("depth", [26, 60])
def test_defs_chain_referencing_the_next_definition_twice(form, depth):
    report = _isolated(f"""
        old = _chain({depth}, {form!r})
        changes = diff_schemas(old, _slightly_changed(old, {depth}))
        result = [[c.kind, c.pointer, str(c.bump)] for c in changes]
    """)
    _guarded(report)
    # found exactly, once: the pair of definitions is compared once, however many paths reach it
    assert report["result"] == [["bound-tightened", f"/$defs/d{depth}/properties/leaf", "major"]]


# -- (b) 60 distinct slow pattern pairs: was 114-134 s (a 2-second budget per decision) -------------------------
def test_sixty_slow_pattern_pairs():
    report = _isolated("""
        changes = diff_schemas(*_slow_patterns(60))
        result = [[c.kind, c.undecidable, str(c.bump), c.message] for c in changes]
    """)
    _guarded(report)
    assert len(report["result"]) == 60
    for kind, undecidable, bump, message in report["result"]:
        assert (kind, undecidable, bump) == ("pattern-changed", True, "major")
        assert "pattern automaton exceeds 3000 states" in message


def test_many_expensive_pattern_decisions_exhaust_the_shared_budget():
    # each of these costs a whole per-decision step budget: the per-diff budget stops the series
    old = {"type": "object", "properties": {f"p{i}": {"type": "string", "pattern": "x" * 400 + str(i)}
                                             for i in range(60)}}
    new = {"type": "object", "properties": {f"p{i}": {"type": "string", "pattern": "y" * 400 + str(i)}
                                             for i in range(60)}}
    start = time.perf_counter()
    changes = diff_schemas(old, new, policy="backward")
    assert time.perf_counter() - start < SECONDS
    assert changes[-1].kind == "budget-exhausted" and len(changes) < 60
    assert all(c.undecidable and c.bump == Bump.MAJOR for c in changes)


# -- (c) the counterexample search ------------------------------------------------------------------------------
def test_counterexample_search_is_bounded_on_hostile_schemas():
    pytest.importorskip("hypothesis_jsonschema")
    report = _isolated("""
        from observatory_invariants.engines.compat.examples import find_counterexample
        chain = _chain(26, "properties")
        redos_old = {"type": "object", "properties": {"s": {"type": "string", "pattern": "^a+b$"}}, "required": ["s"]}
        redos_new = {"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a+)+$"}}, "required": ["s"]}
        remote = {"properties": {"a": {"$ref": "https://example.invalid/never-fetched.json"}}}
        huge = [({"type": "object", "minProperties": 100000}, {"type": "object", "minProperties": 100001}),
                ({"type": "array", "minItems": 50, "items": {"type": "array", "minItems": 50, "items": {
                    "type": "array", "minItems": 50}}}, False),
                ({"type": "string", "minLength": 100000000}, {"type": "string", "minLength": 100000001}),
                ({"type": "string", "pattern": "^a{1000000000}$"}, {"type": "string", "pattern": "^b"})]
        result = [find_counterexample(chain, _slightly_changed(chain, 26)), find_counterexample(redos_old, redos_new),
                  find_counterexample(remote, {"properties": {"a": False}})] + [find_counterexample(*p) for p in huge]
    """)
    _guarded(report)
    assert report["result"] == [None] * 7


def test_counterexample_search_is_bounded_and_reproducible_on_a_realistic_pair():
    pytest.importorskip("hypothesis_jsonschema")
    body = """
        from observatory_invariants.engines.compat.examples import find_counterexample
        leaf = {"type": "string", "enum": ["PENDING", "RUNNING", "DONE", "FAILED"]}
        props = {f"field{i}": {"type": "integer", "minimum": 0} for i in range(4)}
        old = {"type": "object", "properties": {**props, "state": leaf, "meta": {"type": "object", "properties": {
            "source": {"type": "string", "maxLength": 64}, "tags": {"type": "array", "items": {"type": "string"}}}}},
            "required": ["field0", "state"]}
        new = json.loads(json.dumps(old))
        new["properties"]["state"]["enum"] = ["PENDING", "RUNNING", "DONE"]
        result = [find_counterexample(old, new), find_counterexample(new, old)]
    """
    first, second = _isolated(body), _isolated(body)
    _guarded(first)
    _guarded(second)
    assert first["result"] == second["result"]   # derandomised: the same instance in every process
    (found,), none = first["result"]
    assert found["state"] == "FAILED" and none is None


# -- recursive and self-referential schemas terminate ------------------------------------------------------------
@pytest.mark.parametrize("old,new", [
    # an allOf that reaches itself through $ref (was: "the schemas nest too deeply to compare")
    ({"$defs": {"B": {"allOf": [{"$ref": "#/$defs/B"}]}}, "$ref": "#/$defs/B"},
     {"$defs": {"B": {"allOf": [{"$ref": "#/$defs/B"}, {"type": "string"}]}}, "$ref": "#/$defs/B"}),
    # an if whose condition is itself, with a sibling keyword merged into the $ref on every visit
    ({"$defs": {"A": {"if": {"$ref": "#/$defs/A", "maxLength": 3}, "then": {"type": "number"}}}, "$ref": "#/$defs/A"},
     {"$defs": {"A": {"if": {"$ref": "#/$defs/A", "maxLength": 3}, "then": {"type": "number"}, "required": []}},
      "$ref": "#/$defs/A"}),
    # a tree whose nodes are reached through $ref with siblings
    ({"$defs": {"T": {"type": "object", "properties": {"kids": {"type": "array", "items": {
        "$ref": "#/$defs/T", "minProperties": 0}}, "v": {"type": "string"}}}}, "$ref": "#/$defs/T"},
     {"$defs": {"T": {"type": "object", "properties": {"kids": {"type": "array", "items": {
         "$ref": "#/$defs/T", "minProperties": 0}}, "v": {"type": "string", "maxLength": 3}}}}, "$ref": "#/$defs/T"}),
])
def test_recursive_schemas_terminate_without_budget_or_depth_findings(old, new):
    start = time.perf_counter()
    for a, b in ((old, new), (new, old), (old, old)):
        changes = diff_schemas(a, b)
        assert not {"too-deep", "budget-exhausted"} & {c.kind for c in changes}
    assert time.perf_counter() - start < 1


# -- the per-diff budget ----------------------------------------------------------------------------------------
def test_exhausted_budget_is_a_major_change_that_says_so():
    from observatory_invariants.engines.compat.model import with_policy

    start = time.perf_counter()
    changes = diff_changes(*_crossing_defs(400))
    assert time.perf_counter() - start < SECONDS
    last = changes[-1]
    assert last.kind == "budget-exhausted" and last.undecidable
    assert last.message.startswith("comparison budget exhausted at /$defs/")
    assert f"after {DIFF_BUDGET:,} steps" in last.message
    assert last.message.endswith("needs a MAJOR bump; review by hand")
    for policy in ("seed", "backward", "forward", "full"):
        rated = with_policy(changes, policy)
        assert rated[-1].bump == Bump.MAJOR and required_bump(rated) == Bump.MAJOR and not is_compatible(rated)


def test_budget_is_counted_not_timed_so_the_answer_is_the_same_every_time():
    from observatory_invariants.engines.compat.regex import decide, search

    old, new = _slow_patterns(30)
    for budget in (50, 5_000, 200_000):
        decide.cache_clear()
        search.cache_clear()
        cold = diff_changes(old, new, budget=budget)
        warm = diff_changes(old, new, budget=budget)   # pattern decisions now come from the cache
        assert cold == warm
    exhausted = diff_changes(old, new, budget=200_000)
    assert exhausted[-1].kind == "budget-exhausted"
    assert exhausted[-1].pointer == f"/properties/p{len(exhausted) - 1}"   # the property it was comparing


def test_same_answer_in_another_process():
    body = """
        from observatory_invariants.engines.compat.walk import diff_changes
        result = [[c.pointer, c.kind, c.message] for c in diff_changes(*_slow_patterns(30), budget=200_000)]
    """
    here = [[c.pointer, c.kind, c.message] for c in diff_changes(*_slow_patterns(30), budget=200_000)]
    assert _isolated(body)["result"] == here


def test_typical_pair_uses_a_tiny_fraction_of_the_budget():
    from observatory_invariants.engines.compat.walk import Differ

    old = _chain(3, "properties")
    differ = Differ(old, _slightly_changed(old, 3), None, None)
    differ.run()
    assert 0 < differ.steps < DIFF_BUDGET / 1000


# -- determinism by construction ----------------------------------------------------------------------------------
def test_engine_uses_no_clock_threads_gc_or_global_warnings():
    banned = {"time", "threading", "gc", "warnings", "signal", "multiprocessing"}
    for path in sorted(ENGINE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]} if node.level == 0 else set()
            else:
                continue
            assert not names & banned, f"{path.name}: imports {names & banned}"


def test_greenery_is_used_not_patched():
    pytest.importorskip("greenery")
    import greenery.fsm

    from observatory_invariants.engines.compat.regex import decide

    before = dict(vars(greenery.fsm))
    decide.cache_clear()
    assert decide(".*a.{14}", "b").relation == "undecidable"
    assert decide("^[a-z]+$", "^[a-c]+$").relation == "narrower"
    assert dict(vars(greenery.fsm)) == before


def test_a_pair_without_pattern_changes_does_not_load_greenery():
    body = """
        old = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^a+$"}, "b": {"$ref": "#/$defs/B"}},
               "$defs": {"B": {"type": "integer"}}}
        new = json.loads(json.dumps(old))
        new["properties"]["a"]["maxLength"] = 3
        new["$defs"]["B"]["minimum"] = 1
        kinds = [c.kind for c in diff_schemas(old, new)]
        result = [kinds, "greenery" in sys.modules, "referencing" in sys.modules, "hypothesis" in sys.modules]
    """
    assert _isolated(body)["result"] == [["bound-tightened", "bound-tightened"], False, False, False]


def test_compat_changes_survive_json():
    # the budget change is an ordinary Change: the JSON output carries it like any other
    changes = diff_schemas(*_crossing_defs(400))
    assert json.loads(json.dumps([c.to_dict() for c in changes]))[-1]["bump"] == "major"
    assert not is_compatible(changes)


# -- wide input: every pairwise step (branch matching, oneOf overlaps, renames) is charged --------------------------
def _wide(kind: str, branches: int, size: int) -> tuple[dict, dict]:
    def enum(i, n):
        return [f"v{i}_{j}" for j in range(n)]
    if kind == "rename":
        return ({"type": "object", "properties": {f"p{i}": {"enum": enum(0, size)} for i in range(branches)}},
                {"type": "object", "properties": {f"q{i}": {"enum": enum(0, size)} for i in range(branches)}})
    return ({kind: [{"type": "string", "enum": enum(i, size)} for i in range(branches)]},
            {kind: [{"type": "string", "enum": enum(i, size - 1)} for i in range(branches)]})


@pytest.mark.parametrize("kind,branches,size", [("anyOf", 300, 200), ("oneOf", 60, 2000), ("rename", 60, 2000),
                                                ("oneOf", 2000, 5)])
def test_wide_schemas_end_quickly(kind, branches, size):
    report = _isolated(f"""
        from tests.compat.test_bounded import _wide
        changes = diff_schemas(*_wide({kind!r}, {branches}, {size}))
        result = [[c.kind, str(c.bump)] for c in changes]
    """)
    _guarded(report)
    kinds = {kind for kind, _ in report["result"]}
    assert "major" in {bump for _, bump in report["result"]}
    assert kinds <= {"enum-narrowed", "renamed-property", "budget-exhausted"}
