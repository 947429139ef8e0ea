"""A3: the single test entrypoint exists and CI calls it.

- ``A3.missing``: the configured entrypoint (``[paths] test-entrypoint`` set in the config) does not exist.
- ``A3.not-called``: the entrypoint exists, the repository has CI workflows, and no workflow step runs it (as a
  command or a script argument: ``./scripts/run-all-tests.ps1``, ``pwsh -File scripts/run-all-tests.ps1``,
  ``pwsh -c "…"``; read with the PowerShell / sh lexers in the step's effective shell and working directory).

Applies when the entrypoint exists, or the config names one; a repository with neither gets nothing (the default
path is a convention, not a requirement).
"""

from __future__ import annotations

from ...declare import Rule, SubRule
from ...findings import Finding, finding

MISSING = SubRule("A3.missing", "The configured test entrypoint does not exist")
NOT_CALLED = SubRule("A3.not-called", "No CI workflow step runs the test entrypoint")
A3 = Rule("A3", "Single test entrypoint exists and CI calls it", "build", ("test-entrypoint", "workflows"), "run",
          subrules=(MISSING, NOT_CALLED), hooks=("observatory-ci-gate",), seed_check="run-all-tests.ps1")


def check_entrypoint(entrypoints: list[str], configured: tuple[str, ...] | None, workflow_paths: list[str],
                     runs: list) -> list[Finding]:
    """Pure: the entrypoints that exist, the configured patterns (None: the default), workflows, steps running them."""
    out: list[Finding] = []
    if not entrypoints:
        if configured:
            out.append(finding(MISSING, configured[0], f"the test entrypoint {', '.join(configured)} (configured as "
                                                       "paths.test-entrypoint) does not exist; create it or fix the "
                                                       "path", None))
        return out
    if not workflow_paths:
        return out
    called = {r.script for r in runs}
    for path in entrypoints:
        if path not in called:
            out.append(finding(NOT_CALLED, path, f"no CI workflow runs {path} ({len(workflow_paths)} workflow(s) "
                                                 "read): tests CI runs some other way can drift from the ones "
                                                 "developers run; call it from the test job", 1))
    return out


def run(ws, targets: list[str] | None) -> list[Finding]:
    from ...layout import DEFAULT_PATHS
    from ..integration.inputs import gather_workflows, steps_running

    patterns = tuple(ws.patterns("test-entrypoint"))
    configured = patterns if patterns != DEFAULT_PATHS["test-entrypoint"] else None
    entrypoints = [p for p in ws.glob("test-entrypoint")]
    workflows = gather_workflows(ws)
    runs = steps_running(workflows, entrypoints)
    return check_entrypoint(entrypoints, configured, [w.path for w in workflows], runs)
