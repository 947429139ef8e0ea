"""C4: a breaking schema change needs a MAJOR ``$version`` bump.

Sources of the old side (the adapter, :func:`run`):

- ``--base REF``: every schema against its content at REF (deleted schemas too);
- ``--staged`` (pre-commit): the index against HEAD;
- neither: the example pairs of the ``compat-fixtures`` layout entry
  (``NAME-old.json`` / ``NAME-new.json``).

The comparison itself is :mod:`observatory_invariants.engines.compat`; :func:`check_schema_pair`
is the pure function that turns one compared pair into findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, Mapping

from ...declare import Options, Rule, SubRule, option
from ...findings import Finding, finding
from ...errors import GitError, UnreadableFile
from ...textio import decode_text

_POLICY = {"$ref": "#/$defs/policy"}  # the enum lives in config.json's $defs


@dataclass(frozen=True)
class CompatOptions(Options):
    section = "contracts"

    policy: str = option("compat-policy", "seed",
                         "C4's compatibility policy: seed (the seed's table), backward, forward or full.", schema=_POLICY)
    policies: Mapping[str, str] = option("compat-policies", {}, "Per-schema policies: {schema stem: policy}.",
                                         schema={"type": "object", "additionalProperties": _POLICY})
    example_pairs: bool = option(
        "compat-example-pairs", False,
        "C4 also checks the example pairs (compat-fixtures NAME-old.json / NAME-new.json). Off by default: example "
        "pairs are a checker's own test data, some meant to break, not contracts.")
    example_verdicts: Mapping[str, str] = option(
        "compat-example-verdicts", {},
        "With compat-example-pairs: the bump each pair is meant to need, {pair name: none|patch|minor|major}; a pair "
        "whose changes need another bump is C4.example-verdict. Pairs not listed must carry a big enough $version "
        "bump.", schema={"type": "object", "additionalProperties": {"enum": ["none", "patch", "minor", "major"]}})

    def policy_for(self, stem: str) -> str:
        """The compatibility policy of a schema: ``compat-policies[stem]``, else ``compat-policy``."""
        return self.policies.get(stem) or self.policy or "seed"


BUMP_TOO_SMALL = SubRule("C4.bump-too-small", "The $version bump is smaller than the changes need")
VERSION_DECREASED = SubRule("C4.version-decreased", "The $version went down")
NO_BUMP = SubRule("C4.no-bump", "The schema changed but its $version did not")
SCHEMA_DELETED = SubRule("C4.schema-deleted", "A published schema was deleted")
BAD_INPUT = SubRule("C4.bad-input", "A schema (or its base version) cannot be compared")
EXAMPLE_VERDICT = SubRule("C4.example-verdict", "An example pair's changes need another bump than the one it is meant "
                                               "to show (opt-in)")
C4 = Rule("C4", "Breaking schema changes require a MAJOR version bump", "contracts", ("schemas", "compat-fixtures"),
          "run", subrules=(BUMP_TOO_SMALL, VERSION_DECREASED, NO_BUMP, SCHEMA_DELETED, BAD_INPUT, EXAMPLE_VERDICT),
          options=(CompatOptions,), hooks=("observatory-compat",), seed_check="check-schema-compat.py --ci")
RULE = C4.id
_CODES = {"bump-too-small": BUMP_TOO_SMALL, "version-decreased": VERSION_DECREASED, "no-bump": NO_BUMP,
          "invalid-version": BAD_INPUT}
_EXTERNAL_REF = re.compile(r'"\$ref"\s*:\s*"(?!#)')


def _locate(text: str, pointer: str | list) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    from ...parsers.jsonpos import locate

    return locate(text, pointer)


def _parse(text: str) -> tuple[Any, str | None]:
    from ...parsers.strict_json import parse_json

    value, problem = parse_json(text)
    if problem is not None:
        where = f" (line {problem.line}, column {problem.column})" if problem.line else ""
        return None, f"{problem.message}{where}"
    return value, None


def check_schema_pair(path: str, old: Any, new: Any, *, new_text: str = "", policy: str = "seed",
                      old_label: str = "the base", old_registry: Any = None, new_registry: Any = None,
                      content_changed: bool = True, require_versions: bool = True) -> list[Finding]:
    """Findings for one schema whose old and new parsed values are given (pure).

    ``require_versions=False`` (example pairs) skips the version check when
    neither side carries a ``$version``.
    """
    from ...engines.compat import InvalidSchema, check_version_bump, diff_schemas

    try:
        changes = diff_schemas(old, new, policy=policy, old_registry=old_registry, new_registry=new_registry)
    except InvalidSchema as exc:
        return [finding(BAD_INPUT, path, f"cannot compare with {old_label}: {exc}; fix the schema so C4 can check "
                                         "its compatibility", 1, 1)]
    old_version = old.get("$version") if isinstance(old, dict) else None
    new_version = new.get("$version") if isinstance(new, dict) else None
    if not require_versions and old_version is None and new_version is None:
        return []
    problems = check_version_bump(old_version, new_version, changes, content_changed=content_changed, policy=policy)
    found = []
    for problem in problems:
        line, column = _locate(new_text, ["$version"] if isinstance(new, dict) and "$version" in new else [])
        rule = _CODES[problem.code]
        message = problem.message if rule != BAD_INPUT else f"{problem.message} (comparing with {old_label})"
        found.append(finding(rule, path, message, line, column))
    return found


def check_example_verdict(path: str, old: Any, new: Any, expected: str, *, policy: str = "seed") -> list[Finding]:
    """C4.example-verdict when an example pair's changes need another bump than ``expected`` (pure)."""
    from ...engines.compat import InvalidSchema, diff_schemas, required_bump

    try:
        changes = diff_schemas(old, new, policy=policy)
    except InvalidSchema as exc:
        return [finding(BAD_INPUT, path, f"cannot compare the example pair: {exc}", 1, 1)]
    needed = str(required_bump(changes)) if changes else "none"
    if needed == expected:
        return []
    kinds = ", ".join(sorted({c.kind for c in changes})[:4]) or "no change"
    return [finding(EXAMPLE_VERDICT, path, f"this example pair is meant to need a {expected} bump, but its changes "
                                           f"({kinds}) need {needed} under the {policy!r} policy; fix the pair or its "
                                           "expected verdict in compat-example-verdicts", 1, 1)]


