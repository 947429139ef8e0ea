"""The adoption trial of issue 11, replayed with the real pre-commit framework and real commits on a repository
that has old findings: a clean one-file commit passes, a new violation is blocked with only its own finding, a
staged schema deletion is blocked, and a baseline silences the past while a new finding still fails."""

import os
import subprocess
import sys

import pytest

from tests.acceptance.conftest import GIT_IDENTITY, hook_config
from tests.helpers import git, git_repo, schema, versions_md, write_tree

pytestmark = pytest.mark.slow

OLD = {
    "contracts/schemas/job.json": schema("job"),
    "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
    "src/services/api/Dockerfile": "FROM scratch\nCOPY app.py /app/\n",
    "src/services/api/app.py": "print('hi')\n",
    "src/services/api/VERSION": "1.0.0\n",
    "docker-compose.yml": "services:\n  api:\n    build: src/services/api\n    image: api:1.0.0\n"
                          "  smoke:\n    image: api:latest\n",  # an old B3 error: pulls the own image to run it
    "scripts/install.ps1": "Write-Host 'hello'\n",
    # the team's scripts run on Linux too: X3 findings in them are errors, not "might be Windows-only" warnings
    ".observatory-invariants.toml": '[scripts]\nportable-scripts = ["scripts/*.ps1"]\n',
}
HOOKS = ("observatory-contracts", "observatory-compat", "observatory-docker", "observatory-powershell")


@pytest.fixture
def adopted(tmp_path, hook_repository, pre_commit_home):
    repo = git_repo(tmp_path / "team-repo", {**OLD, ".pre-commit-config.yaml": hook_config(hook_repository, *HOOKS)})
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), **GIT_IDENTITY}
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True, capture_output=True)

    def commit(message: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=600)

    return repo, commit


def test_the_trial(adopted):
    repo, commit = adopted
    write_tree(repo, {"scripts/install.ps1": "# greet\nWrite-Host 'hello'\n"})
    git(repo, "add", "-A")
    clean = commit("comment only")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    write_tree(repo, {"scripts/install.ps1": "# greet\nWrite-Host 'hello'\n$tools = 'C:\\tools'\n"})
    git(repo, "add", "-A")
    blocked = commit("a new hardcoded path")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0 and "scripts/install.ps1:3:" in output and "X3.drive-path" in output
    assert "B3.latest-tag" not in output                     # the old finding elsewhere is not this commit's
    git(repo, "checkout", "--", ".")
    git(repo, "reset", "-q", "--hard")

    git(repo, "rm", "-q", "contracts/schemas/job.json")
    deleted = commit("delete a published schema")
    assert deleted.returncode != 0 and "C4.schema-deleted" in deleted.stdout + deleted.stderr
    git(repo, "reset", "-q", "--hard")


def test_a_baseline_silences_the_past_and_a_new_finding_still_fails(adopted, hook_repository):
    repo, commit = adopted
    subprocess.run([sys.executable, "-m", "observatory_invariants", "baseline"], cwd=repo, check=True,
                   capture_output=True)
    write_tree(repo, {".observatory-invariants.toml": 'baseline = ".observatory-baseline.json"\n'
                                                   + OLD[".observatory-invariants.toml"],
                      ".pre-commit-config.yaml": hook_config(hook_repository, "observatory-invariants")})
    git(repo, "add", "-A")
    assert commit("adopt with a baseline").returncode == 0
    write_tree(repo, {"scripts/install.ps1": "$tools = 'C:\\tools'\n"})
    git(repo, "add", "-A")
    failed = commit("a new finding")
    assert failed.returncode != 0 and "X3.drive-path" in failed.stdout + failed.stderr
    assert "B3.latest-tag" not in failed.stdout + failed.stderr
