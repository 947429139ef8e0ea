"""``path:line:col: ID message`` — one finding a line, then a summary.

Control characters in paths and messages are escaped (``\\n``, ``\\x1b``): a file name cannot forge a finding
line or reach the terminal as an escape sequence.
"""

from __future__ import annotations

from collections import Counter

from ..findings import Finding, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Sequence

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7f)}
_CONTROL.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_CONTROL.update({c: f"\\x{c:02x}" for c in range(0x80, 0xa0)})  # C1 controls (CSI and friends)


def safe(text: str) -> str:
    """``text`` with control characters escaped, for a terminal or a log."""
    return text.translate(_CONTROL)


def location(f: Finding) -> str:
    parts = [safe(f.path)]
    if f.line:
        parts.append(str(f.line))
        if f.column:
            parts.append(str(f.column))
    return ":".join(parts)


def render_text(findings: Sequence[Finding], *, internal_errors: Sequence[str] = ()) -> str:
    lines = []
    for f in findings:
        tag = "" if f.severity is Severity.ERROR else f"[{f.severity.value}] "
        lines.append(f"{location(f)}: {f.rule} {tag}{safe(f.message)}")
    counts = Counter(f.severity for f in findings)
    if findings:
        detail = ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s])
        lines.append(f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({detail}).")
    if internal_errors:
        lines.append(f"Checks did not complete: {len(internal_errors)} check(s) failed with an internal error "
                     "(see stderr); these results are incomplete.")
    elif not findings:
        lines.append("All checks passed.")
    if findings:
        first = findings[0].rule.split(".", 1)[0]
        lines.append(f"Run `observatory-invariants explain {first}` (or any rule id) for what a rule checks and how to fix it.")
    return "\n".join(lines) + "\n"
