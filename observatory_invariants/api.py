"""The library's front door: run rules on a repository from Python, the way the CLI does."""

from __future__ import annotations

from pathlib import Path

from .config import Config, ConfigError, load_config
from .errors import GitError
from .findings import Finding, Severity
from .memory import workspace as workspace_from_files
from .registry import UnknownRuleId
from .repo import INDEX, WORKTREE, Repository, TreeRepository, find_root, validate_ref
from .runner import RunResult, run, select_rules
from .workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:   # annotations only: typing is not imported at run time (start-up cost)
    from collections.abc import Sequence


class InternalCheckError(Exception):
    """A check crashed (a bug of ours); its message names the rules and the exception."""


def open_workspace(root: str | Path, *, base: str | None = None, staged: bool = False,
                   config_file: str | Path | None = None, config: Config | None = None,
                   recorder=None) -> Workspace:
    """A Workspace for the repository at ``root`` with its config loaded and validated (or ``config``, when the
    caller has loaded it already).

    ``staged`` makes checks see the index (what the commit will record), not the work tree. ``recorder`` (the CLI's
    run cache) hears every answer the repository gives from the first one on.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: not a directory")
    root = root.resolve()
    if config is None:
        config = load_config(root, Path(config_file) if config_file else None)
    if base is not None:
        validate_ref(base)
    repo = Repository(root, exclude=config.exclude, max_file_size=config.max_file_size,
                      content=INDEX if staged else WORKTREE)
    repo.recorder = recorder
    if staged:
        repo.require_git("--staged")
    return Workspace(repo=repo, config=config, base_ref=base, staged=staged)


def effective_selection(config, select: Sequence[str] | None, ignore: Sequence[str]):
    """Command-line selection over the config's: a CLI ``--select`` is the whole selection (config
    ``select`` and ``ignore`` step aside, so an explicitly selected rule always runs); CLI ``--ignore``
    adds to the config's ignores."""
    if select:
        return list(select), list(ignore)
    return (list(config.select) if config.select is not None else None), [*config.ignore, *ignore]


def run_workspace(ws: Workspace, *, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
                  paths: Sequence[str] | None = None, all_findings: bool = False) -> RunResult:
    """Run with CLI selectors merged over the config's; paths from --staged/--base when none are given.

    When the run is about a change — ``paths`` (what pre-commit passes), ``--staged`` or ``--base`` — only the
    findings that belong to the change are kept (see :func:`runner.run`); ``all_findings`` keeps every finding
    of the rules that ran.

    Raises ConfigError when the selection names nothing that can be checked (only governance or
    not-yet-implemented rules, or nothing at all): that is never reported as a pass.
    """
    effective_select, effective_ignore = effective_selection(ws.config, select, ignore)
    chosen = select_rules(effective_select, effective_ignore)
    if not any(r.implemented for r in chosen):
        names = ", ".join(f"{r.id} ({r.status})" for r in chosen) or "none"
        raise ConfigError(f"nothing to check: the selection enables no implemented rule (selected: {names})")
    if paths is None and ws.staged:
        paths = ws.repo.staged_paths()
    elif paths is None and ws.base_ref:
        # CI mode: only what changed since the base (rules that compare with the base, like C4, read it).
        paths = ws.repo.changed_paths(ws.base_ref)
    elif paths is not None and ws.staged:
        # pre-commit passes the staged files that exist; a staged deletion is part of the change too.
        paths = sorted({*paths, *ws.repo.staged_deletions()})
    if paths is not None:
        paths = [p for p in paths if not ws.repo.excluded(p)]
    scope = None if paths is None or all_findings else paths
    return run(ws, select=effective_select, ignore=effective_ignore, paths=paths, scope=scope,
               before=(lambda: before_change(ws)) if scope is not None else None)


def before_change(ws: Workspace) -> Workspace | None:
    """The repository as it was before the change a run judges (HEAD, or the merge base with ``--base``), as a
    read-only workspace with the same config; None outside git."""
    if not ws.repo.is_git:
        return None
    commit = ws.repo.commit_before_change(ws.base_ref)
    tree = TreeRepository(ws.root, commit, exclude=ws.config.exclude, max_file_size=ws.config.max_file_size)
    tree._git.recorder = getattr(ws.repo, "recorder", None)   # refs it resolves are inputs of a recorded run
    return Workspace(repo=tree, config=ws.config)


def _selectors(value: str | Sequence[str] | None, name: str) -> list[str] | None:
    """Ids as the CLI takes them: a string is one selector list (``"C3"``, ``"C3,B"``), never its characters;
    an id no rule declares raises the CLI's error (UnknownRuleId, a ConfigError)."""
    from .registry import UnknownRuleId, canonical, unknown_selectors

    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    elif not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a string or a sequence of strings, not {value!r}")
    ids = [canonical(v.strip()) for v in value if v.strip()]
    bad = unknown_selectors(ids)
    if bad:
        raise UnknownRuleId(f"unknown rule id(s): {', '.join(bad)} (see `observatory-invariants list`)")
    return ids


def check(root: str | Path = ".", *, select: str | Sequence[str] | None = None, ignore: str | Sequence[str] = (),
          paths: Sequence[str] | None = None, base: str | None = None, staged: bool = False,
          all_findings: bool = False) -> list[Finding]:
    """Findings for the repository at ``root`` (root discovery is the caller's business).

    ``select``/``ignore`` take ids or prefixes like the CLI (``"C3"``, ``["C", "B3.latest-tag"]``). With ``paths``,
    ``staged`` or ``base`` only the findings that belong to that change come back, unless ``all_findings``.
    Raises ConfigError / GitError for bad configuration, ids or refs, and InternalCheckError when a check
    crashed, rather than returning a silently incomplete list.
    """
    select = _selectors(select, "select")
    ignore = _selectors(ignore, "ignore") or []
    ws = open_workspace(root, base=base, staged=staged)
    result = run_workspace(ws, select=select, ignore=ignore, paths=paths, all_findings=all_findings)
    if result.internal_errors:
        raise InternalCheckError("; ".join(result.internal_errors))
    return result.findings


__all__ = ["check", "open_workspace", "run_workspace", "find_root", "Finding", "Severity", "InternalCheckError",
           "ConfigError", "GitError", "UnknownRuleId", "workspace_from_files"]
