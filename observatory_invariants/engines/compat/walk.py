"""The structural diff: walk an old and a new JSON Schema side by side and list what changed.

Every change carries its exact set-semantics direction (``narrows``: an
instance the old schema accepted is rejected now; ``widens``: the reverse);
the policy (model.bump_for) turns that into a bump. Both schemas are walked
together from the root: ``$ref`` is followed on each side in its own
registry (``referencing``, offline), and a pair of ``$ref`` targets already
being compared is assumed to hold (coinduction), so recursive schemas
terminate. Subtrees that are equal and hold no ``$ref`` are skipped whole,
which is what keeps a typical pair well under a millisecond.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping

from .model import Change

ALL_TYPES = ("null", "boolean", "object", "array", "number", "string")
_KNOWN_TYPES = frozenset(ALL_TYPES) | {"integer"}

# Keywords that change which instances are valid; everything else is an annotation (cosmetic).
_VALIDATION = frozenset({
    "type", "enum", "const",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "format",
    "items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems",
    "contains", "minContains", "maxContains", "unevaluatedItems",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames",
    "minProperties", "maxProperties", "dependentRequired", "dependentSchemas", "dependencies",
    "unevaluatedProperties",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "$ref", "$dynamicRef", "$recursiveRef",
})
# Not compared at all: containers reached through $ref, and the version itself.
_SKIPPED = frozenset({"$defs", "definitions", "$version"})
_LEGACY_DIALECTS = ("draft-04", "draft-06", "draft-07")
_REF_MARKERS = ('"$ref"', '"$dynamicRef"', '"$recursiveRef"')
MAX_DEPTH = 200


class InvalidSchema(ValueError):
    """The input is JSON but not a usable JSON Schema (names where, says what is wrong)."""


def _not_keyword(key: str, legacy: bool) -> bool:
    """Validation keywords of one dialect that the other does not have (so they are mere annotations)."""
    if legacy:
        return key in ("dependentRequired", "dependentSchemas")
    return key == "dependencies"


def _esc(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_REPR_REF_MARKERS = ("'$ref'", "'$dynamicRef'", "'$recursiveRef'")


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (``true`` is not ``1``) and free of ``$ref``: nothing under it can differ.

    ``==`` alone says ``True == 1``; the reprs tell them apart (and are cheap, in C). Equal
    values with keys in another order fail the repr test and are simply walked.
    """
    if a is b:
        return not isinstance(a, (dict, list)) or not any(m in repr(a) for m in _REPR_REF_MARKERS)
    if a != b:
        return False
    text = repr(a)
    return text == repr(b) and not any(marker in text for marker in _REPR_REF_MARKERS)


def _json_equal(a: Any, b: Any) -> bool:
    return a == b and _dumps(a) == _dumps(b)


