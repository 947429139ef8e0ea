"""What the compatibility engine reports: a :class:`Change`, the :class:`Bump` it needs, the policies."""

from __future__ import annotations

import enum
from dataclasses import dataclass

POLICIES = ("seed", "backward", "forward", "full")


class Bump(enum.IntEnum):
    """A SemVer bump level; ordered, so ``max()`` of changes gives the bump a release needs."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    def __str__(self) -> str:  # "major", as the JSON output spells it
        return self.name.lower()


@dataclass(frozen=True)
class Change:
    """One difference between an old and a new schema.

    ``pointer`` locates it in the schema (the new schema, or the old one for
    things that were removed; ``uri#/pointer`` when it sits in another schema
    reached through ``$ref``). ``instance_path`` locates the affected value in an
    instance (``/producer/version``; ``*`` stands for any array item or extra
    property). ``narrows``: some instance the old schema accepted is rejected now
    (breaks new readers of old data). ``widens``: some instance the new schema
    accepts was rejected before (breaks old readers of new data).
    ``undecidable``: the engine could not decide, so both are assumed.
    """

    pointer: str
    instance_path: str
    kind: str
    message: str
    narrows: bool
    widens: bool
    undecidable: bool = False
    bump: Bump = Bump.NONE

    def to_dict(self) -> dict:
        return {"pointer": self.pointer, "kind": self.kind, "bump": str(self.bump), "message": self.message}


# The seed's table (INVARIANTS.md, C4): these kinds have a fixed bump whatever the set semantics say.
_SEED_FIXED = {
    "removed-property": Bump.MAJOR,
    "renamed-property": Bump.MAJOR,
    "added-required": Bump.MAJOR,
    "type-narrowed": Bump.MAJOR,
    "type-widened": Bump.MAJOR,
    "type-changed": Bump.MAJOR,
    "enum-narrowed": Bump.MAJOR,
    "enum-changed": Bump.MAJOR,
    "added-property": Bump.MINOR,
    "enum-widened": Bump.MINOR,
    "cosmetic": Bump.PATCH,
    "ref-target-changed": Bump.PATCH,
    "dialect-changed": Bump.PATCH,
}


def bump_for(change: Change, policy: str) -> Bump:
    """The bump ``change`` needs under ``policy`` (see docs/rules/C4.md for the table)."""
    if change.undecidable:
        return Bump.MAJOR
    if policy == "seed":
        fixed = _SEED_FIXED.get(change.kind)
        if fixed is not None:
            return fixed
        # The rest of the seed's table: tightening validation breaks, relaxing it is a feature.
        breaking, feature = change.narrows, change.widens
    elif policy == "backward":   # new readers must read all old data
        breaking, feature = change.narrows, change.widens
    elif policy == "forward":    # old readers must read all new data
        breaking, feature = change.widens, change.narrows
    elif policy == "full":
        breaking, feature = change.narrows or change.widens, False
    else:
        raise ValueError(f"unknown compatibility policy {policy!r} (expected one of {', '.join(POLICIES)})")
    if breaking:
        return Bump.MAJOR
    return Bump.MINOR if feature else Bump.PATCH


def with_policy(changes: list[Change], policy: str) -> list[Change]:
    return [Change(c.pointer, c.instance_path, c.kind, c.message, c.narrows, c.widens, c.undecidable,
                   bump_for(c, policy)) for c in changes]


def required_bump(changes: list[Change]) -> Bump:
    """The largest bump any change needs (``NONE`` for no change at all)."""
    return max((c.bump for c in changes), default=Bump.NONE)


def is_compatible(changes: list[Change]) -> bool:
    """No change needs a MAJOR bump under the policy the changes were rated with."""
    return all(c.bump < Bump.MAJOR for c in changes)
