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


def _step_context(step: RunStep):
    """The evidence of where a step's script runs (context.py), from its job's runners."""
    from .context import ScriptContext

    platform = step.platform
    runners = ", ".join(step.runners)
    where = f"job '{step.job}' runs on {runners}" if step.job else f"its job runs on {runners}"
    if platform == "windows":
        return ScriptContext(windows_only=where)
    if platform in ("unix", "mixed"):
        return ScriptContext(portable=where)
    return ScriptContext()


def _pipeline_chains(script: str) -> list[tuple[int, int, str]]:
    """(line, column, operator) of each ``&&`` / ``||`` PowerShell 5.1 cannot parse (not in strings or comments)."""
    from ...parsers.powershell import tokenize

    return [(t.line, t.column, t.text) for t in tokenize(script) if t.kind == "operator" and t.text in ("&&", "||")]


def workflow_findings(path: str, text: str, options: X3Options | Mapping | None = None,
                      check_paths: bool = True, parsed=None, check_steps: bool = True) -> list[Finding]:
    """X4.workflow-step for run: steps under pwsh/powershell (and sh), plus X3 in scripts and values.

    ``options`` are X3's (an X3Options, or a ``[scripts]``-style mapping of config keys).

    ``parsed`` is the file's :class:`~observatory_invariants.parsers.yaml_loader.Parsed` when the caller has it
    (the adapter shares one parse per file and run); otherwise the text is composed here, once. X3's severity
    follows the job's runners: an error where a Linux/macOS runner runs the step, nothing on Windows-only jobs,
    a warning when the runner is not known.
    """
    from ...findings import finding
    from ...parsers.powershell import tokenize
    from ...parsers.yaml_loader import YamlError, compose
    from .x4_bashisms import bash_in_powershell
    from .x3_windows_paths import invalid_yaml, powershell_paths, shell_paths, yaml_paths
    from .x4_bashisms import bashisms
    from .context import portability_note

    x3 = options if isinstance(options, X3Options) else X3Options.from_section(options)
    if parsed is None:
        parsed = compose(text)
    try:
        steps = run_steps(text, parsed)
    except YamlError as exc:
        return [invalid_yaml(path, exc.problem, "its run: steps can be checked", rule="X4")]
    out: list[Finding] = []
    for step in steps:
        script = _mask_expressions(step.script)
        shell = _shell_name(step.shell)
        context = _step_context(step)
        severity, tail = portability_note(context)
        if shell in ("pwsh", "powershell"):
            if check_steps:
                for f in bash_in_powershell(path, script):
                    relocated = _relocate(f, step, WORKFLOW_STEP)
                    out.append(dataclasses.replace(relocated, message=f"run: step under {shell} ({step.shell_source}): "
                                                                      f"{f.message}; or set shell: bash on the step"))
                if shell == "powershell":
                    for line, column, op in _pipeline_chains(script):
                        f = finding(WORKFLOW_STEP, path, f"run: step under powershell (Windows PowerShell 5.1, "
                                    f"{step.shell_source}): '{op}' is a parse error there (pipeline chains need "
                                    f"PowerShell 7); write 'cmd1; if ($?) {{ cmd2 }}', or use shell: pwsh",
                                    line, column)
                        out.append(_relocate(f, step))
            if check_paths and not (step.windows_only and x3.allow_guarded):
                out.extend(_relocate(f, step) for f in powershell_paths(path, tokenize(script), x3, context=context))
        elif shell in ("sh", "dash"):
            if check_steps:
                for f in bashisms(path, script):
                    out.append(_relocate(f, step, WORKFLOW_STEP))
            if check_paths and not step.windows_only:
                out.extend(_relocate(dataclasses.replace(f, severity=_sev(severity), message=f.message + tail), step)
                           for f in shell_paths(path, script, x3))
        elif shell == "bash" and check_paths and not step.windows_only:
            out.extend(_relocate(dataclasses.replace(f, severity=_sev(severity), message=f.message + tail), step)
                       for f in shell_paths(path, script, x3))
    if check_paths:
        out.extend(_value_paths(path, text, x3, parsed, steps))
    return out


def _sev(severity: str):
    from ...findings import Severity

    return Severity(severity)


def _value_paths(path: str, text: str, x3, parsed, steps: list[RunStep]) -> list[Finding]:
    """X3 in the workflow's other values (``with: path: C:\\…``, ``env:``): by the job they belong to; a value of a
    Windows matrix entry (``include: - os: windows-latest``) is Windows-only too."""
    import yaml

    from ...parsers.workflows import _runner_values, runner_platform
    from ...parsers.yaml_loader import get
    from .context import ScriptContext, portability_note
    from .x3_windows_paths import yaml_paths

    run_lines: set[int] = set()
    for step in steps:
        run_lines.update(range(step.node.start_mark.line + 1, step.node.end_mark.line + 2))
    found = [f for f in yaml_paths(path, text, x3, parsed, severity="error") if f.line not in run_lines]
    if not found:
        return []
    spans: list[tuple[int, int, str]] = []   # (first line, last line, platform) of jobs and Windows matrix entries
    root = parsed.root if parsed.problem is None else None
    jobs = get(root, "jobs") if isinstance(root, yaml.MappingNode) else None
    if isinstance(jobs, yaml.MappingNode):
        for name, job in jobs.value:
            kinds = {runner_platform(r) for r in _runner_values(job)}
            platform = "windows" if kinds == {"windows"} else "unix" if kinds and kinds <= {"unix", "windows"} \
                else "unknown"
            spans.append((name.start_mark.line + 1, job.end_mark.line + 1, platform))
            include = get(get(get(job, "strategy"), "matrix"), "include")
            if isinstance(include, yaml.SequenceNode):
                for item in include.value:
                    if isinstance(item, yaml.MappingNode) and any(
                            isinstance(v, yaml.ScalarNode) and runner_platform(v.value) == "windows"
                            for _, v in item.value):
                        spans.append((item.start_mark.line + 1, item.end_mark.line + 1, "windows"))
    out = []
    for f in found:
        around = [s for s in spans if s[0] <= (f.line or 0) <= s[1]]
        platform = min(around, key=lambda s: s[1] - s[0])[2] if around else "unknown"
        if platform == "windows":
            continue
        context = ScriptContext(portable="the job runs on Linux/macOS") if platform == "unix" else ScriptContext()
        severity, tail = portability_note(context)
        if platform != "unix":
            tail = " (warning, not an error: the runner of this value is not known)"
        out.append(dataclasses.replace(f, severity=_sev(severity), message=f.message + tail))
    return out