# -- the adapter ---------------------------------------------------------------------------------------
def _has_external_refs(text: str) -> bool:
    return bool(_EXTERNAL_REF.search(text))


class _Revision:
    """The schemas of one revision (a ref, the index or the work tree), parsed once, by path and by ``$id``."""

    def __init__(self, read: Callable[[str], str | None], paths: Iterable[str]):
        self._read = read
        self.paths = list(paths)
        self._texts: dict[str, str | None] = {}
        self._by_id: dict[str, Any] | None = None

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self._read(path)
        return self._texts[path]

    def value(self, path: str) -> Any:
        text = self.text(path)
        if text is None:
            return None
        return _parse(text)[0]

    def lookup(self, uri: str) -> Any:
        """The schema with ``$id`` ``uri`` (or, for ids that are not URLs, the file of that name)."""
        if self._by_id is None:
            self._by_id = {}
            by_name = {}
            for path in self.paths:
                value = self.value(path)
                if isinstance(value, dict):
                    if isinstance(value.get("$id"), str):
                        self._by_id[value["$id"].rstrip("#")] = value
                    by_name.setdefault(PurePosixPath(path).name, value)
            self._by_name = by_name
        uri = uri.rstrip("#")
        if uri in self._by_id:
            return self._by_id[uri]
        return self._by_name.get(uri.rsplit("/", 1)[-1].rsplit(":", 1)[-1])


def _git_text(ws, read, path: str) -> str | None:
    try:
        data = read()   # repo.show / repo.staged: UnreadableFile over the size cap
        return None if data is None else decode_text(path, data)
    except UnreadableFile:
        return ""   # present but unusable: reported as not JSON


def run(ws, targets: list[str] | None) -> list[Finding]:
    if ws.base_ref:
        ref = ws.base_ref
        ws.repo.resolve_ref(ref)   # an unknown ref is a usage error (GitError -> exit 2), not a finding
        old_paths = [p for p in ws.repo.files_at(ref) if ws.matches("schemas", p)]
        new_paths = ws.glob("schemas")
        old_rev = _Revision(lambda p: _git_text(ws, lambda: ws.repo.show(ref, p), p), old_paths)
        new_rev = _Revision(lambda p: _read_work_tree(ws, p), new_paths)
        return _compare_revisions(ws, old_rev, new_rev, targets, f"--base {ref}")
    if ws.staged:
        try:
            ws.repo.resolve_ref("HEAD")
        except GitError:
            return []   # the first commit: every schema is new, nothing to compare with
        old_paths = [p for p in ws.repo.files_at("HEAD") if ws.matches("schemas", p)]
        new_paths = sorted({*ws.glob("schemas"), *old_paths})
        old_rev = _Revision(lambda p: _git_text(ws, lambda: ws.repo.show("HEAD", p), p), old_paths)
        new_rev = _Revision(lambda p: _git_text(ws, lambda: ws.repo.staged(p), p), new_paths)
        return _compare_revisions(ws, old_rev, new_rev, targets, "HEAD")
    return check_fixture_pairs(ws, targets)


