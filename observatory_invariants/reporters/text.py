"""``path:line:col: ID message`` — one finding a line, then a summary."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ..findings import Finding, Severity


def location(f: Finding) -> str:
    parts = [f.path]
    if f.line:
        parts.append(str(f.line))
        if f.column:
            parts.append(str(f.column))
    return ":".join(parts)


def render_text(findings: Sequence[Finding]) -> str:
    lines = []
    for f in findings:
        tag = "" if f.severity is Severity.ERROR else f"[{f.severity.value}] "
        lines.append(f"{location(f)}: {f.rule} {tag}{f.message}")
    counts = Counter(f.severity for f in findings)
    if findings:
        detail = ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s])
        lines.append(f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({detail}).")
    else:
        lines.append("All checks passed.")
    return "\n".join(lines) + "\n"
