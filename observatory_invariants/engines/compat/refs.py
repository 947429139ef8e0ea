"""``$ref`` / ``$defs``: where a subschema sits (:class:`Node`), how its references resolve, the root's definitions.

Both schemas are walked together; ``$ref`` is followed on each side in its
own registry (``referencing``, offline: only the schemas handed in are ever
looked at).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .schema import LEGACY_DIALECTS, REF_KEYS, VALIDATION, InvalidSchema, esc, merge, quote, same

if TYPE_CHECKING:
    from .context import Context


class Side:
    """One schema document and the lazily built offline registry its ``$ref``s resolve in."""

    def __init__(self, root: Any, registry: Any, label: str):
        self.root = root
        self.registry = registry
        self.legacy = isinstance(root, dict) and any(d in str(root.get("$schema", "")) for d in LEGACY_DIALECTS)
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


class Node:
    """A subschema on one side, where it sits (for pointers) and how its ``$ref``s resolve.

    ``from_ref``: the node is (or is merged from) the target of a ``$ref``, so its pointer does not depend
    on the path that reached it, and a pair of such nodes is compared once per diff (see Context.compare).
    """

    __slots__ = ("schema", "side", "resolver", "loc", "ptr", "from_ref")

    def __init__(self, schema, side: Side, resolver, loc: str, ptr: str, from_ref: bool = False):
        self.schema = schema
        self.side = side
        self.resolver = resolver          # None: the root document's resolver
        self.loc = loc                    # "" for the root document, else the resource URI
        self.ptr = ptr
        self.from_ref = from_ref

    def child(self, schema, *keys) -> Node:
        resolver = self.resolver
        if isinstance(schema, dict) and not self.side.legacy and isinstance(schema.get("$id"), str):
            # A nested $id starts a new base URI for the $refs under it.
            try:
                from referencing.jsonschema import DRAFT202012

                resolver = (resolver or self.side.resolver).in_subresource(DRAFT202012.create_resource(schema))
            except Exception:
                pass
        ptr = self.ptr
        for key in keys:
            if key.__class__ is str:
                ptr += "/" + (key.replace("~", "~0").replace("/", "~1") if "~" in key or "/" in key else key)
            else:
                ptr += "/" + esc(key)
        return Node(schema, self.side, resolver, self.loc, ptr)

    def with_schema(self, schema) -> Node:
        return Node(schema, self.side, self.resolver, self.loc, self.ptr)

    @property
    def pointer(self) -> str:
        return f"{self.loc}#{self.ptr}" if self.loc else self.ptr


def base_uri(node: Node) -> str:
    """The base URI ``node``'s ``$ref``s resolve against: with the side, all that their targets depend on."""
    if node.resolver is None:
        return node.side.base
    return getattr(node.resolver, "_base_uri", None) or node.side.base


class Unresolved:
    __slots__ = ("ref", "reason")

    def __init__(self, ref: str, reason: str):
        self.ref, self.reason = ref, reason


_REF_KEYS = frozenset(REF_KEYS)


def _ref_key(schema: dict) -> str | None:
    if "$ref" in schema:
        return "$ref"
    if "$dynamicRef" in schema:
        return "$dynamicRef"
    if "$recursiveRef" in schema:
        return "$recursiveRef"
    return None


def deref(cx: Context, node: Node) -> Node | Unresolved:
    """``node`` with its ``$ref``s followed (and 2020-12 sibling keywords merged in), or why it cannot be.

    One hop is resolved once per diff: the same referring object in the same resolver gives the same
    target object, so the pairs built from it are recognised by :meth:`Context.compare`'s memo.
    """
    schema = node.schema
    if not isinstance(schema, dict) or _REF_KEYS.isdisjoint(schema):
        return node
    seen: set[int] = set()
    while isinstance(node.schema, dict):
        schema = node.schema
        ref_key = _ref_key(schema)
        if ref_key is None:
            return node
        cx.charge(cx.DEREF_COST)
        memo_key = (id(schema), id(node.side), base_uri(node))
        hop = cx.hops.get(memo_key)
        if hop is None:
            hop = cx.hops[memo_key] = _hop(cx, node, schema, ref_key)
        result, target_id = hop
        if isinstance(result, Unresolved):
            return result
        if target_id in seen:
            return Unresolved(schema[ref_key], "a $ref cycle that never reaches a schema")
        seen.add(target_id)
        if isinstance(result, dict):   # siblings that cannot be merged in: allOf [{$ref}, siblings] here
            return node.with_schema(result)
        node = result
    return node


