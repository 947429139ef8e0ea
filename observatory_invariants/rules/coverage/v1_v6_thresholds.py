"""V1–V6, V2a: each service's coverage meets the threshold ``coverage-config.json`` gives it, and that config
stays the single source of truth.

- measured coverage (reports present, see inputs.py for where they come from): below ``min`` an error, below
  ``warn`` a warning, sub-path thresholds (V2a) from the per-file data under the path, ``exclude`` applied first;
  no report / an unreadable report / a report measuring nothing each say so;
- the ratchet: below the committed baseline by more than the tolerance → a warning or an error (``mode``);
- thresholds only go up: with ``--base REF`` (or ``--staged``: against HEAD) a lowered ``min`` is an error and
  other weakenings are warnings;
- documentation (docs_tables.py) and CI gates (ci_gates.py) that disagree with the config.

Findings carry the service's rule id (V1–V6 by the ``coverage.rules`` mapping, the seed's by default) and the
sub-rule of the problem (``V5.no-report``); sub-path thresholds carry V2a (under V2) or their own ``rule``.
"""

from __future__ import annotations

from ...declare import Rule
from ...findings import Finding, finding
from ...workspace import Workspace
from .inputs import (IGNORE, REQUIRED, CoverageInputs, CoverageOptions, ReportInput, first_enabled,
                     gather_coverage_inputs, gather_reports, subrules)

_READS = ("coverage-config", "coverage-baseline", "coverage-docs", "workflows", "composite-actions", "shell-scripts",
          "powershell-scripts")
_HOOKS = ("observatory-coverage",)


def _rule(rule_id: str, title: str, seed: str) -> Rule:
    return Rule(rule_id, title, "coverage", _READS, check="run", subrules=subrules(rule_id),
                options=(CoverageOptions,), hooks=_HOOKS, seed_check=seed)


V1 = _rule("V1", "Processor coverage meets its threshold", "check-coverage.py processor")
V2 = _rule("V2", "metrics-engine coverage meets its threshold", "check-coverage.py metrics-engine")
V2a = _rule("V2a", "metrics-engine/validator subpackage coverage meets its threshold",
            "check-coverage.py metrics-engine (subpkg)")
V3 = _rule("V3", "read-model coverage meets its threshold", "check-coverage.py read-model")
V4 = _rule("V4", "TUI lib coverage meets its threshold", "check-coverage.py tui")
V5 = _rule("V5", "Gateway coverage meets its threshold", "vitest --coverage")
V6 = _rule("V6", "web-pty-server coverage meets its threshold", "check-coverage.py web-pty-server")

_KIND_SEVERITY = {"min-lowered": "error", "warn-lowered": "warning", "removed": "warning",
                  "measurement-changed": "warning", "exclude-added": "warning", "include-changed": "warning"}


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.2f}%".replace(".00%", "%")


def _limit(value) -> str:
    return f"{value:g}%"


# --- measured coverage -------------------------------------------------------------------------------------

