"""Acceptance: the real hook entries through the real pre-commit framework (`pre-commit try-repo`).

The hook repository is this checkout (uncommitted changes included: try-repo makes a shadow commit).
pre-commit installs the package into its own environment once per session (PRE_COMMIT_HOME is shared).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from observatory_invariants.api import check
from tests.helpers import REPO_ROOT, SAMPLE, commit_all, git, git_repo, schema, versions_md, write_tree

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
FINDING_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<rule>[A-Z]\d+[a-z]?(?:\.[\w-]+)?) ")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, hook: str, home: Path, *files: str) -> subprocess.CompletedProcess:
    args = [*PRE_COMMIT, "try-repo", str(REPO_ROOT), hook, "--verbose", "--color", "never"]
    args += ["--files", *files] if files else ["--all-files"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e.invalid"}
    return subprocess.run(args, cwd=repo, capture_output=True, text=True, env=env, timeout=900)


def findings_in(output: str) -> set[tuple[str, int, str]]:
    return {(m["path"], int(m["line"]), m["rule"]) for m in map(FINDING_LINE.match, output.splitlines()) if m}


def test_contracts_hook_fails_on_broken_schema_and_passes_when_fixed(tmp_path, pre_commit_home):
    repo = git_repo(tmp_path / "positive", {
        "contracts/schemas/job.json": schema("job"),
        "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
        "README.md": "sample\n",
    })
    write_tree(repo, {"contracts/schemas/job.json": schema("job", version="1.0")})
    git(repo, "add", "-A")
    failed = try_repo(repo, "observatory-contracts", pre_commit_home, "contracts/schemas/job.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "contracts/schemas/job.json:4:3: C3 \"$version\" '1.0' is not SemVer" in failed.stdout

    write_tree(repo, {"contracts/schemas/job.json": schema("job", version="1.0.0")})
    git(repo, "add", "-A")
    passed = try_repo(repo, "observatory-contracts", pre_commit_home, "contracts/schemas/job.json")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    # A file the hook's `files:` pattern does not match does not trigger it at all.
    skipped = try_repo(repo, "observatory-contracts", pre_commit_home, "README.md")
    assert skipped.returncode == 0 and "(no files to check)Skipped" in skipped.stdout.replace(".", "")


def test_hook_library_and_cli_agree_on_the_sample(tmp_path, pre_commit_home):
    repo = tmp_path / "sample"
    shutil.copytree(SAMPLE, repo)
    git_repo(repo)
    commit_all(repo, "sample")
    proc = try_repo(repo, "observatory-contracts", pre_commit_home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    from_hook = findings_in(proc.stdout)
    from_library = {(f.path, f.line, f.rule) for f in check(repo, select=["C1", "C2", "C3", "C5"])}
    assert from_hook == from_library and len(from_hook) == 8

    whole = try_repo(repo, "observatory-invariants", pre_commit_home)
    assert whole.returncode == 1
    assert from_library <= findings_in(whole.stdout)
