"""Helpers for the script-rule tests (X1-X4, B4)."""

from __future__ import annotations

from observatory_invariants.rules.scripts.x4_bashisms import bashisms
from observatory_invariants.rules.scripts.lint import check_powershell
from observatory_invariants.rules.scripts.workflow_steps import workflow_findings


def ps_rules(text: str, **options) -> list[str]:
    """Rule ids found in a PowerShell script, in order."""
    return [f.rule for f in check_powershell("t.ps1", text, options)]


def ps_findings(text: str, **options):
    return check_powershell("t.ps1", text, options)


def sh_rules(text: str) -> list[str]:
    return [f.rule for f in bashisms("t.sh", text)]


def wf_findings(text: str, **options):
    return workflow_findings(".github/workflows/ci.yml", text, options)
