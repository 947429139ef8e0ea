"""Acceptance: the real hook entries through the real pre-commit framework (`pre-commit try-repo`, against one
prepared clone of this checkout: see conftest.py)."""

import shutil

import pytest

from observatory_invariants.api import check
from tests.helpers import SAMPLE, commit_all, findings_in, git, git_repo, schema, versions_md, write_tree

pytestmark = pytest.mark.slow  # a real pre-commit environment: .ci/run runs these, the inner loop does not


def test_contracts_hook_fails_on_broken_schema_and_passes_when_fixed(tmp_path, try_repo):
    repo = git_repo(tmp_path / "positive", {
        "contracts/schemas/job.json": schema("job"),
        "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
        "README.md": "sample\n",
    })
    write_tree(repo, {"contracts/schemas/job.json": schema("job", version="1.0")})
    git(repo, "add", "-A")
    failed = try_repo(repo, "observatory-contracts", "contracts/schemas/job.json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "contracts/schemas/job.json:4:3: C3.version \"$version\" '1.0' is not SemVer" in failed.stdout

    write_tree(repo, {"contracts/schemas/job.json": schema("job", version="1.0.0")})
    git(repo, "add", "-A")
    passed = try_repo(repo, "observatory-contracts", "contracts/schemas/job.json")
    assert passed.returncode == 0, passed.stdout + passed.stderr

    # The hook always runs (a staged deletion has no file to pass) but judges only the staged change: a file its
    # `files:` pattern does not match is not handed to it, and with nothing staged there is nothing to judge.
    other = try_repo(repo, "observatory-contracts", "README.md")
    assert other.returncode == 0 and "Nothing to check: no staged changes." in other.stdout, other.stdout


def test_hook_library_and_cli_agree_on_the_sample(tmp_path, try_repo):
    repo = tmp_path / "sample"
    shutil.copytree(SAMPLE, repo)
    git_repo(repo)
    commit_all(repo, "sample")
    proc = try_repo(repo, "observatory-contracts")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    from_hook = findings_in(proc.stdout)
    from_library = {(f.path, f.line, f.rule) for f in check(repo, select=["C1", "C2", "C3", "C5"])}
    assert from_hook == from_library and len(from_hook) == 8

    whole = try_repo(repo, "observatory-invariants")
    assert whole.returncode == 1
    assert from_library <= findings_in(whole.stdout)
