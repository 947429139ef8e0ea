"""Run the selected rules over a workspace and post-process their findings.

Selection, the ``targets`` of a pre-commit run, inline suppressions, per-path
ignores and severity overrides happen here, once, for every rule.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field

from . import registry
from .errors import ConfigError, GitError
from .findings import Finding, Severity
from .patterns import path_matches
from .workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only (typing and the declarations are not imported at run time: start-up cost)
    from collections.abc import Callable, Iterable, Sequence

    from .declare import Rule

_USAGE_ERRORS = (ConfigError, GitError)

# `# observatory: ignore[X3]`, `// observatory: ignore[X3, B3.latest-tag]`, `<!-- observatory: ignore[C5] -->`:
# the marker must follow a comment leader on its line, so data that merely mentions it suppresses nothing.
_SUPPRESSION = re.compile(r"(?:#|//|/\*|<!--|\bREM\b)[^\n]*?observatory:\s*ignore\[([^\]]*)\]")


@dataclass
class RunResult:
    """What a run found and did: its findings, the rules that ran, and what the report says besides."""

    findings: list[Finding] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    not_implemented: list[str] = field(default_factory=list)  # selected explicitly, but no check exists yet
    internal_errors: list[str] = field(default_factory=list)  # a check that crashed: a bug of ours, exit 2
    scope: list[str] | None = None     # the paths of the change the findings belong to (None: whole repository)
    hidden_outside: int = 0            # findings outside the change that were already there before it
    before_known: bool = True          # False: no "before" state (no git), so findings outside the change were hidden


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


def _plan(ws: Workspace, rules: list[Rule], paths: Sequence[str] | None, result: RunResult,
          select_given: bool) -> dict[str, tuple[list[Rule], set[str] | None]]:
    """adapter -> (its selected rules, its targets; None for a whole-repository scan)."""
    existing = None if paths is None else [p for p in paths if ws.repo.exists(p)]
    plan: dict[str, tuple[list[Rule], set[str] | None]] = {}
    for rule in rules:
        if not rule.implemented:
            # Selected on purpose but nothing can check it: say so, never report it as passing.
            if rule.enforcement == registry.AUTOMATED and select_given:
                result.not_implemented.append(rule.id)
            continue
        if paths is None:
            plan.setdefault(rule.check_target, ([], None))[0].append(rule)
            continue
        # A deleted path still triggers the rules that read it (C4 reports a deleted schema, C5 its
        # orphaned row), but only existing files are handed to checks as targets.
        if not relevant_targets(ws, rule, paths):
            continue
        rules_of, targets = plan.setdefault(rule.check_target, ([], set()))
        rules_of.append(rule)
        targets.update(relevant_targets(ws, rule, existing))
    return plan


# A whole-repository run of at least this many files splits the rule families between two processes (when the
# workspace lets the runner decide: ``Workspace.jobs == 0``, as the CLI does). Measured: 285 files 0.52 -> 0.44 s,
# 10,000 files 4.9 -> 2.7 s on two cores.
PARALLEL_MIN_FILES = 200
# Relative cost of a family on large repositories (benchmarks/bench_targets.py, 10,000 files): how the split
# balances them. Families stay whole in one process, so the parses they share (docker inputs, YAML) happen once.
_FAMILY_COST = {"contracts": 3.0, "scripts": 2.0, "docker": 2.0, "integration": 1.3}


def _parallel_jobs(ws: Workspace, plan) -> int:
    """How many processes a run takes: OBSERVATORY_JOBS when set, else the workspace's ``jobs``, where 0 means 2
    for a large whole-repository run on a machine with two cores or more (fork only: elsewhere one process)."""
    from .repo import TreeRepository

    # Whole-repository runs of the work tree only: a file run is small, and a tree read from git talks to one
    # `git cat-file --batch` process that two processes must not share. (Decided before importing
    # multiprocessing: a pre-commit hook does not pay for it.)
    if len(plan) < 2 or any(targets is not None for _rules, targets in plan.values()) \
            or isinstance(ws.repo, TreeRepository):
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    from .processes import available_cores, configured_jobs

    asked = configured_jobs() or ws.jobs
    if asked:
        return min(asked, 2)
    if available_cores() < 2:
        return 1
    return 2 if len(ws.repo.files) >= PARALLEL_MIN_FILES else 1


def _split(plan) -> tuple[dict, dict]:
    """Two sub-plans of about equal cost, whole families each, in the plan's order."""
    families: dict[str, list[str]] = {}
    for check, (check_rules, _targets) in plan.items():
        families.setdefault(check_rules[0].family, []).append(check)
    loads, groups = [0.0, 0.0], [set(), set()]
    for family in sorted(families, key=lambda f: (-_FAMILY_COST.get(f, 0.2), f)):
        lighter = 0 if loads[0] <= loads[1] else 1
        loads[lighter] += _FAMILY_COST.get(family, 0.2)
        groups[lighter].update(families[family])
    return ({c: plan[c] for c in plan if c in groups[0]}, {c: plan[c] for c in plan if c in groups[1]})


