"""Pre-commit and CI modes see exactly what will be committed / what changed, and nothing else."""

import os

import pytest

from observatory_invariants.api import InternalCheckError, check
from tests.helpers import commit_all, git, git_repo, run_cli, schema, versions_md, write_tree

UUID = "8a3e1f5c-2b7d-4c1e-9f0a-5d6b7c8e9f01"
JOB = schema("job", required=["id"], properties={"id": {"type": "string", "format": "uuid"}})


@pytest.fixture
def repo(tmp_path):
    return git_repo(tmp_path, {"contracts/schemas/job.json": JOB, "contracts/VERSIONS.md": versions_md({"job": "1.0.0"}),
                               "contracts/fixtures/golden/job-a.json": {"id": UUID},
                               "tools/a.py": "print('x')\n", "tools/data.json": "{}\n", "scripts/run.sh": "#!/bin/sh\n"})


def test_deleting_files_is_not_a_finding(repo):
    git(repo, "rm", "-q", "tools/a.py", "tools/data.json", "scripts/run.sh")
    proc = run_cli("check", "--staged", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    commit_all(repo, "delete")
    proc = run_cli("check", "--base", "HEAD~1", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_staged_mode_checks_the_index_not_the_work_tree(repo):
    write_tree(repo, {"contracts/fixtures/golden/job-b.json": {"id": "bad"}})
    git(repo, "add", "-A")
    write_tree(repo, {"contracts/fixtures/golden/job-b.json": {"id": UUID}})  # fixed, but not staged
    staged_bad = run_cli("check", "--staged", cwd=repo)
    assert staged_bad.returncode == 1 and "job-b.json" in staged_bad.stdout
    git(repo, "add", "-A")
    write_tree(repo, {"contracts/fixtures/golden/job-b.json": {"id": "broken again"}})  # unstaged breakage
    assert run_cli("check", "--staged", cwd=repo).returncode == 0


def test_staged_mode_ignores_untracked_files(repo):
    write_tree(repo, {"contracts/fixtures/golden/job-untracked.json": {"id": "bad"}})
    assert run_cli("check", "--staged", "--select", "C2", cwd=repo).returncode == 0


def test_staged_outside_git_is_a_clear_usage_error(tmp_path):
    write_tree(tmp_path, {".observatory-invariants.toml": ""})
    proc = run_cli("check", "--staged", cwd=tmp_path)
    assert proc.returncode == 2 and "not a git repository" in proc.stderr and len(proc.stderr) < 300


def test_absolute_file_path_from_another_folder_finds_its_repository(repo, tmp_path_factory):
    write_tree(repo, {"contracts/fixtures/golden/job-q.json": {"id": "bad"}})
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    proc = run_cli("check", str(repo / "contracts/fixtures/golden/job-q.json"), cwd=elsewhere)
    assert proc.returncode == 1 and "C2" in proc.stdout


def test_exclude_applies_to_explicit_paths_and_staged_files(repo):
    write_tree(repo, {".observatory-invariants.toml": 'exclude = ["vendor/**"]\n', "vendor/a.py": 'p = "C:\\\\Users\\\\me"\n'})
    assert run_cli("check", "--select", "X3", cwd=repo).returncode == 0
    assert run_cli("check", "vendor/a.py", "--select", "X3", cwd=repo).returncode == 0
    assert run_cli("check", "vendor", "--select", "X3", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    assert run_cli("check", "--staged", "--select", "X3", cwd=repo).returncode == 0


def test_symlink_paths_are_not_followed_out_or_looped(repo):
    os.symlink("loop1", repo / "contracts/fixtures/golden/job-loop.json")
    os.symlink("job-loop.json", repo / "contracts/fixtures/golden/loop1")
    proc = run_cli("check", "contracts/fixtures/golden/job-loop.json", cwd=repo)
    assert proc.returncode == 1 and "symbolic link loop" in proc.stdout and "internal error" not in proc.stderr


def test_library_raises_when_a_check_crashes(repo, monkeypatch):
    from observatory_invariants.rules.contracts import c1_c2_instances as contract_instances

    monkeypatch.setattr(contract_instances, "check_instances", lambda *a, **k: 1 / 0)
    with pytest.raises(InternalCheckError, match="ZeroDivisionError"):
        check(repo, select=["C2"])


def test_library_on_a_missing_folder_is_an_error(tmp_path):
    from observatory_invariants.config import ConfigError

    with pytest.raises(ConfigError, match="not a directory"):
        check(tmp_path / "nope")
