"""The JSON report; its schema is contracts/schemas/report.json."""

from __future__ import annotations

import json
from collections import Counter
from typing import Sequence

from ..findings import Finding, Severity

REPORT_SCHEMA_ID = "urn:observatory-invariants:schema:report"
REPORT_VERSION = "1.0.0"


def build_report(findings: Sequence[Finding], *, tool_version: str) -> dict:
    counts = Counter(f.severity for f in findings)
    return {
        "$schema": REPORT_SCHEMA_ID,
        "version": REPORT_VERSION,
        "tool": {"name": "observatory-invariants", "version": tool_version},
        "summary": {"total": len(findings), **{s.value: counts[s] for s in Severity}},
        "findings": [f.to_dict() for f in findings],
    }


def render_json(findings: Sequence[Finding], *, tool_version: str) -> str:
    return json.dumps(build_report(findings, tool_version=tool_version), indent=2, ensure_ascii=False) + "\n"
