"""Combinators: ``anyOf``/``oneOf`` (and type arrays as unions), ``allOf``, ``not``, ``if``/``then``/``else``,
and ``unevaluatedProperties``/``unevaluatedItems``, which see what the in-place applicators evaluated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .refs import Node, Unresolved, base_uri
from .schema import UNEVALUATED, VALIDATION, InvalidSchema, merge, same, where
from .values import compare_type, covered, types, values

if TYPE_CHECKING:
    from .context import Context


# -- anyOf / oneOf ---------------------------------------------------------------------------------------------
def compare_disjunctions(cx: Context, o: Node, n: Node, ip: str) -> bool:
    """anyOf/oneOf on either side: compare branch by branch. True when that covered everything."""
    ok = next((k for k in ("oneOf", "anyOf") if isinstance(o.schema.get(k), list)), None)
    nk = next((k for k in ("oneOf", "anyOf") if isinstance(n.schema.get(k), list)), None)
    if ok is None and nk is None:
        return False
    if ok == nk:
        core_o = {k: v for k, v in o.schema.items() if k != ok}
        core_n = {k: v for k, v in n.schema.items() if k != nk}
        cx.keep += [core_o, core_n]
        cx.resolved(o.with_schema(core_o), n.with_schema(core_n), ip)
        obs = [o.child(b, ok, i) for i, b in enumerate(o.schema[ok])]
        nbs = [n.child(b, nk, i) for i, b in enumerate(n.schema[nk])]
        if "type" not in core_o and "type" not in core_n:
            _union_type(cx, o, n, obs, nbs, ip)
        _match_branches(cx, obs, nbs, ok, nk, ip)
        return True
    obs, nbs = _branches(cx, o, ok), _branches(cx, n, nk)
    if obs is None or nbs is None:   # parent keywords that cannot be distributed into the branches
        cx.emit("combinator-changed", n, ip, f"{ok or 'a plain schema'} became {nk or 'a plain schema'} "
                f"{where(ip)} in a form the engine cannot compare exactly", True, True, True)
        return True
    if (ok == "oneOf") != (nk == "oneOf"):
        # oneOf rejects values that match several branches; anyOf, a type array or a plain schema does not.
        widened = ok == "oneOf"
        branches = obs if widened else nbs
        cx.charge(len(branches) ** 2)
        disjoint = all(_disjoint(cx, a, b) for i, a in enumerate(branches) for b in branches[i + 1:])
        if not disjoint:
            cx.emit("combinator-changed", n, ip, f"{ok or 'a plain schema'} became {nk or 'a plain schema'} "
                    f"{where(ip)}; the {'old' if widened else 'new'} oneOf branches may overlap, so values "
                    f"matching several branches are now {'accepted' if widened else 'rejected'}",
                    not widened, widened)
    _union_type(cx, o, n, obs, nbs, ip)
    _match_branches(cx, obs, nbs, ok or "anyOf", nk or "anyOf", ip)
    return True


def _union_type(cx: Context, o: Node, n: Node, obs: list[Node], nbs: list[Node], ip: str) -> None:
    """The types all branches together allow: anyOf of types is a type array (the seed: any type change)."""
    ot, nt = _branch_types(cx, obs), _branch_types(cx, nbs)
    if ot != nt:
        compare_type(cx, o, n, ot, nt, ip)


def _branch_types(cx: Context, branches: list[Node]) -> frozenset | None:
    result: set[str] = set()
    for branch in branches:
        resolved = cx.deref(branch)
        if isinstance(resolved, Unresolved):
            return None
        schema = resolved.schema
        if schema is False:
            continue
        if not isinstance(schema, dict):
            return None
        try:
            names = types(schema, resolved)
        except InvalidSchema:
            return None
        if names is None:
            return None
        result |= names
    return frozenset(result)


def _branches(cx: Context, node: Node, keyword: str | None) -> list[Node] | None:
    schema = node.schema
    if keyword is None:
        names = schema.get("type")
        if isinstance(names, list) and len(names) > 1:   # ["string", "null"] is anyOf string | null
            branches = []
            for t in names:
                branch = dict(schema, type=t)
                cx.keep.append(branch)
                branches.append(node.with_schema(branch))
            return branches
        return [node]
    core = {k: v for k, v in schema.items() if k != keyword and k in VALIDATION}
    branches = []
    for i, raw in enumerate(schema[keyword]):
        child = node.child(raw, keyword, i)
        if not core:
            branches.append(child)
            continue
        resolved = cx.deref(child)
        if isinstance(resolved, Unresolved) or not isinstance(resolved.schema, dict):
            return None
        merged = merge(core, resolved.schema, parent="a", meter=cx)
        if merged is None:
            return None
        cx.charge(len(merged))
        cx.keep.append(merged)
        branches.append(resolved.with_schema(merged))
    return branches


def _disjoint(cx: Context, a: Node, b: Node) -> bool:
    """Provably no instance matches both (distinct types, values, or a required tag property)."""
    ra, rb = cx.deref(a), cx.deref(b)
    if isinstance(ra, Unresolved) or isinstance(rb, Unresolved):
        return False
    sa, sb = ra.schema, rb.schema
    if not isinstance(sa, dict) or not isinstance(sb, dict):
        return sa is False or sb is False
    try:
        ta, tb = types(sa, ra), types(sb, rb)
    except InvalidSchema:
        return False
    if ta is not None and tb is not None and not any(covered(t, tb) or (t == "number" and "integer" in tb)
                                                     for t in ta):
        return True
    if _common_values(cx, sa, sb) == 0:
        return True
    pa, pb = sa.get("properties"), sb.get("properties")
    if isinstance(pa, dict) and isinstance(pb, dict):
        required = set(sa.get("required") or ()) & set(sb.get("required") or ())
        cx.charge(len(required))
        for name in sorted(required):
            xa, xb = pa.get(name), pb.get(name)
            if isinstance(xa, dict) and isinstance(xb, dict) and _common_values(cx, xa, xb) == 0:
                return True
    return False


def _value_set(cx: Context, schema: dict) -> frozenset | None:
    """The canonical keys of the values ``enum``/``const`` allow (None: not restricted), once per schema object
    per diff: branch matching asks for them once per pair of branches."""
    key = id(schema)
    if key not in cx.value_sets:
        allowed = values(schema)
        cx.charge(1 + (len(allowed) if allowed else 0))
        cx.value_sets[key] = (None if allowed is None else frozenset(allowed), schema)   # the schema rides along
    return cx.value_sets[key][0]


def _common_values(cx: Context, a: dict, b: dict) -> int | None:
    """How many values both allow (None: one of them is not restricted)."""
    va, vb = _value_set(cx, a), _value_set(cx, b)
    if va is None or vb is None:
        return None
    cx.charge(1 + min(len(va), len(vb)) // 8)
    return len(va & vb)


def _overlaps(cx: Context, branch: Node, branches: list[Node], index: int) -> bool:
    """Whether ``branch`` (``branches[index]``) may share an instance with another of ``branches``."""
    cx.charge(len(branches))
    return not all(_disjoint(cx, branch, other) for k, other in enumerate(branches) if k != index)


def _branch_score(cx: Context, a: Node, b: Node) -> int:
    sa, sb = a.schema, b.schema
    if same(sa, sb):
        return 1000
    if isinstance(sa, dict) and isinstance(sb, dict) and "$ref" in sa and sa.get("$ref") == sb.get("$ref"):
        return 500
    ra, rb = cx.deref(a), cx.deref(b)
    if isinstance(ra, Unresolved) or isinstance(rb, Unresolved):
        return 1
    sa, sb = ra.schema, rb.schema
    if not isinstance(sa, dict) or not isinstance(sb, dict):
        return 1
    score = 1
    pa, pb = sa.get("properties"), sb.get("properties")
    if isinstance(pa, dict) and isinstance(pb, dict):
        tags = set(sa.get("required") or ()) & set(sb.get("required") or ())
        cx.charge(len(tags))
        for name in pa.keys() & pb.keys() & tags:   # a required tag property (discriminated unions)
            if isinstance(pa[name], dict) and isinstance(pb[name], dict):
                common = _common_values(cx, pa[name], pb[name])
                if common is not None:
                    if common:
                        score += 200
                    else:
                        return 0
        score += 10 * len(pa.keys() & pb.keys())
    try:
        ta, tb = types(sa, ra), types(sb, rb)
    except InvalidSchema:
        return score
    if ta == tb:
        score += 50
    elif ta is not None and tb is not None and not (ta & tb) and not ({"integer", "number"} <= (ta | tb)):
        return 0
    common = _common_values(cx, sa, sb)
    if common is not None:
        score += 20 * common
    score += 2 * len(sa.keys() & sb.keys())
    return score


BRANCH_PAIR_COST = 10   # steps to score one pair of branches (dereferencing, tags, types, keys)


def _match_branches(cx: Context, obs: list[Node], nbs: list[Node], ok: str, nk: str, ip: str) -> None:
    cx.charge(len(obs) * len(nbs) * BRANCH_PAIR_COST)
    scored = sorted(((_branch_score(cx, a, b), i, j) for i, a in enumerate(obs) for j, b in enumerate(nbs)),
                    key=lambda t: (-t[0], t[1], t[2]))
    used_o: set[int] = set()
    used_n: set[int] = set()
    pairs = []
    for score, i, j in scored:
        if score > 0 and i not in used_o and j not in used_n:
            used_o.add(i)
            used_n.add(j)
            pairs.append((i, j))
    for i, j in sorted(pairs):
        if ok != "oneOf" and nk != "oneOf":
            cx.compare(obs[i], nbs[j], ip)
            continue
        narrows, widens, _, found = cx.probe(obs[i], nbs[j], ip)
        cx.found.extend(found)
        # oneOf rejects values matching two branches: a branch that grows may now overlap another
        # (old values rejected), one that shrinks may stop overlapping (values rejected before accepted).
        if widens and nk == "oneOf" and _overlaps(cx, nbs[j], nbs, j):
            cx.emit("oneof-overlap", nbs[j], ip, f"oneOf branch {nbs[j].pointer or '/'} accepts more "
                    f"{where(ip)} and may now overlap another branch: values matching both are rejected",
                    True, False)
        if narrows and ok == "oneOf" and _overlaps(cx, obs[i], obs, i):
            cx.emit("oneof-overlap", nbs[j], ip, f"oneOf branch {nbs[j].pointer or '/'} accepts less "
                    f"{where(ip)} and may no longer overlap another branch: values that matched both are "
                    "now accepted", False, True)
    for i, branch in enumerate(obs):
        if i in used_o:
            continue
        overlaps = ok == "oneOf" and _overlaps(cx, branch, obs, i)
        cx.emit("branch-removed", branch, ip, f"{ok} branch {branch.pointer or '/'} was removed {where(ip)}: "
                "values only it accepted are now rejected", True, overlaps)
    for j, branch in enumerate(nbs):
        if j in used_n:
            continue
        overlaps = nk == "oneOf" and _overlaps(cx, branch, nbs, j)
        extra = "; it may overlap other oneOf branches, which rejects values matching both" if overlaps else ""
        cx.emit("branch-added", branch, ip, f"{nk} branch {branch.pointer or '/'} was added {where(ip)}: "
                f"values only it accepts are now accepted{extra}", overlaps, True)


# -- allOf -----------------------------------------------------------------------------------------------------
def compare_all_of(cx: Context, o: Node, n: Node, ip: str) -> tuple[Node, Node]:
    """Compare the ``allOf`` members; returns both nodes with ``allOf`` compared away (merged in or dropped)."""
    oa, na = o.schema.get("allOf"), n.schema.get("allOf")
    if oa is None and na is None:
        return o, n
    for node, members in ((o, oa), (n, na)):
        if members is not None and not isinstance(members, list):
            raise InvalidSchema(f"{node.pointer}/allOf: expected an array of schemas")
    uneval = any(k in o.schema or k in n.schema for k in UNEVALUATED)
    if isinstance(oa, list) and isinstance(na, list) and len(oa) == len(na) and not uneval:
        # Same shape: compare member by member (keeps pointers precise).
        for i, (a, b) in enumerate(zip(oa, na)):
            cx.compare(o.child(a, "allOf", i), n.child(b, "allOf", i), ip)
        return _without(cx, o, "allOf"), _without(cx, n, "allOf")
    fo, fn = flatten(cx, o), flatten(cx, n)
    if fo is not None and fn is not None:
        return fo, fn
    oa, na = oa or [], na or []
    for i in range(max(len(oa), len(na))):
        if i < len(oa) and i < len(na):
            cx.compare(o.child(oa[i], "allOf", i), n.child(na[i], "allOf", i), ip)
        elif i < len(na):
            cx.emit("branch-added", n.child(na[i], "allOf", i), ip,
                    f"allOf member added {where(ip)}: a new constraint every value must meet", True, False)
        else:
            cx.emit("branch-removed", o.child(oa[i], "allOf", i), ip,
                    f"allOf member removed {where(ip)}: a constraint values no longer have to meet", False, True)
    return _without(cx, o, "allOf"), _without(cx, n, "allOf")


def _without(cx: Context, node: Node, key: str) -> Node:
    rest = {k: v for k, v in node.schema.items() if k != key}
    cx.keep.append(rest)
    return node.with_schema(rest)


def flatten(cx: Context, node: Node) -> Node | None:
    """The schema with its allOf members merged in, when that is exact; None otherwise.

    The merged schema depends only on the schema object and how its ``$ref``s resolve, so it is built once
    per diff (a definition that several members reach is merged once, and is the same object each time).
    """
    if node.schema.get("allOf") is None:
        return node
    key = (id(node.schema), id(node.side), base_uri(node))
    if key not in cx.flat:
        # Until it is built, a member that reaches this schema again (allOf through a $ref cycle) cannot
        # be merged: None, and the members are compared one by one.
        cx.flat[key] = None
        cx.flat[key] = _flatten(cx, node)
    merged = cx.flat[key]
    return None if merged is None else node.with_schema(merged)


def _flatten(cx: Context, node: Node) -> dict | None:
    members = node.schema.get("allOf")
    merged = {k: v for k, v in node.schema.items() if k != "allOf"}
    for i, raw in enumerate(members):
        cx.charge(1 + len(merged))
        child = node.child(raw, "allOf", i)
        if isinstance(raw, dict) and "$ref" in raw and not str(raw["$ref"]).startswith("#"):
            return None   # another document's $refs resolve against its own base URI
        resolved = cx.deref(child)
        if isinstance(resolved, Unresolved) or not isinstance(resolved.schema, dict):
            return None
        if any(k in resolved.schema for k in UNEVALUATED):
            return None   # a member's unevaluated* sees only that member's evaluations
        if "allOf" in resolved.schema:
            resolved = flatten(cx, resolved)
            if resolved is None:
                return None
        merged = merge(merged, resolved.schema, parent="a", meter=cx)
        if merged is None:
            return None
    cx.keep.append(merged)
    return merged


# -- not, if/then/else, unevaluated* -------------------------------------------------------------------------
def compare_not(cx: Context, o: Node, n: Node, ip: str) -> None:
    on, nn = o.schema.get("not"), n.schema.get("not")
    if on is None and nn is None:
        return
    if on is None:
        cx.emit("not-added", n, ip, f"a 'not' constraint was added {where(ip)}", True, False)
    elif nn is None:
        cx.emit("not-removed", o, ip, f"the 'not' constraint was removed {where(ip)}", False, True)
    else:
        # valid = not X: a wider X rejects more, a narrower X accepts more.
        narrower, wider, undecidable, _ = cx.probe(o.child(on, "not"), n.child(nn, "not"), ip)
        if narrower or wider:
            cx.emit("not-changed", n.child(nn, "not"), ip, f"the 'not' constraint changed {where(ip)}",
                    wider, narrower, undecidable)


def compare_conditional(cx: Context, o: Node, n: Node, ip: str) -> None:
    oi, ni = o.schema.get("if"), n.schema.get("if")
    if oi is None and ni is None:
        return
    same_if = False
    if oi is not None and ni is not None:
        # Compared as schemas (its $refs followed), not as JSON: the same text may point elsewhere now.
        narrows, widens, undecidable, _ = cx.probe(o.child(oi, "if"), n.child(ni, "if"), ip)
        same_if = not (narrows or widens or undecidable)
    if same_if:
        for key in ("then", "else"):
            cx.compare(o.child(o.schema.get(key, True), key), n.child(n.schema.get(key, True), key), ip)
        return
    cx.emit("conditional-changed", n, ip, f"the if/then/else condition changed {where(ip)}; the engine "
            "does not decide conditionals (treated as breaking both ways)", True, True, True)


def compare_unevaluated(cx: Context, o: Node, n: Node, ip: str, key: str) -> None:
    """``unevaluatedProperties`` / ``unevaluatedItems``."""
    ov, nv = o.schema.get(key, True), n.schema.get(key, True)
    if same(ov, nv):
        return
    if nv is False and ov is not False:
        cx.emit("unevaluated-closed", n.child(nv, key), ip, f"{key} is now false {where(ip)}: values with "
                "anything no other keyword describes are rejected", True, False)
    elif ov is False and nv is not False:
        cx.emit("unevaluated-opened", n.child(nv, key), ip, f"{key} is no longer false {where(ip)}",
                False, True)
    else:
        cx.compare(o.child(ov, key), n.child(nv, key), f"{ip}/*")