def _read_work_tree(ws, path: str) -> str | None:
    try:
        return ws.read_text(path)
    except UnreadableFile as exc:
        return None if exc.reason == "does not exist" else ""


def _compare_revisions(ws, old_rev: _Revision, new_rev: _Revision, targets, old_label: str) -> list[Finding]:
    options = ws.options(CompatOptions)
    wanted = None if targets is None else set(targets)
    found: list[Finding] = []
    new_present = {p for p in new_rev.paths if new_rev.text(p) is not None}
    # Deletions are reported whatever the targets: git's rename detection lists a deleted schema under the
    # name of a similar new one, so the deleted path may never reach us as a target.
    for path in old_rev.paths:
        if path not in new_present:
            found.append(finding(SCHEMA_DELETED, path, f"schema {path} was deleted (it exists at {old_label}); removing "
                                 "a published contract breaks its producers and consumers: keep it (mark it "
                                 "deprecated in VERSIONS.md) until no one uses it"))
    for path in sorted(new_present):
        if wanted is not None and path not in wanted:
            continue
        old_text = old_rev.text(path) if path in old_rev.paths else None
        new_text = new_rev.text(path)
        if old_text is None:
            continue   # a new schema: nothing to compare with
        if old_text == new_text and not _has_external_refs(new_text):
            continue
        old, problem = _parse(old_text)
        if problem is not None:
            found.append(finding(BAD_INPUT, path, f"at {old_label} this file is not valid JSON ({problem}), so its "
                                 "compatibility cannot be checked; review the change by hand", severity="warning"))
            continue
        new, problem = _parse(new_text)
        if problem is not None:
            found.append(finding(BAD_INPUT, path, f"the schema is not valid JSON ({problem}); fix it so C4 can "
                                 "compare it with " + old_label, 1, 1))
            continue
        from ...engines.compat.versions import content_differs

        changed = content_differs(old, new)   # a $version-only edit (even build metadata) is no content change
        found.extend(check_schema_pair(path, old, new, new_text=new_text,
                                       policy=options.policy_for(PurePosixPath(path).stem), old_label=old_label,
                                       old_registry=old_rev.lookup, new_registry=new_rev.lookup,
                                       content_changed=changed))
    return found


def check_fixture_pairs(ws, targets: list[str] | None) -> list[Finding]:
    """The ``NAME-old.json`` / ``NAME-new.json`` example pairs (opt-in: ``compat-example-pairs``): does each pair
    need the bump it is meant to show (``compat-example-verdicts``), else is its ``$version`` bump big enough?"""
    from ...engines.compat.versions import content_differs

    options = ws.options(CompatOptions)
    if not options.example_pairs:
        return []
    pairs: dict[str, dict[str, str]] = {}
    for path in ws.glob("compat-fixtures"):
        stem = PurePosixPath(path).stem
        for side in ("old", "new"):
            if stem.endswith(f"-{side}"):
                pairs.setdefault(stem[: -len(side) - 1], {})[side] = path
    wanted = None if targets is None else set(targets)
    found: list[Finding] = []
    for name, sides in sorted(pairs.items()):
        if wanted is not None and not wanted & set(sides.values()):
            continue
        if len(sides) < 2:
            (side, path), = sides.items()
            other = "new" if side == "old" else "old"
            found.append(finding(BAD_INPUT, path, f"example pair {name!r} has no {name}-{other}.json; add it or rename "
                                 "this file", severity="note"))
            continue
        docs = {}
        for side, path in sides.items():
            try:
                text = ws.read_text(path)
            except UnreadableFile as exc:
                found.append(finding(BAD_INPUT, path, f"{exc.reason}; an example schema must be UTF-8 JSON"))
                break
            value, problem = _parse(text)
            if problem is not None:
                found.append(finding(BAD_INPUT, path, f"example schema is not valid JSON ({problem})", 1, 1))
                break
            docs[side] = (text, value)
        else:
            (_, old), (new_text, new) = docs["old"], docs["new"]
            expected = options.example_verdicts.get(name)
            if expected is not None:
                found.extend(check_example_verdict(sides["new"], old, new, expected, policy=options.policy_for(name)))
                continue
            found.extend(check_schema_pair(sides["new"], old, new, new_text=new_text,
                                           policy=options.policy_for(name), old_label=sides["old"],
                                           content_changed=content_differs(old, new), require_versions=False))
    # An example pair only needs its bump to be big enough: "no bump" is a finding for real schemas.
    return [f for f in found if f.rule != NO_BUMP.id]