def _hop(cx: Context, node: Node, schema: dict, ref_key: str):
    """One ``$ref`` resolved: ``(result, id of the target)``; the result is the target's node, a wrapper
    schema ``allOf [{$ref}, siblings]`` for this node, or Unresolved (with no target id)."""
    ref = schema[ref_key]
    if not isinstance(ref, str):
        raise InvalidSchema(f"{node.pointer}/{ref_key}: expected a URI string, found {quote(ref)}")
    local = _local(node, ref)
    if local is None:
        return Unresolved(ref, "no such definition"), None
    if local is not _ASK_REFERENCING:
        target, resolver, loc, ptr = local, None, "", ref[1:]
    else:
        from referencing.exceptions import Unresolvable

        try:
            resolved = (node.resolver or node.side.resolver).lookup(ref)
        except Unresolvable as exc:
            kind = type(exc).__name__
            why = "no such definition" if kind == "PointerToNowhere" else "no schema with that $id is known offline"
            return Unresolved(ref, why), None
        target, resolver = resolved.contents, resolved.resolver
        uri, _, fragment = ref.partition("#")
        base = getattr(resolver, "_base_uri", "") or ""
        loc = "" if base.rstrip("#") == node.side.base else (base or uri)
        ptr = fragment if fragment.startswith("/") or not fragment else f"#{fragment}"
        if uri == "" and not fragment.startswith("/") and fragment:
            loc = node.loc
    siblings = {k: v for k, v in schema.items() if k in VALIDATION and k != ref_key}
    if siblings and not node.side.legacy:   # 2020-12: $ref applies alongside its siblings
        merged = (merge(target, siblings, parent="b", meter=cx) if isinstance(target, dict) and ref.startswith("#")
                  else None)
        if merged is None:
            wrapper = {"allOf": [{ref_key: ref}, siblings]}
            cx.keep.append(wrapper)
            return wrapper, id(target)
        cx.keep.append(merged)
        cx.charge(len(merged))
        # merged from the target and this object's siblings: as path-independent as the target itself
        return Node(merged, node.side, resolver, loc, ptr, from_ref=True), id(target)
    return Node(target, node.side, resolver, loc, ptr, from_ref=True), id(target)


_ASK_REFERENCING = object()


def _local(node: Node, ref: str):
    """A ``#/json/pointer`` through objects of the root document, resolved without ``referencing`` (the
    common case, and most of the time a diff took); None when it points nowhere. Anything else -- another
    document, an anchor, a pointer into an array or through a subschema with its own ``$id`` (a new base
    URI), percent-escapes -- returns ``_ASK_REFERENCING``."""
    if node.resolver is not None or not ref.startswith("#") or (len(ref) > 1 and ref[1] != "/") or "%" in ref:
        return _ASK_REFERENCING
    current = node.side.root
    if len(ref) > 1:
        for token in ref[2:].split("/"):
            if isinstance(current, dict):
                key = token.replace("~1", "/").replace("~0", "~") if "~" in token else token
                if key not in current:
                    return None
                current = current[key]
            else:   # into an array (or a scalar): referencing has its own ways, errors included
                return _ASK_REFERENCING
            if isinstance(current, dict) and (isinstance(current.get("$id"), str)
                                              or isinstance(current.get("id"), str)):
                return _ASK_REFERENCING
    return current


def compare_definitions(cx: Context, o: Node, n: Node) -> None:
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
            where = f"<{key}/{esc(name)}>"
            if name in od and name in nd:
                a, b = od[name], nd[name]
                if same(a, b) or cx.compared(a, b):
                    continue
                cx.compare(o.child(a, key, name), n.child(b, key, name), where)
            elif name in od:
                cx.emit("definition-removed", o.child(od[name], key, name), where,
                        f"definition {key}/{name} was removed: $refs to it (from this or other schemas) "
                        "no longer resolve", True, True)
            else:
                cx.emit("definition-added", n.child(nd[name], key, name), where,
                        f"definition {key}/{name} was added (it constrains nothing until referenced)",
                        False, False)
