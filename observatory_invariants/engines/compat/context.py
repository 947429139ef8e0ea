"""The state one diff shares across keyword families: the two sides, what was found, memos, the work budget.

Every keyword family (``objects``, ``arrays``, ``strings``, ``numbers``,
``values``, ``combinators``, ``refs``) is a set of functions ``f(cx, o, n, ip)``
over one :class:`Context`: they read the old node ``o`` and the new node ``n``,
report with :meth:`Context.emit`, and recurse with :meth:`Context.compare`.

Work is bounded by counting, never by the clock: every comparison, ``$ref``
hop, merge and pattern decision charges steps to :attr:`Context.budget`
(:data:`DIFF_BUDGET` per diff, shared by the whole comparison). When it runs
out, the comparison stops where it is and :class:`BudgetExhausted` carries the
place out to :func:`.walk.diff_changes`, which reports it as an undecidable
change (so MAJOR under every policy). The same input takes the same steps on
any machine, cached or not, so it gets the same verdict.
"""

from __future__ import annotations

from typing import Any

from .model import Change
from .refs import Node, Side, Unresolved, deref
from .schema import MAX_DEPTH, same, where

# Steps per diff. A realistic pair (20-50 properties, depth 4) takes a few hundred; the bound is reached
# after about a second of pathological work on a 2-core laptop, whatever the input.
DIFF_BUDGET = 2_000_000
# What one unit of walking costs, in steps (a step is about the cost of one automaton transition).
COMPARE_COST = 20
DEREF_COST = 10
EMIT_COST = 5


class BudgetExhausted(Exception):
    """The diff's step budget ran out while comparing ``pointer`` (instance path ``instance_path``)."""

    def __init__(self, pointer: str, instance_path: str, budget: int):
        super().__init__(pointer)
        self.pointer, self.instance_path, self.budget = pointer, instance_path, budget


class _Found:
    """Changes found so far, without duplicates (same pointer, kind and message), in the order found."""

    __slots__ = ("items", "keys")

    def __init__(self):
        self.items: list[Change] = []
        self.keys: set[tuple[str, str, str]] = set()

    def add(self, change: Change) -> None:
        key = (change.pointer, change.kind, change.message)
        if key not in self.keys:
            self.keys.add(key)
            self.items.append(change)

    def extend(self, changes) -> None:
        for change in changes:
            self.add(change)


class Context:
    """One diff: both sides, the changes found, the memos and the step budget (see the module docstring)."""

    DEREF_COST = DEREF_COST

    def __init__(self, old: Any, new: Any, old_registry: Any, new_registry: Any, *, budget: int = DIFF_BUDGET):
        self.old = Side(old, old_registry, "old")
        self.new = Side(new, new_registry, "new")
        self.found = _Found()
        self.active: set[tuple[int, int]] = set()              # pairs being compared further up (recursion)
        self.done: dict[tuple[int, int], list[Change]] = {}    # pairs of $ref targets compared, with what they gave
        self.hops: dict[tuple, tuple] = {}                     # one $ref hop resolved, see refs.deref
        self.flat: dict[tuple, Any] = {}                       # allOf members merged, see combinators.flatten
        self.matches: dict[tuple[str, str], bool | None] = {}  # does patternProperties key P match name N
        self.weights: dict[int, tuple[int, Any]] = {}         # allOf wrappers built by merges, see schema.merge
        self.value_sets: dict[int, tuple] = {}                # enum/const values, see combinators._value_set
        self.keep: list[Any] = []   # temporaries whose id() keys the memos: keep them alive
        self.depth = 0
        self.budget_limit = budget
        self.budget = budget
        self.here: tuple[Node | None, str] = (None, "")

    # -- the budget ------------------------------------------------------------------------------------------
    def charge(self, steps: int) -> None:
        self.budget -= steps
        if self.budget < 0:
            node, ip = self.here
            raise BudgetExhausted(node.pointer if node is not None else "", ip, self.budget_limit)

    @property
    def steps(self) -> int:
        """Steps spent so far."""
        return self.budget_limit - self.budget

    # -- reporting ---------------------------------------------------------------------------------------------
    def emit(self, kind: str, node: Node, instance_path: str, message: str, narrows: bool, widens: bool,
             undecidable: bool = False) -> None:
        if undecidable:
            narrows = widens = True
        self.charge(EMIT_COST)
        self.found.add(Change(pointer=node.pointer, instance_path=instance_path, kind=kind, message=message,
                              narrows=narrows, widens=widens, undecidable=undecidable))

    def probe(self, o: Node, n: Node, instance_path: str) -> tuple[bool, bool, bool, list[Change]]:
        """Compare without reporting: (narrows, widens, undecidable, changes) of the whole subtree."""
        saved, self.found = self.found, _Found()
        try:
            self.compare(o, n, instance_path)
            found = self.found.items
        finally:
            self.found = saved
        return (any(c.narrows for c in found), any(c.widens for c in found), any(c.undecidable for c in found),
                found)

    def compared(self, a: Any, b: Any) -> bool:
        """Whether the pair of ``$ref`` targets ``a`` / ``b`` was compared already."""
        return (id(a), id(b)) in self.done

    # -- walking -----------------------------------------------------------------------------------------------
    def deref(self, node: Node) -> Node | Unresolved:
        return deref(self, node)

    def compare(self, o: Node, n: Node, ip: str) -> None:
        if same(o.schema, n.schema):
            return
        saved_here, self.here = self.here, (n, ip)
        try:
            self.charge(COMPARE_COST)
            if self.depth > MAX_DEPTH:
                self.emit("too-deep", n, ip, f"schemas nest more than {MAX_DEPTH} levels {where(ip)}; not compared "
                                             "further (treated as breaking both ways)", True, True, True)
                return
            ro, rn = deref(self, o), deref(self, n)
            if isinstance(ro, Unresolved) or isinstance(rn, Unresolved):
                if isinstance(ro, Unresolved) and isinstance(rn, Unresolved) and ro.ref == rn.ref:
                    return  # the same broken reference on both sides: C3's business, not a change
                side, bad, node = ("old", ro, o) if isinstance(ro, Unresolved) else ("new", rn, n)
                self.emit("unresolvable-ref", node, ip, f"the {side} schema's $ref {bad.ref!r} cannot be resolved "
                          f"({bad.reason}), so what it points to cannot be compared; fix the $ref", True, True, True)
                return
            o, n = ro, rn
            if not (o.from_ref or n.from_ref):
                self.depth += 1
                try:
                    self.resolved(o, n, ip)
                finally:
                    self.depth -= 1
                return
            # A pair of $ref targets: its pointers do not depend on the path, so it is compared once per diff
            # (with the instance path of the first visit); a pair already being compared further up is
            # assumed to hold (coinduction), which is how recursive schemas terminate.
            key = (id(o.schema), id(n.schema))
            cached = self.done.get(key)
            if cached is None:
                if key in self.active:
                    return
                self.active.add(key)
                try:
                    saved, self.found = self.found, _Found()
                    self.depth += 1
                    try:
                        self.resolved(o, n, ip)
                        cached = self.found.items
                    finally:
                        self.found = saved
                        self.depth -= 1
                finally:
                    self.active.discard(key)
                self.done[key] = cached
            self.charge(len(cached))
            self.found.extend(cached)
        finally:
            self.here = saved_here

    def resolved(self, o: Node, n: Node, ip: str) -> None:   # pragma: no cover - see walk.Differ
        """Compare one pair of resolved (``$ref``-free at the top) schemas; the walk provides it."""
        raise NotImplementedError
