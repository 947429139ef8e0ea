"""Run the selected rules over a workspace and post-process their findings.

Selection, the ``targets`` of a pre-commit run, inline suppressions, per-path
ignores and severity overrides happen here, once, for every rule.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from . import registry
from .declare import Rule
from .errors import ConfigError, GitError
from .findings import Finding, Severity
from .patterns import path_matches
from .workspace import Workspace

_USAGE_ERRORS = (ConfigError, GitError)

# `# observatory: ignore[X3]`, `// observatory: ignore[X3, B3.latest-tag]`, `<!-- observatory: ignore[C5] -->`:
# the marker must follow a comment leader on its line, so data that merely mentions it suppresses nothing.
_SUPPRESSION = re.compile(r"(?:#|//|/\*|<!--|\bREM\b)[^\n]*?observatory:\s*ignore\[([^\]]*)\]")


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    not_implemented: list[str] = field(default_factory=list)  # selected explicitly, but no check exists yet
    internal_errors: list[str] = field(default_factory=list)  # a check that crashed: a bug of ours, exit 2


def select_rules(select: Sequence[str] | None, ignore: Sequence[str]) -> list[Rule]:
    """Rules any of whose ids (rule or sub-rule) the selection turns on."""
    chosen = []
    for rule in registry.RULES:
        ids = [rule.id, *(s.id for s in rule.subrules)]
        if any(registry.is_enabled(i, select, ignore) for i in ids):
            chosen.append(rule)
    return chosen


def relevant_targets(ws: Workspace, rule: Rule, paths: Sequence[str]) -> list[str]:
    """The passed paths this rule reads (pre-commit mode).

    Extension-less files reach rules that read shebang scripts: pre-commit selects those by
    content (`types: [shell]`), which no path pattern can express; the check reads the shebang.
    """
    return [p for p in paths if any(ws.matches(key, p) for key in rule.reads)
            or (rule.shebang_scripts and "." not in p.rsplit("/", 1)[-1])]


def run(ws: Workspace, *, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
        paths: Sequence[str] | None = None) -> RunResult:
    """Run every selected, implemented rule once; ``paths`` limits the run to rules those files touch."""
    result = RunResult()
    rules = select_rules(select, ignore)
    existing = None if paths is None else [p for p in paths if ws.repo.exists(p)]
    # Group rules sharing one adapter (C1/C2, B1-B3): it runs once.
    by_check: dict[str, list[Rule]] = {}
    targets_by_check: dict[str, set[str] | None] = {}
    for rule in rules:
        if not rule.implemented:
            # Selected on purpose but nothing can check it: say so, never report it as passing.
            if rule.enforcement == registry.AUTOMATED and select is not None:
                result.not_implemented.append(rule.id)
            continue
        if paths is None:
            by_check.setdefault(rule.check_target, []).append(rule)
            targets_by_check[rule.check_target] = None
            continue
        # A deleted path still triggers the rules that read it (C4 reports a deleted schema, C5 its
        # orphaned row), but only existing files are handed to checks as targets.
        if not relevant_targets(ws, rule, paths):
            continue
        by_check.setdefault(rule.check_target, []).append(rule)
        targets_by_check.setdefault(rule.check_target, set()).update(relevant_targets(ws, rule, existing))

    findings: list[Finding] = []
    for check, check_rules in by_check.items():
        targets = targets_by_check[check]
        ids = ", ".join(r.id for r in check_rules)
        try:
            produced = check_rules[0].load_check()(ws, sorted(targets) if targets is not None else None)
        except (KeyboardInterrupt, SystemExit):
            raise
        except _USAGE_ERRORS:
            raise  # a bad --base ref or config: the caller reports it (exit 2)
        except Exception as exc:  # one broken check must not hide the others' findings
            if os.environ.get("OBSERVATORY_DEBUG"):
                raise
            result.internal_errors.append(f"{ids}: {type(exc).__name__}: {exc}")
            continue
        undeclared = sorted({f.rule for f in produced if not registry.is_declared(f.rule)})
        if undeclared:  # a bug of ours: every id a check emits is declared beside its rule
            result.internal_errors.append(f"{ids}: emitted undeclared rule id(s) {', '.join(undeclared)}")
            continue
        findings.extend(produced)
        result.rules_run.extend(r.id for r in check_rules)

    findings = [f for f in findings if registry.is_enabled(f.rule, select, ignore)]
    findings = apply_config_filters(ws, findings)
    lines_cache: dict[str, list[str]] = {}
    findings = [f for f in findings if not is_suppressed_inline(ws, f, lines_cache)]
    result.findings = sorted(set(findings), key=Finding.sort_key)
    return result


def _most_specific(mapping: dict[str, str], rule_id: str) -> str | None:
    best = None
    for sel, value in mapping.items():
        if registry.selector_matches(sel, rule_id) and (best is None or len(sel) > len(best[0])):
            best = (sel, value)
    return best[1] if best else None


def apply_config_filters(ws: Workspace, findings: Iterable[Finding]) -> list[Finding]:
    """Per-path ignores and severity overrides from the config."""
    config = ws.config
    kept = []
    for f in findings:
        ignored = any(registry.selector_matches(s, f.rule) for s in config.ignored_for(f.path))
        if ignored:
            continue
        override = _most_specific(dict(config.severity), f.rule)
        kept.append(f.with_severity(Severity(override)) if override else f)
    return kept


def suppressed_ids(line_text: str) -> list[str]:
    ids = []
    for match in _SUPPRESSION.finditer(line_text):
        ids.extend(part.strip() for part in match.group(1).split(",") if part.strip())
    return ids


def suppression_names(suppressed: str, rule_id: str) -> bool:
    """A suppression must name the rule (``B3``) or the sub-rule (``B3.latest-tag``): no families, no ALL."""
    return rule_id == suppressed or rule_id.startswith(suppressed + ".")


def is_suppressed_inline(ws: Workspace, f: Finding, lines_cache: dict | None = None) -> bool:
    """``observatory: ignore[ID]`` in a comment on the finding's line or the line above."""
    if not f.line:
        return False
    cache = lines_cache if lines_cache is not None else {}
    if f.path not in cache:
        try:
            cache[f.path] = ws.read_text(f.path).splitlines()
        except Exception:  # unreadable files carry no comments
            cache[f.path] = []
    lines = cache[f.path]
    for index in (f.line - 1, f.line - 2):
        if 0 <= index < len(lines) and "observatory:" in lines[index]:
            if any(suppression_names(sel, f.rule) for sel in suppressed_ids(lines[index])):
                return True
    return False
