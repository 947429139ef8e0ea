"""The engine's modules one by one: regex automata and name matching, local $ref resolution, merging, the memos."""

from __future__ import annotations

import re

import pytest

from observatory_invariants.engines.compat import diff_schemas
from observatory_invariants.engines.compat.context import Context
from observatory_invariants.engines.compat.refs import Node, Unresolved, _local, deref
from observatory_invariants.engines.compat.regex import (STATE_BUDGET, UNDECIDABLE, backtrack_safe, decide,
                                                         search)
from observatory_invariants.engines.compat.schema import MERGE_WEIGHT_CAP, merge


# -- regex: decisions carry their cost; search matches like a linear-time ECMA-262 engine -------------------------
def test_decision_reports_a_positive_cost_and_names_the_bound_it_hit():
    easy = decide("^[a-z]+$", "^[a-c]+$")
    assert easy.relation == "narrower" and easy.reason == "" and easy.cost > 0
    hard = decide(".*a.{12}", ".*b.{12}")
    assert hard.relation == UNDECIDABLE and hard.reason == f"pattern automaton exceeds {STATE_BUDGET} states"
    long = decide("x" * 450, "y" * 450)
    assert long.relation == UNDECIDABLE and "steps" in long.reason


@pytest.mark.parametrize("pattern", ["^x-", "^[a-c]$", "b", "^a$|^b$", "^(ab)+$", "^\\d{2,3}$", "a.c", "^$",
                                     "^[^a-z]", "\\.json$", "^(?:foo|bar)_[0-9]*$", "^a{2}b?$"])
@pytest.mark.parametrize("name", ["x-a", "b", "a", "ab", "abab", "12", "1234", "abc", "a\nc", "", "Foo",
                                  "s.json", "foo_12", "bar_", "aab", "aa", "x"])
def test_search_agrees_with_python_re_on_ascii_names(pattern, name):
    found, cost = search(pattern, name)
    expected = re.search(pattern, name) is not None
    assert found == expected and cost > 0


def test_search_follows_ecma_where_python_differs_and_stays_linear():
    assert search("^a$", "a\n")[0] is False           # Python: match
    assert search("^a.c$", "a\rc")[0] is False        # ECMA . excludes \r
    assert search("^(a+)+$", "a" * 5000 + "!") == (False, search("^(a+)+$", "a" * 5000 + "!")[1])
    assert search("(?=a)", "a")[0] is None            # look-ahead: outside the regular subset


@pytest.mark.parametrize("pattern,safe", [
    ("^[a-z][a-z0-9-]*$", True), ("^(ab)+$", True), ("^(\\d{2})*$", True),
    ("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$", True),
    ("^(a+)+$", False), ("(a|ab)*c", False), (".*a.*a.*a.*a.*b", False), ("a?" * 20 + "a" * 20, False),
    ("^(?=a)", False), ("(a)\\1", False),
])
def test_backtrack_safe(pattern, safe):
    assert backtrack_safe(pattern) is safe


# -- refs: local pointers without referencing give what referencing gives -----------------------------------------
DOC = {"$defs": {"A": {"type": "string"}, "a/b": {"type": "integer"}, "t~x": {"const": 1},
                 "L": [{"type": "null"}], "Scoped": {"$id": "https://x.test/s.json", "$defs": {"In": {}}}},
       "properties": {"a": {"$ref": "#/$defs/A"}}}


@pytest.mark.parametrize("ref", ["#/$defs/A", "#/$defs/a~1b", "#/$defs/t~0x", "#/$defs/L/0", "#", "#/$defs/Nope",
                                 "#/$defs/L/7", "#/$defs/Scoped/$defs/In", "#/$defs/A%20", "#foo", "other.json"])
def test_local_pointer_resolution_matches_referencing(ref):
    cx = Context(DOC, DOC, None, None)
    node = Node({"$ref": ref}, cx.old, None, "", "/here")
    local = _local(node, ref)
    from observatory_invariants.engines.compat.refs import _ASK_REFERENCING

    if local is _ASK_REFERENCING:
        assert ref in ("#/$defs/L/0", "#/$defs/L/7", "#/$defs/Scoped/$defs/In", "#/$defs/A%20", "#foo", "other.json")
        return
    resolved = deref(cx, node)
    try:
        expected = cx.old.resolver.lookup(ref).contents
    except Exception:
        assert local is None and isinstance(resolved, Unresolved) and resolved.reason == "no such definition"
        return
    assert local is expected and resolved.schema is expected


def test_one_hop_is_resolved_once_per_diff():
    cx = Context(DOC, DOC, None, None)
    node = Node(DOC["properties"]["a"], cx.old, None, "", "/properties/a")
    first, second = deref(cx, node), deref(cx, node.with_schema(DOC["properties"]["a"]))
    assert first is second and first.from_ref and first.ptr == "/$defs/A"


# -- merge: allOf [x, x] is x; merged values cannot grow without bound ---------------------------------------------
def test_merge_collapses_one_object_merged_twice():
    shared = {"$ref": "#/$defs/A"}
    merged = merge({"properties": {"a": shared}}, {"properties": {"a": shared}})
    assert merged == {"properties": {"a": shared}} and merged["properties"]["a"] is shared


def test_merge_refuses_values_past_the_weight_cap():
    cx = Context({}, {}, None, None)
    value = {"properties": {"a": {"$ref": "#/x"}}}
    for _ in range(MERGE_WEIGHT_CAP + 5):
        nxt = merge(value, {"properties": {"a": {"$ref": "#/y"}}}, meter=cx)
        if nxt is None:
            break
        value = nxt
    assert nxt is None
    assert cx.weights[id(value["properties"]["a"])][0] <= MERGE_WEIGHT_CAP


# -- the memo reports a $ref target pair once, whichever path reaches it first ------------------------------------------
def test_ref_target_pair_is_reported_once_at_its_definition():
    defs = {"T": {"type": "object", "properties": {"v": {"type": "string"}}}}
    old = {"type": "object", "properties": {"a": {"$ref": "#/$defs/T"}, "b": {"$ref": "#/$defs/T"}}, "$defs": defs}
    new = {**old, "$defs": {"T": {"type": "object", "properties": {"v": {"type": "string", "maxLength": 2}}}}}
    changes = diff_schemas(old, new)
    assert [(c.kind, c.pointer, c.instance_path) for c in changes] == [
        ("bound-tightened", "/$defs/T/properties/v", "/a/v")]
