"""Where and how a script runs, as far as the repository shows: the evidence behind the script rules' severities.

Issue 9's severity policy: a finding whose hazard depends on where or how a script runs is an **error** only when
the evidence shows it will bite, a **warning** (saying which evidence is missing) otherwise, and nothing at all
where the evidence shows it cannot bite (a Windows-only script holds Windows paths by design). The adapter works
the repository's evidence out (``evidence.py``: CI jobs and their runners, POSIX shell scripts and docs that run a
script, callers, ``irm … | iex`` instructions, the ``windows-only`` / ``portable-scripts`` config); the pure
functions take it as a :class:`ScriptContext` and add what the script itself says (a ``#!/usr/bin/env pwsh``
shebang, ``#Requires -PSEdition Desktop``, version checks, ``$IsLinux`` tests…).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptContext:
    """Evidence about one script; each field is empty (no evidence) or says where the evidence is."""

    portable: str = ""       # it runs on Linux/macOS: "run by job 'test' (ubuntu-latest) in .github/workflows/ci.yml:14"
    windows_only: str = ""   # it only ever runs on Windows: "under 'images/windows/' (windows-only in the config)"
    desktop: str = ""        # Windows PowerShell 5.1 runs it: "run with 'powershell -File' in build.ps1:3"
    core_only: str = ""      # only PowerShell 6+ runs it: "#!/usr/bin/env pwsh shebang"
    no_file: str = ""        # its code runs without a script file (empty $PSScriptRoot): "irm …/install.ps1 | iex in README.md:12"
    entry_point: str = ""    # the config lists it as an entry point that must resolve its root without $PSScriptRoot
    skipped: str = ""        # not the repository's own code (test data, vendored, generated): no script findings
    ash: str = ""            # a #!/bin/sh script that runs under busybox ash (an Alpine image), not dash

    def merged(self, other: "ScriptContext") -> "ScriptContext":
        """Fields of ``self`` where set, else ``other``'s (the first evidence found is the one named)."""
        return ScriptContext(**{f.name: getattr(self, f.name) or getattr(other, f.name)
                                for f in dataclasses.fields(self)})


NO_EVIDENCE = ScriptContext()


def portability_note(context: ScriptContext) -> tuple[str, str]:
    """(severity, message tail) of a finding that bites only where the script runs on Linux/macOS (X1, X3)."""
    if context.portable:
        return "error", f" (this script runs on Linux/macOS: {context.portable})"
    return "warning", (" (warning, not an error: nothing in the repository shows this script running on Linux/macOS "
                       "- no non-Windows CI job, POSIX shell script, shell snippet in the docs or pwsh shebang runs "
                       "it; list it in portable-scripts to make this an error, or in windows-only if it never "
                       "leaves Windows)")


def desktop_note(context: ScriptContext) -> tuple[str, str]:
    """(severity, message tail) of a finding that bites only under Windows PowerShell 5.1 (X2)."""
    if context.desktop:
        return "error", f" (Windows PowerShell 5.1 runs this script: {context.desktop})"
    return "warning", (" (warning, not an error: nothing shows Windows PowerShell 5.1 running this script - no "
                       "'shell: powershell' step, 'powershell -File' call, '#Requires -Version 5' or version check)")
