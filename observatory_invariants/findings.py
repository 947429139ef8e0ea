"""The one finding type every check returns and every reporter renders."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    def __str__(self) -> str:  # "error", not "Severity.ERROR"
        return self.value


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, where, and a message that says how to fix it.

    ``path`` is repository-relative with forward slashes. ``line`` and
    ``column`` are 1-based, or ``None`` when the problem has no position
    (a missing file, a whole-schema property).
    """

    rule: str
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    severity: Severity = Severity.ERROR

    @property
    def base_rule(self) -> str:
        """``B3`` for ``B3.latest-tag``: the invariant id the sub-rule belongs to."""
        return self.rule.split(".", 1)[0]

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.column or 0, self.rule, self.message)

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)

    def to_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


def finding(rule, path: str, message: str, line: int | None = None,
            column: int | None = None, severity: Severity | str = Severity.ERROR) -> Finding:
    """Shorthand used by checks: ``rule`` is a declared Rule or SubRule (or its id); the severity may be a string."""
    return Finding(rule=getattr(rule, "id", rule), path=path, message=message, line=line, column=column,
                   severity=Severity(severity))
