"""The schema compatibility engine behind C4 (pure: dicts in, changes out; no I/O, no git).

>>> from observatory_invariants.engines.compat import diff_schemas, required_bump
>>> old = {"type": "object", "properties": {"a": {"type": "string"}}}
>>> new = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
>>> [c.kind for c in diff_schemas(old, new)], str(required_bump(diff_schemas(old, new)))
(['added-property'], 'minor')
"""

from __future__ import annotations

from typing import Any

from .model import POLICIES, Bump, Change, bump_for, is_compatible, required_bump, with_policy
from .versions import VersionProblem, check_version_bump, parse_version
from .walk import InvalidSchema, diff_changes

__all__ = [
    "POLICIES", "Bump", "Change", "InvalidSchema", "VersionProblem", "bump_for", "check_version_bump",
    "diff_schemas", "is_compatible", "parse_version", "required_bump",
]


def diff_schemas(old: Any, new: Any, *, policy: str = "seed", old_registry: Any = None,
                 new_registry: Any = None) -> list[Change]:
    """Every change from ``old`` to ``new``, each rated with the bump it needs under ``policy``.

    ``policy``: ``seed`` (the seed's table), ``backward`` (the new schema must
    accept every instance the old one accepted), ``forward`` (the old schema
    must accept every instance the new one accepts) or ``full`` (both).
    ``old_registry`` / ``new_registry`` resolve ``$ref``s into other schemas:
    a mapping of ``$id`` to schema, a ``referencing.Registry``, or a callable
    ``uri -> schema | None``. Nothing is ever fetched.
    Raises :class:`InvalidSchema` for input that is not a schema and
    ``ValueError`` for an unknown policy.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown compatibility policy {policy!r} (expected one of {', '.join(POLICIES)})")
    return with_policy(diff_changes(old, new, old_registry, new_registry), policy)
