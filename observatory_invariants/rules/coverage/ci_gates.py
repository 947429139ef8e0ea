"""V1–V6 ``.ci-threshold`` / ``.ci-bypass``: CI holds coverage to ``coverage-config.json``, not to numbers of its own.

Gates come from :mod:`observatory_invariants.engines.coverage_gates` (workflow ``run:`` steps with their shell and
working directory, shell and PowerShell scripts, and one hop through ``npm run X`` into package.json and the
vitest / jest config it uses). Each gate is attributed to a configured service by the folders it runs in or names
(the service's root), or — when it names none — by its tool if exactly one service uses that tool; a gate that
cannot be attributed is a note. Then:

- a hard-coded threshold that differs from the service's ``min`` (same measurement) → ``.ci-threshold`` error;
  one that equals it → a note (it duplicates the config and will drift);
- a gate whose failure is ignored (``|| true``, ``|| echo …``, ``continue-on-error: true``) → ``.ci-bypass`` error:
  the service's threshold is not enforced by that step.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, replace
from fractions import Fraction

from ...errors import UnreadableFile
from ...findings import Finding, finding
from ...workspace import Workspace
from .inputs import CoverageInputs

# The tool a gate uses, and the config "tool" values that mean the same measurement.
_TOOL_FAMILIES = {
    "pytest-cov": ("pytest-cov", "pytest", "coverage.py", "coverage"),
    "coverage.py": ("pytest-cov", "pytest", "coverage.py", "coverage"),
    "cargo-tarpaulin": ("cargo-tarpaulin", "tarpaulin"),
    "cargo-llvm-cov": ("cargo-llvm-cov", "llvm-cov"),
    "vitest": ("vitest", "vitest-coverage", "@vitest/coverage-v8", "v8", "istanbul"),
    "jest": ("jest", "istanbul"),
    "nyc": ("nyc", "istanbul"),
    "c8": ("c8", "v8"),
}
_HEADLINE = ("lines", "statements")
_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


@dataclass(frozen=True)
class LocatedGate:
    """A gate with the file and position its number is written at, and — when its failure is ignored — where
    (the CI line with ``|| true`` or the step with ``continue-on-error``)."""

    path: str
    line: int
    column: int
    gate: object                                   # engines.coverage_gates.Gate
    via: str = ""                                  # "npm run test:coverage -> src/services/gateway/package.json …"
    bypass_at: tuple[str, int, int] | None = None
    command: str = ""                              # the CI command that runs the gate (when not the gate itself)


def _tool_matches(gate_tool: str, service_tool: str | None) -> bool:
    if not service_tool:
        return False
    return service_tool.lower() in _TOOL_FAMILIES.get(gate_tool, (gate_tool,))


def attribute(gate, inputs: CoverageInputs) -> tuple[str | None, str]:
    """``(service, how)``: the configured service a gate holds, by folder, else by a tool only one service uses."""
    config = inputs.config
    dirs = [d for d in gate.directories if d]
    if dirs:
        hits = {name for name, root in inputs.roots.items() if root
                for d in dirs if d == root or d.startswith(root + "/")}
        if len(hits) == 1:
            return hits.pop(), "folder"
        return None, "folders " + ", ".join(dirs)
    if gate.tool == "shell":
        return None, "no folder"
    users = [name for name, service in config.services.items() if _tool_matches(gate.tool, service.tool)]
    if len(users) == 1:
        return users[0], "tool"
    return None, f"tool {gate.tool}"


def _comparable(gate, service) -> bool:
    measurement = service.measurement
    if gate.measurement is None:
        return True      # the tool's own total: what the config's number means unless it names another
    if measurement is not None:
        return gate.measurement == measurement
    return gate.measurement in _HEADLINE


def check_gates(located: list[LocatedGate], inputs: CoverageInputs) -> list[Finding]:
    """Findings for gates that disagree with, duplicate or bypass the config."""
    from ...engines.coverage import exact_percent

    config = inputs.config
    out: list[Finding] = []
    bypassed: set[tuple[str, int, str]] = set()
    for item in located:
        gate = item.gate
        service_name, how = attribute(gate, inputs)
        where = f" (via {item.via})" if item.via else ""
        if service_name is None:
            rule = inputs.rules.get(next(iter(config.services), ""), "V1")
            out.append(finding(f"{rule}.ci-threshold", item.path,
                               f"hard-coded coverage threshold {gate.threshold:g}% ({gate.text}){where} is not "
                               f"attributable to one service of {inputs.config_path} ({how}); read thresholds from "
                               "the config so there is one source of truth", item.line, item.column, "note"))
            continue
        service = config.services[service_name]
        rule = inputs.rules[service_name]
        # A gate in the service's folder is evidence; one attributed only by its tool (it names no folder and one
        # service uses that tool) may belong to code the config does not cover: a warning.
        severity = "error" if how == "folder" else "warning"
        hedge = "" if how == "folder" else f" (attributed by its tool: the only {gate.tool} service)"
        if gate.swallowed:
            at = item.bypass_at or (item.path, item.line, item.column)
            if (at, service_name) not in bypassed:
                bypassed.add((at, service_name))
                runs = (f"`{item.command}` runs {service_name}'s coverage gate ({gate.text}{where})" if item.command
                        else f"{service_name}'s coverage gate `{gate.text}`")
                out.append(finding(f"{rule}.ci-bypass", at[0],
                                   f"{runs} cannot fail the build: its failure is ignored ({gate.swallowed}), so "
                                   f"{service_name}'s "
                                   f"threshold (min {service.min:g}% in {inputs.config_path}) is not enforced here"
                                   f"{hedge}; let the step fail (drop the fallback), or check coverage with "
                                   "`observatory-invariants coverage`", at[1], at[2], severity))
        if not _comparable(gate, service):
            continue
        measured = f"{gate.measurement} " if gate.measurement else ""
        if Fraction(repr(gate.threshold)) != exact_percent(service.min):
            extra = " (that is its warn level, enforced as a failure)" if \
                Fraction(repr(gate.threshold)) == exact_percent(service.warn) else ""
            out.append(finding(f"{rule}.ci-threshold", item.path,
                               f"hard-codes {service_name}'s {measured}coverage threshold as {gate.threshold:g}% "
                               f"({gate.text}){where}{extra}, but {inputs.config_path} says min {service.min:g} "
                               f"(thresholds.{service_name}.min){hedge}; read the threshold from the config (one "
                               "source of truth) or make them agree", item.line, item.column, severity))
        else:
            out.append(finding(f"{rule}.ci-threshold", item.path,
                               f"hard-codes {service_name}'s {measured}coverage threshold ({gate.text}){where}; it "
                               f"equals {inputs.config_path} today but will drift: read it from the config",
                               item.line, item.column, "note"))
    return out


# --- gathering ------------------------------------------------------------------------------------------------

def _mask(script: str) -> str:
    return _EXPRESSION.sub(lambda m: re.sub(r"[^\n]", "_", m.group()), script)


def _step_directory(step) -> str | None:
    raw = step.working_directory
    if raw is None:
        return ""
    if "${{" in raw or "$" in raw or raw.startswith("/"):
        return None
    norm = posixpath.normpath(raw.strip())
    return "" if norm == "." else (None if norm.startswith("..") else norm)


def _relocate(step, line: int, column: int) -> tuple[int, int]:
    if step.block:
        return step.line + line - 1, step.column + column - 1
    return step.line, (step.column + column - 1) if line == 1 else column


def gather_gates(ws: Workspace, targets: list[str] | None) -> list[LocatedGate]:
    """Every coverage gate in workflows, composite actions, shell and PowerShell scripts (``targets``: only those)."""
    from ...engines.coverage_gates import scan_pwsh, scan_sh
    from ...parsers.workflows import _shell_name, run_steps
    from ...parsers.yaml_loader import YamlError, load

    located: list[LocatedGate] = []
    wanted = None if targets is None else set(targets)
    for key in ("workflows", "composite-actions"):
        for path in ws.glob(key):
            if wanted is not None and path not in wanted:
                continue
            try:
                text = ws.read_text(path)
                steps = run_steps(text, load(ws, path))
            except (UnreadableFile, YamlError):
                continue    # X3/X4 and B1-B3 report unreadable or invalid workflows
            for step in steps:
                shell = _shell_name(step.shell)
                cwd = _step_directory(step)
                if shell in ("pwsh", "powershell"):
                    scan = scan_pwsh(_mask(step.script), cwd)
                elif shell in ("bash", "sh", "dash", "zsh"):
                    scan = scan_sh(_mask(step.script), cwd)
                else:
                    continue
                swallow_step = "continue-on-error: true" if step.continue_on_error else None
                for gate in scan.gates:
                    line, column = _relocate(step, gate.line, gate.column)
                    if swallow_step and not gate.swallowed:
                        gate = replace(gate, swallowed=swallow_step)
                    located.append(LocatedGate(path, line, column, gate,
                                               bypass_at=(path, line, column) if gate.swallowed else None))
                for call in scan.package_scripts:
                    line, column = _relocate(step, call.line, call.column)
                    swallowed = call.swallowed or swallow_step
                    located += _package_gates(ws, path, line, column, call, swallowed)
    for key, scanner in (("shell-scripts", scan_sh), ("powershell-scripts", scan_pwsh)):
        for path in ws.glob(key):
            if wanted is not None and path not in wanted:
                continue
            try:
                text = ws.read_text(path)
            except UnreadableFile:
                continue
            if not _mentions_coverage(text):
                continue
            scan = scanner(text, "")
            located += [LocatedGate(path, g.line, g.column, g, bypass_at=(path, g.line, g.column) if g.swallowed
                                    else None) for g in scan.gates]
            for call in scan.package_scripts:
                located += _package_gates(ws, path, call.line, call.column, call, call.swallowed)
    return located


def _mentions_coverage(text: str) -> bool:
    lowered = text.lower()
    return "cov" in lowered or "fail-under" in lowered


def _package_gates(ws: Workspace, path: str, line: int, column: int, call, swallowed: str | None) -> list[LocatedGate]:
    """Gates one ``npm run NAME`` reaches: flags in the package.json script, and its runner's config thresholds.
    Each is reported at the CI line when swallowed there (the bypass is the CI's), else where it is written."""
    from ...engines.coverage_gates import config_thresholds, scan_sh, script_runs_coverage, Gate
    from ...parsers.jsts import exported_object, tokenize

    if call.directory is None:
        return []
    folder = call.directory
    manifest = f"{folder}/package.json" if folder else "package.json"
    try:
        data = json.loads(ws.read_text(manifest))
    except (UnreadableFile, ValueError, RecursionError):
        return []
    scripts = data.get("scripts") if isinstance(data, dict) else None
    script = scripts.get(call.name) if isinstance(scripts, dict) else None
    if not isinstance(script, str):
        return []
    via = f"{manifest} scripts.{call.name}"
    out: list[LocatedGate] = []
    script_line = _json_line(ws, manifest, ["scripts", call.name])
    bypass = (path, line, column) if swallowed else None
    inner = scan_sh(script, folder)
    for gate in inner.gates:
        gate = replace(gate, swallowed=gate.swallowed or swallowed)
        out.append(LocatedGate(manifest, script_line or 1, 1, gate, via,
                               bypass if swallowed else ((manifest, script_line or 1, 1) if gate.swallowed else None),
                               call.text.strip()))
    runner = script_runs_coverage(script)
    if runner is None:
        return out
    candidates = (["vitest.config", "vite.config"] if runner == "vitest" else ["jest.config"])
    for stem in candidates:
        for ext in (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"):
            config_path = f"{folder}/{stem}{ext}" if folder else f"{stem}{ext}"
            if not ws.repo.exists(config_path):
                continue
            try:
                obj = exported_object(tokenize(ws.read_text(config_path)))
            except UnreadableFile:
                continue
            if obj is None:
                continue
            for measure, number, position in config_thresholds(runner, obj):
                gate = Gate(runner, number, measure, *(position or (1, 1)), f"{measure}: {number:g}",
                            swallowed, (folder,) if folder else ())
                out.append(LocatedGate(config_path, gate.line, gate.column, gate, f"{via} -> {config_path}", bypass,
                                       call.text.strip()))
            break
    if runner == "jest" and isinstance(data.get("jest"), dict):
        from ...parsers.jsts import Obj

        jest = Obj(data["jest"])
        threshold = jest.get("coverageThreshold")
        if isinstance(threshold, dict):
            jest["coverageThreshold"] = Obj(threshold)
            glob = threshold.get("global")
            if isinstance(glob, dict):
                jest["coverageThreshold"]["global"] = Obj(glob)
        jest_line = _json_line(ws, manifest, ["jest", "coverageThreshold"]) or 1
        for measure, number, _position in config_thresholds("jest", jest):
            gate = Gate("jest", number, measure, jest_line, 1, f"{measure}: {number:g}", swallowed,
                        (folder,) if folder else ())
            out.append(LocatedGate(manifest, jest_line, 1, gate, f"{via} -> jest", bypass, call.text.strip()))
    return out


def _json_line(ws: Workspace, path: str, parts: list[str]) -> int | None:
    from ...parsers.jsonpos import locate

    try:
        return locate(ws.read_text(path), parts)[0]
    except Exception:   # a position is a courtesy
        return None


def gather_ci_findings(ws: Workspace, inputs: CoverageInputs, targets: list[str] | None) -> list[Finding]:
    return check_gates(ws.memo(("coverage-gates", tuple(targets) if targets is not None else None),
                               lambda: gather_gates(ws, targets)), inputs)