def _value_key(value: Any) -> str:
    """A canonical spelling of a JSON value for set comparisons (1 == 1.0, true != 1)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _dumps(value)


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(instance_path: str) -> str:
    return f"at {instance_path}" if instance_path else "at the root"


class _Side:
    """One schema document and the lazily built offline registry its ``$ref``s resolve in."""

    def __init__(self, root: Any, registry: Any, label: str):
        self.root = root
        self.registry = registry
        self.legacy = isinstance(root, dict) and any(d in str(root.get("$schema", "")) for d in _LEGACY_DIALECTS)
        root_id = root.get("$id") if isinstance(root, dict) else None
        self.base = root_id.rstrip("#") if isinstance(root_id, str) and root_id else f"urn:observatory-invariants:{label}"
        self._resolver = None

    @property
    def resolver(self):
        if self._resolver is None:
            self._resolver = _build_resolver(self.root, self.base, self.registry)
        return self._resolver


def _refuse(uri: str):
    from referencing.exceptions import NoSuchResource

    # Offline by design: only the schemas handed in are ever looked at.
    raise NoSuchResource(ref=uri)


def _build_resolver(root: Any, base: str, registry: Any):
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def resource(contents):
        try:
            return Resource.from_contents(contents, default_specification=DRAFT202012)
        except Exception:  # an unknown $schema: read it as 2020-12
            return DRAFT202012.create_resource(contents)

    if registry is None:
        reg = Registry(retrieve=_refuse)
    elif isinstance(registry, Registry):
        reg = registry
    elif isinstance(registry, Mapping):
        reg = Registry(retrieve=_refuse).with_resources(
            (uri.rstrip("#"), resource(doc)) for uri, doc in registry.items() if isinstance(doc, (dict, bool)))
    elif callable(registry):
        def retrieve(uri: str):
            from referencing.exceptions import NoSuchResource

            doc = registry(uri)
            if doc is None:
                raise NoSuchResource(ref=uri)
            return resource(doc)
        reg = Registry(retrieve=retrieve)
    else:
        raise TypeError("registry must be a referencing.Registry, a mapping of $id to schema, or a callable")
    reg = reg.with_resource(base, resource(root))
    return reg.resolver(base_uri=base)


class _Node:
    """A subschema on one side, where it sits (for pointers) and how its ``$ref``s resolve."""

    __slots__ = ("schema", "side", "resolver", "loc", "ptr", "from_ref")

    def __init__(self, schema, side: _Side, resolver, loc: str, ptr: str, from_ref: bool = False):
        self.schema = schema
        self.side = side
        self.resolver = resolver          # None: the root document's resolver
        self.loc = loc                    # "" for the root document, else the resource URI
        self.ptr = ptr
        self.from_ref = from_ref

    def child(self, schema, *keys) -> _Node:
        resolver = self.resolver
        if isinstance(schema, dict) and isinstance(schema.get("$id"), str) and not self.side.legacy:
            # A nested $id starts a new base URI for the $refs under it.
            try:
                from referencing.jsonschema import DRAFT202012

                resolver = (resolver or self.side.resolver).in_subresource(DRAFT202012.create_resource(schema))
            except Exception:
                pass
        ptr = self.ptr + "".join("/" + _esc(k) for k in keys)
        return _Node(schema, self.side, resolver, self.loc, ptr)

    def with_schema(self, schema) -> _Node:
        return _Node(schema, self.side, self.resolver, self.loc, self.ptr)

    @property
    def pointer(self) -> str:
        return f"{self.loc}#{self.ptr}" if self.loc else self.ptr


class _Unresolved:
    __slots__ = ("ref", "reason")

    def __init__(self, ref: str, reason: str):
        self.ref, self.reason = ref, reason


def _types(schema: dict, node: _Node) -> frozenset | None:
    raw = schema.get("type")
    if raw is None:
        types = None
    else:
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not names or any(t not in _KNOWN_TYPES for t in names):
            raise InvalidSchema(f"{node.pointer}/type: {_quote(raw)} is not a JSON Schema type or list of types")
        types = frozenset(names)
    # OpenAPI's ``nullable`` is not a JSON Schema keyword: validators ignore it, and so does the engine.
    return types


def _covered(t: str, types: frozenset | None) -> bool:
    return types is None or t in types or (t == "integer" and "number" in types)


def _allows(types: frozenset | None, family: str) -> bool:
    if types is None:
        return True
    if family == "number":
        return "number" in types or "integer" in types
    return family in types


def _values(schema: dict) -> dict[str, Any] | None:
    """The allowed values by canonical key when ``enum``/``const`` constrain them, else None."""
    result = None
    if "enum" in schema and isinstance(schema["enum"], list):
        result = {_value_key(v): v for v in schema["enum"]}
    if "const" in schema:
        key = _value_key(schema["const"])
        result = {key: schema["const"]} if result is None or key in result else {}
    return result


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                     "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
                     "minContains", "maxContains")


def _check_numbers(node: _Node) -> None:
    """Numeric keywords must be finite numbers (and ``multipleOf`` > 0): else the input is not a schema."""
    schema = node.schema
    for key in _NUMERIC_KEYWORDS:
        value = schema.get(key)
        if value is None or not _number(value):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidSchema(f"{node.pointer}/{key}: {value!r} is not a finite number")
        if key == "multipleOf" and value <= 0:
            raise InvalidSchema(f"{node.pointer}/multipleOf: must be greater than 0, found {value!r}")


def _lower(schema: dict, integer: bool):
    """The tightest lower bound as ``(value, exclusive)``, or None."""
    bounds = []
    if _number(schema.get("minimum")):
        # draft-04: a boolean exclusiveMinimum makes minimum itself exclusive
        bounds.append((schema["minimum"], schema.get("exclusiveMinimum") is True))
    if _number(schema.get("exclusiveMinimum")):
        bounds.append((schema["exclusiveMinimum"], True))
    if not bounds:
        return None
    value, exclusive = max(bounds, key=lambda b: (b[0], b[1]))
    if integer:  # for integers, > 1.5 and >= 2 are the same bound
        return (math.floor(value) + 1 if exclusive else math.ceil(value)), False
    return value, exclusive


def _upper(schema: dict, integer: bool):
    bounds = []
    if _number(schema.get("maximum")):
        bounds.append((schema["maximum"], schema.get("exclusiveMaximum") is True))
    if _number(schema.get("exclusiveMaximum")):
        bounds.append((schema["exclusiveMaximum"], True))
    if not bounds:
        return None
    value, exclusive = min(bounds, key=lambda b: (b[0], not b[1]))
    if integer:
        return (math.ceil(value) - 1 if exclusive else math.floor(value)), False
    return value, exclusive


def _bound_text(bound, upper: bool) -> str:
    if bound is None:
        return "none"
    value, exclusive = bound
    return f"{'<' if upper else '>'}{'' if exclusive else '='} {value}"


# Keywords that only mean something together inside one schema object: merging them across allOf
# members (or a $ref and its siblings) would change what they accept.
_LOCAL_GROUPS = (
    frozenset({"prefixItems", "items", "additionalItems"}),
    frozenset({"if", "then", "else"}),
    frozenset({"contains", "minContains", "maxContains"}),
)
_UNEVALUATED = ("unevaluatedProperties", "unevaluatedItems")


def _merge(a: dict, b: dict, parent: str | None = None) -> dict | None:
    """``a`` and ``b`` as one schema when that means exactly ``allOf: [a, b]``; None when it would not.

    ``parent`` names the side ("a" or "b") that is the enclosing schema object, whose
    ``unevaluated*`` keywords see the other side's evaluations (so they may be merged with them).
    """
    va = {k for k in a if k in _VALIDATION}
    vb = {k for k in b if k in _VALIDATION}
    # additionalProperties only sees the properties / patternProperties of its own schema object.
    if ("additionalProperties" in va and vb & {"properties", "patternProperties", "additionalProperties"}) or \
            ("additionalProperties" in vb and va & {"properties", "patternProperties", "additionalProperties"}):
        return None
    for group in _LOCAL_GROUPS:
        ga, gb = va & group, vb & group
        if ga and gb and not (ga == gb and all(_json_equal(a[k], b[k]) for k in ga)):
            return None
    for key in _UNEVALUATED:
        for side, this, other in (("a", va, vb), ("b", vb, va)):
            if key in this and other and (parent != side or key in other):
                return None
    merged = dict(a)
    for key, value in b.items():
        if key not in _VALIDATION:
            continue
        if key in ("$ref", "$dynamicRef", "$recursiveRef"):
            return None
        if key not in merged:
            merged[key] = value
        elif key == "properties" and isinstance(value, dict) and isinstance(merged[key], dict):
            props = dict(merged[key])
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props and not _same(props[name], sub) else sub
            merged[key] = props
        elif key == "required" and isinstance(value, list) and isinstance(merged[key], list):
            merged[key] = list(dict.fromkeys([*merged[key], *value]))
        elif not _json_equal(merged[key], value):
            return None
    return merged


class _Differ:
    def __init__(self, old, new, old_registry, new_registry):
        self.old = _Side(old, old_registry, "old")
        self.new = _Side(new, new_registry, "new")
        self.changes: list[Change] = []
        self.active: set[tuple[int, int]] = set()
        self.done: dict[tuple[int, int], list[Change]] = {}
        self.keep: list[Any] = []   # temporaries whose id() keys the caches: keep them alive
        self.depth = 0

    # -- plumbing --------------------------------------------------------------------------
    def run(self) -> list[Change]:
        o = _Node(self.old.root, self.old, None, "", "")
        n = _Node(self.new.root, self.new, None, "", "")
        if isinstance(self.old.root, dict) and isinstance(self.new.root, dict):
            self._root_annotations(o, n)
        self.compare(o, n, "")
        if isinstance(self.old.root, dict) and isinstance(self.new.root, dict):
            self._definitions(o, n)
        return self.changes

    def _definitions(self, o: _Node, n: _Node) -> None:
        """Every ``$defs`` / ``definitions`` entry of the root, as a schema of its own.

        Other files ``$ref`` them by ``$id`` (a file may be nothing but a library of definitions), so a
        narrowed definition needs this file's MAJOR bump even when nothing in this file uses it. Pairs
        already compared through a ``$ref`` are not compared again.
        """
        for key in ("$defs", "definitions"):
            od, nd = o.schema.get(key), n.schema.get(key)
            od = od if isinstance(od, dict) else {}
            nd = nd if isinstance(nd, dict) else {}
            for name in dict.fromkeys([*od, *nd]):
                where = f"<{key}/{_esc(name)}>"
                if name in od and name in nd:
                    a, b = od[name], nd[name]
                    if _same(a, b) or (id(a), id(b)) in self.done:
                        continue
                    self.compare(o.child(a, key, name), n.child(b, key, name), where)
                elif name in od:
                    self.emit("definition-removed", o.child(od[name], key, name), where,
                              f"definition {key}/{name} was removed: $refs to it (from this or other schemas) "
                              "no longer resolve", True, True)
                else:
                    self.emit("definition-added", n.child(nd[name], key, name), where,
                              f"definition {key}/{name} was added (it constrains nothing until referenced)",
                              False, False)

    def emit(self, kind: str, node: _Node, instance_path: str, message: str, narrows: bool, widens: bool,
             undecidable: bool = False) -> None:
        if undecidable:
            narrows = widens = True
        self.changes.append(Change(pointer=node.pointer, instance_path=instance_path, kind=kind, message=message,
                                   narrows=narrows, widens=widens, undecidable=undecidable))

    def probe(self, o: _Node, n: _Node, instance_path: str) -> tuple[bool, bool, bool, list[Change]]:
        """Compare without reporting: (narrows, widens, undecidable, changes) of the whole subtree."""
        saved, self.changes = self.changes, []
        try:
            self.compare(o, n, instance_path)
            found = self.changes
        finally:
            self.changes = saved
        return (any(c.narrows for c in found), any(c.widens for c in found), any(c.undecidable for c in found),
                found)

    def deref(self, node: _Node) -> _Node | _Unresolved:
        seen: set[int] = set()
        while isinstance(node.schema, dict):
            schema = node.schema
            ref_key = next((k for k in ("$ref", "$dynamicRef", "$recursiveRef") if k in schema), None)
            if ref_key is None:
                return node
            ref = schema[ref_key]
            if not isinstance(ref, str):
                raise InvalidSchema(f"{node.pointer}/{ref_key}: expected a URI string, found {_quote(ref)}")
            from referencing.exceptions import Unresolvable

            resolver = node.resolver or node.side.resolver
            try:
                resolved = resolver.lookup(ref)
            except Unresolvable as exc:
                kind = type(exc).__name__
                why = "no such definition" if kind == "PointerToNowhere" else "no schema with that $id is known offline"
                return _Unresolved(ref, why)
            target = resolved.contents
            if id(target) in seen:
                return _Unresolved(ref, "a $ref cycle that never reaches a schema")
            seen.add(id(target))
            uri, _, fragment = ref.partition("#")
            base = getattr(resolved.resolver, "_base_uri", "") or ""
            loc = "" if base.rstrip("#") == node.side.base else (base or uri)
            ptr = fragment if fragment.startswith("/") or not fragment else f"#{fragment}"
            if uri == "" and not fragment.startswith("/") and fragment:
                loc = node.loc
            target_node = _Node(target, node.side, resolved.resolver, loc, ptr, from_ref=True)
            siblings = {k: v for k, v in schema.items() if k in _VALIDATION and k != ref_key}
            if siblings and not node.side.legacy:   # 2020-12: $ref applies alongside its siblings
                merged = (_merge(target, siblings, parent="b") if isinstance(target, dict) and ref.startswith("#")
                          else None)
                if merged is None:
                    merged = {"allOf": [{ref_key: ref}, siblings]}
                    self.keep.append(merged)
                    return node.with_schema(merged)
                self.keep.append(merged)
                target_node = _Node(merged, node.side, resolved.resolver, loc, ptr)
            node = target_node
        return node

    def compare(self, o: _Node, n: _Node, ip: str) -> None:
        if _same(o.schema, n.schema):
            return
        if self.depth > MAX_DEPTH:
            self.emit("too-deep", n, ip, f"schemas nest more than {MAX_DEPTH} levels {_where(ip)}; not compared "
                                         "further (treated as breaking both ways)", True, True, True)
            return
        ro, rn = self.deref(o), self.deref(n)
        if isinstance(ro, _Unresolved) or isinstance(rn, _Unresolved):
            if isinstance(ro, _Unresolved) and isinstance(rn, _Unresolved) and ro.ref == rn.ref:
                return  # the same broken reference on both sides: C3's business, not a change
            side, bad, node = ("old", ro, o) if isinstance(ro, _Unresolved) else ("new", rn, n)
            self.emit("unresolvable-ref", node, ip, f"the {side} schema's $ref {bad.ref!r} cannot be resolved "
                      f"({bad.reason}), so what it points to cannot be compared; fix the $ref", True, True, True)
            return
        o, n = ro, rn
        key = None
        if o.from_ref or n.from_ref:
            key = (id(o.schema), id(n.schema))
            if key in self.active:
                return  # recursion: this pair is already being compared further up
            cached = self.done.get(key)
            if cached is not None:
                self.changes.extend(cached)
                return
            self.active.add(key)
            start = len(self.changes)
        self.depth += 1
        try:
            self._compare_resolved(o, n, ip)
        finally:
            self.depth -= 1
            if key is not None:
                self.active.discard(key)
                self.done[key] = self.changes[start:]

    # -- one pair of resolved schemas -----------------------------------------------------------
    def _compare_resolved(self, o: _Node, n: _Node, ip: str) -> None:
        os_, ns = o.schema, n.schema
        if _same(os_, ns):
            return
        if isinstance(os_, bool) or isinstance(ns, bool):
            if os_ is False and ns is False:
                return
            if os_ is False:
                self.emit("schema-opened", n, ip, f"values {_where(ip)} were always rejected and are now accepted",
                          False, True)
                return
            if ns is False:
                self.emit("schema-closed", n, ip, f"values {_where(ip)} are now always rejected", True, False)
                return
            os_ = {} if os_ is True else os_
            ns = {} if ns is True else ns
            o, n = o.with_schema(os_), n.with_schema(ns)
        for node in (o, n):
            if not isinstance(node.schema, dict):
                raise InvalidSchema(f"{node.pointer or '/'}: expected a schema (an object or a boolean), "
                                    f"found {_quote(node.schema)}")
        _check_numbers(o)
        _check_numbers(n)
        self._annotations(o, n, ip)
        if self._disjunctions(o, n, ip):
            return
        o, n = self._all_of(o, n, ip)
        os_, ns = o.schema, n.schema
        self._not(o, n, ip)
        self._conditional(o, n, ip)

        ot, nt = _types(os_, o), _types(ns, n)
        self._type(o, n, ot, nt, ip)
        self._enum(o, n, ip)
        integer = ot is not None and nt is not None and ot <= {"integer"} and nt <= {"integer"}
        if _allows(ot, "number") and _allows(nt, "number"):
            self._numbers(o, n, ip, integer)
        if _allows(ot, "string") and _allows(nt, "string"):
            self._strings(o, n, ip)
        if _allows(ot, "array") and _allows(nt, "array"):
            self._arrays(o, n, ip)
        if _allows(ot, "object") and _allows(nt, "object"):
            self._objects(o, n, ip)

    # -- annotations ------------------------------------------------------------------------------
    def _root_annotations(self, o: _Node, n: _Node) -> None:
        old_dialect, new_dialect = o.schema.get("$schema"), n.schema.get("$schema")
        if old_dialect != new_dialect:
            self.emit("dialect-changed", n, "", f"$schema changed from {_quote(old_dialect)} to "
                      f"{_quote(new_dialect)}; the engine reads both dialects the same way", False, False)

    def _annotations(self, o: _Node, n: _Node, ip: str) -> None:
        changed = [k for k in dict.fromkeys([*o.schema, *n.schema])
                   if (k not in _VALIDATION or _not_keyword(k, o.side.legacy)) and k not in _SKIPPED and k != "$schema"
                   and not _json_equal(o.schema.get(k), n.schema.get(k))]
        if changed:
            self.emit("cosmetic", n, ip, f"annotation{'s' if len(changed) > 1 else ''} "
                      f"{', '.join(changed)} changed {_where(ip)} (no effect on validation)", False, False)

    # -- combinators -------------------------------------------------------------------------------
    def _disjunctions(self, o: _Node, n: _Node, ip: str) -> bool:
        """anyOf/oneOf on either side: compare branch by branch. True when that covered everything."""
        ok = next((k for k in ("oneOf", "anyOf") if isinstance(o.schema.get(k), list)), None)
        nk = next((k for k in ("oneOf", "anyOf") if isinstance(n.schema.get(k), list)), None)
        if ok is None and nk is None:
            return False
        if ok == nk:
            core_o = {k: v for k, v in o.schema.items() if k != ok}
            core_n = {k: v for k, v in n.schema.items() if k != nk}
            self.keep += [core_o, core_n]
            self._compare_resolved(o.with_schema(core_o), n.with_schema(core_n), ip)
            obs = [o.child(b, ok, i) for i, b in enumerate(o.schema[ok])]
            nbs = [n.child(b, nk, i) for i, b in enumerate(n.schema[nk])]
            if "type" not in core_o and "type" not in core_n:
                self._union_type(o, n, obs, nbs, ip)
            self._match_branches(obs, nbs, ok, nk, o, n, ip)
            return True
        obs, nbs = self._branches(o, ok), self._branches(n, nk)
        if obs is None or nbs is None:   # parent keywords that cannot be distributed into the branches
            self.emit("combinator-changed", n, ip, f"{ok or 'a plain schema'} became {nk or 'a plain schema'} "
                      f"{_where(ip)} in a form the engine cannot compare exactly", True, True, True)
            return True
        if (ok == "oneOf") != (nk == "oneOf"):
            # oneOf rejects values that match several branches; anyOf, a type array or a plain schema does not.
            widened = ok == "oneOf"
            branches = obs if widened else nbs
            disjoint = all(self._disjoint(a, b) for i, a in enumerate(branches) for b in branches[i + 1:])
            if not disjoint:
                self.emit("combinator-changed", n, ip, f"{ok or 'a plain schema'} became {nk or 'a plain schema'} "
                          f"{_where(ip)}; the {'old' if widened else 'new'} oneOf branches may overlap, so values "
                          f"matching several branches are now {'accepted' if widened else 'rejected'}",
                          not widened, widened)
        self._union_type(o, n, obs, nbs, ip)
        self._match_branches(obs, nbs, ok or "anyOf", nk or "anyOf", o, n, ip)
        return True

    def _union_type(self, o: _Node, n: _Node, obs: list[_Node], nbs: list[_Node], ip: str) -> None:
        """The types all branches together allow: anyOf of types is a type array (the seed: any type change)."""
        ot, nt = self._branch_types(obs), self._branch_types(nbs)
        if ot != nt:
            self._type(o, n, ot, nt, ip)

    def _branch_types(self, branches: list[_Node]) -> frozenset | None:
        result: set[str] = set()
        for branch in branches:
            resolved = self.deref(branch)
            if isinstance(resolved, _Unresolved):
                return None
            schema = resolved.schema
            if schema is False:
                continue
            if not isinstance(schema, dict):
                return None
            try:
                types = _types(schema, resolved)
            except InvalidSchema:
                return None
            if types is None:
                return None
            result |= types
        return frozenset(result)

    def _branches(self, node: _Node, keyword: str | None) -> list[_Node] | None:
        schema = node.schema
        if keyword is None:
            types = schema.get("type")
            if isinstance(types, list) and len(types) > 1:   # ["string", "null"] is anyOf string | null
                branches = []
                for t in types:
                    branch = dict(schema, type=t)
                    self.keep.append(branch)
                    branches.append(node.with_schema(branch))
                return branches
            return [node]
        core = {k: v for k, v in schema.items() if k != keyword and k in _VALIDATION}
        branches = []
        for i, raw in enumerate(schema[keyword]):
            child = node.child(raw, keyword, i)
            if not core:
                branches.append(child)
                continue
            resolved = self.deref(child)
            if isinstance(resolved, _Unresolved) or not isinstance(resolved.schema, dict):
                return None
            merged = _merge(core, resolved.schema, parent="a")
            if merged is None:
                return None
            self.keep.append(merged)
            branches.append(resolved.with_schema(merged))
        return branches

    def _disjoint(self, a: _Node, b: _Node) -> bool:
        """Provably no instance matches both (distinct types, values, or a required tag property)."""
        ra, rb = self.deref(a), self.deref(b)
        if isinstance(ra, _Unresolved) or isinstance(rb, _Unresolved):
            return False
        sa, sb = ra.schema, rb.schema
        if not isinstance(sa, dict) or not isinstance(sb, dict):
            return sa is False or sb is False
        try:
            ta, tb = _types(sa, ra), _types(sb, rb)
        except InvalidSchema:
            return False
        if ta is not None and tb is not None and not any(_covered(t, tb) or (t == "number" and "integer" in tb)
                                                         for t in ta):
            return True
        va, vb = _values(sa), _values(sb)
        if va is not None and vb is not None and not set(va) & set(vb):
            return True
        pa, pb = sa.get("properties"), sb.get("properties")
        if isinstance(pa, dict) and isinstance(pb, dict):
            required = set(sa.get("required") or ()) & set(sb.get("required") or ())
            for name in required:
                xa, xb = pa.get(name), pb.get(name)
                if isinstance(xa, dict) and isinstance(xb, dict):
                    va, vb = _values(xa), _values(xb)
                    if va is not None and vb is not None and not set(va) & set(vb):
                        return True
        return False

    def _branch_score(self, a: _Node, b: _Node) -> int:
        sa, sb = a.schema, b.schema
        if _same(sa, sb):
            return 1000
        if isinstance(sa, dict) and isinstance(sb, dict) and "$ref" in sa and sa.get("$ref") == sb.get("$ref"):
            return 500
        ra, rb = self.deref(a), self.deref(b)
        if isinstance(ra, _Unresolved) or isinstance(rb, _Unresolved):
            return 1
        sa, sb = ra.schema, rb.schema
        if not isinstance(sa, dict) or not isinstance(sb, dict):
            return 1
        score = 1
        pa, pb = sa.get("properties"), sb.get("properties")
        if isinstance(pa, dict) and isinstance(pb, dict):
            tags = set(sa.get("required") or ()) & set(sb.get("required") or ())
            for name in pa.keys() & pb.keys() & tags:   # a required tag property (discriminated unions)
                va = _values(pa[name]) if isinstance(pa[name], dict) else None
                vb = _values(pb[name]) if isinstance(pb[name], dict) else None
                if va is not None and vb is not None:
                    if set(va) & set(vb):
                        score += 200
                    else:
                        return 0
            score += 10 * len(pa.keys() & pb.keys())
        try:
            ta, tb = _types(sa, ra), _types(sb, rb)
        except InvalidSchema:
            return score
        if ta == tb:
            score += 50
        elif ta is not None and tb is not None and not (ta & tb) and not ({"integer", "number"} <= (ta | tb)):
            return 0
        va, vb = _values(sa), _values(sb)
        if va is not None and vb is not None:
            score += 20 * len(set(va) & set(vb))
        score += 2 * len(sa.keys() & sb.keys())
        return score

    def _match_branches(self, obs: list[_Node], nbs: list[_Node], ok: str, nk: str, o: _Node, n: _Node,
                        ip: str) -> None:
        scored = sorted(((self._branch_score(a, b), i, j) for i, a in enumerate(obs) for j, b in enumerate(nbs)),
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
                self.compare(obs[i], nbs[j], ip)
                continue
            narrows, widens, _, found = self.probe(obs[i], nbs[j], ip)
            self.changes.extend(found)
            # oneOf rejects values matching two branches: a branch that grows may now overlap another
            # (old values rejected), one that shrinks may stop overlapping (values rejected before accepted).
            if widens and nk == "oneOf" and not all(self._disjoint(nbs[j], other)
                                                    for k, other in enumerate(nbs) if k != j):
                self.emit("oneof-overlap", nbs[j], ip, f"oneOf branch {nbs[j].pointer or '/'} accepts more "
                          f"{_where(ip)} and may now overlap another branch: values matching both are rejected",
                          True, False)
            if narrows and ok == "oneOf" and not all(self._disjoint(obs[i], other)
                                                     for k, other in enumerate(obs) if k != i):
                self.emit("oneof-overlap", nbs[j], ip, f"oneOf branch {nbs[j].pointer or '/'} accepts less "
                          f"{_where(ip)} and may no longer overlap another branch: values that matched both are "
                          "now accepted", False, True)
        for i, branch in enumerate(obs):
            if i in used_o:
                continue
            overlaps = ok == "oneOf" and not all(self._disjoint(branch, other) for k, other in enumerate(obs) if k != i)
            self.emit("branch-removed", branch, ip, f"{ok} branch {branch.pointer or '/'} was removed {_where(ip)}: "
                      "values only it accepted are now rejected", True, overlaps)
        for j, branch in enumerate(nbs):
            if j in used_n:
                continue
            overlaps = nk == "oneOf" and not all(self._disjoint(branch, other) for k, other in enumerate(nbs) if k != j)
            extra = "; it may overlap other oneOf branches, which rejects values matching both" if overlaps else ""
            self.emit("branch-added", branch, ip, f"{nk} branch {branch.pointer or '/'} was added {_where(ip)}: "
                      f"values only it accepts are now accepted{extra}", overlaps, True)

    def _all_of(self, o: _Node, n: _Node, ip: str) -> tuple[_Node, _Node]:
        oa, na = o.schema.get("allOf"), n.schema.get("allOf")
        if oa is None and na is None:
            return o, n
        for node, members in ((o, oa), (n, na)):
            if members is not None and not isinstance(members, list):
                raise InvalidSchema(f"{node.pointer}/allOf: expected an array of schemas")
        uneval = any(k in o.schema or k in n.schema for k in _UNEVALUATED)
        if isinstance(oa, list) and isinstance(na, list) and len(oa) == len(na) and not uneval:
            # Same shape: compare member by member (keeps pointers precise).
            for i, (a, b) in enumerate(zip(oa, na)):
                self.compare(o.child(a, "allOf", i), n.child(b, "allOf", i), ip)
            return self._without(o, "allOf"), self._without(n, "allOf")
        fo, fn = self._flatten(o), self._flatten(n)
        if fo is not None and fn is not None:
            return fo, fn
        oa, na = oa or [], na or []
        for i in range(max(len(oa), len(na))):
            if i < len(oa) and i < len(na):
                self.compare(o.child(oa[i], "allOf", i), n.child(na[i], "allOf", i), ip)
            elif i < len(na):
                self.emit("branch-added", n.child(na[i], "allOf", i), ip,
                          f"allOf member added {_where(ip)}: a new constraint every value must meet", True, False)
            else:
                self.emit("branch-removed", o.child(oa[i], "allOf", i), ip,
                          f"allOf member removed {_where(ip)}: a constraint values no longer have to meet", False, True)
        return self._without(o, "allOf"), self._without(n, "allOf")

    def _without(self, node: _Node, key: str) -> _Node:
        rest = {k: v for k, v in node.schema.items() if k != key}
        self.keep.append(rest)
        return node.with_schema(rest)

    def _flatten(self, node: _Node) -> _Node | None:
        """The schema with its allOf members merged in, when that is exact; None otherwise."""
        members = node.schema.get("allOf")
        if members is None:
            return node
        merged = {k: v for k, v in node.schema.items() if k != "allOf"}
        for i, raw in enumerate(members):
            child = node.child(raw, "allOf", i)
            if isinstance(raw, dict) and "$ref" in raw and not str(raw["$ref"]).startswith("#"):
                return None   # another document's $refs resolve against its own base URI
            resolved = self.deref(child)
            if isinstance(resolved, _Unresolved) or not isinstance(resolved.schema, dict):
                return None
            if any(k in resolved.schema for k in _UNEVALUATED):
                return None   # a member's unevaluated* sees only that member's evaluations
            if "allOf" in resolved.schema:
                resolved = self._flatten(resolved)
                if resolved is None:
                    return None
            merged = _merge(merged, resolved.schema, parent="a")
            if merged is None:
                return None
        self.keep.append(merged)
        return node.with_schema(merged)

    def _not(self, o: _Node, n: _Node, ip: str) -> None:
        on, nn = o.schema.get("not"), n.schema.get("not")
        if on is None and nn is None:
            return
        if on is None:
            self.emit("not-added", n, ip, f"a 'not' constraint was added {_where(ip)}", True, False)
        elif nn is None:
            self.emit("not-removed", o, ip, f"the 'not' constraint was removed {_where(ip)}", False, True)
        else:
            # valid = not X: a wider X rejects more, a narrower X accepts more.
            narrower, wider, undecidable, _ = self.probe(o.child(on, "not"), n.child(nn, "not"), ip)
            if narrower or wider:
                self.emit("not-changed", n.child(nn, "not"), ip, f"the 'not' constraint changed {_where(ip)}",
                          wider, narrower, undecidable)

    def _conditional(self, o: _Node, n: _Node, ip: str) -> None:
        oi, ni = o.schema.get("if"), n.schema.get("if")
        if oi is None and ni is None:
            return
        same_if = False
        if oi is not None and ni is not None:
            # Compared as schemas (its $refs followed), not as JSON: the same text may point elsewhere now.
            narrows, widens, undecidable, _ = self.probe(o.child(oi, "if"), n.child(ni, "if"), ip)
            same_if = not (narrows or widens or undecidable)
        if same_if:
            for key in ("then", "else"):
                self.compare(o.child(o.schema.get(key, True), key), n.child(n.schema.get(key, True), key), ip)
            return
        self.emit("conditional-changed", n, ip, f"the if/then/else condition changed {_where(ip)}; the engine "
                  "does not decide conditionals (treated as breaking both ways)", True, True, True)

    # -- type, enum, const ------------------------------------------------------------------------------
    def _type(self, o: _Node, n: _Node, ot, nt, ip: str) -> None:
        if ot == nt:
            return
        narrows = any(not _covered(t, nt) for t in (ot or ALL_TYPES))
        widens = any(not _covered(t, ot) for t in (nt or ALL_TYPES))
        if not narrows and not widens:
            return
        kind = "type-changed" if narrows and widens else "type-narrowed" if narrows else "type-widened"

        def show(types):
            return "any type" if types is None else " or ".join(sorted(types))
        effect = {"type-narrowed": "values of the dropped types are now rejected",
                  "type-widened": "values of the added types are now accepted",
                  "type-changed": "old values are rejected and new values were invalid before"}[kind]
        self.emit(kind, n, ip, f"type {_where(ip)} changed from {show(ot)} to {show(nt)}: {effect}", narrows, widens)

    def _enum(self, o: _Node, n: _Node, ip: str) -> None:
        ov, nv = _values(o.schema), _values(n.schema)
        if ov is None and nv is None:
            return
        const = "const" in o.schema and "const" in n.schema
        if ov is None:
            kind = "const-added" if "const" in n.schema else "enum-added"
            self.emit(kind, n, ip, f"{_where(ip).capitalize()} only {', '.join(map(_quote, nv.values()))} "
                      "are accepted now", True, False)
            return
        if nv is None:
            kind = "const-removed" if "const" in o.schema else "enum-removed"
            self.emit(kind, o, ip, f"the allowed values {_where(ip)} are no longer restricted", False, True)
            return
        removed = [v for k, v in ov.items() if k not in nv]
        added = [v for k, v in nv.items() if k not in ov]
        if not removed and not added:
            return
        if const:
            self.emit("const-changed", n, ip, f"const {_where(ip)} changed from {_quote(o.schema['const'])} to "
                      f"{_quote(n.schema['const'])}", True, True)
            return
        parts = []
        if removed:
            parts.append(f"no longer allows {', '.join(map(_quote, removed))}")
        if added:
            parts.append(f"now allows {', '.join(map(_quote, added))}")
        kind = "enum-changed" if removed and added else "enum-narrowed" if removed else "enum-widened"
        self.emit(kind, n, ip, f"enum {_where(ip)} {' and '.join(parts)}", bool(removed), bool(added))

    # -- numbers ----------------------------------------------------------------------------------
    def _numbers(self, o: _Node, n: _Node, ip: str, integer: bool) -> None:
        for upper, name in ((False, "minimum"), (True, "maximum")):
            get = _upper if upper else _lower
            ob, nb = get(o.schema, integer), get(n.schema, integer)
            if ob == nb:
                continue
            if ob is None or nb is None:
                tighter = nb is not None
            else:
                # a higher minimum / lower maximum is tighter; same value: exclusive is tighter
                key_o = (ob[0], ob[1]) if not upper else (-ob[0], ob[1])
                key_n = (nb[0], nb[1]) if not upper else (-nb[0], nb[1])
                if key_o == key_n:
                    continue
                tighter = key_n > key_o
            self._bound(n, ip, name, _bound_text(ob, upper), _bound_text(nb, upper), tighter)
        om, nm = o.schema.get("multipleOf"), n.schema.get("multipleOf")
        if om != nm and (om is None or _number(om)) and (nm is None or _number(nm)):
            if om is None or nm is None:
                narrows, widens = nm is not None, om is not None
            else:
                ratio_on = Fraction(str(om)) / Fraction(str(nm))
                ratio_no = Fraction(str(nm)) / Fraction(str(om))
                narrows, widens = ratio_on.denominator != 1, ratio_no.denominator != 1
            if narrows or widens:
                self._bound(n, ip, "multipleOf", str(om), str(nm), narrows, widens)

    def _bound(self, node: _Node, ip: str, name: str, old: str, new: str, tighter: bool,
               widens: bool | None = None) -> None:
        narrows = tighter
        widens = (not tighter) if widens is None else widens
        kind = "bound-changed" if narrows and widens else "bound-tightened" if narrows else "bound-relaxed"
        effect = {"bound-tightened": "some old values are now rejected",
                  "bound-relaxed": "some values rejected before are now accepted",
                  "bound-changed": "the accepted sets overlap but neither contains the other"}[kind]
        self.emit(kind, node, ip, f"{name} {_where(ip)} changed from {old} to {new}: {effect}", narrows, widens)

    def _count_bounds(self, o: _Node, n: _Node, ip: str, names: Iterable[tuple[str, bool]]) -> None:
        for name, is_max in names:
            ov, nv = o.schema.get(name), n.schema.get(name)
            if ov == nv or not (ov is None or _number(ov)) or not (nv is None or _number(nv)):
                continue
            if is_max:
                ov_, nv_ = (math.inf if ov is None else ov), (math.inf if nv is None else nv)
                if ov_ == nv_:
                    continue
                tighter = nv_ < ov_
            else:
                ov_, nv_ = (0 if ov is None else ov), (0 if nv is None else nv)
                if ov_ == nv_:
                    continue
                tighter = nv_ > ov_
            self._bound(n, ip, name, "none" if ov is None else str(ov), "none" if nv is None else str(nv), tighter)

    # -- strings -------------------------------------------------------------------------------------
    def _strings(self, o: _Node, n: _Node, ip: str) -> None:
        self._count_bounds(o, n, ip, (("minLength", False), ("maxLength", True)))
        op, np_ = o.schema.get("pattern"), n.schema.get("pattern")
        if op != np_ and (op is None or isinstance(op, str)) and (np_ is None or isinstance(np_, str)):
            from .regex import EQUAL, INCOMPARABLE, NARROWER, UNDECIDABLE, WIDER, compare_patterns

            relation, reason = compare_patterns(op, np_)
            shown = f"from {_quote(op) if op is not None else 'none'} to {_quote(np_) if np_ is not None else 'none'}"
            if relation == UNDECIDABLE:
                self.emit("pattern-changed", n, ip, f"pattern {_where(ip)} changed {shown}; containment cannot be "
                          f"decided ({reason}), so it is treated as breaking both ways", True, True, True)
            else:
                narrows = relation in (NARROWER, INCOMPARABLE)
                widens = relation in (WIDER, INCOMPARABLE)
                effect = {EQUAL: "both accept exactly the same strings",
                          NARROWER: "it accepts a strict subset of the strings it accepted",
                          WIDER: "it accepts a strict superset of the strings it accepted",
                          INCOMPARABLE: "each accepts strings the other rejects"}[relation]
                self.emit("pattern-changed", n, ip, f"pattern {_where(ip)} changed {shown}: {effect}", narrows, widens)
        of, nf = o.schema.get("format"), n.schema.get("format")
        if of != nf:
            if of is None:
                self.emit("format-added", n, ip, f"format {_quote(nf)} is now required {_where(ip)}", True, False)
            elif nf is None:
                self.emit("format-removed", o, ip, f"format {_quote(of)} is no longer required {_where(ip)}",
                          False, True)
            else:
                self.emit("format-changed", n, ip, f"format {_where(ip)} changed from {_quote(of)} to {_quote(nf)}",
                          True, True)

    # -- arrays ---------------------------------------------------------------------------------------
    @staticmethod
    def _array_shape(schema: dict):
        items, prefix = schema.get("items"), schema.get("prefixItems")
        if isinstance(items, list):      # draft-07 tuple form
            return items, schema.get("additionalItems", True), "items", "additionalItems"
        if isinstance(prefix, list):
            return prefix, items if items is not None else True, "prefixItems", "items"
        return [], items if items is not None else True, "prefixItems", "items"

    def _arrays(self, o: _Node, n: _Node, ip: str) -> None:
        self._count_bounds(o, n, ip, (("minItems", False), ("maxItems", True)))
        ou, nu = o.schema.get("uniqueItems") is True, n.schema.get("uniqueItems") is True
        if ou != nu:
            self.emit("bound-tightened" if nu else "bound-relaxed", n, ip,
                      f"uniqueItems {_where(ip)} {'now required' if nu else 'no longer required'}", nu, ou)
        opre, orest, opk, ork = self._array_shape(o.schema)
        npre, nrest, npk, nrk = self._array_shape(n.schema)
        for i in range(max(len(opre), len(npre))):
            oi = o.child(opre[i], opk, i) if i < len(opre) else o.child(orest, ork)
            ni = n.child(npre[i], npk, i) if i < len(npre) else n.child(nrest, nrk)
            self.compare(oi, ni, f"{ip}/{i}")
        if not _same(orest, nrest):
            on, nn = o.child(orest, ork), n.child(nrest, nrk)
            if nrest is False and orest is not False:
                self.emit("items-closed", nn, ip, f"arrays {_where(ip)} may no longer have items beyond the first "
                          f"{len(npre)}", True, False)
            elif orest is False and nrest is not False:
                self.emit("items-opened", nn, ip, f"arrays {_where(ip)} may now have items beyond the first "
                          f"{len(opre)}", False, True)
            else:
                self.compare(on, nn, f"{ip}/*")
        oc, nc = o.schema.get("contains"), n.schema.get("contains")
        if oc is not None or nc is not None:
            if oc is None:
                self.emit("contains-added", n, ip, f"arrays {_where(ip)} must now contain a matching item", True, False)
            elif nc is None:
                self.emit("contains-removed", o, ip, f"arrays {_where(ip)} no longer need a matching item", False, True)
            else:
                self.compare(o.child(oc, "contains"), n.child(nc, "contains"), f"{ip}/*")
                # minContains defaults to 1 (contains alone needs one matching item)
                om, nm = o.schema.get("minContains", 1), n.schema.get("minContains", 1)
                if om != nm:
                    self._count_bounds(o.with_schema({"minContains": om}), n.with_schema({"minContains": nm}), ip,
                                       (("minContains", False),))
                self._count_bounds(o, n, ip, (("maxContains", True),))
        self._unevaluated(o, n, ip, "unevaluatedItems")

    def _unevaluated(self, o: _Node, n: _Node, ip: str, key: str) -> None:
        ov, nv = o.schema.get(key, True), n.schema.get(key, True)
        if _same(ov, nv):
            return
        if nv is False and ov is not False:
            self.emit("unevaluated-closed", n.child(nv, key), ip, f"{key} is now false {_where(ip)}: values with "
                      "anything no other keyword describes are rejected", True, False)
        elif ov is False and nv is not False:
            self.emit("unevaluated-opened", n.child(nv, key), ip, f"{key} is no longer false {_where(ip)}",
                      False, True)
        else:
            self.compare(o.child(ov, key), n.child(nv, key), f"{ip}/*")

    # -- objects -------------------------------------------------------------------------------------------
    @staticmethod
    def _mapping(node: _Node, key: str) -> dict:
        value = node.schema.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise InvalidSchema(f"{node.pointer}/{key}: expected an object, found {_quote(value)}")
        return value

    @staticmethod
    def _required(node: _Node) -> list[str]:
        value = node.schema.get("required")
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidSchema(f"{node.pointer}/required: expected an array of property names")
        return value

    def _matching_patterns(self, node: _Node, name: str) -> list[tuple[str, Any]]:
        matching = []
        for pattern, sub in self._mapping(node, "patternProperties").items():
            try:
                if re.search(pattern, name):
                    matching.append((pattern, sub))
            except re.error:
                continue
        return matching

    @staticmethod
    def _rest(node: _Node) -> _Node:
        """The schema for properties no ``properties`` / ``patternProperties`` entry names.

        ``additionalProperties``; without it, ``unevaluatedProperties`` (it then sees the same
        properties as unevaluated, give or take in-place applicators); else anything goes.
        """
        for key in ("additionalProperties", "unevaluatedProperties"):
            if key in node.schema:
                return node.child(node.schema[key], key)
        return node.child(True, "additionalProperties")

    def _combine(self, node: _Node, first: _Node | None, matching: list[tuple[str, Any]]) -> _Node:
        if not matching:
            return first
        if first is None and len(matching) == 1:
            return node.child(matching[0][1], "patternProperties", matching[0][0])
        members = ([first.schema] if first is not None else []) + [sub for _, sub in matching]
        combined = {"allOf": members}
        self.keep.append(combined)
        return (first or node).with_schema(combined)

    def _fallback(self, node: _Node, name: str) -> _Node:
        """The schema that governs property ``name`` on a side that does not list it in ``properties``."""
        matching = self._matching_patterns(node, name)
        if matching:
            return self._combine(node, None, matching)
        return self._rest(node)

    def _listed(self, node: _Node, props: dict, name: str) -> _Node:
        """A listed property's schema together with the patternProperties that also match its name."""
        return self._combine(node, node.child(props[name], "properties", name), self._matching_patterns(node, name))

    def _objects(self, o: _Node, n: _Node, ip: str) -> None:
        oprops, nprops = self._mapping(o, "properties"), self._mapping(n, "properties")
        oreq, nreq = set(self._required(o)), set(self._required(n))
        removed = [k for k in oprops if k not in nprops]
        added = [k for k in nprops if k not in oprops]
        renamed: dict[str, str] = {}
        for old_name in removed:
            for new_name in added:
                if new_name not in renamed.values() and _json_equal(oprops[old_name], nprops[new_name]):
                    renamed[old_name] = new_name
                    break
        for name in oprops:
            if name not in nprops:
                continue
            om, nm = self._matching_patterns(o, name), self._matching_patterns(n, name)
            if len(om) == len(nm) and all(p == q and _same(a, b) for (p, a), (q, b) in zip(om, nm)):
                if not _same(oprops[name], nprops[name]):
                    self.compare(o.child(oprops[name], "properties", name), n.child(nprops[name], "properties", name),
                                 f"{ip}/{_esc(name)}")
            else:   # a patternProperties entry now (or no longer) also applies to this listed property
                self.compare(self._listed(o, oprops, name), self._listed(n, nprops, name), f"{ip}/{_esc(name)}")
        for name in removed:
            if name in renamed:
                continue
            old_node = o.child(oprops[name], "properties", name)
            narrows, widens, undecidable, _ = self.probe(self._listed(o, oprops, name), self._fallback(n, name),
                                                         f"{ip}/{_esc(name)}")
            widens = widens or (name in oreq and name not in nreq)
            note = ("; old instances that carry it are now rejected" if narrows
                    else "; producers stop sending it and consumers that need it break")
            self.emit("removed-property", old_node, f"{ip}/{_esc(name)}",
                      f"property {name!r} was removed {_where(ip)}{' (it was required)' if name in oreq else ''}{note}",
                      narrows, widens, undecidable)
        for name in added:
            if name in renamed.values():
                continue
            new_node = n.child(nprops[name], "properties", name)
            narrows, widens, undecidable, _ = self.probe(self._fallback(o, name), self._listed(n, nprops, name),
                                                         f"{ip}/{_esc(name)}")
            if name in nreq and name not in oreq:
                self.emit("added-required", new_node, f"{ip}/{_esc(name)}",
                          f"new required property {name!r} {_where(ip)}: old instances without it are rejected",
                          True, widens, undecidable)
            else:
                note = (f"; on an open object an old instance may already carry {name!r} with a value the new "
                        "definition rejects" if narrows else "")
                self.emit("added-property", new_node, f"{ip}/{_esc(name)}",
                          f"optional property {name!r} was added {_where(ip)}{note}", narrows, widens, undecidable)
        for old_name, new_name in renamed.items():
            n1, w1, u1, _ = self.probe(self._listed(o, oprops, old_name), self._fallback(n, old_name),
                                       f"{ip}/{_esc(old_name)}")
            n2, w2, u2, _ = self.probe(self._fallback(o, new_name), self._listed(n, nprops, new_name),
                                       f"{ip}/{_esc(new_name)}")
            newly_required = new_name in nreq and new_name not in oreq
            self.emit("renamed-property", n.child(nprops[new_name], "properties", new_name), f"{ip}/{_esc(new_name)}",
                      f"property {old_name!r} was renamed to {new_name!r} {_where(ip)}: readers of one name do not "
                      "see the other", n1 or n2 or newly_required, w1 or w2 or (old_name in oreq), u1 or u2)
        for name in sorted(nreq - oreq):
            if name in added or name in renamed.values():
                continue
            self.emit("added-required", n.child(self._required(n), "required"), f"{ip}/{_esc(name)}",
                      f"property {name!r} is now required {_where(ip)}: old instances without it are rejected",
                      True, False)
        for name in sorted(oreq - nreq):
            if name in removed:
                continue
            self.emit("required-removed", n, f"{ip}/{_esc(name)}",
                      f"property {name!r} is no longer required {_where(ip)}: instances may now omit it",
                      False, True)
        self._additional(o, n, ip)
        self._pattern_properties(o, n, ip)
        opn, npn = o.schema.get("propertyNames", True), n.schema.get("propertyNames", True)
        if not _same(opn, npn):
            self.compare(o.child(opn, "propertyNames"), n.child(npn, "propertyNames"), ip)
        # required names already force that many properties: minProperties below it adds nothing
        floor_o = {"minProperties": max(o.schema.get("minProperties", 0) if _number(o.schema.get("minProperties")) else 0, len(oreq))}
        floor_n = {"minProperties": max(n.schema.get("minProperties", 0) if _number(n.schema.get("minProperties")) else 0, len(nreq))}
        if "minProperties" in o.schema or "minProperties" in n.schema:
            self._count_bounds(o.with_schema({**o.schema, **floor_o}), n.with_schema({**n.schema, **floor_n}), ip,
                               (("minProperties", False),))
        self._count_bounds(o, n, ip, (("maxProperties", True),))
        self._dependencies(o, n, ip, oreq, nreq)
        self._unevaluated(o, n, ip, "unevaluatedProperties")

    def _additional(self, o: _Node, n: _Node, ip: str) -> None:
        oap, nap = o.schema.get("additionalProperties", True), n.schema.get("additionalProperties", True)
        if _same(oap, nap):
            return
        on, nn = o.child(oap, "additionalProperties"), n.child(nap, "additionalProperties")
        if nap is False:
            self.emit("additional-properties-closed", nn, ip, f"additionalProperties is now false {_where(ip)}: "
                      "instances with properties the schema does not list are rejected", True, False)
        elif oap is False:
            self.emit("additional-properties-opened", nn, ip, f"additionalProperties is no longer false "
                      f"{_where(ip)}: properties the schema does not list are accepted", False, True)
        else:
            self.compare(on, nn, f"{ip}/*")

    def _pattern_properties(self, o: _Node, n: _Node, ip: str) -> None:
        opp, npp = self._mapping(o, "patternProperties"), self._mapping(n, "patternProperties")
        for pattern in dict.fromkeys([*opp, *npp]):
            if pattern in opp and pattern in npp:
                self.compare(o.child(opp[pattern], "patternProperties", pattern),
                             n.child(npp[pattern], "patternProperties", pattern), f"{ip}/*")
            elif pattern in opp:
                node = o.child(opp[pattern], "patternProperties", pattern)
                narrows, widens, undecidable, _ = self.probe(node, self._rest(n), f"{ip}/*")
                self.emit("pattern-property-removed", node, ip, f"patternProperties {pattern!r} was removed "
                          f"{_where(ip)}; matching properties fall back to additionalProperties", narrows, widens,
                          undecidable)
            else:
                node = n.child(npp[pattern], "patternProperties", pattern)
                narrows, widens, undecidable, _ = self.probe(self._rest(o), node, f"{ip}/*")
                self.emit("pattern-property-added", node, ip, f"patternProperties {pattern!r} was added "
                          f"{_where(ip)}", narrows, widens, undecidable)

    @staticmethod
    def _dependency_maps(node: _Node) -> tuple[dict, dict]:
        required, schemas = {}, {}
        # ``dependencies`` is a keyword up to draft-07 only; its 2019-09+ successors do not exist before.
        keys = ("dependencies",) if node.side.legacy else ("dependentRequired", "dependentSchemas")
        for key in keys:
            value = node.schema.get(key)
            if not isinstance(value, dict):
                continue
            for name, dep in value.items():
                if isinstance(dep, list):
                    required[name] = set(map(str, dep))
                else:
                    schemas[name] = (key, dep)
        return required, schemas

    def _dependencies(self, o: _Node, n: _Node, ip: str, o_required: set, n_required: set) -> None:
        oreq, osch = self._dependency_maps(o)
        nreq, nsch = self._dependency_maps(n)
        for name in dict.fromkeys([*oreq, *nreq]):
            # a dependency on a property that is required anyway constrains nothing
            before = oreq.get(name, set()) - o_required
            after = nreq.get(name, set()) - n_required
            if before != after:
                more, fewer = sorted(after - before), sorted(before - after)
                self.emit("dependency-changed", n, ip, f"when {name!r} is present {_where(ip)}, the properties it "
                          f"requires changed (now also: {more or 'none'}; no longer: {fewer or 'none'})",
                          bool(more), bool(fewer))
        for name in dict.fromkeys([*osch, *nsch]):
            if name in osch and name in nsch:
                self.compare(o.child(osch[name][1], osch[name][0], name), n.child(nsch[name][1], nsch[name][0], name),
                             ip)
            elif name in nsch:
                self.emit("dependency-changed", n, ip, f"a schema now applies when {name!r} is present {_where(ip)}",
                          True, False)
            else:
                self.emit("dependency-changed", o, ip, f"the schema that applied when {name!r} is present "
                          f"{_where(ip)} was removed", False, True)


def diff_changes(old: Any, new: Any, old_registry: Any = None, new_registry: Any = None) -> list[Change]:
    """The raw (policy-free) changes between two schemas; see compat.diff_schemas."""
    for label, schema in (("old", old), ("new", new)):
        if not isinstance(schema, (dict, bool)):
            raise InvalidSchema(f"the {label} schema is a JSON {type(schema).__name__}, not a schema "
                                "(expected an object or a boolean)")
    differ = _Differ(old, new, old_registry, new_registry)
    try:
        changes = differ.run()
    except RecursionError:
        raise InvalidSchema("the schemas nest too deeply to compare") from None
    except (TypeError, AttributeError, KeyError) as exc:   # a keyword holding a value of the wrong shape
        raise InvalidSchema(f"malformed schema ({type(exc).__name__}: {exc})") from None
    unique: dict[tuple[str, str, str], Change] = {}
    for change in changes:
        unique.setdefault((change.pointer, change.kind, change.message), change)
    return list(unique.values())