def check_measurements(inputs: CoverageInputs, reports: dict[str, ReportInput], *, required: bool,
                       results: dict | None = None) -> list[Finding]:
    """Findings for each configured service's report (``results`` collects the engine's ServiceResult per
    service for callers that print a table)."""
    from ...engines.coverage import EMPTY, FAIL, WARN, evaluate_service
    from ...parsers.coverage import CoverageReportError

    config = inputs.config
    path = inputs.config_path
    out: list[Finding] = []
    for name, service in config.services.items():
        rule = inputs.rules[name]
        line = inputs.line_of("thresholds", name)
        item = reports.get(name)
        if item is not None and item.skipped:
            continue
        if item is None or item.missing:
            why = item.missing if item else "no report"
            out.append(finding(f"{rule}.no-report", path,
                               f"{name}: coverage not judged: {why}"
                               + ("" if required else " (a note: reports are judged where present; set "
                                                      "coverage.reports = \"required\" in CI)"),
                               line, severity="error" if required else "note"))
            continue
        if item.error:
            out.append(finding(f"{rule}.bad-report", path,
                               f"{name}: the report cannot be used: {item.error}"
                               + (f" (line {item.line})" if item.line else "")
                               + "; regenerate it with the service's test command", line))
            continue
        try:
            result = evaluate_service(item.report, service)
        except CoverageReportError as exc:
            out.append(finding(f"{rule}.bad-report", path,
                               f"{name}: {exc.message}; set thresholds.{name}.measurement to one the report has, or "
                               "produce the report the config expects", line))
            continue
        if results is not None:
            results[name] = result
        measured = result.measured
        what = f"{measured.measurement} over {measured.files} file(s) of {item.path}"
        if result.verdict == EMPTY:
            out.append(finding(f"{rule}.empty", path,
                               f"{name}: the report measures nothing ({what}: 0 to cover) — not a pass; check the "
                               f"report, the service root and thresholds.{name}.include/exclude",
                               line, severity="error" if required else "warning"))
        elif result.verdict == FAIL:
            out.append(finding(rule, path,
                               f"{name}: coverage {_pct(measured.percent)} ({what}) is below its minimum "
                               f"{_limit(result.min)}; add tests (or, deliberately, lower thresholds.{name}.min — "
                               "which is itself reported)", line))
        elif result.verdict == WARN:
            out.append(finding(rule, path,
                               f"{name}: coverage {_pct(measured.percent)} ({what}) is below its warn level "
                               f"{_limit(result.warn)} (minimum {_limit(result.min)})", line, severity="warning"))
        for sub in result.paths:
            sub_rule = inputs.path_rule(name, next(p for p in service.paths if p.pattern == sub.pattern))
            sub_line = inputs.line_of("thresholds", name, "paths", sub.pattern) or line
            label = f"{name} {sub.pattern}"
            if sub.verdict == EMPTY:
                out.append(finding(f"{sub_rule}.empty", path,
                                   f"{label}: no measured file matches the sub-path (or none has anything to cover) — "
                                   f"not a pass; check the pattern against the report's paths (relative to "
                                   f"{inputs.roots.get(name) or 'the report'})", sub_line,
                                   severity="error" if required else "warning"))
            elif sub.verdict in (FAIL, WARN):
                level = "minimum" if sub.verdict == FAIL else "warn level"
                limit = sub.min if sub.verdict == FAIL else sub.warn
                out.append(finding(sub_rule, path,
                                   f"{label}: coverage {_pct(sub.measured.percent)} ({sub.measured.measurement} over "
                                   f"{sub.measured.files} file(s)) is below its {level} {_limit(limit)}",
                                   sub_line, severity="error" if sub.verdict == FAIL else "warning"))
    return out


def check_ratchet(inputs: CoverageInputs, results: dict) -> list[Finding]:
    """The measured services against the committed baseline (nothing when the ratchet is off)."""
    from ...engines.coverage import compare_with_baseline, ratchet_severity

    config = inputs.config
    if not config.ratchet.enabled or not results:
        return []
    if inputs.baseline is None:
        if inputs.baseline_path and inputs.baseline_text is None:
            rule = inputs.rules[next(iter(results))]
            return [finding(f"{rule}.ratchet", inputs.config_path,
                            f"the ratchet is on but there is no baseline ({inputs.baseline_path}) to hold coverage "
                            "to; create it with `observatory-invariants coverage --update-baseline` and commit it",
                            inputs.line_of("ratchet"), severity="note")]
        return []
    out: list[Finding] = []
    for item in compare_with_baseline(results.values(), inputs.baseline, config.ratchet.tolerance):
        service = config.services[item.service]
        rule = inputs.rules[item.service]
        if item.path is not None:
            rule = inputs.path_rule(item.service, next(p for p in service.paths if p.pattern == item.path))
        label = item.service + (f" {item.path}" if item.path else "")
        if item.status == "decreased":
            severity = ratchet_severity(item, config.ratchet)
            out.append(finding(f"{rule}.ratchet", inputs.baseline_path,
                               f"{label}: coverage {_pct(item.measured)} fell {item.drop:.2f} points below the "
                               f"baseline {_pct(item.baseline)} (tolerance {config.ratchet.tolerance:g}); add tests, "
                               "or lower the baseline on purpose with `coverage --update-baseline --allow-decrease`",
                               severity=severity))
        elif item.status == "incomparable":
            out.append(finding(f"{rule}.ratchet", inputs.baseline_path,
                               f"{label}: the baseline measured another quantity than the report does now; rewrite "
                               "it with `coverage --update-baseline --allow-decrease`", severity="note"))
    return out


# --- thresholds only go up ---------------------------------------------------------------------------------

