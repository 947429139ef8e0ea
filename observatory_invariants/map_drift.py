"""Drift between a repository's own invariant document (INVARIANTS.md) and the tool's invariant map.

The seed's document is a markdown table ``| ID | Invariant | Automated Check | Status |`` whose rows may
wrap over several lines; the status says ✅ (enforced) or 📝 (documented / governance only). Pure: text in,
findings out; the ``drift`` command reads the file.
"""

from __future__ import annotations

import re

from . import registry
from .findings import Finding, finding

_ROW_START = re.compile(r"^\|\s*([A-Z]\d+[a-z]?)\s*\|")


def parse_invariant_rows(text: str) -> dict[str, tuple[int, str]]:
    """``{id: (line, row text)}`` for the first table row of each invariant id.

    A row starts with ``| ID |`` and runs until the next row, a blank line or a heading, so rows wrapped
    over several lines (as in the seed's document) are read whole. Later tables that repeat an id (the
    per-area detail tables) do not override the first.
    """
    rows: dict[str, tuple[int, str]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        match = _ROW_START.match(stripped)
        if match:
            current = match.group(1) if match.group(1) not in rows else None
            if current:
                rows[current] = (number, stripped)
        elif current and stripped and not stripped.startswith("#"):
            line_no, body = rows[current]
            rows[current] = (line_no, f"{body} {stripped}")
        else:
            current = None
    return rows


def _documented_enforcement(row: str) -> str | None:
    if "📝" in row or re.search(r"governance|documented[- ]only", row, re.I):
        return registry.GOVERNANCE
    if "✅" in row:
        return registry.AUTOMATED
    return None


def check_map_drift(path: str, text: str) -> list[Finding]:
    """Findings for every difference between the document at ``path`` and the registry (none: no drift)."""
    rows = parse_invariant_rows(text)
    out: list[Finding] = []
    for rule in registry.RULES:
        if rule.id not in rows:
            out.append(finding(rule.id, path, f"{rule.id} ({rule.title}) is in the invariant map but not in this "
                                              "document; add a row", 1, 1))
            continue
        line, row = rows[rule.id]
        documented = _documented_enforcement(row)
        if documented == registry.GOVERNANCE and rule.implemented:
            out.append(finding(rule.id, path, f"{rule.id} is documented as governance/documented-only, but "
                                              "observatory-invariants enforces it now; mark it ✅ and name the hook",
                               line, 1, "warning"))
        elif documented == registry.AUTOMATED and rule.enforcement == registry.GOVERNANCE:
            out.append(finding(rule.id, path, f"{rule.id} is documented as enforced (✅), but it is governance-only: "
                                              "nothing checks it; mark it 📝", line, 1))
        elif documented == registry.AUTOMATED and not rule.implemented:
            out.append(finding(rule.id, path, f"{rule.id} is documented as enforced (✅), but observatory-invariants "
                                              "does not check it yet; keep the old check until it does",
                               line, 1, "note"))
    known = {r.id for r in registry.RULES}
    families = {re.match(r"[A-Z]+", r.id).group() for r in registry.RULES}
    for rule_id, (line, _) in rows.items():
        # Only ids of the map's families: other tables (the seed's P1–P4 proof paths) are not invariants.
        if rule_id not in known and re.match(r"[A-Z]+", rule_id).group() in families:
            out.append(finding(rule_id, path, f"{rule_id} is not an invariant of the map (known: C1–C5, X1–X4, "
                                              "V1–V7, V2a, I1–I7, A1–A3, B1–B4, R1)", line, 1))
    return out
