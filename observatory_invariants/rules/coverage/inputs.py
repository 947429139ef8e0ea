"""What V1–V6 (and V2a) read, gathered once per run: ``coverage-config.json``, the ratchet's baseline, each
service's folder and rule id, and — only when measured coverage is judged — the reports.

Where reports come from (the policy, see docs/rules/V1.md): a service's ``report`` path in the config, or
``coverage --report SERVICE=PATH`` on the command line. Reports are build outputs, usually absent from a developer's
checkout and from pre-commit, so with the default ``reports = "present"`` a configured service without a report is
a *note*; ``reports = "required"`` (or the ``coverage`` command) makes it an error; ``"ignore"`` never reads them.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Mapping

from ...declare import Options, SubRule, option
from ...errors import UnreadableFile
from ...findings import Finding, finding
from ...workspace import Workspace

SERVICE_RULES = ("V1", "V2", "V3", "V4", "V5", "V6")
PATH_RULES = SERVICE_RULES + ("V2a",)
#: The seed's invariant map: which service each of V1–V6 is about.
SEED_RULES = {"processor": "V1", "metrics-engine": "V2", "read-model": "V3", "tui": "V4", "gateway": "V5",
              "web-pty-server": "V6"}
PRESENT, REQUIRED, IGNORE = "present", "required", "ignore"

#: The problems every service rule can report; V2a (sub-paths) reports the ones marked True.
SUFFIXES = (
    ("no-report", "A configured service has no coverage report to judge", False),
    ("bad-report", "A coverage report cannot be read or lacks the configured measurement", False),
    ("empty", "A report, or a sub-path of it, measures nothing (0 statements)", True),
    ("ratchet", "Coverage fell below the committed baseline by more than the tolerance", True),
    ("lowered", "A threshold was lowered or weakened since the base ref", True),
    ("docs", "A documented threshold disagrees with coverage-config.json", True),
    ("ci-threshold", "A CI workflow or script hard-codes a threshold that disagrees with coverage-config.json", False),
    ("ci-bypass", "A CI coverage gate's failure is ignored, so the threshold is never enforced", False),
    ("config", "coverage-config.json or the baseline is invalid, or names an unknown service", False),
)


def subrules(rule_id: str) -> tuple[SubRule, ...]:
    return tuple(SubRule(f"{rule_id}.{suffix}", title) for suffix, title, for_paths in SUFFIXES
                 if rule_id in SERVICE_RULES or for_paths)


@dataclass(frozen=True)
class CoverageOptions(Options):
    section = "coverage"
    description = "Options of the coverage rules V1-V7."

    rules: Mapping[str, str] = option(
        "rules", SEED_RULES,
        "Service name (a key of coverage-config.json's thresholds) -> the rule id its findings carry (V1-V6); a "
        "service's own \"rule\" key wins. The default is the seed's map.",
        schema={"type": "object", "additionalProperties": {"enum": list(SERVICE_RULES)}})
    default_rule: str = option(
        "default-rule", "V1", "The rule id of services that neither the config nor `rules` maps.",
        schema={"enum": list(SERVICE_RULES)})
    reports: str = option(
        "reports", PRESENT,
        "When measured coverage is judged: present (the reports that exist; a configured service without one is "
        "a note), required (a service without a report is an error: for CI runs after the tests), ignore (only "
        "the static checks: config, docs, CI gates, thresholds only going up).",
        schema={"enum": [PRESENT, REQUIRED, IGNORE]})


# --- the config and the baseline ----------------------------------------------------------------------------

@dataclass
class CoverageInputs:
    config_path: str | None = None
    text: str | None = None
    config: object | None = None            # engines.coverage_config.CoverageConfig
    problems: list[Finding] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)        # service -> V1..V6
    roots: dict[str, str | None] = field(default_factory=dict)  # service -> folder (None: paths taken as they are)
    baseline_path: str | None = None
    baseline_text: str | None = None
    baseline: object | None = None          # engines.coverage_config.Baseline

    def path_rule(self, service: str, sub) -> str:
        """The id a sub-path threshold's findings carry: its own ``rule``, else V2a under V2, else the service's."""
        if sub.rule in PATH_RULES:
            return sub.rule        # an id outside the V family is a config finding; the default carries the rest
        rule = self.rules.get(service, "V1")
        return "V2a" if rule == "V2" else rule

    def line_of(self, *parts) -> int | None:
        if self.text is None:
            return None
        from ...parsers.jsonpos import locate

        try:
            return locate(self.text, list(parts))[0]
        except Exception:   # a position is a courtesy
            return None


def first_enabled(ws: Workspace, suffix: str, preferred: list[str] | None = None) -> str:
    """``Vn.suffix`` for the first service rule whose id is on in this run (so a problem shared by every service
    is reported once, under an id the run shows)."""
    order = list(dict.fromkeys([*(preferred or []), *SERVICE_RULES]))
    for rule in order:
        if ws.enabled(f"{rule}.{suffix}"):
            return f"{rule}.{suffix}"
    return f"{order[0]}.{suffix}"


def gather_coverage_inputs(ws: Workspace) -> CoverageInputs:
    return ws.memo("coverage-inputs", lambda: _gather(ws))


def _is_ours(raw) -> bool:
    """A config this rule family owns: an object with a "thresholds" object (or our $schema)."""
    if not isinstance(raw, dict):
        return False
    return isinstance(raw.get("thresholds"), dict) or "observatory" in str(raw.get("$schema", ""))


def _gather(ws: Workspace) -> CoverageInputs:
    from ...engines.coverage_config import CoverageConfigError, parse_baseline, parse_coverage_config

    options = ws.options(CoverageOptions)
    inputs = CoverageInputs()
    paths = ws.glob("coverage-config")
    if not paths:
        return inputs
    path = paths[0]
    inputs.config_path = path
    for other in paths[1:]:
        inputs.problems.append(finding(first_enabled(ws, "config"), other,
                                       f"a second coverage config; only {path} is read (one config per repository: "
                                       "merge them, or point the coverage-config path at the one you mean)",
                                       severity="note"))
    try:
        text = ws.read_text(path)
    except UnreadableFile as exc:
        inputs.problems.append(finding(first_enabled(ws, "config"), path,
                                       f"{path} {exc.reason}; the coverage thresholds cannot be checked"))
        return inputs
    inputs.text = text
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raw = None
    if raw is not None and not _is_ours(raw):
        inputs.problems.append(finding(
            first_enabled(ws, "config"), path,
            f"{path} is not an observatory-invariants coverage config (no \"thresholds\" object: another tool's "
            "file of that name?); V1-V6 are not checked. Point [paths] coverage-config at yours, or ignore V1-V6",
            1, 1, "note"))
        return inputs
    try:
        config = parse_coverage_config(text, path)
    except CoverageConfigError as exc:
        service = exc.key.split(".")[1] if exc.key.startswith("thresholds.") and exc.key.count(".") >= 1 else None
        rule = _service_rule(service, None, options) if service else None
        inputs.problems.append(finding(first_enabled(ws, "config", [rule] if rule else None), path,
                                       f"{exc.key + ': ' if exc.key else ''}{exc.message}; fix {path} (the coverage "
                                       "thresholds are not checked until it is valid)", exc.line))
        return inputs
    inputs.config = config
    for name, service in config.services.items():
        rule = _service_rule(name, service.rule, options)
        if service.rule and service.rule not in SERVICE_RULES:
            inputs.problems.append(finding(
                first_enabled(ws, "config"), path,
                f"thresholds.{name}.rule: {service.rule!r} is not a service rule (use one of "
                f"{', '.join(SERVICE_RULES)}); {name} is reported under {rule}",
                inputs.line_of("thresholds", name, "rule")))
        inputs.rules[name] = rule
        for sub in service.paths:
            if sub.rule and sub.rule not in PATH_RULES:
                inputs.problems.append(finding(
                    first_enabled(ws, "config", [rule]), path,
                    f"thresholds.{name}.paths.{sub.pattern}.rule: {sub.rule!r} is not a coverage rule (use one of "
                    f"{', '.join(PATH_RULES)})", inputs.line_of("thresholds", name, "paths", sub.pattern, "rule")))
        inputs.roots[name] = _service_root(ws, name, service)
        if service.report and not _safe_relative(service.report):
            inputs.problems.append(finding(
                f"{rule}.config", path,
                f"thresholds.{name}.report: {service.report!r} must be a path relative to the repository root, "
                "inside it", inputs.line_of("thresholds", name, "report")))
    inputs.baseline_path = _baseline_path(ws, text)
    if inputs.baseline_path and ws.repo.exists(inputs.baseline_path):
        try:
            inputs.baseline_text = ws.read_text(inputs.baseline_path)
            inputs.baseline = parse_baseline(inputs.baseline_text, inputs.baseline_path)
        except UnreadableFile as exc:
            inputs.problems.append(finding(first_enabled(ws, "config"), inputs.baseline_path,
                                           f"{inputs.baseline_path} {exc.reason}; the ratchet cannot compare"))
        except CoverageConfigError as exc:
            inputs.problems.append(finding(first_enabled(ws, "config"), inputs.baseline_path,
                                           f"{exc.key + ': ' if exc.key else ''}{exc.message}; fix the baseline or "
                                           "rewrite it with `observatory-invariants coverage --update-baseline`",
                                           exc.line))
    return inputs


def _service_rule(name: str, own: str | None, options: CoverageOptions) -> str:
    if own in SERVICE_RULES:
        return own
    mapped = options.rules.get(name)
    return mapped if mapped in SERVICE_RULES else options.default_rule


def _safe_relative(path: str) -> bool:
    norm = posixpath.normpath(path.replace("\\", "/"))
    return not (norm.startswith("/") or norm == ".." or norm.startswith("../") or (len(norm) > 1 and norm[1] == ":"))


def _service_root(ws: Workspace, name: str, service) -> str | None:
    """The service's folder: the config's ``root``, else the folder named like it under a ``services`` layout
    pattern ending in ``/*`` (``src/services/processor``); None when neither exists."""
    if service.root:
        return posixpath.normpath(service.root).strip("/")
    for pattern in ws.patterns("services"):
        if pattern.endswith("/*") and "*" not in pattern[:-2]:
            candidate = f"{pattern[:-2]}/{name}" if pattern[:-2] else name
            if ws.repo.is_dir(candidate):
                return candidate
    return None


def _baseline_path(ws: Workspace, text: str) -> str | None:
    """coverage-config.json's ``ratchet.baseline`` when it names one, else the ``coverage-baseline`` layout path."""
    try:
        raw = json.loads(text)
        explicit = raw.get("ratchet", {}).get("baseline") if isinstance(raw.get("ratchet"), dict) else None
    except (ValueError, AttributeError, RecursionError):
        explicit = None
    if isinstance(explicit, str) and _safe_relative(explicit):
        return posixpath.normpath(explicit)
    found = ws.glob("coverage-baseline")
    if found:
        return found[0]
    literal = [p for p in ws.patterns("coverage-baseline") if not any(c in p for c in "*?[")]
    return literal[0] if literal else None


# --- reports ----------------------------------------------------------------------------------------------------

@dataclass
class ReportInput:
    """A service's report: where it was to come from, and the report or why there is none."""

    service: str
    path: str | None
    origin: str                       # "config" (thresholds.X.report) or "command line"
    report: object | None = None      # parsers.coverage.CoverageReport
    missing: str | None = None        # why there is no report to read
    error: str | None = None          # why the report present could not be used
    line: int | None = None           # the error's line in the report
    skipped: bool = False             # none of the service's ids is selected: not read


def selected(ws: Workspace, inputs: CoverageInputs, name: str) -> bool:
    """Whether any finding about service ``name``'s measurement (its rule, its sub-paths') survives the selection:
    a report nobody will hear about is not read."""
    service = inputs.config.services[name]
    rules = {inputs.rules[name], *(inputs.path_rule(name, sub) for sub in service.paths)}
    return any(ws.enabled(rule) or any(ws.enabled(f"{rule}.{suffix}") for suffix, _t, _p in SUFFIXES
                                       if f"{rule}.{suffix}" in _declared_ids())
               for rule in rules)


def _declared_ids() -> frozenset[str]:
    return frozenset(sub.id for rule in PATH_RULES for sub in subrules(rule))


def gather_reports(ws: Workspace, inputs: CoverageInputs) -> dict[str, ReportInput]:
    return ws.memo("coverage-reports", lambda: _read_reports(ws, inputs))


def _read_reports(ws: Workspace, inputs: CoverageInputs) -> dict[str, ReportInput]:
    from ...parsers.coverage import CoverageReportError, read_report
    from ...engines.coverage import service_report

    config = inputs.config
    out: dict[str, ReportInput] = {}
    if config is None:
        return out
    for name, service in config.services.items():
        given = ws.reports.get(name)
        path = given or service.report
        origin = "command line" if given else "config"
        item = ReportInput(name, path, origin)
        out[name] = item
        if not selected(ws, inputs, name):
            item.skipped = True
            continue
        if path is None:
            item.missing = (f"no report configured (add \"report\": \"PATH\" to thresholds.{name} in "
                            f"{inputs.config_path}, or pass --report {name}=PATH)")
            continue
        if not given and not _safe_relative(path):
            item.missing = f"the configured report path {path!r} is outside the repository"
            continue
        try:
            stream = ws.repo.open_binary(path)
        except UnreadableFile as exc:
            if exc.reason == "does not exist":
                item.missing = (f"its report {path} does not exist (reports are build outputs: run the tests with "
                                "coverage first)")
            else:
                item.error = f"{path} {exc.reason}"
            continue
        try:
            with stream:
                head = stream.read(16)
                stream.seek(0)
                if service.format == "coverage.py-data" or (service.format is None and
                                                               head.startswith(b"SQLite format 3\x00")):
                    local = str(ws.repo.local_path(path))
                    report = read_report(local, stream, "coverage.py-data", source_root=str(ws.repo.root))
                else:
                    report = read_report(path, stream, service.format)
            item.report = service_report(report, inputs.roots.get(name))
        except CoverageReportError as exc:
            message = exc.message
            item.error, item.line = f"{path}: {message}", exc.line
        except UnreadableFile as exc:
            item.error = f"{path} {exc.reason}"
    for name, path in ws.reports.items():
        if name not in config.services:
            out[name] = ReportInput(name, path, "command line",
                                    missing=f"--report {name}={path}: {name} is not a service of "
                                            f"{inputs.config_path} ({', '.join(config.services) or 'none'})")
    return out
