"""Fixture repositories for B1–B3, made in tmp_path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from observatory_invariants import memory
from observatory_invariants.config import Config
from observatory_invariants.repo import Repository
from observatory_invariants.workspace import Workspace


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin"})


@pytest.fixture
def make_repo(tmp_path):
    """make_repo(files, use_git=True, untracked=(), config=None, on_disk=False) -> Workspace.

    In memory by default (an InMemoryRepository: no folder, no git); ``on_disk=True`` writes a real
    repository in tmp_path (git init + add) for the tests that are about the file system itself.
    """

    def _make(files: dict[str, str | bytes], *, use_git: bool = True, untracked: tuple[str, ...] = (),
              config: Config | None = None, on_disk: bool = False) -> Workspace:
        if not on_disk:
            return memory.workspace(files, config=config or Config(), is_git=use_git,
                                    tracked=[p for p in files if p not in untracked])
        root = tmp_path / "repo"
        write(root, files)
        if use_git:
            git(root, "init", "-q")
            tracked = [p for p in files if p not in untracked]
            if tracked:
                git(root, "add", "--", *tracked)
        return Workspace(Repository(root), config or Config())

    return _make


def rules_of(findings) -> list[str]:
    return sorted(f.rule for f in findings)
