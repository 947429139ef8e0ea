"""Acceptance: hooks/pre-commit, the plain POSIX-sh git hook, blocks a commit with a broken schema."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT, git, git_repo, schema, versions_md, write_tree

HOOK = REPO_ROOT / "hooks" / "pre-commit"


def commit(repo: Path) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)  # where the console script observatory-invariants lives
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.invalid"}
    return subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "change"], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX sh")
def test_git_hook_blocks_then_allows(tmp_path):
    repo = git_repo(tmp_path, {"contracts/schemas/job.json": schema("job"),
                               "contracts/VERSIONS.md": versions_md({"job": "1.0.0"})})
    shutil.copy(HOOK, repo / ".git" / "hooks" / "pre-commit")
    write_tree(repo, {"contracts/schemas/job.json": schema("job", version="1.0")})
    git(repo, "add", "-A")
    blocked = commit(repo)
    assert blocked.returncode != 0
    assert "C3" in blocked.stdout + blocked.stderr
    write_tree(repo, {"contracts/schemas/job.json": schema("job", version="1.0.1"),
                      "contracts/VERSIONS.md": versions_md({"job": "1.0.1"})})
    git(repo, "add", "-A")
    allowed = commit(repo)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_hook_script_is_posix_sh():
    text = HOOK.read_text()
    assert text.startswith("#!/bin/sh\n")
    if shutil.which("dash"):
        assert subprocess.run(["dash", "-n", str(HOOK)]).returncode == 0


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX sh")
def test_git_hook_fails_closed_when_the_tool_cannot_run(tmp_path):
    repo = git_repo(tmp_path, {"README.md": "x\n"})
    shutil.copy(HOOK, repo / ".git" / "hooks" / "pre-commit")
    write_tree(repo, {"README.md": "y\n"})
    git(repo, "add", "-A")
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    os.symlink(shutil.which("git"), empty_path / "git")   # git, but no observatory-invariants and no python3
    env = {"PATH": str(empty_path), "HOME": str(tmp_path), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.invalid"}
    sh = shutil.which("sh")
    os.symlink(sh, empty_path / "sh")
    refused = subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "c"], capture_output=True, text=True,
                             env=env, timeout=60)
    assert refused.returncode != 0 and "refused" in refused.stderr and "OBSERVATORY_HOOK_OPTIONAL" in refused.stderr
    allowed = subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "c"], capture_output=True, text=True,
                             env={**env, "OBSERVATORY_HOOK_OPTIONAL": "1"}, timeout=60)
    assert allowed.returncode == 0, allowed.stderr
