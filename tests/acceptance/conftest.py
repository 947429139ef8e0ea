"""The real pre-commit framework, its hook environment built once per test run.

``hook_repository`` is a clean clone of this checkout (tracked and untracked-but-not-ignored files, one
commit). Each test repository runs ``pre-commit run`` with a config naming that clone and its revision — the
local-clone form a user writes — and every run shares one ``PRE_COMMIT_HOME``, so pre-commit installs the hook
environment once. (``pre-commit try-repo`` would rebuild it on every call: it uses a fresh store each time.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, git

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.invalid", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@e.invalid"}


def _project_files() -> list[str]:
    out = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p and os.path.isfile(REPO_ROOT / p)]


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    clone = tmp_path_factory.mktemp("hook-repository") / "observatory-invariants"
    for rel in _project_files():
        target = clone / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, target)
    git(clone, "init", "-q", "-b", "main")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "hook repository under test")
    return clone


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def hook_config(hook_repository: Path, *hook_ids: str) -> str:
    """A ``.pre-commit-config.yaml`` using this repository's hooks from a local clone, as the README shows."""
    rev = git(hook_repository, "rev-parse", "HEAD").strip()
    hooks = "".join(f"      - id: {h}\n" for h in hook_ids)
    return f"repos:\n  - repo: {hook_repository}\n    rev: {rev}\n    hooks:\n{hooks}"


@pytest.fixture
def try_repo(hook_repository, pre_commit_home, tmp_path_factory):
    """try_repo(repo, hook_id, *files) -> CompletedProcess of ``pre-commit run HOOK`` in ``repo`` with this
    repository's hook (``--all-files`` when no files are given)."""

    def run(repo: Path, hook: str, *files: str) -> subprocess.CompletedProcess:
        config = tmp_path_factory.mktemp("pre-commit-config") / ".pre-commit-config.yaml"
        config.write_text(hook_config(hook_repository, hook))
        args = [*PRE_COMMIT, "run", hook, "--config", str(config), "--verbose", "--color", "never"]
        args += ["--files", *files] if files else ["--all-files"]
        env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), **GIT_IDENTITY}
        return subprocess.run(args, cwd=repo, capture_output=True, text=True, env=env, timeout=900)

    return run
