"""X4 (and X3) in GitHub workflow and composite-action ``run:`` steps: each script linted with its shell's rules.

The steps and their effective shells come from :mod:`observatory_invariants.parsers.workflows`; a finding on
a step's script is moved to the workflow file's line and column.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Mapping

from ...findings import Finding
from ...parsers.workflows import RunStep, _shell_name, run_steps
from .x3_windows_paths import X3Options
from .x4_bashisms import WORKFLOW_STEP

_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def _relocate(f: Finding, step: RunStep, rule: str | None = None) -> Finding:
    """Map a finding on the step's script text to the workflow file's line/column."""
    line = f.line or 1
    column = f.column or 1
    if step.block:
        new_line, new_column = step.line + line - 1, step.column + column - 1
    else:
        new_line, new_column = step.line, (step.column + column - 1) if line == 1 else column
    return dataclasses.replace(f, rule=rule.id if rule else f.rule, line=new_line, column=new_column)


def _mask_expressions(script: str) -> str:
    """``${{ … }}`` is substituted before the shell sees the script: blank it out (same length, same lines)."""
    return _EXPRESSION.sub(lambda m: re.sub(r"[^\n]", "_", m.group()), script)


def workflow_findings(path: str, text: str, options: X3Options | Mapping | None = None,
                      check_paths: bool = True, parsed=None) -> list[Finding]:
    """X4.workflow-step for run: steps under pwsh/powershell (and sh), plus X3 in scripts and values.

    ``options`` are X3's (an X3Options, or a ``[scripts]``-style mapping of config keys).

    ``parsed`` is the file's :class:`~observatory_invariants.parsers.yaml_loader.Parsed` when the caller has it
    (the adapter shares one parse per file and run); otherwise the text is composed here, once.
    """
    from ...parsers.powershell import tokenize
    from ...parsers.yaml_loader import YamlError, compose
    from .x4_bashisms import bash_in_powershell
    from .x3_windows_paths import invalid_yaml, powershell_paths, shell_paths, yaml_paths
    from .x4_bashisms import bashisms

    x3 = options if isinstance(options, X3Options) else X3Options.from_section(options)
    if parsed is None:
        parsed = compose(text)
    try:
        steps = run_steps(text, parsed)
    except YamlError as exc:
        return [invalid_yaml(path, exc.problem, "its run: steps can be checked", rule="X4")]
    out: list[Finding] = []
    run_nodes = set()
    for step in steps:
        run_nodes.add(id(step.node))
        script = _mask_expressions(step.script)
        shell = _shell_name(step.shell)
        if shell in ("pwsh", "powershell"):
            for f in bash_in_powershell(path, script):
                relocated = _relocate(f, step, WORKFLOW_STEP)
                out.append(dataclasses.replace(relocated, message=f"run: step under {shell} ({step.shell_source}): "
                                                                  f"{f.message}; or set shell: bash on the step"))
            if check_paths and not (step.windows_only and x3.allow_guarded):
                out.extend(_relocate(f, step) for f in powershell_paths(path, tokenize(script), x3))
        elif shell in ("sh", "dash"):
            for f in bashisms(path, script):
                out.append(_relocate(f, step, WORKFLOW_STEP))
            if check_paths and not step.windows_only:
                out.extend(_relocate(f, step) for f in shell_paths(path, script, x3))
        elif shell == "bash" and check_paths and not step.windows_only:
            out.extend(_relocate(f, step) for f in shell_paths(path, script, x3))
    if check_paths:
        # Other values (with: path: C:\…, env: …); run: scripts were handled above with their shell's lexer.
        run_lines: set[int] = set()
        for step in steps:
            run_lines.update(range(step.node.start_mark.line + 1, step.node.end_mark.line + 2))
        out.extend(f for f in yaml_paths(path, text, x3, parsed) if f.line not in run_lines)
    return out
