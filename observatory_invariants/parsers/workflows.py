"""GitHub workflow and composite-action ``run:`` steps, each with its effective shell.

The YAML is composed into nodes by :mod:`observatory_invariants.parsers.yaml_loader` (one parse per file
and run, shared by every rule), so every ``run:`` keeps its line; the step's effective shell is worked out
the way the runner does (step ``shell``, job ``defaults.run.shell``, workflow ``defaults.run.shell``, else
pwsh on ``windows-*`` runners and bash elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunStep:
    script: str
    shell: str                # 'pwsh', 'powershell', 'bash', 'sh', 'cmd', 'python', or a custom command
    shell_source: str         # where the shell came from (for messages)
    line: int                 # first line of the script's content (1-based)
    column: int               # column of the content's first character on each line (block scalars)
    block: bool               # a '|' or '>' block scalar (lines map 1:1 for '|')
    windows_only: bool        # the step only runs on Windows (runner or if: runner.os == 'Windows')
    node: Any = None
    job: str = ""             # the job's id ('' in a composite action)
    runners: tuple[str, ...] = ()   # the runner labels the job may use (matrix values expanded where possible)
    working_directory: str | None = None  # the step's (or job's defaults.run) working-directory
    step_line: int = 0        # line of the step's first key
    continue_on_error: bool = False        # the step's (or its job's) continue-on-error is literally true

    @property
    def platform(self) -> str:
        """'windows' (only Windows runs it), 'unix' (only Linux/macOS), 'mixed', or 'unknown'."""
        if self.windows_only:
            return "windows"
        kinds = {runner_platform(r) for r in self.runners}
        if not kinds or "unknown" in kinds:
            return "unknown" if kinds <= {"unknown"} else ("mixed" if "unix" in kinds else "unknown")
        if kinds == {"windows"}:
            return "windows"
        if kinds == {"unix"}:
            return "unix"
        return "mixed"


_WINDOWS_IF = re.compile(r"runner\.os\s*==\s*'windows'|contains\(\s*matrix\.[\w-]+\s*,\s*'win|"
                         r"startswith\(\s*matrix\.[\w-]+\s*,\s*'win|matrix\.[\w-]+\s*==\s*'windows")
_UNIX_IF = re.compile(r"runner\.os\s*(?:!=\s*'windows'|==\s*'(?:linux|macos)')|matrix\.[\w-]+\s*==\s*'(?:ubuntu|macos)")


def runner_platform(label: str) -> str:
    """'windows', 'unix' or 'unknown' for a runner label ('ubuntu-latest', 'windows-2022', 'macos-14', …)."""
    low = label.strip().lower()
    if "${{" in low or not low:
        return "unknown"
    if low.startswith("windows") or low.startswith("win-") or low == "win":
        return "windows"
    if low.startswith(("ubuntu", "macos", "linux")) or low in ("self-hosted-linux",):
        return "unix"
    return "unknown"


def _get(node, key: str):
    from .yaml_loader import get

    return get(node, key)


def _scalar(node) -> str | None:
    from .yaml_loader import scalar

    return scalar(node)


def _defaults_shell(node) -> str | None:
    return _scalar(_get(_get(_get(node, "defaults"), "run"), "shell"))


def _defaults_directory(node) -> str | None:
    return _scalar(_get(_get(_get(node, "defaults"), "run"), "working-directory"))


def _true(node) -> bool:
    return (_scalar(node) or "").strip().lower() == "true"


def _shell_name(shell: str) -> str:
    first = shell.strip().split()[0] if shell.strip() else ""
    return first.rsplit("/", 1)[-1].lower()


def _runner_values(job) -> list[str]:
    """The runner labels a job may run on, matrix values expanded where they can be."""
    import yaml

    runs_on = _get(job, "runs-on")
    labels: list[str] = []
    if isinstance(runs_on, yaml.ScalarNode):
        labels = [runs_on.value]
    elif isinstance(runs_on, yaml.SequenceNode):
        labels = [n.value for n in runs_on.value if isinstance(n, yaml.ScalarNode)]
    elif isinstance(runs_on, yaml.MappingNode):
        group = _scalar(_get(runs_on, "labels"))
        labels = [group] if group else []
    expanded = []
    matrix = _get(_get(job, "strategy"), "matrix")
    for label in labels:
        m = re.fullmatch(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", label.strip())
        if m and matrix is not None:
            values = _get(matrix, m.group(1))
            if isinstance(values, yaml.SequenceNode):
                expanded.extend(n.value for n in values.value if isinstance(n, yaml.ScalarNode))
            include = _get(matrix, "include")
            if isinstance(include, yaml.SequenceNode):
                expanded.extend(v for item in include.value if (v := _scalar(_get(item, m.group(1)))))
        else:
            expanded.append(label)
    return expanded


def _content_position(node, text_lines: list[str]) -> tuple[int, int]:
    from .yaml_loader import scalar_position

    line, column, extra = scalar_position(node, text_lines)
    return line, column + extra


def _single_document(parsed, text_lines: list[str]):
    """The one document of a workflow; a second document is an error (GitHub reads one), as yaml.compose says."""
    from .yaml_loader import YamlError, YamlProblem

    if len(parsed.nodes) < 2:
        return parsed.root
    first, second = parsed.nodes[0], parsed.nodes[1]
    line = second.start_mark.line   # 0-based; the '---' that starts the second document, when there is one
    for k in range(second.start_mark.line, first.end_mark.line - 1, -1):
        if 0 <= k < len(text_lines) and text_lines[k].startswith("---"):
            line = k
            break
    problem = "but found another document"
    raise YamlError.of(YamlProblem("syntax", problem, f"is not valid YAML: {problem}", line + 1, 1))


def run_steps(text: str, parsed=None) -> list[RunStep]:
    """Every ``run:`` step of a workflow or composite action, with its effective shell; raises yaml_loader.YamlError.

    ``parsed`` is the file's :class:`~observatory_invariants.parsers.yaml_loader.Parsed` when the caller has it.
    """
    import yaml

    from .yaml_loader import YamlError, compose

    if parsed is None:
        parsed = compose(text)
    if parsed.problem is not None:
        raise YamlError.of(parsed.problem)
    text_lines = text.replace("\r\n", "\n").split("\n")
    root = _single_document(parsed, text_lines)
    if not isinstance(root, yaml.MappingNode):
        return []
    workflow_shell = _defaults_shell(root)
    found: list[RunStep] = []

    def add_steps(steps, job_shell, job_source, runners, job_name="", job_directory=None, job_continue=False):
        if not isinstance(steps, yaml.SequenceNode):
            return
        on_windows = [r.lower().startswith("windows") or r.lower() == "windows" for r in runners]
        for step in steps.value:
            run = _get(step, "run")
            if not isinstance(run, yaml.ScalarNode):
                continue
            step_shell = _scalar(_get(step, "shell"))
            condition = (_scalar(_get(step, "if")) or "").lower()
            windows_if = bool(_WINDOWS_IF.search(condition)) and "||" not in condition
            step_runners = tuple(runners)
            if _UNIX_IF.search(condition) and "||" not in condition and not windows_if:
                step_runners = tuple(r for r in runners if runner_platform(r) != "windows") or ("ubuntu-latest",)
            if step_shell:
                shell, source = step_shell, "the step's shell:"
            elif job_shell:
                shell, source = job_shell, job_source
            elif windows_if or (on_windows and all(on_windows)):
                shell, source = "pwsh", "the default shell on Windows runners"
            elif any(on_windows):
                shell, source = "pwsh", "the default shell on the matrix's Windows runners (bash elsewhere)"
            else:
                shell, source = "bash", "the default shell"
            line, column = _content_position(run, text_lines)
            directory = _scalar(_get(step, "working-directory")) or job_directory
            found.append(RunStep(run.value, shell, source, line, column, run.style in ("|", ">"),
                                 windows_if or (bool(on_windows) and all(on_windows)), run, job_name, step_runners,
                                 directory, step.start_mark.line + 1,
                                 job_continue or _true(_get(step, "continue-on-error"))))

    jobs = _get(root, "jobs")
    workflow_directory = _scalar(_get(_get(_get(root, "defaults"), "run"), "working-directory"))
    if isinstance(jobs, yaml.MappingNode):
        for name_node, job in jobs.value:
            job_shell = _defaults_shell(job)
            source = "the job's defaults.run.shell" if job_shell else "the workflow's defaults.run.shell"
            directory = _scalar(_get(_get(_get(job, "defaults"), "run"), "working-directory")) or workflow_directory
            add_steps(_get(job, "steps"), job_shell or workflow_shell, source, _runner_values(job),
                      getattr(name_node, "value", ""), directory, _true(_get(job, "continue-on-error")))
    runs = _get(root, "runs")
    if runs is not None:  # a composite action: every run step must name its shell
        add_steps(_get(runs, "steps"), None, "", [])
    return found


# --- plain-data views (yaml_loader.to_data documents) ------------------------------------------------------

def triggers(doc) -> dict:
    """A workflow's ``on:`` as a mapping ``{event: settings or None}``.

    YAML 1.1 reads a bare ``on`` key as the boolean true, so the key is looked up as ``"on"`` and as ``True``;
    ``on: push`` and ``on: [push, pull_request]`` become ``{"push": None, …}``.
    """
    if not isinstance(doc, dict):
        return {}
    value = doc.get("on", doc.get(True))
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return {str(v): None for v in value if isinstance(v, (str, int))}
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return {}


@dataclass(frozen=True)
class JobStep:
    job: str
    index: int
    step: Any                  # the step's mapping
    script: str | None         # its run: text
    shell: str                 # effective shell of a run: step
    line: int | None           # line of run: (or of the step)
    working_directory: str     # the step's (or job default's) working-directory, "" for the root


def job_steps(doc) -> list[JobStep]:
    """Every step of every job of a workflow document (plain data), with the effective shell of run: steps."""
    from .yaml_loader import line_of

    out: list[JobStep] = []
    if not isinstance(doc, dict):
        return out
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return out

    def defaults(node):
        run = ((node.get("defaults") or {}) if isinstance(node, dict) else {})
        run = run.get("run") if isinstance(run, dict) else None
        return run if isinstance(run, dict) else {}

    wf = defaults(doc)
    for job_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        jd = defaults(job)
        runs_on = job.get("runs-on")
        labels = [runs_on] if isinstance(runs_on, str) else [x for x in runs_on or () if isinstance(x, str)] \
            if isinstance(runs_on, list) else []
        windows = bool(labels) and all(str(x).lower().startswith("windows") for x in labels)
        steps = job.get("steps")
        for index, step in enumerate(steps if isinstance(steps, list) else ()):
            if not isinstance(step, dict):
                continue
            script = step.get("run") if isinstance(step.get("run"), str) else None
            shell = step.get("shell") or jd.get("shell") or wf.get("shell") or ("pwsh" if windows else "bash")
            wd = step.get("working-directory") or jd.get("working-directory") or wf.get("working-directory") or ""
            line = line_of(step, "run") if script is not None else getattr(step, "line", None)
            out.append(JobStep(str(job_id), index, step, script, str(shell), line,
                               wd if isinstance(wd, str) and "${{" not in wd else ""))
    return out
