"""The library's front door: run rules on a repository from Python, the way the CLI does."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .config import load_config
from .findings import Finding
from .repo import Repository, find_root, validate_ref
from .runner import RunResult, run
from .workspace import Workspace


def open_workspace(root: str | Path, *, base: str | None = None, staged: bool = False,
                   config_file: str | Path | None = None) -> Workspace:
    """A Workspace for the repository at ``root`` with its config loaded and validated."""
    root = Path(root).resolve()
    config = load_config(root, Path(config_file) if config_file else None)
    if base is not None:
        validate_ref(base)
    repo = Repository(root, exclude=config.exclude, max_file_size=config.max_file_size)
    return Workspace(repo=repo, config=config, base_ref=base, staged=staged)


def run_workspace(ws: Workspace, *, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
                  paths: Sequence[str] | None = None) -> RunResult:
    """Run with CLI selectors merged over the config's (command line wins, like ruff)."""
    config = ws.config
    effective_select = list(select) if select else (list(config.select) if config.select is not None else None)
    effective_ignore = [*config.ignore, *ignore]
    if ws.staged and paths is None:
        paths = ws.repo.staged_paths()
    elif ws.base_ref and paths is None:
        # CI mode: only what changed since the base (rules that compare with the base, like C4, read it).
        paths = ws.repo.changed_paths(ws.base_ref)
    return run(ws, select=effective_select, ignore=effective_ignore, paths=paths)


def check(root: str | Path = ".", *, select: Sequence[str] | None = None, ignore: Sequence[str] = (),
          paths: Sequence[str] | None = None, base: str | None = None, staged: bool = False) -> list[Finding]:
    """Findings for the repository at ``root`` (root discovery is the caller's business)."""
    ws = open_workspace(root, base=base, staged=staged)
    return run_workspace(ws, select=select, ignore=ignore, paths=paths).findings


__all__ = ["check", "open_workspace", "run_workspace", "find_root", "Finding"]
