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


_HEADER = re.compile(r"^\|\s*([^|]*?)\s*\|")
_ID_SHAPE = re.compile(r"^\|\s*([A-Za-z]+\d+[a-z]?)\s*\|")


def parse_invariant_rows(text: str) -> dict[str, tuple[int, str]]:
    """``{id: (line, row text)}`` for the first row of each id in the document's invariant tables.

    An invariant table is one whose header's first cell is ``ID`` (the seed's ``| ID | Invariant | … |``);
    other tables — the seed's proof paths ``| Path | … |``, coverage thresholds — hold no invariants. A row
    starts with ``| ID |`` and runs until the next row, a blank line or a heading, so rows wrapped over several
    lines (as in the seed's document) are read whole. Later tables that repeat an id do not override the first.
    """
    rows: dict[str, tuple[int, str]] = {}
    current: str | None = None
    in_id_table = False
    previous_was_row = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = _HEADER.match(stripped)
        if header and not _ID_SHAPE.match(stripped) and not set(header.group(1)) <= set("-: "):
            if not previous_was_row:      # a table's first row: its header says what the table holds
                in_id_table = header.group(1).strip().lower() == "id"
            current = None
            previous_was_row = True
            continue
        match = _ID_SHAPE.match(stripped)
        if match and in_id_table:
            row_id = match.group(1)
            current = row_id if row_id not in rows else None
            if current:
                rows[current] = (number, stripped)
            previous_was_row = True
        elif stripped.startswith("|"):
            previous_was_row = True       # the |---| separator, or a row of another table
        elif current and stripped and not stripped.startswith("#"):
            line_no, body = rows[current]
            rows[current] = (line_no, f"{body} {stripped}")
        else:
            current = None
            previous_was_row = False
            if not stripped or stripped.startswith("#"):
                in_id_table = False
    return rows


def _documented_enforcement(row: str) -> str | None:
    if "📝" in row or re.search(r"governance|documented[- ]only", row, re.I):
        return registry.GOVERNANCE
    if "✅" in row:
        return registry.AUTOMATED
    return None


# What a difference is: (kind, default severity). The ``drift`` command reports each under the row's own id;
# the opt-in rule M1 reports it under its sub-rule ``M1.<kind>``.
MISSING_ROW, UNKNOWN_ID, CLAIMS_ENFORCED, STALE_STATUS, NOT_CHECKED_YET, DISABLED_BY_CONFIG = (
    "missing-row", "unknown-id", "claims-enforced", "stale-status", "not-checked-yet", "disabled-by-config")


def map_differences(text: str, config=None) -> list[tuple[str, str, int, str, str]]:
    """Every difference between an invariant document and the map: ``(kind, row id, line, message, severity)``.

    With a ``config`` (the repository's :class:`~observatory_invariants.config.Config`), the document is also
    compared with what the config enables: an id documented as enforced (✅) that the config disables is an
    error, and a row missing for an enabled rule is an error (for a disabled one, a warning).
    """
    rows = parse_invariant_rows(text)
    out: list[tuple[str, str, int, str, str]] = []

    def enabled(rule) -> bool:
        if config is None:
            return rule.default_enabled
        return rule.implemented and any(registry.is_enabled(i, config.select, config.ignore) for i in rule.ids())

    for rule in registry.RULES:
        if rule.id not in rows:
            if not rule.default_enabled and (config is None or not enabled(rule)):
                continue   # an opt-in rule of the tool (M1) is the document's business only when enabled
            on = enabled(rule)
            severity = "error" if on or config is None else "warning"
            extra = "" if config is None else (" (the config enables it)" if on else " (the config disables it)")
            out.append((MISSING_ROW, rule.id, 1, f"{rule.id} ({rule.title}) is in the invariant map but not in this "
                                                 f"document{extra}; add a row", severity))
            continue
        line, row = rows[rule.id]
        documented = _documented_enforcement(row)
        if documented == registry.GOVERNANCE and rule.implemented:
            if config is None or enabled(rule):
                out.append((STALE_STATUS, rule.id, line, f"{rule.id} is documented as governance/documented-only, "
                                                         "but observatory-invariants enforces it now; mark it ✅ and "
                                                         "name the hook", "warning"))
        elif documented == registry.AUTOMATED and rule.enforcement == registry.GOVERNANCE:
            out.append((CLAIMS_ENFORCED, rule.id, line, f"{rule.id} is documented as enforced (✅), but it is "
                                                        "governance-only: nothing checks it; mark it 📝", "error"))
        elif documented == registry.AUTOMATED and not rule.implemented:
            out.append((NOT_CHECKED_YET, rule.id, line, f"{rule.id} is documented as enforced (✅), but "
                                                        "observatory-invariants does not check it yet; keep the old "
                                                        "check until it does", "note"))
        elif documented == registry.AUTOMATED and config is not None and not enabled(rule):
            where = f" ({config.source})" if config.source else ""
            out.append((DISABLED_BY_CONFIG, rule.id, line,
                        f"{rule.id} is documented as enforced (✅), but the configuration{where} disables it "
                        "(select/ignore): nothing checks it; enable it or mark it 📝", "error"))
    known = {r.id for r in registry.RULES}
    for rule_id, (line, _) in rows.items():
        # Every id of an invariant table (other tables, like the seed's P1–P4 proof paths, are not read).
        if rule_id not in known:
            out.append((UNKNOWN_ID, rule_id, line, f"{rule_id} is not an invariant of the map (known: C1–C5, X1–X4, "
                                                   "V1–V7, V2a, I1–I7, A1–A3, B1–B4, R1)", "error"))
    return out


def check_map_drift(path: str, text: str, config=None) -> list[Finding]:
    """Findings for every difference between the document at ``path`` and the registry, each under the id of
    the row it is about (the ``drift`` command); none: no drift."""
    return [finding(row_id, path, message, line, 1, severity)
            for _kind, row_id, line, message, severity in map_differences(text, config)]
