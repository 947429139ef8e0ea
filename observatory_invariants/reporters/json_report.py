"""The JSON report; its schema is contracts/schemas/report.json."""

from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from ..findings import Finding, Severity

REPORT_SCHEMA_ID = "urn:observatory-invariants:schema:report"
REPORT_VERSION = "1.1.0"


def build_report(findings: Sequence[Finding], *, tool_version: str, fingerprints: Sequence[str] | None = None,
                 internal_errors: Sequence[str] = ()) -> dict:
    counts = Counter(f.severity for f in findings)
    rows = [f.to_dict() for f in findings]
    if fingerprints is not None:
        for row, fp in zip(rows, fingerprints):
            row["fingerprint"] = fp
    return {
        "$schema": REPORT_SCHEMA_ID,
        "version": REPORT_VERSION,
        "tool": {"name": "observatory-invariants", "version": tool_version},
        "complete": not internal_errors,
        "internal_errors": list(internal_errors),
        "summary": {"total": len(findings), **{s.value: counts[s] for s in Severity}},
        "findings": rows,
    }


def render_json(findings: Sequence[Finding], *, tool_version: str, fingerprints: Sequence[str] | None = None,
                internal_errors: Sequence[str] = ()) -> str:
    report = build_report(findings, tool_version=tool_version, fingerprints=fingerprints,
                          internal_errors=internal_errors)
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