def _execute(ws: Workspace, plan, result: RunResult, select, ignore, *, record: bool = True) -> dict[str, list[Finding]]:
    """Run each adapter once; its findings after selection, config filters and inline suppressions.

    A large whole-repository run splits the families between this process and a forked one (same findings, same
    order: the results are merged in the plan's order)."""
    if record and _parallel_jobs(ws, plan) > 1:
        return _execute_in_two(ws, plan, result, select, ignore)
    return _execute_here(ws, plan, result, select, ignore, record=record)


def _execute_in_two(ws: Workspace, plan, result: RunResult, select, ignore) -> dict[str, list[Finding]]:
    import multiprocessing

    here, there = _split(plan)
    if not here or not there:
        return _execute_here(ws, plan, result, select, ignore)
    there_ids = ", ".join(r.id for check in there for r in plan[check][0])
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)

    def child() -> None:
        child_result = RunResult()
        try:
            found = _execute_here(ws, there, child_result, select, ignore)
            recorder = getattr(ws.repo, "recorder", None)   # what this half read is an input of the run too
            recorded = None if recorder is None else (recorder.answers, recorder.unrepeatable_by)
            message = ("ok", found, child_result.internal_errors, recorded)
        except _USAGE_ERRORS as exc:   # a bad config or ref: the parent raises it, as one process would
            message = ("usage", type(exc).__name__, str(exc))
        except BaseException as exc:  # noqa: BLE001 - whatever happens there is reported here, never lost
            message = ("ok", {}, [f"{there_ids}: {type(exc).__name__}: {exc}"], None)
        try:
            sender.send(message)
        finally:
            sender.close()

    for stream in (sys.stdout, sys.stderr):   # the child flushes what it inherits: nothing may be printed twice
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    process = ctx.Process(target=child)   # not a daemon: the scripts adapter may fork its own pool there
    process.start()
    sender.close()
    errors_here = RunResult()
    try:
        found_here = _execute_here(ws, here, errors_here, select, ignore)
    except BaseException:   # a usage error or Ctrl-C here: the other half is not wanted any more
        process.kill()
        receiver.close()
        process.join()
        raise
    try:
        message = receiver.recv()
    except (EOFError, OSError):   # the child died without a word, or in the middle of one (killed, out of memory)
        message = ("ok", {}, [f"{there_ids}: the worker process ended without a result"], None)
    finally:
        receiver.close()
        process.join()
    if message[0] == "usage":
        _, kind, text = message
        raise next(e for e in _USAGE_ERRORS if e.__name__ == kind)(text)
    _, found_there, errors_there, recorded_there = message
    if recorded_there is not None and getattr(ws.repo, "recorder", None) is not None:
        ws.repo.recorder.merge(*recorded_there)
    out = {}
    for check, (check_rules, _targets) in plan.items():   # the plan's order, as one process gives
        if check in found_here or check in found_there:
            out[check] = found_here.get(check, found_there.get(check))
            result.rules_run.extend(r.id for r in check_rules)
    # internal errors in the plan's order too (each names its check's rule ids first)
    order = {", ".join(r.id for r in check_rules): n for n, (check_rules, _t) in enumerate(plan.values())}
    errors = errors_here.internal_errors + errors_there
    result.internal_errors.extend(sorted(errors, key=lambda e: order.get(e.split(":", 1)[0], len(order))))
    return out