def check_lowered(inputs: CoverageInputs, old_config, ref: str) -> list[Finding]:
    """Every threshold lowered or weakened since ``ref`` (``old_config`` is the config there)."""
    from ...engines.coverage import lowered_thresholds

    out: list[Finding] = []
    for change in lowered_thresholds(old_config, inputs.config):
        rule = inputs.rules.get(change.service) or first_rule(inputs)
        if change.path is not None:
            old_service = old_config.services[change.service]
            sub = next(p for p in old_service.paths if p.pattern == change.path)
            rule = inputs.path_rule(change.service, sub)
        label = change.service + (f" {change.path}" if change.path else "")
        keys = ["thresholds", change.service] + (["paths", change.path] if change.path else [])
        if change.kind == "min-lowered":
            message = (f"{label}: min lowered from {_limit(change.old)} to {_limit(change.new)} since {ref}; "
                       "thresholds only go up — add tests instead, or make the exception explicit (suppress this "
                       "finding with a reason in the pull request)")
            keys.append("min")
        elif change.kind == "warn-lowered":
            message = f"{label}: warn lowered from {_limit(change.old)} to {_limit(change.new)} since {ref}"
            keys.append("warn")
        elif change.kind == "removed":
            message = f"{label}: threshold removed since {ref} (min was {_limit(change.old)})"
            keys = ["thresholds"]
        elif change.kind == "exclude-added":
            added = [g for g in change.new if g not in change.old]
            message = (f"{label}: files newly excluded from its coverage since {ref} ({', '.join(added)}), which "
                       "raises the measured number without a test")
        elif change.kind == "measurement-changed":
            message = f"{label}: measurement changed from {change.old or 'the default'} to {change.new or 'the default'} since {ref}"
        else:
            message = f"{label}: include changed since {ref} ({list(change.old)} -> {list(change.new)})"
        line = inputs.line_of(*keys) if change.kind != "removed" else inputs.line_of("thresholds")
        out.append(finding(f"{rule}.lowered", inputs.config_path, message, line,
                           severity=_KIND_SEVERITY[change.kind]))
    return out


def first_rule(inputs: CoverageInputs) -> str:
    return next(iter(inputs.rules.values()), "V1")


def _old_config(ws: Workspace, inputs: CoverageInputs):
    """(config at the base, the ref's name) for --base REF or --staged (HEAD); (None, None) otherwise."""
    from ...engines.coverage_config import CoverageConfigError, parse_coverage_config
    from ...errors import GitError

    ref = ws.base_ref or ("HEAD" if ws.staged else None)
    if ref is None:
        return None, None
    try:
        data = ws.repo.show(ref, inputs.config_path)
    except GitError:
        return None, None
    if data is None:
        return None, None
    try:
        return parse_coverage_config(data.decode("utf-8"), inputs.config_path), ref
    except (CoverageConfigError, UnicodeDecodeError):
        return None, None   # a broken old config: nothing to compare with


# --- the adapter -------------------------------------------------------------------------------------------

def evaluate(ws: Workspace, measure: bool = True) -> tuple[CoverageInputs, list[Finding], dict, dict]:
    """The config, baseline, reports and thresholds-only-go-up part of V1–V6/V2a, once per run: (inputs, findings,
    reports by service, the engine's ServiceResult by measured service)."""
    return ws.memo(("coverage-evaluation", measure), lambda: _evaluate(ws, measure))


def _evaluate(ws: Workspace, measure: bool):
    inputs = gather_coverage_inputs(ws)
    findings = list(inputs.problems)
    reports: dict = {}
    results: dict = {}
    if inputs.config is None:
        return inputs, findings, reports, results
    options = ws.options(CoverageOptions)
    required = ws.require_reports or options.reports == REQUIRED
    if measure and (ws.require_reports or options.reports != IGNORE):
        reports = gather_reports(ws, inputs)
        findings += check_measurements(inputs, reports, required=required, results=results)
        findings += check_ratchet(inputs, results)
        findings += [finding(first_enabled(ws, "config"), inputs.config_path, item.missing, severity="note")
                     for name, item in reports.items() if name not in inputs.config.services]
    old, ref = _old_config(ws, inputs)
    if old is not None:
        findings += check_lowered(inputs, old, ref)
    return inputs, findings, reports, results


def run(ws: Workspace, targets) -> list[Finding]:
    """V1–V6 and V2a. In a pre-commit run (``targets``) only the parts the changed files touch run: the config or
    baseline → everything; markdown → the docs tables; workflows and scripts → the CI gates."""
    from .ci_gates import gather_ci_findings
    from .docs_tables import gather_docs_findings

    config_touched = targets is None or any(ws.matches("coverage-config", t) or ws.matches("coverage-baseline", t)
                                            for t in targets)
    inputs, findings, _reports, _results = evaluate(ws, measure=config_touched) if config_touched else \
        (gather_coverage_inputs(ws), [], {}, {})
    if not config_touched and inputs.config is None:
        return []
    if inputs.config is None:
        return findings
    doc_targets = None if config_touched else [t for t in targets if ws.matches("coverage-docs", t)]
    if doc_targets is None or doc_targets:
        findings += gather_docs_findings(ws, inputs, doc_targets)
    ci_keys = ("workflows", "composite-actions", "shell-scripts", "powershell-scripts")
    ci_targets = None if config_touched else [t for t in targets if any(ws.matches(k, t) for k in ci_keys)]
    if ci_targets is None or ci_targets:
        findings += gather_ci_findings(ws, inputs, ci_targets)
    return findings
