"""A baseline: the findings a repository already has, written once so that only new ones are reported
(detekt/phpstan style). Pure: build, parse and apply; the file is read and written at the edge.

An entry is a finding's fingerprint (fingerprints.py: rule + path + the flagged line's text, robust to lines
moving) with its rule, path, line and message for humans. Matching is by fingerprint, as a multiset.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

from .errors import ConfigError
from .findings import Finding

BASELINE_SCHEMA_ID = "urn:observatory-invariants:schema:baseline"
BASELINE_VERSION = "1.0.0"
DEFAULT_BASELINE_FILE = ".observatory-baseline.json"


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    path: str
    line: int | None
    message: str


@dataclass
class Applied:
    """What a baseline did to a run's findings."""

    kept: list[Finding] = field(default_factory=list)       # not in the baseline: reported
    silenced: int = 0                                       # in the baseline: not reported
    stale: list[Entry] = field(default_factory=list)         # baseline entries no finding matched


def build(findings: Sequence[Finding], fingerprints: Sequence[str], *, tool_version: str) -> dict:
    entries = sorted((Entry(fp, f.rule, f.path, f.line, f.message) for f, fp in zip(findings, fingerprints)),
                     key=lambda e: (e.path, e.rule, e.line or 0, e.fingerprint))
    return {
        "$schema": BASELINE_SCHEMA_ID,
        "version": BASELINE_VERSION,
        "tool": {"name": "observatory-invariants", "version": tool_version},
        "findings": [{"fingerprint": e.fingerprint, "rule": e.rule, "path": e.path, "line": e.line,
                      "message": e.message} for e in entries],
    }


def render(findings: Sequence[Finding], fingerprints: Sequence[str], *, tool_version: str) -> str:
    return json.dumps(build(findings, fingerprints, tool_version=tool_version), indent=2, ensure_ascii=False) + "\n"


def parse(text: str, source: str) -> list[Entry]:
    """The entries of a baseline file; ConfigError naming the file and the problem otherwise."""
    from .parsers.strict_json import parse_json

    value, problem = parse_json(text)
    if problem is not None:
        raise ConfigError(f"{source}: not a baseline file: {problem.message} (line {problem.line}); regenerate it "
                          "with `observatory-invariants baseline`")
    if not isinstance(value, dict) or value.get("$schema") != BASELINE_SCHEMA_ID or \
            not isinstance(value.get("findings"), list):
        raise ConfigError(f"{source}: not a baseline file (no \"$schema\": \"{BASELINE_SCHEMA_ID}\" and "
                          "\"findings\" list); regenerate it with `observatory-invariants baseline`")
    entries = []
    for n, item in enumerate(value["findings"]):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str) or \
                not isinstance(item.get("rule"), str) or not isinstance(item.get("path"), str):
            raise ConfigError(f"{source}: findings[{n}] needs string fingerprint, rule and path")
        line = item.get("line")
        entries.append(Entry(item["fingerprint"], item["rule"], item["path"], line if isinstance(line, int) else None,
                             str(item.get("message", ""))))
    return entries


def apply(findings: Sequence[Finding], fingerprints: Sequence[str], entries: Sequence[Entry], *,
          judged_rules: set[str] | None = None, judged_paths: set[str] | None = None) -> Applied:
    """Drop the findings the baseline lists. Entries no finding matched are stale — counted only among the rules
    that ran (``judged_rules``, base ids) and, for a run about a change, the paths it judged."""
    remaining = Counter(e.fingerprint for e in entries)
    out = Applied()
    for f, fp in zip(findings, fingerprints):
        if remaining[fp]:
            remaining[fp] -= 1
            out.silenced += 1
        else:
            out.kept.append(f)
    for e in entries:
        if remaining[e.fingerprint] <= 0:
            continue
        if judged_rules is not None and e.rule.split(".", 1)[0] not in judged_rules:
            continue
        if judged_paths is not None and e.path not in judged_paths:
            continue
        remaining[e.fingerprint] -= 1
        out.stale.append(e)
    return out