def _execute_here(ws: Workspace, plan, result: RunResult, select, ignore, *,
                  record: bool = True) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    lines_cache: dict[str, list[str]] = {}
    for check, (check_rules, targets) in plan.items():
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
        kept = [f for f in produced if registry.is_enabled(f.rule, select, ignore)]
        kept = apply_config_filters(ws, kept)
        out[check] = [f for f in kept if not is_suppressed_inline(ws, f, lines_cache)]
        if record:
            result.rules_run.extend(r.id for r in check_rules)
    return out


def run(ws: Workspace, *, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
        paths: Sequence[str] | None = None, scope: Iterable[str] | None = None,
        before: Callable[[], Workspace | None] | None = None) -> RunResult:
    """Run every selected, implemented rule once; ``paths`` limits the run to rules those files touch.

    ``scope`` (the paths a change touched: pre-commit files, ``--staged``, ``--base``) keeps the findings that
    belong to the change: those in a changed file, and those elsewhere that the change *caused* — absent from the
    same rules run on ``before()``, the state before the change (findings are compared by fingerprint, so lines
    moving do not matter). Without a ``before`` (no git), only findings in changed files are kept.
    """
    result = RunResult()
    rules = select_rules(select, ignore)
    ws.selection = lambda rule_id: registry.is_enabled(rule_id, select, ignore)
    ws.selected_rules = frozenset(rule.id for rule in rules)
    plan = _plan(ws, rules, paths, result, select is not None)
    by_check = _execute(ws, plan, result, select, ignore)
    findings = [f for produced in by_check.values() for f in produced]
    if scope is not None:
        findings = _belonging_to_the_change(ws, plan, by_check, frozenset(scope), before, result, select, ignore)
    result.findings = sorted(set(findings), key=Finding.sort_key)
    return result


def _belonging_to_the_change(ws, plan, by_check, scope, before, result, select, ignore) -> list[Finding]:
    from .fingerprints import fingerprint_all, line_lookup, new_findings

    result.scope = sorted(scope)
    kept = [f for produced in by_check.values() for f in produced if f.path in scope]
    elsewhere = {check: [f for f in produced if f.path not in scope] for check, produced in by_check.items()}
    elsewhere = {check: found for check, found in elsewhere.items() if found}
    if not elsewhere:
        return kept
    before_ws = before() if before is not None else None
    if before_ws is None:
        result.hidden_outside += sum(map(len, elsewhere.values()))
        result.before_known = False
        return kept
    # The same adapters, over the whole repository as it was before the change.
    before_plan = {check: (plan[check][0], None) for check in elsewhere}
    errors_before = len(result.internal_errors)
    before_ws.selection, before_ws.selected_rules = ws.selection, ws.selected_rules
    before_ws._pure = ws._pure   # pure results keyed by content: the unchanged files are not parsed again
    before_found = _execute(before_ws, before_plan, result, select, ignore, record=False)
    if len(result.internal_errors) > errors_before:  # cannot tell old from new: report everything (fail closed)
        return kept + [f for found in elsewhere.values() for f in found]
    now_lines, before_lines = line_lookup(ws.read_text), line_lookup(before_ws.read_text)
    for check, found in elsewhere.items():
        current = sorted(by_check[check], key=Finding.sort_key)
        current_fps = dict(zip(map(id, current), fingerprint_all(current, now_lines)))
        old = sorted(before_found.get(check, []), key=Finding.sort_key)
        new = new_findings(found, [current_fps[id(f)] for f in found], fingerprint_all(old, before_lines))
        result.hidden_outside += len(found) - len(new)
        kept.extend(new)
    return kept


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
