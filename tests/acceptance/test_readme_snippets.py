"""The README's pre-commit snippets, run as written (the clone path and commit filled in)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.acceptance.conftest import GIT_IDENTITY
from tests.helpers import REPO_ROOT, git, git_repo, schema, versions_md

pytestmark = pytest.mark.slow


def _snippet(name: str) -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(rf"<!-- snippet:{name} -->\s*```\w*\n(.*?)```", readme, re.S)
    assert match, f"README snippet {name} is missing"
    return match.group(1)


def test_the_readme_pre_commit_snippets_work_as_written(tmp_path, hook_repository, pre_commit_home):
    rev = git(hook_repository, "rev-parse", "HEAD").strip()
    config = _snippet("pre-commit-config").replace("/path/to/observatory-invariants", str(hook_repository))
    config = config.replace("COMMIT_SHA", rev)
    repo = git_repo(tmp_path / "user-repo", {"contracts/schemas/job.json": schema("job", version="1.0"),
                                             "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
                                             ".pre-commit-config.yaml": config})
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), **GIT_IDENTITY}
    run = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 1 and "C3" in run.stdout, run.stdout + run.stderr
    try_repo = _snippet("try-repo").strip().replace("/path/to/observatory-invariants", str(hook_repository)).split()
    assert try_repo[:2] == ["pre-commit", "try-repo"]
    proc = subprocess.run([sys.executable, "-m", "pre_commit", *try_repo[1:]], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1 and "C3" in proc.stdout, proc.stdout + proc.stderr
