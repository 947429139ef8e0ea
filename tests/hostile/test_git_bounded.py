"""Issue 15, items 15 and 16: git never runs what the scanned repository configures, stays read-only, and a
repository git refuses (or a missing git) is said, never silently checked as something else."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from observatory_invariants.repo import Repository
from tests.helpers import commit_all, git, git_repo, schema, write_tree
from tests.hostile.bounded import run_bounded


def _repo(tmp_path):
    """A repository with something staged (set up before the vectors: plain git would run them)."""
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", ".gitattributes": "*.json filter=evil\n",
                                        "contracts/schemas/job.json": schema("job")})
    write_tree(repo, {"contracts/schemas/new.json": schema("new")})
    git(repo, "add", "contracts/schemas/new.json")
    return repo


def _every_mode(repo):
    """check, check --staged and check --base HEAD, each with a stat-dirty file git must re-read."""
    results = []
    for args in (("check",), ("check", "--staged"), ("check", "--base", "HEAD")):
        os.utime(repo / "contracts/schemas/job.json", (1, 1))     # stat-dirty: git would re-hash it (filters)
        results.append(run_bounded(*args, cwd=repo).within())
    return results


def test_item15_core_fsmonitor_of_the_scanned_repository_never_runs(tmp_path):
    repo = _repo(tmp_path)
    sentinel = tmp_path / "PWNED-fsmonitor"
    git(repo, "config", "core.fsmonitor", f"touch {sentinel}; false")
    # the vector is real: plain git runs it
    subprocess.run(["git", "-C", str(repo), "status"], capture_output=True)
    assert sentinel.exists(), "this git does not run core.fsmonitor: the test proves nothing here"
    sentinel.unlink()
    for result in _every_mode(repo):
        assert result.returncode in (0, 1), result.stderr
    assert not sentinel.exists()


def test_item15_clean_and_process_filters_of_the_scanned_repository_never_run(tmp_path):
    repo = _repo(tmp_path)
    sentinel = tmp_path / "PWNED-filter"
    git(repo, "config", "filter.evil.clean", f"sh -c 'touch {sentinel}-clean; cat'")
    git(repo, "config", "filter.evil.process", f"sh -c 'touch {sentinel}-process'")
    git(repo, "config", "filter.evil.smudge", f"sh -c 'touch {sentinel}-smudge; cat'")
    git(repo, "config", "diff.external", f"sh -c 'touch {sentinel}-extdiff'")
    os.utime(repo / "contracts/schemas/job.json", (1, 1))
    subprocess.run(["git", "-C", str(repo), "diff", "--name-only"], capture_output=True)
    assert list(tmp_path.glob("PWNED-filter*")), "this git does not run filters: the test proves nothing here"
    for leftover in tmp_path.glob("PWNED-filter*"):
        leftover.unlink()
    for result in _every_mode(repo):
        assert result.returncode in (0, 1), result.stderr
    assert not list(tmp_path.glob("PWNED-filter*"))


def test_item16_base_with_a_submodule_writes_no_index(tmp_path):
    sub = git_repo(tmp_path / "sub-src", {"a.txt": "a"})
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    subprocess.run(["git", "-c", "protocol.file.allow=always", "-C", str(repo), "submodule", "add", "-q", str(sub),
                    "sub"], check=True, capture_output=True)
    commit_all(repo, "submodule")
    os.utime(repo / "sub" / "a.txt", (1, 1))
    os.utime(repo / "contracts/schemas/job.json", (1, 1))
    indexes = [repo / ".git" / "index", repo / ".git" / "modules" / "sub" / "index"]
    before = [p.read_bytes() for p in indexes]
    for args in (("check", "--base", "HEAD"), ("check", "--staged"), ("check",)):
        assert run_bounded(*args, cwd=repo).within().returncode in (0, 1)
    assert [p.read_bytes() for p in indexes] == before


def test_item16_refs_that_name_no_single_commit_are_refused_or_resolved(tmp_path):
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    write_tree(repo, {"contracts/schemas/job.json": "{bad"})
    refused = run_bounded("check", "--base", "^HEAD", cwd=repo).within()
    assert refused.returncode == 2 and "invalid git ref '^HEAD'" in refused.stderr
    for ref in ("@", "HEAD^{/initial}", "HEAD~0"):
        resolved = run_bounded("check", "--base", ref, cwd=repo).within()
        assert resolved.returncode == 1 and "contracts/schemas/job.json" in resolved.stdout, (ref, resolved.stderr)
    for ref in ("HEAD^!", "HEAD^@", "nope"):
        bad = run_bounded("check", "--base", ref, cwd=repo).within()
        assert bad.returncode == 2 and ref in bad.stderr, (ref, bad.stdout, bad.stderr)


@pytest.fixture
def fake_git_path(tmp_path):
    """A PATH whose git says what git says for another user's repository."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text("#!/bin/sh\necho \"fatal: detected dubious ownership in repository at '$PWD'\" >&2\nexit 128\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def test_item16_a_repository_git_refuses_is_said(tmp_path, fake_git_path):
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    plain = run_bounded("check", cwd=repo, env={"PATH": fake_git_path}).within()
    assert "dubious ownership" in plain.stderr and "checked as a plain folder" in plain.stderr
    for args in (("--staged",), ("--base", "HEAD")):
        refused = run_bounded("check", *args, cwd=repo, env={"PATH": fake_git_path}).within()
        assert refused.returncode == 2 and "dubious ownership" in refused.stderr and args[0] in refused.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("git"), reason="needs root to give the repository away")
def test_item16_real_dubious_ownership(tmp_path):
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    for path in (repo, *repo.rglob("*")):
        os.lchown(path, 65534, 65534)
    env = {"HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1"}   # no safe.directory from this machine's config
    plain = run_bounded("check", cwd=repo, env=env).within()
    assert "dubious ownership" in plain.stderr
    staged = run_bounded("check", "--staged", cwd=repo, env=env).within()
    assert staged.returncode == 2 and "dubious ownership" in staged.stderr


def test_item16_git_missing_from_path_is_said(tmp_path):
    repo = git_repo(tmp_path / "repo", {".observatory-invariants.toml": "", "contracts/schemas/job.json": schema("job")})
    env = {"PATH": str(tmp_path / "no-such-bin")}
    argv = [sys.executable, "-m", "observatory_invariants"]
    plain = run_bounded(argv=[*argv, "check"], cwd=repo, env=env).within()
    assert "git is not installed" in plain.stderr and "plain folder" in plain.stderr
    base = run_bounded(argv=[*argv, "check", "--base", "HEAD"], cwd=repo, env=env).within()
    assert base.returncode == 2 and "git is not installed" in base.stderr
    assert Repository(tmp_path).notes == []   # no .git anywhere up: a plain folder is nothing to note
