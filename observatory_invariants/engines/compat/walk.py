"""The structural diff: walk an old and a new JSON Schema side by side and list what changed.

Every change carries its exact set-semantics direction (``narrows``: an
instance the old schema accepted is rejected now; ``widens``: the reverse);
the policy (model.bump_for) turns that into a bump. Both schemas are walked
together from the root: ``$ref`` is followed on each side in its own
registry (:mod:`.refs`), and a pair of ``$ref`` targets is compared once per
diff, a pair already being compared being assumed to hold (coinduction), so
recursive schemas terminate (:mod:`.context`). Subtrees that are equal and
hold no ``$ref`` are skipped whole, which is what keeps a typical pair well
under a millisecond.

This module is the dispatcher: one pair of resolved schemas goes through
the keyword families in turn — :mod:`.combinators` (``anyOf``/``oneOf``,
``allOf``, ``not``, ``if``), :mod:`.values` (``type``, ``enum``, ``const``),
:mod:`.numbers`, :mod:`.strings`, :mod:`.arrays`, :mod:`.objects` — over one
shared :class:`.context.Context`.
"""

from __future__ import annotations

from typing import Any

from .arrays import compare_arrays
from .combinators import compare_all_of, compare_conditional, compare_disjunctions, compare_not
from .context import DIFF_BUDGET, BudgetExhausted, Context
from .model import Change
from .numbers import check_numbers, compare_numbers
from .objects import compare_objects
from .refs import Node, compare_definitions
from .schema import SKIPPED, VALIDATION, InvalidSchema, json_equal, not_keyword, quote, same, where
from .strings import compare_strings
from .values import allows, compare_type, compare_values, types

__all__ = ["BudgetExhausted", "InvalidSchema", "diff_changes"]


_COMBINATORS = frozenset({"anyOf", "oneOf", "allOf", "not", "if"})


class Differ(Context):
    """A :class:`Context` that knows how to compare one pair of resolved schemas."""

    def run(self) -> list[Change]:
        o = Node(self.old.root, self.old, None, "", "")
        n = Node(self.new.root, self.new, None, "", "")
        both = isinstance(self.old.root, dict) and isinstance(self.new.root, dict)
        try:
            if both:
                _root_annotations(self, o, n)
            self.compare(o, n, "")
            if both:
                compare_definitions(self, o, n)
        except BudgetExhausted as stop:
            # not through emit(): that charges the budget, which is gone
            ip = stop.instance_path if len(stop.instance_path) <= 80 else "..." + stop.instance_path[-77:]
            self.found.add(Change(
                pointer=stop.pointer, instance_path=stop.instance_path, kind="budget-exhausted",
                message=f"comparison budget exhausted at {stop.pointer or '/'} ({where(ip)}, "
                        f"after {stop.budget:,} steps); the rest was not compared, so the change is treated as "
                        "breaking both ways and needs a MAJOR bump; review by hand",
                narrows=True, widens=True, undecidable=True))
        return self.found.items

    def resolved(self, o: Node, n: Node, ip: str) -> None:
        """One pair of resolved schemas, keyword family by keyword family."""
        os_, ns = o.schema, n.schema
        if same(os_, ns):
            return
        if isinstance(os_, bool) or isinstance(ns, bool):
            if os_ is False and ns is False:
                return
            if os_ is False:
                self.emit("schema-opened", n, ip, f"values {where(ip)} were always rejected and are now accepted",
                          False, True)
                return
            if ns is False:
                self.emit("schema-closed", n, ip, f"values {where(ip)} are now always rejected", True, False)
                return
            os_ = {} if os_ is True else os_
            ns = {} if ns is True else ns
            o, n = o.with_schema(os_), n.with_schema(ns)
        for node in (o, n):
            if not isinstance(node.schema, dict):
                raise InvalidSchema(f"{node.pointer or '/'}: expected a schema (an object or a boolean), "
                                    f"found {quote(node.schema)}")
        check_numbers(o)
        check_numbers(n)
        _annotations(self, o, n, ip)
        if not (_COMBINATORS.isdisjoint(os_) and _COMBINATORS.isdisjoint(ns)):
            if compare_disjunctions(self, o, n, ip):
                return
            o, n = compare_all_of(self, o, n, ip)
            os_, ns = o.schema, n.schema
            compare_not(self, o, n, ip)
            compare_conditional(self, o, n, ip)

        ot, nt = types(os_, o), types(ns, n)
        compare_type(self, o, n, ot, nt, ip)
        compare_values(self, o, n, ip)
        integer = ot is not None and nt is not None and ot <= {"integer"} and nt <= {"integer"}
        if allows(ot, "number") and allows(nt, "number"):
            compare_numbers(self, o, n, ip, integer)
        if allows(ot, "string") and allows(nt, "string"):
            compare_strings(self, o, n, ip)
        if allows(ot, "array") and allows(nt, "array"):
            compare_arrays(self, o, n, ip)
        if allows(ot, "object") and allows(nt, "object"):
            compare_objects(self, o, n, ip)


# -- annotations ---------------------------------------------------------------------------------------------
def _root_annotations(cx: Context, o: Node, n: Node) -> None:
    old_dialect, new_dialect = o.schema.get("$schema"), n.schema.get("$schema")
    if old_dialect != new_dialect:
        cx.emit("dialect-changed", n, "", f"$schema changed from {quote(old_dialect)} to "
                f"{quote(new_dialect)}; the engine reads both dialects the same way", False, False)


# Keywords that are never annotations: a schema object made of these alone has none to compare.
_PLAIN = VALIDATION - {"dependencies", "dependentRequired", "dependentSchemas"}


def _annotations(cx: Context, o: Node, n: Node, ip: str) -> None:
    if _PLAIN.issuperset(o.schema) and _PLAIN.issuperset(n.schema):
        return
    legacy = o.side.legacy
    changed = [k for k in dict.fromkeys([*o.schema, *n.schema])
               if (k not in VALIDATION or not_keyword(k, legacy)) and k not in SKIPPED and k != "$schema"
               and not json_equal(o.schema.get(k), n.schema.get(k))]
    if changed:
        cx.emit("cosmetic", n, ip, f"annotation{'s' if len(changed) > 1 else ''} "
                f"{', '.join(changed)} changed {where(ip)} (no effect on validation)", False, False)


def diff_changes(old: Any, new: Any, old_registry: Any = None, new_registry: Any = None, *,
                 budget: int = DIFF_BUDGET) -> list[Change]:
    """The raw (policy-free) changes between two schemas; see compat.diff_schemas.

    ``budget``: the steps this diff may take (see :mod:`.context`); when they run out, the changes end with
    a ``budget-exhausted`` change, undecidable (MAJOR under every policy).
    """
    for label, schema in (("old", old), ("new", new)):
        if not isinstance(schema, (dict, bool)):
            raise InvalidSchema(f"the {label} schema is a JSON {type(schema).__name__}, not a schema "
                                "(expected an object or a boolean)")
    differ = Differ(old, new, old_registry, new_registry, budget=budget)
    try:
        return differ.run()
    except RecursionError:
        raise InvalidSchema("the schemas nest too deeply to compare") from None
    except (TypeError, AttributeError, KeyError) as exc:   # a keyword holding a value of the wrong shape
        raise InvalidSchema(f"malformed schema ({type(exc).__name__}: {exc})") from None
