"""Stable identities for findings, robust to lines moving: what a baseline stores, what SARIF's
``partialFingerprints`` carry, and how a run tells a finding its change caused from one that was already there.

A finding's fingerprint hashes its rule, its path and its *context* — the flagged line's text with whitespace
collapsed when the finding has a line (the line number itself is left out), else its message with numbers
masked — plus its occurrence among findings with the same rule, path and context.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from .findings import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Iterable, Sequence

# CPython's own SHA-256 (the same digests): `hashlib` would load OpenSSL's bindings as well, a few milliseconds
# of the start-up of every run, the cached ones included.
try:
    from _sha2 import sha256   # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - an interpreter built without them
        from hashlib import sha256

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+")

LineLookup = Callable[[str, int], "str | None"]


def context_of(finding: Finding, line_text: str | None) -> str:
    if finding.line and line_text is not None:
        return "line:" + _SPACE.sub(" ", line_text).strip()
    return "message:" + _NUMBER.sub("#", _SPACE.sub(" ", finding.message).strip())


def fingerprint_all(findings: Sequence[Finding], line_of: LineLookup) -> list[str]:
    """One fingerprint per finding, in the findings' order (sort them first for stable occurrence numbers)."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        text = line_of(f.path, f.line) if f.line else None
        key = (f.rule, f.path, context_of(f, text))
        occurrence = seen[key]
        seen[key] += 1
        digest = sha256("\0".join((*key, str(occurrence))).encode("utf-8", "surrogatepass")).hexdigest()
        out.append(digest[:32])
    return out


def line_lookup(read_text: Callable[[str], str]) -> LineLookup:
    """``(path, line) -> text`` over a reader such as ``Workspace.read_text``; None where the file is unreadable."""
    cache: dict[str, list[str] | None] = {}

    def lookup(path: str, line: int) -> str | None:
        if path not in cache:
            try:
                cache[path] = read_text(path).splitlines()
            except Exception:  # unreadable, deleted, not a file: the message stands in for the line
                cache[path] = None
        lines = cache[path]
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    return lookup


def new_findings(current: Sequence[Finding], current_fps: Sequence[str], before_fps: Iterable[str]) -> list[Finding]:
    """The findings of ``current`` whose fingerprints ``before`` does not hold (as a multiset)."""
    remaining = Counter(before_fps)
    out = []
    for f, fp in zip(current, current_fps):
        if remaining[fp]:
            remaining[fp] -= 1
        else:
            out.append(f)
    return out
