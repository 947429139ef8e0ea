"""Version enforcement: does the ``$version`` bump of a schema cover the changes it needs?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Bump, Change, required_bump


@dataclass(frozen=True)
class VersionProblem:
    """``code`` is the C4 sub-rule suffix: bump-too-small, version-decreased, no-bump, invalid-version."""

    code: str
    message: str


def parse_version(value: Any):
    """A ``semver.Version``, or None when ``value`` is not a SemVer string."""
    import semver

    if not isinstance(value, str):
        return None
    try:
        return semver.Version.parse(value)
    except ValueError:
        return None


def content_differs(old: Any, new: Any) -> bool:
    """Whether two schema documents differ in anything but their ``$version`` (JSON equality: true is not 1)."""
    import json

    def strip(doc):
        return {k: v for k, v in doc.items() if k != "$version"} if isinstance(doc, dict) else doc
    a, b = strip(old), strip(new)
    return a != b or json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True)


def actual_bump(old, new) -> Bump:
    """The bump from ``old`` to ``new`` (both ``semver.Version``, ``new`` > ``old``)."""
    if new.major != old.major:
        return Bump.MAJOR
    if new.minor != old.minor:
        return Bump.MINOR
    if new.patch != old.patch:
        return Bump.PATCH
    # Same x.y.z, another pre-release: no compatibility promise between pre-releases.
    return Bump.MAJOR if old.prerelease else Bump.PATCH


def _next(old, bump: Bump) -> str:
    if bump == Bump.MAJOR:
        return str(old.bump_major())
    if bump == Bump.MINOR:
        return str(old.bump_minor())
    return str(old.bump_patch())


def _summary(changes: list[Change], bump: Bump, limit: int = 3) -> str:
    needing = [c for c in changes if c.bump == bump]
    shown = "; ".join(f"{c.kind} at {c.pointer or '/'}" for c in needing[:limit])
    more = f" (+{len(needing) - limit} more)" if len(needing) > limit else ""
    return shown + more


def check_version_bump(old_version: Any, new_version: Any, changes: list[Change], *, content_changed: bool,
                       policy: str = "seed") -> list[VersionProblem]:
    """The version findings for one old/new pair whose ``changes`` were rated under ``policy``.

    A content change that needs no bump by itself (an unreferenced ``$defs``
    entry, key order) still needs a PATCH: the seed's rule is that every change
    of a published contract changes its version.
    """
    problems: list[VersionProblem] = []
    old_v, new_v = parse_version(old_version), parse_version(new_version)
    for label, raw, parsed in (("old", old_version, old_v), ("new", new_version, new_v)):
        if parsed is None:
            problems.append(VersionProblem("invalid-version", f"the {label} schema's $version {raw!r} is not SemVer "
                                           "(MAJOR.MINOR.PATCH); fix it so the bump can be checked"))
    if problems:
        return problems
    needed = required_bump(changes)
    if content_changed and needed == Bump.NONE:
        needed = Bump.PATCH
    if new_v < old_v:
        return [VersionProblem("version-decreased", f"$version went down from {old_v} to {new_v}; versions of a "
                               f"published contract only go up: use {_next(old_v, max(needed, Bump.PATCH))} or later")]
    if new_v == old_v:
        if needed > Bump.NONE:
            detail = f" ({_summary(changes, needed)})" if needed > Bump.PATCH or changes else ""
            return [VersionProblem("no-bump", f"the schema changed but $version is still {old_v}; this change needs a "
                                   f"{needed} bump{detail}: set $version to {_next(old_v, needed)}")]
        return []
    have = actual_bump(old_v, new_v)
    if have < needed:
        return [VersionProblem("bump-too-small", f"$version went from {old_v} to {new_v} (a {have} bump) but the "
                               f"changes need a {needed} bump under the {policy!r} policy ({_summary(changes, needed)}); "
                               f"set $version to {_next(old_v, needed)} or make the change compatible")]
    return []
